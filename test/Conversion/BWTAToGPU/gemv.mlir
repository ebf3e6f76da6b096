// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-quantize=false gemv-mma=0" | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-quantize=false gemv-mma=0" -bwta-gpu-binary | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-quantize=false gemv-mma=1" | FileCheck %s --check-prefix=TC
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-quantize=false gemv-max-m=16" | FileCheck %s --check-prefix=TC5
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-quantize=false gemv-mma=1" -bwta-gpu-binary | FileCheck %s --check-prefix=TCPTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-max-m=0 | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-max-m=16 gemv-rows=2 gemv-quantize=false gemv-mma=0" | FileCheck %s --check-prefix=ROWS
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-quantize=false | FileCheck %s --check-prefix=PDL
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=QUANT
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu -bwta-gpu-binary | FileCheck %s --check-prefix=QPTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=W2A8
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=W2A8M8
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-max-m=8 gemv-quantize-max-rows=8" | FileCheck %s --check-prefix=QROWS

// By default a quantizer read only by GEMVs runs inside them: @decode is
// one kernel of 8 warps (the quantizer's block-per-row walker) reading x.
// Its weight loads go first, then the wait for the kernel before, then the
// row: loads of x, the reductions (barriers), one ballot per plane and
// word into 16-byte-aligned shared planes, then the popcounts read them
// back with vector loads. @rows5 (M = 5 > gemv-max-m) keeps quantize_pack.
// QUANT-LABEL: func.func @decode(
// QUANT: gpu.launch_func @bwta_kernels::@linear blocks in (%{{.*}}, %[[C1:.*]], %[[C1]]) threads in (%[[C256:.*]], %[[C1]], %[[C1]]) args(%{{.*}} : memref<700xf32>, %{{.*}} : memref<576xi32>, %{{.*}} : memref<21xi32>, %{{.*}} : memref<21xf32>, %{{.*}} : memref<21xf32>, %{{.*}} : memref<21xf32>)
// QUANT-NEXT: return
// QUANT-LABEL: func.func @rows5(
// QUANT: gpu.launch_func @bwta_kernels::@quantize_pack
// QUANT: gpu.func @linear(%[[X:.*]]: memref<700xf32>,
// QUANT-SAME: %[[PLANES:[a-z0-9]+]] : memref<48xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}
// QUANT-NEXT: nvvm.griddepcontrol launch_dependents
// QUANT: llvm.inline_asm has_side_effects "ld.global.nc.L1::no_allocate.v4.u32
// QUANT-NOT: memref.load %[[X]]
// QUANT: nvvm.griddepcontrol wait
// QUANT: memref.load %[[X]]
// QUANT: gpu.barrier
// QUANT: nvvm.vote.sync ballot
// QUANT: memref.store %{{.*}}, %[[PLANES]]
// QUANT: gpu.barrier
// QUANT: llvm.load {{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xi32>
// QUANT: llvm.intr.ctpop
// QPTX: .entry linear(
// QPTX-SAME: .shared .align 16
// QPTX-SAME: griddepcontrol.wait
// QPTX-SAME: vote.sync.ballot.b32
// QPTX-SAME: ld.shared.v4.b32
// QPTX-SAME: popc.b32
// QPTX-SAME: .entry quantize_pack(

// Programmatic dependent launch: every kernel lets the next one launch and
// waits for the one before, at its start — the GEMV only after its weight
// loads are in flight (no kernel writes weights).
// PDL-LABEL: gpu.func @quantize_pack(
// PDL-SAME: bwta.grid_dependency
// PDL-NEXT: nvvm.griddepcontrol launch_dependents
// PDL-NEXT: nvvm.griddepcontrol wait
// PDL-LABEL: gpu.func @linear(
// PDL-SAME: bwta.grid_dependency
// PDL-NEXT: nvvm.griddepcontrol launch_dependents
// PDL-NOT: nvvm.griddepcontrol
// PDL: ld.global.nc.L1::no_allocate.v4.u32
// PDL-NOT: ld.global.nc.L1::no_allocate
// PDL: nvvm.griddepcontrol wait
// PDL-NOT: nvvm.griddepcontrol
// PDL-LABEL: gpu.func @quantize_pack_0(

