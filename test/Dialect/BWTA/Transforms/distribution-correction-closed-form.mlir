// RUN: bwta-opt %s -bwta-distribution-correction | FileCheck %s
// RUN: bwta-opt %s -bwta-distribution-correction="alpha=0.8" | FileCheck %s --check-prefix=ALPHA

// No calibration entry: closed-form smoothing from the bwta.act_max
// statistics, s = max|X|^α / max|W|^(1−α), with max|W| over the weight's
// output channels. No shift, so no output correction.
// CHECK-LABEL: func.func @closed_form
// CHECK: %[[W:.*]] = bwta.weight "attn.q.weight" : tensor<8x4xf32>
// CHECK: %[[WMAX:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[W]] : tensor<8x4xf32>)
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[WMAX]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: math.powf
// CHECK: math.powf
// CHECK: arith.select
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[S]] : tensor<8x4xf32>, tensor<4xf32>)
// CHECK: linalg.generic {{.*}} ins(%arg0, %[[S]] : tensor<2x4xf32>, tensor<4xf32>)
// CHECK: arith.divf
// CHECK: linalg.matmul
// CHECK-NOT: bwta.act_max
// CHECK: return
func.func @closed_form(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
  %w = bwta.weight "attn.q.weight" : tensor<8x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<2x4xf32>, tensor<8x4xf32>) outs(%a : tensor<2x8xf32>) {bwta.act_max = dense<[1.0, 30.0, 1.0, 2.0]> : tensor<4xf32>} -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
// ALPHA: arith.constant 8.000000e-01 : f32
// ALPHA: arith.constant 2.000000e-01 : f32
