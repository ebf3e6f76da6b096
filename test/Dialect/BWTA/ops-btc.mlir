// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// The BTC building blocks: plane_popcount and btc_epilogue, and the path
// attribute of the quantized matmuls.

// CHECK-LABEL: func.func @plane_popcount
// CHECK: bwta.plane_popcount %{{.*}} : tensor<2x3x77xi1> -> tensor<2x3xi32>
// CHECK: bwta.plane_popcount %{{.*}} : tensor<2x4x3x77xi1> -> tensor<2x4x3xi32>
// CHECK: bwta.plane_popcount %{{.*}} : tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8>> -> tensor<1x5xi32>
func.func @plane_popcount(%p: tensor<2x3x77xi1>, %q: tensor<2x4x3x77xi1>,
                          %r: tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8>>) {
  %0 = bwta.plane_popcount %p : tensor<2x3x77xi1> -> tensor<2x3xi32>
  %1 = bwta.plane_popcount %q : tensor<2x4x3x77xi1> -> tensor<2x4x3xi32>
  %2 = bwta.plane_popcount %r : tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8>> -> tensor<1x5xi32>
  return
}

// -----

// CHECK-LABEL: func.func @btc_epilogue
// CHECK: bwta.btc_epilogue %{{.*}}, %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) bias(%{{.*}}) k = 77 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
// CHECK: bwta.btc_epilogue {{.*}} rhs_zero_point(%{{.*}}) k = 40 for !bwta.int<8>, !bwta.int<2, unsigned> : {{.*}} -> tensor<4x6xf16>
// CHECK: bwta.btc_epilogue {{.*}} k = 9 for !bwta.ternary, !bwta.ternary : {{.*}} -> tensor<2x3x4xf32>
func.func @btc_epilogue(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>,
                        %sx: tensor<3xf32>, %sw: tensor<5xf32>, %bias: tensor<5xf32>,
                        %p8: tensor<8x2x4x6xi32>, %a8: tensor<8x4xi32>, %b8: tensor<2x6xi32>,
                        %s8: tensor<4xf32>, %z2: tensor<6xi32>, %s2: tensor<6xf32>,
                        %pq: tensor<2x2x2x3x4xi32>, %aq: tensor<2x2x3xi32>, %bq: tensor<2x2x4xi32>,
                        %sq: tensor<f32>) {
  %0 = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) bias(%bias) k = 77 for !bwta.ternary, !bwta.binary
      : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %1 = bwta.btc_epilogue %p8, %a8, %b8 scales(%s8, %s2) rhs_zero_point(%z2) k = 40 for !bwta.int<8>, !bwta.int<2, unsigned>
      : (tensor<8x2x4x6xi32>, tensor<8x4xi32>, tensor<2x6xi32>, tensor<4xf32>, tensor<6xf32>, tensor<6xi32>) -> tensor<4x6xf16>
  %2 = bwta.btc_epilogue %pq, %aq, %bq scales(%sq, %sq) k = 9 for !bwta.ternary, !bwta.ternary
      : (tensor<2x2x2x3x4xi32>, tensor<2x2x3xi32>, tensor<2x2x4xi32>, tensor<f32>, tensor<f32>) -> tensor<2x3x4xf32>
  return
}

// -----

// CHECK-LABEL: func.func @matmul_path
// CHECK: bwta.qmatmul {{.*}} {path = #bwta.path<int8>}
// CHECK: bwta.batch_qmatmul {{.*}} {path = #bwta.path<btc>}
func.func @matmul_path(%x: tensor<3x77x!bwta.int<8>>, %w: tensor<5x77x!bwta.int<2>>,
                       %s: tensor<f32>, %q: tensor<2x3x9x!bwta.ternary>) {
  %0 = bwta.qmatmul %x, %w scales(%s, %s) {path = #bwta.path<int8>} : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<2>>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  %1 = bwta.batch_qmatmul %q, %q scales(%s, %s) {path = #bwta.path<btc>} : (tensor<2x3x9x!bwta.ternary>, tensor<2x3x9x!bwta.ternary>, tensor<f32>, tensor<f32>) -> tensor<2x3x3xf32>
  return
}

// -----

// CHECK-LABEL: func.func @fusion
// CHECK: %[[F:.*]]:2 = bwta.fusion -> (tensor<4x8x!bwta.ternary>, tensor<4xf32>) {
// CHECK: linalg.generic
// CHECK: bwta.quantize
// CHECK: bwta.yield %{{.*}}, %{{.*}} : tensor<4x8x!bwta.ternary>, tensor<4xf32>
// CHECK: return %[[F]]#0, %[[F]]#1
func.func @fusion(%x: tensor<4x8xf32>) -> (tensor<4x8x!bwta.ternary>, tensor<4xf32>) {
  %q, %s = bwta.fusion -> (tensor<4x8x!bwta.ternary>, tensor<4xf32>) {
    %e = tensor.empty() : tensor<4x8xf32>
    %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
    ^bb0(%v: f32, %o: f32):
      %t = math.tanh %v : f32
      linalg.yield %t : f32
    } -> tensor<4x8xf32>
    %a, %b = bwta.quantize %g {scheme = #bwta.scheme<granularity = per_token>} : tensor<4x8xf32> -> tensor<4x8x!bwta.ternary>, tensor<4xf32>
    bwta.yield %a, %b : tensor<4x8x!bwta.ternary>, tensor<4xf32>
  }
  return %q, %s : tensor<4x8x!bwta.ternary>, tensor<4xf32>
}