// Decode (M = 1) runs as the popcount GEMV: one block per 8 columns
// (N = 21: 3 blocks), K = 700 is 3 K tiles = 2 tile pairs, so 2 warps;
// the warps' column sums meet in shared memory (2 warps × 8 columns).
// CHECK-LABEL: func.func @decode(
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack
// CHECK: gpu.launch_func @bwta_kernels::@linear blocks in (%[[C3]], %[[C1]], %[[C1]]) threads in (%[[C64]], %[[C1]], %[[C1]])
// M = 5 is past the default threshold: mma.sync tiles.
// CHECK-LABEL: func.func @rows5(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}}
// The GEMV: every weight load of a lane (one 16-byte non-coherent,
// L1-bypassing load per K tile pair), zeroed past K, before the rows'
// AND + popcount; butterfly sums over the 4 lanes of a column, the column
// sums of the warps in shared memory, then the epilogue per (row, column)
// under m < M, n < N.
// CHECK: gpu.func @linear({{.*}}) workgroup(%[[RED:.*]] : memref<16xi32, #gpu.address_space<workgroup>>) kernel
// CHECK: llvm.inline_asm has_side_effects "ld.global.nc.L1::no_allocate.v4.u32 {$0, $1, $2, $3}, [$4];", "=r,=r,=r,=r,l"
// CHECK: arith.select
// CHECK: scf.for
// CHECK: llvm.load {{.*}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
// CHECK-COUNT-8: llvm.intr.ctpop
// CHECK-NOT: llvm.intr.ctpop
// CHECK: nvvm.shfl.sync bfly
// CHECK: nvvm.shfl.sync bfly
// CHECK: memref.store %{{.*}}, %[[RED]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: scf.if %[[IN]]
// CHECK-COUNT-2: memref.load %[[RED]]
// CHECK: arith.sitofp
// CHECK: memref.store
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.func @linear_{{[0-9]+}}
// CHECK: nvvm.mma.sync

// In the assembly: popc on the CUDA cores, the streaming weight load, the
// shuffles and the guarded stores; no library calls.
// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .entry linear(
// PTX-SAME: ld.global.nc.L1::no_allocate.v4.u32
// PTX-SAME: popc.b32
// PTX-SAME: shfl.sync.bfly.b32
// PTX-SAME: bar.sync
// PTX-SAME: st.global.b32
// PTX-SAME: .entry linear_{{[0-9]+}}(
// PTX-SAME: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
// PTX-NOT: call
// PTX-NOT: __nv_

