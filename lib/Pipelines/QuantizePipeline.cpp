//===- QuantizePipeline.cpp - the bwta-quantize-pipeline ------------------===//
#include "bwta/Dialect/BWTA/Transforms/Passes.h"
#include "bwta/Pipelines/Pipelines.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void bwta::buildQuantizePipeline(OpPassManager &pm,
                                 const QuantizePipelineOptions &options) {
  // Layers without calibration data or statistics are left as they are.
  DistributionCorrectionPassOptions correction;
  correction.calibration = options.calibration;
  pm.addPass(createDistributionCorrectionPass(correction));
  QuantizePassOptions quantize;
  quantize.scheme = options.scheme;
  quantize.recipe = options.recipe;
  pm.addPass(createQuantizePass(quantize));
  if (options.balance)
    pm.addPass(createBitBalancePass());
  BTCDecomposePassOptions decompose;
  decompose.path = options.path;
  pm.addPass(createBTCDecomposePass(decompose));
  pm.addPass(createPackLayoutPass());
  pm.addPass(createCSEPass());
}
