//===- Pipelines.h - bwta pass pipelines and registration -------*- C++ -*-===//
#ifndef BWTA_PIPELINES_PIPELINES_H
#define BWTA_PIPELINES_PIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace bwta {

struct CPUReferenceOptions
    : public mlir::PassPipelineOptions<CPUReferenceOptions> {
  Option<std::string> weights{
      *this, "weights",
      llvm::cl::desc("safetensors file that bwta.weight ops are resolved from")};
};

/// bwta ops → linalg/tensor/arith/scf → bufferized loops → LLVM dialect, ready
/// for mlir-runner.
void buildCPUReferencePipeline(mlir::OpPassManager &pm,
                               const CPUReferenceOptions &options);

/// Registers the named pipelines (bwta-cpu-reference).
void registerPipelines();

/// The upstream dialects (and their interface models) bwta pipelines use.
void registerUpstreamDialects(mlir::DialectRegistry &registry);

/// The upstream passes bwta pipelines use, so that they can also be run one
/// at a time from bwta-opt.
void registerUpstreamPasses();

} // namespace bwta

#endif // BWTA_PIPELINES_PIPELINES_H
