// bwta-lower-to-gpu refuses what it cannot generate, with a reason.
// RUN: not bwta-opt %s -split-input-file -bwta-lower-to-gpu="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: not bwta-opt %s -split-input-file -bwta-lower-to-gpu="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not bwta-opt %s -split-input-file -bwta-lower-to-gpu="sm-count=0" 2>&1 | FileCheck %s --check-prefix=SMS
// RUN: bwta-opt %s -split-input-file -bwta-lower-to-gpu -verify-diagnostics -o /dev/null

// OLD: bwta-lower-to-gpu: sm_75 cannot run binary AND-popcount MMA (mma.sync m16n8k256 .b1 .and.popc needs sm_80 or newer)
// CHIP: bwta-lower-to-gpu: chip must look like sm_90a, got 'gfx90a'
// SMS: bwta-lower-to-gpu: sm-count must be 1..1024, got 0

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

func.func @unpacked_quantize(%x: tensor<4x64xf32>) -> tensor<4xf32> {
  // expected-error @below {{'bwta.quantize' op bwta-lower-to-gpu: only quantizers with a packed result run on the GPU (run bwta-pack-layout first)}}
  %t, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary>, tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

func.func @per_tensor(%x: tensor<4x64xf32>) -> tensor<f32> {
  // expected-error @below {{'bwta.quantize' op bwta-lower-to-gpu: only per-token (per-row) dynamic quantization runs on the GPU yet}}
  %t, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_tensor>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<f32>
  return %s : tensor<f32>
}

// -----

func.func @float_op(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %t, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  // expected-error @below {{'arith.addf' op bwta-lower-to-gpu: has no GPU lowering yet}}
  %y = arith.addf %x, %x : tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// expected-error @below {{'func.func' op bwta-lower-to-gpu: is called from elsewhere; a host function is an entry point and cannot be called}}
func.func @callee(%x: tensor<4x64xf32>) -> tensor<4xf32> {
  %t, %s = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token>} : tensor<4x64xf32> -> tensor<4x64x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  return %s : tensor<4xf32>
}
func.func @caller(%x: tensor<4x64xf32>) -> tensor<4xf32> {
  %s = func.call @callee(%x) : (tensor<4x64xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

func.func @weight_out() -> tensor<4xf32> {
  %w = bwta.weight "w" : tensor<4xf32>
  %t = bwta.weight "t" : tensor<4x64x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
  // expected-error @below {{'func.return' op bwta-lower-to-gpu: result 0 must be computed by the function and returned once}}
  return %w : tensor<4xf32>
}

// -----

// Float ops between layers (float-ops.mlir) that have no kernel.
func.func @non_constant_scalar(%x: tensor<4x8xf32>) -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> {
  %one = arith.constant 1.0 : f32
  // Scalar arithmetic on the host has no kernel.
  // expected-error @below {{'arith.addf' op bwta-lower-to-gpu: has no GPU lowering yet}}
  %c = arith.addf %one, %one : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %q, %sq = bwta.quantize %f {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x8xf32> -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  return %q : tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
}

// -----

func.func @shifted_map(%x: tensor<4x8xf32>) -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> {
  %e = tensor.empty() : tensor<4x8xf32>
  // expected-error @below {{'linalg.generic' op bwta-lower-to-gpu: indexing maps must pick loop dimensions (projected permutations), got affine_map<(d0, d1) -> (d0, 0)>}}
  %f = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x8xf32>
  %q, %sq = bwta.quantize %f {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x8xf32> -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  return %q : tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
}

// -----

func.func @tensor_op_in_body(%x: tensor<4x8xf32>, %t: tensor<2xf32>) -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>> {
  %e = tensor.empty() : tensor<4x8xf32>
  %f = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c0 = arith.constant 0 : index
    // expected-error @below {{'tensor.extract' op bwta-lower-to-gpu: only arith and math ops run in a float op's body on the GPU}}
    %v = tensor.extract %t[%c0] : tensor<2xf32>
    %s = arith.addf %in, %v : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %q, %sq = bwta.quantize %f {scheme = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>} : tensor<4x8xf32> -> tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<4xf32>
  return %q : tensor<4x8x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
}
