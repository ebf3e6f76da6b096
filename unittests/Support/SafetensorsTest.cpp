//===- SafetensorsTest.cpp - the safetensors reader -----------------------===//
#include "bwta/Support/Safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace bwta;

namespace {

/// A file image: 8-byte little-endian header length, header, data.
std::vector<char> makeImage(const std::string &header, const std::string &data) {
  std::vector<char> bytes(8);
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::string floats(std::initializer_list<float> values) {
  std::string data(values.size() * sizeof(float), '\0');
  std::memcpy(data.data(), values.begin(), data.size());
  return data;
}

const char *kHeader =
    R"({"__metadata__":{"format":"pt"},)"
    R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
    R"("b":{"dtype":"I8","shape":[3],"data_offsets":[16,19]}})";

std::vector<char> goodImage() {
  return makeImage(kHeader, floats({1.0f, -2.0f, 0.5f, 4.0f}) + std::string("\x01\xff\x00", 3));
}

TEST(SafetensorsTest, ReadsTensors) {
  std::string error;
  auto file = SafetensorsFile::parse(goodImage(), "good", error);
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->tensors().size(), 2u);
  const SafetensorsTensor *a = file->find("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->dtype, "F32");
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(a->size, 16u);
  float values[4];
  std::memcpy(values, a->data, 16);
  EXPECT_EQ(values[1], -2.0f);
  EXPECT_EQ(values[3], 4.0f);
  const SafetensorsTensor *b = file->find("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(static_cast<int8_t>(b->data[1]), -1);
  EXPECT_EQ(file->find("__metadata__"), nullptr);
  EXPECT_EQ(file->find("missing"), nullptr);
}

// Every truncation of a valid file is refused with a message; none crashes.
TEST(SafetensorsTest, EveryTruncationIsRefused) {
  std::vector<char> image = goodImage();
  for (size_t length = 0; length < image.size(); ++length) {
    std::string error;
    auto file = SafetensorsFile::parse(
        std::vector<char>(image.begin(), image.begin() + length), "cut", error);
    EXPECT_FALSE(file) << "accepted a file cut at " << length << " bytes";
    EXPECT_NE(error.find("malformed safetensors file 'cut'"), std::string::npos)
        << error;
  }
}

// Flipping any single header byte never crashes; what parses stays in bounds.
TEST(SafetensorsTest, CorruptHeadersNeverCrash) {
  std::vector<char> image = goodImage();
  for (size_t at = 0; at < 8 + std::strlen(kHeader); ++at) {
    for (unsigned char flip : {0x01, 0x20, 0x80, 0xff}) {
      std::vector<char> bytes = image;
      bytes[at] = static_cast<char>(bytes[at] ^ flip);
      std::string error;
      auto file = SafetensorsFile::parse(bytes, "flip", error);
      if (!file) {
        EXPECT_FALSE(error.empty());
        continue;
      }
      for (const auto &[name, tensor] : file->tensors()) {
        int64_t elements = 1;
        for (int64_t size : tensor.shape)
          elements *= size;
        EXPECT_EQ(tensor.size,
                  elements * getSafetensorsDtypeSize(tensor.dtype));
        EXPECT_LE(tensor.size, bytes.size());
      }
    }
  }
}

struct BadCase {
  const char *header;
  std::string data;
  const char *message;
};

class SafetensorsErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SafetensorsErrorTest, SaysWhatIsWrong) {
  std::string error;
  auto file = SafetensorsFile::parse(makeImage(GetParam().header, GetParam().data),
                                     "bad", error);
  EXPECT_FALSE(file);
  EXPECT_NE(error.find(GetParam().message), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, SafetensorsErrorTest,
    ::testing::Values(
        BadCase{"[1,2]", "", "header is not a JSON object"},
        BadCase{"{\"a\":", "", "header is not a JSON object"},
        BadCase{R"({"a":7})", "", "tensor 'a': entry is not an object"},
        BadCase{R"({"a":{"shape":[1],"data_offsets":[0,4]}})", "xxxx",
                "missing string field 'dtype'"},
        BadCase{R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", "xxxx",
                "missing array field 'shape'"},
        BadCase{R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "xxxx",
                "'data_offsets' must be two unsigned integers"},
        BadCase{R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-1,4]}})",
                "xxxx", "'data_offsets' must be two unsigned integers"},
        BadCase{R"({"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}})", "xxxx",
                "unsupported dtype 'X9'"},
        BadCase{R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                "xxxx", "shape entries must be unsigned integers"},
        BadCase{R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}})",
                "xxxx", "shape is too large"},
        BadCase{R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[4,0]}})",
                "xxxxxxxx", "outside the data section"},
        BadCase{R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})",
                "xxxxxxxx", "outside the data section of 8 bytes"},
        BadCase{R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                "xxxxxxxx", "holds 8 bytes but its dtype and shape need 12"}));

TEST(SafetensorsTest, MissingFile) {
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open("/nonexistent/weights.safetensors", error));
  EXPECT_NE(error.find("cannot open weight file"), std::string::npos);
}

} // namespace
