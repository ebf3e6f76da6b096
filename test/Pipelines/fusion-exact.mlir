// The whole quantization pipeline on a float layer whose input comes from
// an elementwise producer (tanh): the producer and the activation quantizer
// end up in one bwta.fusion, the planes are decomposed and packed, and the
// result is bit for bit what the plain quantized layer (bwta-quantize alone)
// computes. The outputs are printed as their bit patterns and compared.
// RUN: bwta-opt %s -bwta-quantize-pipeline | FileCheck %s --check-prefix=IR
// RUN: bwta-opt %s -bwta-quantize="scheme=bwta" -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | grep -v base@ > %t.plain
// RUN: bwta-opt %s -bwta-quantize-pipeline -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | grep -v base@ > %t.pipeline
// RUN: diff %t.plain %t.pipeline
// RUN: FileCheck %s --check-prefix=OUT < %t.pipeline

// IR: bwta.fusion
// IR: math.tanh
// IR: bwta.quantize {{.*}} #bwta.packed<planes = 2
// IR: bwta.yield
// IR: bwta.plane_matmul
// IR: bwta.btc_epilogue
// OUT: {{^}}[{{\[}}{{-?[0-9]+}},

func.func private @printMemrefI32(memref<*xi32>)

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
  %ge = tensor.empty() : tensor<16x96xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<16x96xf32>) outs(%ge : tensor<16x96xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  } -> tensor<16x96xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x16xf32>) -> tensor<16x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%g, %w : tensor<16x96xf32>, tensor<16x96xf32>) outs(%acc : tensor<16x16xf32>) -> tensor<16x16xf32>
  %be = tensor.empty() : tensor<16x16xi32>
  %bits = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<16x16xf32>) outs(%be : tensor<16x16xi32>) {
  ^bb0(%v: f32, %o: i32):
    %b = arith.bitcast %v : f32 to i32
    linalg.yield %b : i32
  } -> tensor<16x16xi32>
  %m = bufferization.to_buffer %bits : tensor<16x16xi32> to memref<16x16xi32>
  %u = memref.cast %m : memref<16x16xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}
