// RUN: bwta-opt %s -bwta-lower-to-gpu | FileCheck %s --check-prefix=IR
// RUN: bwta-opt %s -bwta-lower-to-gpu -bwta-gpu-binary | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-lower-to-gpu="warp-rows=1 warp-cols=1 block-warps-m=1 block-warps-n=1" | FileCheck %s --check-prefix=ONE
// RUN: bwta-opt %s -bwta-lower-to-gpu="warp-rows=1 warp-cols=1 block-warps-m=1 block-warps-n=1 split-k=3" | FileCheck %s --check-prefix=SPLIT
// RUN: not bwta-opt %s -bwta-lower-to-gpu="warp-rows=4 warp-cols=8 block-warps-m=1 block-warps-n=1" 2>&1 | FileCheck %s --check-prefix=BIG

// BIG: bwta-lower-to-gpu: tiles must be all 0 (by shape) or all positive, with at most 32 warps per block (M × N × K warps) and 16 MMA tiles per warp

// Ternary activations (2 planes, M = 37) against binary weights (1 plane,
// N = 21), K = 700: 3 row tiles of 16, 3 column tiles of 8, 3 K tiles of
// 256. A warp holds both plane pairs of its tiles; with the default tiling
// (2×8 MMA tiles per warp, 2×2 warps per block) one block covers it all.
// Packed arguments travel as their storage words; the result is written
// into the output argument, flattened.
// IR-LABEL: func.func @ternary_binary(
// IR-SAME: %[[X:.*]]: memref<2304xi32>, %[[W:.*]]: memref<576xi32>, %[[OUT:.*]]: memref<2x1x37x21xi32>)
// IR-SAME: attributes {bwta.num_outputs = 1 : i64}
// IR-DAG: %[[C1:.*]] = arith.constant 1 : index
// IR-DAG: %[[C128:.*]] = arith.constant 128 : index
// IR-DAG: %[[FLAT:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1, 2, 3]] : memref<2x1x37x21xi32> into memref<1554xi32>
// IR: gpu.launch_func @bwta_kernels::@plane_matmul blocks in (%[[C1]], %[[C1]], %[[C1]]) threads in (%[[C128]], %[[C1]], %[[C1]]) args(%[[X]] : memref<2304xi32>, %[[W]] : memref<576xi32>, %[[FLAT]] : memref<1554xi32>)
// IR-NEXT: return
// IR: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// IR: gpu.func @plane_matmul(%{{.*}}: memref<2304xi32>, %{{.*}}: memref<576xi32>, %{{.*}}: memref<1554xi32>) kernel
// IR: gpu.thread_id x
// IR: arith.minui
// IR: scf.for
// IR: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {b1Op = #nvvm.mma_b1op<and_popc>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<b1>, multiplicandBPtxType = #nvvm.mma_type<b1>, shape = #nvvm.shape<m = 16, n = 8, k = 256>}
// 2 × 8 tiles × 2 plane pairs per K step; 64 guarded element stores (each
// storing both pairs).
// IR-COUNT-31: nvvm.mma.sync
// IR-NOT: nvvm.mma.sync
// IR-COUNT-64: scf.if
// IR-NOT: scf.if

// One warp per block, one tile per warp: 3 × 3 blocks.
// ONE-DAG: %[[C3:.*]] = arith.constant 3 : index
// ONE-DAG: %[[C1:.*]] = arith.constant 1 : index
// ONE-DAG: %[[C32:.*]] = arith.constant 32 : index
// ONE: gpu.launch_func @bwta_kernels::@plane_matmul blocks in (%[[C3]], %[[C3]], %[[C1]]) threads in (%[[C32]], %[[C1]], %[[C1]])

// K split over 3 warps (one K tile each): partial sums meet in shared
// memory (3 parts × 1 warp × 8 accumulators × 32 lanes), then the first
// part stores.
// SPLIT: gpu.launch_func @bwta_kernels::@plane_matmul blocks in (%[[C3:.*]], %[[C3]], %[[C1:.*]]) threads in (%[[C96:.*]], %[[C1]], %[[C1]])
// SPLIT: gpu.func @plane_matmul({{.*}}) workgroup(%[[PARTIALS:.*]] : memref<768xi32, #gpu.address_space<workgroup>>) kernel
// SPLIT: scf.for
// SPLIT-COUNT-8: memref.store %{{.*}}, %[[PARTIALS]]
// SPLIT: gpu.barrier
// SPLIT: scf.if
// SPLIT-COUNT-16: memref.load %{{.*}}[[PARTIALS]]

// In the assembly: the native AND-popcount MMA, none of the emulated forms, and the
// bounds checks in front of the stores.
// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .target sm_90a
// PTX-SAME: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
// PTX-SAME: setp.{{[a-z]+}}.u64
// PTX-SAME: st.global.b32
// PTX-NOT: xor.popc
// PTX-NOT: .s4
// PTX-NOT: m8n8k128
func.func @ternary_binary(%x: tensor<2x37x700xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>,
                          %w: tensor<1x21x700xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>) -> tensor<2x1x37x21xi32> {
  %r = bwta.plane_matmul %x, %w : tensor<2x37x700xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1x21x700xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<2x1x37x21xi32>
  return %r : tensor<2x1x37x21xi32>
}
