//===- Npy.cpp - a strict .npy reader and writer --------------------------===//
#include "bwta/runtime/Npy.h"

#include "bwta/Support/FileIO.h"

#include <cerrno>
#include <cstring>
#include <limits>

using namespace bwta::runtime;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DescrInfo {
  DType type;
  const char *descr;
};
// Exactly what numpy writes: '|' for one-byte types, '<' otherwise.
constexpr DescrInfo kDescrs[] = {
    {DType::F64, "<f8"}, {DType::F32, "<f4"}, {DType::F16, "<f2"},
    {DType::I64, "<i8"}, {DType::I32, "<i4"}, {DType::I16, "<i2"},
    {DType::I8, "|i1"},  {DType::U64, "<u8"}, {DType::U32, "<u4"},
    {DType::U16, "<u2"}, {DType::U8, "|u1"},  {DType::Bool, "|b1"},
};

/// A cursor over the header dict, e.g.
///   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
public:
  HeaderParser(std::string_view text) : text(text) {}
  std::string error;

  bool parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape) {
    bool seenDescr = false, seenOrder = false, seenShape = false;
    if (!expect('{'))
      return false;
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!readString(key) || !expect(':'))
        return false;
      skipSpace();
      bool *seen = key == "descr"           ? &seenDescr
                   : key == "fortran_order" ? &seenOrder
                   : key == "shape"         ? &seenShape
                                            : nullptr;
      if (!seen)
        return fail("unknown header key '" + key + "'");
      if (*seen)
        return fail("header key '" + key + "' appears twice");
      *seen = true;
      if (key == "descr" ? !readString(descr)
          : key == "shape" ? !readShape(shape)
                           : !readBool(fortranOrder))
        return false;
      skipSpace();
      if (consume('}'))
        break;
      if (!expect(','))
        return false;
    }
    skipSpace();
    if (pos != text.size())
      return fail("unexpected text after the header dict");
    if (!seenDescr || !seenOrder || !seenShape)
      return fail(std::string("header lacks the key '") +
                  (!seenDescr ? "descr" : !seenOrder ? "fortran_order" : "shape") +
                  "'");
    return true;
  }

private:
  std::string_view text;
  size_t pos = 0;

  bool fail(const std::string &what) {
    error = what;
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n'))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool expect(char c) {
    skipSpace();
    if (consume(c))
      return true;
    return fail(std::string("header: expected '") + c + "' at byte " +
                std::to_string(pos));
  }
  bool readString(std::string &out) {
    skipSpace();
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return fail("header: expected a quoted string at byte " +
                  std::to_string(pos));
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string_view::npos)
      return fail("header: unterminated string");
    out = std::string(text.substr(pos, end - pos));
    pos = end + 1;
    return true;
  }
  bool readBool(bool &out) {
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (text.substr(pos, std::strlen(word)) == word) {
        pos += std::strlen(word);
        out = value;
        return true;
      }
    return fail("header: 'fortran_order' must be True or False");
  }
  bool readShape(std::vector<int64_t> &shape) {
    if (!expect('('))
      return false;
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (pos >= text.size() || text[pos] < '0' || text[pos] > '9')
        return fail("header: 'shape' must be a tuple of non-negative integers");
      int64_t dim = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (dim > (std::numeric_limits<int64_t>::max() - 9) / 10)
          return fail("header: a dimension of 'shape' is too large");
        dim = dim * 10 + (text[pos++] - '0');
      }
      shape.push_back(dim);
      skipSpace();
      if (consume(')'))
        return true;
      if (!expect(','))
        return false;
    }
  }
};

} // namespace

const char *bwta::runtime::getNpyDescr(DType type) {
  for (const DescrInfo &info : kDescrs)
    if (info.type == type)
      return info.descr;
  return nullptr;
}

