// Float ops between quantized layers run as kernels of their own: softmax
// (through its decomposition), transposes and elementwise generics get one
// thread per point of their parallel loops, reductions loop in the thread.
// RUN: bwta-opt %s -split-input-file -bwta-lower-to-gpu | FileCheck %s
// RUN: bwta-opt %s -split-input-file -bwta-lower-to-gpu -bwta-gpu-binary=format=isa | FileCheck %s --check-prefix=PTX

// CHECK-LABEL: func.func @softmax_then_quantize
// CHECK-SAME: (%[[S:.*]]: memref<4x300xf32>, %[[OUT:.*]]: memref<512xi32>)
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[S]]
// The max: a fill (4 points), then one thread per row over its 300 columns.
// CHECK: %[[MAX0:.*]] = memref.alloc() : memref<4xf32>
// CHECK: gpu.launch_func @bwta_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1) args(%[[MAX0]] : memref<4xf32>)
// CHECK: %[[MAX:.*]] = memref.alloc() : memref<4xf32>
// CHECK: gpu.launch_func @bwta_kernels::@generic {{.*}} args(%[[FLAT]] : memref<1200xf32>, %[[MAX0]] : memref<4xf32>, %[[MAX]] : memref<4xf32>)
// exp(x - max): 1200 points in 5 blocks of 256.
// CHECK: %[[EXP:.*]] = memref.alloc() : memref<1200xf32>
// CHECK: gpu.launch_func @bwta_kernels::@generic_0 blocks in (%c5, %c1, %c1) {{.*}} args(%[[FLAT]] : memref<1200xf32>, %[[MAX]] : memref<4xf32>, %[[EXP]] : memref<1200xf32>)
// CHECK: gpu.launch_func @bwta_kernels::@fill_1
// CHECK: gpu.launch_func @bwta_kernels::@generic_2
// CHECK: %[[P:.*]] = memref.alloc() : memref<1200xf32>
// CHECK: gpu.launch_func @bwta_kernels::@generic_3 {{.*}} %[[P]] : memref<1200xf32>)
// CHECK: gpu.launch_func @bwta_kernels::@quantize_pack {{.*}} args(%[[P]] : memref<1200xf32>, %[[OUT]] : memref<512xi32>
// The max reduction: guarded by the point count, the row's loop in order.
// CHECK-LABEL: gpu.func @generic(
// CHECK: %[[POINT:.*]] = arith.addi
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[POINT]], %c4
// CHECK: scf.if %[[IN]]
// CHECK: %[[INIT:.*]] = memref.load %arg1
// CHECK: scf.for {{.*}} = %{{.*}} to %c300{{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// CHECK: arith.maxnumf
// CHECK: memref.store {{.*}}, %arg2
// CHECK-LABEL: gpu.func @generic_0(
// CHECK: arith.subf
// CHECK: math.exp
// exp comes from libdevice (__nv_expf, inlined).
// PTX: .entry generic_0({{.*}}ex2.approx.ftz.f32{{.*}}.entry fill_1(
func.func @softmax_then_quantize(%s: tensor<4x300xf32>) -> tensor<4x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> {
  %e = tensor.empty() : tensor<4x300xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<4x300xf32>) outs(%e : tensor<4x300xf32>) -> tensor<4x300xf32>
  %q, %sq = bwta.quantize %p {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x300xf32> -> tensor<4x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  return %q : tensor<4x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
}

// -----

// A transpose (V for P·V) reads through its permutation.
// CHECK-LABEL: gpu.func @transpose(
// CHECK-SAME: %[[IN:.*]]: memref<24xf32>, %[[OUT:.*]]: memref<24xf32>
// CHECK: %[[D2:.*]] = arith.remui %{{.*}}, %c3
// CHECK: %[[R1:.*]] = arith.divui %{{.*}}, %c3
// CHECK: %[[D1:.*]] = arith.remui %[[R1]], %c4
// CHECK: memref.load %[[IN]]
// CHECK: memref.store {{.*}}, %[[OUT]]
func.func @transpose_then_quantize(%v: tensor<2x3x4xf32>) -> tensor<2x4x3x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>> {
  %e = tensor.empty() : tensor<2x4x3xf32>
  %t = linalg.transpose ins(%v : tensor<2x3x4xf32>) outs(%e : tensor<2x4x3xf32>) permutation = [0, 2, 1]
  %q, %sq = bwta.quantize %t {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<2x4x3xf32> -> tensor<2x4x3x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>, tensor<2x4xf32>
  return %q : tensor<2x4x3x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>
}

