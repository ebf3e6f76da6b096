// RUN: bwta-opt %s -split-input-file -bwta-bit-balance | FileCheck %s
// RUN: bwta-opt %s -split-input-file -bwta-bit-balance="skip=layers.1.w" | FileCheck %s --check-prefix=SKIP
// RUN: bwta-opt %s -split-input-file -bwta-bit-balance="max-bits=1" | FileCheck %s --check-prefix=ONEBIT

// W2A8 with asymmetric 2-bit weights becomes W2*A8: the weight quantizer
// yields 5 balanced levels, everything else is unchanged.
// CHECK-LABEL: func.func @w2a8
// CHECK: bwta.quantize %{{.*}} : tensor<5x77xf32> -> tensor<5x77x!bwta.int<2, balanced>>, tensor<5xf32>, tensor<5xi32>
// CHECK: bwta.qmatmul {{.*}} : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<2, balanced>>, tensor<3xf32>, tensor<5xf32>, tensor<5xi32>) -> tensor<3x5xf32>
// ONEBIT-LABEL: func.func @w2a8
// ONEBIT: -> tensor<5x77x!bwta.int<2, unsigned>>
func.func @w2a8(%x: tensor<3x77x!bwta.int<8>>, %sx: tensor<3xf32>, %wf: tensor<5x77xf32>) -> tensor<3x5xf32> {
  %w, %sw, %zw = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>} : tensor<5x77xf32> -> tensor<5x77x!bwta.int<2, unsigned>>, tensor<5xf32>, tensor<5xi32>
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) : (tensor<3x77x!bwta.int<8>>, tensor<5x77x!bwta.int<2, unsigned>>, tensor<3xf32>, tensor<5xf32>, tensor<5xi32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// 1-bit weights ({0, 1} with a zero point) become {-1, 0, 1}; a dequantize
// user is fine.
// CHECK-LABEL: func.func @w1_with_dequantize
// CHECK: -> tensor<4x9x!bwta.int<1, balanced>>, tensor<4xf32>, tensor<4xi32>
// CHECK: bwta.qmatmul
// CHECK: bwta.dequantize %{{.*}} : tensor<4x9x!bwta.int<1, balanced>>
// ONEBIT-LABEL: func.func @w1_with_dequantize
// ONEBIT: -> tensor<4x9x!bwta.int<1, balanced>>
func.func @w1_with_dequantize(%x: tensor<3x9x!bwta.ternary>, %sx: tensor<3xf32>, %wf: tensor<4x9xf32>) -> (tensor<3x4xf32>, tensor<4x9xf32>) {
  %w, %sw, %zw = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>} : tensor<4x9xf32> -> tensor<4x9x!bwta.int<1, unsigned>>, tensor<4xf32>, tensor<4xi32>
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) : (tensor<3x9x!bwta.ternary>, tensor<4x9x!bwta.int<1, unsigned>>, tensor<3xf32>, tensor<4xf32>, tensor<4xi32>) -> tensor<3x4xf32>
  %d = bwta.dequantize %w, %sw zero_point(%zw : tensor<4xi32>) : tensor<4x9x!bwta.int<1, unsigned>>, tensor<4xf32> -> tensor<4x9xf32>
  return %y, %d : tensor<3x4xf32>, tensor<4x9xf32>
}

// -----

// Left alone: a static quantizer, a quantizer whose levels another op reads
// (split_planes), a matmul that opts out, 4-bit weights, and (with skip) a
// named weight. The named weight is balanced without skip.
// CHECK-LABEL: func.func @kept
// CHECK: bwta.quantize %{{.*}} scale({{.*}}) {{.*}} -> tensor<5x16x!bwta.int<2>>
// CHECK: bwta.quantize {{.*}} -> tensor<5x16x!bwta.int<2>>, tensor<5xf32>
// CHECK: bwta.quantize {{.*}} -> tensor<5x16x!bwta.int<2, unsigned>>, tensor<5xf32>, tensor<5xi32>
// CHECK: bwta.quantize {{.*}} -> tensor<5x16x!bwta.int<4>>, tensor<5xf32>
// CHECK: bwta.quantize {{.*}} -> tensor<5x16x!bwta.int<2, balanced>>, tensor<5xf32>
// SKIP-LABEL: func.func @kept
// SKIP: bwta.quantize {{.*}} -> tensor<5x16x!bwta.int<2>>, tensor<5xf32>{{$}}
// SKIP-NOT: balanced
func.func @kept(%x: tensor<3x16x!bwta.int<8>>, %sx: tensor<3xf32>, %wf: tensor<5x16xf32>, %s: tensor<5xf32>) {
  %a = bwta.quantize %wf scale(%s : tensor<5xf32>) {scheme = #bwta.scheme<granularity = per_channel>} : tensor<5x16xf32> -> tensor<5x16x!bwta.int<2>>
  %ya = bwta.qmatmul %x, %a scales(%sx, %s) : (tensor<3x16x!bwta.int<8>>, tensor<5x16x!bwta.int<2>>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %b, %sb = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel>} : tensor<5x16xf32> -> tensor<5x16x!bwta.int<2>>, tensor<5xf32>
  %yb = bwta.qmatmul %x, %b scales(%sx, %sb) : (tensor<3x16x!bwta.int<8>>, tensor<5x16x!bwta.int<2>>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %pb = bwta.split_planes %b : tensor<5x16x!bwta.int<2>> -> tensor<2x5x16xi1>
  %c, %sc, %zc = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>} : tensor<5x16xf32> -> tensor<5x16x!bwta.int<2, unsigned>>, tensor<5xf32>, tensor<5xi32>
  %yc = bwta.qmatmul %x, %c scales(%sx, %sc) rhs_zero_point(%zc) {bwta.no_bit_balance} : (tensor<3x16x!bwta.int<8>>, tensor<5x16x!bwta.int<2, unsigned>>, tensor<3xf32>, tensor<5xf32>, tensor<5xi32>) -> tensor<3x5xf32>
  %d, %sd = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel>} : tensor<5x16xf32> -> tensor<5x16x!bwta.int<4>>, tensor<5xf32>
  %yd = bwta.qmatmul %x, %d scales(%sx, %sd) : (tensor<3x16x!bwta.int<8>>, tensor<5x16x!bwta.int<4>>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %wn = bwta.weight "layers.1.w" : tensor<5x16xf32>
  %e, %se = bwta.quantize %wn {scheme = #bwta.scheme<granularity = per_channel>} : tensor<5x16xf32> -> tensor<5x16x!bwta.int<2>>, tensor<5xf32>
  %ye = bwta.qmatmul %x, %e scales(%sx, %se) : (tensor<3x16x!bwta.int<8>>, tensor<5x16x!bwta.int<2>>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return
}
