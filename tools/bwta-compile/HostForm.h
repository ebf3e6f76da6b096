//===- HostForm.h - a host function as a bundle manifest --------*- C++ -*-===//
//
// Reads the host form of docs/GPU.md (a straight-line function that only
// allocates and launches) into the parts of a bundle manifest. Anything the
// contract does not allow is an error on the op, argument or global at
// fault, so a manifest is only built from a host function understood whole.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_TOOLS_BWTA_COMPILE_HOSTFORM_H
#define BWTA_TOOLS_BWTA_COMPILE_HOSTFORM_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "bwta/runtime/DType.h"

#include <nlohmann/json.hpp>

namespace bwta::compile {

using Json = nlohmann::ordered_json;

/// A host function read into manifest entries. Weights are only collected
/// here (in order of first use); WeightGlobals.h resolves them.
struct HostProgram {
  Json inputs = Json::array(), outputs = Json::array(),
       buffers = Json::array(), kernels = Json::array(),
       schedule = Json::array();
  llvm::SmallVector<mlir::memref::GlobalOp> weights;
  /// The one gpu.module that holds every launched kernel.
  mlir::gpu::GPUModuleOp kernelModule;
  /// Its NVVM target chip, e.g. "sm_90a".
  std::string chip;
};

/// The entry function: `name` if given, else the only function with
/// `bwta.num_outputs`. Reports an error on `module` and returns null if
/// there is none, or several.
mlir::func::FuncOp findEntry(mlir::ModuleOp module, llvm::StringRef name);

/// Reads `entry` per docs/GPU.md ("Host form").
mlir::FailureOr<HostProgram> readHostFunction(mlir::func::FuncOp entry);

/// The manifest dtype of an element type, or nullopt if no tensor of a
/// bundle can have it.
std::optional<runtime::DType> getDType(mlir::Type elementType);

} // namespace bwta::compile

#endif // BWTA_TOOLS_BWTA_COMPILE_HOSTFORM_H
