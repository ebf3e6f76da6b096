// The entry host function: the only one with bwta.num_outputs, or the one
// --entry names.
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: not bwta-compile %s -o %t.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=SEVERAL
// RUN: bwta-compile %s --entry=second -o %t.bwtab --format=isa
// RUN: bwta-bundle-info %t.bwtab | FileCheck %s
// RUN: not bwta-compile %s --entry=helper -o %t.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=HELPER
// RUN: not bwta-compile %s --entry=nope -o %t.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=NOPE
// RUN: echo "func.func @f() { return }" > %t.none.mlir
// RUN: not bwta-compile %t.none.mlir -o %t.bwtab --format=isa 2>&1 | FileCheck %s --check-prefix=NONE

// SEVERAL: error: 2 functions have bwta.num_outputs (@first, @second): choose one with --entry
// CHECK: outputs (1):
// CHECK-NEXT: out {{ *}}f32 {{ *}}[4]
// CHECK: schedule (1 launches):
// CHECK-NEXT: 0: copy(in, out) grid [1, 1, 1] block [4, 1, 1] shared 0
// HELPER: entry.mlir:[[@LINE+20]]:3: error: 'func.func' op has no bwta.num_outputs attribute: it is not a host function (run bwta-lower-to-gpu; docs/GPU.md)
// NOPE: error: no function @nope (--entry)
// NONE: error: no function has a bwta.num_outputs attribute: the module is not in host form (docs/GPU.md)

module attributes {gpu.container_module} {
  gpu.module @bwta_kernels [#nvvm.target<chip = "sm_90a">] {
    gpu.func @copy(%x: memref<4xf32>, %y: memref<4xf32>) kernel { gpu.return }
  }
  func.func @first(%y: memref<4xf32>) attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    gpu.launch_func @bwta_kernels::@copy blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%y : memref<4xf32>, %y : memref<4xf32>)
    return
  }
  func.func @second(%x: memref<4xf32> {bwta.name = "in"}, %y: memref<4xf32> {bwta.name = "out"})
      attributes {bwta.num_outputs = 1 : i64} {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @bwta_kernels::@copy blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>, %y : memref<4xf32>)
    return
  }
  func.func @helper(%y: memref<4xf32>) {
    return
  }
}
