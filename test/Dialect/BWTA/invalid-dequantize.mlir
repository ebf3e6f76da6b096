// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// DequantizeOp::verify, the parameter-shape check it shares with the
// matmuls (checkParamShape) and its type constraints.

func.func @input_packed(%q: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op input must not be packed, got 'tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @input_other_encoding(%q: tensor<3x77x!bwta.ternary, "csr">, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op input must have no encoding, got 'tensor<3x77x!bwta.ternary, "csr">'}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.ternary, "csr">, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @shape_mismatch(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op result shape [77, 3] differs from input shape [3, 77]}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<77x3xf32>
  return
}

// -----

func.func @zero_point_ternary(%q: tensor<3x77x!bwta.ternary>, %s: tensor<3xf32>, %z: tensor<3xi32>) {
  // expected-error @below {{'bwta.dequantize' op a zero_point needs a !bwta.int input, got '!bwta.ternary'}}
  %y = bwta.dequantize %q, %s zero_point(%z : tensor<3xi32>) : tensor<3x77x!bwta.ternary>, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @zero_point_shape(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf32>, %z: tensor<i32>) {
  // expected-error @below {{'bwta.dequantize' op zero_point shape must equal the scale shape}}
  %y = bwta.dequantize %q, %s zero_point(%z : tensor<i32>) : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @scale_shape(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<77xf32>) {
  // expected-error @below {{'bwta.dequantize' op scale has shape [77], expected [] (per tensor) or [3] (per row)}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<77xf32> -> tensor<3x77xf32>
  return
}

// -----

// Per-group scales need group_size.
func.func @grouped_scale_without_group_size(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3x3xf32>) {
  // expected-error @below {{'bwta.dequantize' op scale has shape [3, 3], expected [] (per tensor) or [3] (per row)}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3x3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @group_count(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3x2xf32>) {
  // expected-error @below {{'bwta.dequantize' op scale has shape [3, 2], expected [] (per tensor) or [3] (per row) or [3, 3] (per group of 32)}}
  %y = bwta.dequantize %q, %s {group_size = 32 : i64} : tensor<3x77x!bwta.int<4>>, tensor<3x2xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @rank0_value(%q: tensor<!bwta.int<4>>, %s: tensor<1xf32>) {
  // expected-error @below {{'bwta.dequantize' op scale has shape [1], but a rank-0 value takes only [] parameters}}
  %y = bwta.dequantize %q, %s : tensor<!bwta.int<4>>, tensor<1xf32> -> tensor<f32>
  return
}

// -----

func.func @group_size_zero(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op attribute 'group_size' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %y = bwta.dequantize %q, %s {group_size = 0 : i64} : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @f64_scale(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf64>) {
  // expected-error @below {{'bwta.dequantize' op operand #1 must be statically shaped tensor of f32 scales, but got 'tensor<3xf64>'}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf64> -> tensor<3x77xf32>
  return
}

// -----

func.func @float_input(%q: tensor<3x77xf32>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op operand #0 must be statically shaped tensor of bwta quantized values, but got 'tensor<3x77xf32>'}}
  %y = bwta.dequantize %q, %s : tensor<3x77xf32>, tensor<3xf32> -> tensor<3x77xf32>
  return
}

// -----

func.func @dynamic_result(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf32>) {
  // expected-error @below {{'bwta.dequantize' op result #0 must be statically shaped tensor of floats, but got 'tensor<3x?xf32>'}}
  %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x?xf32>
  return
}
