#!/usr/bin/env python3
"""Writes the end-to-end GPU cases of layers with float ops between the
quantized matmuls: float models quantized by bwta-quantize-pipeline, random
inputs, the CPU reference output (bwta-cpu-reference under mlir-runner,
printed bit for bit) and the bundle (bwta-compile). check_linear.py runs them
on a GPU.

- attention: Q·Kᵀ, softmax, P·V (ternary Q, K, V; {0, 1} probabilities);
  softmax runs as float kernels;
- fusion: a linear layer whose input is an elementwise producer,
  tanh((x + r) · g), which bwta-pack-layout groups with the activation
  quantizer (bwta.fusion) and the GPU computes inside the quantize kernel.

exp and tanh are libdevice's on the GPU and the C library's on the CPU, so
outputs may differ in the last bits (within --rtol-f32) though every
integer product is exact.

usage: prepare_float_ops.py --tools BUILD/bin --out DIR [--kinds attention,fusion]
           [--attention B,L,S,D;...] [--fusion M,N,K;...]
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
ATTENTION_SHAPES = [(2, 1, 77, 64), (3, 37, 77, 40), (2, 300, 300, 64)]
# (M, N, K) of the fused layer: decode and prefill, N and K off the tiles.
FUSION_SHAPES = [(1, 300, 700), (64, 300, 700)]


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
""", {"q": q, "k": kv, "v": kv}, out


def fusion_model(m, n, k):
    x, out = "tensor<%dx%dxf32>" % (m, k), "tensor<%dx%dxf32>" % (m, n)
    g, w = "tensor<%dxf32>" % k, "tensor<%dx%dxf32>" % (n, k)
    return f"""func.func @forward(%x: {x} {{bwta.name = "x"}}, %r: {x} {{bwta.name = "r"}},
                    %g: {g} {{bwta.name = "g"}}) -> {out} {{
  %e = tensor.empty() : {x}
  %h = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}}
      ins(%x, %r, %g : {x}, {x}, {g}) outs(%e : {x}) {{
  ^bb0(%a: f32, %b: f32, %c: f32, %unused: f32):
    %sum = arith.addf %a, %b : f32
    %scaled = arith.mulf %sum, %c : f32
    %t = math.tanh %scaled : f32
    linalg.yield %t : f32
  }} -> {x}
  %w = bwta.weight "fc.weight" : {w}
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : {out}
  %acc = linalg.fill ins(%zero : f32) outs(%oe : {out}) -> {out}
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%h, %w : {x}, {w}) outs(%acc : {out}) -> {out}
  return %y : {out}
}}
""", {"x": x, "r": x, "g": g}, out


def reference_main(input_types, out):
    """@main: @forward on the weights named like its inputs; prints the f32
    bits of the result."""
    shape = re.match(r"tensor<((?:\d+x)+)", out).group(1)
    bits = "tensor<%si32>" % shape
    loads = "\n".join('  %%%s = bwta.weight "%s" : %s' % (name, name, type)
                      for name, type in input_types.items())
    args = ", ".join("%" + name for name in input_types)
    types = ", ".join(input_types.values())
    return f"""
func.func private @printMemrefI32(memref<*xi32>)
func.func @main() {{
{loads}
  %y = func.call @forward({args}) : ({types}) -> {out}
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
    """The attribute aliases and ops of a printed `module { ... }`, to add
    @main beside them."""
    lines = text.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("module")), None)
    if start is None or lines[-1] != "}":
        raise RuntimeError("bwta-opt printed an unexpected module:\n" + text[:400])
    return "\n".join(lines[:start] + lines[start + 1:-1]) + "\n"


def prepare(case, args):
    kind, shape = case
    rng = np.random.default_rng([args.seed, ["attention", "fusion"].index(kind), *shape])
    weights = {}
    if kind == "attention":
        b, l, s, d = shape
        name = "attention_b%d_l%d_s%d_d%d" % shape
        model, input_types, out_type = attention_model(b, l, s, d)
        inputs = {"q": rng.standard_normal((b, l, d)), "k": rng.standard_normal((b, s, d)),
                  "v": rng.standard_normal((b, s, d))}
    else:
        m, n, k = shape
        name = "fusion_m%d_n%d_k%d" % shape
        model, input_types, out_type = fusion_model(m, n, k)
        inputs = {"x": rng.standard_normal((m, k)), "r": rng.standard_normal((m, k)),
                  "g": rng.uniform(0.5, 1.5, k)}
        weights = {"fc.weight": rng.standard_normal((n, k)).astype(np.float32)}
    inputs = {key: value.astype(np.float32) for key, value in inputs.items()}
    directory = os.path.join(args.out, name)
    os.makedirs(directory, exist_ok=True)
    path = lambda f: os.path.join(directory, f)  # noqa: E731
    with open(path("model.mlir"), "w") as f:
        f.write(model)
    for key, value in inputs.items():
        np.save(path(key + ".npy"), value)
    write_safetensors(path("weights.safetensors"), weights)
    write_safetensors(path("reference_weights.safetensors"), {**weights, **inputs})

    # One quantized model for both sides: the reference runs it as is.
    quantized = run([args.tool("bwta-opt"), path("model.mlir"), "-bwta-quantize-pipeline"])
    with open(path("quantized.mlir"), "w") as f:
        f.write(quantized)
    lowered = run([args.tool("bwta-opt"), "-",
                   "-bwta-cpu-reference=weights=" + path("reference_weights.safetensors")],
                  input=module_body(quantized) + reference_main(input_types, out_type))
    printed = run([args.mlir_runner, "-e", "main", "-entry-point-result=void",
                   "-shared-libs=" + ",".join(args.runner_libs)], input=lowered)
    values = [int(v) for v in re.findall(r"-?\d+", printed.split("data =", 1)[1])]
    out_shape = [int(v) for v in re.match(r"tensor<((?:\d+x)+)", out_type).group(1).split("x")[:-1]]
    reference = np.array(values, np.int64).astype(np.uint32).view(np.float32).reshape(out_shape)
    np.save(path("reference.npy"), reference)
    os.remove(path("reference_weights.safetensors"))

    run([args.tool("bwta-compile"), path("quantized.mlir"), "--weights=" + path("weights.safetensors"),
         "-o", path("model.bwtab"), "--format=" + args.format])
    manifest = bundle_manifest(path("model.bwtab"))
    with open(path("case.json"), "w") as f:
        json.dump({"name": name, "scheme": kind, "shape": list(shape), "dtype": "f32",
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
    parser.add_argument("--kinds", default="attention,fusion")
    parser.add_argument("--attention", default=";".join(",".join(map(str, s)) for s in ATTENTION_SHAPES),
                        help="B,L,S,D;... (batch·heads, queries, keys, head size)")
    parser.add_argument("--fusion", default=";".join(",".join(map(str, s)) for s in FUSION_SHAPES),
                        help="M,N,K;...")
    parser.add_argument("--format", default="both", choices=["both", "isa"])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    find_runner(parser, args)
    cases = []
    for kind, dims in (("attention", 4), ("fusion", 3)):
        if kind not in args.kinds.split(","):
            continue
        for text in getattr(args, kind).split(";"):
            shape = tuple(int(v) for v in text.split(","))
            if len(shape) != dims:
                parser.error("--%s: each shape has %d numbers" % (kind, dims))
            cases.append((kind, shape))
    sys.exit(prepare_all(prepare, cases, args))

if __name__ == "__main__":
    main()
