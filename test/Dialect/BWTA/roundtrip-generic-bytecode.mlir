// RUN: bwta-opt %s -mlir-print-op-generic | bwta-opt | FileCheck %s
// RUN: bwta-opt %s -emit-bytecode | bwta-opt | FileCheck %s

// Every op survives the generic form (properties included) and MLIR
// bytecode, where bwta types and attributes fall back to their text form.

// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%x: tensor<3x77xf32>, %sx: tensor<3xf32>, %zx: tensor<3xi32>)
    -> (tensor<3x5xf16>, tensor<2x1x3x5xi32>, tensor<3x77xf32>) {
  // CHECK: %[[T:.*]], %[[ST:.*]] = bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  // CHECK: %[[Q:.*]] = bwta.quantize %{{.*}} scale(%{{.*}} : tensor<3xf32>) zero_point(%{{.*}} : tensor<3xi32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4, unsigned>>
  %q = bwta.quantize %x scale(%sx : tensor<3xf32>) zero_point(%zx : tensor<3xi32>)
      {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4, unsigned>>
  // CHECK: %[[D:.*]] = bwta.dequantize %[[Q]], %{{.*}} zero_point(%{{.*}} : tensor<3xi32>) : tensor<3x77x!bwta.int<4, unsigned>>, tensor<3xf32> -> tensor<3x77xf32>
  %d = bwta.dequantize %q, %sx zero_point(%zx : tensor<3xi32>)
      : tensor<3x77x!bwta.int<4, unsigned>>, tensor<3xf32> -> tensor<3x77xf32>
  // CHECK: %[[W:.*]] = bwta.weight "fc.weight" : tensor<5x77x!bwta.binary>
  // CHECK: %[[SW:.*]] = bwta.weight "fc.scale" : tensor<5x3xf32>
  %w = bwta.weight "fc.weight" : tensor<5x77x!bwta.binary>
  %sw = bwta.weight "fc.scale" : tensor<5x3xf32>
  // CHECK: %[[Y:.*]] = bwta.qmatmul %[[T]], %[[W]] scales(%[[ST]], %[[SW]]) {group_size = 32 : i64} : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5x3xf32>) -> tensor<3x5xf16>
  %y = bwta.qmatmul %t, %w scales(%st, %sw) {group_size = 32 : i64}
      : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5x3xf32>)
      -> tensor<3x5xf16>
  // CHECK: bwta.batch_qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) lhs_zero_point(%{{.*}}) : (tensor<1x3x77x!bwta.int<4, unsigned>>, tensor<1x3x77x!bwta.int<4, unsigned>>, tensor<f32>, tensor<f32>, tensor<i32>) -> tensor<1x3x3xf32>
  %q3 = tensor.expand_shape %q [[0, 1], [2]] output_shape [1, 3, 77]
      : tensor<3x77x!bwta.int<4, unsigned>> into tensor<1x3x77x!bwta.int<4, unsigned>>
  %s0 = tensor.empty() : tensor<f32>
  %z0 = tensor.empty() : tensor<i32>
  %b = bwta.batch_qmatmul %q3, %q3 scales(%s0, %s0) lhs_zero_point(%z0)
      : (tensor<1x3x77x!bwta.int<4, unsigned>>, tensor<1x3x77x!bwta.int<4, unsigned>>,
         tensor<f32>, tensor<f32>, tensor<i32>) -> tensor<1x3x3xf32>
  // CHECK: %[[TP:.*]] = bwta.split_planes %[[T]] : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
  // CHECK: %[[WP:.*]] = bwta.split_planes %[[W]] : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
  %tp = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
  %wp = bwta.split_planes %w : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
  // CHECK: bwta.combine_planes %[[TP]] : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
  %tc = bwta.combine_planes %tp : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
  // CHECK: %[[TK:.*]] = bwta.pack %[[TP]] : tensor<2x3x77xi1> -> tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>
  // CHECK: %[[WK:.*]] = bwta.pack %[[WP]] : tensor<1x5x77xi1> -> tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_words = 2>>
  %tk = bwta.pack %tp : tensor<2x3x77xi1>
      -> tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>
  %wk = bwta.pack %wp : tensor<1x5x77xi1>
      -> tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_words = 2>>
  // CHECK: %[[R:.*]] = bwta.plane_matmul %[[TK]], %[[WK]] : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_words = 2>> -> tensor<2x1x3x5xi32>
  %r = bwta.plane_matmul %tk, %wk
      : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>,
        tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_words = 2>>
      -> tensor<2x1x3x5xi32>
  // CHECK: bwta.unpack %[[TK]] : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>> -> tensor<2x3x77xi1>
  %tu = bwta.unpack %tk
      : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>
      -> tensor<2x3x77xi1>
  // CHECK: return %[[Y]], %[[R]], %[[D]]
  return %y, %r, %d : tensor<3x5xf16>, tensor<2x1x3x5xi32>, tensor<3x77xf32>
}
