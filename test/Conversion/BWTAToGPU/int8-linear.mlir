// The int8 path (#bwta.path<int8>): the activation quantizer writes its
// levels as bytes in 32-byte K tiles of 16 rows, the weights become byte
// tiles of 8 rows (derived at compile time, with their row sums where the
// lhs has a zero point), and one GEMM runs mma.sync m16n8k32 from a
// cp.async pipeline with the qmatmul's epilogue fused (on sm_90a from M =
// int8-wgmma-min-m the wgmma kernel instead: int8-wgmma.mlir).
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=0 | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu=int8-wgmma-min-m=0 -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX

// W2A8 (u8 asymmetric activations × int2 weights), M = N = 300, K = 720:
// 23 K tiles (the last slot's second tile is zero-filled), 3 × 3 blocks.
// CHECK-DAG: memref.global "private" constant @fc.weight.level_sum : memref<300xi32> {{{.*}}bwta.derive = "level_sum", bwta.weight = "fc.weight"
// CHECK-DAG: memref.global "private" constant @fc.weight.int8_tiles : memref<223744xi8> {{{.*}}bwta.derive = "int8_tiles", bwta.weight = "fc.weight"
// CHECK-NOT: memref.global "private" constant @fc.weight :
// CHECK-LABEL: func.func @w2a8(
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 65792 : i32
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// The quantizer: 64 threads per row (46 pieces of 16 levels), 4 rows per
// block of 256 threads, 76 blocks over the 304 rows of whole 16-row tiles.
// CHECK-DAG: %[[C76:.*]] = arith.constant 76 : index
// CHECK: %[[LEVELS:.*]] = memref.alloc() : memref<223744xi8>
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels blocks in (%[[C76]], {{[^)]*}}) threads in (%[[C256]], {{[^)]*}}) args(%{{.*}} : memref<216000xf32>, %[[LEVELS]] : memref<223744xi8>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xi32>)
// CHECK-DAG: %[[TILES:.*]] = memref.get_global @fc.weight.int8_tiles
// CHECK-DAG: %[[SUMS:.*]] = memref.get_global @fc.weight.level_sum
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear blocks in (%[[C3]], %[[C3]], %{{.*}}) threads in (%[[C256]], %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[SMEM]] args(%[[LEVELS]] : memref<223744xi8>, %[[TILES]] : memref<223744xi8>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<300xi32>, %[[SUMS]] : memref<300xi32>, %{{.*}} : memref<300xf32>, %{{.*}} : memref<90000xf32>)
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

// Symmetric s8 activations × int4 weights with a per-tensor weight zero
// point (an argument here): the quantizer writes the rows' level sums (Σx for zw·Σx), no
// weight sums; f16 rows of K = 512 are read 16 bytes at a time.
// CHECK-LABEL: func.func @w4a8_rhs_zero_point(
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<32768xf16>, %{{.*}} : memref<32768xi8>, %{{.*}} : memref<64xf32>, %[[XSUM:.*]] : memref<64xi32>)
// CHECK: gpu.launch_func @bwta_kernels::@int8_linear_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<32768xi8>, %{{.*}} : memref<16384xi8>, %{{.*}} : memref<64xf32>, %{{.*}} : memref<1xf32>, %{{.*}} : memref<1xi32>, %[[XSUM]] : memref<64xi32>, %{{.*}} : memref<1600xf16>)
func.func @w4a8_rhs_zero_point(%x: tensor<64x512xf16>, %z: tensor<i32>) -> tensor<64x25xf16> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<64x512xf16> -> tensor<64x512x!bwta.int<8>>, tensor<64xf32>
  %w = bwta.weight "w4.weight" : tensor<25x512x!bwta.int<4>>
  %s = bwta.weight "w4.scale" : tensor<f32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) rhs_zero_point(%z)
      : (tensor<64x512x!bwta.int<8>>, tensor<25x512x!bwta.int<4>>, tensor<64xf32>,
         tensor<f32>, tensor<i32>) -> tensor<64x25xf16>
  return %y : tensor<64x25xf16>
}

// The quantizer: butterflies over the lanes (min/max of the row), then
// over the row's 2 warps in shared memory; levels from x · (1/s) with the
// true division where the quotient is near a half-integer, 16 bytes stored
// at a time.
// CHECK-LABEL: gpu.func @quantize_levels(
// CHECK-SAME: workgroup(%{{.*}} : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK: gpu.shuffle  xor
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: gpu.barrier
// CHECK: "rcp.rn.f32 $0, $1;"
// CHECK: "mul.rn.f32 $0, $1, $2;"
// CHECK: "cvt.pack.sat.u8.s32.b32 $0, $1, $2, $3;"
// CHECK: scf.if %{{.*}} -> (i32, i32)
// CHECK: } else {
// CHECK: arith.divf
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<1>
// The GEMM: clamped tiles, zero-filled K tiles past the end, stores under
// m < M and n < N.
// CHECK-LABEL: gpu.func @int8_linear(
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %{{.*}}
// CHECK: nvvm.ldmatrix
// CHECK: nvvm.mma.sync
// CHECK-SAME: intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>
// CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<u8>, multiplicandBPtxType = #nvvm.mma_type<s8>
// CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 32>
// CHECK: %[[M:.*]] = arith.constant 300 : i32
// CHECK: arith.cmpi ult, %{{.*}}, %[[M]] : i32
// CHECK: scf.if
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store
// CHECK-LABEL: gpu.func @quantize_levels_{{[0-9]+}}(
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xf16>
// CHECK-LABEL: gpu.func @int8_linear_{{[0-9]+}}(
// CHECK: multiplicandAPtxType = #nvvm.mma_type<s8>, multiplicandBPtxType = #nvvm.mma_type<s8>

// The PTX is one escaped string: quantize_levels multiplies by the
// reciprocal, falls back to div.rn and cvt.rni, stores 16 bytes at a time;
// the GEMM zero-fills through the cp.async src-size in its loop, and its
// epilogue multiplies and adds with .rn.
// PTX: .entry quantize_levels(
// PTX: rcp.rn.f32
// PTX: mul.rn.f32
// PTX: cvt.pack.sat.u8.s32.b32
// PTX: div.rn.f32
// PTX: cvt.rni.f32.f32
// PTX: st.global.v4.b32
// PTX: .entry int8_linear(
// PTX: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX: mma.sync.aligned.m16n8k32.row.col.s32.u8.s8.s32
// PTX: cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16, %r{{[0-9]+}};
// PTX: mul.rn.f32
// PTX: mul.rn.f32
// PTX: add.rn.f32
// PTX: mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32
