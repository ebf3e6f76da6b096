#!/usr/bin/env python3
"""Writes the end-to-end GPU cases of BWTA attention: a float model
(Q·Kᵀ, softmax, P·V as linalg ops) quantized by bwta-quantize into ternary
Q, K, V and {0, 1} probabilities, random q, k, v, the CPU reference output
(bwta-cpu-reference under mlir-runner, printed bit for bit) and the bundle
(bwta-btc-decompose, bwta-pack-layout, bwta-compile). check_linear.py runs
them on a GPU.

Softmax's exp is libdevice's on the GPU and the C library's on the CPU, so
outputs may differ in the last bits (within --rtol-f32) though every
integer product is exact.

usage: prepare_attention.py --tools BUILD/bin --out DIR [--shapes B,L,S,D;...]
"""
import argparse
import json
import os
import re
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linear"))
from prepare_linear import (bundle_manifest, find_runner, prepare_all, run,  # noqa: E402
                            write_safetensors)

# (batch·heads, query rows L, keys S, head size D): decode (L = 1) and
# prefill, L, S and D off the tile sizes.
DEFAULT_SHAPES = [(2, 1, 77, 64), (3, 37, 77, 40), (2, 300, 300, 64)]


def attention_model(b, l, s, d):
    q, kv = "tensor<%dx%dx%dxf32>" % (b, l, d), "tensor<%dx%dx%dxf32>" % (b, s, d)
    scores, out = "tensor<%dx%dx%dxf32>" % (b, l, s), q
    maps = ("indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, "
            "affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]")
    return f"""func.func @forward(%q: {q} {{bwta.name = "q"}}, %k: {kv} {{bwta.name = "k"}},
                    %v: {kv} {{bwta.name = "v"}}) -> {out} {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : {scores}
  %acc = linalg.fill ins(%zero : f32) outs(%e : {scores}) -> {scores}
  %s = linalg.batch_matmul {maps} ins(%q, %k : {q}, {kv}) outs(%acc : {scores}) -> {scores}
  %pe = tensor.empty() : {scores}
  %p = linalg.softmax dimension(2) ins(%s : {scores}) outs(%pe : {scores}) -> {scores}
  %oe = tensor.empty() : {out}
  %oacc = linalg.fill ins(%zero : f32) outs(%oe : {out}) -> {out}
  %o = linalg.batch_matmul ins(%p, %v : {scores}, {kv}) outs(%oacc : {out}) -> {out}
  return %o : {out}
}}
""", q, kv, out


def reference_main(q, kv, out):
    """@main: @forward on the weights "q", "k", "v"; prints the f32 bits."""
    shape = re.match(r"tensor<((?:\d+x)+)", out).group(1)
    bits = "tensor<%si32>" % shape
    return f"""
func.func private @printMemrefI32(memref<*xi32>)
func.func @main() {{
  %q = bwta.weight "q" : {q}
  %k = bwta.weight "k" : {kv}
  %v = bwta.weight "v" : {kv}
  %y = func.call @forward(%q, %k, %v) : ({q}, {kv}, {kv}) -> {out}
  %e = tensor.empty() : {bits}
  %bits = linalg.map ins(%y : {out}) outs(%e : {bits})
    (%a: f32, %unused: i32) {{
      %c = arith.bitcast %a : f32 to i32
      linalg.yield %c : i32
    }}
  %m = bufferization.to_buffer %bits : {bits} to memref<{shape}i32>
  %u = memref.cast %m : memref<{shape}i32> to memref<*xi32>
  func.call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}}
"""


def module_body(text):
    """The ops of a printed `module { ... }`, to add @main beside them."""
    lines = text.strip().splitlines()
    if not (lines[0].startswith("module") and lines[-1] == "}"):
        raise RuntimeError("bwta-opt printed an unexpected module:\n" + text[:400])
    return "\n".join(lines[1:-1]) + "\n"


def prepare(shape, args):
    b, l, s, d = shape
    name = "attention_b%d_l%d_s%d_d%d" % shape
    directory = os.path.join(args.out, name)
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng([args.seed, b, l, s, d])
    model, q_type, kv_type, out_type = attention_model(b, l, s, d)
    inputs = {"q": rng.standard_normal((b, l, d)).astype(np.float32),
              "k": rng.standard_normal((b, s, d)).astype(np.float32),
              "v": rng.standard_normal((b, s, d)).astype(np.float32)}
    path = lambda f: os.path.join(directory, f)  # noqa: E731
    with open(path("model.mlir"), "w") as f:
        f.write(model)
    for key, value in inputs.items():
        np.save(path(key + ".npy"), value)
    write_safetensors(path("inputs.safetensors"), inputs)

    # One quantized model for both sides: the reference runs it as is.
    quantized = run([args.tool("bwta-opt"), path("model.mlir"), "-bwta-quantize"])
    with open(path("quantized.mlir"), "w") as f:
        f.write(quantized)
    lowered = run([args.tool("bwta-opt"), "-",
                   "-bwta-cpu-reference=weights=" + path("inputs.safetensors")],
                  input=module_body(quantized) + reference_main(q_type, kv_type, out_type))
    printed = run([args.mlir_runner, "-e", "main", "-entry-point-result=void",
                   "-shared-libs=" + ",".join(args.runner_libs)], input=lowered)
    values = [int(v) for v in re.findall(r"-?\d+", printed.split("data =", 1)[1])]
    reference = np.array(values, np.int64).astype(np.uint32).view(np.float32).reshape(b, l, d)
    np.save(path("reference.npy"), reference)
    os.remove(path("inputs.safetensors"))

    run([args.tool("bwta-opt"), path("quantized.mlir"), "-bwta-btc-decompose",
         "-bwta-pack-layout", "-cse", "-o", path("decomposed.mlir")])
    run([args.tool("bwta-compile"), path("decomposed.mlir"), "-o", path("model.bwtab"),
         "--format=" + args.format])
    manifest = bundle_manifest(path("model.bwtab"))
    with open(path("case.json"), "w") as f:
        json.dump({"name": name, "scheme": "attention", "shape": list(shape), "dtype": "f32",
                   "bundle": "model.bwtab",
                   "inputs": {i["name"]: i["name"] + ".npy" for i in manifest["inputs"]},
                   "outputs": {manifest["outputs"][0]["name"]: "reference.npy"}}, f)
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", required=True, help="directory with bwta-opt and bwta-compile")
    parser.add_argument("--out", required=True)
    parser.add_argument("--mlir-runner", default=shutil.which("mlir-runner"))
    parser.add_argument("--runner-lib-dir")
    parser.add_argument("--shapes", default=";".join(",".join(map(str, s)) for s in DEFAULT_SHAPES),
                        help="B,L,S,D;... (batch·heads, queries, keys, head size)")
    parser.add_argument("--format", default="both", choices=["both", "isa"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    find_runner(parser, args)
    shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";")]
    if any(len(s) != 4 for s in shapes):
        parser.error("--shapes: each shape is B,L,S,D")
    sys.exit(prepare_all(prepare, shapes, args))


if __name__ == "__main__":
    main()
