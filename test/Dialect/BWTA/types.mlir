// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// Parse/print round trip of every bwta element type, bare and in tensors.
// The default signedness (signed) is elided when printed.

// CHECK-LABEL: func.func private @binary_ternary
// CHECK-SAME: (!bwta.binary, !bwta.ternary)
// CHECK-SAME: -> (tensor<4x!bwta.binary>, tensor<2x3x!bwta.ternary>)
func.func private @binary_ternary(!bwta.binary, !bwta.ternary)
    -> (tensor<4x!bwta.binary>, tensor<2x3x!bwta.ternary>)

// -----

// CHECK-LABEL: func.func private @int_signed
// CHECK-SAME: (!bwta.int<1>, !bwta.int<8>, !bwta.int<1>, !bwta.int<8>, !bwta.int<4>)
func.func private @int_signed(!bwta.int<1>, !bwta.int<8>, !bwta.int<1, signed>,
                              !bwta.int<8, signed>, !bwta.int<4>)

// -----

// CHECK-LABEL: func.func private @int_unsigned
// CHECK-SAME: (!bwta.int<1, unsigned>, !bwta.int<8, unsigned>, !bwta.int<2, unsigned>)
func.func private @int_unsigned(!bwta.int<1, unsigned>, !bwta.int<8, unsigned>,
                                !bwta.int<2, unsigned>)

// -----

// CHECK-LABEL: func.func private @int_balanced
// CHECK-SAME: (!bwta.int<1, balanced>, !bwta.int<8, balanced>, !bwta.int<2, balanced>)
func.func private @int_balanced(!bwta.int<1, balanced>, !bwta.int<8, balanced>,
                                !bwta.int<2, balanced>)

// -----

// Quantized element types in tensors of any rank, including rank 0.
// CHECK-LABEL: func.func private @in_tensors
// CHECK-SAME: tensor<!bwta.binary>
// CHECK-SAME: tensor<7x!bwta.ternary>
// CHECK-SAME: tensor<2x3x5x!bwta.int<1>>
// CHECK-SAME: tensor<3x77x!bwta.int<8, unsigned>>
// CHECK-SAME: tensor<1x1x!bwta.int<1, balanced>>
// CHECK-SAME: tensor<8x!bwta.int<8, balanced>>
func.func private @in_tensors(tensor<!bwta.binary>, tensor<7x!bwta.ternary>,
                              tensor<2x3x5x!bwta.int<1>>,
                              tensor<3x77x!bwta.int<8, unsigned>>,
                              tensor<1x1x!bwta.int<1, balanced>>,
                              tensor<8x!bwta.int<8, balanced>>)

// -----

// Packed encodings: the plane count is the element type's (binary 1,
// ternary 2, k-bit k, balanced k + 1). Default layout parameters are elided.
// CHECK-LABEL: func.func private @packed_quantized
// CHECK-SAME: tensor<5x77x!bwta.binary, #bwta.packed<planes = 1>>
// CHECK-SAME: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
// CHECK-SAME: tensor<77x!bwta.int<1>, #bwta.packed<planes = 1>>
// CHECK-SAME: tensor<3x77x!bwta.int<8>, #bwta.packed<planes = 8, word = 64>>
// CHECK-SAME: tensor<3x77x!bwta.int<1, unsigned>, #bwta.packed<planes = 1, k_order = msb_first>>
// CHECK-SAME: tensor<3x77x!bwta.int<8, unsigned>, #bwta.packed<planes = 8>>
// CHECK-SAME: tensor<3x77x!bwta.int<1, balanced>, #bwta.packed<planes = 2, tile_rows = 8>>
// CHECK-SAME: tensor<2x3x77x!bwta.int<8, balanced>, #bwta.packed<planes = 9, word = 64, k_order = msb_first, tile_rows = 16, tile_words = 4>>
func.func private @packed_quantized(
    tensor<5x77x!bwta.binary, #bwta.packed<planes = 1>>,
    tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2, word = 32, k_order = lsb_first, tile_rows = 1, tile_words = 1>>,
    tensor<77x!bwta.int<1>, #bwta.packed<planes = 1>>,
    tensor<3x77x!bwta.int<8>, #bwta.packed<planes = 8, word = 64>>,
    tensor<3x77x!bwta.int<1, unsigned>, #bwta.packed<planes = 1, k_order = msb_first>>,
    tensor<3x77x!bwta.int<8, unsigned>, #bwta.packed<planes = 8>>,
    tensor<3x77x!bwta.int<1, balanced>, #bwta.packed<planes = 2, tile_rows = 8>>,
    tensor<2x3x77x!bwta.int<8, balanced>, #bwta.packed<planes = 9, word = 64, k_order = msb_first, tile_rows = 16, tile_words = 4>>)

// -----

// i1 plane tensors carry the planes in their first dimension.
// CHECK-LABEL: func.func private @packed_planes
// CHECK-SAME: tensor<2x3x77xi1, #bwta.packed<planes = 2>>
// CHECK-SAME: tensor<1x4x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>>
// CHECK-SAME: tensor<1x77xi1, #bwta.packed<planes = 1>>
func.func private @packed_planes(tensor<2x3x77xi1, #bwta.packed<planes = 2>>,
    tensor<1x4x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>>,
    tensor<1x77xi1, #bwta.packed<planes = 1>>)

// -----

// Dynamic dimensions other than the plane dimension are allowed in types
// (the ops require static shapes).
// CHECK-LABEL: func.func private @packed_dynamic
// CHECK-SAME: tensor<?x77x!bwta.ternary, #bwta.packed<planes = 2>>
// CHECK-SAME: tensor<2x?x?xi1, #bwta.packed<planes = 2>>
func.func private @packed_dynamic(tensor<?x77x!bwta.ternary, #bwta.packed<planes = 2>>,
                                  tensor<2x?x?xi1, #bwta.packed<planes = 2>>)
