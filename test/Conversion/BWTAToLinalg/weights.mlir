// RUN: %python %S/Inputs/make_safetensors.py good %t.safetensors
// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg="weights=%t.safetensors" | FileCheck %s

// Weights become constants of the converted type, bit for bit.
// CHECK-LABEL: func.func @float_weight
// CHECK: arith.constant dense<{{\[}}[1.500000e+00, -2.000000e+00, 2.500000e-01], [3.000000e+00, -5.000000e-01, 8.000000e+00]]> : tensor<2x3xf32>
func.func @float_weight() -> tensor<2x3xf32> {
  %w = bwta.weight "w.f32" : tensor<2x3xf32>
  return %w : tensor<2x3xf32>
}

// -----

// Quantized weights are int8 levels.
// CHECK-LABEL: func.func @quantized_weights
// CHECK-DAG: arith.constant dense<{{\[}}[1, -1, -1], [1, 1, -1]]> : tensor<2x3xi8>
// CHECK-DAG: arith.constant dense<{{\[}}[-2, -1, 0], [1, 2, 0]]> : tensor<2x3xi8>
func.func @quantized_weights() -> (tensor<2x3x!bwta.binary>, tensor<2x3x!bwta.int<2, balanced>>) {
  %b = bwta.weight "w.binary" : tensor<2x3x!bwta.binary>
  %q = bwta.weight "w.int2" : tensor<2x3x!bwta.int<2, balanced>>
  return %b, %q : tensor<2x3x!bwta.binary>, tensor<2x3x!bwta.int<2, balanced>>
}
