// A bwta.fusion group (an elementwise producer and the activation quantizer
// that reads it, from bwta-pack-layout) becomes one quantize kernel that
// reads the producer's inputs and computes each element with its body.
// RUN: bwta-opt %s -bwta-lower-to-gpu | FileCheck %s
// RUN: bwta-opt %s -bwta-lower-to-gpu | FileCheck %s --check-prefix=DECODE

// CHECK-LABEL: func.func @layer
// CHECK-SAME: (%[[X:.*]]: memref<16x96xf32>, %[[R:.*]]: memref<16x96xf32>, %[[G:.*]]: memref<96xf32>
// CHECK-DAG: %[[XF:.*]] = memref.collapse_shape %[[X]]
// CHECK-DAG: %[[RF:.*]] = memref.collapse_shape %[[R]]
// CHECK-NOT: @bwta_kernels::@generic
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack {{.*}} args(%[[XF]] : memref<1536xf32>, %[[RF]] : memref<1536xf32>, %[[G]] : memref<96xf32>, %[[PLANES:[^ ]*]] : memref<256xi32>,
// CHECK: gpu.launch_func @bwta_kernels::@linear {{.*}} args(%[[PLANES]] : memref<256xi32>,
// The producer's body, once per element the thread holds (row-major x and
// r, g by column).
// CHECK-LABEL: gpu.func @quantize_pack(
// CHECK-SAME: %[[KX:[^:]*]]: memref<1536xf32>, %[[KR:[^:]*]]: memref<1536xf32>, %[[KG:[^:]*]]: memref<96xf32>
// CHECK: %[[A:.*]] = memref.load %[[KX]]
// CHECK: %[[B:.*]] = memref.load %[[KR]]
// CHECK: %[[C:.*]] = memref.load %[[KG]]
// CHECK: %[[S:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: arith.mulf %[[S]], %[[C]]
// CHECK-LABEL: gpu.func @quantize_pack_0(
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
func.func @layer(%arg0: tensor<16x96xf32>, %arg1: tensor<16x96xf32>, %arg2: tensor<96xf32>) -> tensor<16x16xf32> {
  %0 = tensor.empty() : tensor<16x96xf32>
  %1 = bwta.weight "w" : tensor<16x96xf32>
  %cst = arith.constant 0.000000e+00 : f32
  %2 = tensor.empty() : tensor<16x16xf32>
  %3:2 = bwta.fusion -> (tensor<16x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<16xf32>) {
    %10 = linalg.generic {indexing_maps = [#map, #map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1, %arg2 : tensor<16x96xf32>, tensor<16x96xf32>, tensor<96xf32>) outs(%0 : tensor<16x96xf32>) {
    ^bb0(%in: f32, %in_2: f32, %in_3: f32, %out: f32):
      %11 = arith.addf %in, %in_2 : f32
      %12 = arith.mulf %11, %in_3 : f32
      linalg.yield %12 : f32
    } -> tensor<16x96xf32>
    %result_0, %result_scale_1 = bwta.quantize %10 {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<16x96xf32> -> tensor<16x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<16xf32>
    bwta.yield %result_0, %result_scale_1 : tensor<16x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<16xf32>
  }
  %result, %result_scale = bwta.quantize %1 {scheme = #bwta.scheme<granularity = per_channel>} : tensor<16x96xf32> -> tensor<16x96x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>, tensor<16xf32>
  %4 = bwta.split_planes %3#0 : tensor<16x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> -> tensor<2x16x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
  %5 = bwta.split_planes %result : tensor<16x96x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
  %6 = bwta.plane_matmul %4, %5 : tensor<2x16x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<2x1x16x16xi32>
  %7 = bwta.plane_popcount %4 : tensor<2x16x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> -> tensor<2x16xi32>
  %8 = bwta.plane_popcount %5 : tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<1x16xi32>
  %9 = bwta.btc_epilogue %6, %7, %8 scales(%3#1, %result_scale) k = 96 for !bwta.ternary, !bwta.binary : (tensor<2x1x16x16xi32>, tensor<2x16xi32>, tensor<1x16xi32>, tensor<16xf32>, tensor<16xf32>) -> tensor<16x16xf32>
  return %9 : tensor<16x16xf32>
}

// Decode (M = 1): the GEMV quantizes its row itself, so the producer runs
// inside it too — one kernel, reading the producer's inputs after its
// weight loads and the wait; the fusion's results (planes and scale) get
// no buffers.
// DECODE-LABEL: func.func @decode
// DECODE-SAME: (%[[DX:.*]]: memref<1x96xf32>, %[[DR:.*]]: memref<1x96xf32>, %[[DG:.*]]: memref<96xf32>
// DECODE-NOT: memref.alloc
// DECODE-NOT: @quantize_pack
// DECODE: gpu.launch_func @bwta_kernels::@linear_{{[0-9]+}} {{.*}} args(%{{.*}} : memref<96xf32>, %{{.*}} : memref<96xf32>, %[[DG]] : memref<96xf32>, %{{.*}} : memref<128xi32>, %{{.*}} : memref<16xi32>, %{{.*}} : memref<16xf32>, %{{.*}} : memref<16xf32>)
// DECODE-NEXT: return
// DECODE: gpu.func @linear_{{[0-9]+}}(%[[QX:[^:]*]]: memref<96xf32>, %[[QR:[^:]*]]: memref<96xf32>, %[[QG:[^:]*]]: memref<96xf32>,
// DECODE: nvvm.griddepcontrol wait
// DECODE: %[[E:.*]] = memref.load %[[QX]]
// DECODE: %[[F:.*]] = memref.load %[[QR]]
// DECODE: %[[H:.*]] = memref.load %[[QG]]
// DECODE: %[[T:.*]] = arith.addf %[[E]], %[[F]]
// DECODE: arith.mulf %[[T]], %[[H]]
// DECODE: nvvm.vote.sync ballot
// DECODE: llvm.intr.ctpop
func.func @decode(%arg0: tensor<1x96xf32>, %arg1: tensor<1x96xf32>, %arg2: tensor<96xf32>) -> tensor<1x16xf32> {
  %0 = tensor.empty() : tensor<1x96xf32>
  %w = bwta.weight "wq" : tensor<16x96x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
  %s = bwta.weight "s" : tensor<16xf32>
  %3:2 = bwta.fusion -> (tensor<1x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1xf32>) {
    %10 = linalg.generic {indexing_maps = [#map, #map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1, %arg2 : tensor<1x96xf32>, tensor<1x96xf32>, tensor<96xf32>) outs(%0 : tensor<1x96xf32>) {
    ^bb0(%in: f32, %in_2: f32, %in_3: f32, %out: f32):
      %11 = arith.addf %in, %in_2 : f32
      %12 = arith.mulf %11, %in_3 : f32
      linalg.yield %12 : f32
    } -> tensor<1x96xf32>
    %result_0, %result_scale_1 = bwta.quantize %10 {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<1x96xf32> -> tensor<1x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1xf32>
    bwta.yield %result_0, %result_scale_1 : tensor<1x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1xf32>
  }
  %4 = bwta.split_planes %3#0 : tensor<1x96x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> -> tensor<2x1x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
  %5 = bwta.split_planes %w : tensor<16x96x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
  %6 = bwta.plane_matmul %4, %5 : tensor<2x1x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<2x1x1x16xi32>
  %7 = bwta.plane_popcount %4 : tensor<2x1x96xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> -> tensor<2x1xi32>
  %8 = bwta.plane_popcount %5 : tensor<1x16x96xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<1x16xi32>
  %9 = bwta.btc_epilogue %6, %7, %8 scales(%3#1, %s) k = 96 for !bwta.ternary, !bwta.binary : (tensor<2x1x1x16xi32>, tensor<2x1xi32>, tensor<1x16xi32>, tensor<1xf32>, tensor<16xf32>) -> tensor<1x16xf32>
  return %9 : tensor<1x16xf32>
}
