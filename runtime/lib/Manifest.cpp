//===- Manifest.cpp - parse and validate a bundle manifest ----------------===//
//
// Exception-free: every field's presence and JSON type is checked before
// get<>() reads it, and lookups use find() (at() and operator[] on a missing
// key would throw or assert).
//
//===----------------------------------------------------------------------===//
#include "bwta/runtime/Manifest.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

using namespace bwta::runtime;
using json = nlohmann::json;

namespace {

/// Deeper JSON is refused before it is built: dumping or copying a deep
/// nlohmann value recurses and could overflow the stack.
constexpr int kMaxDepth = 64;

/// A SAX pass that finds syntax errors (with their position) and excessive
/// nesting before the DOM is built.
class SyntaxCheck : public nlohmann::json_sax<json> {
public:
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool key(string_t &) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_object() override { return --depth, true; }
  bool end_array() override { return --depth, true; }
  bool parse_error(std::size_t, const std::string &,
                   const nlohmann::detail::exception &ex) override {
    error = std::string("not valid JSON: ") + ex.what();
    return false;
  }

private:
  int depth = 0;
  bool enter() {
    if (++depth <= kMaxDepth)
      return true;
    error = "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return false;
  }
};

/// Reads a manifest; the first failure is kept in `error` and every later
/// check is skipped by the `ok()` guards of the callers.
class ManifestReader {
public:
  ManifestReader(std::string &error) : error(error) {}

  bool fail(const std::string &message) {
    error = "manifest: " + message;
    return false;
  }

  /// Refuses keys of `object` not in `allowed`: a misspelt optional field
  /// would otherwise be ignored silently.
  bool checkKeys(const json &object, const std::string &where,
                 std::initializer_list<const char *> allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      bool known = false;
      for (const char *key : allowed)
        known |= it.key() == key;
      if (!known)
        return fail(label(where) + ": unknown field '" + it.key() + "'");
    }
    return true;
  }

