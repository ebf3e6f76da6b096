//===- Manifest.h - the JSON manifest of a bundle ---------------*- C++ -*-===//
//
// The manifest says what a bundle computes: its inputs, outputs, scratch
// buffers, weights (ranges of the WEIGHTS section), kernels and the launch
// schedule. parseManifest checks every field's presence and JSON type before
// reading it and every cross reference, so a manifest it accepts can be
// executed without further checks. docs/Bundle.md is the schema.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_RUNTIME_MANIFEST_H
#define BWTA_RUNTIME_MANIFEST_H

#include "bwta/runtime/DType.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bwta::runtime {

/// The manifest "format_version" this runtime reads.
constexpr unsigned kManifestVersion = 1;
/// Alignment of every weight inside the WEIGHTS section (and of the section).
constexpr uint64_t kWeightAlignment = 64;

/// A GPU chip "sm_XY", optionally with the suffix 'a' (arch-specific
/// features, runs only on X.Y) or 'f' (family, runs on X.Z, Z >= Y).
struct Target {
  std::string chip;
  unsigned major = 0, minor = 0;
  char suffix = 0; // 0, 'a' or 'f'
};
std::optional<Target> parseTarget(std::string_view chip);

/// Whether code built for `target` runs on a device of compute capability
/// major.minor. A CUBIN needs the same major version and a minor version at
/// least the target's ('a': exactly the target's); PTX without 'a'/'f' is
/// also JIT-compiled for any newer device. On refusal `error` says why.
bool isDeviceCompatible(const Target &target, int major, int minor,
                        bool hasPtx, std::string &error);

/// An input or output: a dense row-major tensor.
struct TensorDecl {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t bytes = 0; // shape × dtype size
};

/// Device scratch memory, zeroed when a session is created.
struct BufferDecl {
  std::string name;
  uint64_t bytes = 0;
};

/// A tensor stored in the WEIGHTS section at `offset` (64-byte aligned).
struct WeightDecl : TensorDecl {
  uint64_t offset = 0;
  std::string layout; // free-form, e.g. "row_major" or a packed layout
};

/// The type of a kernel parameter: a device pointer or a scalar.
enum class ArgType { Ptr, I32, U32, I64, U64, F32, F64 };
const char *getArgTypeName(ArgType type);
size_t getArgTypeSize(ArgType type);

struct KernelParam {
  std::string name;
  ArgType type = ArgType::Ptr;
};

using Dim3 = std::array<uint32_t, 3>;

struct KernelDecl {
  std::string name; // the symbol in the CUBIN/PTX module
  Dim3 grid{1, 1, 1}, block{1, 1, 1};
  uint32_t sharedBytes = 0; // dynamic shared memory per block
  std::vector<KernelParam> params;
  /// The kernel waits for the kernel launched before it
  /// (griddepcontrol.wait), so it may be launched while that one runs.
  bool gridDependency = false;
};

/// One argument of a launch: a named tensor (passed as its device address)
/// or a scalar, stored as the little-endian bit pattern of its ArgType.
struct LaunchArg {
  enum class Kind { Input, Output, Buffer, Weight, Scalar };
  Kind kind = Kind::Scalar;
  size_t index = 0;    // into the manifest's list of that kind
  uint64_t scalar = 0; // Kind::Scalar only
};

/// One kernel launch of the schedule; grid/block/shared bytes are the
/// kernel's unless the schedule entry overrides them.
struct LaunchStep {
  size_t kernel = 0;
  Dim3 grid{1, 1, 1}, block{1, 1, 1};
  uint32_t sharedBytes = 0;
  std::vector<LaunchArg> args;
};

struct Manifest {
  unsigned formatVersion = kManifestVersion;
  std::string producer;
  Target target;
  std::vector<TensorDecl> inputs, outputs;
  std::vector<BufferDecl> buffers;
  std::vector<WeightDecl> weights;
  std::vector<KernelDecl> kernels;
  std::vector<LaunchStep> schedule;
  std::string quantization; // the "quantization" object as JSON text
  std::string text;         // the manifest as stored in the bundle
};

/// Parses and validates manifest text. `weightsSize` is the size of the
/// bundle's WEIGHTS section (nullopt: the bundle has none). On failure
/// returns nullopt and sets `error` to "manifest: <where>: <what>".
std::optional<Manifest> parseManifest(std::string_view text,
                                      std::optional<uint64_t> weightsSize,
                                      std::string &error);

} // namespace bwta::runtime

#endif // BWTA_RUNTIME_MANIFEST_H
