// The int8 path on the GPU refuses what its kernels cannot compute, naming
// the op.
// RUN: bwta-opt %s -split-input-file -bwta-lower-to-gpu -verify-diagnostics -o /dev/null

// 8-bit balanced weights have 257 levels: no byte holds them.
func.func @balanced8_weight(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<4x64xf32> -> tensor<4x64x!bwta.int<8>>, tensor<4xf32>
  %w = bwta.weight "w" : tensor<8x64x!bwta.int<8, balanced>>
  %s = bwta.weight "s" : tensor<8xf32>
  // expected-error @below {{'bwta.qmatmul' op bwta-lower-to-gpu: int8 path: the weight levels of '!bwta.int<8, balanced>' do not fit a byte (u8 or s8)}}
  %y = bwta.qmatmul %q, %w scales(%sq, %s) {path = #bwta.path<int8>}
      : (tensor<4x64x!bwta.int<8>>, tensor<8x64x!bwta.int<8, balanced>>, tensor<4xf32>,
         tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @balanced8_activations(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'bwta.quantize' op bwta-lower-to-gpu: int8 path: the activation quantizer must give k-bit integer levels that fit a byte (u8 or s8), got '!bwta.int<8, balanced>'}}
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<4x64xf32> -> tensor<4x64x!bwta.int<8, balanced>>, tensor<4xf32>
  %w = bwta.weight "w" : tensor<8x64x!bwta.int<2>>
  %s = bwta.weight "s" : tensor<8xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) {path = #bwta.path<int8>}
      : (tensor<4x64x!bwta.int<8, balanced>>, tensor<8x64x!bwta.int<2>>, tensor<4xf32>,
         tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @grouped(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<4x64xf32> -> tensor<4x64x!bwta.int<8>>, tensor<4xf32>
  %w = bwta.weight "w" : tensor<8x64x!bwta.int<2>>
  %s = bwta.weight "s" : tensor<8x2xf32>
  // expected-error @below {{'bwta.qmatmul' op bwta-lower-to-gpu: int8 path: grouped scales are not supported on the GPU yet}}
  %y = bwta.qmatmul %q, %w scales(%sq, %s) {group_size = 32 : i64, path = #bwta.path<int8>}
      : (tensor<4x64x!bwta.int<8>>, tensor<8x64x!bwta.int<2>>, tensor<4xf32>,
         tensor<8x2xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Not decomposed and not on the int8 path.
func.func @undecided(%x: tensor<4x64xf32>) -> tensor<4x8xf32> {
  // expected-error @below {{'bwta.quantize' op bwta-lower-to-gpu: only quantizers with a packed result run on the GPU (run bwta-pack-layout first)}}
  %q, %sq = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<4x64xf32> -> tensor<4x64x!bwta.int<8>>, tensor<4xf32>
  %w = bwta.weight "w" : tensor<8x64x!bwta.int<2>>
  %s = bwta.weight "s" : tensor<8xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s)
      : (tensor<4x64x!bwta.int<8>>, tensor<8x64x!bwta.int<2>>, tensor<4xf32>,
         tensor<8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
