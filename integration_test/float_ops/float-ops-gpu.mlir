// REQUIRES: cuda
// Layers with float ops end to end on the GPU, against the CPU reference:
// BWTA attention (ternary Q·Kᵀ, softmax as float kernels, {0, 1} P ×
// ternary V) and a linear layer whose elementwise producer runs inside the
// activation quantize kernel (bwta.fusion) — at M = 1 inside the GEMV that
// quantizes its row itself. exp and tanh differ in their
// last bits between libdevice and the C library, hence a tolerance.
// RUN: rm -rf %t && %python %S/prepare_float_ops.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t --attention "2,1,77,64;3,37,77,40" --fusion "1,4100,700;3,300,700"
// RUN: %python %S/../linear/check_linear.py %t --bwta-run %bwta_tools/bwta-run | FileCheck %s
// RUN: %python %S/../linear/check_linear.py %t --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s

// CHECK: PASS attention_b2_l1_s77_d64: output0 float32 [2, 1, 64]
// CHECK: PASS attention_b3_l37_s77_d40: output0 float32 [3, 37, 40]
// CHECK: PASS fusion_m1_n4100_k700: output0 float32 [1, 4100]
// CHECK: PASS fusion_m3_n300_k700: output0 float32 [3, 300]
// CHECK: 4 passed, 0 failed
