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

    - each warp computes `warp-rows` × `warp-cols` 16×8 output tiles of one
      plane pair, reusing each fragment across the others; a block holds
      `block-warps-m` × `block-warps-n` warps; each K tile of each output
      tile is one `nvvm.mma.sync` m16n8k256 `.b1` `and_popc` (never XOR: it
      is emulated on sm_90) with int32 accumulators. By default the tiling
      follows the shape (measured on an H200, bench/RESULTS.md): 2×8 tiles
      per warp and 2×2 warps per block, or for M ≤ 16 (decode) one tile per
      warp and 4 warps along N, so that enough blocks fill the chip;
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
    Option<"warpRows", "warp-rows", "int64_t", /*default=*/"0",
           "16-row MMA tiles per warp (each B fragment reused this often); "
           "0 picks by shape">,
    Option<"warpCols", "warp-cols", "int64_t", /*default=*/"0",
           "8-column MMA tiles per warp (each A fragment reused this often); "
           "0 picks by shape">,
    Option<"blockWarpsM", "block-warps-m", "int64_t", /*default=*/"0",
           "warps per block along M; 0 picks by shape">,
    Option<"blockWarpsN", "block-warps-n", "int64_t", /*default=*/"0",
           "warps per block along N; 0 picks by shape">,
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
