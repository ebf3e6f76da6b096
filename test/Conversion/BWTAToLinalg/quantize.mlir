// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg | FileCheck %s

// Dynamic symmetric k-bit: a scale tensor from max|x| (0 → 1), then levels
// clamped in f32 and converted to the i8 storage of the quantized tensor.
// CHECK-LABEL: func.func @int_symmetric
// CHECK-SAME: -> (tensor<3x7xi8>, tensor<3xf32>)
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: arith.cmpf oeq
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.fptosi {{.*}} : f32 to i8
func.func @int_symmetric(%x: tensor<3x7xf32>) -> (tensor<3x7x!bwta.int<4>>, tensor<3xf32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<3x7xf32> -> tensor<3x7x!bwta.int<4>>, tensor<3xf32>
  return %q, %s : tensor<3x7x!bwta.int<4>>, tensor<3xf32>
}

// -----

// Asymmetric per group: min/max over [g·G, min((g+1)·G, K)), an i32 zero point.
// CHECK-LABEL: func.func @int_asymmetric_grouped
// CHECK-SAME: -> (tensor<2x10xi8>, tensor<2x3xf32>, tensor<2x3xi32>)
// CHECK: arith.minui
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.fptosi {{.*}} : f32 to i32
// CHECK: arith.divui
// CHECK: arith.sitofp {{.*}} : i32 to f32
func.func @int_asymmetric_grouped(%x: tensor<2x10xf32>) -> (tensor<2x10x!bwta.int<4, unsigned>>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %q, %s, %z = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_group, group_size = 4, mode = asymmetric>} : tensor<2x10xf32> -> tensor<2x10x!bwta.int<4, unsigned>>, tensor<2x3xf32>, tensor<2x3xi32>
  return %q, %s, %z : tensor<2x10x!bwta.int<4, unsigned>>, tensor<2x3xf32>, tensor<2x3xi32>
}

// -----

// Ternary: a threshold tensor, then a scale over the values above it. The
// lane partials of that sum add 0.0f in place of the values not above Δ.
// CHECK-LABEL: func.func @ternary_max_abs
// CHECK: %[[DELTA:.*]] = linalg.generic
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: arith.maximumf
// CHECK: scf.for {{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK: %[[ABS:.*]] = math.absf
// CHECK: tensor.extract %[[DELTA]]
// CHECK: %[[KEPT:.*]] = arith.cmpf ogt, %[[ABS]]
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[TERM:.*]] = arith.select %[[KEPT]], %[[ABS]], %[[ZERO]] : f32
// CHECK: arith.addf %[[ACC]], %[[TERM]]
// CHECK: } -> tensor<4x256xf32>
// CHECK: } -> tensor<4x1xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %[[DELTA]]
// CHECK: arith.cmpf ogt
// CHECK: arith.extui {{.*}} : i1 to i64
// CHECK: linalg.generic
// CHECK: arith.cmpf ogt
// CHECK: arith.select
func.func @ternary_max_abs(%x: tensor<4x9xf32>) -> (tensor<4x9x!bwta.ternary>, tensor<4xf32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<max_abs, 0.5>>} : tensor<4x9xf32> -> tensor<4x9x!bwta.ternary>, tensor<4xf32>
  return %q, %s : tensor<4x9x!bwta.ternary>, tensor<4xf32>
}

// -----

