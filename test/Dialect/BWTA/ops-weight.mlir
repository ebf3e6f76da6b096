// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// bwta.weight names an external tensor; float results keep their dtype,
// quantized results are stored as int8 levels in the weight file.

// CHECK-LABEL: func.func @float_weights
// CHECK: bwta.weight "layers.0.attn.q_proj.weight" : tensor<64x64xf32>
// CHECK: bwta.weight "layers.0.mlp.up.weight" : tensor<128x64xf16>
// CHECK: bwta.weight "norm.weight" : tensor<64xbf16>
// CHECK: bwta.weight "lm_head.scale" : tensor<f32>
func.func @float_weights() {
  %0 = bwta.weight "layers.0.attn.q_proj.weight" : tensor<64x64xf32>
  %1 = bwta.weight "layers.0.mlp.up.weight" : tensor<128x64xf16>
  %2 = bwta.weight "norm.weight" : tensor<64xbf16>
  %3 = bwta.weight "lm_head.scale" : tensor<f32>
  return
}

// -----

// CHECK-LABEL: func.func @quantized_weights
// CHECK: %[[W:.*]] = bwta.weight "fc1.weight" : tensor<5x77x!bwta.binary>
// CHECK: %[[S:.*]] = bwta.weight "fc1.scale" : tensor<5xf32>
// CHECK: bwta.weight "fc2.weight" : tensor<5x77x!bwta.ternary>
// CHECK: bwta.weight "fc3.weight" : tensor<5x77x!bwta.int<4>>
// CHECK: bwta.weight "fc4.weight" : tensor<5x77x!bwta.int<2, balanced>>
// CHECK: bwta.weight "fc5.weight" : tensor<5x77x!bwta.int<8, unsigned>>
// CHECK: return %[[W]], %[[S]]
func.func @quantized_weights() -> (tensor<5x77x!bwta.binary>, tensor<5xf32>) {
  %w = bwta.weight "fc1.weight" : tensor<5x77x!bwta.binary>
  %s = bwta.weight "fc1.scale" : tensor<5xf32>
  %2 = bwta.weight "fc2.weight" : tensor<5x77x!bwta.ternary>
  %3 = bwta.weight "fc3.weight" : tensor<5x77x!bwta.int<4>>
  %4 = bwta.weight "fc4.weight" : tensor<5x77x!bwta.int<2, balanced>>
  %5 = bwta.weight "fc5.weight" : tensor<5x77x!bwta.int<8, unsigned>>
  return %w, %s : tensor<5x77x!bwta.binary>, tensor<5xf32>
}

// -----

// Names are arbitrary strings, escapes included; a discardable attribute
// survives.
// CHECK-LABEL: func.func @names
// CHECK: bwta.weight "model/layer 0/w\22q\22" : tensor<2x2xf32>
// CHECK: bwta.weight "w" {note = "kept"} : tensor<2xf32>
func.func @names() {
  %0 = bwta.weight "model/layer 0/w\"q\"" : tensor<2x2xf32>
  %1 = bwta.weight "w" {note = "kept"} : tensor<2xf32>
  return
}
