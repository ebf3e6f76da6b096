//===- WeightResolverTest.cpp - packed words and popcounts of weights -----===//
//
// Random levels of every quantized type, packed in many layouts, checked
// against the layout formula of docs/Semantics.md ("bwta.pack") written out
// again here, bit by bit, padding included; derived popcounts against a
// plain count of the level bits, with and without groups.
//
//===----------------------------------------------------------------------===//
#include "bwta/Conversion/WeightResolver.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"
#include "bwta/Support/Safetensors.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace mlir;
using namespace bwta;

namespace {

struct Layout {
  unsigned word, tileRows, tileWords;
  bool msbFirst;
};

class WeightResolverTest : public ::testing::Test {
protected:
  WeightResolverTest() { context.loadDialect<BWTADialect>(); }

  RankedTensorType parse(const std::string &text) {
    return cast<RankedTensorType>(parseType(text, &context));
  }

  /// Random levels of `type` stored as its safetensors dtype.
  std::vector<char> randomLevels(QuantizedType type, int64_t count,
                                 std::vector<int64_t> &levels) {
    std::uniform_int_distribution<int64_t> pick(type.getMinLevel(),
                                                type.getMaxLevel());
    bool wide = getWeightDtype(type) == "I16";
    std::vector<char> bytes(count * (wide ? 2 : 1));
    levels.resize(count);
    for (int64_t i = 0; i < count; ++i) {
      int64_t level = pick(rng);
      if (isa<BinaryType>(type) && level == 0)
        level = 1;
      levels[i] = level;
      if (wide) {
        int16_t value = level;
        std::memcpy(bytes.data() + 2 * i, &value, 2);
      } else {
        bytes[i] = static_cast<char>(level);
      }
    }
    return bytes;
  }

  MLIRContext context;
  std::mt19937_64 rng{20261122};
};

/// Bit `plane` of `level` (docs/Semantics.md, the plane table).
bool planeBit(QuantizedType type, int64_t level, unsigned plane) {
  if (isa<BinaryType>(type))
    return level == 1;
  if (isa<TernaryType>(type))
    return level == (plane == 0 ? 1 : -1);
  return (level >> plane) & 1;
}

/// "tensor<AxBx...x" for `shape`, the start of a tensor type's text.
std::string tensorPrefix(const std::vector<int64_t> &shape) {
  std::string text = "tensor<";
  for (int64_t size : shape)
    text += std::to_string(size) + "x";
  return text;
}

uint64_t readWord(const std::vector<char> &storage, unsigned word,
                  int64_t index) {
  uint64_t value = 0;
  std::memcpy(&value, storage.data() + index * word / 8, word / 8);
  return value;
}

TEST_F(WeightResolverTest, PackedBitsFollowTheLayoutFormula) {
  const char *types[] = {"!bwta.binary", "!bwta.ternary", "!bwta.int<2>",
                         "!bwta.int<3, unsigned>", "!bwta.int<2, balanced>",
                         "!bwta.int<8, unsigned>"};
  const Layout layouts[] = {{32, 1, 1, false}, {32, 8, 8, false},
                            {32, 16, 8, true}, {64, 3, 2, false},
                            {64, 1, 1, true}};
  const std::vector<int64_t> shapes[] = {{5, 40}, {2, 3, 70}, {17, 300}};
  for (const char *typeText : types)
    for (const Layout &layout : layouts)
      for (const std::vector<int64_t> &shape : shapes) {
        auto element = cast<QuantizedType>(parseType(typeText, &context));
        unsigned planes = element.getNumPlanes();
        std::string text =
            tensorPrefix(shape) + typeText + ", #bwta.packed<planes = " +
            std::to_string(planes) + ", word = " + std::to_string(layout.word) +
            ", k_order = " + (layout.msbFirst ? "msb_first" : "lsb_first") +
            ", tile_rows = " + std::to_string(layout.tileRows) +
            ", tile_words = " + std::to_string(layout.tileWords) + ">>";
        SCOPED_TRACE(text);
        RankedTensorType type = parse(text);
        int64_t k = shape.back(), rows = type.getNumElements() / k;
        std::vector<int64_t> levels;
        std::vector<char> bytes = randomLevels(element, rows * k, levels);
        SafetensorsTensor tensor{getWeightDtype(element), shape, bytes.data(),
                                 bytes.size()};
        std::vector<char> storage = getWeightStorage(type, tensor);

        int64_t wordsPerRow = (k + layout.word - 1) / layout.word;
        int64_t kTiles = (wordsPerRow + layout.tileWords - 1) / layout.tileWords;
        int64_t rowTiles = (rows + layout.tileRows - 1) / layout.tileRows;
        int64_t words =
            planes * rowTiles * kTiles * layout.tileRows * layout.tileWords;
        ASSERT_EQ(storage.size(), size_t(words * layout.word / 8));
        EXPECT_EQ(getReferenceStorageType(type).getNumElements(), words);
        int64_t setBits = 0;
        for (unsigned p = 0; p < planes; ++p)
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < k; ++c) {
              int64_t w = c / layout.word;
              int64_t index = ((p * rowTiles + r / layout.tileRows) * kTiles +
                               w / layout.tileWords) *
                                  layout.tileRows * layout.tileWords +
                              (r % layout.tileRows) * layout.tileWords +
                              w % layout.tileWords;
              unsigned bit = c % layout.word;
              if (layout.msbFirst)
                bit = layout.word - 1 - bit;
              bool want = planeBit(element, levels[r * k + c], p);
              setBits += want;
              ASSERT_EQ((readWord(storage, layout.word, index) >> bit) & 1,
                        uint64_t(want))
                  << "plane " << p << " row " << r << " k " << c;
            }
        // Every other bit (padding) is zero.
        int64_t total = 0;
        for (int64_t i = 0; i < words; ++i)
          total += llvm::popcount(readWord(storage, layout.word, i));
        EXPECT_EQ(total, setBits);
      }
}