  /// The field `key` of `object` checked with `isType`; null when it is
  /// missing (an error if `required`) or of the wrong type (always an error).
  const json *field(const json &object, const std::string &where,
                    const char *key, bool (json::*isType)() const noexcept,
                    const char *typeName, bool required = true) {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required)
        fail(label(where) + ": missing field '" + key + "'");
      return nullptr;
    }
    if (!((*it).*isType)()) {
      fail(join(where, key) + ": expected " + typeName + ", got " +
           it->type_name());
      return nullptr;
    }
    return &*it;
  }

  bool readString(const json &object, const std::string &where,
                  const char *key, std::string &out) {
    const json *value = field(object, where, key, &json::is_string, "a string");
    if (!value)
      return false;
    out = value->get<std::string>();
    return true;
  }

  bool readUnsigned(const json &value, const std::string &where, uint64_t max,
                    uint64_t &out) {
    if (!value.is_number_unsigned())
      return fail(where + ": expected an unsigned integer, got " +
                  describe(value));
    out = value.get<uint64_t>();
    if (out > max)
      return fail(where + ": " + std::to_string(out) + " is larger than " +
                  std::to_string(max));
    return true;
  }

  bool readUnsigned(const json &object, const std::string &where,
                    const char *key, uint64_t max, uint64_t &out) {
    auto it = object.find(key);
    if (it == object.end())
      return fail(label(where) + ": missing field '" + key + "'");
    return readUnsigned(*it, join(where, key), max, out);
  }

  /// A name used to refer to something: non-empty, no control characters
  /// (a NUL would silently cut the name short at the CUDA API).
  bool readName(const json &object, const std::string &where,
                std::string &out) {
    if (!readString(object, where, "name", out))
      return false;
    if (out.empty())
      return fail(where + ".name: must not be empty");
    for (char c : out)
      if (static_cast<unsigned char>(c) < 0x20)
        return fail(where + ".name: contains a control character");
    return true;
  }

  bool readDType(const json &object, const std::string &where, DType &out) {
    std::string name;
    if (!readString(object, where, "dtype", name))
      return false;
    std::optional<DType> type = parseDType(name);
    if (!type)
      return fail(where + ".dtype: unknown dtype '" + name +
                  "' (expected f64, f32, f16, bf16, f8e4m3, f8e5m2, i64, i32, "
                  "i16, i8, u64, u32, u16, u8 or bool)");
    out = *type;
    return true;
  }

  bool readTensor(const json &object, const std::string &where,
                  TensorDecl &out) {
    if (!readName(object, where, out.name) ||
        !readDType(object, where, out.dtype))
      return false;
    const json *shape = field(object, where, "shape", &json::is_array, "an array");
    if (!shape)
      return false;
    for (size_t i = 0; i < shape->size(); ++i) {
      uint64_t dim = 0;
      if (!readUnsigned((*shape)[i], where + ".shape[" + std::to_string(i) + "]",
                        uint64_t(std::numeric_limits<int64_t>::max()), dim))
        return false;
      out.shape.push_back(int64_t(dim));
    }
    std::optional<uint64_t> bytes = getTensorBytes(out.dtype, out.shape);
    if (!bytes)
      return fail(where + ".shape: the tensor has more than 2^64 bytes");
    out.bytes = *bytes;
    return true;
  }

  bool readDim3(const json &object, const std::string &where, const char *key,
                const Dim3 &max, Dim3 &out) {
    const json *dims = field(object, where, key, &json::is_array, "an array");
    if (!dims)
      return false;
    std::string at = join(where, key);
    if (dims->size() != 3)
      return fail(at + ": expected 3 integers [x, y, z], got " +
                  std::to_string(dims->size()));
    for (size_t i = 0; i < 3; ++i) {
      uint64_t value = 0;
      if (!readUnsigned((*dims)[i], at + "[" + std::to_string(i) + "]", max[i],
                        value))
        return false;
      if (value == 0)
        return fail(at + "[" + std::to_string(i) + "]: must be at least 1");
      out[i] = uint32_t(value);
    }
    return true;
  }

  /// grid, block and shared_bytes: required on a kernel, optional overrides
  /// on a schedule entry.
  bool readLaunchShape(const json &object, const std::string &where,
                       bool required, Dim3 &grid, Dim3 &block,
                       uint32_t &sharedBytes) {
    // The CUDA limits every current GPU shares.
    static const Dim3 kMaxGrid{0x7fffffffu, 65535, 65535};
    static const Dim3 kMaxBlock{1024, 1024, 64};
    if ((required || object.contains("grid")) &&
        !readDim3(object, where, "grid", kMaxGrid, grid))
      return false;
    if (required || object.contains("block")) {
      if (!readDim3(object, where, "block", kMaxBlock, block))
        return false;
      if (uint64_t(block[0]) * block[1] * block[2] > 1024)
        return fail(join(where, "block") + ": more than 1024 threads per block");
    }
    if (required || object.contains("shared_bytes")) {
      uint64_t shared = 0;
      if (!readUnsigned(object, where, "shared_bytes",
                        std::numeric_limits<uint32_t>::max(), shared))
        return false;
      sharedBytes = uint32_t(shared);
    }
    return true;
  }

  /// `where` is "" for the top level of the manifest.
  static std::string label(const std::string &where) {
    return where.empty() ? "top level" : where;
  }

  static std::string join(const std::string &where, const char *key) {
    return where.empty() ? key : where + "." + key;
  }

  static std::string describe(const json &value) {
    if (value.is_number_integer())
      return "the negative integer " + std::to_string(value.get<int64_t>());
    return value.type_name();
  }

private:
  std::string &error;
};

std::optional<ArgType> parseArgType(std::string_view name) {
  for (ArgType type : {ArgType::Ptr, ArgType::I32, ArgType::U32, ArgType::I64,
                       ArgType::U64, ArgType::F32, ArgType::F64})
    if (name == getArgTypeName(type))
      return type;
  return std::nullopt;
}

