// RUN: bwta-opt %s -split-input-file | bwta-opt -split-input-file | FileCheck %s

// Parse/print round trip of every bwta attribute and every enum value.
// Parameters with their default value are elided when printed, struct
// parameters are printed in declaration order whatever order they were
// written in, and threshold factors print as the shortest float literal
// that reads back to the same double.

// CHECK-LABEL: func.func private @granularities
// CHECK-SAME: a = #bwta.scheme<granularity = per_tensor>
// CHECK-SAME: b = #bwta.scheme<granularity = per_channel>
// CHECK-SAME: c = #bwta.scheme<granularity = per_token>
// CHECK-SAME: d = #bwta.scheme<granularity = per_group, group_size = 64>
func.func private @granularities() attributes {
  a = #bwta.scheme<granularity = per_tensor>,
  b = #bwta.scheme<granularity = per_channel>,
  c = #bwta.scheme<granularity = per_token>,
  d = #bwta.scheme<granularity = per_group, group_size = 64>}

// -----

// CHECK-LABEL: func.func private @modes
// CHECK-SAME: a = #bwta.scheme<granularity = per_token>,
// CHECK-SAME: b = #bwta.scheme<granularity = per_token, mode = asymmetric>
// CHECK-SAME: c = #bwta.scheme<granularity = per_group, group_size = 1, mode = asymmetric>
func.func private @modes() attributes {
  a = #bwta.scheme<granularity = per_token, mode = symmetric>,
  b = #bwta.scheme<granularity = per_token, mode = asymmetric>,
  c = #bwta.scheme<mode = asymmetric, group_size = 1, granularity = per_group>}

// -----

// CHECK-LABEL: func.func private @thresholds
// CHECK-SAME: a = #bwta.threshold<fixed, 0.05>
// CHECK-SAME: b = #bwta.threshold<mean_abs, 0.7>
// CHECK-SAME: c = #bwta.threshold<max_abs, 0.25>
func.func private @thresholds() attributes {
  a = #bwta.threshold<fixed, 0.05>,
  b = #bwta.threshold<mean_abs, 0.7>,
  c = #bwta.threshold<max_abs, 0.25>}

// -----

// Factors that to_chars would print without a dot still read back.
// CHECK-LABEL: func.func private @threshold_factors
// CHECK-SAME: a = #bwta.threshold<fixed, 0.0>
// CHECK-SAME: b = #bwta.threshold<fixed, 5.0>
// CHECK-SAME: c = #bwta.threshold<fixed, 1.0e-10>
// CHECK-SAME: d = #bwta.threshold<fixed, 1.5e+20>
// CHECK-SAME: e = #bwta.threshold<fixed, 0.001>
func.func private @threshold_factors() attributes {
  a = #bwta.threshold<fixed, 0.0>,
  b = #bwta.threshold<fixed, 5.0>,
  c = #bwta.threshold<fixed, 1.0e-10>,
  d = #bwta.threshold<fixed, 1.5e20>,
  e = #bwta.threshold<fixed, 1.0e-3>}

// -----

// A threshold nested in a scheme prints in its short form.
// CHECK-LABEL: func.func private @scheme_threshold
// CHECK-SAME: a = #bwta.scheme<granularity = per_token, threshold = <mean_abs, 0.7>>
// CHECK-SAME: b = #bwta.scheme<granularity = per_tensor, threshold = <fixed, 0.5>>
// CHECK-SAME: c = #bwta.scheme<granularity = per_group, group_size = 32, threshold = <max_abs, 0.1>>
func.func private @scheme_threshold() attributes {
  a = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>,
  b = #bwta.scheme<granularity = per_tensor, threshold = <fixed, 0.5>>,
  c = #bwta.scheme<threshold = #bwta.threshold<max_abs, 0.1>, granularity = per_group, group_size = 32>}

// -----

// CHECK-LABEL: func.func private @packed_defaults
// CHECK-SAME: a = #bwta.packed<planes = 1>
// CHECK-SAME: b = #bwta.packed<planes = 2>
// CHECK-SAME: c = #bwta.packed<planes = 16>
func.func private @packed_defaults() attributes {
  a = #bwta.packed<planes = 1>,
  b = #bwta.packed<planes = 2, word = 32, k_order = lsb_first, tile_rows = 1, tile_words = 1>,
  c = #bwta.packed<planes = 16>}

// -----

// CHECK-LABEL: func.func private @packed_words
// CHECK-SAME: a = #bwta.packed<planes = 2>
// CHECK-SAME: b = #bwta.packed<planes = 2, word = 64>
func.func private @packed_words() attributes {
  a = #bwta.packed<planes = 2, word = 32>,
  b = #bwta.packed<planes = 2, word = 64>}

// -----

// CHECK-LABEL: func.func private @packed_k_orders
// CHECK-SAME: a = #bwta.packed<planes = 1>
// CHECK-SAME: b = #bwta.packed<planes = 1, k_order = msb_first>
func.func private @packed_k_orders() attributes {
  a = #bwta.packed<planes = 1, k_order = lsb_first>,
  b = #bwta.packed<planes = 1, k_order = msb_first>}

// -----

// CHECK-LABEL: func.func private @packed_tiles
// CHECK-SAME: a = #bwta.packed<planes = 2, tile_rows = 16>
// CHECK-SAME: b = #bwta.packed<planes = 2, tile_words = 8>
// CHECK-SAME: c = #bwta.packed<planes = 4, word = 64, k_order = msb_first, tile_rows = 8, tile_words = 4>
func.func private @packed_tiles() attributes {
  a = #bwta.packed<planes = 2, tile_rows = 16>,
  b = #bwta.packed<planes = 2, tile_words = 8>,
  c = #bwta.packed<tile_words = 4, tile_rows = 8, k_order = msb_first, word = 64, planes = 4>}
