// A tiny two-layer BWTA MLP in the bwta dialect (4 tokens, 32 -> 48 -> 8).
//
//   layer 1 (BWTA):  ternary activations (per token, threshold 0.7·mean|x|)
//                    × binary weights (per output channel) + bias, then ReLU
//   layer 2 (W2*A8): unsigned 8-bit activations with a zero point (per token)
//                    × balanced 2-bit weights {-2..2}, one scale per 16 inputs
//
// Weights are referenced by name and resolved from a safetensors file written
// by examples/make_weights.py. Run it with `bash scripts/example.sh`, or by
// hand:
//
//   python3 examples/make_weights.py weights.safetensors
//   bwta-opt examples/bwta-linear.mlir \
//       --bwta-cpu-reference="weights=weights.safetensors" |
//     mlir-runner -e main -entry-point-result=void \
//       -shared-libs=/usr/lib/llvm-22/lib/libmlir_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so

#id = affine_map<(d0, d1) -> (d0, d1)>

func.func @forward(%x: tensor<4x32xf32>) -> tensor<4x8xf32> {
  // Layer 1: quantize the activations to {-1, 0, +1} with one scale per token.
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<4x32xf32> -> tensor<4x32x!bwta.ternary>, tensor<4xf32>
  %w1 = bwta.weight "fc1.weight" : tensor<48x32x!bwta.binary>
  %s1 = bwta.weight "fc1.scale" : tensor<48xf32>
  %b1 = bwta.weight "fc1.bias" : tensor<48xf32>
  %h = bwta.qmatmul %t, %w1 scales(%st, %s1) bias(%b1)
      : (tensor<4x32x!bwta.ternary>, tensor<48x32x!bwta.binary>,
         tensor<4xf32>, tensor<48xf32>, tensor<48xf32>) -> tensor<4x48xf32>

  // ReLU, in plain linalg: bwta ops compose with upstream dialects.
  %init = tensor.empty() : tensor<4x48xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<4x48xf32>) outs(%init : tensor<4x48xf32>) {
  ^bb0(%v: f32, %unused: f32):
    %zero = arith.constant 0.0 : f32
    %relu = arith.maximumf %v, %zero : f32
    linalg.yield %relu : f32
  } -> tensor<4x48xf32>

  // Layer 2: dynamic asymmetric 8-bit activations (scale and zero point per
  // token) against balanced 2-bit weights with per-group scales.
  %q, %sq, %zq = bwta.quantize %r
      {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<4x48xf32> -> tensor<4x48x!bwta.int<8, unsigned>>, tensor<4xf32>, tensor<4xi32>
  %w2 = bwta.weight "fc2.weight" : tensor<8x48x!bwta.int<2, balanced>>
  %s2 = bwta.weight "fc2.scale" : tensor<8x3xf32>
  %y = bwta.qmatmul %q, %w2 scales(%sq, %s2) lhs_zero_point(%zq) {group_size = 16 : i64}
      : (tensor<4x48x!bwta.int<8, unsigned>>, tensor<8x48x!bwta.int<2, balanced>>,
         tensor<4xf32>, tensor<8x3xf32>, tensor<4xi32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

// Runs the model on the example input stored beside the weights and prints
// the 4x8 result.
func.func @main() {
  %x = bwta.weight "example.input" : tensor<4x32xf32>
  %y = func.call @forward(%x) : (tensor<4x32xf32>) -> tensor<4x8xf32>
  %buffer = bufferization.to_buffer %y : tensor<4x8xf32> to memref<4x8xf32>
  %unranked = memref.cast %buffer : memref<4x8xf32> to memref<*xf32>
  func.call @printMemrefF32(%unranked) : (memref<*xf32>) -> ()
  return
}
