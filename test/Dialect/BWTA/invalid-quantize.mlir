// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// QuantizeOp::verify and the operand/result type constraints of
// bwta.quantize.

func.func @input_packed(%x: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.quantize' op operand #0 must be statically shaped tensor of floats}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  return
}

// -----

func.func @result_other_encoding(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result must have no encoding other than #bwta.packed, got 'tensor<3x77x!bwta.ternary, "dense">'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary, "dense">, tensor<3xf32>
  return
}

// -----

func.func @input_encoding(%x: tensor<3x77xf32, "dense">) {
  // expected-error @below {{'bwta.quantize' op input must have no encoding, got 'tensor<3x77xf32, "dense">'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32, "dense"> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  return
}

// -----

func.func @shape_mismatch(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result shape [3, 76] differs from input shape [3, 77]}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x76x!bwta.ternary>, tensor<3xf32>
  return
}

// -----

func.func @rank0(%x: tensor<f32>) {
  // expected-error @below {{'bwta.quantize' op input must have rank >= 1 (K is the last dimension)}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<f32> -> tensor<!bwta.int<4>>, tensor<f32>
  return
}

// -----

func.func @asymmetric_ternary(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op asymmetric quantization needs a !bwta.int result, got '!bwta.ternary'}}
  %q, %s, %z = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>, tensor<3xi32>
  return
}

// -----

func.func @asymmetric_binary(%x: tensor<3x77xf32>, %s: tensor<3xf32>, %z: tensor<3xi32>) {
  // expected-error @below {{'bwta.quantize' op asymmetric quantization needs a !bwta.int result, got '!bwta.binary'}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) zero_point(%z : tensor<3xi32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.binary>
  return
}

// -----

func.func @threshold_not_ternary(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op a threshold applies to ternary results only, got '!bwta.int<2, balanced>'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<2, balanced>>, tensor<3xf32>
  return
}

// -----

// Signed 1-bit levels are {-1, 0}: qmax = 0, so symmetric quantization has
// no scale (docs/Semantics.md).
func.func @int1_signed_dynamic_symmetric(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op symmetric quantization to '!bwta.int<1>' (levels {-1, 0}, qmax = 0) is not defined; use an asymmetric scheme, !bwta.int<1, unsigned>, !bwta.int<1, balanced> or !bwta.binary}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1>>, tensor<3xf32>
  return
}

// -----

func.func @int1_signed_static_symmetric(%x: tensor<3x77xf32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.quantize' op symmetric quantization to '!bwta.int<1>' (levels {-1, 0}, qmax = 0) is not defined}}
  %q = bwta.quantize %x scale(%s : tensor<f32>) {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1, signed>>
  return
}

// -----

func.func @static_scale_shape(%x: tensor<3x77xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.quantize' op scale has shape [3] but the per_group scheme needs [3, 3]}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_group, group_size = 32>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @static_zero_point_shape(%x: tensor<3x77xf32>, %s: tensor<3xf32>, %z: tensor<i32>) {
  // expected-error @below {{'bwta.quantize' op zero_point has shape [] but the per_token scheme needs [3]}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) zero_point(%z : tensor<i32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @result_scale_shape(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result scale has shape [3] but the per_tensor scheme needs []}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>
  return
}

// -----

func.func @result_zero_point_shape(%x: tensor<2x3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result zero_point has shape [3] but the per_channel scheme needs [2, 3]}}
  %q, %s, %z = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>} : tensor<2x3x77xf32> -> tensor<2x3x77x!bwta.int<4>>, tensor<2x3xf32>, tensor<3xi32>
  return
}

// -----

func.func @static_returns_scale(%x: tensor<3x77xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.quantize' op with a given scale (static quantization) only the quantized tensor is returned}}
  %q, %s2 = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>
  return
}

// -----

func.func @static_asymmetric_without_zero_point(%x: tensor<3x77xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.quantize' op asymmetric static quantization needs a zero_point}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @static_symmetric_with_zero_point(%x: tensor<3x77xf32>, %s: tensor<3xf32>, %z: tensor<3xi32>) {
  // expected-error @below {{'bwta.quantize' op a zero_point needs an asymmetric scheme}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) zero_point(%z : tensor<3xi32>) {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @zero_point_without_scale(%x: tensor<3x77xf32>, %z: tensor<3xi32>) {
  // expected-error @below {{'bwta.quantize' op a zero_point operand needs a scale operand}}
  %q, %s, %z2 = bwta.quantize %x zero_point(%z : tensor<3xi32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>, tensor<3xi32>
  return
}

// -----

func.func @dynamic_without_scale(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op dynamic quantization (no scale operand) must return the scale}}
  %q = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>
  return
}

// -----

func.func @dynamic_asymmetric_without_zero_point(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op asymmetric dynamic quantization must return the zero point}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>
  return
}

// -----

func.func @dynamic_symmetric_with_zero_point(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op a symmetric scheme returns no zero point}}
  %q, %s, %z = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>, tensor<3xi32>
  return
}

// -----

// Type constraints.

func.func @dynamic_input_shape(%x: tensor<?x77xf32>) {
  // expected-error @below {{'bwta.quantize' op operand #0 must be statically shaped tensor of floats, but got 'tensor<?x77xf32>'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<?x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  return
}

// -----

func.func @integer_input(%x: tensor<3x77xi8>) {
  // expected-error @below {{'bwta.quantize' op operand #0 must be statically shaped tensor of floats, but got 'tensor<3x77xi8>'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xi8> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  return
}

// -----

func.func @f16_scale(%x: tensor<3x77xf32>, %s: tensor<3xf16>) {
  // expected-error @below {{'bwta.quantize' op operand #1 must be statically shaped tensor of f32 scales, but got 'tensor<3xf16>'}}
  %q = bwta.quantize %x scale(%s : tensor<3xf16>) {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @i8_zero_point(%x: tensor<3x77xf32>, %s: tensor<3xf32>, %z: tensor<3xi8>) {
  // expected-error @below {{'bwta.quantize' op operand #2 must be statically shaped tensor of i32 zero points, but got 'tensor<3xi8>'}}
  %q = bwta.quantize %x scale(%s : tensor<3xf32>) zero_point(%z : tensor<3xi8>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>
  return
}

// -----

func.func @float_result(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result #0 must be statically shaped tensor of bwta quantized values, but got 'tensor<3x77xi8>'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77xi8>, tensor<3xf32>
  return
}

// -----

func.func @dynamic_result_scale(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op result #1 must be statically shaped tensor of f32 scales, but got 'tensor<?xf32>'}}
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<?xf32>
  return
}

// -----

func.func @missing_scheme(%x: tensor<3x77xf32>) {
  // expected-error @below {{'bwta.quantize' op requires attribute 'scheme'}}
  %q, %s = bwta.quantize %x : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  return
}
