// The first layer of examples/bwta-linear.mlir on its own, for the GPU
// path (scripts/example.sh): ternary per-token activations × binary
// per-channel weights + bias, 4 tokens, 32 -> 48. Same weight names, so
// examples/make_weights.py serves both.
//
//   bwta-opt examples/bwta-layer-gpu.mlir -bwta-btc-decompose -bwta-pack-layout \
//       -cse -bwta-lower-to-gpu=chip=sm_90a -o layer.host.mlir
//   bwta-compile layer.host.mlir --weights weights.safetensors -o layer.bwtab
//   bwta-run layer.bwtab --input x=weights.safetensors:example.input
func.func @forward(%x: tensor<4x32xf32> {bwta.name = "x"}) -> tensor<4x48xf32> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<4x32xf32> -> tensor<4x32x!bwta.ternary>, tensor<4xf32>
  %w1 = bwta.weight "fc1.weight" : tensor<48x32x!bwta.binary>
  %s1 = bwta.weight "fc1.scale" : tensor<48xf32>
  %b1 = bwta.weight "fc1.bias" : tensor<48xf32>
  %h = bwta.qmatmul %t, %w1 scales(%st, %s1) bias(%b1)
      : (tensor<4x32x!bwta.ternary>, tensor<48x32x!bwta.binary>,
         tensor<4xf32>, tensor<48xf32>, tensor<48xf32>) -> tensor<4x48xf32>
  return %h : tensor<4x48xf32>
}
