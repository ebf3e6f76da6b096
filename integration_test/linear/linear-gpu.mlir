// REQUIRES: cuda
// Whole linear layers end to end on the GPU: every scheme (bwta, w2a8,
// w4a4, w2*a8, plane counts) at a decode and a prefill M, f32 and f16,
// against the CPU reference. The full set (M = 1, 3, 8, 64, 2048) is the
// command of integration_test/README.md.
// RUN: rm -rf %t && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t --quick
// RUN: %python %S/check_linear.py %t --bwta-run %bwta_tools/bwta-run | FileCheck %s
// RUN: %python %S/check_linear.py %t --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s

// CHECK: PASS bwta_m3_n300_k700:
// CHECK: PASS counts_m64_n300_k700: output0 int32 [2, 1, 64, 300]: 0 of 38400 differ
// CHECK: PASS w4a4_m64_n300_k700_f16:
// CHECK: 14 passed, 0 failed
