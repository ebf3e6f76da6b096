//===- BWTAOps.cpp - bwta operations and their verifiers ------------------===//
#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace bwta;

#define GET_OP_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

PackedLayoutAttr bwta::getPackedLayout(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor ? dyn_cast_or_null<PackedLayoutAttr>(tensor.getEncoding())
                : PackedLayoutAttr();
}

std::optional<unsigned> bwta::getNumPlanes(RankedTensorType type) {
  if (auto quantized = dyn_cast<QuantizedType>(type.getElementType()))
    return quantized.getNumPlanes();
  if (type.getElementType().isSignlessInteger(1) && type.getRank() >= 1)
    return type.getDimSize(0);
  return std::nullopt;
}

IntegerType bwta::getLevelStorageType(QuantizedType type) {
  bool fitsInByte = type.getMinLevel() >= -128 && type.getMaxLevel() <= 127;
  return IntegerType::get(type.getContext(), fitsInByte ? 8 : 16);
}

int64_t bwta::getNumGroups(int64_t k, std::optional<int64_t> groupSize) {
  if (!groupSize)
    return 1;
  return llvm::divideCeil(k, *groupSize);
}

static std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

std::optional<std::string>
bwta::checkParamShape(ArrayRef<int64_t> paramShape,
                      ArrayRef<int64_t> valueShape,
                      std::optional<int64_t> groupSize) {
  if (paramShape.empty())
    return std::nullopt;
  if (valueShape.empty())
    return "has shape " + shapeToString(paramShape) +
           ", but a rank-0 value takes only [] parameters";
  ArrayRef<int64_t> rows = valueShape.drop_back();
  if (paramShape == rows)
    return std::nullopt;
  SmallVector<int64_t> grouped(rows);
  grouped.push_back(getNumGroups(valueShape.back(), groupSize));
  if (groupSize && paramShape == ArrayRef<int64_t>(grouped))
    return std::nullopt;
  std::string expected = "[] (per tensor) or " + shapeToString(rows) +
                         " (per row)";
  if (groupSize)
    expected += " or " + shapeToString(grouped) + " (per group of " +
                std::to_string(*groupSize) + ")";
  return "has shape " + shapeToString(paramShape) + ", expected " + expected;
}

/// Unpacked quantized tensors are what quantize/dequantize/qmatmul work on;
/// packed ones only flow into unpack and (as planes) plane_matmul. No other
/// encoding has a meaning for bwta ops.
static LogicalResult verifyUnpacked(Operation *op, Type type, StringRef what) {
  if (getPackedLayout(type))
    return op->emitOpError() << what << " must not be packed, got " << type;
  if (cast<RankedTensorType>(type).getEncoding())
    return op->emitOpError() << what << " must have no encoding, got " << type;
  return success();
}

/// A #bwta.packed encoding or none; no other encoding means anything here.
static LogicalResult verifyNoForeignEncoding(Operation *op, Type type,
                                             StringRef what) {
  auto tensor = cast<RankedTensorType>(type);
  if (tensor.getEncoding() && !getPackedLayout(tensor))
    return op->emitOpError() << what << " must have no encoding other than "
                                        "#bwta.packed, got "
                             << type;
  return success();
}

