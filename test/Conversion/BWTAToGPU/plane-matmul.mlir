// RUN: bwta-opt %s -bwta-lower-to-gpu | FileCheck %s --check-prefix=IR
// RUN: bwta-opt %s -bwta-lower-to-gpu -bwta-gpu-binary | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-lower-to-gpu="warp-rows=1 warp-cols=1 block-warps-m=1 block-warps-n=1" | FileCheck %s --check-prefix=ONE
// RUN: not bwta-opt %s -bwta-lower-to-gpu="warp-rows=4 warp-cols=8 block-warps-m=1 block-warps-n=1" 2>&1 | FileCheck %s --check-prefix=BIG

// ONE: bwta.block = array<i64: 32, 1, 1>, bwta.grid = array<i64: 3, 3, 2>
// BIG: bwta-lower-to-gpu: tiles must be all 0 (by shape) or all positive, with at most 32 warps per block and 16 MMA tiles per warp

// Ternary activations (2 planes, M = 37) against binary weights (1 plane,
// N = 21), K = 700: 3 row tiles of 16, 3 column tiles of 8, 3 K tiles of
// 256. With the default tiling (a warp takes 2×8 MMA tiles, a block 2×2
// warps: 4×16 tiles) one block per plane pair covers it all.
// IR-LABEL: func.func @ternary_binary
// IR: bwta.plane_matmul {{.*}} {bwta.block = array<i64: 128, 1, 1>, bwta.grid = array<i64: 1, 1, 2>, bwta.kernel = @bwta_kernels::@plane_matmul}
// IR: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// IR: gpu.func @plane_matmul(%{{.*}}: memref<2304xi32>, %{{.*}}: memref<576xi32>, %{{.*}}: memref<1554xi32>) kernel
// IR: gpu.thread_id x
// IR: arith.minui
// IR: scf.for
// IR: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {b1Op = #nvvm.mma_b1op<and_popc>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<b1>, multiplicandBPtxType = #nvvm.mma_type<b1>, shape = #nvvm.shape<m = 16, n = 8, k = 256>}
// IR-COUNT-15: nvvm.mma.sync
// IR-COUNT-64: scf.if

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
