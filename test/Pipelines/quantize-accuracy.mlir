// bwta-quantize on a float linear layer, run by the CPU reference: the
// relative error against the float product (computed by a linalg.generic the
// pass does not touch) shrinks as the bits grow. Printed in per mille.
// RUN: bwta-opt %s -bwta-quantize="scheme=w8a8" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W8A8
// RUN: bwta-opt %s -bwta-quantize="scheme=w4a4" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W4A4
// RUN: bwta-opt %s -bwta-quantize="scheme=w2*a8" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W2STAR
// RUN: bwta-opt %s -bwta-quantize="scheme=w2a8" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W2A8
// RUN: bwta-opt %s -bwta-quantize="scheme=w2a8" -bwta-bit-balance -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W2STAR
// RUN: bwta-opt %s -bwta-quantize-pipeline="scheme=w2a8 balance=true" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=W2STAR
// RUN: bwta-opt %s -bwta-quantize-pipeline="scheme=bwta" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=BWTA
// RUN: bwta-opt %s -bwta-quantize="scheme=bwta" -bwta-btc-decompose -bwta-pack-layout -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s --check-prefix=BWTA

// A numpy model of the same quantizers gives 2, 45, 109 (W2*A8), 179 (W2A8)
// and 461 (BWTA) per mille. The checks are bands around those: more bits,
// less error, and bit balance beats plain W2 (see the W2A8 line).
// W8A8: {{^[0-4]$}}
// W4A4: {{^[3-5][0-9]$}}
// W2STAR: {{^1[01][0-9]$}}
// W2A8: {{^1[6-9][0-9]$}}
// BWTA: {{^4[5-7][0-9]$}}

func.func private @printI64(i64)
func.func private @printNewline()

#id = affine_map<(i, j) -> (i, j)>

// Bell-shaped pseudo-random values: the mean of three sines of a scrambled
// index, one of them shared by x and w so that the product has a signal.
func.func @values(%seed: f32) -> tensor<16x96xf32> {
  %e = tensor.empty() : tensor<16x96xf32>
  %v = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<16x96xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c97 = arith.constant 97 : index
    %r = arith.muli %i, %c97 : index
    %l = arith.addi %r, %j : index
    %li = arith.index_cast %l : index to i64
    %lf = arith.sitofp %li : i64 to f32
    %shared = arith.constant 1.37 : f32
    %stretch = arith.constant 2.3 : f32
    %third = arith.constant 3.0 : f32
    %a0 = arith.mulf %lf, %shared : f32
    %a1 = arith.mulf %lf, %seed : f32
    %seed2 = arith.mulf %seed, %stretch : f32
    %a2 = arith.mulf %lf, %seed2 : f32
    %s0 = math.sin %a0 : f32
    %s1 = math.sin %a1 : f32
    %s2 = math.sin %a2 : f32
    %t = arith.addf %s0, %s1 : f32
    %u = arith.addf %t, %s2 : f32
    %m = arith.divf %u, %third : f32
    linalg.yield %m : f32
  } -> tensor<16x96xf32>
  return %v : tensor<16x96xf32>
}

func.func @main() {
  %sx = arith.constant 0.61 : f32
  %sw = arith.constant 0.29 : f32
  %x = func.call @values(%sx) : (f32) -> tensor<16x96xf32>
  %w = func.call @values(%sw) : (f32) -> tensor<16x96xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  // Quantized by the pass.
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<16x96xf32>, tensor<16x96xf32>) outs(%acc : tensor<16x16xf32>) -> tensor<16x16xf32>
  // The float reference, as a generic the pass leaves alone.
  %ref = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<16x96xf32>, tensor<16x96xf32>) outs(%acc : tensor<16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x16xf32>
  // Σ (y − ref)² and Σ ref², then the relative error in per mille.
  %e0 = tensor.empty() : tensor<f32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %err = linalg.generic {indexing_maps = [#id, #id, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%y, %ref : tensor<16x16xf32>, tensor<16x16xf32>) outs(%z0 : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %acc0: f32):
    %d = arith.subf %a, %b : f32
    %d2 = arith.mulf %d, %d : f32
    %r = arith.addf %acc0, %d2 : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %norm = linalg.generic {indexing_maps = [#id, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%ref : tensor<16x16xf32>) outs(%z0 : tensor<f32>) {
  ^bb0(%b: f32, %acc0: f32):
    %b2 = arith.mulf %b, %b : f32
    %r = arith.addf %acc0, %b2 : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %ev = tensor.extract %err[] : tensor<f32>
  %nv = tensor.extract %norm[] : tensor<f32>
  %ratio = arith.divf %ev, %nv : f32
  %rel = math.sqrt %ratio : f32
  %thousand = arith.constant 1000.0 : f32
  %pm = arith.mulf %rel, %thousand : f32
  %pmi = arith.fptosi %pm : f32 to i64
  func.call @printI64(%pmi) : (i64) -> ()
  func.call @printNewline() : () -> ()
  return
}