std::optional<NpyArray> bwta::runtime::readNpy(const std::string &path,
                                               std::string &error) {
  std::vector<char> bytes;
  if (!readWholeFile(path, bytes)) {
    error = "cannot read .npy file '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  return parseNpy(bytes.data(), bytes.size(), path, error);
}

std::optional<NpyArray> bwta::runtime::parseNpy(const char *bytes, size_t size,
                                                const std::string &name,
                                                std::string &error) {
  auto fail = [&](const std::string &what) {
    error = "malformed .npy file '" + name + "': " + what;
    return std::nullopt;
  };
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0)
    return fail("no \\x93NUMPY magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  unsigned minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    return fail("unsupported format version " + std::to_string(major) + "." +
                std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");
  size_t lengthSize = major == 1 ? 2 : 4;
  size_t headerBegin = 8 + lengthSize;
  if (size < headerBegin)
    return fail("truncated before the header length");
  uint64_t headerSize = 0;
  for (size_t i = lengthSize; i-- > 0;)
    headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[8 + i]);
  if (headerSize > size - headerBegin)
    return fail("header length " + std::to_string(headerSize) +
                " exceeds the file size " + std::to_string(size));

  NpyArray array;
  std::string descr;
  bool fortranOrder = true;
  HeaderParser parser(std::string_view(bytes + headerBegin, headerSize));
  if (!parser.parse(descr, fortranOrder, array.shape))
    return fail(parser.error);
  if (fortranOrder)
    return fail("Fortran-order arrays are not supported (save a C-order array, "
                "e.g. numpy.ascontiguousarray)");
  bool known = false;
  for (const DescrInfo &info : kDescrs)
    if (descr == info.descr) {
      array.dtype = info.type;
      known = true;
    }
  if (!known)
    return fail("unsupported dtype '" + descr +
                "' (little-endian f8, f4, f2, i8, i4, i2, i1, u8, u4, u2, u1 "
                "and b1 are read)");
  std::optional<uint64_t> dataSize = getTensorBytes(array.dtype, array.shape);
  uint64_t available = size - headerBegin - headerSize;
  if (!dataSize)
    return fail("the shape is too large");
  if (*dataSize != available)
    return fail("holds " + std::to_string(available) +
                " data bytes but its dtype and shape need " +
                std::to_string(*dataSize));
  const char *data = bytes + headerBegin + headerSize;
  array.data.assign(data, data + available);
  return array;
}

bool bwta::runtime::encodeNpy(DType type, const std::vector<int64_t> &shape,
                              const void *data, size_t size,
                              std::vector<char> &out, std::string &error) {
  const char *descr = getNpyDescr(type);
  if (!descr) {
    error = std::string("dtype ") + getDTypeName(type) +
            " has no .npy equivalent";
    return false;
  }
  std::optional<uint64_t> expected = getTensorBytes(type, shape);
  if (!expected || *expected != size) {
    error = "data of " + std::to_string(size) +
            " bytes does not match the dtype and shape";
    return false;
  }
  std::string dims;
  for (int64_t dim : shape)
    dims += std::to_string(dim) + ", ";
  if (shape.size() > 1)
    dims.resize(dims.size() - 2); // (2, 3) but (4,) and ()
  else if (shape.size() == 1)
    dims.resize(dims.size() - 1);
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts at a multiple of 64, like numpy.
  size_t lengthSize = header.size() + 1 + 10 + 63 > 0xffff ? 4 : 2;
  size_t prefix = 8 + lengthSize;
  size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  out.assign(kMagic, kMagic + kMagicSize);
  out.push_back(static_cast<char>(lengthSize == 2 ? 1 : 2));
  out.push_back(0);
  for (size_t i = 0; i < lengthSize; ++i)
    out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out.insert(out.end(), header.begin(), header.end());
  const char *bytes = static_cast<const char *>(data);
  out.insert(out.end(), bytes, bytes + size);
  return true;
}

bool bwta::runtime::writeNpy(const std::string &path, DType type,
                             const std::vector<int64_t> &shape,
                             const void *data, size_t size,
                             std::string &error) {
  std::vector<char> bytes;
  if (!encodeNpy(type, shape, data, size, bytes, error)) {
    error = "cannot write .npy file '" + path + "': " + error;
    return false;
  }
  if (!writeWholeFile(path, bytes.data(), bytes.size())) {
    error = "cannot write .npy file '" + path + "'";
    return false;
  }
  return true;
}
