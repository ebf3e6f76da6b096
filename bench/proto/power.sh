#!/bin/bash
# BGMMA throughput vs operand data (random / all-zero / all-one bit planes), with
# SM clock and power sampled every 100 ms.  Timing only (no checks, no cuBLAS).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
OUT=${OUT:-/tmp/proto_out}; mkdir -p "$OUT"
B=build-proto/bwta_proto
V=diag_ws_128x128_computeonly,diag_ws_128x256_computeonly,wg_ss_128x128_bk1_s6_sw32_nofence
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_throttle_reasons.active \
  --format=csv,noheader -lms 100 > "$OUT/smi.txt" &
SMI=$!
for d in rand zero ones; do
  echo "== $d $(date +%H:%M:%S.%N)"
  DENSITY=$d NOCHECK=1 NOCUBLAS=1 REPS=120 timeout 120 $B bench 8192 4096 4096 $V 64 | grep RESULT
  echo "== end $d $(date +%H:%M:%S.%N)"
done 2>&1 | tee "$OUT/power.txt"
kill $SMI
awk -F', ' '{print $2, $3, $5}' "$OUT/smi.txt" | sort | uniq -c | sort -rn | head -12
