// The plane popcounts bwta-compile derives at compile time are the CPU
// reference's bwta.plane_popcount of the weight's planes (a separate
// lowering, counting words in the IR): the same numbers that weights.mlir
// and host-form.mlir find in their bundles. (The words themselves come from
// WeightResolver on both paths.)
// RUN: %python %S/Inputs/make_weights.py good %t.safetensors
// RUN: bwta-opt %s -bwta-cpu-reference="weights=%t.safetensors" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s

// host-form.mlir: w.popcount, w.popcount32.
// CHECK: sizes = [1, 5]
// CHECK-NEXT: {{\[}}[2, 2, 2, 2, 3]]
// CHECK: sizes = [1, 2, 5]
// CHECK-NEXT: {{\[}}{{\[}}[1, 1, 1, 1, 2],
// CHECK-NEXT: [1, 1, 1, 1, 1]]]
// weights.mlir: t.popcount ([plane][row]).
// CHECK: sizes = [2, 2]
// CHECK-NEXT: {{\[}}[2, 0],
// CHECK-NEXT: [1, 1]]
// weights.mlir: q.popcount ([plane][group][row]).
// CHECK: sizes = [3, 2, 3]
// CHECK-NEXT: {{\[}}{{\[}}[1, 0, 2],
// CHECK-NEXT: [1, 1, 2]],
// CHECK-NEXT: {{\[}}[2, 1, 0],
// CHECK-NEXT: [0, 1, 2]],
// CHECK-NEXT: {{\[}}[2, 0, 0],
// CHECK-NEXT: [0, 1, 2]]]

!w = tensor<5x40x!bwta.binary, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
!t = tensor<2x40x!bwta.ternary, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 2>>
!wp = tensor<1x5x40xi1, #bwta.packed<planes = 1, tile_rows = 8, tile_words = 8>>
!tp = tensor<2x2x40xi1, #bwta.packed<planes = 2, word = 64, k_order = msb_first, tile_rows = 2>>

func.func private @printMemrefI32(memref<*xi32>)

func.func @print(%x: tensor<*xi32>) {
  %m = bufferization.to_buffer %x : tensor<*xi32> to memref<*xi32>
  func.call @printMemrefI32(%m) : (memref<*xi32>) -> ()
  return
}

func.func @main() {
  %w = bwta.weight "w" : !w
  %wp = bwta.split_planes %w : !w -> !wp
  %wc = bwta.plane_popcount %wp : !wp -> tensor<1x5xi32>
  %wg = bwta.plane_popcount %wp {group_size = 32 : i64} : !wp -> tensor<1x2x5xi32>
  %t = bwta.weight "t" : !t
  %tp = bwta.split_planes %t : !t -> !tp
  %tc = bwta.plane_popcount %tp : !tp -> tensor<2x2xi32>
  %q = bwta.weight "q" : tensor<3x4x!bwta.int<2, balanced>>
  %qp = bwta.split_planes %q : tensor<3x4x!bwta.int<2, balanced>> -> tensor<3x3x4xi1>
  %qc = bwta.plane_popcount %qp {group_size = 2 : i64} : tensor<3x3x4xi1> -> tensor<3x2x3xi32>
  %a = tensor.cast %wc : tensor<1x5xi32> to tensor<*xi32>
  %b = tensor.cast %wg : tensor<1x2x5xi32> to tensor<*xi32>
  %c = tensor.cast %tc : tensor<2x2xi32> to tensor<*xi32>
  %d = tensor.cast %qc : tensor<3x2x3xi32> to tensor<*xi32>
  func.call @print(%a) : (tensor<*xi32>) -> ()
  func.call @print(%b) : (tensor<*xi32>) -> ()
  func.call @print(%c) : (tensor<*xi32>) -> ()
  func.call @print(%d) : (tensor<*xi32>) -> ()
  return
}
