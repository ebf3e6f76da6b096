// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// bwta.quantize and bwta.dequantize in every form: dynamic (parameters are
// results) and static (parameters are operands); symmetric and asymmetric;
// per tensor, per token / channel and per group.

// CHECK-LABEL: func.func @dynamic_symmetric_per_token
// CHECK-SAME: (%[[X:.*]]: tensor<3x77xf32>)
// CHECK: %[[Q:.*]], %[[S:.*]] = bwta.quantize %[[X]] {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>
// CHECK: return %[[Q]], %[[S]]
func.func @dynamic_symmetric_per_token(%x: tensor<3x77xf32>)
    -> (tensor<3x77x!bwta.int<4>>, tensor<3xf32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<4>>, tensor<3xf32>
  return %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_asymmetric_per_token
// CHECK: %[[Q:.*]], %[[S:.*]], %[[Z:.*]] = bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8, unsigned>>, tensor<3xf32>, tensor<3xi32>
// CHECK: return %[[Q]], %[[S]], %[[Z]]
func.func @dynamic_asymmetric_per_token(%x: tensor<3x77xf32>)
    -> (tensor<3x77x!bwta.int<8, unsigned>>, tensor<3xf32>, tensor<3xi32>) {
  %q, %s, %z = bwta.quantize %x
      {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8, unsigned>>, tensor<3xf32>, tensor<3xi32>
  return %q, %s, %z : tensor<3x77x!bwta.int<8, unsigned>>, tensor<3xf32>, tensor<3xi32>
}

// -----

// Per group: ceil(77 / 32) = 3 groups per row, and rows keep all leading
// dimensions.
// CHECK-LABEL: func.func @dynamic_per_group
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_group, group_size = 32>} : tensor<2x3x77xf32> -> tensor<2x3x77x!bwta.int<2, balanced>>, tensor<2x3x3xf32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_group, group_size = 32, mode = asymmetric>} : tensor<2x3x77xf32> -> tensor<2x3x77x!bwta.int<4, unsigned>>, tensor<2x3x3xf32>, tensor<2x3x3xi32>
func.func @dynamic_per_group(%x: tensor<2x3x77xf32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_group, group_size = 32>}
      : tensor<2x3x77xf32> -> tensor<2x3x77x!bwta.int<2, balanced>>, tensor<2x3x3xf32>
  %qa, %sa, %za = bwta.quantize %x
      {scheme = #bwta.scheme<granularity = per_group, group_size = 32, mode = asymmetric>}
      : tensor<2x3x77xf32> -> tensor<2x3x77x!bwta.int<4, unsigned>>, tensor<2x3x3xf32>, tensor<2x3x3xi32>
  return
}

// -----

// Per tensor: the parameters are rank 0.
// CHECK-LABEL: func.func @dynamic_per_tensor
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8>>, tensor<f32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_tensor, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1>>, tensor<f32>, tensor<i32>
func.func @dynamic_per_tensor(%x: tensor<3x77xf32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8>>, tensor<f32>
  %q1, %s1, %z1 = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor, mode = asymmetric>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1>>, tensor<f32>, tensor<i32>
  return
}

// -----

// Binary (per output channel, as for weights) and ternary, with and without
// a threshold, from f32 and f16 inputs.
// CHECK-LABEL: func.func @dynamic_binary_ternary
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_channel>} : tensor<5x77xf32> -> tensor<5x77x!bwta.binary>, tensor<5xf32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token>} : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<5xf32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<5x77xf16> -> tensor<5x77x!bwta.ternary>, tensor<5xf32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_group, group_size = 16, threshold = <max_abs, 0.5>>} : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<5x5xf32>
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_tensor, threshold = <fixed, 0.125>>} : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<f32>
func.func @dynamic_binary_ternary(%x: tensor<5x77xf32>, %h: tensor<5x77xf16>) {
  %b, %sb = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_channel>}
      : tensor<5x77xf32> -> tensor<5x77x!bwta.binary>, tensor<5xf32>
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<5xf32>
  %t1, %st1 = bwta.quantize %h {scheme = #bwta.scheme<granularity = per_token,
                                threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<5x77xf16> -> tensor<5x77x!bwta.ternary>, tensor<5xf32>
  %t2, %st2 = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_group, group_size = 16,
                                threshold = #bwta.threshold<max_abs, 0.5>>}
      : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<5x5xf32>
  %t3, %st3 = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor,
                                threshold = #bwta.threshold<fixed, 0.125>>}
      : tensor<5x77xf32> -> tensor<5x77x!bwta.ternary>, tensor<f32>
  return
}

// -----

