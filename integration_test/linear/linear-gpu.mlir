// REQUIRES: cuda
// Whole linear layers end to end on the GPU: every scheme (bwta, w2a8,
// w4a4, w2*a8, plane counts) at a decode and a prefill M, f32 and f16,
// against the CPU reference. The full set (M = 1, 3, 8, 64, 2048) is the
// command of integration_test/README.md.
// RUN: rm -rf %t && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t --quick
// RUN: %python %S/check_linear.py %t --bwta-run %bwta_tools/bwta-run | FileCheck %s
// RUN: %python %S/check_linear.py %t --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s

// Decode (M = 1) layers run as one quantizing GEMV (the quantizer inside
// each block), 4100 columns in 129 blocks of 4 column tiles.
// RUN: rm -rf %t.decode && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.decode --schemes bwta,w2a8 --ms 1 --nk 4100x700,264x4096 --dtypes f16
// RUN: %python %S/check_linear.py %t.decode --bwta-run %bwta_tools/bwta-run | FileCheck %s --check-prefix=DECODE
// RUN: %python %S/check_linear.py %t.decode --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s --check-prefix=DECODE

// The BWTA wgmma GEMM's ping-pong configuration: by default from 264 output
// tiles of 128 × 128 (1100 × 3896: per-row bulk stores; 1100 × 3900: element
// stores; 279 tiles, 2-3 per block, both warpgroups, both turn parities),
// and forced on a small layer (one tile per block), f32 and f16.
// RUN: rm -rf %t.pingpong && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.pingpong --schemes bwta --ms 1100 --nk 3896x700,3900x700 --dtypes f16
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.pingpong --schemes bwta --ms 300 --nk 520x1000 --dtypes f32,f16 --lower-options 'wgmma-specialized-min-tiles=1'
// RUN: %python %S/check_linear.py %t.pingpong --bwta-run %bwta_tools/bwta-run | FileCheck %s --check-prefix=PINGPONG
// RUN: %python %S/check_linear.py %t.pingpong --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s --check-prefix=PINGPONG

// The int8 path's wgmma GEMM in its ping-pong configuration: by default
// (1100 × 3896 × 700: 279 tiles of 128 × 128, 2-3 per block, both turn
// parities, bulk stores), and forced on small layers (one tile per block;
// f32 bulk stores, f16 element stores: N = 2740).
// RUN: rm -rf %t.int8pp && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.int8pp --paths int8 --schemes w2a8 --ms 1100 --nk 3896x700 --dtypes f16
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.int8pp --paths int8 --schemes w2a8,w4a8 --ms 300 --nk 520x1000,2740x700 --dtypes f32,f16 --lower-options 'int8-wgmma-pingpong=1'
// RUN: %python %S/check_linear.py %t.int8pp --bwta-run %bwta_tools/bwta-run | FileCheck %s --check-prefix=INT8PP
// RUN: %python %S/check_linear.py %t.int8pp --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s --check-prefix=INT8PP

// The lane walker of the activation quantizer (forced from M = 1): two
// warps per row by default (K = 1000 and 2056 end inside a K tile; the
// f32 2056 one needs exactly 48 KiB of dynamic shared memory, which with
// the module's static byte must be opted into), four on the mma.sync path.
// RUN: rm -rf %t.lanes && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.lanes --schemes bwta --ms 200 --nk 300x1000,264x2056 --dtypes f32,f16 --lower-options 'quantize-warp-min-m=1'
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.lanes --schemes bwta --ms 150 --nk 264x4096 --dtypes f16 --lower-options 'quantize-warp-min-m=1 quantize-lane-warps=4 wgmma-min-m=100000'
// RUN: %python %S/check_linear.py %t.lanes --bwta-run %bwta_tools/bwta-run | FileCheck %s --check-prefix=LANES
// RUN: %python %S/check_linear.py %t.lanes --bwta-run %bwta_tools/bwta-run --graph | FileCheck %s --check-prefix=LANES

// The quantizer overlapped with its wgmma GEMM (wgmma-overlap, row-block
// signals): ping-pong (600 × 3896: 5 row blocks, bulk stores; 700 × 4100 ×
// 4096: the quantizer's rows beside 8 GEMM slots), forced on a small layer
// (f32 and f16), and the pipelined kernel; three runs back to back, so the
// signals the GEMM zeroes are reused.
// RUN: rm -rf %t.overlap && %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.overlap --schemes bwta --ms 600 --nk 3896x700 --dtypes f16 --lower-options 'wgmma-overlap=1'
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.overlap --schemes bwta --ms 700 --nk 4100x4096 --dtypes f16 --lower-options 'wgmma-overlap=1'
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.overlap --schemes bwta --ms 300 --nk 520x1000 --dtypes f32,f16 --lower-options 'wgmma-overlap=1 wgmma-specialized-min-tiles=1'
// RUN: %python %S/prepare_linear.py --tools %bwta_tools --mlir-runner %llvm_tools/mlir-runner --out %t.overlap --schemes bwta --ms 200 --nk 520x1000 --dtypes f16 --lower-options 'wgmma-overlap=1 wgmma-specialized=false'
// RUN: %python %S/check_linear.py %t.overlap --bwta-run %bwta_tools/bwta-run --runs 3 | FileCheck %s --check-prefix=OVERLAP
// RUN: %python %S/check_linear.py %t.overlap --bwta-run %bwta_tools/bwta-run --runs 3 --graph | FileCheck %s --check-prefix=OVERLAP

// CHECK: PASS bwta_m3_n300_k700:
// CHECK: PASS counts_m64_n300_k700: output0 int32 [2, 1, 64, 300]: 0 of 38400 differ
// CHECK: PASS w4a4_m64_n300_k700_f16:
// CHECK: 14 passed, 0 failed
// DECODE: PASS bwta_m1_n4100_k700_f16: output0 float16 [1, 4100]: 4100 of 4100 bit-exact
// DECODE: 4 passed, 0 failed
// PINGPONG: PASS bwta_m1100_n3896_k700_f16: output0 float16 [1100, 3896]: 4285600 of 4285600 bit-exact
// PINGPONG: 4 passed, 0 failed
// INT8PP: PASS w2a8_m1100_n3896_k700_f16_int8:
// INT8PP: 9 passed, 0 failed
// LANES: PASS bwta_m200_n264_k2056:
// LANES: 5 passed, 0 failed
// OVERLAP: PASS bwta_m600_n3896_k700_f16: output0 float16 [600, 3896]: 2337600 of 2337600 bit-exact
// OVERLAP: 5 passed, 0 failed
