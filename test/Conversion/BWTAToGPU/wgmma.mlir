// BWTA linear layers (ternary activations × binary weights) with M ≥ 17 on
// sm_90a take the wgmma kernel (bench/proto/FINDINGS.md, large M): the
// activation kernel packs p and q = ¬n (masked to the valid K bits) in
// wgmma tiles of 128 rows, the weights are derived at compile time as b1
// wgmma tiles of 256 rows, and the GEMM runs m64nBNk256 b1 AND-popcount
// wgmmas from shared memory filled by bulk copies, with dynamic shared
// memory.
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefix=NOGLOBAL
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-specialized=false | FileCheck %s --check-prefix=PIPELINED
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-specialized-min-tiles=1 | FileCheck %s --check-prefix=FORCED
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-specialized-n=256 | FileCheck %s --check-prefix=N256
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-pingpong=false | FileCheck %s --check-prefix=COOP
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=sm-count=114 | FileCheck %s --check-prefix=SMS
// Other chips, and wgmma-min-m=0, keep mma.sync and the plain p/n planes.
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=chip=sm_90 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-min-m=0 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=MMA
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-min-m=0 | FileCheck %s --check-prefix=MMA-IR

// The weights: [⌈N/256⌉][KT][256][8] words each (w: 300 × 700 → 2 × 3 ×
// 2048), derived by bwta-compile; a weight that only wgmma GEMMs read has
// no global as stored. w3 is read by an mma.sync GEMM (M = 16) too.
// CHECK-DAG: memref.global "private" constant @w.b1_wgmma_tiles : memref<12288xi32> {{{.*}}bwta.derive = "b1_wgmma_tiles", bwta.weight = "w"
// CHECK-DAG: memref.global "private" constant @w.plane_popcount : memref<300xi32>
// CHECK-DAG: memref.global "private" constant @w3 : memref<1024xi32>
// CHECK-DAG: memref.global "private" constant @w3.b1_wgmma_tiles : memref<4096xi32>
// NOGLOBAL-NOT: constant @w : memref
// NOGLOBAL-NOT: constant @w2 : memref
// NOGLOBAL-NOT: constant @w4 : memref

