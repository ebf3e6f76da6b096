// Whole quantized linear layers become the host form of docs/GPU.md: an
// activation quantize+pack kernel, then the plane GEMM with its BTC epilogue
// fused, writing straight into the output argument. Weights become global
// declarations that bwta-compile fills from the weight file; the weight's
// plane popcounts are derived at compile time. The GEMM here is the
// mma.sync kernel (wgmma-min-m=0: on sm_90a a BWTA layer of M = 37 would
// take the wgmma kernel, which wgmma.mlir covers).
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-min-m=0 | FileCheck %s
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=wgmma-min-m=0 -bwta-gpu-binary | FileCheck %s --check-prefix=PTX

// CHECK-DAG: memref.global "private" constant @w.plane_popcount : memref<21xi32> {alignment = 64 : i64, bwta.derive = "plane_popcount", bwta.weight = "w", bwta.weight_type = tensor<21x700x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
// CHECK-DAG: memref.global "private" constant @w : memref<576xi32> {alignment = 64 : i64, bwta.weight = "w", bwta.weight_type = tensor<21x700x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>}
// CHECK-DAG: memref.global "private" constant @s : memref<21xf32> {{.*}}bwta.weight = "s", bwta.weight_type = tensor<21xf32>}
// CHECK-DAG: memref.global "private" constant @b : memref<21xf32> {{.*}}bwta.weight = "b", bwta.weight_type = tensor<21xf32>}

// CHECK-LABEL: func.func @bwta_linear(
// CHECK-SAME: %[[X:.*]]: memref<37x700xf32> {bwta.name = "x"}, %[[Y:.*]]: memref<37x21xf32> {bwta.name = "y"})
// CHECK-SAME: attributes {bwta.num_outputs = 1 : i64}
// CHECK-DAG: %[[XF:.*]] = memref.collapse_shape %[[X]] {{\[\[}}0, 1]] : memref<37x700xf32> into memref<25900xf32>
// 37 rows padded to 48: 2 planes × 3 row tiles × 3 K tiles × 128 words.
// CHECK-DAG: %[[PLANES:.*]] = memref.alloc() : memref<2304xi32>
// CHECK-DAG: %[[COUNTS:.*]] = memref.alloc() : memref<74xi32>
// CHECK-DAG: %[[SX:.*]] = memref.alloc() : memref<37xf32>
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack blocks in (%[[C48:.*]], %[[C1:.*]], %[[C1]]) threads in (%[[C256:.*]], %[[C1]], %[[C1]]) args(%[[XF]] : memref<25900xf32>, %[[PLANES]] : memref<2304xi32>, %[[COUNTS]] : memref<74xi32>, %[[SX]] : memref<37xf32>)
// CHECK-DAG: %[[S:.*]] = memref.get_global @s : memref<21xf32>
// CHECK-DAG: %[[B:.*]] = memref.get_global @b : memref<21xf32>
// CHECK-DAG: %[[W:.*]] = memref.get_global @w : memref<576xi32>
// CHECK-DAG: %[[WC:.*]] = memref.get_global @w.plane_popcount : memref<21xi32>
// CHECK-DAG: %[[YF:.*]] = memref.collapse_shape %[[Y]] {{\[\[}}0, 1]] : memref<37x21xf32> into memref<777xf32>
// CHECK: gpu.launch_func @bwta_kernels::@linear blocks in (%[[C1]], %[[C1]], %[[C1]]) threads in (%[[C128:.*]], %[[C1]], %[[C1]]) args(%[[PLANES]] : memref<2304xi32>, %[[W]] : memref<576xi32>, %[[COUNTS]] : memref<74xi32>, %[[WC]] : memref<21xi32>, %[[SX]] : memref<37xf32>, %[[S]] : memref<21xf32>, %[[B]] : memref<21xf32>, %[[YF]] : memref<777xf32>)
// CHECK-NEXT: return

// Asymmetric 8-bit activations (zero point) × 2-bit weights, f16 in and out;
// decode-sized M = 3.
// CHECK-LABEL: func.func @w2a8(
// CHECK-SAME: memref<3x300xf16>, %{{.*}}: memref<3x20xf16>)
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<900xf16>, %{{.*}} : memref<2048xi32>, %{{.*}} : memref<24xi32>, %{{.*}} : memref<3xf32>, %[[ZP:.*]] : memref<3xi32>)
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} {{.*}} args({{.*}}, %[[ZP]] : memref<3xi32>, %{{.*}} : memref<60xf16>)

