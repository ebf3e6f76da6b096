//===- QuantizeLowering.cpp - bwta.quantize / bwta.dequantize -------------===//
//
// Reference lowering of quantization, written to match docs/Semantics.md
// line by line: granule reductions are sequential f32 loops, rounding is
// roundeven, clamping happens in f32 before the integer conversion.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

using GranuleBody = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, Value /*x*/, ValueRange /*iters*/)>;

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

  /// Number of values in the granule, as f32.
  Value count(OpBuilder &b, Location loc, ArrayRef<Value> paramIndices) const {
    auto [begin, end] = kRange(b, loc, paramIndices);
    Value size = arith::SubIOp::create(b, loc, end, begin);
    if (granularity() == Granularity::PerTensor)
      size = arith::MulIOp::create(b, loc, size, indexConst(b, loc, numRows()));
    Value wide = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), wide);
  }

  /// Folds `body` over the granule's values in row-major order.
  SmallVector<Value> reduce(OpBuilder &b, Location loc,
                            ArrayRef<Value> paramIndices, ValueRange inits,
                            GranuleBody body) const {
    auto [begin, end] = kRange(b, loc, paramIndices);
    auto overRow = [&](OpBuilder &rb, Location rl, SmallVector<Value> rowIdx,
                       ValueRange rowInits) {
      return buildLoop(rb, rl, begin, end, rowInits,
                       [&](OpBuilder &kb, Location kl, Value k, ValueRange it) {
                         SmallVector<Value> indices(rowIdx);
                         indices.push_back(k);
                         return body(kb, kl, extractF32(kb, kl, input, indices),
                                     it);
                       });
    };
    if (granularity() != Granularity::PerTensor) {
      ArrayRef<Value> rowIdx = paramIndices;
      if (isPerGroup())
        rowIdx = rowIdx.drop_back();
      return overRow(b, loc, SmallVector<Value>(rowIdx), inits);
    }
    return buildLoop(b, loc, indexConst(b, loc, 0),
                     indexConst(b, loc, numRows()), inits,
                     [&](OpBuilder &rb, Location rl, Value row, ValueRange it) {
                       return overRow(rb, rl, delinearize(rb, rl, row, rowShape()),
                                      it);
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

Value meanAbs(OpBuilder &b, Location loc, const Granules &granules,
              ArrayRef<Value> pidx) {
  Value sum = granules.reduce(
      b, loc, pidx, {f32Const(b, loc, 0.0)},
      [&](OpBuilder &nb, Location nl, Value x, ValueRange it) {
        return SmallVector<Value>{
            arith::AddFOp::create(nb, nl, it[0], absF(nb, nl, x))};
      })[0];
  return arith::DivFOp::create(b, loc, sum, granules.count(b, loc, pidx));
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

/// Ternary threshold Δ of a granule.
Value ternaryThreshold(OpBuilder &b, Location loc, const Granules &granules,
                       ArrayRef<Value> pidx, ThresholdAttr threshold) {
  ThresholdPolicy policy =
      threshold ? threshold.getPolicy() : ThresholdPolicy::MeanAbs;
  Value factor = f32Const(b, loc, threshold ? threshold.getFactorValue() : 0.7);
  switch (policy) {
  case ThresholdPolicy::Fixed:
    return factor;
  case ThresholdPolicy::MeanAbs:
    return arith::MulFOp::create(b, loc, factor, meanAbs(b, loc, granules, pidx));
  case ThresholdPolicy::MaxAbs:
    return arith::MulFOp::create(b, loc, factor, maxAbs(b, loc, granules, pidx));
  }
  llvm_unreachable("unknown threshold policy");
}

/// Ternary scale: mean |x| over the values above Δ, 1 if there are none.
Value ternaryScale(OpBuilder &b, Location loc, const Granules &granules,
                   ArrayRef<Value> pidx, Value delta) {
  Type i64 = b.getI64Type();
  auto sums = granules.reduce(
      b, loc, pidx, {f32Const(b, loc, 0.0), intConst(b, loc, i64, 0)},
      [&](OpBuilder &nb, Location nl, Value x, ValueRange it) {
        Value magnitude = absF(nb, nl, x);
        Value kept = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                           magnitude, delta);
        Value add = arith::SelectOp::create(nb, nl, kept, magnitude,
                                            f32Const(nb, nl, 0.0));
        Value one = arith::ExtUIOp::create(nb, nl, i64, kept);
        return SmallVector<Value>{arith::AddFOp::create(nb, nl, it[0], add),
                                  arith::AddIOp::create(nb, nl, it[1], one)};
      });
  Value none = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, sums[1],
                                     intConst(b, loc, i64, 0));
  Value count = arith::SIToFPOp::create(b, loc, b.getF32Type(), sums[1]);
  Value mean = arith::DivFOp::create(b, loc, sums[0], count);
  return arith::SelectOp::create(b, loc, none, f32Const(b, loc, 1.0), mean);
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
      delta = buildTensor(rewriter, loc, paramType,
                          [&](OpBuilder &b, Location l, ArrayRef<Value> pidx) {
                            return ternaryThreshold(b, l, granules, pidx,
                                                    scheme.getThreshold());
                          });
    if (dynamic) {
      scale = buildTensor(
          rewriter, loc, paramType,
          [&](OpBuilder &b, Location l, ArrayRef<Value> pidx) -> Value {
            if (isBinary)
              return meanAbs(b, l, granules, pidx);
            if (isTernary)
              return ternaryScale(b, l, granules, pidx,
                                  tensor::ExtractOp::create(b, l, delta, pidx));
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