// gemv-mma=1: the GEMV's dot on the binary tensor cores. A rows are
// the block's (row, plane) pairs — at M = 1 the 2 ternary planes, rows g
// and g + 8 of the fragment clamped to them — B the 8 columns of a tile;
// a lane's 16-byte weight load of a K tile pair feeds two MMAs (words 0, 1
// and 2, 3 as b0, b1), its A fragment the same K words of its A rows
// (two 16-byte loads). Then per output the plane pairs' coefficients,
// sums over the 8 lanes of a column (butterflies 4, 8, 16), the warps'
// sums in shared memory and the epilogue.
// TC-LABEL: gpu.func @linear(
// TC: llvm.inline_asm has_side_effects "ld.global.nc.L1::no_allocate.v4.u32
// TC: nvvm.griddepcontrol wait
// TC-NOT: scf.for
// TC-COUNT-2: llvm.load {{.*}} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
// TC-NOT: llvm.intr.ctpop
// TC-COUNT-2: nvvm.mma.sync {{.*}}b1Op = #nvvm.mma_b1op<and_popc>, layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>{{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 256>
// TC-NOT: nvvm.mma.sync
// TC: nvvm.shfl.sync bfly %{{.*}}, %{{.*}}, %[[C4:.*]], %
// TC: nvvm.shfl.sync bfly %{{.*}}, %{{.*}}, %[[C8:.*]], %
// TC: nvvm.shfl.sync bfly %{{.*}}, %{{.*}}, %[[C16:.*]], %
// TC: gpu.barrier
// TC-NOT: llvm.intr.ctpop
// TC: gpu.func @linear_{{[0-9]+}}
// By default the tensor cores from 6 plane pair products per weight word:
// M = 5 rows × 2 planes = 10 A rows, still one MMA pair per K tile pair
// (@decode, 2 products, keeps popc: the CHECK lines above).
// TC5-LABEL: gpu.func @linear_{{[0-9]+}}(
// TC5-COUNT-2: nvvm.mma.sync
// TC5-NOT: nvvm.mma.sync
// TC5: gpu.barrier
// TCPTX: .entry linear(
// TCPTX-NOT: popc.b32
// TCPTX: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
// TCPTX-NOT: popc.b32
// TCPTX: .entry linear_{{[0-9]+}}(

// gemv-max-m=0: both on mma.sync tiles (M = 1: one tile, K over 3 warps).
// MMA-LABEL: func.func @decode(
// MMA: gpu.launch_func @bwta_kernels::@linear blocks in (%[[C1:.*]], %[[C3:.*]], %[[C1]]) threads in (%[[C96:.*]], %[[C1]], %[[C1]])
// MMA-NOT: no_allocate
// MMA: gpu.func @linear(
// MMA: nvvm.mma.sync

// Two rows per GEMV block: M = 5 in 3 blocks along y, the last one with
// one row (a loop bound of min(2, M − first row)).
// ROWS-LABEL: func.func @rows5(
// ROWS: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%[[C3:.*]], %[[C3]], %[[C1:.*]]) threads in (%[[C64:.*]], %[[C1]], %[[C1]])
// ROWS: gpu.func @linear_{{[0-9]+}}({{.*}}) workgroup(%{{.*}} : memref<32xi32, #gpu.address_space<workgroup>>) kernel
// ROWS: arith.minui %{{.*}}, %{{.*}} : index
// ROWS: scf.for
// ROWS: llvm.intr.ctpop

func.func @decode(%x: tensor<1x700xf32> {bwta.name = "x"}) -> (tensor<1x21xf32> {bwta.name = "y"}) {
  %t, %sx = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<1x700xf32> -> tensor<1x700x!bwta.ternary>, tensor<1xf32>
  %w = bwta.weight "w" : tensor<21x700x!bwta.binary>
  %s = bwta.weight "s" : tensor<21xf32>
  %b = bwta.weight "b" : tensor<21xf32>
  %y = bwta.qmatmul %t, %w scales(%sx, %s) bias(%b)
      : (tensor<1x700x!bwta.ternary>, tensor<21x700x!bwta.binary>, tensor<1xf32>, tensor<21xf32>, tensor<21xf32>) -> tensor<1x21xf32>
  return %y : tensor<1x21xf32>
}

func.func @rows5(%x: tensor<5x700xf32>) -> tensor<5x21xf32> {
  %t, %sx = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<5x700xf32> -> tensor<5x700x!bwta.ternary>, tensor<5xf32>
  %w = bwta.weight "w" : tensor<21x700x!bwta.binary>
  %s = bwta.weight "s" : tensor<21xf32>
  %y = bwta.qmatmul %t, %w scales(%sx, %s)
      : (tensor<5x700x!bwta.ternary>, tensor<21x700x!bwta.binary>, tensor<5xf32>, tensor<21xf32>) -> tensor<5x21xf32>
  return %y : tensor<5x21xf32>
}

