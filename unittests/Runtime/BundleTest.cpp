//===- BundleTest.cpp - the .bwtab container: write, read, refuse ---------===//
#include "TestBundle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>

using namespace bwta::runtime;
using bwta::runtime::test::TestBundle;

namespace {

/// Reads `bytes` as bundle "t"; returns the error ("" if it was accepted).
std::string errorOf(const std::vector<char> &bytes) {
  std::string error;
  std::unique_ptr<Bundle> bundle = Bundle::read(bytes, "t", error);
  if (bundle)
    return "";
  EXPECT_FALSE(error.empty());
  return error;
}

void storeU32(std::vector<char> &bytes, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    bytes[at + i] = char((value >> (8 * i)) & 0xff);
}
void storeU64(std::vector<char> &bytes, size_t at, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    bytes[at + i] = char((value >> (8 * i)) & 0xff);
}
uint64_t loadU64(const std::vector<char> &bytes, size_t at) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

/// Offset of field `field` (0 kind, 4 flags, 8 offset, 16 size, 24 checksum)
/// of section entry `index`.
size_t entryAt(size_t index, size_t field) {
  return kBundleHeaderSize + index * kSectionEntrySize + field;
}

/// Recomputes the header checksum after a test edited the table on purpose.
void resealHeader(std::vector<char> &bytes) {
  uint32_t count = 0;
  for (int i = 3; i >= 0; --i)
    count = (count << 8) | static_cast<unsigned char>(bytes[12 + i]);
  if (kBundleHeaderSize + uint64_t(count) * kSectionEntrySize > bytes.size())
    return; // the reader stops before the checksum
  uint64_t sum = fnv1a64(bytes.data(), 16);
  sum = fnv1a64(bytes.data() + kBundleHeaderSize, count * kSectionEntrySize, sum);
  storeU64(bytes, 16, sum);
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(BundleTest, Fnv1a64KnownValues) {
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar", 6), 0x85944171f73967e8ull);
  // Chaining equals hashing the concatenation.
  EXPECT_EQ(fnv1a64("bar", 3, fnv1a64("foo", 3)), fnv1a64("foobar", 6));
}

TEST(BundleTest, RoundTrip) {
  TestBundle test;
  std::vector<char> bytes = test.build();
  std::string error;
  std::unique_ptr<Bundle> bundle = Bundle::read(bytes, "t", error);
  ASSERT_TRUE(bundle) << error;
  EXPECT_EQ(bundle->version(), 1u);
  EXPECT_EQ(bundle->fileSize(), bytes.size());
  ASSERT_EQ(bundle->sections().size(), 4u);
  EXPECT_EQ(bundle->sections()[0].kind, SectionKind::Manifest);
  EXPECT_EQ(bundle->sections()[3].kind, SectionKind::Weights);
  for (const Section &section : bundle->sections())
    EXPECT_EQ(section.offset % kSectionAlignment, 0u);
  EXPECT_EQ(bundle->payload(SectionKind::Cubin), test.cubin);
  EXPECT_EQ(bundle->payload(SectionKind::Ptx), test.ptx);

  const Manifest &manifest = bundle->manifest();
  EXPECT_EQ(manifest.producer, "bwta unittest");
  EXPECT_EQ(manifest.target.chip, "sm_90a");
  ASSERT_EQ(manifest.weights.size(), 2u);
  EXPECT_EQ(std::memcmp(bundle->weightData(0), test.w.data(), 256), 0);
  EXPECT_EQ(std::memcmp(bundle->weightData(1), test.scale.data(), 128), 0);
  for (size_t i = 0; i < 2; ++i)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(bundle->weightData(i)) % 64, 0u);
}

TEST(BundleTest, WritesAndMapsFiles) {
  TestBundle test;
  BundleWriter writer;
  writer.setManifest(test.manifest.dump());
  writer.setPtx(test.ptx);
  EXPECT_EQ(writer.addWeight(test.w.data(), 256), 0u);
  EXPECT_EQ(writer.addWeight(test.scale.data(), 128), 256u);
  EXPECT_EQ(writer.addWeight("x", 1), 384u);
  EXPECT_EQ(writer.addWeight("y", 1), 448u); // 385 rounded up to 64
  std::string path = testing::TempDir() + "bwta_bundle_test.bwtab";
  std::string error;
  ASSERT_TRUE(writer.write(path, error)) << error;
  std::unique_ptr<Bundle> bundle = Bundle::read(path, error);
  ASSERT_TRUE(bundle) << error;
  EXPECT_EQ(bundle->name(), path);
  EXPECT_FALSE(bundle->has(SectionKind::Cubin));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bundle->weightData(1)) % 64, 0u);
  std::remove(path.c_str());

  EXPECT_FALSE(Bundle::read(path, error));
  EXPECT_TRUE(contains(error, "cannot open bundle '" + path + "'")) << error;
  EXPECT_FALSE(Bundle::read(testing::TempDir(), error)); // a directory
  EXPECT_TRUE(contains(error, "cannot read bundle")) << error;
}

