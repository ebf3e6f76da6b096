//===- QuantizeLowering.cpp - bwta.quantize / bwta.dequantize -------------===//
//
// Reference lowering of quantization, written to match docs/Semantics.md
// line by line: float sums over a granule follow the page's lane-tree order
// (256 sequential lane partials, then a binary tree), max/min and counts are
// sequential loops, rounding is roundeven, clamping happens in f32 before the
// integer conversion.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

using GranuleBody = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value /*x*/, ValueRange /*iters*/)>;
using GranuleTerm = llvm::function_ref<Value(
    OpBuilder &, Location, Value /*x*/, ArrayRef<Value> /*paramIndices*/)>;

/// Lanes of the granule sum order: the threads of one GPU block.
constexpr int64_t kSumLanes = 256;

/// Where the values sharing one scale are, for a scheme and a value shape.
struct Granules {
  SchemeAttr scheme;
  ArrayRef<int64_t> shape;
  Value input;

  ArrayRef<int64_t> rowShape() const { return shape.drop_back(); }
  int64_t k() const { return shape.back(); }
  int64_t numRows() const {
    int64_t rows = 1;
    for (int64_t size : rowShape())
      rows *= size;
    return rows;
  }
  Granularity granularity() const { return scheme.getGranularity(); }
  bool isPerGroup() const { return granularity() == Granularity::PerGroup; }

  /// Shape of the scale/zero-point tensors.
  SmallVector<int64_t> paramShape() const {
    if (granularity() == Granularity::PerTensor)
      return {};
    SmallVector<int64_t> result(rowShape());
    if (isPerGroup())
      result.push_back(getNumGroups(k(), scheme.getGroupSize()));
    return result;
  }

  /// Parameter indices of the value at `indices`.
  SmallVector<Value> paramIndicesOf(OpBuilder &b, Location loc,
                                    ArrayRef<Value> indices) const {
    if (granularity() == Granularity::PerTensor)
      return {};
    SmallVector<Value> result(indices.drop_back());
    if (isPerGroup())
      result.push_back(arith::DivUIOp::create(
          b, loc, indices.back(), indexConst(b, loc, scheme.getGroupSize())));
    return result;
  }

  /// [begin, end) along K of the granule at `paramIndices`.
  std::pair<Value, Value> kRange(OpBuilder &b, Location loc,
                                 ArrayRef<Value> paramIndices) const {
    if (!isPerGroup())
      return {indexConst(b, loc, 0), indexConst(b, loc, k())};
    Value groupSize = indexConst(b, loc, scheme.getGroupSize());
    Value begin = arith::MulIOp::create(b, loc, paramIndices.back(), groupSize);
    Value end = arith::AddIOp::create(b, loc, begin, groupSize);
    end = arith::MinUIOp::create(b, loc, end, indexConst(b, loc, k()));
    return {begin, end};
  }

  /// Number of values in the granule, as an index.
  Value size(OpBuilder &b, Location loc, ArrayRef<Value> paramIndices) const {
    auto [begin, end] = kRange(b, loc, paramIndices);
    Value size = arith::SubIOp::create(b, loc, end, begin);
    if (granularity() == Granularity::PerTensor)
      size = arith::MulIOp::create(b, loc, size, indexConst(b, loc, numRows()));
    return size;
  }

