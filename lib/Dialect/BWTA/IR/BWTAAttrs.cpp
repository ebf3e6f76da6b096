//===- BWTAAttrs.cpp - bwta attributes ------------------------------------===//
#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bwta;

#include "bwta/Dialect/BWTA/IR/BWTAEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAAttrs.cpp.inc"

void BWTADialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bwta/Dialect/BWTA/IR/BWTAAttrs.cpp.inc"
      >();
}

LogicalResult ThresholdAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                    ThresholdPolicy policy, APFloat factor) {
  double value = factor.convertToDouble();
  if (!std::isfinite(value) || value < 0)
    return emitError() << "threshold factor must be finite and >= 0, got "
                       << value;
  return success();
}

LogicalResult SchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Granularity granularity, int64_t groupSize,
                                 QuantMode mode, ThresholdAttr threshold) {
  if (granularity == Granularity::PerGroup && groupSize <= 0)
    return emitError() << "per_group scheme needs group_size > 0";
  if (granularity != Granularity::PerGroup && groupSize != 0)
    return emitError() << "group_size is only meaningful with per_group, got "
                          "granularity "
                       << stringifyGranularity(granularity);
  return success();
}

LogicalResult
PackedLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         unsigned planes, unsigned word, KOrder kOrder,
                         unsigned tileRows, unsigned tileWords) {
  if (planes < 1 || planes > 16)
    return emitError() << "packed layout planes must be in [1, 16], got "
                       << planes;
  if (word != 32 && word != 64)
    return emitError() << "packed layout word must be 32 or 64 bits, got "
                       << word;
  if (tileRows < 1 || tileWords < 1)
    return emitError() << "packed layout tiles must be at least 1x1, got "
                       << tileRows << "x" << tileWords;
  return success();
}

LogicalResult PackedLayoutAttr::verifyEncoding(
    ArrayRef<int64_t> shape, Type elementType,
    function_ref<InFlightDiagnostic()> emitError) const {
  if (auto quantized = dyn_cast<QuantizedType>(elementType)) {
    if (shape.empty())
      return emitError() << "packed layout needs a tensor of rank >= 1";
    if (quantized.getNumPlanes() != getPlanes())
      return emitError() << "packed layout has " << getPlanes()
                         << " plane(s) but " << elementType << " needs "
                         << quantized.getNumPlanes();
    return success();
  }
  if (elementType.isSignlessInteger(1)) {
    if (shape.size() < 2)
      return emitError() << "packed plane tensor needs rank >= 2 (planes "
                            "first, K last), got rank "
                         << shape.size();
    if (shape[0] != static_cast<int64_t>(getPlanes()))
      return emitError() << "packed layout has " << getPlanes()
                         << " plane(s) but the plane dimension is "
                         << shape[0];
    return success();
  }
  return emitError() << "packed layout needs a bwta quantized or i1 element "
                        "type, got "
                     << elementType;
}
