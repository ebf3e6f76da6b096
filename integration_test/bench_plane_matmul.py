#!/usr/bin/env python3
"""Times a bwta-lower-to-gpu plane-matmul kernel against cuBLAS FP16 (torch)
on the same M×N×K, in one process: CUDA events, warm-up, median of many
runs, fresh random data, weights rotated over > 512 MiB so L2 is cold.
Only the binary GEMM is timed here (no activation packing, no epilogue).

usage: bench_plane_matmul.py KERNEL.cubin Pl Pr M N K GX GY GZ THREADS
(the grid and block that bwta-lower-to-gpu recorded on the op)
"""
import sys

import cupy
import numpy as np
import torch


def median_us(fn, iters=200, warmup=20):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, end) * 1000)
    return float(np.median(times))


def main():
    path = sys.argv[1]
    pl, pr, m, n, k = map(int, sys.argv[2:7])
    grid = tuple(map(int, sys.argv[7:10]))
    block = int(sys.argv[10])
    kernel = cupy.RawModule(path=path).get_function("plane_matmul")
    row_tiles_m, row_tiles_n = -(-m // 16), -(-n // 8)
    k_tiles = -(-(-(-k // 32)) // 8)
    a_words = pl * row_tiles_m * k_tiles * 128
    b_words = pr * row_tiles_n * k_tiles * 64
    rotate = max(1, (512 << 20) // (b_words * 4) + 1)
    a = cupy.random.randint(0, 2**31, a_words, dtype=cupy.int64).astype(cupy.uint32)
    bs = [cupy.random.randint(0, 2**31, b_words, dtype=cupy.int64).astype(cupy.uint32)
          for _ in range(rotate)]
    out = cupy.empty(pl * pr * m * n, dtype=cupy.int32)
    state = {"i": 0}

    def ours():
        state["i"] = (state["i"] + 1) % rotate
        kernel(grid, (block, 1, 1), (a, bs[state["i"]], out))

    x = torch.randn(m, k, device="cuda", dtype=torch.float16)
    ws = [torch.randn(n, k, device="cuda", dtype=torch.float16)
          for _ in range(max(1, (512 << 20) // (n * k * 2) + 1))]
    tstate = {"i": 0}

    def cublas():
        tstate["i"] = (tstate["i"] + 1) % len(ws)
        torch.matmul(x, ws[tstate["i"]].t())

    t_ours, t_fp16 = median_us(ours), median_us(cublas)
    bit_ops = 2.0 * pl * pr * m * n * k
    print("%s grid=%s: " % (path.split("/")[-1], grid), end="")
    print("M=%d N=%d K=%d planes %dx%d: bwta plane_matmul %.2f us (%.1f TOPS bit), "
          "cuBLAS FP16 %.2f us, ratio %.2fx" % (m, n, k, pl, pr, t_ours,
          bit_ops / t_ours / 1e6, t_fp16, t_fp16 / t_ours))


if __name__ == "__main__":
    main()
