//===- bwta-opt.cpp - bwta optimizer driver -------------------------------===//
//
// Registers the bwta dialect, its passes and pipelines, and only the upstream
// dialects and passes that bwta's pipelines use.
//
//===----------------------------------------------------------------------===//
#include "bwta/Conversion/Passes.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"
#include "bwta/Dialect/BWTA/Transforms/Passes.h"
#include "bwta/Pipelines/Pipelines.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<bwta::BWTADialect>();
  bwta::registerUpstreamDialects(registry);
  bwta::registerUpstreamPasses();
  bwta::registerBWTAConversionPasses();
  bwta::registerBWTATransformsPasses();
  bwta::registerPipelines();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bwta optimizer driver\n", registry));
}
