#!/usr/bin/env bash
# The main job on a built-in example: builds bwta-opt, writes the example
# weights, lowers examples/bwta-linear.mlir (a tiny BWTA MLP) with the
# bwta-cpu-reference pipeline and runs it with mlir-runner, which prints
# the model's output. Then compiles its first layer
# (examples/bwta-layer-gpu.mlir) to a GPU bundle with bwta-compile and, if
# there is a GPU, runs it with bwta-run.
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
bwta_build bwta-opt bwta-compile bwta-bundle-info bwta-run

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

if (($# == 2)); then
  exit 0
fi
bwta_log "Compiling the first layer to a GPU bundle"
host="$out/bwta-layer-gpu.host.mlir" bundle="$out/bwta-layer-gpu.bwtab"
"$BUILD_DIR/bin/bwta-opt" "$BWTA_ROOT/examples/bwta-layer-gpu.mlir" \
  -bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=chip=sm_90a -o "$host"
format=isa # PTX only (the driver JIT-compiles it) unless ptxas is here
if command -v ptxas >/dev/null || [[ -x /usr/local/cuda/bin/ptxas ]]; then
  format=both
fi
"$BUILD_DIR/bin/bwta-compile" "$host" --weights "$weights" --format="$format" -o "$bundle"
"$BUILD_DIR/bin/bwta-bundle-info" "$bundle" | sed -n '1,2p;/^kernels/,/^quantization/p'
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  bwta_log "Running it on the GPU with bwta-run"
  "$BUILD_DIR/bin/bwta-run" "$bundle" --input "x=$weights:example.input" --output-dir "$out"
  python3 -c "import numpy, sys; print(numpy.load(sys.argv[1]))" "$out/output0.npy"
else
  bwta_log "No GPU here: the bundle is ready for a GPU machine (bwta-run $bundle --input x=...); the CPU reference above is this machine's result"
fi
