//===- Npy.h - a strict .npy reader and writer ------------------*- C++ -*-===//
//
// NumPy's .npy format, versions 1.0, 2.0 and 3.0: magic "\x93NUMPY", a
// Python-dict header {'descr', 'fortran_order', 'shape'}, raw data. Only
// C-order little-endian arrays of the dtypes below are read; anything else
// (big-endian, Fortran order, structured or object dtypes, trailing bytes)
// is refused with a message naming the file.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_RUNTIME_NPY_H
#define BWTA_RUNTIME_NPY_H

#include "bwta/runtime/DType.h"

#include <optional>
#include <string>
#include <vector>

namespace bwta::runtime {

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<char> data; // little-endian, C order
};

/// The numpy descr of `type` ("<f4", "|i1", ...), or null for dtypes numpy
/// has no standard spelling of (bf16, f8e4m3, f8e5m2).
const char *getNpyDescr(DType type);

std::optional<NpyArray> readNpy(const std::string &path, std::string &error);
/// Parses an in-memory file (`name` is used in messages).
std::optional<NpyArray> parseNpy(const char *bytes, size_t size,
                                 const std::string &name, std::string &error);

/// The .npy bytes of an array; false (with `error`) if `type` has no numpy
/// descr or `size` is not shape × dtype size.
bool encodeNpy(DType type, const std::vector<int64_t> &shape, const void *data,
               size_t size, std::vector<char> &out, std::string &error);
bool writeNpy(const std::string &path, DType type,
              const std::vector<int64_t> &shape, const void *data, size_t size,
              std::string &error);

} // namespace bwta::runtime

#endif // BWTA_RUNTIME_NPY_H
