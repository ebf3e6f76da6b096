// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// bwta.qmatmul and bwta.batch_qmatmul: scales per row, per tensor and per
// group; optional zero points and bias; f32 and f16 results.

// The BWTA linear layer: ternary activations per token, binary weights per
// output channel, with a bias.
// CHECK-LABEL: func.func @bwta_linear
// CHECK-SAME: (%[[X:.*]]: tensor<3x77x!bwta.ternary>, %[[W:.*]]: tensor<5x77x!bwta.binary>, %[[SX:.*]]: tensor<3xf32>, %[[SW:.*]]: tensor<5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: %[[Y:.*]] = bwta.qmatmul %[[X]], %[[W]] scales(%[[SX]], %[[SW]]) bias(%[[B]]) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
// CHECK: return %[[Y]]
func.func @bwta_linear(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>,
                       %sx: tensor<3xf32>, %sw: tensor<5xf32>, %b: tensor<5xf32>)
    -> tensor<3x5xf32> {
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) bias(%b)
      : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>,
         tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// No bias, per-tensor scales, f16 result.
// CHECK-LABEL: func.func @per_tensor_f16
// CHECK: bwta.qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) : (tensor<3x77x!bwta.int<4>>, tensor<5x77x!bwta.int<4>>, tensor<f32>, tensor<f32>) -> tensor<3x5xf16>
func.func @per_tensor_f16(%x: tensor<3x77x!bwta.int<4>>, %w: tensor<5x77x!bwta.int<4>>,
                          %sx: tensor<f32>, %sw: tensor<f32>) -> tensor<3x5xf16> {
  %y = bwta.qmatmul %x, %w scales(%sx, %sw)
      : (tensor<3x77x!bwta.int<4>>, tensor<5x77x!bwta.int<4>>, tensor<f32>, tensor<f32>)
      -> tensor<3x5xf16>
  return %y : tensor<3x5xf16>
}

// -----

// W4A8 with asymmetric (zero-point) activations and per-group scales on
// both sides; zero points have the shape of their scale.
// CHECK-LABEL: func.func @zero_points_groups
// CHECK-SAME: (%[[X:.*]]: tensor<3x77x!bwta.int<8, unsigned>>, %[[W:.*]]: tensor<5x77x!bwta.int<4>>, %[[SX:.*]]: tensor<3x3xf32>, %[[SW:.*]]: tensor<5x3xf32>, %[[ZX:.*]]: tensor<3x3xi32>, %[[ZW:.*]]: tensor<5x3xi32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: bwta.qmatmul %[[X]], %[[W]] scales(%[[SX]], %[[SW]]) lhs_zero_point(%[[ZX]]) {group_size = 32 : i64} : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>, tensor<3x3xf32>, tensor<5x3xf32>, tensor<3x3xi32>) -> tensor<3x5xf32>
// CHECK: bwta.qmatmul %[[X]], %[[W]] scales(%[[SX]], %[[SW]]) rhs_zero_point(%[[ZW]]) {group_size = 32 : i64} : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>, tensor<3x3xf32>, tensor<5x3xf32>, tensor<5x3xi32>) -> tensor<3x5xf32>
// CHECK: bwta.qmatmul %[[X]], %[[W]] scales(%[[SX]], %[[SW]]) lhs_zero_point(%[[ZX]]) rhs_zero_point(%[[ZW]]) bias(%[[B]]) {group_size = 32 : i64} : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>, tensor<3x3xf32>, tensor<5x3xf32>, tensor<3x3xi32>, tensor<5x3xi32>, tensor<5xf32>) -> tensor<3x5xf16>
func.func @zero_points_groups(%x: tensor<3x77x!bwta.int<8, unsigned>>, %w: tensor<5x77x!bwta.int<4>>,
                              %sx: tensor<3x3xf32>, %sw: tensor<5x3xf32>,
                              %zx: tensor<3x3xi32>, %zw: tensor<5x3xi32>, %b: tensor<5xf32>) {
  %0 = bwta.qmatmul %x, %w scales(%sx, %sw) lhs_zero_point(%zx) {group_size = 32 : i64}
      : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>,
         tensor<3x3xf32>, tensor<5x3xf32>, tensor<3x3xi32>) -> tensor<3x5xf32>
  %1 = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) {group_size = 32 : i64}
      : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>,
         tensor<3x3xf32>, tensor<5x3xf32>, tensor<5x3xi32>) -> tensor<3x5xf32>
  %2 = bwta.qmatmul %x, %w scales(%sx, %sw) lhs_zero_point(%zx) rhs_zero_point(%zw) bias(%b)
      {group_size = 32 : i64}
      : (tensor<3x77x!bwta.int<8, unsigned>>, tensor<5x77x!bwta.int<4>>,
         tensor<3x3xf32>, tensor<5x3xf32>, tensor<3x3xi32>, tensor<5x3xi32>, tensor<5xf32>)
      -> tensor<3x5xf16>
  return
}