// Per-tensor scales are rank-0 tensors. mean |x| sums in the lane-tree order
// of docs/Semantics.md: lane l adds the row-major values l, l + 256, ... from
// 0.0f, then each tree level adds lane l + s to lane l (s = 128 .. 1).
// CHECK-LABEL: func.func @binary_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x5xf32>) -> (tensor<2x3x5xi8>, tensor<f32>)
// CHECK: %[[LANE:.*]] = linalg.index 0 : index
// CHECK: %[[N:.*]] = arith.muli
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.for %[[I:.*]] = %[[LANE]] to %[[N]] step %[[C256]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK: arith.remui %[[I]]
// CHECK: %[[V:.*]] = tensor.extract %[[X]]
// CHECK: %[[ABS:.*]] = math.absf %[[V]]
// CHECK: arith.addf %[[ACC]], %[[ABS]]
// CHECK: } -> tensor<256xf32>
// CHECK: %[[L:.*]] = linalg.index 0 : index
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[R:.*]] = arith.addi %[[L]], %[[C128]]
// CHECK: %[[A:.*]] = tensor.extract %{{.*}}[%[[L]]] : tensor<256xf32>
// CHECK: %[[B:.*]] = tensor.extract %{{.*}}[%[[R]]] : tensor<256xf32>
// CHECK: arith.addf %[[A]], %[[B]]
// CHECK: } -> tensor<128xf32>
// CHECK: arith.constant 64 : index
// CHECK: } -> tensor<64xf32>
// CHECK: arith.constant 32 : index
// CHECK: } -> tensor<32xf32>
// CHECK: arith.constant 16 : index
// CHECK: } -> tensor<16xf32>
// CHECK: arith.constant 8 : index
// CHECK: } -> tensor<8xf32>
// CHECK: arith.constant 4 : index
// CHECK: } -> tensor<4xf32>
// CHECK: arith.constant 2 : index
// CHECK: } -> tensor<2xf32>
// CHECK: arith.constant 1 : index
// CHECK: } -> tensor<1xf32>
// CHECK: linalg.generic {{.*}} iterator_types = []
// CHECK: arith.divf
// CHECK: arith.cmpf oge
func.func @binary_per_tensor(%x: tensor<2x3x5xf32>) -> (tensor<2x3x5x!bwta.binary>, tensor<f32>) {
  %q, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<2x3x5xf32> -> tensor<2x3x5x!bwta.binary>, tensor<f32>
  return %q, %s : tensor<2x3x5x!bwta.binary>, tensor<f32>
}

// -----

// Static quantization reads the given scale and zero point.
// CHECK-LABEL: func.func @static_asymmetric
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf16>, %[[S:.*]]: tensor<2xf32>, %[[Z:.*]]: tensor<2xi32>)
// CHECK: arith.extf
// CHECK: tensor.extract %[[S]]
// CHECK: tensor.extract %[[Z]]
// CHECK-NOT: scf.for
// CHECK: return
func.func @static_asymmetric(%x: tensor<2x8xf16>, %s: tensor<2xf32>, %z: tensor<2xi32>) -> tensor<2x8x!bwta.int<8, unsigned>> {
  %q = bwta.quantize %x scale(%s : tensor<2xf32>) zero_point(%z : tensor<2xi32>) {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<2x8xf16> -> tensor<2x8x!bwta.int<8, unsigned>>
  return %q : tensor<2x8x!bwta.int<8, unsigned>>
}

// -----

// CHECK-LABEL: func.func @dequantize_grouped_f16
// CHECK-SAME: (%[[Q:.*]]: tensor<2x10xi8>, %[[S:.*]]: tensor<2x3xf32>, %[[Z:.*]]: tensor<2x3xi32>) -> tensor<2x10xf16>
// CHECK: %[[G:.*]] = arith.divui
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: tensor.extract %[[Z]][%{{.*}}, %[[G]]]
// CHECK: arith.subi
// CHECK: tensor.extract %[[S]][%{{.*}}, %[[G]]]
// CHECK: arith.mulf
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @dequantize_grouped_f16(%q: tensor<2x10x!bwta.int<4, unsigned>>, %s: tensor<2x3xf32>, %z: tensor<2x3xi32>) -> tensor<2x10xf16> {
  %y = bwta.dequantize %q, %s zero_point(%z : tensor<2x3xi32>) {group_size = 4} : tensor<2x10x!bwta.int<4, unsigned>>, tensor<2x3xf32> -> tensor<2x10xf16>
  return %y : tensor<2x10xf16>
}