// M = N = 300, K = 700 (3 K tiles): 3 × 3 blocks of 128 × 128, 256
// threads; one block per SM, so 16 slots: 200320 bytes of dynamic shared
// memory (1 KiB alignment slack, 16 slots of 12 KiB, 2.5 KiB of epilogue
// parameters, 16 mbarriers). The activations: 3 row blocks × 3 K tiles ×
// 2 planes × 128 rows × 8 words.
// CHECK-LABEL: func.func @off_tiles(
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 200320 : i32
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack blocks {{.*}} args(%{{.*}}, %[[A:.*]] : memref<18432xi32>,
// CHECK: gpu.launch_func @bwta_kernels::@linear blocks in (%[[C3:.*]], %[[C3]], %{{.*}}) threads in (%[[C256:.*]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%[[A]] : memref<18432xi32>, %{{.*}} : memref<12288xi32>,
// CHECK-LABEL: func.func @vector_f32(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%[[C2:.*]], %[[C2]], %{{.*}}) threads in (%{{.*}}) dynamic_shared_memory_size
// M = 16 stays on mma.sync (its split-K decode tiling is faster there),
// M = 17 takes wgmma.
// CHECK-LABEL: func.func @m16(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in ({{[^)]*}}) threads in ({{[^)]*}}) args(
// CHECK-LABEL: func.func @m17(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in ({{[^)]*}}) threads in ({{[^)]*}}) dynamic_shared_memory_size
// M = 4096, N = 7424: 32 × 58 = 1856 tiles of 128 × 128, at least 64,
// so the ping-pong kernel: a persistent grid of one block per SM (132) of
// 288 threads (two consumer warpgroups, each on tiles of its own, and a
// producer warp), 223440 bytes (1 KiB slack, 12 slots of 12 KiB, two
// epilogue areas of an f16 output tile [128][136] and 2.5 KiB of
// parameters, 26 mbarriers). With wgmma-pingpong=false both warpgroups
// share a tile, two blocks per SM (264), 112224 bytes each (6 slots, one
// epilogue area, 12 mbarriers); with 128 × 256 tiles (928, at least 7
// rounds of 132), one block per SM: 203904 bytes (8 slots of 16 KiB, the
// tile [128][264], 4 KiB of parameters, 16 mbarriers). With
// wgmma-specialized=false the pipelined kernel, 256 threads, runs it.
// PIPELINED-LABEL: func.func @specialized(
// PIPELINED: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c58{{.*}}, %c32{{.*}}, %{{.*}}) threads in (%c256{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size
// For a GPU of 114 SMs (sm-count) the persistent grid has 114 blocks.
// SMS-LABEL: func.func @specialized(
// SMS: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c114{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288
// CHECK-LABEL: func.func @specialized(
// CHECK-DAG: %[[SSMEM:.*]] = arith.constant 223440 : i32
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c132{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SSMEM]] args(
// COOP-LABEL: func.func @specialized(
// COOP-DAG: %[[CSMEM:.*]] = arith.constant 112224 : i32
// COOP: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c264{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[CSMEM]] args(
// N256-LABEL: func.func @specialized(
// N256-DAG: %[[S256:.*]] = arith.constant 203904 : i32
// N256: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c132{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[S256]] args(
// M = 1100, N = 3900: 279 tiles of 128 × 128, at least 64: ping-pong.
// Without it, fewer than 512: the pipelined kernel.
// CHECK-LABEL: func.func @few_tiles(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c132{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size
// Ping-pong from 64 tiles, but not for one row block (M ≤ 128 keeps the
// pipelined kernel's deeper slots): 2 × 32 tiles take it (64 blocks), 1 ×
// 65 do not.
// CHECK-LABEL: func.func @two_row_blocks(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c64{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size
// CHECK-LABEL: func.func @one_row_block(
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c65{{.*}}, %c1{{.*}}, %{{.*}}) threads in (%c256{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size
// COOP-LABEL: func.func @few_tiles(
// COOP: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c31{{.*}}, %c9{{.*}}, %{{.*}}) threads in (%c256{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size
// Forced (wgmma-specialized-min-tiles=1), f32 outputs too: 7 slots beside
// two [128][136] f32 tiles (231552 bytes); a grid of one block per tile
// where there are fewer than 132.
// FORCED-LABEL: func.func @vector_f32(
// FORCED-DAG: %[[FSMEM:.*]] = arith.constant 231552 : i32
// FORCED: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c4{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[FSMEM]]
// FORCED-LABEL: func.func @few_tiles(
// FORCED: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%c132{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c288{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size

// The ¬n plane: the ballot bit of plane 1 is in-range ∧ ¬(kept ∧ x < 0),
// and its popcount written back as popc(n) = K − popc(q).
// CHECK-LABEL: gpu.func @quantize_pack(
// CHECK: arith.xori
// CHECK: nvvm.vote.sync ballot
// CHECK: %[[K:.*]] = arith.constant 700 : i32
// CHECK-NEXT: arith.subi %[[K]],
// The pipelined GEMM: thread 0 sets up full[S]; arms each of the first
// stages with 12 KiB and copies its weight tile (4 KiB) before waiting for
// the previous kernel, then the activation tiles (8 KiB, both planes).
// CHECK-LABEL: gpu.func @linear(
// CHECK-SAME: nvvm.maxntid = array<i32: 256, 1, 1>, nvvm.minctasm = 2 : i32
// CHECK: gpu.dynamic_shared_memory
// CHECK: "mbarrier.init.shared::cta.b64 [$0], $1;", "r,r,~{memory}" %{{.*}}, %c1_i32
// CHECK: fence.mbarrier_init.release.cluster
// CHECK: gpu.barrier
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c12288_i32
// CHECK: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c4096_i32
// CHECK: nvvm.griddepcontrol wait
// CHECK: complete_tx::bytes [$0], [$1], $2, [$3];", "r,l,r,r,~{memory}" %{{.*}}, %{{.*}}, %c8192_i32
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: gpu.barrier
// CHECK: nvvm.wgmma.fence.aligned
// The ping-pong GEMM: one block per SM, its producer warp moves 8 + 4 KiB
// per stage.
// CHECK: nvvm.maxntid = array<i32: 288, 1, 1>, nvvm.minctasm = 1 : i32
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c12288_i32
// MMA-IR-NOT: @linear{{[_0-9]*}} blocks in {{.*}} dynamic_shared_memory_size
// MMA-IR-LABEL: gpu.func @quantize_pack(
// MMA-IR-NOT: arith.constant 700 : i32
// MMA-IR: gpu.return

// The PTX is one escaped string (\0A newlines, \09 tabs).
// PTX: gpu.binary @bwta_kernels
// PTX-SAME: .entry linear(
// PTX-SAME: .maxntid 256, 1, 1\0A.minnctapersm 2\0A
// PTX-SAME: griddepcontrol.launch_dependents;
// PTX-SAME: mbarrier.init.shared::cta.b64
// PTX-SAME: fence.mbarrier_init.release.cluster;
// PTX-SAME: mbarrier.arrive.expect_tx.shared::cta.b64
// PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes
// PTX-SAME: griddepcontrol.wait;
// PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes
// PTX-SAME: mbarrier.try_wait.parity.shared::cta.b64
// PTX-SAME: bar.sync \090;
// PTX-SAME: wgmma.fence.sync.aligned;
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc {%r{{[0-9]+}}, %r
// PTX-SAME: wgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc
// PTX-SAME: wgmma.commit_group.sync.aligned;\0A\09wgmma.wait_group.sync.aligned \091;
// PTX-SAME: wgmma.wait_group.sync.aligned \090;
// The epilogue: the parameters of four columns in one 16-byte load,
// exactly rounded float steps (no fma), one conversion per f16 pair.
// PTX-NOT: fma
// PTX-SAME: ld.shared.v4.b32
// PTX-SAME: mul.rn.f32
// PTX-SAME: add.rn.f32
// PTX-SAME: cvt.rn.f16x2.f32
// Stores: m < 300 and n < 300, element by element (rows of 300 halves are
// not 16-byte aligned).
// PTX-SAME: , 299;
// PTX-SAME: st.global.b16
// PTX-NOT: st.global.v4
// PTX-SAME: .entry linear_{{[0-9]+}}(
// f32 out without bias, N = 256: whole 16-byte chunks.
// PTX-NOT: add.rn.f32
// PTX-SAME: st.global.v4.b32
// PTX-NOT: fma
// The ping-pong kernel: thread 0 sets up full[12], empty[12] and turn[2];
// the producer's lane arms and copies the first stages' weights, every
// thread waits for the previous kernel. A consumer warpgroup waits for its
// turn (the other's mainloop issued), then per K tile for full[slot]:
// four wgmmas (planes p and q of both 64-row halves; plane p of K tile 0
// overwrites the undefined accumulators, scale-d from a register), gives
// the previous slot back, and after its mainloop passes the turn on; the
// producer waits for empty[slot], arms full[slot] and copies (K tiles
// numbered across the block's output tiles).
// PTX-SAME: .maxntid 288, 1, 1\0A.minnctapersm 1\0A
// PTX-SAME: mbarrier.init.shared::cta.b64
// PTX-SAME: mbarrier.arrive.expect_tx.shared::cta.b64
// PTX-SAME: griddepcontrol.wait;
// The role comes from lane 0 (a warp-uniform value for ptxas: a role test
// on %tid.x makes it serialize the wgmmas).
// PTX-SAME: shfl.sync.idx.b32
// PTX-SAME: mbarrier.try_wait.parity.shared::cta.b64
// PTX-SAME: mbarrier.try_wait.parity.shared::cta.b64
// PTX-SAME: setp.ne.b32 p, %r[[FIRST:[0-9]+]], 0;\0Awgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc
// PTX-SAME: setp.ne.b32 p, %r[[ONE:[0-9]+]], 0;\0Awgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc
// PTX-SAME: setp.ne.b32 p, %r[[FIRST]], 0;\0Awgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc
// PTX-SAME: setp.ne.b32 p, %r[[ONE]], 0;\0Awgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1.and.popc
// PTX-SAME: wgmma.commit_group.sync.aligned;\0A\09wgmma.wait_group.sync.aligned \091;
// PTX-SAME: mbarrier.arrive.shared::cta.b64
// PTX-SAME: wgmma.wait_group.sync.aligned \090;
// Persistent epilogue: the previous tile's bulk stores have read the
// warpgroup's tile buffer, its threads (named barrier 1 + w, 128 threads)
// stage the tile, each stores its row with a bulk async copy.
// PTX-SAME: cp.async.bulk.wait_group.read 0;
// PTX-SAME: bar.sync %r{{[0-9]+}}, 128;
// PTX-SAME: cp.async.bulk.global.shared::cta.bulk_group
// PTX-SAME: mbarrier.arrive.expect_tx.shared::cta.b64
// PTX-SAME: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes

// MMA: gpu.binary @bwta_kernels
// MMA-NOT: wgmma
// MMA-SAME: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
// MMA-NOT: wgmma

func.func @off_tiles(%x: tensor<300x700xf32> {bwta.name = "x"}) -> (tensor<300x300xf16> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<300x700xf32> -> tensor<300x700x!bwta.ternary>, tensor<300xf32>
  %w = bwta.weight "w" : tensor<300x700x!bwta.binary>
  %s = bwta.weight "s" : tensor<300xf32>
  %b = bwta.weight "b" : tensor<300xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s) bias(%b)
      : (tensor<300x700x!bwta.ternary>, tensor<300x700x!bwta.binary>, tensor<300xf32>, tensor<300xf32>, tensor<300xf32>) -> tensor<300x300xf16>
  return %y : tensor<300x300xf16>
}

func.func @vector_f32(%x: tensor<200x512xf32> {bwta.name = "x"}) -> (tensor<200x256xf32> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<200x512xf32> -> tensor<200x512x!bwta.ternary>, tensor<200xf32>
  %w = bwta.weight "w2" : tensor<256x512x!bwta.binary>
  %s = bwta.weight "s2" : tensor<256xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<200x512x!bwta.ternary>, tensor<256x512x!bwta.binary>, tensor<200xf32>, tensor<256xf32>) -> tensor<200x256xf32>
  return %y : tensor<200x256xf32>
}

func.func @m16(%x: tensor<16x512xf16>) -> tensor<16x64xf16> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<16x512xf16> -> tensor<16x512x!bwta.ternary>, tensor<16xf32>
  %w = bwta.weight "w3" : tensor<64x512x!bwta.binary>
  %s = bwta.weight "s3" : tensor<64xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<16x512x!bwta.ternary>, tensor<64x512x!bwta.binary>, tensor<16xf32>, tensor<64xf32>) -> tensor<16x64xf16>
  return %y : tensor<16x64xf16>
}

