// RUN: bwta-opt %s -bwta-distribution-correction="calibration=%S/Inputs/calibration.json" | FileCheck %s

// up: smoothing with a shift. The activation transform (x − δ)/s is folded
// into the elementwise producer of x (here a GELU-like generic); the weight
// is scaled per input channel; the output gets + W·δ back.
// down: rank-1 compensation W + a·bᵀ and a bias correction, no smoothing.
// CHECK-LABEL: func.func @mlp
// CHECK: %[[WUP:.*]] = bwta.weight "mlp.up.weight" : tensor<6x4xf32>
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[WUP]], %{{.*}} : tensor<6x4xf32>, tensor<4xf32>)
// CHECK: %[[WS:.*]] = linalg.generic {{.*}} ins(%[[WUP]], %{{.*}} : tensor<6x4xf32>, tensor<4xf32>)
// CHECK: arith.mulf
// CHECK: %[[ACT:.*]] = linalg.generic {{.*}} ins(%arg0, %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: math.tanh
// CHECK-NEXT: arith.subf
// CHECK-NEXT: arith.divf
// CHECK: %[[UP:.*]] = linalg.matmul {{.*}} ins(%[[ACT]], %[[WS]] : tensor<3x4xf32>, tensor<6x4xf32>)
// CHECK: %[[UPC:.*]] = linalg.generic {{.*}} ins(%[[UP]], %[[SHIFT]] : tensor<3x6xf32>, tensor<6xf32>)
// CHECK: %[[WDOWN:.*]] = bwta.weight "mlp.down.weight" : tensor<3x6xf32>
// CHECK: %[[WR:.*]] = linalg.generic {{.*}} ins(%[[WDOWN]], %{{.*}}, %{{.*}} : tensor<3x6xf32>, tensor<3xf32>, tensor<6xf32>)
// CHECK: %[[DOWN:.*]] = linalg.matmul {{.*}} ins(%[[UPC]], %[[WR]] : tensor<3x6xf32>, tensor<3x6xf32>)
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[DOWN]], %{{.*}} : tensor<3x3xf32>, tensor<3xf32>)
// CHECK: return %[[OUT]]
func.func @mlp(%x: tensor<3x4xf32>) -> tensor<3x3xf32> {
  %ge = tensor.empty() : tensor<3x4xf32>
  %act = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<3x4xf32>) outs(%ge : tensor<3x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<3x4xf32>
  %wup = bwta.weight "mlp.up.weight" : tensor<6x4xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<3x6xf32>
  %a1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3x6xf32>) -> tensor<3x6xf32>
  %up = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%act, %wup : tensor<3x4xf32>, tensor<6x4xf32>) outs(%a1 : tensor<3x6xf32>) -> tensor<3x6xf32>
  %wdown = bwta.weight "mlp.down.weight" : tensor<3x6xf32>
  %e2 = tensor.empty() : tensor<3x3xf32>
  %a2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<3x3xf32>) -> tensor<3x3xf32>
  %down = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%up, %wdown : tensor<3x6xf32>, tensor<3x6xf32>) outs(%a2 : tensor<3x3xf32>) -> tensor<3x3xf32>
  return %down : tensor<3x3xf32>
}