// The activation kernel packs with warp ballots; the GEMM uses only the
// native AND-popcount MMA; float steps are exactly rounded (no fma: the
// CPU reference does not fuse either).
// PTX: gpu.binary @bwta_kernels
// PTX-SAME: vote.sync.ballot.b32
// PTX-SAME: mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc
// PTX-SAME: mul.rn.f32
// PTX-SAME: cvt.rn.f16.f32
// PTX-NOT: fma
// PTX-NOT: xor.popc
func.func @bwta_linear(%x: tensor<37x700xf32> {bwta.name = "x"}) -> (tensor<37x21xf32> {bwta.name = "y"}) {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<37x700xf32> -> tensor<37x700x!bwta.ternary>, tensor<37xf32>
  %w = bwta.weight "w" : tensor<21x700x!bwta.binary>
  %s = bwta.weight "s" : tensor<21xf32>
  %b = bwta.weight "b" : tensor<21xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s) bias(%b)
      : (tensor<37x700x!bwta.ternary>, tensor<21x700x!bwta.binary>, tensor<37xf32>, tensor<21xf32>, tensor<21xf32>) -> tensor<37x21xf32>
  return %y : tensor<37x21xf32>
}

func.func @w2a8(%x: tensor<3x300xf16>) -> tensor<3x20xf16> {
  %q, %sq, %zq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<3x300xf16> -> tensor<3x300x!bwta.int<8, unsigned>>, tensor<3xf32>, tensor<3xi32>
  %w = bwta.weight "w2" : tensor<20x300x!bwta.int<2>>
  %s = bwta.weight "s2" : tensor<20xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<3x300x!bwta.int<8, unsigned>>, tensor<20x300x!bwta.int<2>>, tensor<3xf32>, tensor<20xf32>, tensor<3xi32>) -> tensor<3x20xf16>
  return %y : tensor<3x20xf16>
}

// Attention scores: ternary Q × ternary K, both quantized at run time (K
// into rhs tiles of 8 rows), batched over the grid's z: 2 batches of 5 × 7,
// rows of both batches packed back to back (10 rows: one tile of 16; 14
// rows: two tiles of 8).
// CHECK-LABEL: func.func @scores(
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<640xf32>, %[[QP:.*]] : memref<256xi32>, %[[QC:.*]] : memref<20xi32>, %[[QS:.*]] : memref<10xf32>)
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<896xf32>, %[[KP:.*]] : memref<256xi32>, %[[KC:.*]] : memref<28xi32>, %[[KS:.*]] : memref<14xf32>)
// CHECK: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} blocks in (%[[C1]], %[[C1]], %[[C2:.*]]) {{.*}} args(%[[QP]] : memref<256xi32>, %[[KP]] : memref<256xi32>, %[[QC]] : memref<20xi32>, %[[KC]] : memref<28xi32>, %[[QS]] : memref<10xf32>, %[[KS]] : memref<14xf32>, %{{.*}} : memref<70xf32>)
func.func @scores(%q: tensor<2x5x64xf32>, %k: tensor<2x7x64xf32>) -> tensor<2x5x7xf32> {
  %tq, %sq = bwta.quantize %q {scheme = #bwta.scheme<granularity = per_token>} : tensor<2x5x64xf32> -> tensor<2x5x64x!bwta.ternary>, tensor<2x5xf32>
  %tk, %sk = bwta.quantize %k {scheme = #bwta.scheme<granularity = per_token>} : tensor<2x7x64xf32> -> tensor<2x7x64x!bwta.ternary>, tensor<2x7xf32>
  %s = bwta.batch_qmatmul %tq, %tk scales(%sq, %sk) : (tensor<2x5x64x!bwta.ternary>, tensor<2x7x64x!bwta.ternary>, tensor<2x5xf32>, tensor<2x7xf32>) -> tensor<2x5x7xf32>
  return %s : tensor<2x5x7xf32>
}

// The kernels follow the functions.
// CHECK: gpu.module @bwta_kernels
// CHECK: gpu.func @quantize_pack(%{{.*}}: memref<25900xf32>, %{{.*}}: memref<2304xi32>, %{{.*}}: memref<74xi32>, %{{.*}}: memref<37xf32>) workgroup(
// CHECK: gpu.func @linear(
// CHECK: gpu.func @quantize_pack_{{[0-9]+}}(%{{.*}}: memref<900xf16>,
// CHECK: gpu.func @linear_{{[0-9]+}}(
