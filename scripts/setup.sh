#!/usr/bin/env bash
# Installs what building and testing bwta needs on Debian 12: LLVM/MLIR 22,
# a C++ toolchain, CMake, Ninja, nlohmann-json, GoogleTest, and the Python
# modules numpy and safetensors (used by the test and example generators),
# pytest and torch (python/, the bwta package, and its tests).
# Installs only what is missing, so it is fast when everything is there.
# Run it as root (or as a user with sudo).
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ python3 python3-pip
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  nlohmann-json3-dev libgtest-dev
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "error: run as root to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Debian's system Python refuses pip installs (PEP 668) unless told to.
pip_install() {
  python3 -m pip install --quiet "$@" ||
    python3 -m pip install --quiet --break-system-packages "$@"
}
if ! python3 -c 'import numpy, safetensors, pytest' 2>/dev/null; then
  echo "Installing the Python modules numpy, safetensors and pytest"
  pip_install numpy safetensors pytest
fi
# The python/ package (bwta) needs torch; the CPU build is enough for its tests.
if ! python3 -c 'import torch' 2>/dev/null; then
  echo "Installing the Python module torch (CPU build)"
  pip_install torch --index-url https://download.pytorch.org/whl/cpu || pip_install torch
fi
