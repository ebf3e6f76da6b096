// RUN: bwta-opt %s -bwta-decompose-aggregates | FileCheck %s

// Softmax along the last dimension becomes its definition: a maxnumf
// reduction from NaN (which maxnumf ignores), exp(x - max), a sum reduction from 0 and a division.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT: linalg.softmax
// CHECK: %[[NAN:.*]] = arith.constant 0xFFC00000 : f32
// CHECK: linalg.fill ins(%[[NAN]] : f32)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   arith.maxnumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:   arith.subf
// CHECK:   math.exp
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:   arith.divf
func.func @softmax(%s: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}
