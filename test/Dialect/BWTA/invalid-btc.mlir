// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// PlanePopcountOp::verify, BTCEpilogueOp::verify and the path attribute.

func.func @popcount_rank(%p: tensor<77xi1>) {
  // expected-error @below {{'bwta.plane_popcount' op input must be [P, ..., K], got rank 1}}
  %0 = bwta.plane_popcount %p : tensor<77xi1> -> tensor<1xi32>
  return
}

// -----

func.func @popcount_shape(%p: tensor<2x3x77xi1>) {
  // expected-error @below {{'bwta.plane_popcount' op result shape [2, 77] should be [2, 3]}}
  %0 = bwta.plane_popcount %p : tensor<2x3x77xi1> -> tensor<2x77xi32>
  return
}

// -----

func.func @epilogue_result_rank(%p: tensor<2x1x5xi32>, %a: tensor<2xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op result must be [M, N] or [B, M, N], got [5]}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x5xi32>, tensor<2xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<5xf32>
  return
}

// -----

func.func @epilogue_planes(%p: tensor<1x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op plane-pair counts have shape [1, 1, 3, 5], expected [2, 1, 3, 5] ('!bwta.ternary' x '!bwta.binary')}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 7 for !bwta.ternary, !bwta.binary : (tensor<1x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_lhs_counts(%p: tensor<2x1x3x5xi32>, %a: tensor<2x4xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op lhs popcounts have shape [2, 4], expected [2, 3]}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x4xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_rhs_counts(%p: tensor<2x1x2x3x5xi32>, %a: tensor<2x2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op rhs popcounts have shape [1, 5], expected [1, 2, 5]}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x2x3x5xi32>, tensor<2x2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @epilogue_scale(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<4xf32>, %t: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op lhs scale has shape [4], expected [] (per tensor) or [3] (per row)}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %t) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<4xf32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_zero_point(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>, %z: tensor<i32>) {
  // expected-error @below {{'bwta.btc_epilogue' op rhs zero point needs a !bwta.int operand, got '!bwta.binary'}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) rhs_zero_point(%z) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>, tensor<i32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_bias(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>, %bias: tensor<3xf32>) {
  // expected-error @below {{'bwta.btc_epilogue' op bias has shape [3], expected [5]}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) bias(%bias) k = 7 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>, tensor<3xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_k(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op attribute 'k' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 0 for !bwta.ternary, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @epilogue_type(%p: tensor<2x1x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op attribute 'lhs_type' failed to satisfy constraint: type attribute of bwta quantized element type}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 7 for i8, !bwta.binary : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @bad_path(%x: tensor<3x7x!bwta.ternary>, %s: tensor<f32>) {
  // expected-error @+2 {{expected ::bwta::MatmulPath to be one of: btc, int8}}
  // expected-error @+1 {{failed to parse BWTA_MatmulPathAttr parameter 'value'}}
  %0 = bwta.qmatmul %x, %x scales(%s, %s) {path = #bwta.path<xor>} : (tensor<3x7x!bwta.ternary>, tensor<3x7x!bwta.ternary>, tensor<f32>, tensor<f32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @popcount_group_shape(%p: tensor<2x3x77xi1>) {
  // expected-error @below {{'bwta.plane_popcount' op result shape [2, 3] should be [2, 3, 3]}}
  %0 = bwta.plane_popcount %p {group_size = 32} : tensor<2x3x77xi1> -> tensor<2x3xi32>
  return
}

// -----

func.func @popcount_group_words(%p: tensor<2x3x77xi1, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.plane_popcount' op group_size 24 must be a multiple of the packed word (32 bits)}}
  %0 = bwta.plane_popcount %p {group_size = 24} : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x4x3xi32>
  return
}

// -----

func.func @plane_matmul_group_words(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>>) {
  // expected-error @below {{'bwta.plane_matmul' op group_size 32 must be a multiple of the packed word (64 bits)}}
  %0 = bwta.plane_matmul %x, %w {group_size = 32} : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>> -> tensor<2x1x3x3x5xi32>
  return
}

// -----

func.func @plane_matmul_group_shape(%x: tensor<2x3x77xi1>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op result shape [2, 1, 3, 5] should be [2, 1, 3, 3, 5]}}
  %0 = bwta.plane_matmul %x, %w {group_size = 32} : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @epilogue_group_counts(%p: tensor<2x1x3x3x5xi32>, %a: tensor<2x3xi32>, %b: tensor<1x3x5xi32>, %s: tensor<f32>) {
  // expected-error @below {{'bwta.btc_epilogue' op lhs popcounts have shape [2, 3], expected [2, 3, 3]}}
  %0 = bwta.btc_epilogue %p, %a, %b scales(%s, %s) k = 77 for !bwta.ternary, !bwta.binary {group_size = 32} : (tensor<2x1x3x3x5xi32>, tensor<2x3xi32>, tensor<1x3x5xi32>, tensor<f32>, tensor<f32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @fusion_yield_types(%x: tensor<4xf32>) {
  // expected-error @below {{'bwta.fusion' op yields 1 value(s) whose types differ from the 2 result type(s)}}
  %a, %b = bwta.fusion -> (tensor<4xf32>, tensor<4xf32>) {
    bwta.yield %x : tensor<4xf32>
  }
  return
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @below {{'bwta.yield' op expects parent op 'bwta.fusion'}}
  bwta.yield %x : tensor<4xf32>
}
