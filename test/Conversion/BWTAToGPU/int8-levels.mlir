// The int8 path's activation quantizer (quantize_levels): T threads per
// row hold its 16-element pieces in registers (128 threads, 256 where a
// thread would hold more than 4 f16 pieces or the grid would not fill the
// GPU; blocks of 256 threads, or one row); the row's range from butterflies
// and, with several warps per row, shared memory; the levels read off
// x · (1/s) + 1.5·2^23, chunks with a quotient near a half-integer again
// with true divisions (bit-exact with the reference's x / s); 16 bytes
// stored per piece.
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose=path=int8 -bwta-pack-layout -cse -bwta-lower-to-gpu -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX

// M = 2048, K = 4096 f16 (wgmma tiles): 128 threads per row (2 pieces
// each), 2 rows per block, 1024 blocks.
// CHECK-LABEL: func.func @m2048(
// CHECK-DAG: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels blocks in (%[[C1024]], {{[^)]*}}) threads in (%[[C256]], {{[^)]*}}) args(%{{.*}} : memref<8388608xf16>, %{{.*}} : memref<8388608xi8>,
func.func @m2048(%x: tensor<2048x4096xf16>) -> tensor<2048x64xf16> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<2048x4096xf16> -> tensor<2048x4096x!bwta.int<8, unsigned>>, tensor<2048xf32>, tensor<2048xi32>
  %w = bwta.weight "a.weight" : tensor<64x4096x!bwta.int<2>>
  %s = bwta.weight "a.scale" : tensor<64xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<2048x4096x!bwta.int<8, unsigned>>, tensor<64x4096x!bwta.int<2>>,
         tensor<2048xf32>, tensor<64xf32>, tensor<2048xi32>) -> tensor<2048x64xf16>
  return %y : tensor<2048x64xf16>
}

// M = 512, K = 11008 f16: 256 threads per row (3 pieces each), a row per
// block, 512 blocks.
// CHECK-LABEL: func.func @m512_k11008(
// CHECK-DAG: %[[C512:.*]] = arith.constant 512 : index
// CHECK-DAG: %[[C256B:.*]] = arith.constant 256 : index
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels_{{[0-9]+}} blocks in (%[[C512]], {{[^)]*}}) threads in (%[[C256B]], {{[^)]*}}) args(%{{.*}} : memref<5636096xf16>,
func.func @m512_k11008(%x: tensor<512x11008xf16>) -> tensor<512x64xf16> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<512x11008xf16> -> tensor<512x11008x!bwta.int<8, unsigned>>, tensor<512xf32>, tensor<512xi32>
  %w = bwta.weight "b.weight" : tensor<64x11008x!bwta.int<2>>
  %s = bwta.weight "b.scale" : tensor<64xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<512x11008x!bwta.int<8, unsigned>>, tensor<64x11008x!bwta.int<2>>,
         tensor<512xf32>, tensor<64xf32>, tensor<512xi32>) -> tensor<512x64xf16>
  return %y : tensor<512x64xf16>
}

// Symmetric s8, K = 100 f32 (not whole chunks of 8: element loads, bytes
// past K masked), with the level sums a weight zero point needs; wgmma
// tiles (one row block of 128 × 2 K slots): 8 pieces, a warp per row, 8
// rows per block, 16 blocks over the 128 rows.
// CHECK-LABEL: func.func @sym_k100(
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch_func @bwta_kernels::@quantize_levels_{{[0-9]+}} blocks in (%[[C16]], {{[^)]*}}) threads in (%{{.*}}) args(%{{.*}} : memref<4000xf32>, %{{.*}} : memref<16384xi8>, %{{.*}} : memref<40xf32>, %{{.*}} : memref<40xi32>)
func.func @sym_k100(%x: tensor<40x100xf32>, %z: tensor<i32>) -> tensor<40x24xf32> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<40x100xf32> -> tensor<40x100x!bwta.int<8>>, tensor<40xf32>
  %w = bwta.weight "c.weight" : tensor<24x100x!bwta.int<4>>
  %s = bwta.weight "c.scale" : tensor<f32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) rhs_zero_point(%z)
      : (tensor<40x100x!bwta.int<8>>, tensor<24x100x!bwta.int<4>>, tensor<40xf32>,
         tensor<f32>, tensor<i32>) -> tensor<40x24xf32>
  return %y : tensor<40x24xf32>
}

// M = 2048: 16-byte loads, the thread's range over packed f16 pairs (min
// and max per pair, the halves joined in f32), the row's 4 warps' ranges
// through shared memory (2 rows × 4 warps × lo, hi), the fast path's row
// constants (the reciprocal, the margin X·y·2^-21 + 2^-24), per element q
// = x · y, q + 1.5·2^23 and the distance to the nearest integer against
// the threshold; the chunk's fallback divides; one 16-byte store per piece.
// CHECK-LABEL: gpu.func @quantize_levels(
// CHECK-SAME: workgroup(%{{.*}} : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xf16>
// CHECK: llvm.bitcast %{{.*}} : vector<8xf16> to vector<4xi32>
// CHECK: "min.NaN.f16x2 $0, $1, $2;"
// CHECK: "max.NaN.f16x2 $0, $1, $2;"
// CHECK: mov.b32 {lo, hi}, $1;\0Acvt.f32.f16 $0, lo;
// CHECK: mov.b32 {lo, hi}, $1;\0Acvt.f32.f16 $0, hi;
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: gpu.shuffle  xor
// CHECK: gpu.barrier
// CHECK: "rcp.rn.f32 $0, $1;"
// CHECK: %[[MARGIN:.*]] = llvm.inline_asm {{.*}}"fma.rn.f32 $0, $1, $2, $3;", "=f,f,f,f" %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: "mul.rn.f32 $0, $1, $2;"
// CHECK: "add.rn.f32 $0, $1, $2;"
// CHECK: arith.cmpf olt
// CHECK: llvm.bitcast %{{.*}} : f32 to i32
// CHECK: "cvt.pack.sat.u8.s32.b32 $0, $1, $2, $3;"
// CHECK: scf.if %{{.*}} -> (i32, i32) {
// CHECK: } else {
// CHECK: arith.divf
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<1>
// K = 100: element loads, a warp per row (no shared memory), s8 packing,
// the levels clamped before it only where the packing's saturation is not
// the clamp (s8: it is), byte sums by dp4a.
// CHECK-LABEL: gpu.func @quantize_levels_{{[0-9]+}}(%{{[^)]*}}: memref<4000xf32>
// CHECK-NOT: workgroup
// CHECK: memref.load
// CHECK-NOT: llvm.load
// CHECK: "cvt.pack.sat.s8.s32.b32 $0, $1, $2, $3;"
// CHECK: "dp4a.s32.s32 $0, $1, $2, $3;"
// CHECK: gpu.return

// PTX: .entry quantize_levels(
// PTX: rcp.rn.f32
// PTX: fma.rn.f32
// PTX: mul.rn.f32
// PTX: cvt.pack.sat.u8.s32.b32
// PTX: div.rn.f32
// PTX: st.global.v4.b32
