// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-quantize=false | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-quantize=false -bwta-gpu-binary | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-max-m=0 | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu="gemv-max-m=16 gemv-rows=2 gemv-quantize=false" | FileCheck %s --check-prefix=ROWS
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=gemv-quantize=false | FileCheck %s --check-prefix=PDL
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=QUANT
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu -bwta-gpu-binary | FileCheck %s --check-prefix=QPTX

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
