#!/usr/bin/env bash
# Installs what is missing, configures and builds bwta, and runs every test:
# the lit + FileCheck suites and the gtest unit tests (what the check-bwta
# target runs). Ends with a line "N passed, M failed" and exits non-zero if
# anything fails. Settings: see scripts/common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bwta_setup
bwta_configure
bwta_build bwta-opt BWTAUnitTests

bwta_log "Running the tests"
log="$BUILD_DIR/test-results.log"
status=0
"$LLVM_PREFIX/bin/lit" -sv "$BUILD_DIR/test" "$BUILD_DIR/unittests" \
  "$BUILD_DIR/integration_test" 2>&1 |
  tee "$log" || status=$?
count() { grep -oE "^ *$1 *: *[0-9]+" "$log" | grep -oE '[0-9]+$' || echo 0; }
echo "$(count Passed) passed, $(count Failed) failed, $(count Unsupported) skipped"
exit "$status"
