// REQUIRES: cuda
// BWTA attention end to end on the GPU: ternary Q·Kᵀ, softmax (float
// kernels), {0, 1} P × ternary V, against the CPU reference. exp differs in
// its last bits between libdevice and the C library, hence a tolerance; the
// decode case (one query) is bit-exact on the H200.
// RUN: rm -rf %t && %python %S/prepare_attention.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t --shapes "2,1,77,64;3,37,77,40"
// RUN: %python %S/../linear/check_linear.py %t --bwta-run %bwta_tools/bwta-run | FileCheck %s
// RUN: %python %S/../linear/check_linear.py %t --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s

// CHECK: PASS attention_b2_l1_s77_d64: output0 float32 [2, 1, 64]
// CHECK: PASS attention_b3_l37_s77_d40: output0 float32 [3, 37, 40]
// CHECK: 2 passed, 0 failed
