//===- WeightLowering.cpp - bwta.weight from a safetensors file -----------===//
//
// In the CPU reference, weights become constants: the reference is an oracle
// for small tests, not a deployment path (the bundle keeps weights apart).
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "bwta/Support/Safetensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cstring>

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

std::string expectedDtype(Type elementType) {
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

/// Level `index` of a weight stored as I8 or I16 (little-endian host).
int64_t readLevel(const SafetensorsTensor &tensor, size_t index) {
  if (tensor.dtype == "I8")
    return static_cast<int8_t>(tensor.data[index]);
  int16_t level;
  std::memcpy(&level, tensor.data + 2 * index, 2);
  return level;
}

/// Packs the levels of a quantized weight into its storage words: weight
/// packing is folded into a constant instead of running at inference time.
DenseElementsAttr packAtCompileTime(RankedTensorType logicalType,
                                    const PackedGeometry &geometry,
                                    const SafetensorsTensor &tensor,
                                    RankedTensorType storageType) {
  auto type = cast<QuantizedType>(logicalType.getElementType());
  unsigned word = geometry.layout.getWord();
  bool msbFirst = geometry.layout.getKOrder() == KOrder::MsbFirst;
  int64_t wordsPerPlane = geometry.rowTiles * geometry.kTiles *
                          geometry.tileRows * geometry.tileWords;
  SmallVector<APInt> words(geometry.planes * wordsPerPlane, APInt(word, 0));
  for (int64_t plane = 0; plane < geometry.planes; ++plane)
    for (int64_t row = 0; row < geometry.rows; ++row)
      for (int64_t k = 0; k < geometry.k; ++k) {
        if (!getLevelBit(type, readLevel(tensor, row * geometry.k + k), plane))
          continue;
        int64_t wordIndex = k / word;
        int64_t at = plane * wordsPerPlane +
                     ((row / geometry.tileRows) * geometry.kTiles +
                      wordIndex / geometry.tileWords) *
                         geometry.tileRows * geometry.tileWords +
                     (row % geometry.tileRows) * geometry.tileWords +
                     wordIndex % geometry.tileWords;
        unsigned bit = k % word;
        words[at].setBit(msbFirst ? word - 1 - bit : bit);
      }
  return DenseElementsAttr::get(storageType, words);
}

struct WeightOpLowering : OpConversionPattern<WeightOp> {
  WeightOpLowering(const TypeConverter &converter, MLIRContext *context,
                   const SafetensorsFile *file, StringRef path)
      : OpConversionPattern(converter, context), file(file), path(path) {}

  LogicalResult
  matchAndRewrite(WeightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Errors are reported by the pass before conversion (checkWeight).
    const SafetensorsTensor *tensor = file ? file->find(op.getName()) : nullptr;
    if (!tensor)
      return failure();
    auto type = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    DenseElementsAttr value;
    if (std::optional<PackedGeometry> geometry =
            getPackedGeometry(op.getResult().getType()))
      value = packAtCompileTime(op.getResult().getType(), *geometry, *tensor, type);
    else
      value = DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(tensor->data, tensor->size));
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, value);
    return success();
  }

  const SafetensorsFile *file;
  std::string path;
};

} // namespace

LogicalResult lowering::checkWeight(WeightOp op, const SafetensorsFile *file,
                                  StringRef path) {
  if (!file)
    return op.emitOpError() << "weight '" << op.getName()
                            << "' cannot be resolved: no weight file given "
                               "(use the 'weights' option)";
  const SafetensorsTensor *tensor = file->find(op.getName());
  if (!tensor)
    return op.emitOpError() << "weight '" << op.getName() << "' not found in '"
                            << path << "'";
  auto type = op.getResult().getType();
  std::string dtype = expectedDtype(type.getElementType());
  if (tensor->dtype != dtype)
    return op.emitOpError() << "weight '" << op.getName() << "' in '" << path
                            << "' has dtype " << tensor->dtype << " but "
                            << type.getElementType() << " needs " << dtype;
  if (ArrayRef<int64_t>(tensor->shape) != type.getShape()) {
    auto diag = op.emitOpError() << "weight '" << op.getName() << "' in '"
                                 << path << "' has shape [";
    llvm::interleaveComma(tensor->shape, diag);
    return diag << "] but the op expects " << type;
  }
  if (auto quantized = dyn_cast<QuantizedType>(type.getElementType())) {
    size_t width = getSafetensorsDtypeSize(tensor->dtype);
    for (size_t i = 0; i < tensor->size / width; ++i) {
      int64_t level = readLevel(*tensor, i);
      bool isBinaryZero = isa<BinaryType>(quantized) && level == 0;
      if (level < quantized.getMinLevel() || level > quantized.getMaxLevel() ||
          isBinaryZero)
        return op.emitOpError()
               << "weight '" << op.getName() << "' in '" << path
               << "': element " << i << " has level " << level
               << ", not a level of " << quantized;
    }
  }
  return success();
}

void lowering::populateWeightLoweringPatterns(const TypeConverter &converter,
                                            RewritePatternSet &patterns,
                                            const SafetensorsFile *file,
                                            StringRef path) {
  patterns.add<WeightOpLowering>(converter, patterns.getContext(), file, path);
}
