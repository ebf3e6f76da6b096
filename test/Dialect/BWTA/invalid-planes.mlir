// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// bwta.split_planes / bwta.combine_planes (verifyPlanesPair) and
// bwta.pack / bwta.unpack (verifyPackPair).

func.func @split_packed_input(%t: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.split_planes' op planes of a packed tensor keep its layout #bwta.packed<planes = 2>, got 'tensor<2x3x77xi1>'}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<2x3x77xi1>
  return
}

// -----

func.func @split_packed_other_layout(%t: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.split_planes' op planes of a packed tensor keep its layout #bwta.packed<planes = 2>, got 'tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>'}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>
  return
}

// -----

func.func @split_packed_shape(%t: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.split_planes' op plane tensor shape [2, 3, 76] should be [2, 3, 77] (2 plane(s) of '!bwta.ternary')}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<2x3x76xi1, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @split_packed_result(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.split_planes' op plane tensor must not be packed, got 'tensor<2x3x77xi1, #bwta.packed<planes = 2>>'}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @split_other_encoding(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.split_planes' op plane tensor must have no encoding, got 'tensor<2x3x77xi1, "planes">'}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1, "planes">
  return
}

// -----

func.func @split_plane_count(%t: tensor<3x77x!bwta.int<2, balanced>>) {
  // expected-error @below {{'bwta.split_planes' op plane tensor shape [2, 3, 77] should be [3, 3, 77] (3 plane(s) of '!bwta.int<2, balanced>')}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.int<2, balanced>> -> tensor<2x3x77xi1>
  return
}

// -----

func.func @split_planes_last(%t: tensor<5x77x!bwta.binary>) {
  // expected-error @below {{'bwta.split_planes' op plane tensor shape [5, 77, 1] should be [1, 5, 77] (1 plane(s) of '!bwta.binary')}}
  %p = bwta.split_planes %t : tensor<5x77x!bwta.binary> -> tensor<5x77x1xi1>
  return
}

// -----

func.func @combine_packed_input(%p: tensor<2x3x77xi1, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.combine_planes' op plane tensor must not be packed, got 'tensor<2x3x77xi1, #bwta.packed<planes = 2>>'}}
  %t = bwta.combine_planes %p : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<3x77x!bwta.ternary>
  return
}

// -----

func.func @combine_packed_result(%p: tensor<2x3x77xi1>) {
  // expected-error @below {{'bwta.combine_planes' op quantized tensor must not be packed, got 'tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %t = bwta.combine_planes %p : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @combine_plane_count(%p: tensor<4x3x77xi1>) {
  // expected-error @below {{'bwta.combine_planes' op plane tensor shape [4, 3, 77] should be [8, 3, 77] (8 plane(s) of '!bwta.int<8, unsigned>')}}
  %t = bwta.combine_planes %p : tensor<4x3x77xi1> -> tensor<3x77x!bwta.int<8, unsigned>>
  return
}

// -----

func.func @split_i8_result(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.split_planes' op result #0 must be statically shaped tensor of i1 bit planes, but got 'tensor<2x3x77xi8>'}}
  %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi8>
  return
}

// -----

func.func @combine_dynamic(%p: tensor<2x?x77xi1>) {
  // expected-error @below {{'bwta.combine_planes' op operand #0 must be statically shaped tensor of i1 bit planes, but got 'tensor<2x?x77xi1>'}}
  %t = bwta.combine_planes %p : tensor<2x?x77xi1> -> tensor<3x77x!bwta.ternary>
  return
}

// -----

func.func @pack_packed_input(%t: tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.pack' op unpacked side must have no encoding, got 'tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2, word = 64>>
  return
}

// -----

func.func @pack_other_encoding(%t: tensor<3x77x!bwta.ternary, "tiled">) {
  // expected-error @below {{'bwta.pack' op unpacked side must have no encoding, got 'tensor<3x77x!bwta.ternary, "tiled">'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.ternary, "tiled"> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @pack_without_layout(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.pack' op packed side must carry a #bwta.packed encoding, got 'tensor<3x77x!bwta.ternary>'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.ternary> -> tensor<3x77x!bwta.ternary>
  return
}

// -----

func.func @pack_foreign_layout(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.pack' op packed side must carry a #bwta.packed encoding, got 'tensor<3x77x!bwta.ternary, "tiled">'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.ternary> -> tensor<3x77x!bwta.ternary, "tiled">
  return
}

// -----

func.func @pack_shape(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.pack' op packing keeps shape and element type: 'tensor<3x77x!bwta.ternary>' vs 'tensor<3x96x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.ternary> -> tensor<3x96x!bwta.ternary, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @pack_element_type(%t: tensor<3x77x!bwta.int<2>>) {
  // expected-error @below {{'bwta.pack' op packing keeps shape and element type: 'tensor<3x77x!bwta.int<2>>' vs 'tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>'}}
  %p = bwta.pack %t : tensor<3x77x!bwta.int<2>> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
  return
}

// -----

func.func @unpack_unpacked_input(%t: tensor<3x77x!bwta.ternary>) {
  // expected-error @below {{'bwta.unpack' op packed side must carry a #bwta.packed encoding, got 'tensor<3x77x!bwta.ternary>'}}
  %u = bwta.unpack %t : tensor<3x77x!bwta.ternary> -> tensor<3x77x!bwta.ternary>
  return
}

// -----

func.func @unpack_packed_result(%p: tensor<2x3x77xi1, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.unpack' op unpacked side must have no encoding, got 'tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>'}}
  %u = bwta.unpack %p : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x3x77xi1, #bwta.packed<planes = 2, word = 64>>
  return
}

// -----

func.func @unpack_shape(%p: tensor<2x3x77xi1, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.unpack' op packing keeps shape and element type: 'tensor<2x3x78xi1>' vs 'tensor<2x3x77xi1, #bwta.packed<planes = 2>>'}}
  %u = bwta.unpack %p : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x3x78xi1>
  return
}

// -----

func.func @unpack_to_i8(%p: tensor<2x3x77xi1, #bwta.packed<planes = 2>>) {
  // expected-error @below {{'bwta.unpack' op packing keeps shape and element type: 'tensor<2x3x77xi8>' vs 'tensor<2x3x77xi1, #bwta.packed<planes = 2>>'}}
  %u = bwta.unpack %p : tensor<2x3x77xi1, #bwta.packed<planes = 2>> -> tensor<2x3x77xi8>
  return
}

// -----

func.func @pack_unranked(%t: tensor<*x!bwta.ternary>) {
  // expected-error @+1 {{custom op 'bwta.pack' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*x!bwta.ternary>'}}
  %p = bwta.pack %t : tensor<*x!bwta.ternary> -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
  return
}
