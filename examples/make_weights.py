#!/usr/bin/env python3
"""Writes the weights of examples/bwta-linear.mlir as a safetensors file.

usage: python3 examples/make_weights.py OUT.safetensors

The values are deterministic (numpy Generator, seed 2024), so every run
writes the same file and the example prints the same numbers.

Layout (names are what the `bwta.weight` ops in the model refer to):

  example.input  F32 [4, 32]   four tokens of a 32-wide hidden state
  fc1.weight     I8  [48, 32]  binary levels {-1, +1} (sign of a float matrix)
  fc1.scale      F32 [48]      alpha per output channel: mean |W| of the row
  fc1.bias       F32 [48]
  fc2.weight     I8  [8, 48]   balanced 2-bit levels {-2..2} (W2*)
  fc2.scale      F32 [8, 3]    one scale per group of 16 input features
"""
import sys

import numpy as np
from safetensors.numpy import save_file

D_IN, HIDDEN, D_OUT, TOKENS, GROUP = 32, 48, 8, 4, 16


def binary_layer(rng):
    """Binarize a float matrix the BWTA way: sign(W), alpha = mean |W|."""
    w = rng.standard_normal((HIDDEN, D_IN)).astype(np.float32)
    levels = np.where(w >= 0, 1, -1).astype(np.int8)
    alpha = np.abs(w).mean(axis=1).astype(np.float32)
    bias = (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)
    return levels, alpha, bias


def balanced_2bit_layer(rng):
    """Quantize a float matrix to 5 symmetric levels per group of GROUP."""
    w = rng.standard_normal((D_OUT, HIDDEN)).astype(np.float32)
    groups = w.reshape(D_OUT, HIDDEN // GROUP, GROUP)
    scale = (np.abs(groups).max(axis=2) / 2).astype(np.float32)
    levels = np.clip(np.rint(groups / scale[:, :, None]), -2, 2)
    return levels.reshape(D_OUT, HIDDEN).astype(np.int8), scale


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((TOKENS, D_IN)).astype(np.float32)
    w1, s1, b1 = binary_layer(rng)
    w2, s2 = balanced_2bit_layer(rng)
    save_file({
        "example.input": x,
        "fc1.weight": w1, "fc1.scale": s1, "fc1.bias": b1,
        "fc2.weight": w2, "fc2.scale": s2,
    }, sys.argv[1])


if __name__ == "__main__":
    main()
