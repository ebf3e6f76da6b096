// Every kind of weight global, checked byte for byte in the bundle: packed
// words (64-bit, msb_first, tiled), unpacked levels (i8, and i16 for 8-bit
// unsigned), raw floats, and plane popcounts derived from packed and from
// unpacked weights, with and without groups.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: bwta-compile %s --weights=%t.safetensors -o %t.bwtab --format=isa
// RUN: bwta-bundle-info %t.bwtab | FileCheck %s
// RUN: %python %S/Inputs/dump_weights.py %t.bwtab | FileCheck %s --check-prefix=VALUES

// CHECK: weights (6):
// CHECK-NEXT: t {{ *}}u64 {{ *}}[4] {{ *}}offset 0, 32 bytes, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 2>
// CHECK-NEXT: t.popcount {{ *}}i32 {{ *}}[2, 2] {{ *}}offset 64, 16 bytes, plane_popcount
// CHECK-NEXT: q {{ *}}i8 {{ *}}[12] {{ *}}offset 128, 12 bytes, levels !bwta.int<2, balanced>
// CHECK-NEXT: q.popcount {{ *}}i32 {{ *}}[18] {{ *}}offset 192, 72 bytes, plane_popcount group_size=2
// CHECK-NEXT: u8 {{ *}}i16 {{ *}}[2, 3] {{ *}}offset 320, 12 bytes, levels !bwta.int<8, unsigned>
// CHECK-NEXT: h {{ *}}f16 {{ *}}[6] {{ *}}offset 384, 12 bytes, row_major

// t (ternary 2x40): row 0 is +1 at k = 0, 35 and -1 at k = 1; row 1 is -1
// at k = 39. Plane 0 marks +1, plane 1 marks -1; msb_first puts k at bit
// 63 - k: plane 0 row 0 = 2^63 + 2^28, row 1 = 0; plane 1 row 0 = 2^62,
// row 1 = 2^24.
// VALUES: t u64: 9223372037123211264 0 4611686018427387904 16777216{{$}}
// VALUES: t.popcount i32: 2 0 1 1{{$}}
// VALUES: q i8: -2 -1 0 1 2 0 -2 1 1 1 -1 -1{{$}}
// q's planes are its 3-bit two's complement bits ([plane][group][row], groups
// of 2 columns): bit 0 of row 0 (-2 -1 | 0 1) is (0 1 | 0 1) → 1 1, ...
// VALUES: q.popcount i32: 1 0 2 1 1 2 2 1 0 0 1 2 2 0 0 0 1 2{{$}}
// VALUES: u8 i16: 0 255 7 128 1 2{{$}}
// VALUES: h f16: 1 2 3 4 5 6{{$}}

module attributes {gpu.container_module} {
  memref.global "private" constant @t : memref<4xi64>
      {bwta.weight = "t", bwta.weight_type = tensor<2x40x!bwta.ternary, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 2>>}
  memref.global "private" constant @t.popcount : memref<2x2xi32>
      {bwta.weight = "t", bwta.derive = "plane_popcount",
       bwta.weight_type = tensor<2x40x!bwta.ternary, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 2>>}
  memref.global "private" constant @q : memref<12xi8>
      {bwta.weight = "q", bwta.weight_type = tensor<3x4x!bwta.int<2, balanced>>}
  memref.global "private" constant @q.popcount : memref<18xi32>
      {bwta.weight = "q", bwta.derive = "plane_popcount", bwta.group_size = 2 : i64,
       bwta.weight_type = tensor<3x4x!bwta.int<2, balanced>>}
  memref.global "private" constant @u8 : memref<2x3xi16>
      {bwta.weight = "u8", bwta.weight_type = tensor<2x3x!bwta.int<8, unsigned>>}
  memref.global "private" constant @h : memref<6xf16>
      {bwta.weight = "h", bwta.weight_type = tensor<2x3xf16>}

  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @use(%t: memref<4xi64>, %tc: memref<2x2xi32>, %q: memref<12xi8>, %qc: memref<18xi32>,
                  %u: memref<2x3xi16>, %h: memref<6xf16>, %out: memref<6xf16>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %h[%i] : memref<6xf16>
      memref.store %v, %out[%i] : memref<6xf16>
      gpu.return
    }
  }

  func.func @forward(%out: memref<6xf16>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c6 = arith.constant 6 : index
    %t = memref.get_global @t : memref<4xi64>
    %tc = memref.get_global @t.popcount : memref<2x2xi32>
    %q = memref.get_global @q : memref<12xi8>
    %qc = memref.get_global @q.popcount : memref<18xi32>
    %u = memref.get_global @u8 : memref<2x3xi16>
    %h = memref.get_global @h : memref<6xf16>
    gpu.launch_func @bwta_kernels::@use blocks in (%c1, %c1, %c1) threads in (%c6, %c1, %c1)
        args(%t : memref<4xi64>, %tc : memref<2x2xi32>, %q : memref<12xi8>, %qc : memref<18xi32>,
             %u : memref<2x3xi16>, %h : memref<6xf16>, %out : memref<6xf16>)
    return
  }
}
