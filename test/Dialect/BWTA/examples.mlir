// RUN: bwta-opt %S/../../../examples/bwta-linear.mlir | bwta-opt | FileCheck %s

// The example model of the README parses, verifies and round-trips
// (scripts/example.sh runs it; this keeps it valid IR).

// CHECK-LABEL: func.func @forward
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x32xf32> -> tensor<4x32x!bwta.ternary>, tensor<4xf32>
// CHECK: bwta.weight "fc1.weight" : tensor<48x32x!bwta.binary>
// CHECK: bwta.qmatmul
// CHECK: linalg.generic
// CHECK: bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<4x48xf32> -> tensor<4x48x!bwta.int<8, unsigned>>, tensor<4xf32>, tensor<4xi32>
// CHECK: bwta.weight "fc2.weight" : tensor<8x48x!bwta.int<2, balanced>>
// CHECK: bwta.qmatmul %{{.*}}, %{{.*}} scales(%{{.*}}, %{{.*}}) lhs_zero_point(%{{.*}}) {group_size = 16 : i64}
// CHECK-LABEL: func.func @main
// CHECK: bwta.weight "example.input" : tensor<4x32xf32>
// CHECK: call @printMemrefF32
