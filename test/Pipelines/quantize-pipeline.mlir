// bwta-quantize-pipeline: a float linear layer with a named weight becomes
// a ternary quantizer that packs its own output, a weight packed at compile
// time, one plane matmul over 2 plane pairs and the BTC epilogue.
// RUN: bwta-opt %s -bwta-quantize-pipeline | FileCheck %s
// RUN: bwta-opt %s -bwta-quantize-pipeline="scheme=w2a8 balance=true path=int8" | FileCheck %s --check-prefix=INT8

// CHECK-LABEL: func.func @linear
// CHECK: bwta.quantize %{{.*}} -> tensor<4x64x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
// CHECK: bwta.quantize %{{.*}} -> tensor<32x64x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>, tensor<32xf32>
// CHECK: bwta.split_planes
// CHECK: bwta.split_planes
// CHECK: bwta.plane_matmul {{.*}} -> tensor<2x1x4x32xi32>
// CHECK: bwta.btc_epilogue {{.*}} k = 64 for !bwta.ternary, !bwta.binary
// CHECK-NOT: linalg.matmul
// INT8-LABEL: func.func @linear
// INT8: bwta.qmatmul {{.*}} {path = #bwta.path<int8>} : (tensor<4x64x!bwta.int<8, unsigned>>, tensor<32x64x!bwta.int<2, balanced>>
func.func @linear(%x: tensor<4x64xf32>, %w: tensor<32x64xf32>) -> tensor<4x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
