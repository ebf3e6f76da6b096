// RUN: bwta-opt %s -split-input-file -verify-diagnostics

// Attribute verifiers and parsers: ThresholdAttr, SchemeAttr,
// PackedLayoutAttr.

// expected-error @below {{threshold factor must be finite and >= 0, got -0.5}}
func.func private @negative_threshold() attributes {t = #bwta.threshold<fixed, -0.5>}

// -----

// expected-error @below {{threshold factor must be finite and >= 0, got -0.7}}
// expected-error @below {{failed to parse BWTA_SchemeAttr parameter 'threshold'}}
func.func private @negative_threshold_in_scheme() attributes {s = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, -0.7>>}

// -----

// The factor is a float literal: `5` must be written `5.0`.
// expected-error @below {{unexpected decimal integer literal for a floating point value}}
// expected-note @below {{add a trailing dot to make the literal a float}}
// expected-error @below {{failed to parse BWTA_ThresholdAttr parameter 'factor'}}
func.func private @integer_threshold() attributes {t = #bwta.threshold<max_abs, 5>}

// -----

// expected-error @below {{expected ::bwta::ThresholdPolicy to be one of: fixed, mean_abs, max_abs}}
// expected-error @below {{failed to parse BWTA_ThresholdAttr parameter 'policy'}}
func.func private @bad_policy() attributes {t = #bwta.threshold<median, 0.5>}

// -----

// expected-error @below {{per_group scheme needs group_size > 0}}
func.func private @per_group_without_size() attributes {s = #bwta.scheme<granularity = per_group>}

// -----

// expected-error @below {{per_group scheme needs group_size > 0}}
func.func private @per_group_negative_size() attributes {s = #bwta.scheme<granularity = per_group, group_size = -32>}

// -----

// expected-error @below {{group_size is only meaningful with per_group, got granularity per_token}}
func.func private @group_size_per_token() attributes {s = #bwta.scheme<granularity = per_token, group_size = 32>}

// -----

// expected-error @below {{group_size is only meaningful with per_group, got granularity per_tensor}}
func.func private @group_size_per_tensor() attributes {s = #bwta.scheme<granularity = per_tensor, group_size = 1>}

// -----

// expected-error @below {{struct is missing required parameter: granularity}}
func.func private @scheme_without_granularity() attributes {s = #bwta.scheme<mode = asymmetric>}

// -----

// expected-error @below {{expected ::bwta::Granularity to be one of: per_tensor, per_channel, per_token, per_group}}
// expected-error @below {{failed to parse BWTA_SchemeAttr parameter 'granularity'}}
func.func private @bad_granularity() attributes {s = #bwta.scheme<granularity = per_row>}

// -----

// expected-error @below {{expected one of [symmetric, asymmetric] for zero point or not, got: affine}}
// expected-error @below {{failed to parse BWTA_SchemeAttr parameter 'mode'}}
func.func private @bad_mode() attributes {s = #bwta.scheme<granularity = per_token, mode = affine>}

// -----

// expected-error @below {{packed layout planes must be in [1, 16], got 0}}
func.func private @zero_planes() attributes {p = #bwta.packed<planes = 0>}

// -----

// expected-error @below {{packed layout planes must be in [1, 16], got 17}}
func.func private @too_many_planes() attributes {p = #bwta.packed<planes = 17>}

// -----

// expected-error @below {{packed layout word must be 32 or 64 bits, got 16}}
func.func private @word_16() attributes {p = #bwta.packed<planes = 1, word = 16>}

// -----

// expected-error @below {{packed layout word must be 32 or 64 bits, got 128}}
func.func private @word_128() attributes {p = #bwta.packed<planes = 1, word = 128>}

// -----

// expected-error @below {{packed layout tiles must be at least 1x1, got 0x1}}
func.func private @zero_tile_rows() attributes {p = #bwta.packed<planes = 2, tile_rows = 0>}

// -----

// expected-error @below {{packed layout tiles must be at least 1x1, got 8x0}}
func.func private @zero_tile_words() attributes {p = #bwta.packed<planes = 2, tile_rows = 8, tile_words = 0>}

// -----

// expected-error @below {{expected one of [lsb_first, msb_first] for where element k of the reduction dimension sits inside its word, got: big_endian}}
// expected-error @below {{failed to parse BWTA_PackedLayoutAttr parameter 'k_order'}}
func.func private @bad_k_order() attributes {p = #bwta.packed<planes = 1, k_order = big_endian>}

// -----

// expected-error @below {{struct is missing required parameter: planes}}
func.func private @packed_without_planes() attributes {p = #bwta.packed<word = 64>}
