#!/usr/bin/env bash
# Builds the runtime on its own and runs it on a GPU: bwta-gpu-smoke (the C API
# on PTX/CUBIN bundles, graph replay, the errors sessions must report), then
# bwta-bundle-info and bwta-run on the bundle it writes, checked with numpy.
# Not run by CI. Usage, from anywhere:
#   runtime/tests/gpu_smoke.sh [BUILD_DIR] [extra cmake arguments...]
# e.g. ... build-runtime -DBWTA_NLOHMANN_INCLUDE_DIR=DIR (DIR/nlohmann/json.hpp)
set -euo pipefail
runtime=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-runtime}
shift || true
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake "${generator[@]}" -S "$runtime" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" --parallel

work=$(mktemp -d)
echo "== bwta-gpu-smoke (files in $work)"
BWTA_PTXAS=${BWTA_PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)} \
  "$build/bin/bwta-gpu-smoke" "$work"
echo "== bwta-bundle-info"
"$build/bin/bwta-bundle-info" "$work/axpy.bwtab"
echo "== bwta-run"
"$build/bin/bwta-run" "$work/axpy.bwtab" --input a="$work/a.npy" \
  --input b="$work/b.npy" --output-dir "$work/out" --bench 200
"$build/bin/bwta-run" "$work/axpy.bwtab" --input a="$work/a.npy" \
  --input b="$work/b.npy" --output-dir "$work/out-graph" --graph
if python3 -c 'import numpy' 2>/dev/null; then
  python3 - "$work" <<'PY'
import sys, numpy as np
d = sys.argv[1]
a, b, w = (np.load(f"{d}/{n}.npy") for n in "abw")
for out in ("out", "out-graph"):
    c = np.load(f"{d}/{out}/c.npy")
    assert c.dtype == np.float32 and c.shape == a.shape, (c.dtype, c.shape)
    assert np.allclose(c, a + 2 * b - w, atol=1e-5), out
print("PASS bwta-run outputs equal a + 2b - w (numpy)")
PY
fi
echo "== gpu smoke: all passed"
