//===- WeightGlobals.cpp - weight globals into a bundle -------------------===//
//
// A global holds either the weight's value as the CPU reference's constant
// would (packed words, levels or floats) or something derived from it at
// compile time (bwta.derive); its memref must hold exactly that many
// elements of exactly that type, since the kernels index it as such.
//
//===----------------------------------------------------------------------===//
#include "WeightGlobals.h"

#include "bwta/Conversion/WeightResolver.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"
#include "bwta/runtime/Bundle.h"

#include "llvm/ADT/StringMap.h"

#include <cstring>

using namespace mlir;
using namespace bwta;
using namespace bwta::compile;

namespace {

/// A global's contents: bytes of `count` elements of `elementType`.
struct GlobalValue {
  std::vector<char> bytes;
  Type elementType;
  SmallVector<int64_t> shape;
  runtime::DType dtype;
  std::string layout;
};

std::string print(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

class WeightReader {
public:
  WeightReader(const SafetensorsFile *file, StringRef path)
      : file(file), path(path) {}

  FailureOr<GlobalValue> read(memref::GlobalOp global,
                              RankedTensorType &weightType) {
    auto fail = [&] { return global.emitOpError(); };
    if (!global.isExternal())
      return fail() << "has an initial value: weight globals are "
                       "declarations that bwta-compile fills from the weights";
    if (!global.getConstant())
      return fail() << "is not constant: weights are read-only";
    auto name = global->getAttrOfType<StringAttr>("bwta.weight");
    if (!name)
      return fail() << "has no bwta.weight attribute (the safetensors name of "
                       "the weight it holds)";
    auto typeAttr = global->getAttrOfType<TypeAttr>("bwta.weight_type");
    weightType =
        typeAttr ? dyn_cast<RankedTensorType>(typeAttr.getValue()) : nullptr;
    if (!weightType || !weightType.hasStaticShape())
      return fail() << "needs bwta.weight_type, the static tensor type of the "
                       "bwta.weight op the global comes from";
    const std::vector<char> *storage = getStorage(name, weightType, fail);
    if (!storage)
      return failure();

    GlobalValue value;
    auto derive = global->getAttrOfType<StringAttr>("bwta.derive");
    if (!derive) {
      RankedTensorType storageType = getReferenceStorageType(weightType);
      value.bytes = *storage;
      value.elementType = storageType.getElementType();
      value.shape = llvm::to_vector(storageType.getShape());
      value.layout = describeLayout(weightType);
      bool isWords = bool(getPackedLayout(weightType));
      value.dtype = isWords ? (value.elementType.isInteger(64)
                                   ? runtime::DType::U64
                                   : runtime::DType::U32)
                            : *getDType(value.elementType);
      return value;
    }
    if (derive.getValue() == "int8_tiles" || derive.getValue() == "int8_wgmma_tiles" ||
        derive.getValue() == "level_sum")
      return readInt8Derived(global, weightType, *storage, derive.getValue());
    if (derive.getValue() == "b1_wgmma_tiles")
      return readB1WgmmaTiles(global, weightType, *storage);
    if (derive.getValue() != "plane_popcount")
      return fail() << "has bwta.derive = '" << derive.getValue()
                    << "', which bwta-compile does not know (it knows "
                       "'plane_popcount', 'int8_tiles', 'int8_wgmma_tiles', "
                       "'b1_wgmma_tiles', 'level_sum')";
    return readPopcounts(global, weightType, *storage);
  }

private:
  /// The storage of weight `name` as `type`, resolved once per pair.
  const std::vector<char> *getStorage(StringAttr name, RankedTensorType type,
                                      EmitErrorFn emitError) {
    std::string key = name.str() + "\n" + print(type);
    if (auto it = storages.find(key); it != storages.end())
      return &it->second;
    const SafetensorsTensor *tensor =
        findWeight(file, path, name.getValue(), type, emitError);
    if (!tensor)
      return nullptr;
    return &(storages[key] = getWeightStorage(type, *tensor));
  }

  FailureOr<GlobalValue> readPopcounts(memref::GlobalOp global,
                                       RankedTensorType weightType,
                                       ArrayRef<char> storage) {
    if (!isa<QuantizedType>(weightType.getElementType()) ||
        weightType.getRank() < 1)
      return global.emitOpError()
             << "derives plane popcounts from " << weightType
             << ", which has no rows of bit planes";
    std::optional<int64_t> groupSize;
    if (Attribute attr = global->getAttr("bwta.group_size")) {
      auto integer = dyn_cast<IntegerAttr>(attr);
      if (!integer || integer.getInt() < 1)
        return global.emitOpError()
               << "bwta.group_size must be a positive integer, got " << attr;
      groupSize = integer.getInt();
    }
    PackedLayoutAttr layout = getPackedLayout(weightType);
    if (layout && groupSize && *groupSize % layout.getWord())
      return global.emitOpError()
             << "bwta.group_size " << *groupSize << " is not a multiple of the "
             << layout.getWord() << "-bit words of the packed weight";
    std::vector<int32_t> counts =
        *getPlanePopcounts(weightType, storage, groupSize);
    GlobalValue value;
    value.bytes.resize(counts.size() * sizeof(int32_t));
    std::memcpy(value.bytes.data(), counts.data(), value.bytes.size());
    value.elementType = IntegerType::get(global.getContext(), 32);
    value.shape = getPlanePopcountShape(weightType, groupSize);
    value.dtype = runtime::DType::I32;
    value.layout = "plane_popcount";
    if (groupSize)
      value.layout += " group_size=" + std::to_string(*groupSize);
    return value;
  }

  /// The packed planes as the b1 wgmma GEMM's weight tiles of 256 rows.
  FailureOr<GlobalValue> readB1WgmmaTiles(memref::GlobalOp global,
                                          RankedTensorType weightType,
                                          ArrayRef<char> storage) {
    std::optional<std::vector<char>> tiles = getB1WgmmaTiles(weightType, storage, 256);
    if (!tiles)
      return global.emitOpError()
             << "derives b1 wgmma tiles from " << weightType
             << ", which is not packed in K tiles of 8 lsb_first 32-bit words";
    GlobalValue value;
    value.bytes = std::move(*tiles);
    value.elementType = IntegerType::get(global.getContext(), 32);
    value.shape = {int64_t(value.bytes.size() / 4)};
    value.dtype = runtime::DType::U32;
    value.layout = "b1_wgmma_tiles block_rows=256 tile_bytes=32 swizzle=32";
    return value;
  }

  /// The int8 path's derivations: the levels as byte tiles of 8 rows (the
  /// mma.sync GEMM's rhs), as wgmma tiles of 256 rows (the wgmma GEMM's) or
  /// their row sums.
  FailureOr<GlobalValue> readInt8Derived(memref::GlobalOp global,
                                         RankedTensorType weightType,
                                         ArrayRef<char> storage, StringRef derive) {
    GlobalValue value;
    MLIRContext *ctx = global.getContext();
    if (derive == "int8_tiles" || derive == "int8_wgmma_tiles") {
      bool wgmma = derive == "int8_wgmma_tiles";
      std::optional<std::vector<char>> tiles = wgmma ? getInt8WgmmaTiles(weightType, storage, 256)
                                                     : getInt8Tiles(weightType, storage, 8);
      if (!tiles)
        return global.emitOpError()
               << "derives int8 tiles from " << weightType
               << ", which is not an unpacked weight of levels that fit a byte";
      value.bytes = std::move(*tiles);
      value.elementType = IntegerType::get(ctx, 8);
      value.shape = {int64_t(value.bytes.size())};
      value.dtype = runtime::DType::I8;
      value.layout = wgmma ? "int8_wgmma_tiles block_rows=256 slot_bytes=64 swizzle=64"
                           : "int8_tiles tile_rows=8 tile_bytes=32";
      return value;
    }
    std::optional<std::vector<int32_t>> sums = getLevelSums(weightType, storage);
    if (!sums)
      return global.emitOpError() << "derives level sums from " << weightType
                                  << ", which is not an unpacked quantized weight";
    value.bytes.resize(sums->size() * sizeof(int32_t));
    std::memcpy(value.bytes.data(), sums->data(), value.bytes.size());
    value.elementType = IntegerType::get(ctx, 32);
    value.shape = {int64_t(sums->size())};
    value.dtype = runtime::DType::I32;
    value.layout = "level_sum";
    return value;
  }

  static std::string describeLayout(RankedTensorType weightType) {
    if (PackedLayoutAttr layout = getPackedLayout(weightType)) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << layout;
      return text;
    }
    if (isa<QuantizedType>(weightType.getElementType()))
      return "levels " + print(weightType.getElementType());
    return "row_major";
  }

  const SafetensorsFile *file;
  std::string path;
  llvm::StringMap<std::vector<char>> storages;
};

} // namespace

