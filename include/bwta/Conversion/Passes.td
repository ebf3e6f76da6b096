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
    Rewrites every function that holds bwta ops into the *host form* of
    docs/GPU.md (buffers, weight globals, `gpu.launch_func`s; what
    `bwta-compile` turns into a bundle) and generates its kernels,
    shape-specialized, into `gpu.module @bwta_kernels` with an explicit
    `#nvvm.target` for `chip`:

    - a packing `bwta.quantize` (dynamic, per row) becomes the activation
      kernel: one block of 256 threads per row, grid-stride over the rows,
      granule sums in the lane-tree order of docs/Semantics.md, one warp
      ballot per plane and 32 elements giving a packed word, and the
      planes' row popcounts written in the same pass;
    - a `bwta.btc_epilogue` fed by a `bwta.plane_matmul` becomes one GEMM
      kernel with the epilogue fused: each warp computes `warp-rows` ×
      `warp-cols` 16×8 output tiles for every plane pair, one `nvvm.mma.sync`
      m16n8k256 `.b1` `and_popc` per K tile (never XOR: it is emulated on
      sm_90), fragments read straight from the packed tiles (lane g =
      lane/4, t = lane%4 takes words t and t+4 of A rows g, g+8 and of B row
      g), then recombines the planes, applies popcount corrections, zero
      points, scales and bias in registers (int32 wrapping, then f32 without
      fused multiply-add) and stores f32 or f16 under an `m < M`, `n < N`
      guard; a plane matmul used otherwise is stored as int32 counts;
    - on sm_90a, a BWTA linear layer (ternary activations × binary weights,
      batch 1) with M ≥ `wgmma-min-m` runs the wgmma kernel instead: its
      activations are packed as p and ¬n, both accumulate into one int32
      per output (wgmma m64n128k256 b1 AND-popcount, inline PTX), fed by a
      6-stage cp.async pipeline through dynamic shared memory;
    - an int8-path `bwta.qmatmul` (`#bwta.path<int8>`) becomes an
      activation quantizer writing bytes and one int8 GEMM with the epilogue
      fused: mma.sync m16n8k32, or on sm_90a for M ≥ `int8-wgmma-min-m`
      wgmma m64n256k32 from a cp.async pipeline;
    - popcounts of weights, and weights themselves, become global
      declarations resolved at compile time; `split_planes` of packed
      planes is free (same storage).

    By default the tiling follows the shape: a warp keeps about 128
    accumulators (tiles × plane pairs × 4), 2×2 warps per block, and for
    M ≤ 16 (decode) one output tile per block with K split over up to 8
    warps (partial sums added in shared memory), so that every weight load
    of a block is in flight at once. For M ≤ `gemv-max-m` (default 4, the
    H200 crossover) the same GEMM and epilogue run as a popcount GEMV
    instead: one block per 8 columns, one wide streaming weight load per
    lane and K tile pair issued up front, AND + popc on the CUDA cores for
    each lhs row, shuffle and shared-memory sums (docs/GPU.md). When an
    activation quantizer is read only by such GEMVs (`gemv-quantize`), it
    runs inside each GEMV block instead of as a kernel of its own: one
    kernel per decode layer. Targets below sm_80 cannot run b1 AND MMA and are
    refused with a diagnostic (LLVM would crash instead). Anything else in
    such a function (float ops, batched or grouped forms, static
    quantizers) is an error that names the op.
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
    Option<"splitK", "split-k", "int64_t", /*default=*/"1",
           "warps per block along K (partial sums added in shared memory); "
           "used with explicit tiles, chosen by shape otherwise">,
    Option<"gemvMaxM", "gemv-max-m", "int64_t", /*default=*/"-1",
           "largest M (lhs rows per batch) computed by the popcount GEMV "
           "instead of mma.sync tiles; -1 picks the measured default, 0 "
           "never (explicit tiles also select mma.sync)">,
    Option<"gemvRows", "gemv-rows", "int64_t", /*default=*/"0",
           "lhs rows per GEMV block (the weights stay in registers across "
           "them); 0: all M rows in one block">,
    Option<"gemvMma", "gemv-mma", "int64_t", /*default=*/"-1",
           "the GEMV's dot: 1 on the binary tensor cores (mma.sync m16n8k256 "
           "and.popc, the block's rows and planes as A rows), 0 as AND + popc "
           "on the CUDA cores, -1 the measured choice (tensor cores from 6 "
           "plane pair products per weight word)">,
    Option<"gemvQuantize", "gemv-quantize", "bool", /*default=*/"true",
           "quantize the lhs rows inside the GEMV blocks that read them "
           "(decode) when nothing else reads the quantizer's results">,
    Option<"gemvQuantizeMaxRows", "gemv-quantize-max-rows", "int64_t",
           /*default=*/"-1",
           "most lhs rows per GEMV block whose quantizer runs inside the "
           "block (one row after the other); -1 the measured default">,
    Option<"wgmmaMinM", "wgmma-min-m", "int64_t", /*default=*/"-1",
           "smallest M of a BWTA linear layer computed by the wgmma kernel "
           "on sm_90a; -1 picks the measured default, 0 never (explicit "
           "tiles also select mma.sync)">,
    Option<"int8WgmmaMinM", "int8-wgmma-min-m", "int64_t", /*default=*/"-1",
           "smallest M of an int8-path qmatmul computed by the wgmma int8 "
           "GEMM on sm_90a instead of mma.sync m16n8k32; -1 picks the "
           "measured default, 0 never">,
    Option<"int8WgmmaN", "int8-wgmma-n", "int64_t", /*default=*/"0",
           "tile width of the wgmma int8 GEMM (128 or 256); other values "
           "pick by shape">,
    Option<"int8WgmmaCluster", "int8-wgmma-cluster", "int64_t",
           /*default=*/"1",
           "blocks per cluster of the wgmma int8 GEMM: 1, or 2 (row tiles "
           "128 apart share the weight tile through multicast bulk copies; "
           "twice as slow on the H200, bench/RESULTS.md)">,
    Option<"int8WgmmaPingpong", "int8-wgmma-pingpong", "int64_t",
           /*default=*/"-1",
           "ping-pong configuration of the wgmma int8 GEMM (one block per SM "
           "whose two consumer warpgroups take turns on 128x128 tiles of "
           "their own): 1 wherever M > 128, 0 never, -1 the measured default "
           "(K <= 4096 with 165-528 such tiles); int8-wgmma-n=256 and "
           "int8-wgmma-cluster=2 turn it off">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "streaming multiprocessors of the GPU the kernels are built for "
           "(H100 SXM, H200: 132; H100 PCIe: 114): the persistent wgmma "
           "GEMMs launch one block per SM and pick their configurations by "
           "blocks per SM">,
    Option<"wgmmaSpecialized", "wgmma-specialized", "bool", /*default=*/"true",
           "let the BWTA wgmma kernel take its persistent warp-specialized "
           "configuration (a producer warp) where it has at least "
           "wgmma-specialized-min-tiles output tiles (faster there on the "
           "H200, slower below; bench/RESULTS.md)">,
    Option<"wgmmaSpecializedMinTiles", "wgmma-specialized-min-tiles", "int64_t",
           /*default=*/"-1",
           "fewest output tiles (128 x wgmma-specialized-n) for the "
           "warp-specialized configuration; -1 picks the measured default "
           "(ping-pong: 64 tiles of 128x128 and M > 128; else 512 tiles of "
           "128x128, 924 of 128x256)">,
    Option<"wgmmaSpecializedN", "wgmma-specialized-n", "int64_t",
           /*default=*/"128",
           "tile width of the warp-specialized configuration: 128 "
           "(ping-pong; with wgmma-pingpong=false two blocks per SM, f16 "
           "outputs only) or 256 (one block per SM, both warpgroups on a "
           "tile)">,
    Option<"wgmmaPingpong", "wgmma-pingpong", "bool", /*default=*/"true",
           "make the warp-specialized configuration of the BWTA wgmma "
           "kernel ping-pong: one block per SM whose two consumer warpgroups "
           "take turns on 128x128 tiles of their own, one's epilogue during "
           "the other's mainloop (by default from 64 tiles and M > 128); "
           "false: both warpgroups on one tile of 128 x "
           "wgmma-specialized-n">,
    Option<"wgmmaOverlap", "wgmma-overlap", "bool", /*default=*/"false",
           "run the activation quantizer and the BWTA wgmma GEMM that alone "
           "reads its planes at the same time: the quantizer (one block per "
           "SM) signals each finished 128-row block, the GEMM (with fewer "
           "slots, so a quantizer block fits beside it) copies a row block "
           "once it is signalled. Experimental: correct, but slower on the "
           "H200 so far (bench/RESULTS.md, session 11)">,
    Option<"quantizeWarpMinM", "quantize-warp-min-m", "int64_t",
           /*default=*/"-1",
           "smallest M (rows) an activation quantizer packs with a warp per "
           "row instead of a block per row; -1 picks the measured default, 0 "
           "never">,
    Option<"quantizeWarpsPerRow", "quantize-warps-per-row", "int64_t",
           /*default=*/"0",
           "warps sharing a row in such a quantizer (1, 2, 4 or 8); 0 picks "
           "by M">,
    Option<"quantizeLaneWarps", "quantize-lane-warps", "int64_t",
           /*default=*/"0",
           "warps sharing a ternary f16/f32 row in the lane walker, the "
           "default warp-per-row quantizer of such rows (1, 2 or 4); 0 "
           "picks by shape">,
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
