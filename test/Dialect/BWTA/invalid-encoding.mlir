// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// #bwta.packed as a tensor encoding: PackedLayoutAttr::verifyEncoding.

// expected-error @below {{packed layout needs a tensor of rank >= 1}}
func.func private @rank0(tensor<!bwta.ternary, #bwta.packed<planes = 2>>)

// -----

// expected-error @below {{packed layout has 1 plane(s) but '!bwta.ternary' needs 2}}
func.func private @ternary_one_plane(tensor<3x77x!bwta.ternary, #bwta.packed<planes = 1>>)

// -----

// expected-error @below {{packed layout has 2 plane(s) but '!bwta.binary' needs 1}}
func.func private @binary_two_planes(tensor<5x77x!bwta.binary, #bwta.packed<planes = 2>>)

// -----

// Balanced k-bit needs k + 1 planes.
// expected-error @below {{packed layout has 2 plane(s) but '!bwta.int<2, balanced>' needs 3}}
func.func private @balanced_planes(tensor<3x77x!bwta.int<2, balanced>, #bwta.packed<planes = 2>>)

// -----

// expected-error @below {{packed layout has 9 plane(s) but '!bwta.int<8, unsigned>' needs 8}}
func.func private @unsigned_planes(tensor<3x77x!bwta.int<8, unsigned>, #bwta.packed<planes = 9>>)

// -----

// expected-error @below {{packed plane tensor needs rank >= 2 (planes first, K last), got rank 1}}
func.func private @plane_rank1(tensor<77xi1, #bwta.packed<planes = 1>>)

// -----

// expected-error @below {{packed layout has 2 plane(s) but the plane dimension is 3}}
func.func private @plane_dim_mismatch(tensor<3x5x77xi1, #bwta.packed<planes = 2>>)

// -----

// expected-error @below {{packed plane tensor needs a static plane dimension (the first), got ?}}
func.func private @plane_dim_dynamic(tensor<?x5x77xi1, #bwta.packed<planes = 2>>)

// -----

// expected-error @below {{packed layout needs a bwta quantized or i1 element type, got 'f32'}}
func.func private @float_packed(tensor<3x77xf32, #bwta.packed<planes = 1>>)

// -----

// expected-error @below {{packed layout needs a bwta quantized or i1 element type, got 'i8'}}
func.func private @i8_packed(tensor<2x3x77xi8, #bwta.packed<planes = 2>>)
