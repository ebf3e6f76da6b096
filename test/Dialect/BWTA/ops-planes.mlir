// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// Bit-plane ops: split_planes / combine_planes for every element type,
// pack / unpack of quantized and i1 plane tensors, plane_matmul unpacked,
// packed and batched.

// CHECK-LABEL: func.func @split_planes
// CHECK: bwta.split_planes %{{.*}} : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<3x77x!bwta.int<1>> -> tensor<1x3x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<3x77x!bwta.int<4>> -> tensor<4x3x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<3x77x!bwta.int<8, unsigned>> -> tensor<8x3x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<3x77x!bwta.int<2, balanced>> -> tensor<3x3x77xi1>
// CHECK: bwta.split_planes %{{.*}} : tensor<2x3x77x!bwta.int<8, balanced>> -> tensor<9x2x3x77xi1>
func.func @split_planes(%b: tensor<5x77x!bwta.binary>, %t: tensor<3x77x!bwta.ternary>,
                        %i1: tensor<3x77x!bwta.int<1>>, %i4: tensor<3x77x!bwta.int<4>>,
                        %u8: tensor<3x77x!bwta.int<8, unsigned>>,
                        %b2: tensor<3x77x!bwta.int<2, balanced>>,
                        %b8: tensor<2x3x77x!bwta.int<8, balanced>>) {
  %0 = bwta.split_planes %b : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
  %1 = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
  %2 = bwta.split_planes %i1 : tensor<3x77x!bwta.int<1>> -> tensor<1x3x77xi1>
  %3 = bwta.split_planes %i4 : tensor<3x77x!bwta.int<4>> -> tensor<4x3x77xi1>
  %4 = bwta.split_planes %u8 : tensor<3x77x!bwta.int<8, unsigned>> -> tensor<8x3x77xi1>
  %5 = bwta.split_planes %b2 : tensor<3x77x!bwta.int<2, balanced>> -> tensor<3x3x77xi1>
  %6 = bwta.split_planes %b8 : tensor<2x3x77x!bwta.int<8, balanced>> -> tensor<9x2x3x77xi1>
  return
}

// -----

// CHECK-LABEL: func.func @combine_planes
// CHECK: bwta.combine_planes %{{.*}} : tensor<1x5x77xi1> -> tensor<5x77x!bwta.binary>
// CHECK: bwta.combine_planes %{{.*}} : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
// CHECK: bwta.combine_planes %{{.*}} : tensor<1x5x77xi1> -> tensor<5x77x!bwta.int<1, unsigned>>
// CHECK: bwta.combine_planes %{{.*}} : tensor<3x3x77xi1> -> tensor<3x77x!bwta.int<3>>
// CHECK: bwta.combine_planes %{{.*}} : tensor<3x3x77xi1> -> tensor<3x77x!bwta.int<2, balanced>>
// CHECK: bwta.combine_planes %{{.*}} : tensor<2x3x77xi1> -> tensor<3x77x!bwta.int<1, balanced>>
// CHECK: bwta.combine_planes %{{.*}} : tensor<8x77xi1> -> tensor<77x!bwta.int<8>>
func.func @combine_planes(%p1: tensor<1x5x77xi1>, %p2: tensor<2x3x77xi1>,
                          %p3: tensor<3x3x77xi1>, %p8: tensor<8x77xi1>) {
  %0 = bwta.combine_planes %p1 : tensor<1x5x77xi1> -> tensor<5x77x!bwta.binary>
  %1 = bwta.combine_planes %p2 : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
  %2 = bwta.combine_planes %p1 : tensor<1x5x77xi1> -> tensor<5x77x!bwta.int<1, unsigned>>
  %3 = bwta.combine_planes %p3 : tensor<3x3x77xi1> -> tensor<3x77x!bwta.int<3>>
  %4 = bwta.combine_planes %p3 : tensor<3x3x77xi1> -> tensor<3x77x!bwta.int<2, balanced>>
  %5 = bwta.combine_planes %p2 : tensor<2x3x77xi1> -> tensor<3x77x!bwta.int<1, balanced>>
  %6 = bwta.combine_planes %p8 : tensor<8x77xi1> -> tensor<77x!bwta.int<8>>
  return
}