  /// Number of values in the granule, as f32.
  Value count(OpBuilder &b, Location loc, ArrayRef<Value> paramIndices) const {
    Value wide = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                            size(b, loc, paramIndices));
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), wide);
  }

  /// Value `i` of the granule in granule order: the row-major flattened index
  /// per tensor, k ascending within the row or group otherwise.
  Value valueAt(OpBuilder &b, Location loc, ArrayRef<Value> paramIndices,
                Value i) const {
    if (granularity() == Granularity::PerTensor)
      return extractF32(b, loc, input, delinearize(b, loc, i, shape));
    SmallVector<Value> indices(paramIndices);
    if (isPerGroup()) {
      Value begin = kRange(b, loc, paramIndices).first;
      indices.back() = arith::AddIOp::create(b, loc, begin, i);
    } else {
      indices.push_back(i);
    }
    return extractF32(b, loc, input, indices);
  }

  /// Folds `body` over the granule's values in granule order (for max, min
  /// and counts, whose result does not depend on the order).
  SmallVector<Value> reduce(OpBuilder &b, Location loc,
                            ArrayRef<Value> paramIndices, ValueRange inits,
                            GranuleBody body) const {
    return buildLoop(b, loc, indexConst(b, loc, 0), size(b, loc, paramIndices),
                     inits,
                     [&](OpBuilder &nb, Location nl, Value i, ValueRange it) {
                       return body(nb, nl, valueAt(nb, nl, paramIndices, i),
                                   it);
                     });
  }

  /// The f32 sum of `term(x)` over every granule, in the order of
  /// docs/Semantics.md: lane l sums the values l, l + 256, ... sequentially
  /// from 0.0f, then p_l += p_{l+s} for s = 128 .. 1. Each level is its own
  /// tensor, so every addition reads the previous level, as in the definition.
  Value sum(OpBuilder &b, Location loc, GranuleTerm term) const {
    Type f32 = b.getF32Type();
    auto levelType = [&](int64_t lanes) {
      SmallVector<int64_t> levelShape = paramShape();
      levelShape.push_back(lanes);
      return RankedTensorType::get(levelShape, f32);
    };
    Value level = buildTensor(
        b, loc, levelType(kSumLanes),
        [&](OpBuilder &nb, Location nl, ArrayRef<Value> indices) -> Value {
          ArrayRef<Value> pidx = indices.drop_back();
          Value end = size(nb, nl, pidx);
          Value step = indexConst(nb, nl, kSumLanes);
          Value zero = f32Const(nb, nl, 0.0);
          // A lane past the granule's end runs no iteration: 0.0f.
          auto lane = scf::ForOp::create(
              nb, nl, indices.back(), end, step, ValueRange{zero},
              [&](OpBuilder &fb, Location fl, Value i, ValueRange it) {
                Value t = term(fb, fl, valueAt(fb, fl, pidx, i), pidx);
                scf::YieldOp::create(
                    fb, fl, ValueRange{arith::AddFOp::create(fb, fl, it[0], t)});
              });
          return lane.getResult(0);
        });
    for (int64_t stride = kSumLanes / 2; stride >= 1; stride /= 2) {
      Value previous = level;
      level = buildTensor(
          b, loc, levelType(stride),
          [&](OpBuilder &nb, Location nl, ArrayRef<Value> indices) -> Value {
            SmallVector<Value> partner(indices);
            partner.back() = arith::AddIOp::create(
                nb, nl, indices.back(), indexConst(nb, nl, stride));
            Value left = tensor::ExtractOp::create(nb, nl, previous, indices);
            Value right = tensor::ExtractOp::create(nb, nl, previous, partner);
            return arith::AddFOp::create(nb, nl, left, right);
          });
    }
    // p_0 of each granule.
    return buildTensor(
        b, loc, RankedTensorType::get(paramShape(), f32),
        [&](OpBuilder &nb, Location nl, ArrayRef<Value> pidx) -> Value {
          SmallVector<Value> indices(pidx);
          indices.push_back(indexConst(nb, nl, 0));
          return tensor::ExtractOp::create(nb, nl, level, indices);
        });
  }
};

Value absF(OpBuilder &b, Location loc, Value x) {
  return math::AbsFOp::create(b, loc, x);
}

/// s, or 1 where s is 0 (a granule of zeros).
Value nonZeroScale(OpBuilder &b, Location loc, Value scale) {
  Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, scale,
                                       f32Const(b, loc, 0.0));
  return arith::SelectOp::create(b, loc, isZero, f32Const(b, loc, 1.0), scale);
}

