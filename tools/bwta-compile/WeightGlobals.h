//===- WeightGlobals.h - weight globals into a bundle -----------*- C++ -*-===//
//
// Fills the weight globals of a host function (declarations carrying
// bwta.weight, bwta.weight_type and optionally bwta.derive) from a
// safetensors file, through the same WeightResolver the CPU reference uses.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_TOOLS_BWTA_COMPILE_WEIGHTGLOBALS_H
#define BWTA_TOOLS_BWTA_COMPILE_WEIGHTGLOBALS_H

#include "HostForm.h"

namespace bwta {
class SafetensorsFile;
namespace runtime {
class BundleWriter;
} // namespace runtime
} // namespace bwta

namespace bwta::compile {

/// Appends the value of each global to `writer`'s WEIGHTS blob and returns
/// the manifest's "weights" entries (named by the globals' symbols). Adds
/// each weight's bwta type to `quantization["weights"]`. `file` may be null
/// (no --weights), which is an error only if there are weights.
mlir::FailureOr<Json> writeWeights(llvm::ArrayRef<mlir::memref::GlobalOp> globals,
                                   const SafetensorsFile *file,
                                   llvm::StringRef path,
                                   runtime::BundleWriter &writer,
                                   Json &quantization);

} // namespace bwta::compile

#endif // BWTA_TOOLS_BWTA_COMPILE_WEIGHTGLOBALS_H
