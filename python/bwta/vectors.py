"""Shared test vectors: python's quantizers against the compiler's CPU reference.

`write(dir)` writes, for every case of `cases()`,

- `vectors.safetensors`: the inputs `NAME.x` (f32), static parameters
  `NAME.scale_in` / `NAME.zero_point_in`, and the expected results of
  `bwta.quant.quantize`: `NAME.levels` (i32), `NAME.scale` (f32) and
  `NAME.zero_point` (i32);
- `vectors.json`: the cases (level type and scheme in MLIR spelling);
- `quantize.mlir`: a program that reads the inputs with `bwta.weight`,
  runs `bwta.quantize` on each and prints levels, scale bits and zero points.

`check(dir, bwta_opt, mlir_runner)` runs that program through
`bwta-opt --bwta-cpu-reference` and `mlir-runner` and compares every printed
value with the file, bit for bit (scales as their f32 bit patterns).

    python -m bwta.vectors DIR [--check] [--bwta-opt BIN] [--mlir-runner BIN]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

from .quant import BINARY, INT, TERNARY, QType, Scheme, Threshold, quantize


@dataclass
class Case:
    name: str
    qtype: QType
    scheme: Scheme
    x: np.ndarray
    scale: Optional[np.ndarray] = None  # static quantization when set
    zero_point: Optional[np.ndarray] = None


def _inputs(name: str, shape) -> np.ndarray:
    """Values over six orders of magnitude (so that sum orders matter), with
    zeros, negative zeros and an outlier; seeded by the case name."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    x = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)
    flat = x.reshape(-1)
    flat[:3] = [0.0, -0.0, 0.0]
    flat[rng.integers(0, flat.size)] *= 100.0
    return x.astype(np.float32)


def _static_scale(name, shape, scheme):
    """A positive power-of-two f32 scale per granule."""
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 1)
    return np.asarray(2.0 ** rng.integers(-3, 3, scheme.param_shape(shape)), dtype=np.float32)


GRANULARITIES = (
    Scheme("per_tensor"), Scheme("per_token"), Scheme("per_channel"),
    Scheme("per_group", 100), Scheme("per_group", 384), Scheme("per_group", 32),
)
SHAPES = ((3, 77), (2, 5, 600), (3, 300))


def cases() -> list:
    """Every level type, granularity, mode and threshold policy, dynamic and
    static, on granules of 32 to 1,800 values (1 to 8 lane chunks)."""
    out = []

    def add(qtype, scheme, shape, static=False):
        name = f"c{len(out)}"
        x = _inputs(name, shape)
        c = Case(name, qtype, scheme, x)
        if static:
            c.scale = _static_scale(name, shape, scheme)
            if scheme.mode == "asymmetric":
                rng = np.random.default_rng(zlib.crc32(name.encode()) + 2)
                c.zero_point = np.asarray(rng.integers(qtype.qmin, qtype.qmax + 1,
                                                       scheme.param_shape(shape)), dtype=np.int32)
            # exact .5 multiples of the scale: roundeven ties
            s = np.broadcast_to(_expand_np(c.scale, shape, scheme), shape)
            ties = (np.arange(x.size).reshape(shape) % 7 - 3) + 0.5
            c.x = np.where(np.arange(x.size).reshape(shape) % 2 == 0, x,
                           (ties * s).astype(np.float32)).astype(np.float32)
        out.append(c)

    g = 0
    for qtype in (BINARY, TERNARY):
        for scheme in GRANULARITIES:
            add(qtype, scheme, SHAPES[g % 3])
            g += 1
    for policy, factor in (("mean_abs", 0.7), ("mean_abs", 1.3), ("max_abs", 0.25), ("fixed", 0.05)):
        for scheme in GRANULARITIES[:4]:
            th = Scheme(scheme.granularity, scheme.group_size, threshold=Threshold(policy, factor))
            add(TERNARY, th, SHAPES[g % 3])
            g += 1
    for signedness in ("signed", "unsigned", "balanced"):
        for bits in range(1, 9):
            qt = INT(bits, signedness)
            for mode in ("symmetric", "asymmetric"):
                if mode == "symmetric" and qt.qmax <= 0:
                    continue
                base = GRANULARITIES[g % len(GRANULARITIES)]
                add(qt, Scheme(base.granularity, base.group_size, mode), SHAPES[g % 3])
                g += 1
    for qt, scheme in ((INT(4), Scheme("per_token")), (INT(8, "unsigned"), Scheme("per_group", 100, "asymmetric")),
                       (INT(2, "balanced"), Scheme("per_channel", mode="asymmetric")),
                       (INT(3), Scheme("per_tensor", mode="asymmetric")),
                       (BINARY, Scheme("per_token")), (TERNARY, Scheme("per_token")),
                       (TERNARY, Scheme("per_group", 32)),
                       (TERNARY, Scheme("per_token", threshold=Threshold("mean_abs", 0.7)))):
        add(qt, scheme, SHAPES[g % 3], static=True)
        g += 1
    return out


