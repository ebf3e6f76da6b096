// The whole bwta-cpu-reference pipeline: only the LLVM dialect is left, and
// mlir-runner executes it. Expected values are worked out by hand below.
// RUN: bwta-opt %s -bwta-cpu-reference | FileCheck %s --check-prefix=IR
// RUN: bwta-opt %s -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s

// IR-NOT: bwta.
// IR-NOT: linalg.
// IR-NOT: scf.
// IR-NOT: tensor.
// IR: llvm.func @main

func.func private @printMemrefI32(memref<*xi32>)
func.func private @printMemrefF32(memref<*xf32>)

// Quantized values cross a call boundary as their i8 storage.
func.func @ternary_times_binary(%t: tensor<2x5x!bwta.ternary>, %w: tensor<3x5x!bwta.binary>) -> tensor<2x3xf32> {
  %one = arith.constant dense<1.0> : tensor<f32>
  %y = bwta.qmatmul %t, %w scales(%one, %one) : (tensor<2x5x!bwta.ternary>, tensor<3x5x!bwta.binary>, tensor<f32>, tensor<f32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

func.func @main() {
  // Row 0: mean|x| = 3.65/5 = 0.73, Δ = 0.511 → t = [0, -1, 0, 1, 0], α = 1.5.
  // Row 1: mean|x| = 3.3/5 = 0.66, Δ = 0.462 → t = [1, 1, -1, 0, 0], α = 1.
  %x = arith.constant dense<[[0.5, -1.0, 0.05, 2.0, -0.1], [1.0, 1.0, -1.0, 0.0, 0.3]]> : tensor<2x5xf32>
  %wf = arith.constant dense<[[1.0, -1.0, 1.0, 1.0, -1.0], [-1.0, -1.0, 1.0, -1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0]]> : tensor<3x5xf32>
  %t, %a = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>} : tensor<2x5xf32> -> tensor<2x5x!bwta.ternary>, tensor<2xf32>
  %w, %sw = bwta.quantize %wf {scheme = #bwta.scheme<granularity = per_channel>} : tensor<3x5xf32> -> tensor<3x5x!bwta.binary>, tensor<3xf32>
  %y = func.call @ternary_times_binary(%t, %w) : (tensor<2x5x!bwta.ternary>, tensor<3x5x!bwta.binary>) -> tensor<2x3xf32>

  // AND-popcount of the planes p, n of t with the plane b = [w = +1], packed
  // in tiles that need padding on both sides.
  %tp = bwta.split_planes %t : tensor<2x5x!bwta.ternary> -> tensor<2x2x5xi1>
  %wp = bwta.split_planes %w : tensor<3x5x!bwta.binary> -> tensor<1x3x5xi1>
  %tpk = bwta.pack %tp : tensor<2x2x5xi1> -> tensor<2x2x5xi1, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>>
  %wpk = bwta.pack %wp : tensor<1x3x5xi1> -> tensor<1x3x5xi1, #bwta.packed<planes = 1, k_order = msb_first, tile_rows = 8, tile_words = 8>>
  %r = bwta.plane_matmul %tpk, %wpk : tensor<2x2x5xi1, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>>, tensor<1x3x5xi1, #bwta.packed<planes = 1, k_order = msb_first, tile_rows = 8, tile_words = 8>> -> tensor<2x1x2x3xi32>

  %am = bufferization.to_buffer %a : tensor<2xf32> to memref<2xf32>
  %au = memref.cast %am : memref<2xf32> to memref<*xf32>
  call @printMemrefF32(%au) : (memref<*xf32>) -> ()
  %ym = bufferization.to_buffer %y : tensor<2x3xf32> to memref<2x3xf32>
  %yu = memref.cast %ym : memref<2x3xf32> to memref<*xf32>
  call @printMemrefF32(%yu) : (memref<*xf32>) -> ()
  %rm = bufferization.to_buffer %r : tensor<2x1x2x3xi32> to memref<2x1x2x3xi32>
  %ru = memref.cast %rm : memref<2x1x2x3xi32> to memref<*xi32>
  call @printMemrefI32(%ru) : (memref<*xi32>) -> ()
  return
}

// CHECK: data =
// CHECK-NEXT: [1.5, 1]
// Σ t·w: row 0 against w0..w2 = 2, 0, 0; row 1 = -1, -3, 1.
// CHECK: data =
// CHECK-NEXT: {{\[}}[2, 0, 0],
// CHECK-NEXT: [-1, -3, 1]]
// popc(p ∧ b) and popc(n ∧ b); 2·(first − second) − Σt gives the line above.
// CHECK: data =
// CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 0, 1],
// CHECK-NEXT: [1, 0, 2]]],
// CHECK-NEXT: {{\[}}{{\[}}[0, 0, 1],
// CHECK-NEXT: [1, 1, 1]]]]