// -----

// Mixed granularities: per-token activations with per-group weights (W2*A8:
// balanced 2-bit weights).
// CHECK-LABEL: func.func @mixed_granularity
// CHECK: bwta.qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) {group_size = 64 : i64} : (tensor<4x130x!bwta.int<8>>, tensor<6x130x!bwta.int<2, balanced>>, tensor<4xf32>, tensor<6x3xf32>) -> tensor<4x6xf32>
func.func @mixed_granularity(%x: tensor<4x130x!bwta.int<8>>, %w: tensor<6x130x!bwta.int<2, balanced>>,
                             %sx: tensor<4xf32>, %sw: tensor<6x3xf32>) -> tensor<4x6xf32> {
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) {group_size = 64 : i64}
      : (tensor<4x130x!bwta.int<8>>, tensor<6x130x!bwta.int<2, balanced>>,
         tensor<4xf32>, tensor<6x3xf32>) -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

// Attention: Q·Kᵀ (ternary × ternary) and P·V ({0,1} × ternary Vᵀ).
// CHECK-LABEL: func.func @batch_attention
// CHECK: bwta.batch_qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) : (tensor<2x7x16x!bwta.ternary>, tensor<2x7x16x!bwta.ternary>, tensor<2x7xf32>, tensor<2x7xf32>) -> tensor<2x7x7xf32>
// CHECK: bwta.batch_qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) : (tensor<2x7x7x!bwta.int<1, unsigned>>, tensor<2x16x7x!bwta.ternary>, tensor<f32>, tensor<2x16xf32>) -> tensor<2x7x16xf16>
func.func @batch_attention(%q: tensor<2x7x16x!bwta.ternary>, %k: tensor<2x7x16x!bwta.ternary>,
                           %sq: tensor<2x7xf32>, %sk: tensor<2x7xf32>,
                           %p: tensor<2x7x7x!bwta.int<1, unsigned>>, %vt: tensor<2x16x7x!bwta.ternary>,
                           %sp: tensor<f32>, %sv: tensor<2x16xf32>) {
  %s = bwta.batch_qmatmul %q, %k scales(%sq, %sk)
      : (tensor<2x7x16x!bwta.ternary>, tensor<2x7x16x!bwta.ternary>,
         tensor<2x7xf32>, tensor<2x7xf32>) -> tensor<2x7x7xf32>
  %o = bwta.batch_qmatmul %p, %vt scales(%sp, %sv)
      : (tensor<2x7x7x!bwta.int<1, unsigned>>, tensor<2x16x7x!bwta.ternary>,
         tensor<f32>, tensor<2x16xf32>) -> tensor<2x7x16xf16>
  return
}

// -----

// Batched with per-group scales, zero points and a bias of shape [N].
// CHECK-LABEL: func.func @batch_full
// CHECK: bwta.batch_qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) lhs_zero_point(%{{.*}}) rhs_zero_point(%{{.*}}) bias(%{{.*}}) {group_size = 8 : i64} : (tensor<2x3x20x!bwta.int<4, unsigned>>, tensor<2x5x20x!bwta.int<3>>, tensor<2x3x3xf32>, tensor<2x5x3xf32>, tensor<2x3x3xi32>, tensor<2x5x3xi32>, tensor<5xf32>) -> tensor<2x3x5xf32>
func.func @batch_full(%x: tensor<2x3x20x!bwta.int<4, unsigned>>, %w: tensor<2x5x20x!bwta.int<3>>,
                      %sx: tensor<2x3x3xf32>, %sw: tensor<2x5x3xf32>,
                      %zx: tensor<2x3x3xi32>, %zw: tensor<2x5x3xi32>, %b: tensor<5xf32>)
    -> tensor<2x3x5xf32> {
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) lhs_zero_point(%zx) rhs_zero_point(%zw) bias(%b)
      {group_size = 8 : i64}
      : (tensor<2x3x20x!bwta.int<4, unsigned>>, tensor<2x5x20x!bwta.int<3>>,
         tensor<2x3x3xf32>, tensor<2x5x3xf32>, tensor<2x3x3xi32>, tensor<2x5x3xi32>,
         tensor<5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}
