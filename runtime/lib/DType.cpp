//===- DType.cpp - element types of bundle tensors ------------------------===//
#include "bwta/runtime/DType.h"

#include <limits>

using namespace bwta::runtime;

namespace {
struct DTypeInfo {
  DType type;
  const char *name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "f64", 8},       {DType::F32, "f32", 4},
    {DType::F16, "f16", 2},       {DType::BF16, "bf16", 2},
    {DType::F8E4M3, "f8e4m3", 1}, {DType::F8E5M2, "f8e5m2", 1},
    {DType::I64, "i64", 8},       {DType::I32, "i32", 4},
    {DType::I16, "i16", 2},       {DType::I8, "i8", 1},
    {DType::U64, "u64", 8},       {DType::U32, "u32", 4},
    {DType::U16, "u16", 2},       {DType::U8, "u8", 1},
    {DType::Bool, "bool", 1},
};

const DTypeInfo &lookup(DType type) {
  for (const DTypeInfo &info : kDTypes)
    if (info.type == type)
      return info;
  return kDTypes[0]; // unreachable for valid enum values
}
} // namespace

const char *bwta::runtime::getDTypeName(DType type) { return lookup(type).name; }

size_t bwta::runtime::getDTypeSize(DType type) { return lookup(type).size; }

std::optional<DType> bwta::runtime::parseDType(std::string_view name) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name)
      return info.type;
  return std::nullopt;
}

std::optional<uint64_t>
bwta::runtime::getTensorBytes(DType type, const std::vector<int64_t> &shape) {
  uint64_t bytes = getDTypeSize(type);
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (dim != 0 && bytes > std::numeric_limits<uint64_t>::max() / uint64_t(dim))
      return std::nullopt;
    bytes *= uint64_t(dim);
  }
  return bytes;
}
