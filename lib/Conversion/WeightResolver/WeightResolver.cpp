//===- WeightResolver.cpp - bwta.weight values from safetensors -----------===//
//
// The packed geometry and the level → plane bit rule are the CPU
// reference's own (LoweringUtils), so the words written here are the words
// its bwta.pack lowering computes.
//
//===----------------------------------------------------------------------===//
#include "bwta/Conversion/WeightResolver.h"

#include "../BWTAToLinalg/LoweringUtils.h"

#include "bwta/Dialect/BWTA/IR/BWTA.h"
#include "bwta/Support/Safetensors.h"

#include "llvm/ADT/bit.h"

#include <cstring>

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

/// Level `index` of a weight stored as I8 or I16 (little-endian host).
int64_t readLevel(const SafetensorsTensor &tensor, size_t index) {
  if (tensor.dtype == "I8")
    return static_cast<int8_t>(tensor.data[index]);
  int16_t level;
  std::memcpy(&level, tensor.data + 2 * index, 2);
  return level;
}

/// The storage word of `geometry` that holds (plane, row, wordIndex).
int64_t wordOffset(const PackedGeometry &geometry, int64_t plane, int64_t row,
                   int64_t wordIndex) {
  int64_t wordsPerPlane = geometry.rowTiles * geometry.kTiles *
                          geometry.tileRows * geometry.tileWords;
  return plane * wordsPerPlane +
         ((row / geometry.tileRows) * geometry.kTiles +
          wordIndex / geometry.tileWords) *
             geometry.tileRows * geometry.tileWords +
         (row % geometry.tileRows) * geometry.tileWords +
         wordIndex % geometry.tileWords;
}

/// Packs the levels of a quantized weight into its storage words.
template <typename Word>
std::vector<char> pack(RankedTensorType type, const PackedGeometry &geometry,
                       const SafetensorsTensor &tensor) {
  auto quantized = cast<QuantizedType>(type.getElementType());
  constexpr unsigned wordBits = 8 * sizeof(Word);
  bool msbFirst = geometry.layout.getKOrder() == KOrder::MsbFirst;
  std::vector<Word> words(geometry.planes * geometry.rowTiles *
                              geometry.kTiles * geometry.tileRows *
                              geometry.tileWords,
                          0);
  for (int64_t plane = 0; plane < geometry.planes; ++plane)
    for (int64_t row = 0; row < geometry.rows; ++row)
      for (int64_t k = 0; k < geometry.k; ++k) {
        if (!getLevelBit(quantized, readLevel(tensor, row * geometry.k + k),
                         plane))
          continue;
        unsigned bit = k % wordBits;
        words[wordOffset(geometry, plane, row, k / wordBits)] |=
            Word(1) << (msbFirst ? wordBits - 1 - bit : bit);
      }
  std::vector<char> bytes(words.size() * sizeof(Word));
  std::memcpy(bytes.data(), words.data(), bytes.size());
  return bytes;
}

/// Number of scale groups and the span of one group in units (bits, or
/// words when packed) along K.
std::pair<int64_t, int64_t> groupSpan(int64_t units, int64_t k,
                                      int64_t elementsPerUnit,
                                      std::optional<int64_t> groupSize) {
  if (!groupSize)
    return {1, units};
  return {getNumGroups(k, groupSize), *groupSize / elementsPerUnit};
}

} // namespace

std::string bwta::getWeightDtype(Type elementType) {
  if (elementType.isF32())
    return "F32";
  if (elementType.isF16())
    return "F16";
  if (elementType.isBF16())
    return "BF16";
  if (auto quantized = dyn_cast<QuantizedType>(elementType))
    return getLevelStorageType(quantized).getWidth() == 8 ? "I8" : "I16";
  return "";
}

const SafetensorsTensor *bwta::findWeight(const SafetensorsFile *file,
                                          StringRef path, StringRef name,
                                          RankedTensorType type,
                                          EmitErrorFn emitError) {
  if (!file) {
    emitError() << "weight '" << name
                << "' cannot be resolved: no weight file given (use the "
                   "'weights' option)";
    return nullptr;
  }
  const SafetensorsTensor *tensor = file->find(name);
  if (!tensor) {
    emitError() << "weight '" << name << "' not found in '" << path << "'";
    return nullptr;
  }
  std::string dtype = getWeightDtype(type.getElementType());
  if (tensor->dtype != dtype) {
    InFlightDiagnostic diag = emitError();
    diag << "weight '" << name << "' in '" << path << "' has dtype "
         << tensor->dtype << " but " << type.getElementType();
    if (dtype.empty())
      diag << " cannot be a weight";
    else
      diag << " needs " << dtype;
    return nullptr;
  }
  if (ArrayRef<int64_t>(tensor->shape) != type.getShape()) {
    InFlightDiagnostic diag = emitError();
    diag << "weight '" << name << "' in '" << path << "' has shape [";
    llvm::interleaveComma(tensor->shape, diag);
    diag << "] but the op expects " << type;
    return nullptr;
  }
  if (auto quantized = dyn_cast<QuantizedType>(type.getElementType())) {
    size_t width = getSafetensorsDtypeSize(tensor->dtype);
    for (size_t i = 0; i < tensor->size / width; ++i) {
      int64_t level = readLevel(*tensor, i);
      bool isBinaryZero = isa<BinaryType>(quantized) && level == 0;
      if (level < quantized.getMinLevel() || level > quantized.getMaxLevel() ||
          isBinaryZero) {
        emitError() << "weight '" << name << "' in '" << path << "': element "
                    << i << " has level " << level << ", not a level of "
                    << quantized;
        return nullptr;
      }
    }
  }
  return tensor;
}

