// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// verifyQMatmul (bwta.qmatmul, bwta.batch_qmatmul) and the matmul type
// constraints.

func.func @lhs_packed(%x: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op lhs must not be packed, got 'tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rhs_packed(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary, #bwta.packed<planes = 1>>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op rhs must not be packed, got 'tensor<5x77x!bwta.binary, #bwta.packed<planes = 1>>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary, #bwta.packed<planes = 1>>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rhs_other_encoding(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary, 1 : i64>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op rhs must have no encoding, got 'tensor<5x77x!bwta.binary, 1 : i64>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary, 1 : i64>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rank(%x: tensor<2x3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<f32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op operands must have rank 2, got 3 and 2}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<2x3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<f32>, tensor<5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @batch_rank(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.batch_qmatmul' op operands must have rank 3, got 2 and 2}}
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @k_mismatch(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x64x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op reduction dimension mismatch: lhs K = 77, rhs K = 64}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x64x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @batch_mismatch(%x: tensor<2x3x16x!bwta.ternary>, %w: tensor<4x5x16x!bwta.ternary>, %sx: tensor<f32>, %sw: tensor<f32>) {
  // expected-error @below {{'bwta.batch_qmatmul' op batch dimension mismatch: 2 vs 4}}
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) : (tensor<2x3x16x!bwta.ternary>, tensor<4x5x16x!bwta.ternary>, tensor<f32>, tensor<f32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @result_shape(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op result shape [5, 3] should be [3, 5]}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @batch_result_shape(%x: tensor<2x3x16x!bwta.ternary>, %w: tensor<2x5x16x!bwta.ternary>, %sx: tensor<f32>, %sw: tensor<f32>) {
  // expected-error @below {{'bwta.batch_qmatmul' op result shape [3, 5] should be [2, 3, 5]}}
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) : (tensor<2x3x16x!bwta.ternary>, tensor<2x5x16x!bwta.ternary>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @lhs_scale_shape(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<5xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op lhs scale has shape [5], expected [] (per tensor) or [3] (per row)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rhs_scale_shape(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5x2xf32>) {
  // expected-error @below {{'bwta.qmatmul' op rhs scale has shape [5, 2], expected [] (per tensor) or [5] (per row) or [5, 3] (per group of 32)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) {group_size = 32 : i64} : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5x2xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @batch_scale_shape(%x: tensor<2x3x16x!bwta.ternary>, %w: tensor<2x5x16x!bwta.ternary>, %sx: tensor<3xf32>, %sw: tensor<f32>) {
  // expected-error @below {{'bwta.batch_qmatmul' op lhs scale has shape [3], expected [] (per tensor) or [2, 3] (per row)}}
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) : (tensor<2x3x16x!bwta.ternary>, tensor<2x5x16x!bwta.ternary>, tensor<3xf32>, tensor<f32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @lhs_zero_point_ternary(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.int<4>>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %zx: tensor<3xi32>) {
  // expected-error @below {{'bwta.qmatmul' op lhs zero point needs a !bwta.int operand, got '!bwta.ternary'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) lhs_zero_point(%zx) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.int<4>>, tensor<3xf32>, tensor<5xf32>, tensor<3xi32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rhs_zero_point_binary(%x: tensor<3x77x!bwta.int<8>>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %zw: tensor<5xi32>) {
  // expected-error @below {{'bwta.qmatmul' op rhs zero point needs a !bwta.int operand, got '!bwta.binary'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>, tensor<5xi32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @lhs_zero_point_shape(%x: tensor<3x77x!bwta.int<8>>, %w: tensor<5x77x!bwta.int<4>>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %zx: tensor<i32>) {
  // expected-error @below {{'bwta.qmatmul' op lhs zero point shape must equal the lhs scale shape}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) lhs_zero_point(%zx) : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<4>>, tensor<3xf32>, tensor<5xf32>, tensor<i32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @rhs_zero_point_shape(%x: tensor<3x77x!bwta.int<8>>, %w: tensor<5x77x!bwta.int<4>>, %sx: tensor<3xf32>, %sw: tensor<5x3xf32>, %zw: tensor<5xi32>) {
  // expected-error @below {{'bwta.qmatmul' op rhs zero point shape must equal the rhs scale shape}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) {group_size = 32 : i64} : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<4>>, tensor<3xf32>, tensor<5x3xf32>, tensor<5xi32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @bias_shape(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %b: tensor<3xf32>) {
  // expected-error @below {{'bwta.qmatmul' op bias has shape [3], expected [5]}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) bias(%b) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>, tensor<3xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @batch_bias_shape(%x: tensor<2x3x16x!bwta.ternary>, %w: tensor<2x5x16x!bwta.ternary>, %sx: tensor<f32>, %sw: tensor<f32>, %b: tensor<2x5xf32>) {
  // expected-error @below {{'bwta.batch_qmatmul' op bias has shape [2, 5], expected [5]}}
  %y = bwta.batch_qmatmul %x, %w scales(%sx, %sw) bias(%b) : (tensor<2x3x16x!bwta.ternary>, tensor<2x5x16x!bwta.ternary>, tensor<f32>, tensor<f32>, tensor<2x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

// Type constraints.

func.func @bf16_result(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op result #0 must be statically shaped tensor of f16 or f32, but got 'tensor<3x5xbf16>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xbf16>
  return
}

// -----

func.func @i32_result(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op result #0 must be statically shaped tensor of f16 or f32, but got 'tensor<3x5xi32>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xi32>
  return
}

// -----

func.func @dynamic_lhs(%x: tensor<?x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<f32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op operand #0 must be statically shaped tensor of bwta quantized values, but got 'tensor<?x77x!bwta.ternary>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<?x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<f32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @float_rhs(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77xf32>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op operand #1 must be statically shaped tensor of bwta quantized values, but got 'tensor<5x77xf32>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77xf32>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @f16_scale(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf16>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op operand #2 must be statically shaped tensor of f32 scales, but got 'tensor<3xf16>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf16>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @f16_bias(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %b: tensor<5xf16>) {
  // expected-error @below {{'bwta.qmatmul' op operand #4 must be statically shaped tensor of f32 biases, but got 'tensor<5xf16>'}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) bias(%b) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>, tensor<5xf16>) -> tensor<3x5xf32>
  return
}

// -----

func.func @group_size_negative(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>) {
  // expected-error @below {{'bwta.qmatmul' op attribute 'group_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) {group_size = -8 : i64} : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}
