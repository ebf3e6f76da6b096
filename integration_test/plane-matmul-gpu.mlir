// REQUIRES: cuda
// Generated b1 MMA kernels, bit-exact on the GPU against numpy's
// AND-popcount, for shapes off every tile size, with the default (by shape)
// tiling and with one tile per warp.
// RUN: bwta-opt %S/plane_matmul.mlir -bwta-lower-to-gpu -bwta-gpu-binary="format=bin" -o %t.mlir
// RUN: %python %S/extract_binary.py %t.mlir %t.cubin
// RUN: %python %S/run_plane_matmul.py %t.cubin 2 3 37 21 700 --grid 1 1 1 --block 128 | FileCheck %s
// RUN: bwta-opt %S/plane_matmul.mlir -bwta-lower-to-gpu="warp-rows=1 warp-cols=1 block-warps-m=1 block-warps-n=1" -bwta-gpu-binary="format=bin" -o %t.one.mlir
// RUN: %python %S/extract_binary.py %t.one.mlir %t.one.cubin
// RUN: %python %S/run_plane_matmul.py %t.one.cubin 2 3 37 21 700 --grid 3 3 1 --block 32 | FileCheck %s

// CHECK: plane_matmul 2x3 planes, M=37 N=21 K=700: 0 of 4662 counts differ