RankedTensorType bwta::getReferenceStorageType(RankedTensorType type) {
  if (std::optional<PackedGeometry> geometry = getPackedGeometry(type))
    return geometry->storageType(type.getContext());
  if (auto quantized = dyn_cast<QuantizedType>(type.getElementType()))
    return RankedTensorType::get(type.getShape(),
                                 getLevelStorageType(quantized));
  return type;
}

std::vector<char> bwta::getWeightStorage(RankedTensorType type,
                                         const SafetensorsTensor &tensor) {
  if (std::optional<PackedGeometry> geometry = getPackedGeometry(type))
    return geometry->layout.getWord() == 64
               ? pack<uint64_t>(type, *geometry, tensor)
               : pack<uint32_t>(type, *geometry, tensor);
  // Levels and floats: the safetensors data is the storage as it is.
  return std::vector<char>(tensor.data, tensor.data + tensor.size);
}

SmallVector<int64_t> bwta::getPlanePopcountShape(RankedTensorType type,
                                                 std::optional<int64_t> groupSize) {
  auto quantized = cast<QuantizedType>(type.getElementType());
  SmallVector<int64_t> shape{quantized.getNumPlanes()};
  if (groupSize)
    shape.push_back(getNumGroups(type.getShape().back(), groupSize));
  llvm::append_range(shape, type.getShape().drop_back());
  return shape;
}

std::optional<std::vector<int32_t>>
bwta::getPlanePopcounts(RankedTensorType type, ArrayRef<char> storage,
                        std::optional<int64_t> groupSize) {
  auto quantized = dyn_cast<QuantizedType>(type.getElementType());
  if (!quantized || (groupSize && *groupSize < 1) || type.getRank() < 1)
    return std::nullopt;
  int64_t planes = quantized.getNumPlanes(), k = type.getShape().back();
  int64_t rows = 1;
  for (int64_t size : type.getShape().drop_back())
    rows *= size;
  std::optional<PackedGeometry> geometry = getPackedGeometry(type);
  if (geometry && groupSize && *groupSize % geometry->layout.getWord())
    return std::nullopt;
  // Packed: count words (padding bits are 0); unpacked: count level bits.
  int64_t units = geometry ? geometry->wordsPerRow : k;
  auto [groups, span] =
      groupSpan(units, k, geometry ? geometry->layout.getWord() : 1, groupSize);
  unsigned levelBytes = getLevelStorageType(quantized).getWidth() / 8;
  auto unitCount = [&](int64_t plane, int64_t row, int64_t unit) -> int32_t {
    if (!geometry) {
      int64_t index = row * k + unit, level;
      if (levelBytes == 1) {
        level = static_cast<int8_t>(storage[index]);
      } else {
        int16_t wide;
        std::memcpy(&wide, storage.data() + 2 * index, 2);
        level = wide;
      }
      return getLevelBit(quantized, level, plane);
    }
    int64_t at = wordOffset(*geometry, plane, row, unit);
    if (geometry->layout.getWord() == 64) {
      uint64_t word;
      std::memcpy(&word, storage.data() + 8 * at, 8);
      return llvm::popcount(word);
    }
    uint32_t word;
    std::memcpy(&word, storage.data() + 4 * at, 4);
    return llvm::popcount(word);
  };
  std::vector<int32_t> counts(planes * groups * rows, 0);
  for (int64_t plane = 0; plane < planes; ++plane)
    for (int64_t group = 0; group < groups; ++group)
      for (int64_t row = 0; row < rows; ++row) {
        int64_t begin = group * span, end = std::min(begin + span, units);
        int32_t &count = counts[(plane * groups + group) * rows + row];
        for (int64_t unit = begin; unit < end; ++unit)
          count += unitCount(plane, row, unit);
      }
  return counts;
}