FailureOr<Json> compile::writeWeights(ArrayRef<memref::GlobalOp> globals,
                                      const SafetensorsFile *file,
                                      StringRef path,
                                      runtime::BundleWriter &writer,
                                      Json &quantization) {
  WeightReader reader(file, path);
  Json weights = Json::array();
  for (memref::GlobalOp global : globals) {
    RankedTensorType weightType;
    FailureOr<GlobalValue> value = reader.read(global, weightType);
    if (failed(value))
      return failure();
    MemRefType type = global.getType();
    int64_t count = 1;
    for (int64_t size : value->shape)
      count *= size;
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getElementType() != value->elementType ||
        type.getNumElements() != count)
      return global.emitOpError()
             << "is " << type << " but holds "
             << RankedTensorType::get(value->shape, value->elementType)
             << " (" << global->getAttr("bwta.weight_type")
             << (global->hasAttr("bwta.derive") ? ", derived" : "")
             << "): it needs a static memref of " << count << " "
             << value->elementType;
    uint64_t offset = writer.addWeight(value->bytes.data(), value->bytes.size());
    weights.push_back({{"name", global.getSymName().str()},
                       {"dtype", runtime::getDTypeName(value->dtype)},
                       {"shape", type.getShape().vec()},
                       {"offset", offset},
                       {"bytes", value->bytes.size()},
                       {"layout", value->layout}});
    quantization["weights"][global->getAttrOfType<StringAttr>("bwta.weight")
                                .str()] = print(weightType);
  }
  return weights;
}
