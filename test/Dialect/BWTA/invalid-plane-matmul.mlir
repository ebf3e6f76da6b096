// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// PlaneMatmulOp::verify and its type constraints.

func.func @rank2(%x: tensor<3x77xi1>, %w: tensor<5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must both be [P, M, K] or [P, B, M, K], got ranks 2 and 2}}
  %r = bwta.plane_matmul %x, %w : tensor<3x77xi1>, tensor<5x77xi1> -> tensor<3x5xi32>
  return
}

// -----

func.func @rank_mismatch(%x: tensor<2x3x77xi1>, %w: tensor<1x2x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must both be [P, M, K] or [P, B, M, K], got ranks 3 and 4}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x2x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @k_mismatch(%x: tensor<2x3x77xi1>, %w: tensor<1x5x78xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op reduction dimension mismatch: lhs K = 77, rhs K = 78}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x78xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @batch_mismatch(%x: tensor<2x4x7x16xi1>, %w: tensor<2x3x7x16xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op batch dimension mismatch: 4 vs 3}}
  %r = bwta.plane_matmul %x, %w : tensor<2x4x7x16xi1>, tensor<2x3x7x16xi1> -> tensor<2x2x4x7x7xi32>
  return
}

// -----

func.func @foreign_encoding(%x: tensor<2x3x77xi1, "packed">, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op operand encoding must be #bwta.packed, got 'tensor<2x3x77xi1, "packed">'}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, "packed">, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @half_packed(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2>>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must be both packed or both unpacked}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @word_mismatch(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must share word size, K order and K tiling so that their bits line up: #bwta.packed<planes = 2> vs #bwta.packed<planes = 1, word = 64>}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64>> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @k_order_mismatch(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2, k_order = msb_first>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1>>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must share word size, K order and K tiling so that their bits line up: #bwta.packed<planes = 2, k_order = msb_first> vs #bwta.packed<planes = 1>}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2, k_order = msb_first>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @k_tiling_mismatch(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_words = 2>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_words = 4>>) {
  // expected-error @below {{'bwta.plane_matmul' op operands must share word size, K order and K tiling so that their bits line up: #bwta.packed<planes = 2, tile_words = 2> vs #bwta.packed<planes = 1, tile_words = 4>}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_words = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_words = 4>> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @result_shape(%x: tensor<2x3x77xi1>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op result shape [1, 2, 3, 5] should be [2, 1, 3, 5]}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<1x2x3x5xi32>
  return
}

// -----

func.func @batched_result_shape(%x: tensor<2x4x7x16xi1>, %w: tensor<2x4x7x16xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op result shape [2, 2, 7, 7] should be [2, 2, 4, 7, 7]}}
  %r = bwta.plane_matmul %x, %w : tensor<2x4x7x16xi1>, tensor<2x4x7x16xi1> -> tensor<2x2x7x7xi32>
  return
}

// -----

func.func @i64_result(%x: tensor<2x3x77xi1>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op result #0 must be statically shaped tensor of i32 accumulators, but got 'tensor<2x1x3x5xi64>'}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi64>
  return
}

// -----

func.func @quantized_operand(%x: tensor<3x77x!bwta.ternary>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op operand #0 must be statically shaped tensor of i1 bit planes, but got 'tensor<3x77x!bwta.ternary>'}}
  %r = bwta.plane_matmul %x, %w : tensor<3x77x!bwta.ternary>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}
