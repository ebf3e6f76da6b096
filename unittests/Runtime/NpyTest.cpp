//===- NpyTest.cpp - the .npy reader and writer ---------------------------===//
#include "bwta/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

using namespace bwta::runtime;

namespace {

/// A .npy image with the given version, header dict and data, the header
/// padded the way numpy pads it.
std::vector<char> makeNpy(const std::string &dict, const std::string &data,
                          int major = 1) {
  size_t lengthSize = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + lengthSize + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::vector<char> bytes = {'\x93', 'N', 'U', 'M', 'P', 'Y', char(major), 0};
  for (size_t i = 0; i < lengthSize; ++i)
    bytes.push_back(char((header.size() >> (8 * i)) & 0xff));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::string errorOf(const std::vector<char> &bytes) {
  std::string error;
  std::optional<NpyArray> array = parseNpy(bytes.data(), bytes.size(), "t.npy", error);
  EXPECT_FALSE(array);
  return error;
}

const std::string kDict =
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
const std::string kData(24, '\x01');

TEST(NpyTest, ReadsWhatNumpyWrites) {
  for (int major : {1, 2, 3}) {
    std::vector<char> bytes = makeNpy(kDict, kData, major);
    std::string error;
    std::optional<NpyArray> array =
        parseNpy(bytes.data(), bytes.size(), "t.npy", error);
    ASSERT_TRUE(array) << error;
    EXPECT_EQ(array->dtype, DType::F32);
    EXPECT_EQ(array->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(array->data, std::vector<char>(kData.begin(), kData.end()));
  }
  // Other key orders, double quotes, a scalar and an empty array.
  std::string error;
  std::vector<char> bytes = makeNpy(
      "{\"shape\": (), \"fortran_order\": False, \"descr\": \"|i1\"}", "\x7f");
  std::optional<NpyArray> scalar =
      parseNpy(bytes.data(), bytes.size(), "t.npy", error);
  ASSERT_TRUE(scalar) << error;
  EXPECT_EQ(scalar->dtype, DType::I8);
  EXPECT_TRUE(scalar->shape.empty());
  bytes = makeNpy("{'descr': '<u4', 'fortran_order': False, 'shape': (0, 5)}", "");
  std::optional<NpyArray> empty = parseNpy(bytes.data(), bytes.size(), "t", error);
  ASSERT_TRUE(empty) << error;
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 5}));
}

TEST(NpyTest, RoundTripsEveryDtype) {
  for (DType type : {DType::F64, DType::F32, DType::F16, DType::I64, DType::I32,
                     DType::I16, DType::I8, DType::U64, DType::U32, DType::U16,
                     DType::U8, DType::Bool}) {
    for (std::vector<int64_t> shape : std::vector<std::vector<int64_t>>{
             {}, {7}, {3, 5}, {2, 0, 4}, {1, 1, 1, 9}}) {
      size_t size = *getTensorBytes(type, shape);
      std::vector<char> data(size);
      for (size_t i = 0; i < size; ++i)
        data[i] = char(i * 37 + 11);
      std::vector<char> bytes;
      std::string error;
      ASSERT_TRUE(encodeNpy(type, shape, data.data(), size, bytes, error)) << error;
      EXPECT_EQ((bytes.size() - size) % 64, 0u); // data 64-byte aligned
      std::optional<NpyArray> array =
          parseNpy(bytes.data(), bytes.size(), "t", error);
      ASSERT_TRUE(array) << getDTypeName(type) << ": " << error;
      EXPECT_EQ(array->dtype, type);
      EXPECT_EQ(array->shape, shape);
      EXPECT_EQ(array->data, data);
    }
  }
}

TEST(NpyTest, WritesAndReadsFiles) {
  std::string path = testing::TempDir() + "bwta_npy_test.npy", error;
  float values[3] = {1.5f, -2.0f, 0.25f};
  ASSERT_TRUE(writeNpy(path, DType::F32, {3}, values, sizeof(values), error))
      << error;
  std::optional<NpyArray> array = readNpy(path, error);
  ASSERT_TRUE(array) << error;
  ASSERT_EQ(array->data.size(), sizeof(values));
  EXPECT_EQ(std::memcmp(array->data.data(), values, sizeof(values)), 0);
  std::remove(path.c_str());
  EXPECT_FALSE(readNpy(path, error));
  EXPECT_EQ(error, "cannot read .npy file '" + path +
                       "': No such file or directory");
  EXPECT_FALSE(readNpy(testing::TempDir(), error)); // a directory
  EXPECT_EQ(error.rfind("cannot read .npy file", 0), 0u) << error;
}

