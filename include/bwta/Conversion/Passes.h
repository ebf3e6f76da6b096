//===- Passes.h - bwta conversion passes ------------------------*- C++ -*-===//
#ifndef BWTA_CONVERSION_PASSES_H
#define BWTA_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace bwta {

#define GEN_PASS_DECL
#include "bwta/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bwta/Conversion/Passes.h.inc"

} // namespace bwta

#endif // BWTA_CONVERSION_PASSES_H
