// The int8 path on sm_90a: from M = 512 the int8 GEMM is wgmma m64n256k32
// from shared memory (WgmmaInt8GemmKernel.cpp): 128 × 256 output tiles, a
// cp.async pipeline of 64-byte slots (2 K tiles, 64-byte swizzle), the
// epilogue parameters staged in shared memory, the output tile through
// shared memory to guarded, coalesced stores. Same arguments as the
// mma.sync kernel.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=300 | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=300 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX
// By default M = 300 stays on mma.sync, M = 2048 takes wgmma; other chips,
// and int8-wgmma-min-m=0, keep mma.sync.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=DEFAULT
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=chip=sm_90 | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=0 | FileCheck %s --check-prefix=MMA

// W2A8 (u8 asymmetric × int2), M = N = 300, K = 720 (23 K tiles: the last
// slot's second tile zero-filled): 2 × 3 tiles of 128 × 256, 203264 bytes
// (1 KiB slack, 8 slots of 24 KiB, 5.5 KiB of parameters).
// CHECK-LABEL: func.func @w2a8(
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 203264 : i32
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%[[C2]], %[[C3]], %{{.*}}) threads in (%[[C256]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%{{.*}} : memref<223744xi8>, %{{.*}} : memref<223744xi8>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xi32>, %{{.*}} : memref<300xi32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<90000xf32>)
// M = 2048, N = 4096: 16 × 16 tiles.
// CHECK-LABEL: func.func @w4a8_large(
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%[[C16]], %[[C16]], %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %{{.*}} args(
// M = 17 stays on mma.sync m16n8k32 (65792 bytes).
// CHECK-LABEL: func.func @m17(
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %c65792_i32 args(
// Mixed u8 × s8 wgmma needs PTX ISA 8.4: the module's target is raised.
// CHECK: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx84">]
// DEFAULT: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// DEFAULT-LABEL: gpu.func @int8_linear(
// DEFAULT-NOT: wgmma
// DEFAULT: nvvm.mma.sync
// DEFAULT-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// DEFAULT: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8
// MMA-NOT: wgmma
// MMA-LABEL: gpu.func @int8_linear(
// MMA: nvvm.mma.sync
// MMA-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// MMA: nvvm.mma.sync

// The u8 × s8 kernel: 256 threads, one block per SM; row and column tiles
// clamped into range; the parameters staged once; the output tile stored
// under m < M and n < N.
// CHECK-LABEL: gpu.func @int8_linear(
// CHECK-SAME: nvvm.maxntid = array<i32: 256, 1, 1>, nvvm.minctasm = 1 : i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %{{.*}}
// CHECK: nvvm.fence.proxy
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n256k32.s32.u8.s8
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: arith.cmpi ult, %{{.*}}, %c300_i32{{[_0-9]*}} : i32
// CHECK-NEXT: arith.constant 300 : i32
// CHECK-NEXT: arith.cmpi ult, %{{.*}}, %c300_i32{{[_0-9]*}} : i32
// CHECK-NEXT: arith.andi
// CHECK-NEXT: scf.if
// CHECK-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// CHECK: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8

// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .version 8.4
// PTX-SAME: .entry int8_linear(
// PTX-SAME: .maxntid 256, 1, 1\0A.minnctapersm 1\0A
// Loads clamp the row tiles (19 of 16 rows, 38 of 8 columns) into range.
// PTX-SAME: min.u32 \09%r{{[0-9]+}}, %r{{[0-9]+}}, 18;
// PTX-SAME: min.u32 \09%r{{[0-9]+}}, %r{{[0-9]+}}, 37;
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n256k32.s32.u8.s8
// PTX-SAME: wgmma.commit_group.sync.aligned;
// PTX-SAME: wgmma.wait_group.sync.aligned \091;
// The last slot's second K tile is zero-filled (cp.async src-size).
// PTX-SAME: cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16, %r{{[0-9]+}};
// PTX-SAME: mul.rn.f32
// PTX-SAME: add.rn.f32
// PTX-SAME: .entry int8_linear_{{[0-9]+}}(
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8
// PTX-SAME: st.global.v4.b32

func.func @w2a8(%x: tensor<300x720xf32>) -> tensor<300x300xf32> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<300x720xf32> -> tensor<300x720x!bwta.int<8, unsigned>>, tensor<300xf32>, tensor<300xi32>
  %w = bwta.weight "fc.weight" : tensor<300x720x!bwta.int<2>>
  %s = bwta.weight "fc.scale" : tensor<300xf32>
  %b = bwta.weight "fc.bias" : tensor<300xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq) bias(%b)
      : (tensor<300x720x!bwta.int<8, unsigned>>, tensor<300x720x!bwta.int<2>>,
         tensor<300xf32>, tensor<300xf32>, tensor<300xi32>, tensor<300xf32>) -> tensor<300x300xf32>
  return %y : tensor<300x300xf32>
}

func.func @w4a8_large(%x: tensor<2048x4096xf16>) -> tensor<2048x4096xf16> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<2048x4096xf16> -> tensor<2048x4096x!bwta.int<8>>, tensor<2048xf32>
  %w = bwta.weight "w4.weight" : tensor<4096x4096x!bwta.int<4>>
  %s = bwta.weight "w4.scale" : tensor<4096xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s)
      : (tensor<2048x4096x!bwta.int<8>>, tensor<4096x4096x!bwta.int<4>>, tensor<2048xf32>,
         tensor<4096xf32>) -> tensor<2048x4096xf16>
  return %y : tensor<2048x4096xf16>
}

func.func @m17(%x: tensor<17x720xf32>) -> tensor<17x300xf32> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<17x720xf32> -> tensor<17x720x!bwta.int<8>>, tensor<17xf32>
  %w = bwta.weight "m17.weight" : tensor<300x720x!bwta.int<4>>
  %s = bwta.weight "m17.scale" : tensor<300xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s)
      : (tensor<17x720x!bwta.int<8>>, tensor<300x720x!bwta.int<4>>, tensor<17xf32>,
         tensor<300xf32>) -> tensor<17x300xf32>
  return %y : tensor<17x300xf32>
}