TEST(NpyTest, EncodeRefusesWhatItCannotWrite) {
  std::vector<char> bytes;
  std::string error;
  uint16_t bits[2] = {0, 0};
  EXPECT_FALSE(encodeNpy(DType::BF16, {2}, bits, 4, bytes, error));
  EXPECT_EQ(error, "dtype bf16 has no .npy equivalent");
  EXPECT_FALSE(encodeNpy(DType::U16, {3}, bits, 4, bytes, error));
  EXPECT_EQ(error, "data of 4 bytes does not match the dtype and shape");
}

TEST(NpyTest, EveryTruncationIsRefused) {
  std::vector<char> bytes = makeNpy(kDict, kData);
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::string error =
        errorOf(std::vector<char>(bytes.begin(), bytes.begin() + length));
    EXPECT_EQ(error.rfind("malformed .npy file 't.npy': ", 0), 0u)
        << length << ": " << error;
  }
}

TEST(NpyTest, RefusesMalformedFiles) {
  auto dict = [](const std::string &descr, const std::string &order,
                 const std::string &shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + order +
           ", 'shape': " + shape + ", }";
  };
  struct Case {
    std::vector<char> bytes;
    std::string message;
  };
  std::vector<char> badMagic = makeNpy(kDict, kData);
  badMagic[1] = 'n';
  std::vector<char> version = makeNpy(kDict, kData);
  version[6] = 4;
  std::vector<char> longHeader = makeNpy(kDict, kData);
  longHeader[9] = 0x7f;
  std::vector<Case> cases = {
      {badMagic, "no \\x93NUMPY magic"},
      {version, "unsupported format version 4.0 (1.0, 2.0 and 3.0 are read)"},
      {longHeader, "header length 32630 exceeds the file size 152"},
      {makeNpy(dict("'>f4'", "False", "(2, 3)"), kData),
       "unsupported dtype '>f4' (little-endian f8, f4, f2, i8, i4, i2, i1, u8, "
       "u4, u2, u1 and b1 are read)"},
      {makeNpy(dict("'|O'", "False", "(6,)"), kData), "unsupported dtype '|O' (little-endian f8, f4, f2, i8, i4, i2, i1, u8, "
       "u4, u2, u1 and b1 are read)"},
      {makeNpy(dict("'<i1'", "False", "(24,)"), kData), "unsupported dtype '<i1' (little-endian f8, f4, f2, i8, i4, i2, i1, "
       "u8, u4, u2, u1 and b1 are read)"},
      {makeNpy(dict("'<f4'", "True", "(2, 3)"), kData),
       "Fortran-order arrays are not supported (save a C-order array, e.g. "
       "numpy.ascontiguousarray)"},
      {makeNpy(dict("'<f4'", "false", "(2, 3)"), kData),
       "header: 'fortran_order' must be True or False"},
      {makeNpy(dict("'<f4'", "False", "(2, -3)"), kData),
       "header: 'shape' must be a tuple of non-negative integers"},
      {makeNpy(dict("'<f4'", "False", "(2.5,)"), kData),
       "header: expected ',' at byte 52"},
      {makeNpy(dict("'<f4'", "False", "[2, 3]"), kData),
       "header: expected '(' at byte 50"},
      {makeNpy(dict("'<f4'", "False", "(99999999999999999999,)"), kData),
       "header: a dimension of 'shape' is too large"},
      {makeNpy(dict("'<f4'", "False", "(4611686018427387904, 4)"), kData),
       "the shape is too large"},
      {makeNpy(dict("'<f4'", "False", "(2, 3)"), kData + "x"),
       "holds 25 data bytes but its dtype and shape need 24"},
      {makeNpy(dict("'<f4'", "False", "(2, 4)"), kData),
       "holds 24 data bytes but its dtype and shape need 32"},
      {makeNpy("{'descr': '<f4', 'shape': (2, 3)}", kData),
       "header lacks the key 'fortran_order'"},
      {makeNpy("{'descr': '<f4', 'descr': '<f4'}", kData),
       "header key 'descr' appears twice"},
      {makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), "
               "'extra': 1}",
               kData),
       "unknown header key 'extra'"},
      {makeNpy("{'descr': '<f4", kData), "header: unterminated string"},
      {makeNpy(kDict + " x", kData), "unexpected text after the header dict"},
      {makeNpy("", kData), "header: expected '{' at byte 54"},
  };
  for (const Case &c : cases)
    EXPECT_EQ(errorOf(c.bytes), "malformed .npy file 't.npy': " + c.message);
}

} // namespace
