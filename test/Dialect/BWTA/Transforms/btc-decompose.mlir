// RUN: bwta-opt %s -split-input-file -bwta-btc-decompose | FileCheck %s
// RUN: bwta-opt %s -split-input-file -bwta-btc-decompose="report-costs" -verify-diagnostics -o /dev/null
// RUN: not bwta-opt %s -bwta-btc-decompose="path=xor" 2>&1 | FileCheck %s --check-prefix=BADPATH
// RUN: not bwta-opt %s -bwta-btc-decompose="binary-pops=0" 2>&1 | FileCheck %s --check-prefix=BADRATE

// BADPATH: bwta-btc-decompose: path must be auto, btc or int8, got 'xor'
// BADRATE: bwta-btc-decompose: binary-pops, int8-pops and bandwidth-tbs must be positive

// BWTA linear: ternary (2 planes) × binary (1 plane) = 2 plane matmuls.
// CHECK-LABEL: func.func @ternary_binary
// CHECK-SAME: (%[[X:.*]]: tensor<3x77x!bwta.ternary>, %[[W:.*]]: tensor<5x77x!bwta.binary>, %[[SX:.*]]: tensor<3xf32>, %[[SW:.*]]: tensor<5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: %[[XP:.*]] = bwta.split_planes %[[X]] : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
// CHECK: %[[WP:.*]] = bwta.split_planes %[[W]] : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
// CHECK: %[[P:.*]] = bwta.plane_matmul %[[XP]], %[[WP]] : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x5xi32>
// CHECK: %[[A:.*]] = bwta.plane_popcount %[[XP]] : tensor<2x3x77xi1> -> tensor<2x3xi32>
// CHECK: %[[C:.*]] = bwta.plane_popcount %[[WP]] : tensor<1x5x77xi1> -> tensor<1x5xi32>
// CHECK: bwta.btc_epilogue %[[P]], %[[A]], %[[C]] scales(%[[SX]], %[[SW]]) bias(%[[B]]) k = 77 for !bwta.ternary, !bwta.binary
// CHECK-NOT: bwta.qmatmul
func.func @ternary_binary(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<3x5xf32> {
  // expected-remark @+1 {{btc 0.00 us (2 plane pairs), int8 0.00 us: btc (cost model)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) bias(%b) : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Attention Q·Kᵀ: ternary × ternary = 4 plane pairs, batched.
// CHECK-LABEL: func.func @ternary_ternary_batched
// CHECK: bwta.plane_matmul {{.*}} : tensor<2x4x3x9xi1>, tensor<2x4x6x9xi1> -> tensor<2x2x4x3x6xi32>
// CHECK: bwta.plane_popcount {{.*}} -> tensor<2x4x3xi32>
// CHECK: bwta.plane_popcount {{.*}} -> tensor<2x4x6xi32>
// CHECK: bwta.btc_epilogue {{.*}} k = 9 for !bwta.ternary, !bwta.ternary {{.*}} -> tensor<4x3x6xf16>
func.func @ternary_ternary_batched(%q: tensor<4x3x9x!bwta.ternary>, %k: tensor<4x6x9x!bwta.ternary>, %sq: tensor<4x3xf32>, %sk: tensor<4x6xf32>) -> tensor<4x3x6xf16> {
  // expected-remark @+1 {{(4 plane pairs)}}
  %y = bwta.batch_qmatmul %q, %k scales(%sq, %sk) : (tensor<4x3x9x!bwta.ternary>, tensor<4x6x9x!bwta.ternary>, tensor<4x3xf32>, tensor<4x6xf32>) -> tensor<4x3x6xf16>
  return %y : tensor<4x3x6xf16>
}

// -----

// W2A8 at M = 2048, N = K = 4096: 16 plane pairs are slower than one int8
// GEMM (about 107 vs 36 us at the mma.sync and IGMMA rates of an H200), so
// the op stays and is marked int8.
// At M = 1 the layer is memory-bound and the planes win.
// CHECK-LABEL: func.func @w2a8_by_shape
// CHECK: bwta.qmatmul {{.*}} {path = #bwta.path<int8>} : {{.*}} -> tensor<2048x4096xf32>
// CHECK: bwta.btc_epilogue {{.*}} rhs_zero_point({{.*}}) k = 4096 for !bwta.int<8>, !bwta.int<2, unsigned> {{.*}} -> tensor<1x4096xf32>
func.func @w2a8_by_shape(%x: tensor<2048x4096x!bwta.int<8>>, %x1: tensor<1x4096x!bwta.int<8>>, %w: tensor<4096x4096x!bwta.int<2, unsigned>>, %sx: tensor<2048xf32>, %sx1: tensor<1xf32>, %sw: tensor<4096xf32>, %zw: tensor<4096xi32>) -> (tensor<2048x4096xf32>, tensor<1x4096xf32>) {
  // expected-remark @+1 {{btc 106.75 us (16 plane pairs), int8 35.61 us: int8 (cost model)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) : (tensor<2048x4096x!bwta.int<8>>, tensor<4096x4096x!bwta.int<2, unsigned>>, tensor<2048xf32>, tensor<4096xf32>, tensor<4096xi32>) -> tensor<2048x4096xf32>
  // expected-remark @+1 {{: btc (cost model)}}
  %y1 = bwta.qmatmul %x1, %w scales(%sx1, %sw) rhs_zero_point(%zw) : (tensor<1x4096x!bwta.int<8>>, tensor<4096x4096x!bwta.int<2, unsigned>>, tensor<1xf32>, tensor<4096xf32>, tensor<4096xi32>) -> tensor<1x4096xf32>
  return %y, %y1 : tensor<2048x4096xf32>, tensor<1x4096xf32>
}

// -----

// Mid-size M: the int8 path reads the weights as bytes (int8_tiles), 4×
// the 2-bit planes, so at M = 64 the 16 plane pairs still win; from about
// M = 128 the int8 GEMM does (measured on the H200 the same way: BTC at
// M = 64 23.9 µs against 25.2 on int8, int8 at M = 128 25.0 against 35.6).
// CHECK-LABEL: func.func @w2a8_mid
// CHECK: bwta.btc_epilogue {{.*}} -> tensor<64x4096xf32>
// CHECK: bwta.qmatmul {{.*}} {path = #bwta.path<int8>} : {{.*}} -> tensor<128x4096xf32>
func.func @w2a8_mid(%x: tensor<64x4096x!bwta.int<8>>, %x2: tensor<128x4096x!bwta.int<8>>, %w: tensor<4096x4096x!bwta.int<2, unsigned>>, %sx: tensor<64xf32>, %sx2: tensor<128xf32>, %sw: tensor<4096xf32>, %zw: tensor<4096xi32>) -> (tensor<64x4096xf32>, tensor<128x4096xf32>) {
  // expected-remark @+1 {{btc 3.34 us (16 plane pairs), int8 4.21 us: btc (cost model)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) rhs_zero_point(%zw) : (tensor<64x4096x!bwta.int<8>>, tensor<4096x4096x!bwta.int<2, unsigned>>, tensor<64xf32>, tensor<4096xf32>, tensor<4096xi32>) -> tensor<64x4096xf32>
  // expected-remark @+1 {{: int8 (cost model)}}
  %y2 = bwta.qmatmul %x2, %w scales(%sx2, %sw) rhs_zero_point(%zw) : (tensor<128x4096x!bwta.int<8>>, tensor<4096x4096x!bwta.int<2, unsigned>>, tensor<128xf32>, tensor<4096xf32>, tensor<4096xi32>) -> tensor<128x4096xf32>
  return %y, %y2 : tensor<64x4096xf32>, tensor<128x4096xf32>
}

// -----

// An explicit path attribute wins over the cost model. Grouped scales
// decompose into per-group counts.
// CHECK-LABEL: func.func @respects_path_and_groups
// CHECK: bwta.qmatmul {{.*}} {path = #bwta.path<int8>}
// CHECK: bwta.plane_matmul %{{.*}}, %{{.*}} {group_size = 32 : i64} : tensor<2x3x77xi1>, tensor<1x5x77xi1> -> tensor<2x1x3x3x5xi32>
// CHECK: bwta.plane_popcount %{{.*}} {group_size = 32 : i64} : tensor<2x3x77xi1> -> tensor<2x3x3xi32>
// CHECK: bwta.plane_popcount %{{.*}} {group_size = 32 : i64} : tensor<1x5x77xi1> -> tensor<1x3x5xi32>
// CHECK: bwta.btc_epilogue {{.*}} k = 77 for !bwta.ternary, !bwta.binary {group_size = 32 : i64}
func.func @respects_path_and_groups(%x: tensor<3x77x!bwta.ternary>, %w: tensor<5x77x!bwta.binary>, %sx: tensor<3xf32>, %sw: tensor<5xf32>, %sg: tensor<5x3xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  // expected-remark @+1 {{: int8 (path attribute)}}
  %y = bwta.qmatmul %x, %w scales(%sx, %sw) {path = #bwta.path<int8>} : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  // expected-remark @+1 {{: btc (cost model)}}
  %g = bwta.qmatmul %x, %w scales(%sx, %sg) {group_size = 32} : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>, tensor<3xf32>, tensor<5x3xf32>) -> tensor<3x5xf32>
  return %y, %g : tensor<3x5xf32>, tensor<3x5xf32>
}