static LogicalResult verifyParam(Operation *op, Value param, StringRef what,
                                 ArrayRef<int64_t> valueShape,
                                 std::optional<int64_t> groupSize) {
  if (!param)
    return success();
  auto shape = cast<RankedTensorType>(param.getType()).getShape();
  if (auto error = checkParamShape(shape, valueShape, groupSize))
    return op->emitOpError() << what << " " << *error;
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

/// The exact parameter shape a scheme produces for a value shape.
static SmallVector<int64_t> schemeParamShape(SchemeAttr scheme,
                                             ArrayRef<int64_t> shape) {
  if (scheme.getGranularity() == Granularity::PerTensor)
    return {};
  SmallVector<int64_t> result(shape.drop_back());
  if (scheme.getGranularity() == Granularity::PerGroup)
    result.push_back(getNumGroups(shape.back(), scheme.getGroupSize()));
  return result;
}

LogicalResult QuantizeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  // A packed result quantizes and packs in one pass (fused activation packing).
  if (failed(verifyUnpacked(*this, inputType, "input")) ||
      failed(verifyNoForeignEncoding(*this, resultType, "result")))
    return failure();
  if (inputType.getShape() != resultType.getShape())
    return emitOpError() << "result shape " << shapeToString(resultType.getShape())
                         << " differs from input shape "
                         << shapeToString(inputType.getShape());
  if (inputType.getRank() < 1)
    return emitOpError() << "input must have rank >= 1 (K is the last dimension)";

  SchemeAttr scheme = getScheme();
  Type elementType = resultType.getElementType();
  bool isInt = isa<IntType>(elementType);
  bool asymmetric = scheme.getMode() == QuantMode::Asymmetric;
  if (asymmetric && !isInt)
    return emitOpError() << "asymmetric quantization needs a !bwta.int result, got "
                         << elementType;
  if (scheme.getThreshold() && !isa<TernaryType>(elementType))
    return emitOpError() << "a threshold applies to ternary results only, got "
                         << elementType;
  // Signed 1-bit levels are {-1, 0}: qmax = 0, so amax / qmax has no meaning.
  auto intType = dyn_cast<IntType>(elementType);
  if (!asymmetric && intType && intType.getWidth() == 1 &&
      intType.getSignedness() == Signedness::Signed)
    return emitOpError() << "symmetric quantization to " << elementType
                         << " (levels {-1, 0}, qmax = 0) is not defined; use "
                            "an asymmetric scheme, !bwta.int<1, unsigned>, "
                            "!bwta.int<1, balanced> or !bwta.binary";

  SmallVector<int64_t> paramShape = schemeParamShape(scheme, inputType.getShape());
  auto checkShape = [&](Value value, StringRef what) -> LogicalResult {
    if (!value)
      return success();
    auto shape = cast<RankedTensorType>(value.getType()).getShape();
    if (shape != ArrayRef<int64_t>(paramShape))
      return emitOpError() << what << " has shape " << shapeToString(shape)
                           << " but the " << stringifyGranularity(scheme.getGranularity())
                           << " scheme needs " << shapeToString(paramShape);
    return success();
  };
  if (failed(checkShape(getScale(), "scale")) ||
      failed(checkShape(getZeroPoint(), "zero_point")) ||
      failed(checkShape(getResultScale(), "result scale")) ||
      failed(checkShape(getResultZeroPoint(), "result zero_point")))
    return failure();

  if (getScale()) {
    if (getResultScale() || getResultZeroPoint())
      return emitOpError() << "with a given scale (static quantization) only the "
                              "quantized tensor is returned";
    if (asymmetric != bool(getZeroPoint()))
      return emitOpError() << (asymmetric ? "asymmetric static quantization needs a zero_point"
                                          : "a zero_point needs an asymmetric scheme");
    return success();
  }
  if (getZeroPoint())
    return emitOpError() << "a zero_point operand needs a scale operand";
  if (!getResultScale())
    return emitOpError() << "dynamic quantization (no scale operand) must return the scale";
  if (asymmetric != bool(getResultZeroPoint()))
    return emitOpError() << (asymmetric ? "asymmetric dynamic quantization must return the zero point"
                                        : "a symmetric scheme returns no zero point");
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  if (failed(verifyUnpacked(*this, inputType, "input")))
    return failure();
  if (inputType.getShape() != resultType.getShape())
    return emitOpError() << "result shape " << shapeToString(resultType.getShape())
                         << " differs from input shape "
                         << shapeToString(inputType.getShape());
  if (getZeroPoint() && !isa<IntType>(inputType.getElementType()))
    return emitOpError() << "a zero_point needs a !bwta.int input, got "
                         << inputType.getElementType();
  if (getZeroPoint() && getZeroPoint().getType().getShape() != getScale().getType().getShape())
    return emitOpError() << "zero_point shape must equal the scale shape";
  return verifyParam(*this, getScale(), "scale", inputType.getShape(), getGroupSize());
}

//===----------------------------------------------------------------------===//
// QMatmulOp / BatchQMatmulOp
//===----------------------------------------------------------------------===//