func.func @m17(%x: tensor<17x512xf16>) -> tensor<17x64xf16> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<17x512xf16> -> tensor<17x512x!bwta.ternary>, tensor<17xf32>
  %w = bwta.weight "w3" : tensor<64x512x!bwta.binary>
  %s = bwta.weight "s3" : tensor<64xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<17x512x!bwta.ternary>, tensor<64x512x!bwta.binary>, tensor<17xf32>, tensor<64xf32>) -> tensor<17x64xf16>
  return %y : tensor<17x64xf16>
}

func.func @specialized(%x: tensor<4096x700xf32> {bwta.name = "x"}) -> (tensor<4096x7424xf16> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<4096x700xf32> -> tensor<4096x700x!bwta.ternary>, tensor<4096xf32>
  %w = bwta.weight "w4" : tensor<7424x700x!bwta.binary>
  %s = bwta.weight "s4" : tensor<7424xf32>
  %b = bwta.weight "b4" : tensor<7424xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s) bias(%b)
      : (tensor<4096x700x!bwta.ternary>, tensor<7424x700x!bwta.binary>, tensor<4096xf32>, tensor<7424xf32>, tensor<7424xf32>) -> tensor<4096x7424xf16>
  return %y : tensor<4096x7424xf16>
}

func.func @few_tiles(%x: tensor<1100x700xf32> {bwta.name = "x"}) -> (tensor<1100x3900xf16> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<1100x700xf32> -> tensor<1100x700x!bwta.ternary>, tensor<1100xf32>
  %w = bwta.weight "w5" : tensor<3900x700x!bwta.binary>
  %s = bwta.weight "s5" : tensor<3900xf32>
  %b = bwta.weight "b5" : tensor<3900xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s) bias(%b)
      : (tensor<1100x700x!bwta.ternary>, tensor<3900x700x!bwta.binary>, tensor<1100xf32>, tensor<3900xf32>, tensor<3900xf32>) -> tensor<1100x3900xf16>
  return %y : tensor<1100x3900xf16>
}

func.func @two_row_blocks(%x: tensor<200x700xf32> {bwta.name = "x"}) -> (tensor<200x4096xf16> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<200x700xf32> -> tensor<200x700x!bwta.ternary>, tensor<200xf32>
  %w = bwta.weight "w6" : tensor<4096x700x!bwta.binary>
  %s = bwta.weight "s6" : tensor<4096xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<200x700x!bwta.ternary>, tensor<4096x700x!bwta.binary>, tensor<200xf32>, tensor<4096xf32>) -> tensor<200x4096xf16>
  return %y : tensor<200x4096xf16>
}

func.func @one_row_block(%x: tensor<100x700xf32> {bwta.name = "x"}) -> (tensor<100x8320xf16> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<100x700xf32> -> tensor<100x700x!bwta.ternary>, tensor<100xf32>
  %w = bwta.weight "w7" : tensor<8320x700x!bwta.binary>
  %s = bwta.weight "s7" : tensor<8320xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<100x700x!bwta.ternary>, tensor<8320x700x!bwta.binary>, tensor<100xf32>, tensor<8320xf32>) -> tensor<100x8320xf16>
  return %y : tensor<100x8320xf16>
}
