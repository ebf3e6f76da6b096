// Activation quantizers of many rows take W warps per row (the row staged
// in dynamic shared memory by cp.async); few rows, and quantize-warp-min-m=0,
// take a block of 256 threads per row.
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=WARP
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warp-min-m=0 | FileCheck %s --check-prefix=BLOCK
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warp-min-m=4096 | FileCheck %s --check-prefix=BLOCK
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-warps-per-row=2 | FileCheck %s --check-prefix=TWO
// RUN: not bwta-opt %s -bwta-lower-to-gpu=quantize-warps-per-row=3 2>&1 | FileCheck %s --check-prefix=BAD

// TWO: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c2048{{.*}}) threads in (%c64{{.*}}) dynamic_shared_memory_size %c3024_i32
// BAD: bwta-lower-to-gpu: quantize-warps-per-row must be 0 (by M), 1, 2, 4 or 8, got 3

// 2048 rows: W = 4, one row (128 threads) per block: its K f16 elements
// (2000 bytes) and [2][4][32] f32 + i32 of exchange space.
// WARP: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c2048{{.*}}) threads in (%c128{{.*}}) dynamic_shared_memory_size %c4048_i32
// 16-byte units: 2000 / 16 = 125.
// WARP-LABEL: gpu.func @quantize_pack(
// WARP: gpu.dynamic_shared_memory
// WARP: memref.view
// WARP: nvvm.cp.async.shared.global {{.*}}, 16, cache = {{ *}}cg
// WARP: nvvm.cp.async.commit.group
// WARP: nvvm.cp.async.wait.group 0
// WARP: gpu.barrier
// Then only the Σ|x| fold's exchange before the ballots: the ternary kept
// sum Σ_{|x|>Δ} |x| is folded in the ballot loop (one pass), and a lane picks
// its words with lop3 masks.
// WARP: gpu.barrier
// WARP-NOT: gpu.barrier
// WARP: nvvm.vote.sync ballot
// WARP-NEXT: llvm.inline_asm "lop3.b32 $0, $1, $2, $3, 0xEA;"
// WARP: gpu.shuffle xor

// BLOCK: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%c1056{{.*}}) threads in (%c256, %c1, %c1) {{ *}}args(
// BLOCK-LABEL: gpu.func @quantize_pack(
// BLOCK-NOT: nvvm.cp.async
// BLOCK: gpu.barrier
// BLOCK: nvvm.vote.sync ballot
func.func @layer(%x: tensor<2048x1000xf16>) -> tensor<2048x24xf32> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<2048x1000xf16> -> tensor<2048x1000x!bwta.ternary>, tensor<2048xf32>
  %w = bwta.weight "w" : tensor<24x1000x!bwta.binary>
  %s = bwta.weight "s" : tensor<24xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<2048x1000x!bwta.ternary>, tensor<24x1000x!bwta.binary>,
         tensor<2048xf32>, tensor<24xf32>) -> tensor<2048x24xf32>
  return %y : tensor<2048x24xf32>
}