/// Scales, zero points and bias of a quantized matmul with operands of
/// shape `lhs` ([.., M, K]) and `rhs` ([.., N, K]); shared by the matmul ops
/// and the BTC epilogue.
static LogicalResult
verifyMatmulParams(Operation *op, ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                   Type lhsElement, Type rhsElement, Value lhsScale,
                   Value rhsScale, Value lhsZeroPoint, Value rhsZeroPoint,
                   Value bias, std::optional<int64_t> groupSize) {
  if (failed(verifyParam(op, lhsScale, "lhs scale", lhs, groupSize)) ||
      failed(verifyParam(op, rhsScale, "rhs scale", rhs, groupSize)))
    return failure();
  auto checkZeroPoint = [&](Value zeroPoint, Value scale, Type elementType,
                            StringRef side) -> LogicalResult {
    if (!zeroPoint)
      return success();
    if (!isa<IntType>(elementType))
      return op->emitOpError() << side << " zero point needs a !bwta.int operand, got "
                               << elementType;
    if (cast<RankedTensorType>(zeroPoint.getType()).getShape() !=
        cast<RankedTensorType>(scale.getType()).getShape())
      return op->emitOpError() << side << " zero point shape must equal the " << side
                               << " scale shape";
    return success();
  };
  if (failed(checkZeroPoint(lhsZeroPoint, lhsScale, lhsElement, "lhs")) ||
      failed(checkZeroPoint(rhsZeroPoint, rhsScale, rhsElement, "rhs")))
    return failure();
  int64_t n = rhs[rhs.size() - 2];
  if (bias) {
    auto biasShape = cast<RankedTensorType>(bias.getType()).getShape();
    if (biasShape != ArrayRef<int64_t>{n})
      return op->emitOpError() << "bias has shape " << shapeToString(biasShape)
                               << ", expected [" << n << "]";
  }
  return success();
}

template <typename OpTy>
static LogicalResult verifyQMatmul(OpTy op, int64_t rank) {
  auto lhsType = op.getLhs().getType();
  auto rhsType = op.getRhs().getType();
  auto resultType = op.getResult().getType();
  if (failed(verifyUnpacked(op, lhsType, "lhs")) ||
      failed(verifyUnpacked(op, rhsType, "rhs")))
    return failure();
  if (lhsType.getRank() != rank || rhsType.getRank() != rank)
    return op.emitOpError() << "operands must have rank " << rank << ", got "
                            << lhsType.getRank() << " and " << rhsType.getRank();
  ArrayRef<int64_t> lhs = lhsType.getShape(), rhs = rhsType.getShape();
  if (lhs.back() != rhs.back())
    return op.emitOpError() << "reduction dimension mismatch: lhs K = " << lhs.back()
                            << ", rhs K = " << rhs.back();
  if (rank == 3 && lhs[0] != rhs[0])
    return op.emitOpError() << "batch dimension mismatch: " << lhs[0] << " vs " << rhs[0];
  SmallVector<int64_t> expected(lhs.drop_back());
  expected.push_back(rhs[rank - 2]);
  if (resultType.getShape() != ArrayRef<int64_t>(expected))
    return op.emitOpError() << "result shape " << shapeToString(resultType.getShape())
                            << " should be " << shapeToString(expected);
  return verifyMatmulParams(op, lhs, rhs, lhsType.getElementType(),
                            rhsType.getElementType(), op.getLhsScale(),
                            op.getRhsScale(), op.getLhsZeroPoint(),
                            op.getRhsZeroPoint(), op.getBias(), op.getGroupSize());
}

LogicalResult QMatmulOp::verify() { return verifyQMatmul(*this, 2); }
LogicalResult BatchQMatmulOp::verify() { return verifyQMatmul(*this, 3); }

