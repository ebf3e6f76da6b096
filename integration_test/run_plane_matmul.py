#!/usr/bin/env python3
"""GPU check of a bwta-lower-to-gpu plane-matmul kernel: fresh random bit
planes, packed in the #bwta.packed layout (docs/Semantics.md) by numpy,
the kernel run through CuPy's module loader, the int32 counts compared bit
for bit with numpy's AND-popcount.

usage: run_plane_matmul.py KERNEL(.ptx|.cubin) Pl Pr M N K --grid X Y Z --block T [--seed S]
"""
import argparse
import sys

import numpy as np


def pack(planes, tile_rows, tile_words=8, word=32):
    """[P, rows, K] bits -> [P][rowTiles][kTiles][tileRows][tileWords] u32, lsb_first."""
    p, rows, k = planes.shape
    words = -(-k // word)
    k_tiles = -(-words // tile_words)
    row_tiles = -(-rows // tile_rows)
    padded = np.zeros((p, row_tiles * tile_rows, k_tiles * tile_words * word), np.uint64)
    padded[:, :rows, :k] = planes
    bits = padded.reshape(p, row_tiles * tile_rows, k_tiles * tile_words, word)
    values = (bits << np.arange(word, dtype=np.uint64)).sum(axis=-1).astype(np.uint32)
    tiles = values.reshape(p, row_tiles, tile_rows, k_tiles, tile_words)
    return np.ascontiguousarray(tiles.transpose(0, 1, 3, 2, 4))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kernel")
    parser.add_argument("sizes", type=int, nargs=5, metavar="Pl Pr M N K")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--grid", type=int, nargs=3, required=True,
                        help="the bwta.grid the pass recorded")
    parser.add_argument("--block", type=int, required=True,
                        help="threads per block (bwta.block)")
    args = parser.parse_args()
    pl, pr, m, n, k = args.sizes
    import cupy

    rng = np.random.default_rng(args.seed)
    lhs = rng.integers(0, 2, (pl, m, k), dtype=np.uint64)
    rhs = rng.integers(0, 2, (pr, n, k), dtype=np.uint64)
    want = np.einsum("imk,jnk->ijmn", lhs.astype(np.int64), rhs.astype(np.int64)).astype(np.int32)

    module = cupy.RawModule(path=args.kernel)
    kernel = module.get_function("plane_matmul")
    a = cupy.asarray(pack(lhs, 16).ravel())
    b = cupy.asarray(pack(rhs, 8).ravel())
    out = cupy.full(pl * pr * m * n, -12345, dtype=cupy.int32)  # poison
    kernel(tuple(args.grid), (args.block, 1, 1), (a, b, out))
    cupy.cuda.Device().synchronize()
    got = cupy.asnumpy(out).reshape(pl, pr, m, n)
    bad = int((got != want).sum())
    print("plane_matmul %dx%d planes, M=%d N=%d K=%d: %d of %d counts differ"
          % (pl, pr, m, n, k, bad, want.size))
    if bad:
        idx = np.argwhere(got != want)[:5]
        for i in idx:
            print("  at", tuple(i), "got", got[tuple(i)], "want", want[tuple(i)])
        sys.exit(1)


if __name__ == "__main__":
    main()
