// RUN: bwta-opt %s -split-input-file -bwta-quantize -verify-diagnostics | FileCheck %s
// RUN: bwta-opt %s -split-input-file -bwta-quantize="scheme=w2a8" -verify-diagnostics | FileCheck %s --check-prefix=W2A8
// RUN: bwta-opt %s -split-input-file -bwta-quantize="recipe=%S/Inputs/recipe.json" -verify-diagnostics | FileCheck %s --check-prefix=RECIPE
// RUN: bwta-opt %s -split-input-file -bwta-quantize="skip=mlp.down.weight,lm_head.weight" -verify-diagnostics | FileCheck %s --check-prefix=SKIP


// A linear layer with [N, K] weights (the safetensors layout).
// CHECK-LABEL: func.func @linear
// CHECK: %[[W:.*]] = bwta.weight "mlp.down.weight" : tensor<32x64xf32>
// CHECK: %[[T:.*]], %[[ST:.*]] = bwta.quantize %{{.*}} {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary>, tensor<4xf32>
// CHECK: %[[B:.*]], %[[SB:.*]] = bwta.quantize %[[W]] {scheme = #bwta.scheme<granularity = per_channel>} : tensor<32x64xf32> -> tensor<32x64x!bwta.binary>, tensor<32xf32>
// CHECK: bwta.qmatmul %[[T]], %[[B]] scales(%[[ST]], %[[SB]]) : {{.*}} -> tensor<4x32xf32>
// CHECK-NOT: linalg.matmul
// W2A8-LABEL: func.func @linear
// W2A8: bwta.quantize {{.*}} {scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>} : tensor<4x64xf32> -> tensor<4x64x!bwta.int<8, unsigned>>, tensor<4xf32>, tensor<4xi32>
// W2A8: bwta.quantize {{.*}} {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>} : tensor<32x64xf32> -> tensor<32x64x!bwta.int<2, unsigned>>, tensor<32xf32>, tensor<32xi32>
// W2A8: bwta.qmatmul {{.*}} lhs_zero_point({{.*}}) rhs_zero_point({{.*}})
// RECIPE-LABEL: func.func @linear
// RECIPE: -> tensor<32x64x!bwta.int<2, balanced>>
// SKIP-LABEL: func.func @linear
// SKIP: linalg.matmul
func.func @linear(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = bwta.weight "mlp.down.weight" : tensor<32x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// [K, N] weights are transposed to [N, K] first; f16 stays f16.
// CHECK-LABEL: func.func @linear_kn_f16
// CHECK: %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<64x32xf16>) outs(%{{.*}} : tensor<32x64xf16>) permutation = [1, 0]
// CHECK: bwta.quantize %{{.*}} : tensor<4x64xf16> -> tensor<4x64x!bwta.ternary>
// CHECK: bwta.quantize %[[T]] {{.*}} : tensor<32x64xf16> -> tensor<32x64x!bwta.binary>
// CHECK: bwta.qmatmul {{.*}} -> tensor<4x32xf16>
// RECIPE-LABEL: func.func @linear_kn_f16
// RECIPE: -> tensor<4x64x!bwta.int<4, unsigned>>
// RECIPE: -> tensor<32x64x!bwta.int<4, unsigned>>
func.func @linear_kn_f16(%x: tensor<4x64xf16>, %w: tensor<64x32xf16>) -> tensor<4x32xf16> {
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<4x32xf16>
  %acc = linalg.fill ins(%zero : f16) outs(%e : tensor<4x32xf16>) -> tensor<4x32xf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf16>, tensor<64x32xf16>) outs(%acc : tensor<4x32xf16>) -> tensor<4x32xf16>
  return %y : tensor<4x32xf16>
}

// -----

// Attention: Q·Kᵀ ternary × ternary; P·V with P from a softmax becomes
// {0, 1} × ternary under bwta, and stays float under wPaQ (ABQ keeps P in FP).
// CHECK-LABEL: func.func @attention
// CHECK: bwta.quantize {{.*}} -> tensor<2x8x16x!bwta.ternary>
// CHECK: bwta.quantize {{.*}} -> tensor<2x8x16x!bwta.ternary>
// CHECK: bwta.batch_qmatmul {{.*}} -> tensor<2x8x8xf32>
// CHECK: linalg.softmax
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 1]
// CHECK: bwta.quantize {{.*}} {scheme = #bwta.scheme<granularity = per_token>} : tensor<2x8x8xf32> -> tensor<2x8x8x!bwta.int<1, unsigned>>, tensor<2x8xf32>
// CHECK: bwta.quantize {{.*}} -> tensor<2x16x8x!bwta.ternary>
// CHECK: bwta.batch_qmatmul {{.*}} -> tensor<2x8x16xf32>
// W2A8-LABEL: func.func @attention
// W2A8: bwta.batch_qmatmul {{.*}} : (tensor<2x8x16x!bwta.int<8, unsigned>>, tensor<2x8x16x!bwta.int<8, unsigned>>
// W2A8: linalg.batch_matmul
// RECIPE-LABEL: func.func @attention
// RECIPE-NOT: bwta.
func.func @attention(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x8x16xf32>) -> tensor<2x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %s = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] ins(%q, %k : tensor<2x8x16xf32>, tensor<2x8x16xf32>) outs(%acc : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %pe = tensor.empty() : tensor<2x8x8xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x8x8xf32>) outs(%pe : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %oe = tensor.empty() : tensor<2x8x16xf32>
  %oacc = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x8x8xf32>, tensor<2x8x16xf32>) outs(%oacc : tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// An accumulator that is not a zero fill is a fused add: left in float, said so.
// CHECK-LABEL: func.func @accumulate
// CHECK: linalg.matmul
func.func @accumulate(%x: tensor<4x64xf32>, %w: tensor<32x64xf32>, %acc: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // expected-remark @+1 {{bwta-quantize: left in float: the accumulator is not a zero fill}}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// The recipe skips lm_head; the default skip list does too.
// RECIPE-LABEL: func.func @lm_head
// RECIPE: linalg.matmul
// SKIP-LABEL: func.func @lm_head
// SKIP: linalg.matmul
// CHECK-LABEL: func.func @lm_head
// CHECK: bwta.qmatmul
func.func @lm_head(%x: tensor<4x64xf32>) -> tensor<4x32xf32> {
  %w = bwta.weight "lm_head.weight" : tensor<32x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x32xf32>) -> tensor<4x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>) outs(%acc : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
