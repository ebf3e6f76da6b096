// RUN: bwta-opt %s -bwta-cpu-reference | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils | FileCheck %s
//
// The CPU reference runs linalg.softmax (attention's P) through its
// decomposition. Rows whose results are exact in f32 whatever expf's last
// bit: equal entries give 1/8; a row whose other entries lie 1000 below its
// maximum gives exp(-1000) = 0, so a one-hot row.

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @main() {
  %s = arith.constant dense<[[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                             [-1000.0, -1000.0, 0.0, -1000.0, -1000.0, -1000.0, -1000.0, -1000.0],
                             [7.0, 7.0, 7.0, 7.0, -993.0, -993.0, -993.0, -993.0]]> : tensor<3x8xf32>
  %e = tensor.empty() : tensor<3x8xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<3x8xf32>) outs(%e : tensor<3x8xf32>) -> tensor<3x8xf32>
  %u = tensor.cast %p : tensor<3x8xf32> to tensor<*xf32>
  %m = bufferization.to_buffer %u : tensor<*xf32> to memref<*xf32>
  call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}
// CHECK: rank = 2 offset = 0 sizes = [3, 8]
// CHECK-NEXT: [0.125,   0.125,   0.125,   0.125,   0.125,   0.125,   0.125,   0.125]
// CHECK-NEXT: [0,   0,   1,   0,   0,   0,   0,   0]
// CHECK-NEXT: [0.25,   0.25,   0.25,   0.25,   0,   0,   0,   0]