// -----

// Split and combine are inverse: a round trip through the planes.
// CHECK-LABEL: func.func @planes_round_trip
// CHECK-SAME: (%[[T:.*]]: tensor<3x77x!bwta.ternary>)
// CHECK: %[[P:.*]] = bwta.split_planes %[[T]] : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
// CHECK: %[[R:.*]] = bwta.combine_planes %[[P]] : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
// CHECK: return %[[R]]
func.func @planes_round_trip(%t: tensor<3x77x!bwta.ternary>) -> tensor<3x77x!bwta.ternary> {
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
  %r = bwta.combine_planes %p : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
  return %r : tensor<3x77x!bwta.ternary>
}

// -----

// Pack and unpack quantized tensors, default and non-default layouts.
// CHECK-LABEL: func.func @pack_quantized
// CHECK-SAME: (%[[T:.*]]: tensor<3x77x!bwta.ternary>, %[[W:.*]]: tensor<5x77x!bwta.binary>, %[[I:.*]]: tensor<2x3x77x!bwta.int<2, balanced>>)
// CHECK: %[[PT:.*]] = bwta.pack %[[T]] : tensor<3x77x!bwta.ternary> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
// CHECK: bwta.unpack %[[PT]] : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<3x77x!bwta.ternary>
// CHECK: %[[PW:.*]] = bwta.pack %[[W]] : tensor<5x77x!bwta.binary> -> tensor<5x77x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 4>>
// CHECK: bwta.unpack %[[PW]] : tensor<5x77x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 4>> -> tensor<5x77x!bwta.binary>
// CHECK: %[[PI:.*]] = bwta.pack %[[I]] : tensor<2x3x77x!bwta.int<2, balanced>> -> tensor<2x3x77x!bwta.int<2, balanced>, #bwta.packed<planes = 3, tile_rows = 16>>
// CHECK: bwta.unpack %[[PI]] : tensor<2x3x77x!bwta.int<2, balanced>, #bwta.packed<planes = 3, tile_rows = 16>> -> tensor<2x3x77x!bwta.int<2, balanced>>
func.func @pack_quantized(%t: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>,
                          %i: tensor<2x3x77x!bwta.int<2, balanced>>) {
  %pt = bwta.pack %t : tensor<3x77x!bwta.ternary>
                    -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
  %ut = bwta.unpack %pt : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
                       -> tensor<3x77x!bwta.ternary>
  %pw = bwta.pack %w : tensor<5x77x!bwta.binary>
      -> tensor<5x77x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 4>>
  %uw = bwta.unpack %pw
      : tensor<5x77x!bwta.binary, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 4>>
      -> tensor<5x77x!bwta.binary>
  %pi = bwta.pack %i : tensor<2x3x77x!bwta.int<2, balanced>>
      -> tensor<2x3x77x!bwta.int<2, balanced>, #bwta.packed<planes = 3, tile_rows = 16>>
  %ui = bwta.unpack %pi : tensor<2x3x77x!bwta.int<2, balanced>, #bwta.packed<planes = 3, tile_rows = 16>>
      -> tensor<2x3x77x!bwta.int<2, balanced>>
  return
}

// -----

// Pack and unpack i1 plane tensors (planes first, K last).
// CHECK-LABEL: func.func @pack_planes
// CHECK: %[[P:.*]] = bwta.pack %{{.*}} : tensor<2x3x77xi1> -> tensor<2x3x77xi1, #bwta.packed<planes = 2>>
// CHECK: bwta.unpack %[[P]] : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x3x77xi1>
// CHECK: %[[Q:.*]] = bwta.pack %{{.*}} : tensor<1x2x5x77xi1> -> tensor<1x2x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>>
// CHECK: bwta.unpack %[[Q]] : tensor<1x2x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>> -> tensor<1x2x5x77xi1>
func.func @pack_planes(%p: tensor<2x3x77xi1>, %q: tensor<1x2x5x77xi1>) {
  %0 = bwta.pack %p : tensor<2x3x77xi1> -> tensor<2x3x77xi1, #bwta.packed<planes = 2>>
  %1 = bwta.unpack %0 : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x3x77xi1>
  %2 = bwta.pack %q : tensor<1x2x5x77xi1>
      -> tensor<1x2x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>>
  %3 = bwta.unpack %2 : tensor<1x2x5x77xi1, #bwta.packed<planes = 1, word = 64, tile_words = 2>>
      -> tensor<1x2x5x77xi1>
  return
}

