#!/usr/bin/env bash
# Installs what is missing, configures and builds bwta, and runs every test
# (the check-bwta target: lit + FileCheck tests and unit tests).
# Exits non-zero if anything fails. Settings: see scripts/common.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bwta_setup
bwta_configure
bwta_build check-bwta
