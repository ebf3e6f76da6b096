// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg | FileCheck %s

// Integer accumulation per group, then (f32(acc)·sl)·sr summed over groups,
// then the bias.
// CHECK-LABEL: func.func @qmatmul_grouped
// CHECK-SAME: (%[[X:.*]]: tensor<3x77xi8>, %[[W:.*]]: tensor<5x77xi8>, %[[SX:.*]]: tensor<3xf32>, %[[SW:.*]]: tensor<5x3xf32>, %[[ZW:.*]]: tensor<5x3xi32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: linalg.generic
// CHECK: %[[Y:.*]] = scf.for %[[G:[a-z0-9_]+]] = {{.*}} -> (f32)
// CHECK: tensor.extract %[[ZW]][%{{.*}}, %[[G]]]
// CHECK: arith.minui
// CHECK: scf.for {{.*}} -> (i32)
// CHECK: arith.subi
// CHECK: arith.muli {{.*}} : i32
// CHECK: arith.addi {{.*}} : i32
// CHECK: tensor.extract %[[SX]][
// CHECK: tensor.extract %[[SW]][%{{.*}}, %[[G]]]
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.extract %[[B]]
// CHECK: arith.addf %[[Y]]
func.func @qmatmul_grouped(%x: tensor<3x77x!bwta.int<8>>, %w: tensor<5x77x!bwta.int<2, unsigned>>, %sx: tensor<3xf32>, %sw: tensor<5x3xf32>, %zw: tensor<5x3xi32>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) bias(%b) {group_size = 32} : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<2, unsigned>>, tensor<3xf32>, tensor<5x3xf32>, tensor<5x3xi32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// CHECK-LABEL: func.func @qmatmul_f16
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: linalg.yield {{.*}} : f16
func.func @qmatmul_f16(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) -> tensor<3x5xf16> {
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf16>
  return %y : tensor<3x5xf16>
}

// -----

// Batched: the batch index selects the rows of both operands and their scales.
// CHECK-LABEL: func.func @batch_qmatmul
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3x9xi8>, %[[K:.*]]: tensor<2x4x9xi8>, %[[SQ:.*]]: tensor<2x3xf32>, %[[SK:.*]]: tensor<f32>)
// CHECK: %[[BATCH:.*]] = linalg.index 0
// CHECK: %[[M:.*]] = linalg.index 1
// CHECK: %[[N:.*]] = linalg.index 2
// CHECK: tensor.extract %[[Q]][%[[BATCH]], %[[M]], %{{.*}}]
// CHECK: tensor.extract %[[K]][%[[BATCH]], %[[N]], %{{.*}}]
// CHECK: tensor.extract %[[SQ]][%[[BATCH]], %[[M]]]
// CHECK: tensor.extract %[[SK]][]
func.func @batch_qmatmul(%q: tensor<2x3x9x!bwta.ternary>, %k: tensor<2x4x9x!bwta.ternary>, %sq: tensor<2x3xf32>, %sk: tensor<f32>) -> tensor<2x3x4xf32> {
  %y = bwta.batch_qmatmul %q, %k scales(%sq, %sk) : (tensor<2x3x9x!bwta.ternary>, tensor<2x4x9x!bwta.ternary>, tensor<2x3xf32>, tensor<f32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}