def _expand_np(p, shape, scheme):
    p = np.asarray(p)
    if p.ndim == 0:
        return np.broadcast_to(p, shape)
    if scheme.granularity == "per_group":
        return p[..., np.arange(shape[-1]) // scheme.group_size]
    return np.broadcast_to(p[..., None], shape)


def expected(case: Case):
    scale = None if case.scale is None else torch.from_numpy(case.scale)
    zp = None if case.zero_point is None else torch.from_numpy(case.zero_point)
    q, s, z = quantize(torch.from_numpy(case.x), case.qtype, case.scheme, scale, zp)
    return q.numpy(), s.numpy().astype(np.float32), None if z is None else z.numpy()


# ----------------------------------------------------------------------------
# The MLIR program
# ----------------------------------------------------------------------------

def _ttype(shape, elem):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def _id_map(rank):
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({dims})>"


def _convert(lines, value, shape, src, dst, op):
    """A linalg.generic applying `op` (fptosi / bitcast) elementwise."""
    out = f"{value}_{dst}"
    m = _id_map(len(shape))
    iters = ", ".join(['"parallel"'] * len(shape))
    lines += [
        f"  {out}_e = tensor.empty() : {_ttype(shape, dst)}",
        f"  {out} = linalg.generic {{indexing_maps = [{m}, {m}], iterator_types = [{iters}]}}",
        f"      ins({value} : {_ttype(shape, src)}) outs({out}_e : {_ttype(shape, dst)}) {{",
        f"  ^bb0(%v: {src}, %u: {dst}):",
        f"    %r = arith.{op} %v : {src} to {dst}",
        f"    linalg.yield %r : {dst}",
        f"  }} -> {_ttype(shape, dst)}",
    ]
    return out


def _print(lines, value, shape):
    lines += [
        f"  {value}_m = bufferization.to_buffer {value} : {_ttype(shape, 'i32')} to memref<"
        + "".join(f"{d}x" for d in shape) + "i32>",
        f"  {value}_u = memref.cast {value}_m : memref<" + "".join(f"{d}x" for d in shape)
        + "i32> to memref<*xi32>",
        f"  func.call @printMemrefI32({value}_u) : (memref<*xi32>) -> ()",
    ]


def mlir_program(all_cases) -> str:
    lines = ["// Generated by bwta.vectors: bwta.quantize on the shared test vectors.",
             "func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}",
             "", "func.func @main() {"]
    for c in all_cases:
        shape = c.x.shape
        pshape = c.scheme.param_shape(shape)
        v = f"%{c.name}"
        lines.append(f"  // {c.name}: {c.qtype.mlir} {c.scheme.mlir}{' static' if c.scale is not None else ''}")
        lines.append(f'  {v}_x = bwta.weight "{c.name}.x" : {_ttype(shape, "f32")}')
        operands = ""
        if c.scale is not None:
            lines.append(f'  {v}_si = bwta.weight "{c.name}.scale_in" : {_ttype(pshape, "f32")}')
            operands += f" scale({v}_si : {_ttype(pshape, 'f32')})"
            if c.zero_point is not None:
                body = np.array2string(c.zero_point, separator=",", threshold=10**9).replace("\n", "")
                lines.append(f"  {v}_zi = arith.constant dense<{body}> : {_ttype(pshape, 'i32')}")
                operands += f" zero_point({v}_zi : {_ttype(pshape, 'i32')})"
        static = c.scale is not None
        results = [f"{v}_q"] + ([] if static else [f"{v}_s"])
        rtypes = [_ttype(shape, c.qtype.mlir)] + ([] if static else [_ttype(pshape, "f32")])
        if c.scheme.mode == "asymmetric" and not static:
            results.append(f"{v}_z")
            rtypes.append(_ttype(pshape, "i32"))
        lines.append(f"  {', '.join(results)} = bwta.quantize {v}_x{operands} {{scheme = {c.scheme.mlir}}}"
                     f" : {_ttype(shape, 'f32')} -> {', '.join(rtypes)}")
        lines.append(f"  {v}_one = arith.constant dense<1.0> : tensor<f32>")
        lines.append(f"  {v}_d = bwta.dequantize {v}_q, {v}_one : {_ttype(shape, c.qtype.mlir)}, tensor<f32>"
                     f" -> {_ttype(shape, 'f32')}")
        _print(lines, _convert(lines, f"{v}_d", shape, "f32", "i32", "fptosi"), shape)
        if not static:
            _print(lines, _convert(lines, f"{v}_s", pshape, "f32", "i32", "bitcast"), pshape)
            if c.scheme.mode == "asymmetric":
                _print(lines, f"{v}_z", pshape)
    lines += ["  return", "}", ""]
    return "\n".join(lines)


def write(directory, all_cases=None) -> list:
    """Writes vectors.safetensors, vectors.json and quantize.mlir; returns the cases."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    all_cases = cases() if all_cases is None else all_cases
    tensors, manifest = {}, []
    for c in all_cases:
        q, s, z = expected(c)
        tensors[f"{c.name}.x"] = c.x
        tensors[f"{c.name}.levels"] = q.astype(np.int32)
        tensors[f"{c.name}.scale"] = np.array(s, dtype=np.float32)
        if c.scale is not None:
            tensors[f"{c.name}.scale_in"] = c.scale
        if c.zero_point is not None:
            tensors[f"{c.name}.zero_point_in"] = c.zero_point
        if z is not None:
            tensors[f"{c.name}.zero_point"] = z.astype(np.int32)
        manifest.append({"name": c.name, "type": c.qtype.mlir, "scheme": c.scheme.mlir,
                         "static": c.scale is not None, "shape": list(c.x.shape)})
    save_file(tensors, str(directory / "vectors.safetensors"))
    (directory / "vectors.json").write_text(json.dumps({"version": 1, "cases": manifest}, indent=1) + "\n")
    (directory / "quantize.mlir").write_text(mlir_program(all_cases))
    return all_cases


# ----------------------------------------------------------------------------
# Running the CPU reference
# ----------------------------------------------------------------------------

def find_tools(bwta_opt=None, mlir_runner=None):
    """bwta-opt and mlir-runner: arguments, then $BWTA_OPT / $MLIR_RUNNER, then
    the repository's build/bin and $PATH. Missing tools come back as None."""
    repo = Path(__file__).resolve().parents[2]
    bwta_opt = bwta_opt or os.environ.get("BWTA_OPT")
    if not bwta_opt:
        built = repo / "build" / "bin" / "bwta-opt"
        bwta_opt = str(built) if built.exists() else shutil.which("bwta-opt")
    mlir_runner = mlir_runner or os.environ.get("MLIR_RUNNER") or shutil.which("mlir-runner")
    if not mlir_runner:
        prefix = os.environ.get("LLVM_PREFIX", "/usr/lib/llvm-22")
        candidate = Path(prefix) / "bin" / "mlir-runner"
        mlir_runner = str(candidate) if candidate.exists() else None
    return bwta_opt, mlir_runner


def run_mlir(program, weights, bwta_opt, mlir_runner, passes=()) -> str:
    """`bwta-opt PROGRAM PASSES... --bwta-cpu-reference=weights=W | mlir-runner`:
    the program's printed output. Raises RuntimeError with bwta-opt's message."""
    libdir = Path(mlir_runner).resolve().parent.parent / "lib"
    libs = ",".join(str(libdir / f) for f in ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))
    lowered = subprocess.run([bwta_opt, str(program), *passes, f"--bwta-cpu-reference=weights={weights}"],
                             capture_output=True, text=True)
    if lowered.returncode:
        raise RuntimeError(f"bwta-opt failed on {program}:\n{lowered.stderr}")
    return subprocess.run([mlir_runner, "-e", "main", "-entry-point-result=void", f"-shared-libs={libs}"],
                          input=lowered.stdout, check=True, capture_output=True, text=True).stdout


