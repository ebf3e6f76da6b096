// With identity calibration (s = 1, δ = 0, no rank-1 term, zero bias
// correction) bwta-distribution-correction leaves the float function
// unchanged bit for bit: the output bits are printed as i32 and compared.
// RUN: printf '{"version": 1, "layers": {"fc.weight": {"smooth": [1, 1, 1, 1, 1, 1, 1], "shift": [0, 0, 0, 0, 0, 0, 0], "bias_correction": [0, 0, 0, 0, 0]}}}' > %t.json
// RUN: bwta-opt %s -bwta-cpu-reference="weights=%S/Inputs/identity-weights.safetensors" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | grep -v base@ > %t.before
// RUN: bwta-opt %s -bwta-distribution-correction="calibration=%t.json" -bwta-cpu-reference="weights=%S/Inputs/identity-weights.safetensors" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | grep -v base@ > %t.after
// RUN: diff %t.before %t.after
// RUN: FileCheck %s < %t.after

// The printed data (the address line is dropped above):
// CHECK: {{^\[}}[{{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}, {{-?[0-9]+}}],

func.func private @printMemrefI32(memref<*xi32>)

func.func @main() {
  %x = arith.constant dense<[[0.5, -1.25, 3.0, 0.125, -0.75, 2.5, -0.0625], [1.5, 0.25, -2.0, 4.0, 0.375, -1.0, 0.875], [-3.5, 2.25, 0.5, -0.125, 1.75, 0.625, -2.5]]> : tensor<3x7xf32>
  %w = bwta.weight "fc.weight" : tensor<5x7xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<3x7xf32>, tensor<5x7xf32>) outs(%acc : tensor<3x5xf32>) -> tensor<3x5xf32>
  %be = tensor.empty() : tensor<3x5xi32>
  %bits = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<3x5xf32>) outs(%be : tensor<3x5xi32>) {
  ^bb0(%v: f32, %o: i32):
    %b = arith.bitcast %v : f32 to i32
    linalg.yield %b : i32
  } -> tensor<3x5xi32>
  %m = bufferization.to_buffer %bits : tensor<3x5xi32> to memref<3x5xi32>
  %u = memref.cast %m : memref<3x5xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}