TEST(BundleTest, WriterRefusesInvalidBundles) {
  TestBundle test;
  test.manifest["schedule"][0]["kernel"] = "nope";
  BundleWriter writer;
  writer.setManifest(test.manifest.dump());
  writer.setPtx(test.ptx);
  writer.addWeight(test.w.data(), 256);
  writer.addWeight(test.scale.data(), 128);
  std::string path = testing::TempDir() + "bwta_bundle_invalid.bwtab", error;
  EXPECT_FALSE(writer.write(path, error));
  EXPECT_TRUE(contains(error, "'nope' is not a declared kernel")) << error;
}

// Every proper prefix of a valid bundle is refused with a message.
TEST(BundleTest, EveryTruncationIsRefused) {
  std::vector<char> bytes = TestBundle().build();
  for (size_t length = 0; length < bytes.size(); ++length) {
    std::string error =
        errorOf(std::vector<char>(bytes.begin(), bytes.begin() + length));
    EXPECT_TRUE(contains(error, "bundle 't': ")) << "cut at " << length;
  }
}

// Flipping bits of any byte (header, table, padding, payloads) is caught.
TEST(BundleTest, EveryByteFlipIsRefused) {
  std::vector<char> bytes = TestBundle().build();
  for (size_t at = 0; at < bytes.size(); ++at)
    for (unsigned char flip : {0x01, 0x80}) {
      std::vector<char> corrupt = bytes;
      corrupt[at] = char(corrupt[at] ^ flip);
      EXPECT_NE(errorOf(corrupt), "") << "flip at byte " << at;
    }
}

TEST(BundleTest, FlipsNameTheirPlace) {
  std::vector<char> bytes = TestBundle().build();
  auto flipped = [&](size_t at) {
    std::vector<char> corrupt = bytes;
    corrupt[at] ^= 0x10;
    return errorOf(corrupt);
  };
  EXPECT_TRUE(contains(flipped(0), "wrong magic"));
  EXPECT_TRUE(contains(flipped(entryAt(1, 16)), "header checksum mismatch"));
  uint64_t cubin = loadU64(bytes, entryAt(1, 8));
  EXPECT_TRUE(contains(flipped(cubin), "section 1 (CUBIN) checksum mismatch"))
      << flipped(cubin);
  uint64_t weights = loadU64(bytes, entryAt(3, 8));
  EXPECT_TRUE(contains(flipped(weights + 300), "section 3 (WEIGHTS) checksum"));
  EXPECT_TRUE(contains(flipped(weights - 1), "nonzero padding byte at offset"));
}

TEST(BundleTest, RefusesWrongMagicAndVersion) {
  std::vector<char> bytes = TestBundle().build();
  std::vector<char> magic = bytes;
  std::memcpy(magic.data(), "BWTAB\0\n\r", 8);
  EXPECT_EQ(errorOf(magic),
            "bundle 't': not a bwta bundle (wrong magic; expected "
            "\"BWTAB\\0\\r\\n\")");
  std::vector<char> version = bytes;
  storeU32(version, 8, 2);
  resealHeader(version);
  EXPECT_EQ(errorOf(version), "bundle 't': unsupported format version 2 (this "
                              "runtime reads version 1)");
}

