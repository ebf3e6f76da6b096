// A fixed threshold needs no Σ|x| fold before the lane walker's planes:
// the pass waits for all of the row's copies itself (cp.async.wait_group 0)
// before its first shared-memory read.
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu | FileCheck %s --check-prefixes=CHECK,TWO
// RUN: bwta-opt %s -bwta-btc-decompose=path=btc -bwta-pack-layout -cse -bwta-lower-to-gpu=quantize-lane-warps=1 | FileCheck %s --check-prefixes=CHECK,ONE

// CHECK-LABEL: gpu.func @quantize_pack(
// ONE-COUNT-4: nvvm.cp.async.commit.group
// TWO-COUNT-2: nvvm.cp.async.commit.group
// CHECK-NOT: llvm.load
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NOT: nvvm.cp.async.wait.group
// CHECK: llvm.load
// CHECK: llvm.inline_asm "set.ge.u32.f16x2 $0, $1, $2;"
// With two warps the row's one exchange (kept sum and popcounts) leaves
// the next row's on the same half of the scratch: a second barrier ends
// the row.
// TWO: "bar.sync $0, $1;"
// TWO: "bar.sync $0, $1;"
// TWO-NOT: "bar.sync
// ONE-NOT: "bar.sync
func.func @layer(%x: tensor<2048x1000xf16>) -> tensor<2048x24xf32> {
  %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<fixed, 0.25>>}
      : tensor<2048x1000xf16> -> tensor<2048x1000x!bwta.ternary>, tensor<2048xf32>
  %w = bwta.weight "w" : tensor<24x1000x!bwta.binary>
  %s = bwta.weight "s" : tensor<24xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s)
      : (tensor<2048x1000x!bwta.ternary>, tensor<24x1000x!bwta.binary>,
         tensor<2048xf32>, tensor<24xf32>) -> tensor<2048x24xf32>
  return %y : tensor<2048x24xf32>
}
