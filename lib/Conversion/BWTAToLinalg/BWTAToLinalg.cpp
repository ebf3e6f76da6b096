//===- BWTAToLinalg.cpp - the convert-bwta-to-linalg pass -----------------===//
//
// Lowers every bwta op to linalg/tensor/arith/math/scf so that the result can
// be bufferized and run on the CPU: the semantic oracle of bwta.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "bwta/Conversion/Passes.h"
#include "bwta/Conversion/WeightResolver.h"
#include "bwta/Support/Safetensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"

namespace bwta {
#define GEN_PASS_DEF_CONVERTBWTATOLINALGPASS
#include "bwta/Conversion/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

/// Quantized tensors hold their levels as i8 (i16 for 8-bit unsigned and
/// balanced types); packed tensors become their
/// word storage (docs/Semantics.md, "pack").
class ReferenceTypeConverter : public TypeConverter {
public:
  ReferenceTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion(
        [](RankedTensorType type) -> Type { return getReferenceStorageType(type); });
  }
};

struct ConvertBWTAToLinalgPass
    : bwta::impl::ConvertBWTAToLinalgPassBase<ConvertBWTAToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();

    std::unique_ptr<SafetensorsFile> weights;
    if (!weightsPath.empty()) {
      std::string error;
      weights = SafetensorsFile::open(weightsPath, error);
      if (!weights) {
        module.emitError() << error;
        return signalPassFailure();
      }
    }
    bool weightsOk = true;
    module.walk([&](WeightOp op) {
      weightsOk &= succeeded(checkWeight(op, weights.get(), weightsPath));
      ++numWeightsLoaded;
    });
    if (!weightsOk)
      return signalPassFailure();
    // A fusion group is a code-generation boundary; on the CPU its ops
    // simply run in place.
    SmallVector<FusionOp> fusions;
    module.walk([&](FusionOp fusion) { fusions.push_back(fusion); });
    for (FusionOp fusion : fusions) {
      Block &body = fusion.getBody().front();
      auto yield = cast<YieldOp>(body.getTerminator());
      fusion.replaceAllUsesWith(yield.getValues());
      yield.erase();
      fusion->getBlock()->getOperations().splice(fusion->getIterator(),
                                                 body.getOperations());
      fusion.erase();
    }
    module.walk([&](Operation *op) {
      if (isa<BWTADialect>(op->getDialect()))
        ++numLoweredOps;
    });

    ReferenceTypeConverter converter;
    RewritePatternSet patterns(context);
    populateQuantizeLoweringPatterns(converter, patterns);
    populateMatmulLoweringPatterns(converter, patterns);
    populatePlaneLoweringPatterns(converter, patterns);
    populateWeightLoweringPatterns(converter, patterns, weights.get(),
                                   weightsPath);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);

    ConversionTarget target(*context);
    target.addIllegalDialect<BWTADialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });

    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