Value maxAbs(OpBuilder &b, Location loc, const Granules &granules,
             ArrayRef<Value> pidx) {
  return granules.reduce(b, loc, pidx, {f32Const(b, loc, 0.0)},
                         [&](OpBuilder &nb, Location nl, Value x, ValueRange it) {
                           return SmallVector<Value>{arith::MaximumFOp::create(
                               nb, nl, it[0], absF(nb, nl, x))};
                         })[0];
}

/// mean |x| of every granule, as a parameter-shaped tensor.
Value meanAbs(OpBuilder &b, Location loc, const Granules &granules) {
  Value sums = granules.sum(
      b, loc, [](OpBuilder &nb, Location nl, Value x, ArrayRef<Value>) {
        return absF(nb, nl, x);
      });
  auto type = RankedTensorType::get(granules.paramShape(), b.getF32Type());
  return buildTensor(
      b, loc, type, [&](OpBuilder &nb, Location nl, ArrayRef<Value> pidx) {
        Value sum = tensor::ExtractOp::create(nb, nl, sums, pidx);
        return arith::DivFOp::create(nb, nl, sum, granules.count(nb, nl, pidx));
      });
}

/// Asymmetric parameters of a granule: (scale, zero point as f32).
std::pair<Value, Value> asymmetricParams(OpBuilder &b, Location loc,
                                         const Granules &granules,
                                         ArrayRef<Value> pidx,
                                         QuantizedType type) {
  double inf = std::numeric_limits<double>::infinity();
  auto range = granules.reduce(
      b, loc, pidx, {f32Const(b, loc, inf), f32Const(b, loc, -inf)},
      [&](OpBuilder &nb, Location nl, Value x, ValueRange it) {
        return SmallVector<Value>{arith::MinimumFOp::create(nb, nl, it[0], x),
                                  arith::MaximumFOp::create(nb, nl, it[1], x)};
      });
  Value span = arith::SubFOp::create(b, loc, range[1], range[0]);
  Value levels = f32Const(b, loc, type.getMaxLevel() - type.getMinLevel());
  Value scale = nonZeroScale(b, loc, arith::DivFOp::create(b, loc, span, levels));
  Value shift = math::RoundEvenOp::create(
      b, loc, arith::DivFOp::create(b, loc, range[0], scale));
  Value zeroPoint =
      arith::SubFOp::create(b, loc, f32Const(b, loc, type.getMinLevel()), shift);
  // Keeps the i32 conversion defined for absurd ranges (docs/Semantics.md).
  zeroPoint = arith::MaximumFOp::create(b, loc, zeroPoint, f32Const(b, loc, -0x1p30));
  zeroPoint = arith::MinimumFOp::create(b, loc, zeroPoint, f32Const(b, loc, 0x1p30));
  return {scale, zeroPoint};
}

/// Ternary threshold Δ of every granule.
Value ternaryThresholds(OpBuilder &b, Location loc, const Granules &granules,
                        ThresholdAttr threshold) {
  ThresholdPolicy policy =
      threshold ? threshold.getPolicy() : ThresholdPolicy::MeanAbs;
  double factor = threshold ? threshold.getFactorValue() : 0.7;
  Value means;
  if (policy == ThresholdPolicy::MeanAbs)
    means = meanAbs(b, loc, granules);
  auto type = RankedTensorType::get(granules.paramShape(), b.getF32Type());
  return buildTensor(
      b, loc, type,
      [&](OpBuilder &nb, Location nl, ArrayRef<Value> pidx) -> Value {
        Value f = f32Const(nb, nl, factor);
        switch (policy) {
        case ThresholdPolicy::Fixed:
          return f;
        case ThresholdPolicy::MeanAbs:
          return arith::MulFOp::create(
              nb, nl, f, tensor::ExtractOp::create(nb, nl, means, pidx));
        case ThresholdPolicy::MaxAbs:
          return arith::MulFOp::create(nb, nl, f,
                                       maxAbs(nb, nl, granules, pidx));
        }
        llvm_unreachable("unknown threshold policy");
      });
}

