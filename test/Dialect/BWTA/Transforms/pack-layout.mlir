// RUN: bwta-opt %s -split-input-file -bwta-btc-decompose=path=btc -bwta-pack-layout | FileCheck %s
// RUN: bwta-opt %s -split-input-file -bwta-btc-decompose=path=btc -bwta-pack-layout="word=64 k-order=msb_first tile-k=128 lhs-tile-rows=64 rhs-tile-rows=32" | FileCheck %s --check-prefix=OPTS
// RUN: not bwta-opt %s -bwta-pack-layout="word=48" 2>&1 | FileCheck %s --check-prefix=BADWORD
// RUN: not bwta-opt %s -bwta-pack-layout="k-order=reversed" 2>&1 | FileCheck %s --check-prefix=BADORDER
// RUN: not bwta-opt %s -bwta-pack-layout="tile-k=100" 2>&1 | FileCheck %s --check-prefix=BADTILE

// BADWORD: bwta-pack-layout: word must be 32 or 64, got 48
// BADORDER: bwta-pack-layout: k-order must be lsb_first or msb_first, got 'reversed'
// BADTILE: bwta-pack-layout: tile-k must be a positive multiple of word, got 100

// A BWTA linear layer: the activation quantizer packs its own result (one
// pass over the data), the binary weight is packed at compile time (the
// weight op carries the packed type), and the planes keep those layouts.
// CHECK-LABEL: func.func @bwta_linear
// CHECK: %[[X:.*]], %{{.*}} = bwta.quantize {{.*}} -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<3xf32>
// CHECK: %[[XP:.*]] = bwta.split_planes %[[X]] : {{.*}} -> tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
// CHECK: %[[W:.*]] = bwta.weight "fc.weight" : tensor<5x77x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
// CHECK: %[[WP:.*]] = bwta.split_planes %[[W]] : {{.*}} -> tensor<1x5x77xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
// CHECK: bwta.plane_matmul %[[XP]], %[[WP]]
// CHECK: bwta.plane_popcount %[[XP]]
// CHECK: bwta.plane_popcount %[[WP]]
// CHECK-NOT: bwta.pack %
// CHECK-NOT: bwta.weight "fc.weight" : tensor<5x77x!bwta.binary>
// OPTS-LABEL: func.func @bwta_linear
// OPTS: #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 64, tile_words = 2>
// OPTS: #bwta.packed<planes = 1, word = 64, k_order = msb_first, tile_rows = 32, tile_words = 2>
func.func @bwta_linear(%a: tensor<3x77xf32>, %sw: tensor<5xf32>) -> tensor<3x5xf32> {
  %x, %sx = bwta.quantize %a {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
  %w = bwta.weight "fc.weight" : tensor<5x77x!bwta.binary>
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Values with other uses are packed by an explicit bwta.pack; the unpacked
// value stays for those uses.
// CHECK-LABEL: func.func @explicit_pack
// CHECK: %[[Q:.*]], %{{.*}} = bwta.quantize {{.*}} -> tensor<2x4x9x!bwta.ternary>, tensor<2x4xf32>
// CHECK: %[[P:.*]] = bwta.pack %[[Q]] : tensor<2x4x9x!bwta.ternary> -> tensor<2x4x9x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
// CHECK: bwta.split_planes %[[P]]
// CHECK: bwta.pack %[[Q]] : tensor<2x4x9x!bwta.ternary> -> tensor<2x4x9x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 8, tile_words = 8>>
// CHECK: bwta.dequantize %[[Q]]
func.func @explicit_pack(%a: tensor<2x4x9xf32>) -> (tensor<2x4x4xf32>, tensor<2x4x9xf32>) {
  %q, %s = bwta.quantize %a {scheme = #bwta.scheme<granularity = per_token>} : tensor<2x4x9xf32> -> tensor<2x4x9x!bwta.ternary>, tensor<2x4xf32>
  %y = bwta.batch_qmatmul %q, %q scales(%s, %s) : (tensor<2x4x9x!bwta.ternary>, tensor<2x4x9x!bwta.ternary>, tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4x4xf32>
  %d = bwta.dequantize %q, %s : tensor<2x4x9x!bwta.ternary>, tensor<2x4xf32> -> tensor<2x4x9xf32>
  return %y, %d : tensor<2x4x4xf32>, tensor<2x4x9xf32>
}

// -----

// A quantizer that packs its output and reads an elementwise producer (here
// a GELU-like tanh) used nowhere else joins it in one bwta.fusion: one kernel
// will compute, quantize and pack the activations.
// CHECK-LABEL: func.func @fused_producer
// CHECK: %[[F:.*]]:2 = bwta.fusion -> (tensor<4x64x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>) {
// CHECK-NEXT: %[[G:.*]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[Q:.*]], %[[S:.*]] = bwta.quantize %[[G]]
// CHECK-NEXT: bwta.yield %[[Q]], %[[S]]
// CHECK-NEXT: }
// CHECK: bwta.split_planes %[[F]]#0
// CHECK: bwta.btc_epilogue {{.*}} scales(%[[F]]#1,
func.func @fused_producer(%x: tensor<4x64xf32>, %sw: tensor<32xf32>) -> tensor<4x32xf32> {
  %e = tensor.empty() : tensor<4x64xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<4x64xf32>
  %q, %s = bwta.quantize %g {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary>, tensor<4xf32>
  %w = bwta.weight "fc.weight" : tensor<32x64x!bwta.binary>
  %y = bwta.qmatmul %q, %w scales(%s, %sw) : (tensor<4x64x!bwta.ternary>, tensor<32x64x!bwta.binary>, tensor<4xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// The producer has another use: no fusion (it would have to run twice).
// CHECK-LABEL: func.func @shared_producer
// CHECK-NOT: bwta.fusion
// CHECK: return
func.func @shared_producer(%x: tensor<4x64xf32>, %sw: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x64xf32>) {
  %e = tensor.empty() : tensor<4x64xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<4x64xf32>
  %q, %s = bwta.quantize %g {scheme = #bwta.scheme<granularity = per_token>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary>, tensor<4xf32>
  %w = bwta.weight "fc.weight" : tensor<32x64x!bwta.binary>
  %y = bwta.qmatmul %q, %w scales(%s, %sw) : (tensor<4x64x!bwta.ternary>, tensor<32x64x!bwta.binary>, tensor<4xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %y, %g : tensor<4x32xf32>, tensor<4x64xf32>
}
