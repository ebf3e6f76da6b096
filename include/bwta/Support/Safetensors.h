//===- Safetensors.h - read .safetensors weight files -----------*- C++ -*-===//
//
// A strict reader for the safetensors format (8-byte little-endian header
// length, JSON header, raw little-endian data). It has no MLIR dependency so
// that the runtime can share it. Every malformed input is reported with a
// message naming the file and what is wrong; nothing aborts.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_SUPPORT_SAFETENSORS_H
#define BWTA_SUPPORT_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bwta {

struct SafetensorsTensor {
  std::string dtype;          // "F32", "F16", "BF16", "I8", ...
  std::vector<int64_t> shape;
  const char *data = nullptr; // little-endian, row-major
  size_t size = 0;            // bytes
};

class SafetensorsFile {
public:
  /// Reads and validates `path`; on failure returns null and sets `error`.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               std::string &error);
  /// Parses an in-memory image (`name` is used in messages).
  static std::unique_ptr<SafetensorsFile>
  parse(std::vector<char> bytes, const std::string &name, std::string &error);

  /// The tensor called `name`, or null.
  const SafetensorsTensor *find(std::string_view name) const;
  const std::map<std::string, SafetensorsTensor, std::less<>> &tensors() const {
    return tensorsByName;
  }

private:
  std::vector<char> bytes;
  std::map<std::string, SafetensorsTensor, std::less<>> tensorsByName;
};

/// Bytes per element of a safetensors dtype, 0 if unknown.
size_t getSafetensorsDtypeSize(std::string_view dtype);

} // namespace bwta

#endif // BWTA_SUPPORT_SAFETENSORS_H
