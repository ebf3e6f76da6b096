//===- Passes.h - bwta transformation passes --------------------*- C++ -*-===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_H
#define BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_H

#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace bwta {

#define GEN_PASS_DECL
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"

/// Rewrites every aggregated linalg op under `root` (linalg.softmax) into
/// the generics of its definition; what bwta-decompose-aggregates runs.
mlir::LogicalResult decomposeAggregatedOps(mlir::Operation *root);

} // namespace bwta

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_H