/// Ternary scale of every granule: mean |x| over the values above Δ, 1 if
/// there are none.
Value ternaryScales(OpBuilder &b, Location loc, const Granules &granules,
                    Value delta) {
  auto kept = [&](OpBuilder &nb, Location nl, Value magnitude,
                  ArrayRef<Value> pidx) -> Value {
    return arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, magnitude,
                                 tensor::ExtractOp::create(nb, nl, delta, pidx));
  };
  // The values not above Δ stay in their lanes as 0.0f (a GPU thread adds a
  // masked 0), so the subset sums in the granule's own lane-tree order.
  Value sums = granules.sum(
      b, loc,
      [&](OpBuilder &nb, Location nl, Value x, ArrayRef<Value> pidx) -> Value {
        Value magnitude = absF(nb, nl, x);
        Value isKept = kept(nb, nl, magnitude, pidx);
        return arith::SelectOp::create(nb, nl, isKept, magnitude,
                                       f32Const(nb, nl, 0.0));
      });
  auto type = RankedTensorType::get(granules.paramShape(), b.getF32Type());
  Type i64 = b.getI64Type();
  return buildTensor(
      b, loc, type, [&](OpBuilder &nb, Location nl, ArrayRef<Value> pidx) {
        Value count =
            granules
                .reduce(nb, nl, pidx, {intConst(nb, nl, i64, 0)},
                        [&](OpBuilder &cb, Location cl, Value x,
                            ValueRange it) {
                          Value one = arith::ExtUIOp::create(
                              cb, cl, i64, kept(cb, cl, absF(cb, cl, x), pidx));
                          return SmallVector<Value>{
                              arith::AddIOp::create(cb, cl, it[0], one)};
                        })[0];
        Value none = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                           count, intConst(nb, nl, i64, 0));
        Value sum = tensor::ExtractOp::create(nb, nl, sums, pidx);
        Value mean = arith::DivFOp::create(
            nb, nl, sum, arith::SIToFPOp::create(nb, nl, nb.getF32Type(), count));
        return arith::SelectOp::create(nb, nl, none, f32Const(nb, nl, 1.0),
                                       mean);
      });
}

/// clamp(v, lo, hi) in f32, then to the integer type `type`.
Value clampToInt(OpBuilder &b, Location loc, Value v, int64_t lo, int64_t hi,
                 Type type) {
  v = arith::MaximumFOp::create(b, loc, v, f32Const(b, loc, lo));
  v = arith::MinimumFOp::create(b, loc, v, f32Const(b, loc, hi));
  return arith::FPToSIOp::create(b, loc, type, v);
}