def run_reference(directory, bwta_opt, mlir_runner) -> list:
    """Runs quantize.mlir on vectors.safetensors; returns the printed arrays in order."""
    directory = Path(directory)
    ran = run_mlir(directory / "quantize.mlir", directory / "vectors.safetensors", bwta_opt, mlir_runner)
    arrays = []
    for block in ran.split("Unranked Memref")[1:]:
        sizes = re.search(r"sizes = \[([^\]]*)\]", block).group(1)
        shape = tuple(int(d) for d in sizes.split(",") if d.strip())
        data = block.split("data =", 1)[1]
        values = np.array([int(v) for v in re.findall(r"-?\d+", data)], dtype=np.int64)
        arrays.append(values.astype(np.int32).reshape(shape))
    return arrays


def check(directory, bwta_opt, mlir_runner) -> list:
    """Mismatches between the CPU reference and vectors.safetensors (empty: bit-exact)."""
    directory = Path(directory)
    manifest = json.loads((directory / "vectors.json").read_text())["cases"]
    want = load_file(str(directory / "vectors.safetensors"))
    got = iter(run_reference(directory, bwta_opt, mlir_runner))
    problems = []
    for c in manifest:
        fields = ["levels"] + ([] if c["static"] else ["scale"])
        if not c["static"] and f"{c['name']}.zero_point" in want:
            fields.append("zero_point")
        for field in fields:
            w = want[f"{c['name']}.{field}"]
            if field == "scale":
                w = w.view(np.int32)
            g = next(got, None)
            if g is None or g.shape != w.shape:
                problems.append(f"{c['name']} {field}: no output or wrong shape")
                continue
            bad = int(np.sum(g != w))
            if bad:
                problems.append(f"{c['name']} {field} ({c['type']} {c['scheme']}): "
                                f"{bad} of {w.size} differ")
    if next(got, None) is not None:
        problems.append("the reference printed more arrays than expected")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("directory")
    ap.add_argument("--check", action="store_true", help="run the CPU reference and compare")
    ap.add_argument("--bwta-opt")
    ap.add_argument("--mlir-runner")
    args = ap.parse_args(argv)
    all_cases = write(args.directory)
    print(f"wrote {len(all_cases)} cases to {args.directory}")
    if not args.check:
        return 0
    bwta_opt, runner = find_tools(args.bwta_opt, args.mlir_runner)
    if not bwta_opt or not runner:
        print("error: bwta-opt or mlir-runner not found", file=sys.stderr)
        return 2
    problems = check(args.directory, bwta_opt, runner)
    for p in problems:
        print(p)
    print("bit-exact" if not problems else f"{len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