/// The bit pattern of `value` as a scalar of `type`, or an error message.
bool encodeScalar(const json &value, ArgType type, uint64_t &bits,
                  std::string &what) {
  auto inRange = [&](int64_t lo, uint64_t hi) {
    if (value.is_number_unsigned())
      return value.get<uint64_t>() <= hi;
    if (value.is_number_integer())
      return value.get<int64_t>() >= lo;
    return false;
  };
  switch (type) {
  case ArgType::Ptr:
    break;
  case ArgType::I32:
  case ArgType::U32:
  case ArgType::I64:
  case ArgType::U64: {
    bool isSigned = type == ArgType::I32 || type == ArgType::I64;
    bool is64 = type == ArgType::I64 || type == ArgType::U64;
    int64_t lo = !isSigned ? 0
                 : is64    ? std::numeric_limits<int64_t>::min()
                           : std::numeric_limits<int32_t>::min();
    uint64_t hi = is64 ? (isSigned ? uint64_t(std::numeric_limits<int64_t>::max())
                                   : std::numeric_limits<uint64_t>::max())
                       : (isSigned ? uint64_t(std::numeric_limits<int32_t>::max())
                                   : std::numeric_limits<uint32_t>::max());
    if (!value.is_number_integer()) {
      what = std::string("expected an integer, got ") + value.type_name();
      return false;
    }
    if (!inRange(lo, hi)) {
      what = value.dump() + " does not fit in " + getArgTypeName(type);
      return false;
    }
    bits = value.is_number_unsigned() ? value.get<uint64_t>()
                                      : uint64_t(value.get<int64_t>());
    if (!is64)
      bits &= 0xffffffffu;
    return true;
  }
  case ArgType::F32:
  case ArgType::F64: {
    if (!value.is_number()) {
      what = std::string("expected a number, got ") + value.type_name();
      return false;
    }
    double number = value.get<double>();
    if (type == ArgType::F64) {
      std::memcpy(&bits, &number, sizeof(number));
      return true;
    }
    if (std::fabs(number) > std::numeric_limits<float>::max()) {
      what = value.dump() + " does not fit in f32";
      return false;
    }
    float narrow = float(number);
    uint32_t narrowBits;
    std::memcpy(&narrowBits, &narrow, sizeof(narrow));
    bits = narrowBits;
    return true;
  }
  }
  what = "unknown parameter type";
  return false;
}

} // namespace

const char *bwta::runtime::getArgTypeName(ArgType type) {
  switch (type) {
  case ArgType::Ptr: return "ptr";
  case ArgType::I32: return "i32";
  case ArgType::U32: return "u32";
  case ArgType::I64: return "i64";
  case ArgType::U64: return "u64";
  case ArgType::F32: return "f32";
  case ArgType::F64: return "f64";
  }
  return "?";
}

size_t bwta::runtime::getArgTypeSize(ArgType type) {
  return type == ArgType::I32 || type == ArgType::U32 || type == ArgType::F32
             ? 4
             : 8;
}

std::optional<Target> bwta::runtime::parseTarget(std::string_view chip) {
  if (chip.size() < 5 || chip.substr(0, 3) != "sm_")
    return std::nullopt;
  Target target;
  target.chip = std::string(chip);
  std::string_view digits = chip.substr(3);
  if (digits.back() == 'a' || digits.back() == 'f') {
    target.suffix = digits.back();
    digits.remove_suffix(1);
  }
  if (digits.size() < 2 || digits.size() > 3 || digits[0] == '0')
    return std::nullopt;
  unsigned number = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return std::nullopt;
    number = number * 10 + unsigned(c - '0');
  }
  target.major = number / 10;
  target.minor = number % 10;
  return target;
}

