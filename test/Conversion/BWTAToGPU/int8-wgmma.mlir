// The int8 path on sm_90a: from M = 16 the int8 GEMM is wgmma m64nBNk32
// from shared memory (WgmmaInt8GemmKernel.cpp): both operands in wgmma
// tiles (each 64-byte K slot of a row block one swizzled chunk: the
// activation quantizer writes them, the weight's are derived at compile
// time as int8_wgmma_tiles), a producer warp moving each stage with bulk
// copies onto full/empty mbarriers, two consumer warpgroups, a persistent
// grid of one block per SM, the output tile through shared memory to bulk
// stores; int8-wgmma-cluster=2: clusters of 2 blocks sharing the weight
// tile through multicast copies. Same arguments as the mma.sync kernel.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=300 | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=300 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX
// Forced 256-wide tiles; clusters of 2.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 int8-wgmma-n=256" | FileCheck %s --check-prefix=N256
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 int8-wgmma-cluster=2" | FileCheck %s --check-prefix=CLUSTER
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 int8-wgmma-cluster=2" -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=CLUSTER-PTX
// Without ping-pong: both warpgroups on one 128 × 256 tile at M = 2048.
// For a GPU of 114 SMs: a persistent grid of 114 blocks (and 512 tiles
// are more than 4 per SM there: the cooperative 128 × 256 kernel).
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 sm-count=114" | FileCheck %s --check-prefix=SMS
// Ping-pong forced on the small layers (M > 128): the f32 one with 5 slots
// beside two epilogue areas.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 int8-wgmma-pingpong=1" | FileCheck %s --check-prefix=FORCED
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu="int8-wgmma-min-m=300 int8-wgmma-pingpong=0" | FileCheck %s --check-prefix=COOP
// By default every M here (17, 300, 2048) takes wgmma (measured faster
// than mma.sync from M = 16); other chips, and int8-wgmma-min-m=0, keep
// mma.sync (and the mma.sync layouts).
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=DEFAULT
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=chip=sm_90 | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=0 | FileCheck %s --check-prefix=MMA

