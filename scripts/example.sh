#!/usr/bin/env bash
# The main job on a built-in example: builds bwta-opt, writes the example
# weights, lowers examples/bwta-linear.mlir (a tiny BWTA MLP) with the
# bwta-cpu-reference pipeline and runs it with mlir-runner, which prints
# the model's output.
#
#   bash scripts/example.sh [MODEL.mlir WEIGHTS.safetensors]
#
# With arguments, runs your own model (its @main prints the result) on your
# own weights instead. Settings: see scripts/common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if (($# != 0 && $# != 2)); then
  sed -n '2,10p' "${BASH_SOURCE[0]}" >&2
  exit 2
fi

bwta_setup
bwta_configure
bwta_build bwta-opt

out="$BUILD_DIR/examples"
mkdir -p "$out"
if (($# == 2)); then
  model=$1 weights=$2
else
  model="$BWTA_ROOT/examples/bwta-linear.mlir"
  weights="$out/bwta-linear.safetensors"
  bwta_log "Writing the example weights to $weights"
  python3 "$BWTA_ROOT/examples/make_weights.py" "$weights"
fi

lowered="$out/$(basename "$model" .mlir).llvm.mlir"
bwta_log "Lowering $model with bwta-cpu-reference"
"$BUILD_DIR/bin/bwta-opt" "$model" --bwta-cpu-reference="weights=$weights" -o "$lowered"

bwta_log "Running it with mlir-runner"
"$LLVM_PREFIX/bin/mlir-runner" "$lowered" -e main -entry-point-result=void \
  -shared-libs="$LLVM_PREFIX/lib/libmlir_runner_utils.so,$LLVM_PREFIX/lib/libmlir_c_runner_utils.so"