bool bwta::runtime::isDeviceCompatible(const Target &target, int major,
                                       int minor, bool hasPtx,
                                       std::string &error) {
  auto device = std::to_string(major) + "." + std::to_string(minor);
  auto wanted = std::to_string(target.major) + "." + std::to_string(target.minor);
  bool sameMajor = unsigned(major) == target.major;
  bool atLeast = unsigned(major) > target.major ||
                 (sameMajor && unsigned(minor) >= target.minor);
  if (target.suffix == 'a') {
    if (sameMajor && unsigned(minor) == target.minor)
      return true;
    error = "the bundle targets " + target.chip +
            ", which runs only on compute capability " + wanted +
            ", but the device has " + device;
    return false;
  }
  if (sameMajor && atLeast)
    return true;
  if (target.suffix == 0 && hasPtx && atLeast)
    return true;
  error = "the bundle targets " + target.chip + " (compute capability " +
          wanted + ")" +
          (target.suffix == 'f' ? ", which runs on " + std::to_string(target.major) +
                                      ".x devices from " + wanted + " on"
                                : std::string()) +
          ", but the device has " + device;
  return false;
}

std::optional<Manifest>
bwta::runtime::parseManifest(std::string_view text,
                             std::optional<uint64_t> weightsSize,
                             std::string &error) {
  error.clear(); // the optional-field checks below test it
  ManifestReader reader(error);
  SyntaxCheck syntax;
  if (!json::sax_parse(text.begin(), text.end(), &syntax)) {
    reader.fail(syntax.error);
    return std::nullopt;
  }
  json root = json::parse(text.begin(), text.end(), nullptr,
                          /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    reader.fail(std::string("expected a JSON object, got ") + root.type_name());
    return std::nullopt;
  }

  Manifest manifest;
  manifest.text = std::string(text);
  uint64_t version = 0;
  if (!reader.readUnsigned(root, "", "format_version", 0xffffffffu, version))
    return std::nullopt;
  if (version != kManifestVersion) {
    reader.fail("unsupported format_version " + std::to_string(version) +
                " (this runtime reads " + std::to_string(kManifestVersion) + ")");
    return std::nullopt;
  }
  manifest.formatVersion = unsigned(version);
  if (!reader.checkKeys(root, "",
                        {"format_version", "producer", "target", "inputs",
                         "outputs", "buffers", "weights", "kernels", "schedule",
                         "quantization", "metadata"}) ||
      !reader.readString(root, "", "producer", manifest.producer))
    return std::nullopt;

  const json *target =
      reader.field(root, "", "target", &json::is_object, "an object");
  std::string chip;
  if (!target || !reader.checkKeys(*target, "target", {"chip"}) ||
      !reader.readString(*target, "target", "chip", chip))
    return std::nullopt;
  std::optional<Target> parsedTarget = parseTarget(chip);
  if (!parsedTarget) {
    reader.fail("target.chip: '" + chip +
                "' is not a GPU chip name like sm_90, sm_90a or sm_100f");
    return std::nullopt;
  }
  manifest.target = *parsedTarget;

  // Every input, output, buffer and weight name, for the schedule.
  std::map<std::string, LaunchArg, std::less<>> names;
  std::map<std::string, std::string, std::less<>> declaredAt;
  auto declare = [&](const std::string &name, const std::string &where,
                     LaunchArg::Kind kind, size_t index) {
    auto [it, inserted] = declaredAt.emplace(name, where);
    if (!inserted)
      return reader.fail(where + ".name: '" + name + "' is already declared by " +
                         it->second);
    names[name] = LaunchArg{kind, index, 0};
    return true;
  };

  // Each list is read by `readEntry(object, where, index)`.
  auto readList = [&](const char *key, bool required, auto readEntry) {
    const json *list =
        reader.field(root, "", key, &json::is_array, "an array", required);
    if (!list)
      return !required && error.empty();
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      const json &entry = (*list)[i];
      if (!entry.is_object())
        return reader.fail(where + ": expected an object, got " +
                           entry.type_name());
      if (!readEntry(entry, where, i))
        return false;
    }
    return true;
  };

  auto readIO = [&](std::vector<TensorDecl> &out, LaunchArg::Kind kind) {
    return [&, kind](const json &entry, const std::string &where, size_t i) {
      TensorDecl tensor;
      if (!reader.checkKeys(entry, where, {"name", "dtype", "shape"}) ||
          !reader.readTensor(entry, where, tensor) ||
          !declare(tensor.name, where, kind, i))
        return false;
      out.push_back(std::move(tensor));
      return true;
    };
  };
  if (!readList("inputs", true, readIO(manifest.inputs, LaunchArg::Kind::Input)) ||
      !readList("outputs", true,
                readIO(manifest.outputs, LaunchArg::Kind::Output)))
    return std::nullopt;

  if (!readList("buffers", false, [&](const json &entry,
                                      const std::string &where, size_t i) {
        BufferDecl buffer;
        if (!reader.checkKeys(entry, where, {"name", "bytes"}) ||
            !reader.readName(entry, where, buffer.name) ||
            !reader.readUnsigned(entry, where, "bytes",
                                 std::numeric_limits<uint64_t>::max(),
                                 buffer.bytes) ||
            !declare(buffer.name, where, LaunchArg::Kind::Buffer, i))
          return false;
        manifest.buffers.push_back(std::move(buffer));
        return true;
      }))
    return std::nullopt;

  if (!readList("weights", false, [&](const json &entry,
                                      const std::string &where, size_t i) {
        WeightDecl weight;
        uint64_t bytes = 0;
        if (!reader.checkKeys(entry, where,
                              {"name", "dtype", "shape", "offset", "bytes",
                               "layout"}) ||
            !reader.readTensor(entry, where, weight) ||
            !reader.readUnsigned(entry, where, "offset",
                                 std::numeric_limits<uint64_t>::max(),
                                 weight.offset) ||
            !reader.readUnsigned(entry, where, "bytes",
                                 std::numeric_limits<uint64_t>::max(), bytes) ||
            !reader.readString(entry, where, "layout", weight.layout))
          return false;
        std::string named = where + " '" + weight.name + "'";
        if (bytes != weight.bytes)
          return reader.fail(named + ": 'bytes' is " + std::to_string(bytes) +
                             " but shape × dtype size is " +
                             std::to_string(weight.bytes));
        if (weight.offset % kWeightAlignment != 0)
          return reader.fail(named + ": offset " + std::to_string(weight.offset) +
                             " is not a multiple of " +
                             std::to_string(kWeightAlignment));
        if (!weightsSize)
          return reader.fail(named + ": the bundle has no WEIGHTS section");
        if (bytes > *weightsSize || weight.offset > *weightsSize - bytes)
          return reader.fail(named + ": bytes [" + std::to_string(weight.offset) +
                             ", " + std::to_string(weight.offset) + " + " +
                             std::to_string(bytes) +
                             ") lie outside the WEIGHTS section of " +
                             std::to_string(*weightsSize) + " bytes");
        if (!declare(weight.name, where, LaunchArg::Kind::Weight, i))
          return false;
        manifest.weights.push_back(std::move(weight));
        return true;
      }))
    return std::nullopt;

  std::map<std::string, size_t, std::less<>> kernelIndex;
  if (!readList("kernels", true, [&](const json &entry,
                                     const std::string &where, size_t i) {
        KernelDecl kernel;
        if (!reader.checkKeys(entry, where,
                              {"name", "grid", "block", "shared_bytes", "args",
                               "grid_dependency"}) ||
            !reader.readName(entry, where, kernel.name) ||
            !reader.readLaunchShape(entry, where, /*required=*/true,
                                    kernel.grid, kernel.block,
                                    kernel.sharedBytes))
          return false;
        if (!kernelIndex.emplace(kernel.name, i).second)
          return reader.fail(where + ".name: kernel '" + kernel.name +
                             "' is declared twice");
        if (entry.contains("grid_dependency")) {
          const json *dependency = reader.field(entry, where, "grid_dependency",
                                                &json::is_boolean, "a boolean");
          if (!dependency)
            return false;
          kernel.gridDependency = dependency->get<bool>();
        }
        const json *args =
            reader.field(entry, where, "args", &json::is_array, "an array");
        if (!args)
          return false;
        for (size_t a = 0; a < args->size(); ++a) {
          std::string at = where + ".args[" + std::to_string(a) + "]";
          const json &arg = (*args)[a];
          if (!arg.is_object())
            return reader.fail(at + ": expected an object {\"name\", \"type\"}, got " +
                               arg.type_name());
          KernelParam param;
          std::string type;
          if (!reader.checkKeys(arg, at, {"name", "type"}) ||
              !reader.readName(arg, at, param.name) ||
              !reader.readString(arg, at, "type", type))
            return false;
          std::optional<ArgType> parsed = parseArgType(type);
          if (!parsed)
            return reader.fail(at + ".type: unknown parameter type '" + type +
                               "' (expected ptr, i32, u32, i64, u64, f32 or f64)");
          param.type = *parsed;
          kernel.params.push_back(std::move(param));
        }
        manifest.kernels.push_back(std::move(kernel));
        return true;
      }))
    return std::nullopt;

  std::vector<bool> outputWritten(manifest.outputs.size());
  if (!readList("schedule", true, [&](const json &entry,
                                      const std::string &where, size_t) {
        LaunchStep step;
        std::string kernelName;
        if (!reader.checkKeys(entry, where,
                              {"kernel", "args", "grid", "block",
                               "shared_bytes"}) ||
            !reader.readString(entry, where, "kernel", kernelName))
          return false;
        auto found = kernelIndex.find(kernelName);
        if (found == kernelIndex.end())
          return reader.fail(where + ".kernel '" + kernelName +
                             "' is not a declared kernel");
        step.kernel = found->second;
        const KernelDecl &kernel = manifest.kernels[step.kernel];
        step.grid = kernel.grid;
        step.block = kernel.block;
        step.sharedBytes = kernel.sharedBytes;
        if (!reader.readLaunchShape(entry, where, /*required=*/false, step.grid,
                                    step.block, step.sharedBytes))
          return false;
        const json *args =
            reader.field(entry, where, "args", &json::is_array, "an array");
        if (!args)
          return false;
        if (args->size() != kernel.params.size())
          return reader.fail(where + ".args: kernel '" + kernel.name +
                             "' takes " + std::to_string(kernel.params.size()) +
                             " arguments, got " + std::to_string(args->size()));
        for (size_t a = 0; a < args->size(); ++a) {
          const json &arg = (*args)[a];
          const KernelParam &param = kernel.params[a];
          std::string at = where + ".args[" + std::to_string(a) + "] (" +
                           getArgTypeName(param.type) + " parameter '" +
                           param.name + "')";
          if (param.type == ArgType::Ptr) {
            if (!arg.is_string())
              return reader.fail(at + ": expected the name of an input, output, "
                                      "buffer or weight, got " +
                                 std::string(arg.type_name()));
            const std::string &name = arg.get_ref<const std::string &>();
            auto named = names.find(name);
            if (named == names.end())
              return reader.fail(at + ": '" + name +
                                 "' is not a declared input, output, buffer or "
                                 "weight");
            if (named->second.kind == LaunchArg::Kind::Output)
              outputWritten[named->second.index] = true;
            step.args.push_back(named->second);
            continue;
          }
          LaunchArg scalar;
          std::string what;
          if (!encodeScalar(arg, param.type, scalar.scalar, what))
            return reader.fail(at + ": " + what);
          step.args.push_back(scalar);
        }
        manifest.schedule.push_back(std::move(step));
        return true;
      }))
    return std::nullopt;
  for (size_t i = 0; i < manifest.outputs.size(); ++i)
    if (!outputWritten[i] && manifest.outputs[i].bytes != 0) {
      reader.fail("outputs[" + std::to_string(i) + "] '" +
                  manifest.outputs[i].name +
                  "' is passed to no kernel of the schedule");
      return std::nullopt;
    }

  for (const char *key : {"quantization", "metadata"}) {
    const json *value =
        reader.field(root, "", key, &json::is_object, "an object",
                     /*required=*/false);
    if (!error.empty())
      return std::nullopt;
    if (value && std::strcmp(key, "quantization") == 0)
      manifest.quantization =
          value->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (manifest.quantization.empty())
    manifest.quantization = "{}";
  return manifest;
}
