#!/usr/bin/env python3
"""Writes the models and weights that bwta-bench's bundles are compiled from.

usage: make_bundles.py [--out DIR] [--schemes bwta,w2a8] [--m 1,8,...]
                       [--nk 4096x4096,...] [--out-dtype f16|f32]

For each scheme and shape, a one-layer model y = x · Wᵀ (x f16 [M, K],
y [M, N]) in the bwta dialect, taking the already-quantized form that
`bwta-opt -bwta-btc-decompose -bwta-pack-layout` starts from:

  bwta  ternary activations (per token, threshold 0.7 · mean |x|) × binary
        weights (per output channel) with scales and a bias: layer 1 of
        examples/bwta-linear.mlir
  w2a8  unsigned 8-bit activations (per token, asymmetric: scale and zero
        point) × signed 2-bit weights {-2..1} (one scale per output channel,
        no groups), no bias

and one safetensors file of constant weights per scheme and N×K (quantized
weights as I8 levels, docs/Dialect.md "bwta.weight"). Constant weights keep
bundles small to carry; bwta-bench overwrites every weight in device memory
with random data before timing. Pure Python (no numpy needed).

Writes DIR/models/bwta_<scheme>_M<m>_N<n>_K<k>.mlir,
DIR/weights/bwta_<scheme>_N<n>_K<k>.safetensors and DIR/models.txt (one
line per bundle: its name, model and weights), which make_bundles.sh reads.
"""
import argparse
import json
import os
import struct
import sys

SCHEMES = ("bwta", "w2a8")
DEFAULT_M = "1,8,64,512,2048,8192"
DEFAULT_NK = "4096x4096,11008x4096,4096x11008"


def model_text(scheme, m, n, k, out_dtype):
    x = f"tensor<{m}x{k}xf16>"
    y = f"tensor<{m}x{n}x{out_dtype}>"
    head = (f"// bwta-bench model (bench/make_bundles.py): scheme {scheme}, "
            f"y = x · Wᵀ with x [{m}, {k}], W [{n}, {k}].\n"
            f"func.func @forward(%x: {x} {{bwta.name = \"x\"}}) -> "
            f"({y} {{bwta.name = \"y\"}}) {{\n")
    if scheme == "bwta":
        body = f"""\
  %t, %st = bwta.quantize %x {{scheme = #bwta.scheme<granularity = per_token,
                              threshold = #bwta.threshold<mean_abs, 0.7>>}}
      : {x} -> tensor<{m}x{k}x!bwta.ternary>, tensor<{m}xf32>
  %w = bwta.weight "fc.weight" : tensor<{n}x{k}x!bwta.binary>
  %s = bwta.weight "fc.scale" : tensor<{n}xf32>
  %b = bwta.weight "fc.bias" : tensor<{n}xf32>
  %y = bwta.qmatmul %t, %w scales(%st, %s) bias(%b)
      : (tensor<{m}x{k}x!bwta.ternary>, tensor<{n}x{k}x!bwta.binary>,
         tensor<{m}xf32>, tensor<{n}xf32>, tensor<{n}xf32>) -> {y}
"""
    else:
        body = f"""\
  %q, %sq, %zq = bwta.quantize %x
      {{scheme = #bwta.scheme<granularity = per_token, mode = asymmetric>}}
      : {x} -> tensor<{m}x{k}x!bwta.int<8, unsigned>>, tensor<{m}xf32>, tensor<{m}xi32>
  %w = bwta.weight "fc.weight" : tensor<{n}x{k}x!bwta.int<2>>
  %s = bwta.weight "fc.scale" : tensor<{n}xf32>
  %y = bwta.qmatmul %q, %w scales(%sq, %s) lhs_zero_point(%zq)
      : (tensor<{m}x{k}x!bwta.int<8, unsigned>>, tensor<{n}x{k}x!bwta.int<2>>,
         tensor<{m}xf32>, tensor<{n}xf32>, tensor<{m}xi32>) -> {y}
"""
    return head + body + f"  return %y : {y}\n}}\n"


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, bytes)."""
    header, offset = {}, 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in tensors:
            f.write(data)


def weights(scheme, n, k):
    """Constant weights: a short repeating pattern of levels."""
    if scheme == "bwta":
        levels = bytes([1, 0xFF]) * (k // 2) + bytes([1]) * (k % 2)   # +1 -1 ...
        bias = struct.pack("<f", 0.0) * n
        extra = [("fc.bias", "F32", [n], bias)]
    else:
        pattern = bytes([0xFE, 0xFF, 0, 1])                          # -2 -1 0 1
        levels = (pattern * (k // 4 + 1))[:k]
        extra = []
    return [("fc.weight", "I8", [n, k], levels * n),
            ("fc.scale", "F32", [n], struct.pack("<f", 0.02) * n)] + extra


def int_list(text):
    values = [int(v) for v in text.split(",")]
    if not values or min(values) <= 0:
        raise ValueError(text)
    return values


def nk_list(text):
    pairs = []
    for item in text.split(","):
        n, k = item.split("x")
        pairs.append((int(n), int(k)))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="build-bench-bundles")
    parser.add_argument("--schemes", default=",".join(SCHEMES))
    parser.add_argument("--m", default=DEFAULT_M, type=int_list)
    parser.add_argument("--nk", default=DEFAULT_NK, type=nk_list)
    parser.add_argument("--out-dtype", default="f16", choices=("f16", "f32"))
    args = parser.parse_args()
    schemes = args.schemes.split(",")
    for scheme in schemes:
        if scheme not in SCHEMES:
            sys.exit(f"make_bundles.py: unknown scheme '{scheme}' "
                     f"(known: {', '.join(SCHEMES)})")
    os.makedirs(f"{args.out}/models", exist_ok=True)
    os.makedirs(f"{args.out}/weights", exist_ok=True)
    lines = []
    for scheme in schemes:
        for n, k in args.nk:
            wpath = f"{args.out}/weights/bwta_{scheme}_N{n}_K{k}.safetensors"
            write_safetensors(wpath, weights(scheme, n, k))
            for m in args.m:
                name = f"bwta_{scheme}_M{m}_N{n}_K{k}"
                mpath = f"{args.out}/models/{name}.mlir"
                with open(mpath, "w") as f:
                    f.write(model_text(scheme, m, n, k, args.out_dtype))
                lines.append(f"{name} {mpath} {wpath}")
    with open(f"{args.out}/models.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"make_bundles.py: {len(lines)} models in {args.out}/models, "
          f"weights in {args.out}/weights, list in {args.out}/models.txt")


if __name__ == "__main__":
    main()
