// Input of the plane-matmul GPU check (run_plane_matmul.py): ternary-like
// lhs planes (P = 2, M = 37) against binary-like rhs planes (P = 3, N = 21)
// with K = 700, none of them multiples of the tiles.
func.func @planes(%x: tensor<2x37x700xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>,
                  %w: tensor<3x21x700xi1, #bwta.packed<planes = 3, tile_rows = 8, tile_words = 8>>) -> tensor<2x3x37x21xi32> {
  %r = bwta.plane_matmul %x, %w : tensor<2x37x700xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<3x21x700xi1, #bwta.packed<planes = 3, tile_rows = 8, tile_words = 8>> -> tensor<2x3x37x21xi32>
  return %r : tensor<2x3x37x21xi32>
}
