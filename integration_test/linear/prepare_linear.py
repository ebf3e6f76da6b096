#!/usr/bin/env python3
"""Writes the end-to-end GPU cases of whole linear layers: for each scheme
and shape, a bwta model (quantize + weights + qmatmul with scales and bias),
random weights and input, the CPU reference output (bwta-cpu-reference under
mlir-runner, printed bit for bit) and the bundle (bwta-opt
-bwta-btc-decompose -bwta-pack-layout, then bwta-compile).

Needs MLIR (bwta-opt, bwta-compile, mlir-runner) and numpy, no GPU;
check_linear.py runs the cases on a GPU with only numpy and the runtime.

usage: prepare_linear.py --tools BUILD/bin --out DIR [--quick]
           [--schemes bwta,w2a8,...] [--ms 1,3,...] [--nk 300x700,...]
           [--dtypes f32,f16] [--paths btc,int8,auto] [--format both|isa] [--jobs N]
           [--seed S] [--keep]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import struct
import subprocess
import sys

import numpy as np

# Activation type, its quantize scheme, whether it has a zero point; weight
# type and its levels. Weights are symmetric (no zero point).
TERNARY = ("!bwta.ternary",
           "#bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>",
           False)
UINT8 = ("!bwta.int<8, unsigned>",
         "#bwta.scheme<granularity = per_token, mode = asymmetric>", True)
UINT4 = ("!bwta.int<4, unsigned>",
         "#bwta.scheme<granularity = per_token, mode = asymmetric>", True)
INT8 = ("!bwta.int<8>", "#bwta.scheme<granularity = per_token>", False)
SCHEMES = {
    # BWTA: ternary activations x binary weights.
    "bwta": (TERNARY, "!bwta.binary", [-1, 1]),
    "w2a8": (UINT8, "!bwta.int<2>", range(-2, 2)),
    "w4a4": (UINT4, "!bwta.int<4>", range(-8, 8)),
    # Balanced 2-bit weights {-2..2} (W2*).
    "w2star_a8": (UINT8, "!bwta.int<2, balanced>", range(-2, 3)),
    # Symmetric signed 8-bit activations (s8 x s8 on the int8 path).
    "w4a8": (INT8, "!bwta.int<4>", range(-8, 8)),
    # The plane counts alone (int32 output): ternary x binary planes.
    "counts": (TERNARY, "!bwta.binary", [-1, 1]),
}
DEFAULT_MS = [1, 3, 8, 64, 2048]
# N and K off every tile size (8 and 16 rows, 256-bit K tiles).
DEFAULT_NK = [(300, 700)]
# How bwta-btc-decompose treats the qmatmul: btc (plane matmuls), int8 (the
# int8 path) or auto (the cost model's choice, the default pipeline).
PATHS = ["btc", "int8", "auto"]


def linear_model(scheme, m, n, k, dtype):
    """The layer in the bwta dialect: @forward, input "x"."""
    (act, act_scheme, zero_point), weight, _ = SCHEMES[scheme]
    x = "tensor<%dx%dx%s>" % (m, k, dtype)
    qx = "tensor<%dx%dx%s>" % (m, k, act)
    w = "tensor<%dx%dx%s>" % (n, k, weight)
    lines = []
    results = "%q, %sq" + (", %zq" if zero_point else "")
    result_types = qx + ", tensor<%dxf32>" % m + (", tensor<%dxi32>" % m if zero_point else "")
    lines.append("  %s = bwta.quantize %%x {scheme = %s} : %s -> %s"
                 % (results, act_scheme, x, result_types))
    lines.append('  %%w = bwta.weight "fc.weight" : %s' % w)
    if scheme == "counts":
        out = "tensor<2x1x%dx%dxi32>" % (m, n)
        lines.append("  %%qp = bwta.split_planes %%q : %s -> tensor<2x%dx%dxi1>" % (qx, m, k))
        lines.append("  %%wp = bwta.split_planes %%w : %s -> tensor<1x%dx%dxi1>" % (w, n, k))
        lines.append("  %%y = bwta.plane_matmul %%qp, %%wp : tensor<2x%dx%dxi1>, "
                     "tensor<1x%dx%dxi1> -> %s" % (m, k, n, k, out))
    else:
        out = "tensor<%dx%dx%s>" % (m, n, dtype)
        vec = "tensor<%dxf32>" % n
        lines.append('  %%s = bwta.weight "fc.scale" : %s' % vec)
        lines.append('  %%b = bwta.weight "fc.bias" : %s' % vec)
        operands = "%q, %w scales(%sq, %s)" + (" lhs_zero_point(%zq)" if zero_point else "")
        types = [qx, w, "tensor<%dxf32>" % m, vec] + (["tensor<%dxi32>" % m] if zero_point else [])
        lines.append("  %%y = bwta.qmatmul %s bias(%%b) : (%s) -> %s"
                     % (operands, ", ".join(types + [vec]), out))
    body = "\n".join(lines)
    return ('func.func @forward(%%x: %s {bwta.name = "x"}) -> %s {\n%s\n  return %%y : %s\n}\n'
            % (x, out, body, out)), x, out


def reference_main(x_type, out_type):
    """@main: runs @forward on the weight "input" and prints the result's
    bits as i32 (f32 bitcast, f16 bitcast and zero-extended, i32 as is), so
    that nothing is rounded on the way."""
    shape = re.match(r"tensor<((?:\d+x)+)", out_type).group(1)
    bits = "tensor<%si32>" % shape
    element = out_type[-4:-1]
    body = {"f32": "%c = arith.bitcast %a : f32 to i32",
            "f16": "%h = arith.bitcast %a : f16 to i16\n      %c = arith.extui %h : i16 to i32",
            "i32": ""}[element]
    convert = ""
    if body:  # elementwise in linalg: arith.bitcast of a tensor is not bufferized
        convert = ("  %%e = tensor.empty() : %s\n"
                   "  %%bits = linalg.map ins(%%y : %s) outs(%%e : %s)\n"
                   "    (%%a: %s, %%unused: i32) {\n      %s\n      linalg.yield %%c : i32\n    }\n"
                   % (bits, out_type, bits, element, body))
    value = "%bits" if convert else "%y"
    return """
