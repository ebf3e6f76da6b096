#!/usr/bin/env python3
"""Runs the cases prepare_linear.py wrote on a GPU with bwta-run and
compares each output with the CPU reference: integer outputs must be equal;
float outputs are reported as the number of bit-identical elements and the
maximum relative error, which must stay within the tolerance of the dtype.
Needs only python3, numpy and the runtime (bwta-run), no MLIR.

usage: check_linear.py CASES_DIR --bwta-run PATH [--graph] [--rtol-f32 X]
           [--rtol-f16 X] [--device N] [CASE ...]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


def relative_error(got, want):
    """Largest |got - want| / |want| over the elements, with |want| floored at
    1e-3 of the largest |want| so that values near zero do not dominate."""
    got, want = got.astype(np.float64), want.astype(np.float64)
    scale = np.abs(want).max(initial=0.0)
    floor = max(1e-3 * scale, np.finfo(np.float64).tiny)
    return float((np.abs(got - want) / np.maximum(np.abs(want), floor)).max(initial=0.0))


def check(directory, args):
    """(passed, line) for the case in `directory`."""
    case = json.load(open(os.path.join(directory, "case.json")))
    name = case["name"]
    command = [args.bwta_run, os.path.join(directory, case["bundle"]),
               "--device", str(args.device)]
    for input_name, path in case["inputs"].items():
        command += ["--input", "%s=%s" % (input_name, os.path.join(directory, path))]
    if args.graph:
        command.append("--graph")
    if args.runs > 1:
        command += ["--runs", str(args.runs)]
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(command + ["--output-dir", out], capture_output=True, text=True)
        if result.returncode:
            return False, "FAIL %s: bwta-run failed (%d): %s" % (
                name, result.returncode, result.stderr.strip()[-2000:])
        lines = []
        passed = True
        for output_name, path in case["outputs"].items():
            want = np.load(os.path.join(directory, path))
            # bwta-run's file name for an output (docs/Bundle.md, Tools).
            file_name = re.sub(r"[^A-Za-z0-9._-]", "_", output_name) + ".npy"
            got = np.load(os.path.join(out, file_name))
            if got.dtype != want.dtype or got.shape != want.shape:
                return False, "FAIL %s: output %s is %s %s, the reference %s %s" % (
                    name, output_name, got.dtype, list(got.shape), want.dtype, list(want.shape))
            if want.dtype.kind in "iu":
                bad = int((got != want).sum())
                passed &= bad == 0
                lines.append("%s %s %s: %d of %d differ" % (
                    output_name, want.dtype, list(want.shape), bad, want.size))
                continue
            bits = np.uint32 if want.dtype == np.float32 else np.uint16
            same = int((got.view(bits) == want.view(bits)).sum())
            error = relative_error(got, want)
            rtol = args.rtol_f32 if want.dtype == np.float32 else args.rtol_f16
            passed &= bool(np.isfinite(got).all()) and error <= rtol
            lines.append("%s %s %s: %d of %d bit-exact, max rel err %.3g (tolerance %g)%s" % (
                output_name, want.dtype, list(want.shape), same, want.size, error, rtol,
                "" if np.isfinite(got).all() else ", NOT FINITE"))
    return passed, "%s %s: %s" % ("PASS" if passed else "FAIL", name, "; ".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases_dir")
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--bwta-run", required=True)
    parser.add_argument("--graph", action="store_true", help="run as a CUDA graph replay")
    parser.add_argument("--device", type=int, default=0)
    parser.add_argument("--runs", type=int, default=1,
                        help="runs back to back before the outputs are read")
    parser.add_argument("--rtol-f32", type=float, default=1e-5)
    parser.add_argument("--rtol-f16", type=float, default=2e-3)
    args = parser.parse_intermixed_args()
    if not os.access(args.bwta_run, os.X_OK):
        sys.exit("no bwta-run at %s (build the runtime: ninja bwta-run, or run_on_gpu.sh)"
                 % args.bwta_run)
    names = args.cases or sorted(
        entry for entry in os.listdir(args.cases_dir)
        if os.path.exists(os.path.join(args.cases_dir, entry, "case.json")))
    if not names:
        sys.exit("no cases in %s (run prepare_linear.py)" % args.cases_dir)
    failed = 0
    for name in names:
        passed, line = check(os.path.join(args.cases_dir, name), args)
        failed += not passed
        print(line, flush=True)
    print("%d passed, %d failed" % (len(names) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