// Static symmetric: the scale is an operand and the only result is the
// quantized tensor. Signed 1-bit needs the asymmetric form (below);
// balanced and unsigned 1-bit are fine.
// CHECK-LABEL: func.func @static_symmetric
// CHECK-SAME: (%[[X:.*]]: tensor<3x77xf32>, %[[S:.*]]: tensor<3xf32>, %[[ST:.*]]: tensor<f32>)
// CHECK: bwta.quantize %[[X]] scale(%[[S]] : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8>>
// CHECK: bwta.quantize %[[X]] scale(%[[ST]] : tensor<f32>) {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1, balanced>>
// CHECK: bwta.quantize %[[X]] scale(%[[ST]] : tensor<f32>) {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1, unsigned>>
// CHECK: bwta.quantize %[[X]] scale(%[[S]] : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>
// CHECK: bwta.quantize %[[X]] scale(%[[S]] : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_channel>} : tensor<3x77xf32> -> tensor<3x77x!bwta.binary>
func.func @static_symmetric(%x: tensor<3x77xf32>, %s: tensor<3xf32>, %st: tensor<f32>) {
  %0 = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<8>>
  %1 = bwta.quantize %x scale(%st : tensor<f32>) {scheme = #bwta.scheme<granularity = per_tensor>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1, balanced>>
  %2 = bwta.quantize %x scale(%st : tensor<f32>) {scheme = #bwta.scheme<granularity = per_tensor>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1, unsigned>>
  %3 = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_token>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>
  %4 = bwta.quantize %x scale(%s : tensor<3xf32>) {scheme = #bwta.scheme<granularity = per_channel>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.binary>
  return
}

// -----

// Static asymmetric: scale and zero point are operands.
// CHECK-LABEL: func.func @static_asymmetric
// CHECK-SAME: (%[[X:.*]]: tensor<3x77xf32>, %[[S:.*]]: tensor<3x3xf32>, %[[Z:.*]]: tensor<3x3xi32>)
// CHECK: %[[Q:.*]] = bwta.quantize %[[X]] scale(%[[S]] : tensor<3x3xf32>) zero_point(%[[Z]] : tensor<3x3xi32>) {scheme = #bwta.scheme<granularity = per_group, group_size = 32, mode = asymmetric>} : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1>>
// CHECK: return %[[Q]]
func.func @static_asymmetric(%x: tensor<3x77xf32>, %s: tensor<3x3xf32>, %z: tensor<3x3xi32>)
    -> tensor<3x77x!bwta.int<1>> {
  %q = bwta.quantize %x scale(%s : tensor<3x3xf32>) zero_point(%z : tensor<3x3xi32>)
      {scheme = #bwta.scheme<granularity = per_group, group_size = 32, mode = asymmetric>}
      : tensor<3x77xf32> -> tensor<3x77x!bwta.int<1>>
  return %q : tensor<3x77x!bwta.int<1>>
}

// -----

// Dequantize: per row, per tensor, per group (needs group_size), with and
// without a zero point, to f32 and f16.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME: (%[[Q:.*]]: tensor<3x77x!bwta.int<4>>, %[[S:.*]]: tensor<3xf32>, %[[Z:.*]]: tensor<3xi32>, %[[SG:.*]]: tensor<3x3xf32>, %[[ZG:.*]]: tensor<3x3xi32>, %[[ST:.*]]: tensor<f32>, %[[T:.*]]: tensor<3x77x!bwta.ternary>)
// CHECK: bwta.dequantize %[[Q]], %[[S]] : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
// CHECK: bwta.dequantize %[[Q]], %[[S]] zero_point(%[[Z]] : tensor<3xi32>) : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
// CHECK: bwta.dequantize %[[Q]], %[[SG]] {group_size = 32 : i64} : tensor<3x77x!bwta.int<4>>, tensor<3x3xf32> -> tensor<3x77xf16>
// CHECK: bwta.dequantize %[[Q]], %[[SG]] zero_point(%[[ZG]] : tensor<3x3xi32>) {group_size = 32 : i64} : tensor<3x77x!bwta.int<4>>, tensor<3x3xf32> -> tensor<3x77xf32>
// CHECK: bwta.dequantize %[[T]], %[[ST]] : tensor<3x77x!bwta.ternary>, tensor<f32> -> tensor<3x77xf32>
func.func @dequantize(%q: tensor<3x77x!bwta.int<4>>, %s: tensor<3xf32>, %z: tensor<3xi32>,
                      %sg: tensor<3x3xf32>, %zg: tensor<3x3xi32>, %st: tensor<f32>,
                      %t: tensor<3x77x!bwta.ternary>) {
  %0 = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
  %1 = bwta.dequantize %q, %s zero_point(%z : tensor<3xi32>)
      : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
  %2 = bwta.dequantize %q, %sg {group_size = 32 : i64}
      : tensor<3x77x!bwta.int<4>>, tensor<3x3xf32> -> tensor<3x77xf16>
  %3 = bwta.dequantize %q, %sg zero_point(%zg : tensor<3x3xi32>) {group_size = 32 : i64}
      : tensor<3x77x!bwta.int<4>>, tensor<3x3xf32> -> tensor<3x77xf32>
  %4 = bwta.dequantize %t, %st : tensor<3x77x!bwta.ternary>, tensor<f32> -> tensor<3x77xf32>
  return
}

// -----

// The generic form parses to the same op and prints in the custom form.
// CHECK-LABEL: func.func @generic_form
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token>} : tensor<2x8xf32> -> tensor<2x8x!bwta.ternary>, tensor<2xf32>
// CHECK: bwta.dequantize %{{.*}}, %{{.*}} : tensor<2x8x!bwta.ternary>, tensor<2xf32> -> tensor<2x8xf32>
func.func @generic_form(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %q:2 = "bwta.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>,
                               resultSegmentSizes = array<i32: 1, 1, 0>,
                               scheme = #bwta.scheme<granularity = per_token>}>
      : (tensor<2x8xf32>) -> (tensor<2x8x!bwta.ternary>, tensor<2xf32>)
  %y = "bwta.dequantize"(%q#0, %q#1)
      : (tensor<2x8x!bwta.ternary>, tensor<2xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
