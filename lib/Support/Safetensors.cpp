//===- Safetensors.cpp - read .safetensors weight files -------------------===//
#include "bwta/Support/Safetensors.h"
#include "bwta/Support/FileIO.h"

#include <nlohmann/json.hpp>

#include <limits>

using namespace bwta;
using json = nlohmann::json;

size_t bwta::getSafetensorsDtypeSize(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64")
    return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32")
    return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16")
    return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL")
    return 1;
  return 0;
}

std::unique_ptr<SafetensorsFile>
SafetensorsFile::open(const std::string &path, std::string &error) {
  std::vector<char> bytes;
  if (!readWholeFile(path, bytes)) {
    error = "cannot open weight file '" + path + "'";
    return nullptr;
  }
  return parse(std::move(bytes), path, error);
}

std::unique_ptr<SafetensorsFile>
SafetensorsFile::parse(std::vector<char> bytes, const std::string &name,
                       std::string &error) {
  auto fail = [&](const std::string &what) {
    error = "malformed safetensors file '" + name + "': " + what;
    return nullptr;
  };
  if (bytes.size() < 8)
    return fail("shorter than its 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
  if (headerSize > bytes.size() - 8)
    return fail("header length " + std::to_string(headerSize) +
                " exceeds the file size " + std::to_string(bytes.size()));
  const char *headerBegin = bytes.data() + 8;
  json header = json::parse(headerBegin, headerBegin + headerSize, nullptr,
                            /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object())
    return fail("header is not a JSON object");

  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->bytes = std::move(bytes);
  size_t dataBegin = 8 + headerSize;
  size_t dataSize = file->bytes.size() - dataBegin;
  for (auto &[tensorName, entry] : header.items()) {
    if (tensorName == "__metadata__")
      continue;
    auto where = "tensor '" + tensorName + "': ";
    if (!entry.is_object())
      return fail(where + "entry is not an object");
    auto dtype = entry.find("dtype");
    auto shape = entry.find("shape");
    auto offsets = entry.find("data_offsets");
    if (dtype == entry.end() || !dtype->is_string())
      return fail(where + "missing string field 'dtype'");
    if (shape == entry.end() || !shape->is_array())
      return fail(where + "missing array field 'shape'");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      return fail(where + "'data_offsets' must be two unsigned integers");
    SafetensorsTensor tensor;
    tensor.dtype = dtype->get<std::string>();
    size_t elementSize = getSafetensorsDtypeSize(tensor.dtype);
    if (elementSize == 0)
      return fail(where + "unsupported dtype '" + tensor.dtype + "'");
    uint64_t numElements = 1;
    for (const json &dim : *shape) {
      if (!dim.is_number_unsigned())
        return fail(where + "shape entries must be unsigned integers");
      uint64_t size = dim.get<uint64_t>();
      if (size > uint64_t(std::numeric_limits<int64_t>::max()) ||
          (size != 0 && numElements > std::numeric_limits<uint64_t>::max() / size))
        return fail(where + "shape is too large");
      numElements *= size;
      tensor.shape.push_back(static_cast<int64_t>(size));
    }
    uint64_t begin = (*offsets)[0].get<uint64_t>();
    uint64_t end = (*offsets)[1].get<uint64_t>();
    if (begin > end || end > dataSize)
      return fail(where + "data_offsets [" + std::to_string(begin) + ", " +
                  std::to_string(end) + "] outside the data section of " +
                  std::to_string(dataSize) + " bytes (truncated file?)");
    if (numElements > std::numeric_limits<uint64_t>::max() / elementSize ||
        end - begin != numElements * elementSize)
      return fail(where + "holds " + std::to_string(end - begin) +
                  " bytes but its dtype and shape need " +
                  std::to_string(numElements * elementSize));
    tensor.size = end - begin;
    tensor.data = file->bytes.data() + dataBegin + begin;
    file->tensorsByName.emplace(tensorName, std::move(tensor));
  }
  return file;
}

const SafetensorsTensor *SafetensorsFile::find(std::string_view name) const {
  auto it = tensorsByName.find(name);
  return it == tensorsByName.end() ? nullptr : &it->second;
}
