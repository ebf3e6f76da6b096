//===- BWTATypes.cpp - bwta element types ---------------------------------===//
#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bwta;

#include "bwta/Dialect/BWTA/IR/BWTATypeInterfaces.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAOpsTypes.cpp.inc"

void BWTADialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "bwta/Dialect/BWTA/IR/BWTAOpsTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// BinaryType: one bit b, value 2b − 1.
//===----------------------------------------------------------------------===//

int64_t BinaryType::getMinLevel() const { return -1; }
int64_t BinaryType::getMaxLevel() const { return 1; }
unsigned BinaryType::getNumPlanes() const { return 1; }
int64_t BinaryType::getPlaneCoefficient(unsigned) const { return 2; }
int64_t BinaryType::getPlaneOffset() const { return -1; }

//===----------------------------------------------------------------------===//
// TernaryType: planes p = [t = +1], n = [t = −1]; value p − n.
//===----------------------------------------------------------------------===//

int64_t TernaryType::getMinLevel() const { return -1; }
int64_t TernaryType::getMaxLevel() const { return 1; }
unsigned TernaryType::getNumPlanes() const { return 2; }
int64_t TernaryType::getPlaneCoefficient(unsigned plane) const {
  return plane == 0 ? 1 : -1;
}
int64_t TernaryType::getPlaneOffset() const { return 0; }

//===----------------------------------------------------------------------===//
// IntType: two's complement planes; balanced needs one extra plane.
//===----------------------------------------------------------------------===//

LogicalResult IntType::verify(function_ref<InFlightDiagnostic()> emitError,
                              unsigned width, Signedness signedness) {
  if (width < 1 || width > 8)
    return emitError() << "bwta.int width must be in [1, 8], got " << width;
  return success();
}

int64_t IntType::getMinLevel() const {
  switch (getSignedness()) {
  case Signedness::Signed:
  case Signedness::Balanced:
    return -(int64_t(1) << (getWidth() - 1));
  case Signedness::Unsigned:
    return 0;
  }
  llvm_unreachable("unknown signedness");
}

int64_t IntType::getMaxLevel() const {
  switch (getSignedness()) {
  case Signedness::Signed:
    return (int64_t(1) << (getWidth() - 1)) - 1;
  case Signedness::Balanced:
    return int64_t(1) << (getWidth() - 1);
  case Signedness::Unsigned:
    return (int64_t(1) << getWidth()) - 1;
  }
  llvm_unreachable("unknown signedness");
}

unsigned IntType::getNumPlanes() const {
  return getSignedness() == Signedness::Balanced ? getWidth() + 1 : getWidth();
}

int64_t IntType::getPlaneCoefficient(unsigned plane) const {
  int64_t weight = int64_t(1) << plane;
  bool isSignPlane = getSignedness() != Signedness::Unsigned &&
                     plane + 1 == getNumPlanes();
  return isSignPlane ? -weight : weight;
}

int64_t IntType::getPlaneOffset() const { return 0; }