// W2A8 (u8 asymmetric × int2), M = N = 300, K = 720 (12 K slots of 64
// bytes, the last half zeros): the levels in wgmma tiles (3 row blocks of
// 128 × 12 slots × 8 KiB), the weight's (2 blocks of 256 rows × 12 × 16
// KiB); 3 × 2 tiles of 256 columns would leave SMs idle, so 128-wide tiles:
// 3 × 3, 9 blocks of 288 threads; f32 output: 8 slots of 16 KiB + the tile
// [128][136] + the parameters + mbarriers + 1 KiB slack.
// CHECK-LABEL: func.func @w2a8(
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 205440 : i32
// CHECK-DAG: %[[C9:.*]] = arith.constant 9 : index
// CHECK-DAG: %[[C288:.*]] = arith.constant 288 : index
// CHECK: %[[LEVELS:.*]] = memref.alloc() : memref<294912xi8>
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels {{.*}} args(%{{.*}} : memref<216000xf32>, %[[LEVELS]] : memref<294912xi8>,
// CHECK: %[[TILES:.*]] = memref.get_global @fc.weight.int8_wgmma_tiles : memref<393216xi8>
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%[[C9]], %{{.*}}, %{{.*}}) threads in (%[[C288]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%[[LEVELS]] : memref<294912xi8>, %[[TILES]] : memref<393216xi8>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xi32>, %{{.*}} : memref<300xi32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<90000xf32>)
// M = 2048, N = 4096: 16 × 32 tiles of 128 × 128 (at least 64, two row
// blocks): ping-pong, the persistent grid of 132 blocks; f16: 9 slots of
// 16 KiB + two epilogue areas (the tile [128][136] + parameters, 38400
// bytes each) + mbarriers (full, empty, turn) + 1 KiB slack.
// CHECK-LABEL: func.func @w4a8_large(
// CHECK-DAG: %[[C132:.*]] = arith.constant 132 : index
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%[[C132]], %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %c225440_i32 args(
// FORCED-LABEL: func.func @w2a8(
// FORCED: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%c9, %c1, %c1) threads in (%c288, %c1, %c1) dynamic_shared_memory_size %c229472_i32
// FORCED-LABEL: func.func @m17(
// FORCED: memref.get_global @m17.weight.int8_tiles
// FORCED-LABEL: gpu.func @int8_linear(
// FORCED: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// FORCED: "bar.sync $0, 128;"
// SMS-LABEL: func.func @w4a8_large(
// SMS: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%c114, %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %c221792_i32 args(
// COOP-LABEL: func.func @w4a8_large(
// COOP: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%c132, %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %c221792_i32 args(
// M = 17 stays on mma.sync m16n8k32 (65792 bytes) with the int8 layouts.
// CHECK-LABEL: func.func @m17(
// CHECK: memref.alloc() : memref<23552xi8>
// CHECK: memref.get_global @m17.weight.int8_tiles : memref<223744xi8>
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} blocks in (%{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size %c65792_i32 args(
// Mixed u8 × s8 wgmma needs PTX ISA 8.4: the module's target is raised.
// CHECK: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx84">]
// DEFAULT: memref.get_global @fc.weight.int8_wgmma_tiles
// DEFAULT: memref.get_global @w4.weight.int8_wgmma_tiles
// DEFAULT: memref.get_global @m17.weight.int8_wgmma_tiles
// DEFAULT: gpu.module @bwta_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx84">]
// DEFAULT-NOT: nvvm.mma.sync
// DEFAULT-LABEL: gpu.func @int8_linear(
// DEFAULT: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// DEFAULT-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// DEFAULT: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// DEFAULT-NOT: nvvm.mma.sync
// MMA-NOT: wgmma
// MMA-LABEL: gpu.func @int8_linear(
// MMA: nvvm.mma.sync
// MMA-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// MMA: nvvm.mma.sync

// The u8 × s8 kernel: 288 threads, one block per SM. One thread
// initializes full (1 arrival + the bytes) and empty (the 8 consumer warps)
// per slot; consumers wait for the kernel before (programmatic dependent
// launch: no wait at the kernel's start), then on full, multiply the
// slot's two K tiles, give the previous slot back; the epilogue stores the
// tile with bulk copies; the producer arms full with a stage's bytes (A 8
// KiB + B 8 KiB) and copies each operand's chunk with one bulk copy: the
// weight's chunks of the first 8 slots (all stages) before it waits for
// the kernel before, the levels' after.
// CHECK-LABEL: gpu.func @int8_linear(
// CHECK-SAME: nvvm.maxntid = array<i32: 288, 1, 1>, nvvm.minctasm = 1 : i32
// CHECK-NEXT: nvvm.griddepcontrol  launch_dependents
// CHECK-NOT: griddepcontrol
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c1_i32
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c8_i32
// CHECK: gpu.barrier
// CHECK: nvvm.shfl.sync idx
// CHECK-NOT: griddepcontrol
// CHECK: scf.if
// CHECK-NEXT: nvvm.griddepcontrol  wait
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: "mbarrier.arrive.shared::cta.b64 _, [$0];"
// CHECK: cp.async.bulk.wait_group.read 0;
// CHECK: bar.sync 1, 256;
// CHECK: nvvm.fence.proxy
// CHECK: cp.async.bulk.global.shared::cta.bulk_group
// CHECK-NOT: griddepcontrol
// CHECK-COUNT-8: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c16384_i32
// CHECK-NOT: try_wait
// CHECK: nvvm.griddepcontrol  wait
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c16384_i32
// CHECK: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c8192_i32
// CHECK: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c8192_i32
// CHECK-NOT: cluster
// The w4a8 layer's quantizer (symmetric s8, f16 rows in 16-byte chunks):
// max |x| over packed pairs, both sign bits cleared.
// CHECK: gpu.func @quantize_levels_{{[0-9]+}}(%{{.*}}: memref<8388608xf16>
// CHECK: %[[ABS:.*]] = arith.andi %{{.*}}, %c2147450879_i32{{[_0-9]*}} : i32
// CHECK: "max.NaN.f16x2 $0, $1, $2;", "=r,r,r" %[[ABS]], %{{.*}} : (i32, i32) -> i32
// Ping-pong: empty counts the 4 warps of one warpgroup, turn[2] too;
// consumer warpgroup w waits for its turn (tiles after its first), then per
// K slot on full, issues both halves' two K tiles (4 wgmmas; scale-d 0 in
// slot 0 starts the accumulators), gives the previous slot back, announces
// the other's turn after its mainloop; its own named barrier (1 + w, 128
// threads) around the epilogue, then its rows by bulk copies.
// CHECK-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c1_i32
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c4_i32
// CHECK: nvvm.griddepcontrol  wait
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: scf.for
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: setp.ne.b32 p, $66, 0;\0Awgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// CHECK-NOT: wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: "mbarrier.arrive.shared::cta.b64 _, [$0];"
// CHECK: scf.yield
// CHECK: "mbarrier.arrive.shared::cta.b64 _, [$0];"
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: cp.async.bulk.wait_group.read 0;
// CHECK: "bar.sync $0, 128;"
// CHECK: nvvm.fence.proxy
// CHECK: "bar.sync $0, 128;"
// CHECK: cp.async.bulk.global.shared::cta.bulk_group
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c16384_i32
// COOP-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// COOP-NOT: turn
// COOP: wgmma.mma_async.sync.aligned.m64n256k32.s32.s8.s8
// COOP: bar.sync 1, 256;
// Clusters of 2 (2 × 3 work items of 2 row tiles: 12 blocks). One
// thread initializes full (1 arrival + the bytes) and empty (8 warps of
// each block of the cluster) per slot; the cluster syncs; consumers wait
// on full, multiply the slot's two K tiles, give the previous slot back to
// both blocks; the producer arms full with a stage's bytes (A 8 KiB + B
// 8 KiB) and copies its half of B (multicast) and A. Every thread waits
// for the kernel before at the start.
// CLUSTER-LABEL: func.func @w2a8(
// CLUSTER: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%c12, %c1, %c1) threads in (%c288, %c1, %c1)
// CLUSTER-LABEL: gpu.func @int8_linear(
// CLUSTER-SAME: nvvm.cluster_dim = array<i32: 2, 1, 1>, nvvm.maxntid = array<i32: 288, 1, 1>, nvvm.minctasm = 1 : i32
// CLUSTER: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c1_i32
// CLUSTER: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c16_i32
// CLUSTER: fence.mbarrier_init.release.cluster
// CLUSTER: barrier.cluster.arrive.release
// CLUSTER: nvvm.shfl.sync idx
// CLUSTER: nvvm.griddepcontrol  wait
// CLUSTER: scf.if
// CLUSTER: mbarrier.try_wait.parity.shared::cta.b64
// CLUSTER: nvvm.wgmma.fence.aligned
// CLUSTER: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// CLUSTER: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// CLUSTER: nvvm.wgmma.commit.group.sync.aligned
// CLUSTER: nvvm.wgmma.wait.group.sync.aligned 1
// CLUSTER: mapa.shared::cluster.u32 remote, $0, $1;\0Ambarrier.arrive.release.cluster.shared::cluster.b64
// CLUSTER: cp.async.bulk.wait_group.read 0;
// CLUSTER: bar.sync 1, 256;
// CLUSTER: nvvm.fence.proxy
// CLUSTER: cp.async.bulk.global.shared::cta.bulk_group
// CLUSTER: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c16384_i32
// CLUSTER: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster [$0], [$1], $2, [$3], $4;", "r,l,r,r,h,~{memory}" %{{.*}}, %{{.*}}, %c4096_i32{{[_0-9]*}}, %{{.*}}, %c3_i16
// CLUSTER: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c8192_i32
// CLUSTER: barrier.cluster.arrive.release
// 256-wide tiles: 3 × 2 tiles, 6 blocks, one plain copy per operand (B 16
// KiB, issued before A; the first 3 stages' B before the wait);
// f32 output: 3 slots beside the tile [128][264].
// N256-LABEL: func.func @w2a8(
// N256: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%c6, %c1, %c1) threads in (%c288, %c1, %c1) dynamic_shared_memory_size %c215600_i32
// N256-LABEL: gpu.func @int8_linear(
// N256-NOT: cluster
// N256: wgmma.mma_async.sync.aligned.m64n256k32.s32.u8.s8
// N256: "mbarrier.arrive.shared::cta.b64 _, [$0];"
// N256: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c24576_i32
// N256: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c16384_i32
// N256: nvvm.griddepcontrol  wait
// N256: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c24576_i32
// N256: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c16384_i32
// N256: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c8192_i32
// N256-NOT: cluster
// N256-LABEL: gpu.func @int8_linear_{{[0-9]+}}(

// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .version 8.4
// PTX-SAME: .entry int8_linear(
// PTX-SAME: .maxntid 288, 1, 1\0A.minnctapersm 1\0A
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n128k32.s32.u8.s8
// PTX-SAME: wgmma.commit_group.sync.aligned;
// PTX-SAME: wgmma.wait_group.sync.aligned \091;
// PTX-SAME: mul.rn.f32
// PTX-SAME: add.rn.f32
// PTX-SAME: cp.async.bulk.global.shared::cta.bulk_group
// PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [
// CLUSTER-PTX: .entry int8_linear(
// CLUSTER-PTX-SAME: .explicitcluster\0A.reqnctapercluster 2, 1, 1
// CLUSTER-PTX-SAME: mapa.shared::cluster.u32
// CLUSTER-PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster
// PTX-SAME: .entry int8_linear_{{[0-9]+}}(
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// PTX-SAME: bar.sync %r{{[0-9]+}}, 128;

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