// gemv-quantize-max-rows=8: @rows5's 5 rows are quantized inside its GEMV
// block, one after the other (a loop over the rows around the walker),
// into 5 rows of shared planes (2 planes × 3 K tiles × 5 rows × 8); then the tensor-core dot (10 products).
// QROWS-LABEL: func.func @rows5(
// QROWS-NOT: quantize_pack
// QROWS: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}}
// QROWS-NEXT: return
// QROWS-LABEL: gpu.func @linear_{{[0-9]+}}(
// QROWS-SAME: memref<240xi32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}
// QROWS: nvvm.griddepcontrol wait
// QROWS: scf.for
// QROWS: nvvm.vote.sync ballot
// QROWS: nvvm.mma.sync

// W2A8 decode (8 × 2 = 16 plane pair products per weight word) takes the
// tensor cores by default, with its quantizer inside: one kernel whose
// 8 activation planes are A rows 0–7 (rows 8–15 repeat row 7 and count
// nothing), two MMAs per weight plane and K tile pair, no popc.
// W2A8-LABEL: func.func @w2a8_decode(
// W2A8: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}}
// W2A8-NEXT: return
// W2A8-LABEL: gpu.func @linear_{{[0-9]+}}(
// W2A8: nvvm.griddepcontrol wait
// W2A8: nvvm.vote.sync ballot
// W2A8: llvm.load {{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xi32>
// W2A8-NOT: llvm.intr.ctpop
// W2A8-COUNT-4: nvvm.mma.sync {{.*}}b1Op = #nvvm.mma_b1op<and_popc>
// W2A8-NOT: nvvm.mma.sync
// W2A8-NOT: llvm.intr.ctpop
// W2A8: gpu.barrier
// W2A8: gpu.return
func.func @w2a8_decode(%x: tensor<1x300xf16>) -> tensor<1x20xf16> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<1x300xf16> -> tensor<1x300x!bwta.int<8, unsigned>>, tensor<1xf32>, tensor<1xi32>
  %w = bwta.weight "w2" : tensor<20x300x!bwta.int<2>>
  %s = bwta.weight "s2" : tensor<20xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<1x300x!bwta.int<8, unsigned>>, tensor<20x300x!bwta.int<2>>, tensor<1xf32>, tensor<20xf32>, tensor<1xi32>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}

// With the tensor-core dot, 8+ plane pair products per weight word keep the
// GEMV up to M = 12 (W2A8 M = 8: 64 A rows, four MMA row groups, each
// 2 MMAs per weight plane and K tile pair: 16 MMAs); the quantizer stays
// a kernel of its own (more than one row per block).
// W2A8M8-LABEL: func.func @w2a8_m8(
// W2A8M8: gpu.launch_func @bwta_kernels::@quantize_pack
// W2A8M8: gpu.launch_func @bwta_kernels::@[[K:linear_[0-9]+]] blocks in (%[[C3:.*]], %[[C1:.*]], %[[C1]])
// W2A8M8-NEXT: return
// W2A8M8: gpu.func @[[K]](
// W2A8M8-NOT: llvm.intr.ctpop
// W2A8M8-COUNT-16: nvvm.mma.sync
// W2A8M8-NOT: nvvm.mma.sync
// W2A8M8: gpu.return
func.func @w2a8_m8(%x: tensor<8x300xf16>) -> tensor<8x20xf16> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<8x300xf16> -> tensor<8x300x!bwta.int<8, unsigned>>, tensor<8xf32>, tensor<8xi32>
  %w = bwta.weight "w2" : tensor<20x300x!bwta.int<2>>
  %s = bwta.weight "s2" : tensor<20xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<8x300x!bwta.int<8, unsigned>>, tensor<20x300x!bwta.int<2>>, tensor<8xf32>, tensor<20xf32>, tensor<8xi32>) -> tensor<8x20xf16>
  return %y : tensor<8x20xf16>
}
