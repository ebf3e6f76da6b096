//===- BWTADialect.cpp - bwta dialect registration ------------------------===//
#include "bwta/Dialect/BWTA/IR/BWTA.h"

using namespace mlir;
using namespace bwta;

#include "bwta/Dialect/BWTA/IR/BWTAOpsDialect.cpp.inc"

void BWTADialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "bwta/Dialect/BWTA/IR/BWTAOps.cpp.inc"
      >();
}
