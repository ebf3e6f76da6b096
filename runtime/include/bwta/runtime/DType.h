//===- DType.h - element types of bundle tensors ----------------*- C++ -*-===//
//
// The dtype names a bundle manifest uses. The numeric values are the C API's
// bwta_dtype values (bwta_runtime.h); keep both in sync.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_RUNTIME_DTYPE_H
#define BWTA_RUNTIME_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace bwta::runtime {

enum class DType : uint32_t {
  F64 = 1,
  F32 = 2,
  F16 = 3,
  BF16 = 4,
  F8E4M3 = 5,
  F8E5M2 = 6,
  I64 = 7,
  I32 = 8,
  I16 = 9,
  I8 = 10,
  U64 = 11,
  U32 = 12,
  U16 = 13,
  U8 = 14,
  Bool = 15,
};

/// "f32", "bf16", "u32", ... (the manifest spelling).
const char *getDTypeName(DType type);
/// The dtype spelled `name` in a manifest, or nullopt.
std::optional<DType> parseDType(std::string_view name);
/// Bytes per element.
size_t getDTypeSize(DType type);

/// Bytes of a tensor of `type` and `shape`, or nullopt on a negative
/// dimension or overflow of 64 bits.
std::optional<uint64_t> getTensorBytes(DType type,
                                       const std::vector<int64_t> &shape);

} // namespace bwta::runtime

#endif // BWTA_RUNTIME_DTYPE_H
