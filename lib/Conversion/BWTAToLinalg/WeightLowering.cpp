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
    ArrayRef<char> raw(tensor->data, tensor->size);
    auto value = DenseElementsAttr::getFromRawBuffer(type, raw);
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
      int64_t level;
      if (width == 1) {
        level = static_cast<int8_t>(tensor->data[i]);
      } else {
        int16_t wide;
        std::memcpy(&wide, tensor->data + 2 * i, 2); // little-endian host
        level = wide;
      }
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
