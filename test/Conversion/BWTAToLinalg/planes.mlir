// RUN: bwta-opt %s -split-input-file -convert-bwta-to-linalg | FileCheck %s

// Ternary planes p = [t = +1], n = [t = −1], chosen by the plane index.
// CHECK-LABEL: func.func @split_ternary
// CHECK-SAME: (%{{.*}}: tensor<3x5xi8>) -> tensor<2x3x5xi1>
// CHECK: %[[P:.*]] = linalg.index 0
// CHECK: arith.cmpi eq, %[[P]], %c0
// CHECK: arith.select
func.func @split_ternary(%t: tensor<3x5x!bwta.ternary>) -> tensor<2x3x5xi1> {
  %p = bwta.split_planes %t : tensor<3x5x!bwta.ternary> -> tensor<2x3x5xi1>
  return %p : tensor<2x3x5xi1>
}

// -----

// k-bit planes are two's complement bits: an arithmetic shift, then the low bit.
// CHECK-LABEL: func.func @split_int
// CHECK: arith.shrsi
// CHECK: arith.trunci {{.*}} : i32 to i1
func.func @split_int(%t: tensor<3x5x!bwta.int<2, balanced>>) -> tensor<3x3x5xi1> {
  %p = bwta.split_planes %t : tensor<3x5x!bwta.int<2, balanced>> -> tensor<3x3x5xi1>
  return %p : tensor<3x3x5xi1>
}

// -----

// Balanced 2-bit: value = b0 + 2·b1 − 4·b2, clamped into [−2, 2].
// CHECK-LABEL: func.func @combine_balanced
// CHECK-SAME: -> tensor<3x5xi8>
// CHECK-DAG: arith.constant 2 : i32
// CHECK-DAG: arith.constant -4 : i32
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.trunci {{.*}} : i32 to i8
func.func @combine_balanced(%p: tensor<3x3x5xi1>) -> tensor<3x5x!bwta.int<2, balanced>> {
  %t = bwta.combine_planes %p : tensor<3x3x5xi1> -> tensor<3x5x!bwta.int<2, balanced>>
  return %t : tensor<3x5x!bwta.int<2, balanced>>
}

// -----

// 40 rows in tiles of 16 → 3 row tiles; K = 300 in 32-bit words → 10 words,
// in tiles of 4 words → 3 K tiles. Each word is assembled bit by bit.
// CHECK-LABEL: func.func @pack_tiled
// CHECK-SAME: (%{{.*}}: tensor<5x8x300xi8>) -> tensor<2x3x3x16x4xi32>
// CHECK: linalg.generic
// CHECK: arith.cmpi ult
// CHECK: scf.for {{.*}} -> (i32)
// CHECK: arith.shli
// CHECK: arith.ori
func.func @pack_tiled(%t: tensor<5x8x300x!bwta.ternary>) -> tensor<5x8x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 4>> {
  %p = bwta.pack %t : tensor<5x8x300x!bwta.ternary> -> tensor<5x8x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 4>>
  return %p : tensor<5x8x300x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 4>>
}

// -----

// msb_first with 64-bit words puts element k at bit 63 − k mod 64.
// CHECK-LABEL: func.func @unpack_msb_first
// CHECK-SAME: (%{{.*}}: tensor<1x3x2x1x1xi64>) -> tensor<1x3x77xi1>
// CHECK: arith.constant 63 : index
// CHECK: arith.subi
// CHECK: arith.shrui {{.*}} : i64
func.func @unpack_msb_first(%p: tensor<1x3x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first>>) -> tensor<1x3x77xi1> {
  %u = bwta.unpack %p : tensor<1x3x77xi1, #bwta.packed<planes = 1, word = 64, k_order = msb_first>> -> tensor<1x3x77xi1>
  return %u : tensor<1x3x77xi1>
}

// -----

// Packed operands: AND of words, popcount, int32 sum over ceil(K/32) words.
// CHECK-LABEL: func.func @plane_matmul_packed
// CHECK-SAME: -> tensor<2x1x3x5xi32>
// CHECK: arith.constant 3 : index
// CHECK: scf.for
// CHECK: arith.andi {{.*}} : i32
// CHECK: math.ctpop
// CHECK-NOT: xor
func.func @plane_matmul_packed(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8>>) -> tensor<2x1x3x5xi32> {
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8>> -> tensor<2x1x3x5xi32>
  return %r : tensor<2x1x3x5xi32>
}

// -----

// Unpacked batched operands: one bit at a time.
// CHECK-LABEL: func.func @plane_matmul_batched
// CHECK-SAME: -> tensor<2x2x4x3x5xi32>
// CHECK: scf.for
// CHECK: arith.andi {{.*}} : i1
// CHECK-NOT: math.ctpop
func.func @plane_matmul_batched(%x: tensor<2x4x3x9xi1>, %w: tensor<2x4x5x9xi1>) -> tensor<2x2x4x3x5xi32> {
  %r = bwta.plane_matmul %x, %w : tensor<2x4x3x9xi1>, tensor<2x4x5x9xi1> -> tensor<2x2x4x3x5xi32>
  return %r : tensor<2x2x4x3x5xi32>
}
