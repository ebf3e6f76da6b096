// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg | FileCheck %s

// Unpacked rows are summed bit by bit; packed rows word by word with ctpop.
// CHECK-LABEL: func.func @plane_popcount
// CHECK: linalg.generic
// CHECK: arith.extui {{.*}} : i1 to i32
// CHECK: linalg.generic
// CHECK: math.ctpop {{.*}} : i64
// CHECK: arith.trunci {{.*}} : i64 to i32
func.func @plane_popcount(%p: tensor<2x3x77xi1>, %q: tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>>) -> (tensor<2x3xi32>, tensor<1x5xi32>) {
  %0 = bwta.plane_popcount %p : tensor<2x3x77xi1> -> tensor<2x3xi32>
  %1 = bwta.plane_popcount %q : tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>> -> tensor<1x5xi32>
  return %0, %1 : tensor<2x3xi32>, tensor<1x5xi32>
}

// -----

// Ternary × binary: one group of K = 77; Σw = 2·B − K (binary offset −1,
// coefficient 2), the plane pairs weighted by c_i·d_j = +2 and −2, then the
// scales and the bias, summed from −0.0.
// CHECK-LABEL: func.func @epilogue_ternary_binary
// CHECK: arith.constant -0.000000e+00 : f32
// CHECK: scf.for
// CHECK: arith.constant 77 : index
// CHECK-DAG: arith.constant -1 : i32
// CHECK-DAG: arith.constant -2 : i32
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: xori
func.func @epilogue_ternary_binary(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %bias: tensor<5xf32>) -> tensor<3x5xf32> {
  %y = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) bias(%bias) k = 77 for !bwta.ternary, !bwta.binary
      : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Both zero points: acc = dot − z_w·Σx − z_x·Σw + K·z_x·z_w.
// CHECK-LABEL: func.func @epilogue_zero_points
// CHECK-SAME: %[[ZX:[a-z0-9]+]]: tensor<3xi32>, %[[ZW:[a-z0-9]+]]: tensor<5xi32>
// CHECK: tensor.extract %[[ZX]]
// CHECK: tensor.extract %[[ZW]]
// CHECK: arith.subi
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @epilogue_zero_points(%p: tensor<4x4x3x5xi32>, %a: tensor<4x3xi32>, %b: tensor<4x5xi32>, %s: tensor<f32>, %zx: tensor<3xi32>, %zw: tensor<5xi32>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) -> tensor<3x5xf16> {
  %y = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) lhs_zero_point(%zx) rhs_zero_point(%zw) k = 16 for !bwta.int<4, unsigned>, !bwta.int<4, unsigned>
      : (tensor<4x4x3x5xi32>, tensor<4x3xi32>, tensor<4x5xi32>, tensor<3xf32>, tensor<5xf32>, tensor<3xi32>, tensor<5xi32>) -> tensor<3x5xf16>
  return %y : tensor<3x5xf16>
}

// -----

// Grouped: counts carry a group dimension, each group has its own K (the
// last one short: 40 = 16 + 16 + 8), zero points and scales.
// CHECK-LABEL: func.func @epilogue_grouped
// CHECK: scf.for %[[G:[a-z0-9_]+]] = %{{.*}} to %c3
// CHECK: arith.minui
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}, %[[G]], %{{.*}}, %{{.*}}] : tensor<2x2x3x3x5xi32>
// CHECK: tensor.extract %arg4[%{{.*}}, %[[G]]] : tensor<5x3xf32>
func.func @epilogue_grouped(%p: tensor<2x2x3x3x5xi32>, %a: tensor<2x3x3xi32>, %b: tensor<2x3x5xi32>, %sx: tensor<3xf32>, %sw: tensor<5x3xf32>, %zw: tensor<5x3xi32>) -> tensor<3x5xf32> {
  %y = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) rhs_zero_point(%zw) k = 40 for !bwta.int<2>, !bwta.int<2, unsigned> {group_size = 16 : i64}
      : (tensor<2x2x3x3x5xi32>, tensor<2x3x3xi32>, tensor<2x3x5xi32>, tensor<3xf32>, tensor<5x3xf32>, tensor<5x3xi32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}
