// A quantizer with a packed result quantizes and packs in one step (what
// bwta-pack-layout makes of activation quantizers); its planes, read back
// through plane_popcount and unpack, are the ternary values worked out below.
// RUN: bwta-opt %s -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s

func.func private @printMemrefI32(memref<*xi32>)
func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  // Row 0: Δ = 0.7·0.73 → t = [0, -1, 0, 1, 0]; row 1: Δ = 0.7·0.66 → t = [1, 1, -1, 0, 0].
  %x = arith.constant dense<[[0.5, -1.0, 0.05, 2.0, -0.1], [1.0, 1.0, -1.0, 0.0, 0.3]]> : tensor<2x5xf32>
  %t, %a = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>} : tensor<2x5xf32> -> tensor<2x5x!bwta.ternary, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>>, tensor<2xf32>
  %p = bwta.split_planes %t : tensor<2x5x!bwta.ternary, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>> -> tensor<2x2x5xi1, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>>
  %n = bwta.plane_popcount %p : tensor<2x2x5xi1, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>> -> tensor<2x2xi32>
  %u = bwta.unpack %t : tensor<2x5x!bwta.ternary, #bwta.packed<planes = 2, k_order = msb_first, tile_rows = 16, tile_words = 8>> -> tensor<2x5x!bwta.ternary>
  // Dequantize with scale 1 to see the levels.
  %one = arith.constant dense<1.0> : tensor<f32>
  %levels = bwta.dequantize %u, %one : tensor<2x5x!bwta.ternary>, tensor<f32> -> tensor<2x5xf32>

  %nm = bufferization.to_buffer %n : tensor<2x2xi32> to memref<2x2xi32>
  %nu = memref.cast %nm : memref<2x2xi32> to memref<*xi32>
  call @printMemrefI32(%nu) : (memref<*xi32>) -> ()
  %lm = bufferization.to_buffer %levels : tensor<2x5xf32> to memref<2x5xf32>
  %lu = memref.cast %lm : memref<2x5xf32> to memref<*xf32>
  call @printMemrefF32(%lu) : (memref<*xf32>) -> ()
  return
}

// Plane p (t = +1) has 1 and 2 bits set, plane n (t = -1) 1 and 1.
// CHECK: data =
// CHECK-NEXT: {{\[}}[1, 2],
// CHECK-NEXT: [1, 1]]
// CHECK: data =
// CHECK-NEXT: {{\[}}[0, -1, 0, 1, 0],
// CHECK-NEXT: [1, 1, -1, 0, 0]]
