//===- BWTAAttrs.cpp - bwta attributes ------------------------------------===//
#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <charconv>
#include <cmath>

using namespace mlir;
using namespace bwta;

#include "bwta/Dialect/BWTA/IR/BWTAEnums.cpp.inc"

/// Prints a threshold factor as the shortest text that reads back to the same
/// double (0.7, not 0.69999...), made a float literal the MLIR lexer accepts:
/// 5 -> 5.0, 1e-10 -> 1.0e-10.
static void printFactor(llvm::raw_ostream &os, double value) {
  char text[32];
  auto result = std::to_chars(text, text + sizeof(text), value);
  StringRef shortest(text, result.ptr - text);
  if (shortest.contains('.') || !std::isfinite(value)) {
    os << shortest;
    return;
  }
  auto [mantissa, exponent] = shortest.split('e');
  os << mantissa << ".0";
  if (!exponent.empty())
    os << 'e' << exponent;
}

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
  if (!std::isfinite(value) || value < 0) {
    InFlightDiagnostic diag = emitError();
    std::string text;
    llvm::raw_string_ostream os(text);
    printFactor(os, value);
    return diag << "threshold factor must be finite and >= 0, got " << text;
  }
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
    if (ShapedType::isDynamic(shape[0]))
      return emitError() << "packed plane tensor needs a static plane "
                            "dimension (the first), got ?";
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