TEST(BundleTest, RefusesBadSectionTables) {
  std::vector<char> bytes = TestBundle().build();
  uint64_t manifestOffset = loadU64(bytes, entryAt(0, 8));
  uint64_t weightsOffset = loadU64(bytes, entryAt(3, 8));
  struct Case {
    const char *what;
    std::function<void(std::vector<char> &)> edit;
    std::string message;
  };
  std::vector<Case> cases = {
      {"no sections", [](auto &b) { storeU32(b, 12, 0); },
       "section count 0 is outside [1, 64]"},
      {"too many sections", [](auto &b) { storeU32(b, 12, 1000); },
       "section count 1000"},
      {"table past the end", [](auto &b) { storeU32(b, 12, 64); b.resize(200); },
       "truncated: the table of 64 sections ends at byte 2072"},
      {"unknown kind", [](auto &b) { storeU32(b, entryAt(2, 0), 9); },
       "section 2: unknown kind 9"},
      {"duplicate kind", [](auto &b) { storeU32(b, entryAt(2, 0), 2); },
       "section 2 (CUBIN): a second section of this kind (the first is section 1)"},
      {"flags", [](auto &b) { storeU32(b, entryAt(1, 4), 1); },
       "section 1 (CUBIN): reserved flags"},
      {"offset in the table", [](auto &b) { storeU64(b, entryAt(1, 8), 40); },
       "section 1 (CUBIN): offset 40 lies inside the header and section table"},
      {"out of range",
       [](auto &b) { storeU64(b, entryAt(2, 16), uint64_t(1) << 40); },
       "section 2 (PTX): bytes ["},
      {"size overflow",
       [](auto &b) { storeU64(b, entryAt(2, 16), ~uint64_t(0)); },
       "extend past the end"},
      {"overlap",
       [&](auto &b) { storeU64(b, entryAt(1, 8), manifestOffset + 64); },
       "section 1 (CUBIN) overlaps section 0 (MANIFEST)"},
      {"misaligned weights",
       [&](auto &b) { storeU64(b, entryAt(3, 8), weightsOffset - 8); },
       "section 3 (WEIGHTS): offset " + std::to_string(weightsOffset - 8) +
           " is not a multiple of 64"},
      {"kind past WEIGHTS", [](auto &b) { storeU32(b, entryAt(0, 0), 5); },
       "section 0: unknown kind 5"},
  };
  for (Case &c : cases) {
    std::vector<char> edited = bytes;
    c.edit(edited);
    resealHeader(edited);
    std::string error = errorOf(edited);
    EXPECT_TRUE(contains(error, c.message)) << c.what << ": " << error;
  }
}

TEST(BundleTest, RefusesTrailingBytesAndMissingParts) {
  TestBundle test;
  std::vector<char> bytes = test.build();
  bytes.push_back(0);
  EXPECT_TRUE(contains(errorOf(bytes), "1 unexpected bytes after the last section"));

  // A MANIFEST section is required: relabel it as a (missing) PTX section.
  test.ptx.clear();
  bytes = test.build();
  storeU32(bytes, entryAt(0, 0), uint32_t(SectionKind::Ptx));
  resealHeader(bytes);
  EXPECT_EQ(errorOf(bytes), "bundle 't': no MANIFEST section");

  TestBundle noCode;
  noCode.cubin.clear();
  noCode.ptx.clear();
  EXPECT_EQ(errorOf(noCode.build()),
            "bundle 't': the manifest declares 2 kernels but the bundle has no "
            "CUBIN or PTX code");

  TestBundle noWeights;
  noWeights.withWeights = false;
  EXPECT_EQ(errorOf(noWeights.build()),
            "bundle 't': manifest: weights[0] 'w': the bundle has no WEIGHTS "
            "section");
}

TEST(BundleTest, ManifestErrorsNameTheBundle) {
  TestBundle test;
  test.manifest["schedule"][1]["kernel"] = "gemv";
  EXPECT_EQ(errorOf(test.build()), "bundle 't': manifest: schedule[1].kernel "
                                   "'gemv' is not a declared kernel");
}

} // namespace
