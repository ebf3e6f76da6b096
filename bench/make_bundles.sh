#!/usr/bin/env bash
# Makes bwta-bench's bundles on the development machine (it needs the MLIR
# build of bwta, not a GPU), then packs them to carry to the GPU machine.
#
#   bench/make_bundles.sh [OUT_DIR] [make_bundles.py options...]
#     e.g. bench/make_bundles.sh build-bench-bundles --schemes bwta --m 1,8
#
# Steps, per scheme and shape (bench/README.md):
#   1. bench/make_bundles.py: OUT_DIR/models/NAME.mlir and constant weights
#      OUT_DIR/weights/*.safetensors
#   2. bwta-opt NAME.mlir $BWTA_OPT_FLAGS -o OUT_DIR/lowered/NAME.mlir
#      (default: -bwta-btc-decompose -bwta-pack-layout -cse, then
#      -bwta-lower-to-gpu{chip}: the host form, docs/GPU.md; bwta-compile
#      compiles the kernels itself)
#   3. bwta-compile OUT_DIR/lowered/NAME.mlir --weights W.safetensors
#      -o OUT_DIR/bundles/NAME.bwtab
#   4. OUT_DIR/bundles.tgz of OUT_DIR/bundles (constant weights compress well)
# Environment: BWTA_OPT, BWTA_COMPILE (the tools; default: PATH, then
# build/bin), BWTA_CHIP (sm_90a), BWTA_OPT_FLAGS (replaces step 2's passes;
# quoted as in a shell).
# Stops at the first failing step and says which, with the tool's message.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-bench-bundles}
shift || true
chip=${BWTA_CHIP:-sm_90a}
default_flags="-bwta-btc-decompose -bwta-pack-layout -cse -bwta-lower-to-gpu=chip=$chip"
# Shell-style quoting, so that one pass can take several options:
# BWTA_OPT_FLAGS="... -bwta-lower-to-gpu='wgmma-min-m=0 split-k=2'".
mapfile -t flags < <(python3 -c 'import shlex, sys; print("\n".join(shlex.split(sys.argv[1])))' \
  "${BWTA_OPT_FLAGS:-$default_flags}")

find_tool() { # NAME VARIABLE-VALUE
  if [[ -n "$2" ]]; then echo "$2"; return; fi
  if command -v "$1" >/dev/null; then command -v "$1"; return; fi
  if [[ -x "$repo/build/bin/$1" ]]; then echo "$repo/build/bin/$1"; return; fi
  echo ""
}
fail() { echo "make_bundles.sh: $*" >&2; exit 1; }

python3 "$repo/bench/make_bundles.py" --out "$out" "$@"

opt=$(find_tool bwta-opt "${BWTA_OPT:-}")
compile=$(find_tool bwta-compile "${BWTA_COMPILE:-}")
[[ -n "$opt" ]] || fail "bwta-opt not found (build bwta, or set BWTA_OPT); the models are in $out/models"
[[ -n "$compile" ]] || fail "bwta-compile not found (set BWTA_COMPILE, or build it: ninja -C build bwta-compile); the models are in $out/models and the weights in $out/weights, ready for it"

mkdir -p "$out/lowered" "$out/bundles"
while read -r name model weights; do
  lowered="$out/lowered/$name.mlir"
  if ! log=$("$opt" "$model" "${flags[@]}" -o "$lowered" 2>&1); then
    fail "step 2 (bwta-opt ${flags[*]}) failed for $name:
$log"
  fi
  if ! log=$("$compile" "$lowered" --weights "$weights" -o "$out/bundles/$name.bwtab" 2>&1); then
    fail "step 3 (bwta-compile) failed for $name:
$log"
  fi
  echo "bundle $out/bundles/$name.bwtab"
done < "$out/models.txt"

tar czf "$out/bundles.tgz" -C "$out/bundles" .
echo "make_bundles.sh: $(wc -l < "$out/models.txt") bundles in $out/bundles, packed as $out/bundles.tgz ($(du -h "$out/bundles.tgz" | cut -f1))"
