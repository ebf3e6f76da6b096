#!/usr/bin/env bash
# On a GPU machine without MLIR: builds the runtime on its own and checks
# the cases prepare_linear.py wrote (integration_test/README.md).
#
# usage: run_on_gpu.sh CASES_DIR NLOHMANN_INCLUDE_DIR [check_linear.py options]
#   NLOHMANN_INCLUDE_DIR holds nlohmann/json.hpp; the runtime is built in
#   $BWTA_RUNTIME_BUILD (default: a fresh temporary directory).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
cases=$1 json=$2
shift 2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BWTA_RUNTIME_BUILD:-$(mktemp -d)}
mkdir -p "$build"
log=$build/build.log
if ! { cmake -S "$root/runtime" -B "$build" -DCMAKE_BUILD_TYPE=Release \
         -DBWTA_NLOHMANN_INCLUDE_DIR="$json" &&
       cmake --build "$build" -j "$(nproc)"; } > "$log" 2>&1; then
  tail -40 "$log" >&2
  echo "building the runtime failed (log: $log)" >&2
  exit 1
fi
exec python3 "$root/integration_test/linear/check_linear.py" "$cases" \
  --bwta-run "$build/bin/bwta-run" "$@"
