// bwta-lower-to-gpu refuses what it cannot generate, with a reason.
// RUN: not bwta-opt %s -split-input-file -bwta-lower-to-gpu="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not bwta-opt %s -split-input-file -bwta-lower-to-gpu="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: bwta-opt %s -split-input-file -bwta-lower-to-gpu -verify-diagnostics -o /dev/null

// OLD: bwta-lower-to-gpu: sm_75 cannot run binary AND-popcount MMA (mma.sync m16n8k256 .b1 .and.popc needs sm_80 or newer)
// CHIP: bwta-lower-to-gpu: chip must look like sm_90a, got 'gfx90a'

func.func @unpacked(%x: tensor<2x3x77xi1>, %w: tensor<1x5x77xi1>) {
  // expected-error @below {{'bwta.plane_matmul' op bwta-lower-to-gpu: operands must be packed (run bwta-pack-layout first)}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @tiling(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1>>) {
  // expected-error @below {{'bwta.plane_matmul' op bwta-lower-to-gpu: needs 32-bit words in K tiles of 8 words (256 bits), got 32-bit words in tiles of 1}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2>>, tensor<1x5x77xi1, #bwta.packed<planes = 1>> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @rows(%x: tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>, %w: tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>) {
  // expected-error @below {{'bwta.plane_matmul' op bwta-lower-to-gpu: needs lhs rows in tiles of 16 and rhs rows in tiles of 8 (the m16n8k256 fragments)}}
  %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>, tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>> -> tensor<2x1x3x5xi32>
  return
}

// -----

func.func @batched(%x: tensor<2x4x3x77xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, %w: tensor<2x4x5x77xi1, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>) {
  // expected-error @below {{'bwta.plane_matmul' op bwta-lower-to-gpu: batched plane matmuls are not supported yet}}
  %r = bwta.plane_matmul %x, %w : tensor<2x4x3x77xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<2x4x5x77xi1, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>> -> tensor<2x2x4x3x5xi32>
  return
}
