// RUN: %python %S/Inputs/mlir_blocks.py %S/../../../docs/Dialect.md %S/../../../README.md \
// RUN:   | bwta-opt -split-input-file | FileCheck %s

// Every ```mlir block of docs/Dialect.md and README.md is a complete input
// that parses and verifies; a block that does not makes bwta-opt fail. The
// labels make sure the blocks are found, in order.

// docs/Dialect.md
// CHECK-LABEL: func.func private @types
// CHECK-LABEL: func.func private @schemes
// CHECK-LABEL: func.func @quantize
// CHECK-LABEL: func.func @dequantize
// CHECK-LABEL: func.func @linear
// CHECK-LABEL: func.func @attention_scores
// CHECK-LABEL: func.func @planes
// CHECK-LABEL: func.func @pack
// CHECK-LABEL: func.func @btc
// CHECK-LABEL: func.func @weights
// CHECK-LABEL: func.func private @layouts

// README.md
// CHECK-LABEL: func.func @bwta_linear
// CHECK: bwta.quantize
// CHECK: bwta.qmatmul
