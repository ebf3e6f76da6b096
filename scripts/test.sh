#!/usr/bin/env bash
# Installs what is missing, configures and builds bwta, and runs every test:
# the lit + FileCheck suites and the gtest unit tests (what the check-bwta
# target runs), then the Python package's pytest suite (python/tests). Ends
# with a line "N passed, M failed, K skipped" counting both and exits
# non-zero if anything fails. Settings: see scripts/common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bwta_setup
bwta_configure
bwta_build bwta-opt bwta-compile bwta-bundle-info BWTAUnitTests

bwta_log "Running the tests"
log="$BUILD_DIR/test-results.log"
status=0
"$LLVM_PREFIX/bin/lit" -sv "$BUILD_DIR/test" "$BUILD_DIR/unittests" \
  "$BUILD_DIR/integration_test" 2>&1 |
  tee "$log" || status=$?
count() { grep -oE "^ *$1 *: *[0-9]+" "$log" | grep -oE '[0-9]+$' || echo 0; }

# The Python package's tests, with the bwta-opt just built (python/tests).
bwta_log "Running the Python tests (python/)"
pylog="$BUILD_DIR/python-test-results.log"
(cd "$BWTA_ROOT/python" && BWTA_OPT="$BUILD_DIR/bin/bwta-opt" \
  MLIR_RUNNER="$LLVM_PREFIX/bin/mlir-runner" python3 -m pytest -q -rs \
  -p no:cacheprovider) 2>&1 | tee "$pylog" || status=$?
pycount() { tail -n 1 "$pylog" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }

echo "$(($(count Passed) + $(pycount passed) + $(pycount xpassed))) passed," \
  "$(($(count Failed) + $(pycount failed) + $(pycount error))) failed," \
  "$(($(count Unsupported) + $(pycount skipped) + $(pycount xfailed))) skipped"
exit "$status"