TEST_F(WeightResolverTest, PopcountsCountLevelBitsPerGroup) {
  const char *types[] = {"!bwta.binary", "!bwta.ternary",
                         "!bwta.int<2, balanced>", "!bwta.int<8, unsigned>"};
  for (const char *typeText : types)
    for (bool packed : {false, true})
      for (std::optional<int64_t> group :
           {std::optional<int64_t>(), std::optional<int64_t>(packed ? 64 : 7)}) {
        auto element = cast<QuantizedType>(parseType(typeText, &context));
        unsigned planes = element.getNumPlanes();
        std::string text = std::string("tensor<2x5x150x") + typeText;
        if (packed)
          text += ", #bwta.packed<planes = " + std::to_string(planes) +
                  ", tile_rows = 8, tile_words = 8>";
        text += ">";
        SCOPED_TRACE(text + (group ? " group " + std::to_string(*group) : ""));
        RankedTensorType type = parse(text);
        const int64_t rows = 10, k = 150;
        std::vector<int64_t> levels;
        std::vector<char> bytes = randomLevels(element, rows * k, levels);
        SafetensorsTensor tensor{getWeightDtype(element), {2, 5, 150},
                                 bytes.data(), bytes.size()};
        std::vector<char> storage = getWeightStorage(type, tensor);
        std::optional<std::vector<int32_t>> counts =
            getPlanePopcounts(type, storage, group);
        ASSERT_TRUE(counts);
        int64_t groups = group ? (k + *group - 1) / *group : 1;
        SmallVector<int64_t> shape{planes};
        if (group)
          shape.push_back(groups);
        shape.append({2, 5});
        EXPECT_EQ(getPlanePopcountShape(type, group), shape);
        ASSERT_EQ(counts->size(), size_t(planes * groups * rows));
        for (unsigned p = 0; p < planes; ++p)
          for (int64_t g = 0; g < groups; ++g)
            for (int64_t r = 0; r < rows; ++r) {
              int32_t want = 0;
              for (int64_t c = 0; c < k; ++c)
                if (!group || c / *group == g)
                  want += planeBit(element, levels[r * k + c], p);
              EXPECT_EQ((*counts)[(p * groups + g) * rows + r], want)
                  << "plane " << p << " group " << g << " row " << r;
            }
      }
}