//===----------------------------------------------------------------------===//
// SplitPlanesOp / CombinePlanesOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyPlanesPair(Operation *op, RankedTensorType values,
                                      RankedTensorType planes) {
  if (failed(verifyUnpacked(op, values, "quantized tensor")) ||
      failed(verifyUnpacked(op, planes, "plane tensor")))
    return failure();
  unsigned numPlanes = cast<QuantizedType>(values.getElementType()).getNumPlanes();
  SmallVector<int64_t> expected{numPlanes};
  llvm::append_range(expected, values.getShape());
  if (planes.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError() << "plane tensor shape " << shapeToString(planes.getShape())
                             << " should be " << shapeToString(expected) << " ("
                             << numPlanes << " plane(s) of " << values.getElementType()
                             << ")";
  return success();
}

LogicalResult SplitPlanesOp::verify() {
  // Packed values split into packed planes of the same layout: the storage
  // is the same, only the view changes.
  PackedLayoutAttr inputLayout = getPackedLayout(getInput().getType());
  if (!inputLayout)
    return verifyPlanesPair(*this, getInput().getType(), getResult().getType());
  if (getPackedLayout(getResult().getType()) != inputLayout)
    return emitOpError() << "planes of a packed tensor keep its layout " << inputLayout
                         << ", got " << getResult().getType();
  auto unpacked = [](RankedTensorType type) {
    return RankedTensorType::get(type.getShape(), type.getElementType());
  };
  return verifyPlanesPair(*this, unpacked(getInput().getType()),
                          unpacked(getResult().getType()));
}

LogicalResult CombinePlanesOp::verify() {
  return verifyPlanesPair(*this, getResult().getType(), getInput().getType());
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

static LogicalResult verifyPackPair(Operation *op, RankedTensorType unpacked,
                                    RankedTensorType packed) {
  if (getPackedLayout(unpacked) || unpacked.getEncoding())
    return op->emitOpError() << "unpacked side must have no encoding, got " << unpacked;
  if (!getPackedLayout(packed))
    return op->emitOpError() << "packed side must carry a #bwta.packed encoding, got "
                             << packed;
  if (unpacked.getShape() != packed.getShape() ||
      unpacked.getElementType() != packed.getElementType())
    return op->emitOpError() << "packing keeps shape and element type: " << unpacked
                             << " vs " << packed;
  // Unreachable from parsed IR (the encoding verifier of the packed type
  // rejects these element types first); kept for types built in C++, which
  // are not verified in release builds.
  if (!getNumPlanes(unpacked))
    return op->emitOpError() << "only bwta quantized or i1 plane tensors can be packed, got "
                             << unpacked.getElementType();
  return success();
}

LogicalResult PackOp::verify() {
  return verifyPackPair(*this, getInput().getType(), getResult().getType());
}

LogicalResult UnpackOp::verify() {
  return verifyPackPair(*this, getResult().getType(), getInput().getType());
}

//===----------------------------------------------------------------------===//
// PlaneMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult PlaneMatmulOp::verify() {
  auto lhsType = getLhs().getType();
  auto rhsType = getRhs().getType();
  int64_t rank = lhsType.getRank();
  if ((rank != 3 && rank != 4) || rhsType.getRank() != rank)
    return emitOpError() << "operands must both be [P, M, K] or [P, B, M, K], got ranks "
                         << rank << " and " << rhsType.getRank();
  ArrayRef<int64_t> lhs = lhsType.getShape(), rhs = rhsType.getShape();
  if (lhs.back() != rhs.back())
    return emitOpError() << "reduction dimension mismatch: lhs K = " << lhs.back()
                         << ", rhs K = " << rhs.back();
  if (rank == 4 && lhs[1] != rhs[1])
    return emitOpError() << "batch dimension mismatch: " << lhs[1] << " vs " << rhs[1];
  PackedLayoutAttr lhsLayout = getPackedLayout(lhsType);
  PackedLayoutAttr rhsLayout = getPackedLayout(rhsType);
  for (RankedTensorType type : {lhsType, rhsType})
    if (type.getEncoding() && !getPackedLayout(type))
      return emitOpError() << "operand encoding must be #bwta.packed, got "
                           << type;
  if (bool(lhsLayout) != bool(rhsLayout))
    return emitOpError() << "operands must be both packed or both unpacked";
  if (lhsLayout &&
      (lhsLayout.getWord() != rhsLayout.getWord() ||
       lhsLayout.getKOrder() != rhsLayout.getKOrder() ||
       lhsLayout.getTileWords() != rhsLayout.getTileWords()))
    return emitOpError() << "operands must share word size, K order and K tiling "
                            "so that their bits line up: "
                         << lhsLayout << " vs " << rhsLayout;
  SmallVector<int64_t> expected{lhs[0], rhs[0]};
  if (std::optional<int64_t> groupSize = getGroupSize()) {
    if (lhsLayout && *groupSize % lhsLayout.getWord() != 0)
      return emitOpError() << "group_size " << *groupSize
                           << " must be a multiple of the packed word ("
                           << lhsLayout.getWord() << " bits)";
    expected.push_back(getNumGroups(lhs.back(), groupSize));
  }
  if (rank == 4)
    expected.push_back(lhs[1]);
  expected.push_back(lhs[rank - 2]);
  expected.push_back(rhs[rank - 2]);
  if (getResult().getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result shape "
                         << shapeToString(getResult().getType().getShape())
                         << " should be " << shapeToString(expected);
  return success();
}

//===----------------------------------------------------------------------===//
// PlanePopcountOp / BTCEpilogueOp
//===----------------------------------------------------------------------===//

LogicalResult PlanePopcountOp::verify() {
  auto inputType = getInput().getType();
  if (inputType.getRank() < 2)
    return emitOpError() << "input must be [P, ..., K], got rank " << inputType.getRank();
  SmallVector<int64_t> expected(inputType.getShape().drop_back());
  if (std::optional<int64_t> groupSize = getGroupSize()) {
    PackedLayoutAttr layout = getPackedLayout(inputType);
    if (layout && *groupSize % layout.getWord() != 0)
      return emitOpError() << "group_size " << *groupSize
                           << " must be a multiple of the packed word ("
                           << layout.getWord() << " bits)";
    expected.insert(expected.begin() + 1,
                    getNumGroups(inputType.getShape().back(), groupSize));
  }
  if (getResult().getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "result shape "
                         << shapeToString(getResult().getType().getShape())
                         << " should be " << shapeToString(expected);
  return success();
}

LogicalResult BTCEpilogueOp::verify() {
  auto lhsType = cast<QuantizedType>(getLhsType());
  auto rhsType = cast<QuantizedType>(getRhsType());
  ArrayRef<int64_t> planes = getPlanes().getType().getShape();
  ArrayRef<int64_t> result = getResult().getType().getShape();
  if (result.size() != 2 && result.size() != 3)
    return emitOpError() << "result must be [M, N] or [B, M, N], got "
                         << shapeToString(result);
  std::optional<int64_t> groupSize = getGroupSize();
  SmallVector<int64_t> groups;
  if (groupSize)
    groups.push_back(getNumGroups(getK(), groupSize));
  SmallVector<int64_t> expected{lhsType.getNumPlanes(), rhsType.getNumPlanes()};
  llvm::append_range(expected, groups);
  llvm::append_range(expected, result);
  if (planes != ArrayRef<int64_t>(expected))
    return emitOpError() << "plane-pair counts have shape " << shapeToString(planes)
                         << ", expected " << shapeToString(expected) << " ("
                         << lhsType << " x " << rhsType << ")";
  // [Pl, (B,) M] and [Pr, (B,) N].
  ArrayRef<int64_t> rows = result.drop_back(2);
  SmallVector<int64_t> lhsCounts{lhsType.getNumPlanes()}, rhsCounts{rhsType.getNumPlanes()};
  llvm::append_range(lhsCounts, groups);
  llvm::append_range(rhsCounts, groups);
  llvm::append_range(lhsCounts, rows);
  llvm::append_range(rhsCounts, rows);
  lhsCounts.push_back(result[result.size() - 2]);
  rhsCounts.push_back(result.back());
  auto checkCounts = [&](Value counts, ArrayRef<int64_t> want,
                         StringRef side) -> LogicalResult {
    ArrayRef<int64_t> got = cast<RankedTensorType>(counts.getType()).getShape();
    if (got == want)
      return success();
    return emitOpError() << side << " popcounts have shape " << shapeToString(got)
                         << ", expected " << shapeToString(want);
  };
  if (failed(checkCounts(getLhsPopcount(), lhsCounts, "lhs")) ||
      failed(checkCounts(getRhsPopcount(), rhsCounts, "rhs")))
    return failure();
  // The operand shapes the parameters refer to.
  SmallVector<int64_t> lhs(lhsCounts.begin() + 1 + groups.size(), lhsCounts.end());
  SmallVector<int64_t> rhs(rhsCounts.begin() + 1 + groups.size(), rhsCounts.end());
  lhs.push_back(getK());
  rhs.push_back(getK());
  return verifyMatmulParams(*this, lhs, rhs, lhsType, rhsType, getLhsScale(),
                            getRhsScale(), getLhsZeroPoint(), getRhsZeroPoint(),
                            getBias(), groupSize);
}

//===----------------------------------------------------------------------===//
// FusionOp
//===----------------------------------------------------------------------===//

LogicalResult FusionOp::verify() {
  auto yield = cast<YieldOp>(getBody().front().getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yields " << yield.getValues().size()
                         << " value(s) whose types differ from the "
                         << getNumResults() << " result type(s)";
  return success();
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError() << "weight name must not be empty";
  auto type = getResult().getType();
  if (!type.hasStaticShape())
    return emitOpError() << "weight must have a static shape, got " << type;
  // A packed quantized weight is packed when it is resolved (compile time).
  if (failed(verifyNoForeignEncoding(*this, type, "weight")))
    return failure();
  Type elementType = type.getElementType();
  if (!isa<FloatType, QuantizedType>(elementType))
    return emitOpError() << "weight element type must be a float or bwta quantized type, got "
                         << elementType;
  return success();
}