func.func private @printMemrefI32(memref<*xi32>)
func.func @main() {
  %%x = bwta.weight "input" : %s
  %%y = func.call @forward(%%x) : (%s) -> %s
%s  %%m = bufferization.to_buffer %s : %s to memref<%si32>
  %%u = memref.cast %%m : memref<%si32> to memref<*xi32>
  func.call @printMemrefI32(%%u) : (memref<*xi32>) -> ()
  return
}
""" % (x_type, x_type, out_type, convert, value, bits, shape, shape)


def write_safetensors(path, tensors):
    """tensors: name -> numpy array (f32, f16, i8)."""
    dtypes = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.int8): "I8"}
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtypes[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def bundle_manifest(path):
    """The manifest of a .bwtab bundle (docs/Bundle.md)."""
    data = open(path, "rb").read()
    for i in range(struct.unpack_from("<I", data, 12)[0]):
        kind, _, offset, size, _ = struct.unpack_from("<IIQQQ", data, 24 + 32 * i)
        if kind == 1:
            return json.loads(data[offset:offset + size])
    raise SystemExit("%s: no manifest" % path)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(command), result.returncode,
                                                    result.stderr[-4000:]))
    return result.stdout


def prepare(case, args):
    scheme, m, n, k, dtype, path = case
    name = "%s_m%d_n%d_k%d%s%s" % (scheme, m, n, k, "" if dtype == "f32" else "_" + dtype,
                                   "" if path == "btc" else "_" + path)
    directory = os.path.join(args.out, name)
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng([args.seed, m, n, k, list(SCHEMES).index(scheme),
                                 dtype == "f16"])
    model, x_type, out_type = linear_model(scheme, m, n, k, dtype)
    levels = np.array(list(SCHEMES[scheme][2]), np.int8)
    float_type = np.float16 if dtype == "f16" else np.float32
    x = rng.standard_normal((m, k)).astype(float_type)
    tensors = {
        "fc.weight": rng.choice(levels, (n, k)).astype(np.int8),
        "fc.scale": (rng.uniform(0.5, 1.5, n) / np.sqrt(k)).astype(np.float32),
        "fc.bias": rng.standard_normal(n).astype(np.float32),
        "input": x,
    }
    files = {key: os.path.join(directory, key) for key in
             ["model.mlir", "weights.safetensors", "decomposed.mlir", "model.bwtab",
              "input.npy", "reference.npy", "case.json"]}
    with open(files["model.mlir"], "w") as out:
        out.write(model)
    write_safetensors(files["weights.safetensors"], tensors)
    np.save(files["input.npy"], x)

    # The reference: the model as written (qmatmul), on the CPU.
    lowered = run([args.tool("bwta-opt"), "-",
                   "-bwta-cpu-reference=weights=" + files["weights.safetensors"]],
                  input=model + reference_main(x_type, out_type))
    printed = run([args.mlir_runner, "-e", "main", "-entry-point-result=void",
                   "-shared-libs=" + ",".join(args.runner_libs)], input=lowered)
    values = [int(v) for v in re.findall(r"-?\d+", printed.split("data =", 1)[1])]
    shape = [int(d) for d in re.match(r"tensor<((?:\d+x)+)", out_type).group(1).split("x")[:-1]]
    bits = np.array(values, np.int64).reshape(shape)
    if "xf32>" in out_type:
        reference = bits.astype(np.uint32).view(np.float32)
    elif "xf16>" in out_type:
        reference = bits.astype(np.uint16).view(np.float16)
    else:
        reference = bits.astype(np.int32)
    np.save(files["reference.npy"], reference)

    # The bundle: decomposed into plane matmuls (path=btc) or on the path
    # the case names, lowered and compiled.
    lower = []
    if args.lower_options:  # lowered here, so that the options apply
        lower = ["-bwta-lower-to-gpu=chip=sm_90a " + args.lower_options]
    run([args.tool("bwta-opt"), files["model.mlir"], "-bwta-btc-decompose=path=" + path,
         "-bwta-pack-layout", "-cse"] + lower + ["-o", files["decomposed.mlir"]])
    run([args.tool("bwta-compile"), files["decomposed.mlir"],
         "--weights=" + files["weights.safetensors"], "-o", files["model.bwtab"],
         "--format=" + args.format])
    if not args.keep:  # the largest file, and check_linear.py does not need it
        os.remove(files["weights.safetensors"])
    manifest = bundle_manifest(files["model.bwtab"])
    if len(manifest["inputs"]) != 1 or len(manifest["outputs"]) != 1:
        raise RuntimeError("%s: expected one input and one output" % files["model.bwtab"])
    with open(files["case.json"], "w") as out:
        json.dump({"name": name, "scheme": scheme, "m": m, "n": n, "k": k, "dtype": dtype,
                   "path": path,
                   "bundle": "model.bwtab",
                   "inputs": {manifest["inputs"][0]["name"]: "input.npy"},
                   "outputs": {manifest["outputs"][0]["name"]: "reference.npy"}}, out)
    return name


def find_runner(parser, args):
    """Checks --mlir-runner and sets args.runner_libs and args.tool."""
    if not args.mlir_runner:
        parser.error("mlir-runner not found: give --mlir-runner")
    lib_dir = args.runner_lib_dir or os.path.join(
        os.path.dirname(os.path.realpath(args.mlir_runner)), "..", "lib")
    args.runner_libs = [os.path.join(lib_dir, "lib%s.so" % lib)
                        for lib in ("mlir_runner_utils", "mlir_c_runner_utils")]
    for path in args.runner_libs:
        if not os.path.exists(path):
            parser.error("%s not found: give --runner-lib-dir" % path)
    args.tool = lambda name: os.path.join(args.tools, name)


def prepare_all(prepare, cases, args):
    """Runs prepare(case, args) for every case on args.jobs threads; prints
    one line per case and returns the exit status (1 if any failed)."""
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(prepare, case, args): case for case in cases}
        for future in concurrent.futures.as_completed(futures):
            try:
                print("prepared", future.result(), flush=True)
            except RuntimeError as error:
                failed += 1
                print("FAILED to prepare %s: %s" % (futures[future], error), flush=True)
    print("%d cases in %s, %d failed" % (len(cases) - failed, args.out, failed))
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tools", required=True, help="directory with bwta-opt and bwta-compile")
    parser.add_argument("--out", required=True, help="directory to write the cases into")
    parser.add_argument("--mlir-runner", default=shutil.which("mlir-runner"))
    parser.add_argument("--runner-lib-dir",
                        help="directory of libmlir_runner_utils (default: ../lib of mlir-runner)")
    parser.add_argument("--schemes", default=",".join(SCHEMES))
    parser.add_argument("--ms", default=",".join(map(str, DEFAULT_MS)))
    parser.add_argument("--nk", default=",".join("%dx%d" % nk for nk in DEFAULT_NK))
    parser.add_argument("--dtypes", default="f32",
                        help="input/output float types; f16 cases are added at M = 64 "
                             "unless --ms is given")
    parser.add_argument("--quick", action="store_true",
                        help="a small set: every scheme at M = 3 and 64, f16 at 64")
    parser.add_argument("--format", default="both", choices=["both", "isa"])
    parser.add_argument("--paths", default="btc",
                        help="comma-separated bwta-btc-decompose paths: %s" % ", ".join(PATHS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--keep", action="store_true",
                        help="keep each case's weights.safetensors (the reference's input too)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lower-options", default="",
                        help="bwta-lower-to-gpu options for the bundles (e.g. "
                             "'quantize-warp-min-m=1'); by default bwta-compile lowers "
                             "with the defaults")
    args = parser.parse_args()
    find_runner(parser, args)

    schemes = args.schemes.split(",")
    for scheme in schemes:
        if scheme not in SCHEMES:
            parser.error("unknown scheme %s (known: %s)" % (scheme, ", ".join(SCHEMES)))
    ms = [3, 64] if args.quick else [int(m) for m in args.ms.split(",")]
    nks = [tuple(int(v) for v in nk.split("x")) for nk in args.nk.split(",")]
    cases = [(s, m, n, k, "f32") for s in schemes for m in ms for n, k in nks]
    if "f16" in args.dtypes.split(",") or args.quick:
        f16_ms = [64] if args.quick or args.ms == parser.get_default("ms") else ms
        cases += [(s, m, n, k, "f16") for s in schemes if s != "counts"
                  for m in f16_ms for n, k in nks]
    if "f32" not in args.dtypes.split(",") and not args.quick:
        cases = [c for c in cases if c[4] != "f32"]
    paths = args.paths.split(",")
    for path in paths:
        if path not in PATHS:
            parser.error("unknown path %s (known: %s)" % (path, ", ".join(PATHS)))
    # The plane counts are a plane matmul: no qmatmul to put on a path.
    cases = [c + (p,) for c in cases for p in paths if p == "btc" or c[0] != "counts"]

    sys.exit(prepare_all(prepare, cases, args))


if __name__ == "__main__":
    main()