TEST_F(WeightResolverTest, B1WgmmaTilesAreSwizzledRowBlocks) {
  // Bit c of row r, plane p lands in the 32-byte row of its (row block,
  // K tile, plane) chunk, its 16-byte half swapped in rows 4..7 of every 8;
  // every other bit (padding rows, columns past K) is zero.
  const char *types[] = {"!bwta.binary", "!bwta.ternary"};
  const std::vector<int64_t> shapes[] = {{300, 700}, {17, 256}, {2, 9, 40}};
  for (const char *typeText : types)
    for (const std::vector<int64_t> &shape : shapes) {
      auto element = cast<QuantizedType>(parseType(typeText, &context));
      unsigned planes = element.getNumPlanes();
      std::string text = tensorPrefix(shape) + typeText + ", #bwta.packed<planes = " +
                         std::to_string(planes) + ", tile_rows = 8, tile_words = 8>>";
      SCOPED_TRACE(text);
      RankedTensorType type = parse(text);
      int64_t k = shape.back(), rows = type.getNumElements() / k;
      std::vector<int64_t> levels;
      std::vector<char> bytes = randomLevels(element, rows * k, levels);
      SafetensorsTensor tensor{getWeightDtype(element), shape, bytes.data(), bytes.size()};
      std::vector<char> storage = getWeightStorage(type, tensor);
      const int64_t blockRows = 64, kTiles = (k + 255) / 256;
      std::optional<std::vector<char>> tiles = getB1WgmmaTiles(type, storage, blockRows);
      ASSERT_TRUE(tiles);
      int64_t blocks = (rows + blockRows - 1) / blockRows;
      ASSERT_EQ(tiles->size(), size_t(blocks * kTiles * planes * blockRows * 32));
      int64_t setBits = 0;
      for (unsigned p = 0; p < planes; ++p)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < k; ++c) {
            int64_t inBlock = r % blockRows, inTile = c % 256;
            int64_t half = (inTile / 128) ^ (inBlock >> 2 & 1);
            int64_t byte = (((r / blockRows * kTiles + c / 256) * planes + p) * blockRows +
                            inBlock) * 32 + half * 16 + inTile % 128 / 8;
            bool want = planeBit(element, levels[r * k + c], p);
            setBits += want;
            ASSERT_EQ(((*tiles)[byte] >> (c % 8)) & 1, int(want))
                << "plane " << p << " row " << r << " k " << c;
          }
      int64_t total = 0;
      for (char byte : *tiles)
        total += llvm::popcount(uint8_t(byte));
      EXPECT_EQ(total, setBits);
    }
  // Unpacked, or packed in other tiles: refused.
  std::vector<char> storage(4 * 64 * 4);
  EXPECT_FALSE(getB1WgmmaTiles(parse("tensor<4x64x!bwta.binary>"), storage, 256));
  EXPECT_FALSE(getB1WgmmaTiles(
      parse("tensor<4x64x!bwta.binary, #bwta.packed<planes = 1, tile_words = 2>>"), storage, 256));
}

TEST_F(WeightResolverTest, PopcountsRefuseWhatTheOpVerifierRefuses) {
  RankedTensorType packed = parse(
      "tensor<4x64x!bwta.binary, #bwta.packed<planes = 1>>");
  std::vector<char> storage(4 * 2 * 4);
  EXPECT_FALSE(getPlanePopcounts(packed, storage, 16)); // not whole words
  EXPECT_FALSE(getPlanePopcounts(packed, storage, 0));
  EXPECT_FALSE(getPlanePopcounts(parse("tensor<4xf32>"), storage, {}));
}

} // namespace