struct QuantizeOpLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // A packed result is quantized to levels first, then packed.
    RankedTensorType logicalType = op.getResult().getType();
    auto unpackedType = RankedTensorType::get(logicalType.getShape(),
                                              logicalType.getElementType());
    auto resultType = cast<RankedTensorType>(
        getTypeConverter()->convertType(unpackedType));
    auto type = cast<QuantizedType>(op.getResult().getType().getElementType());
    SchemeAttr scheme = op.getScheme();
    Granules granules{scheme, op.getInput().getType().getShape(),
                      adaptor.getInput()};
    auto paramType = RankedTensorType::get(granules.paramShape(),
                                           rewriter.getF32Type());
    auto zeroPointType = RankedTensorType::get(granules.paramShape(),
                                               rewriter.getI32Type());
    bool dynamic = !adaptor.getScale();
    bool asymmetric = scheme.getMode() == QuantMode::Asymmetric;
    bool isTernary = isa<TernaryType>(type);
    bool isBinary = isa<BinaryType>(type);

    // Per-granule parameters.
    Value scale = adaptor.getScale(), zeroPoint = adaptor.getZeroPoint();
    Value delta;
    if (isTernary && (dynamic || scheme.getThreshold()))
      delta = ternaryThresholds(rewriter, loc, granules, scheme.getThreshold());
    if (dynamic && isBinary) {
      scale = meanAbs(rewriter, loc, granules);
    } else if (dynamic && isTernary) {
      scale = ternaryScales(rewriter, loc, granules, delta);
    } else if (dynamic) {
      scale = buildTensor(
          rewriter, loc, paramType,
          [&](OpBuilder &b, Location l, ArrayRef<Value> pidx) -> Value {
            if (asymmetric)
              return asymmetricParams(b, l, granules, pidx, type).first;
            Value amax = maxAbs(b, l, granules, pidx);
            return nonZeroScale(
                b, l,
                arith::DivFOp::create(b, l, amax,
                                      f32Const(b, l, type.getMaxLevel())));
          });
      if (asymmetric)
        zeroPoint = buildTensor(
            rewriter, loc, zeroPointType,
            [&](OpBuilder &b, Location l, ArrayRef<Value> pidx) -> Value {
              Value zp = asymmetricParams(b, l, granules, pidx, type).second;
              return arith::FPToSIOp::create(b, l, b.getI32Type(), zp);
            });
    }

    // Per-value levels.
    Type storage = resultType.getElementType();
    Value result = buildTensor(
        rewriter, loc, resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          Value x = extractF32(b, l, adaptor.getInput(), indices);
          SmallVector<Value> pidx = granules.paramIndicesOf(b, l, indices);
          if (isBinary) {
            Value positive = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGE, x, f32Const(b, l, 0.0));
            return arith::SelectOp::create(b, l, positive,
                                           intConst(b, l, storage, 1),
                                           intConst(b, l, storage, -1));
          }
          if (delta) {
            Value threshold = tensor::ExtractOp::create(b, l, delta, pidx);
            Value kept = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               absF(b, l, x), threshold);
            Value positive = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OGT, x, f32Const(b, l, 0.0));
            Value sign = arith::SelectOp::create(b, l, positive,
                                                 intConst(b, l, storage, 1),
                                                 intConst(b, l, storage, -1));
            return arith::SelectOp::create(b, l, kept, sign,
                                           intConst(b, l, storage, 0));
          }
          Value s = tensor::ExtractOp::create(b, l, scale, pidx);
          Value v = math::RoundEvenOp::create(b, l,
                                              arith::DivFOp::create(b, l, x, s));
          if (zeroPoint) {
            Value zp = tensor::ExtractOp::create(b, l, zeroPoint, pidx);
            v = arith::AddFOp::create(
                b, l, v, arith::SIToFPOp::create(b, l, b.getF32Type(), zp));
          }
          return clampToInt(b, l, v, type.getMinLevel(), type.getMaxLevel(),
                            storage);
        });

    if (std::optional<PackedGeometry> geometry = getPackedGeometry(logicalType))
      result = buildPackedStorage(rewriter, loc, unpackedType, *geometry, result);

    SmallVector<Value> results{result};
    if (op.getResultScale())
      results.push_back(scale);
    if (op.getResultZeroPoint())
      results.push_back(zeroPoint);
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DequantizeOpLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = op.getResult().getType();
    std::optional<int64_t> groupSize = op.getGroupSize();
    Value result = buildTensor(
        rewriter, op.getLoc(), resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          ArrayRef<Value> row = indices.drop_back();
          Value group = groupSize ? arith::DivUIOp::create(
                                        b, l, indices.back(),
                                        indexConst(b, l, *groupSize))
                                  : indexConst(b, l, 0);
          Value q = extractI32(b, l, adaptor.getInput(), indices);
          if (Value zp = adaptor.getZeroPoint())
            q = arith::SubIOp::create(b, l, q,
                                      extractParam(b, l, zp, row, group));
          Value s = extractParam(b, l, adaptor.getScale(), row, group);
          Value y = arith::MulFOp::create(
              b, l, arith::SIToFPOp::create(b, l, b.getF32Type(), q), s);
          if (resultType.getElementType() != y.getType())
            y = arith::TruncFOp::create(b, l, resultType.getElementType(), y);
          return y;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateQuantizeLoweringPatterns(const TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<QuantizeOpLowering, DequantizeOpLowering>(converter,
                                                         patterns.getContext());
}