// -----

// R[i, j, m, n]: every lhs plane against every rhs plane.
// CHECK-LABEL: func.func @plane_matmul_unpacked
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
func.func @plane_matmul_unpacked(%x: tensor<2x3x77xi1>, %w: tensor<1x5x77xi1>)
    -> tensor<2x1x3x5xi32> {
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return %r : tensor<2x1x3x5xi32>
}

// -----

// Packed operands must agree on word, K order and K tiling; row tiles may
// differ.
// CHECK-LABEL: func.func @plane_matmul_packed
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>> -> tensor<2x1x3x5xi32>
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 16, tile_words = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>> -> tensor<2x1x3x5xi32>
func.func @plane_matmul_packed(
    %x: tensor<2x3x77xi1, #bwta.packed<planes = 2>>,
    %w: tensor<1x5x77xi1, #bwta.packed<planes = 1>>,
    %x2: tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 16, tile_words = 2>>,
    %w2: tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>) {
  %0 = bwta.plane_matmul %x, %w
      : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>>
      -> tensor<2x1x3x5xi32>
  %1 = bwta.plane_matmul %x2, %w2
      : tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 16, tile_words = 2>>,
        tensor<1x5x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 2>>
      -> tensor<2x1x3x5xi32>
  return
}

// -----

// Batched: R[i, j, b, m, n], unpacked and packed.
// CHECK-LABEL: func.func @plane_matmul_batched
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} : tensor<2x4x7x16xi1>, tensor<2x4x7x16xi1> -> tensor<2x2x4x7x7xi32>
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} : tensor<1x4x7x7xi1, #bwta.packed<planes = 1>>, tensor<2x4x16x7xi1, #bwta.packed<planes = 2>> -> tensor<1x2x4x7x16xi32>
func.func @plane_matmul_batched(%q: tensor<2x4x7x16xi1>, %k: tensor<2x4x7x16xi1>,
                                %p: tensor<1x4x7x7xi1, #bwta.packed<planes = 1>>,
                                %v: tensor<2x4x16x7xi1, #bwta.packed<planes = 2>>) {
  %0 = bwta.plane_matmul %q, %k : tensor<2x4x7x16xi1>, tensor<2x4x7x16xi1> -> tensor<2x2x4x7x7xi32>
  %1 = bwta.plane_matmul %p, %v
      : tensor<1x4x7x7xi1, #bwta.packed<planes = 1>>, tensor<2x4x16x7xi1, #bwta.packed<planes = 2>>
      -> tensor<1x2x4x7x16xi32>
  return
}

// -----

// The BTC pipeline in miniature: split, pack, multiply the planes.
// CHECK-LABEL: func.func @btc_chain
// CHECK: %[[XP:.*]] = bwta.split_planes
// CHECK: %[[WP:.*]] = bwta.split_planes
// CHECK: %[[XK:.*]] = bwta.pack %[[XP]]
// CHECK: %[[WK:.*]] = bwta.pack %[[WP]]
// CHECK: bwta.plane_matmul %[[XK]], %[[WK]] : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>> -> tensor<2x1x3x5xi32>
func.func @btc_chain(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>)
    -> tensor<2x1x3x5xi32> {
  %xp = bwta.split_planes %x : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
  %wp = bwta.split_planes %w : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
  %xk = bwta.pack %xp : tensor<2x3x77xi1> -> tensor<2x3x77xi1, #bwta.packed<planes = 2>>
  %wk = bwta.pack %wp : tensor<1x5x77xi1> -> tensor<1x5x77xi1, #bwta.packed<planes = 1>>
  %r = bwta.plane_matmul %xk, %wk
      : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>>
      -> tensor<2x1x3x5xi32>
  return %r : tensor<2x1x3x5xi32>
}
