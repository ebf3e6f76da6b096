// RUN: %python %S/Inputs/make_safetensors.py good %t.safetensors
// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg="weights=%t.safetensors" | FileCheck %s

// Packed quantized weights are packed at compile time into their storage
// words. w.binary is [[1, -1, -1], [1, 1, -1]]: plane b = [w = +1] has bits
// k = 0 in row 0 (word 0b001) and k = 0, 1 in row 1 (0b011).
// CHECK-LABEL: func.func @binary_lsb_first
// CHECK{LITERAL}: arith.constant dense<[[[[[1]]], [[[3]]]]]> : tensor<1x2x1x1x1xi32>
func.func @binary_lsb_first() -> tensor<2x3x!bwta.binary, #bwta.packed<planes = 1>> {
  %w = bwta.weight "w.binary" : tensor<2x3x!bwta.binary, #bwta.packed<planes = 1>>
  return %w : tensor<2x3x!bwta.binary, #bwta.packed<planes = 1>>
}

// -----

// msb_first puts k = 0 at bit 31; both rows share one tile of 2 rows, which
// 64-bit words hold as 0x8000000000000000 and 0xC000000000000000.
// CHECK-LABEL: func.func @binary_msb_first_tiled
// CHECK{LITERAL}: arith.constant dense<[[[[[-9223372036854775808, 0], [-4611686018427387904, 0]]]]]> : tensor<1x1x1x2x2xi64>
func.func @binary_msb_first_tiled() -> tensor<2x3x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 2, tile_words = 2>> {
  %w = bwta.weight "w.binary" : tensor<2x3x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 2, tile_words = 2>>
  return %w : tensor<2x3x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 2, tile_words = 2>>
}

// -----

// w.int2 is [[-2, -1, 0], [1, 2, 0]] as balanced 2-bit (3 planes, two's
// complement): plane 0 = odd levels, plane 1 = bit 1, plane 2 = sign.
// Row 0: -2 = 110, -1 = 111, 0 = 000 → plane0 0b010, plane1 0b011, plane2 0b011.
// Row 1:  1 = 001,  2 = 010, 0 = 000 → plane0 0b001, plane1 0b010, plane2 0.
// CHECK-LABEL: func.func @balanced_planes
// CHECK{LITERAL}: arith.constant dense<[[[[[2]]], [[[1]]]], [[[[3]]], [[[2]]]], [[[[3]]], [[[0]]]]]> : tensor<3x2x1x1x1xi32>
func.func @balanced_planes() -> tensor<2x3x!bwta.int<2, balanced>, #bwta.packed<planes = 3>> {
  %w = bwta.weight "w.int2" : tensor<2x3x!bwta.int<2, balanced>, #bwta.packed<planes = 3>>
  return %w : tensor<2x3x!bwta.int<2, balanced>, #bwta.packed<planes = 3>>
}
