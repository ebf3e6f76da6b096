#!/bin/bash
# Build (if the carried binary does not run) and run the BWTA GEMM prototypes on the H200.
#   bench/proto/run.sh            all checks + benchmarks, logs under $OUT (default /tmp/proto_out)
#   bench/proto/power.sh          BGMMA rate vs operand data with clocks/power (timing only)
# Findings: bench/proto/FINDINGS.md
# BGMMA rate / GEMM data-movement microbenchmark: bench/proto/bgmma_rate.cu (build line in
# its header; `bgmma_rate all` runs every variant, one device call).
# Build by hand:
#   nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xptxas -v \
#        -Xcompiler -ffp-contract=off -o build-proto/bwta_proto bench/proto/bwta_proto.cu -lcublas
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=${OUT:-/tmp/proto_out}
mkdir -p "$OUT" build-proto
BIN=build-proto/bwta_proto
LOG=$OUT/log.txt
: > "$LOG"
if ! $BIN list > /dev/null 2>&1; then
  echo "building on this machine" | tee -a "$LOG"
  nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xptxas -v -Xcompiler -ffp-contract=off \
    -o $BIN bench/proto/bwta_proto.cu -lcublas > "$OUT/ptxas.txt" 2>&1 || { cat "$OUT/ptxas.txt"; exit 1; }
fi
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu --format=csv | tee -a "$LOG"

# run_isolated CMD...: reruns CMD with EXCLUDE extended by the variant that crashed/hung.
run_isolated() {
  local ex="${EXCLUDE:-}" tries=0 rc
  while :; do
    EXCLUDE="$ex" timeout ${TMO:-150} "$@" > "$OUT/cur.txt" 2>&1
    rc=$?
    cat "$OUT/cur.txt" >> "$LOG"
    if [ $rc -eq 0 ] || [ $rc -eq 4 ] || [ $tries -ge 4 ]; then break; fi
    local last
    last=$(grep '^RUN ' "$OUT/cur.txt" | tail -1 | cut -d' ' -f2)
    [ -z "$last" ] && break
    echo "CRASHED/HUNG (rc=$rc) in $last: excluding it and rerunning" | tee -a "$LOG"
    ex="$ex,$last"
    tries=$((tries + 1))
  done
  echo "$ex" > "$OUT/excluded.txt"
}

run_isolated $BIN check
CHECKEX=$(cat "$OUT/excluded.txt")
# Variants that failed the exactness check are excluded from the benchmarks too.
FAILED=$(grep -E '^  [a-z0-9_]+ +FAIL' "$LOG" | awk '{print $1}' | sort -u | paste -sd, -)
export EXCLUDE="$CHECKEX,$FAILED"
echo "excluded from benchmarks: $EXCLUDE" | tee -a "$LOG"
for shape in "2048 4096 4096 all 1" "1 4096 4096 all 1" "64 4096 4096 all 1" "8192 4096 4096 all 8"; do
  TMO=200 run_isolated $BIN bench $shape
done
echo "================ SUMMARY ================"
grep -E "FAIL|MISMATCH|CRASH|cuBLAS|unwritten" "$LOG" | head -40
grep '^RESULT' "$LOG" | sed 's/^RESULT //' | sort -k1,1n -k7,7n
