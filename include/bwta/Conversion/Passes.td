//===- Passes.td - bwta conversion passes ------------------*- tablegen -*-===//
#ifndef BWTA_CONVERSION_PASSES_TD
#define BWTA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertBWTAToLinalgPass : Pass<"convert-bwta-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower bwta ops to linalg, tensor, arith and scf (the CPU reference)";
  let description = [{
    Implements the semantics of docs/Semantics.md with plain integer and
    float arithmetic, one output element at a time, so that the result is an
    obviously correct oracle rather than a fast kernel. Quantized tensors
    become `i8` tensors holding their levels (`i16` for 8-bit unsigned and
    balanced types); packed tensors become
    `tensor<P x rowTiles x kTiles x tileRows x tileWords x iW>` storage.
    `bwta.weight` ops are resolved from the safetensors file named by
    `weights`; without it, they are an error.

    This pass is the first step of the `bwta-cpu-reference` pipeline.
  }];
  let options = [
    Option<"weightsPath", "weights", "std::string", /*default=*/"",
           "safetensors file that bwta.weight ops are resolved from">,
  ];
  let statistics = [
    Statistic<"numLoweredOps", "lowered-ops", "Number of bwta ops lowered">,
    Statistic<"numWeightsLoaded", "weights-loaded", "Number of weights read from the weight file">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertBWTAToGPUPass : Pass<"bwta-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Generate binary tensor-core kernels (gpu.func + nvvm) for packed plane matmuls";
  let description = [{
    For each `bwta.plane_matmul` on packed planes (as `bwta-pack-layout`
    lays them out: 32-bit words, K tiles of 256 bits, lhs rows in tiles of
    16, rhs rows in tiles of 8 — the m16n8k256 fragments), generates a
    shape-specialized kernel in the `gpu.module @bwta_kernels`, targeted at
    `chip` with an explicit `#nvvm.target`:

    - one warp per 16×8 output tile of one plane pair; each K tile is one
      `nvvm.mma.sync` m16n8k256 `.b1` `and_popc` (never XOR: it is emulated
      on sm_90) with int32 accumulators;
    - fragments are read straight from the packed tiles: lane (g = lane/4,
      t = lane%4) takes words t and t+4 of A rows g and g+8 and of B row g;
    - the store is guarded by `m < M` and `n < N`, so any M and N are
      correct (padding bits in K are zero, so K needs no guard).

    The op gets `bwta.kernel`, `bwta.grid` and `bwta.block` attributes: the
    launch the runtime's schedule will carry. Targets below sm_80 cannot run
    b1 AND MMA and are refused with a diagnostic (LLVM would crash instead).
    Forms not handled yet (batched, grouped, other tilings) are errors that
    say so.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "target GPU (sm_80 or newer)">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx80\"",
           "PTX features of the nvvm target">,
  ];
  let statistics = [
    Statistic<"numKernels", "kernels", "Kernels generated">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
  ];
}

#endif // BWTA_CONVERSION_PASSES_TD
