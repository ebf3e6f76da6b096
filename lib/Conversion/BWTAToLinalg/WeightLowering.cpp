//===- WeightLowering.cpp - bwta.weight from a safetensors file -----------===//
//
// In the CPU reference, weights become constants: the reference is an oracle
// for small tests, not a deployment path (the bundle keeps weights apart).
// What a constant holds comes from WeightResolver, which bwta-compile uses
// for the bundle too.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "bwta/Conversion/WeightResolver.h"
#include "bwta/Support/Safetensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

struct WeightOpLowering : OpConversionPattern<WeightOp> {
  WeightOpLowering(const TypeConverter &converter, MLIRContext *context,
                   const SafetensorsFile *file)
      : OpConversionPattern(converter, context), file(file) {}

  LogicalResult
  matchAndRewrite(WeightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Errors are reported by the pass before conversion (checkWeight).
    const SafetensorsTensor *tensor = file ? file->find(op.getName()) : nullptr;
    if (!tensor)
      return failure();
    RankedTensorType logicalType = op.getResult().getType();
    std::vector<char> storage = getWeightStorage(logicalType, *tensor);
    auto value = DenseElementsAttr::getFromRawBuffer(
        getReferenceStorageType(logicalType), storage);
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value.getType(), value);
    return success();
  }

  const SafetensorsFile *file;
};

} // namespace

LogicalResult lowering::checkWeight(WeightOp op, const SafetensorsFile *file,
                                    StringRef path) {
  return success(findWeight(file, path, op.getName(), op.getResult().getType(),
                            [&] { return op.emitOpError(); }));
}

void lowering::populateWeightLoweringPatterns(const TypeConverter &converter,
                                              RewritePatternSet &patterns,
                                              const SafetensorsFile *file,
                                              StringRef path) {
  patterns.add<WeightOpLowering>(converter, patterns.getContext(), file);
}
