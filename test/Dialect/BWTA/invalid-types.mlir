// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// Element types: IntType::verify and the type parser.

// expected-error @below {{bwta.int width must be in [1, 8], got 0}}
func.func private @int_width_zero(tensor<4x!bwta.int<0>>)

// -----

// expected-error @below {{bwta.int width must be in [1, 8], got 9}}
func.func private @int_width_nine(tensor<4x!bwta.int<9, unsigned>>)

// -----

// expected-error @below {{bwta.int width must be in [1, 8], got 16}}
func.func private @int_width_balanced(!bwta.int<16, balanced>)

// -----

// expected-error @below {{expected one of [signed, unsigned, balanced] for k-bit integer level set, got: sign_magnitude}}
// expected-error @below {{failed to parse BWTA_IntType parameter 'signedness'}}
func.func private @int_bad_signedness(!bwta.int<4, sign_magnitude>)

// -----

// expected-error @below {{unknown  type `quaternary` in dialect `bwta`}}
func.func private @unknown_type(!bwta.quaternary)
