// A module not yet in host form is lowered by bwta-lower-to-gpu first (for
// --chip); a chip that cannot run the kernels is the lowering's error.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: bwta-opt %s -bwta-btc-decompose -bwta-pack-layout -cse -o %t.mlir
// RUN: bwta-compile %t.mlir --weights=%t.safetensors -o %t.bwtab --format=isa
// RUN: bwta-bundle-info %t.bwtab | FileCheck %s
// RUN: %python %S/Inputs/dump_weights.py %t.bwtab | FileCheck %s --check-prefix=VALUES
// RUN: not bwta-compile %t.mlir --weights=%t.safetensors -o %t.sm70.bwtab --chip=sm_70 2>&1 | FileCheck %s --check-prefix=SM70

// CHECK: target: sm_90a
// CHECK: inputs (1):
// CHECK-NEXT: x {{ *}}f32 {{ *}}[1, 40]
// CHECK: weights (3):
// CHECK-DAG: w {{ *}}u32 {{ *}}[64] {{.*}}#bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>
// CHECK-DAG: w.plane_popcount {{ *}}i32 {{ *}}[5] {{.*}}plane_popcount
// CHECK-DAG: s {{ *}}f32 {{ *}}[5] {{.*}}row_major
// Decode (M = 1): one kernel quantizes x and runs the GEMV.
// CHECK: schedule (1 launches):
// CHECK-NEXT: 0: {{[a-z_0-9]+}}(x, w, w.plane_popcount, s, output0)

// The same words and counts as host-form.mlir's hand-written globals.
// VALUES-DAG: w u32: 1 2 0 0 0 0 0 0 2 4 0 0 0 0 0 0 4 8 0 0 0 0 0 0 8 16 0 0 0 0 0 0 48 32 0{{( 0)+$}}
// VALUES-DAG: w.plane_popcount i32: 2 2 2 2 3{{$}}
// VALUES-DAG: s f32: 0.5 1 1.5 2 2.5{{$}}

// SM70: error: bwta-lower-to-gpu: sm_70 cannot run binary AND-popcount MMA

func.func @layer(%x: tensor<1x40xf32> {bwta.name = "x"}) -> tensor<1x5xf32> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>}
      : tensor<1x40xf32> -> tensor<1x40x!bwta.ternary>, tensor<1xf32>
  %w = bwta.weight "w" : tensor<5x40x!bwta.binary>
  %s = bwta.weight "s" : tensor<5xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<1x40x!bwta.ternary>, tensor<5x40x!bwta.binary>, tensor<1xf32>, tensor<5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}