namespace {

/// The rows, K and stored levels of an unpacked quantized weight.
struct StoredLevels {
  int64_t rows = 1, k;
  unsigned bytes;
  ArrayRef<char> storage;
  int64_t operator()(int64_t row, int64_t column) const {
    int64_t index = row * k + column;
    if (bytes == 1)
      return static_cast<int8_t>(storage[index]);
    int16_t wide;
    std::memcpy(&wide, storage.data() + 2 * index, 2);
    return wide;
  }
};

std::optional<StoredLevels> storedLevels(RankedTensorType type, ArrayRef<char> storage) {
  auto quantized = dyn_cast<QuantizedType>(type.getElementType());
  if (!quantized || getPackedLayout(type) || type.getRank() < 1)
    return std::nullopt;
  StoredLevels levels;
  levels.k = type.getShape().back();
  for (int64_t size : type.getShape().drop_back())
    levels.rows *= size;
  levels.bytes = getLevelStorageType(quantized).getWidth() / 8;
  levels.storage = storage;
  return levels;
}

/// The stored levels of `type` if they fit a byte (u8 or s8).
std::optional<StoredLevels> byteLevels(RankedTensorType type, ArrayRef<char> storage) {
  std::optional<StoredLevels> levels = storedLevels(type, storage);
  if (!levels)
    return std::nullopt;
  auto quantized = cast<QuantizedType>(type.getElementType());
  if (quantized.getMinLevel() < -128 || quantized.getMaxLevel() > 255 ||
      (quantized.getMinLevel() < 0 && quantized.getMaxLevel() > 127))
    return std::nullopt;
  return levels;
}

} // namespace

std::optional<std::vector<char>> bwta::getInt8WgmmaTiles(RankedTensorType type,
                                                         ArrayRef<char> storage,
                                                         int64_t blockRows) {
  std::optional<StoredLevels> levels = byteLevels(type, storage);
  if (!levels || blockRows < 8 || blockRows % 8)
    return std::nullopt;
  int64_t blocks = (levels->rows + blockRows - 1) / blockRows;
  int64_t slots = (levels->k + 63) / 64;
  std::vector<char> bytes(blocks * slots * blockRows * 64, 0);
  for (int64_t row = 0; row < levels->rows; ++row)
    for (int64_t k = 0; k < levels->k; ++k) {
      int64_t r = row % blockRows, chunk = (k % 64 / 16) ^ (r >> 1 & 3);
      bytes[((row / blockRows * slots + k / 64) * blockRows + r) * 64 + chunk * 16 + k % 16] =
          static_cast<char>((*levels)(row, k) & 0xff);
    }
  return bytes;
}

std::optional<std::vector<char>> bwta::getB1WgmmaTiles(RankedTensorType type,
                                                      ArrayRef<char> storage,
                                                      int64_t blockRows) {
  std::optional<PackedGeometry> geometry = getPackedGeometry(type);
  if (!geometry || geometry->layout.getWord() != 32 || geometry->tileWords != 8 ||
      geometry->layout.getKOrder() != KOrder::LsbFirst ||
      blockRows < 8 || blockRows % 8 ||
      int64_t(storage.size()) < 4 * geometry->planes * geometry->rowTiles *
                                    geometry->kTiles * geometry->tileRows * 8)
    return std::nullopt;
  const int64_t planes = geometry->planes, kTiles = geometry->kTiles;
  const int64_t blocks = (geometry->rows + blockRows - 1) / blockRows;
  std::vector<char> bytes(blocks * kTiles * planes * blockRows * 32, 0);
  for (int64_t plane = 0; plane < planes; ++plane)
    for (int64_t row = 0; row < geometry->rows; ++row)
      for (int64_t word = 0; word < kTiles * 8; ++word) {
        int64_t r = row % blockRows, inTile = word % 8;
        int64_t chunk = (inTile / 4) ^ (r >> 2 & 1);
        int64_t at = (((row / blockRows * kTiles + word / 8) * planes + plane) * blockRows + r) * 32 +
                     chunk * 16 + inTile % 4 * 4;
        std::memcpy(bytes.data() + at, storage.data() + 4 * wordOffset(*geometry, plane, row, word),
                    4);
      }
  return bytes;
}

std::optional<std::vector<char>> bwta::getInt8Tiles(RankedTensorType type,
                                                    ArrayRef<char> storage,
                                                    int64_t tileRows) {
  std::optional<StoredLevels> levels = byteLevels(type, storage);
  if (!levels || tileRows < 1)
    return std::nullopt;
  int64_t rowTiles = (levels->rows + tileRows - 1) / tileRows;
  int64_t kTiles = (levels->k + 31) / 32;
  std::vector<char> bytes(rowTiles * kTiles * tileRows * 32, 0);
  for (int64_t row = 0; row < levels->rows; ++row)
    for (int64_t k = 0; k < levels->k; ++k)
      bytes[((row / tileRows * kTiles + k / 32) * tileRows + row % tileRows) * 32 +
            k % 32] = static_cast<char>((*levels)(row, k) & 0xff);
  return bytes;
}

std::optional<std::vector<int32_t>> bwta::getLevelSums(RankedTensorType type,
                                                       ArrayRef<char> storage) {
  std::optional<StoredLevels> levels = storedLevels(type, storage);
  if (!levels)
    return std::nullopt;
  std::vector<int32_t> sums(levels->rows, 0);
  for (int64_t row = 0; row < levels->rows; ++row)
    for (int64_t k = 0; k < levels->k; ++k)
      sums[row] += (*levels)(row, k);
  return sums;
}
