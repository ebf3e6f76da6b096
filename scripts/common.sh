# Shared by the scripts in this directory; source it, do not run it.
#
# Settings (environment variables, all optional):
#   BUILD_DIR    build directory                (default: <repo>/build)
#   LLVM_PREFIX  LLVM/MLIR 22 installation      (default: /usr/lib/llvm-22)
#   JOBS         parallel build jobs            (default: all cores)
#   BWTA_SKIP_SETUP=1  do not check or install system packages

BWTA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$BWTA_ROOT/build}
LLVM_PREFIX=${LLVM_PREFIX:-/usr/lib/llvm-22}
JOBS=${JOBS:-$(nproc)}

bwta_log() { printf '\n==> %s\n' "$*"; }

# Installs the Debian packages and Python modules bwta needs, if missing.
bwta_setup() {
  if [[ "${BWTA_SKIP_SETUP:-0}" == 1 ]]; then
    return
  fi
  bash "$BWTA_ROOT/scripts/setup.sh"
}

# Configures $BUILD_DIR once; later builds re-run CMake by themselves when a
# CMakeLists.txt changes.
bwta_configure() {
  if [[ -f "$BUILD_DIR/build.ninja" ]]; then
    return
  fi
  bwta_log "Configuring $BUILD_DIR"
  cmake -G Ninja -S "$BWTA_ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$LLVM_PREFIX/bin/lit" \
    -DPython3_EXECUTABLE="$(command -v python3)"
}

# Builds the given ninja targets.
bwta_build() {
  bwta_log "Building $*"
  ninja -C "$BUILD_DIR" -j "$JOBS" "$@"
}
