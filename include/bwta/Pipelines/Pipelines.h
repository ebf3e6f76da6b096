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

struct QuantizePipelineOptions
    : public mlir::PassPipelineOptions<QuantizePipelineOptions> {
  Option<std::string> scheme{
      *this, "scheme", llvm::cl::desc("bwta, wPaQ, wP*aQ or skip"),
      llvm::cl::init("bwta")};
  Option<std::string> recipe{
      *this, "recipe", llvm::cl::desc("JSON recipe with per-layer schemes")};
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("calibration JSON for bwta-distribution-correction "
                     "(docs/Calibration.md)")};
  Option<bool> balance{
      *this, "balance",
      llvm::cl::desc("balance <= 2-bit weights (W2 -> W2*)"),
      llvm::cl::init(false)};
  Option<std::string> path{
      *this, "path",
      llvm::cl::desc("matmul path: auto (cost model), btc or int8"),
      llvm::cl::init("auto")};
};

/// bwta-distribution-correction → bwta-quantize → (bwta-bit-balance) →
/// bwta-btc-decompose → bwta-pack-layout: float model to packed binary
/// plane matmuls.
void buildQuantizePipeline(mlir::OpPassManager &pm,
                           const QuantizePipelineOptions &options);

struct GPUBinaryOptions : public mlir::PassPipelineOptions<GPUBinaryOptions> {
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa (PTX text), bin (cubin, needs ptxas) or fatbin"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "toolkit", llvm::cl::desc("CUDA toolkit path, for ptxas and libdevice (default: CUDA_ROOT, CUDA_HOME or CUDA_PATH, else the directory above the ptxas on PATH)")};
};

/// gpu.module kernels → NVVM/LLVM → PTX or cubin (gpu.binary).
void buildGPUBinaryPipeline(mlir::OpPassManager &pm,
                            const GPUBinaryOptions &options);

/// Registers the named pipelines (bwta-cpu-reference, bwta-quantize-pipeline).
void registerPipelines();

/// The upstream dialects (and their interface models) bwta pipelines use.
void registerUpstreamDialects(mlir::DialectRegistry &registry);

/// The upstream passes bwta pipelines use, so that they can also be run one
/// at a time from bwta-opt.
void registerUpstreamPasses();

} // namespace bwta

#endif // BWTA_PIPELINES_PIPELINES_H
