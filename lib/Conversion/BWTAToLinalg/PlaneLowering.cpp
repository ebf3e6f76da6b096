//===- PlaneLowering.cpp - bit planes, packing and AND-popcount -----------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

/// Row dimensions of a logical tensor: all but K, and for an i1 plane tensor
/// also all but the leading plane dimension.
ArrayRef<int64_t> rowShapeOf(RankedTensorType type) {
  ArrayRef<int64_t> rows = type.getShape().drop_back();
  return type.getElementType().isSignlessInteger(1) ? rows.drop_front() : rows;
}

/// Bit (plane, row, k) of an unpacked quantized (i8/i16 levels) or i1 plane tensor.
Value unpackedBit(OpBuilder &b, Location loc, RankedTensorType logicalType,
                  Value values, Value plane, ArrayRef<Value> rowIndices,
                  Value k) {
  SmallVector<Value> indices;
  auto quantized = dyn_cast<QuantizedType>(logicalType.getElementType());
  if (!quantized)
    indices.push_back(plane);
  llvm::append_range(indices, rowIndices);
  indices.push_back(k);
  if (!quantized)
    return tensor::ExtractOp::create(b, loc, values, indices);
  return emitPlaneBit(b, loc, quantized, extractI32(b, loc, values, indices),
                      plane);
}

/// [begin, end) of group `group` along an axis of `extent` units, where a
/// group is `groupSize` elements and a unit `elementsPerUnit` elements (1
/// for bits, the word size for packed words); all of it without a group.
std::pair<Value, Value> groupRange(OpBuilder &b, Location loc, Value group,
                                   std::optional<int64_t> groupSize,
                                   int64_t extent, int64_t elementsPerUnit) {
  if (!group)
    return {indexConst(b, loc, 0), indexConst(b, loc, extent)};
  Value span = indexConst(b, loc, *groupSize / elementsPerUnit);
  Value begin = arith::MulIOp::create(b, loc, group, span);
  Value end = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, begin, span),
                                     indexConst(b, loc, extent));
  return {begin, end};
}

/// Bit (plane, row, k) of packed storage.
Value packedBit(OpBuilder &b, Location loc, const PackedGeometry &geometry,
                Value storage, Value plane, Value row, Value k) {
  Value wordBits = indexConst(b, loc, geometry.layout.getWord());
  Value word = geometry.loadWord(b, loc, storage, plane, row,
                                 arith::DivUIOp::create(b, loc, k, wordBits));
  Value position = geometry.bitPosition(
      b, loc, arith::RemUIOp::create(b, loc, k, wordBits));
  Type wordType = word.getType();
  Value shift = arith::IndexCastOp::create(b, loc, wordType, position);
  Value shifted = arith::ShRUIOp::create(b, loc, word, shift);
  return arith::TruncIOp::create(b, loc, b.getI1Type(), shifted);
}

struct SplitPlanesLowering : OpConversionPattern<SplitPlanesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitPlanesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Packed values and their packed planes share one storage.
    if (getPackedLayout(op.getInput().getType())) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    auto type = cast<QuantizedType>(op.getInput().getType().getElementType());
    Value result = buildTensor(
        rewriter, op.getLoc(), op.getResult().getType(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) {
          Value level = extractI32(b, l, adaptor.getInput(), indices.drop_front());
          return emitPlaneBit(b, l, type, level, indices.front());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CombinePlanesLowering : OpConversionPattern<CombinePlanesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CombinePlanesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<QuantizedType>(op.getResult().getType().getElementType());
    auto resultType = cast<RankedTensorType>(
        getTypeConverter()->convertType(op.getResult().getType()));
    Value result = buildTensor(
        rewriter, op.getLoc(), resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          SmallVector<Value> bits;
          for (unsigned plane = 0; plane < type.getNumPlanes(); ++plane) {
            SmallVector<Value> at{indexConst(b, l, plane)};
            llvm::append_range(at, indices);
            bits.push_back(tensor::ExtractOp::create(b, l, adaptor.getInput(), at));
          }
          Value level = emitCombinePlanes(b, l, type, bits);
          return arith::TruncIOp::create(b, l, resultType.getElementType(), level);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

Value lowering::buildPackedStorage(OpBuilder &builder, Location loc,
                                   RankedTensorType logicalType,
                                   const PackedGeometry &geometry,
                                   Value unpacked) {
  RankedTensorType storageType = geometry.storageType(builder.getContext());
  ArrayRef<int64_t> rowShape = rowShapeOf(logicalType);
  unsigned wordBits = geometry.layout.getWord();
  Type wordType = storageType.getElementType();
  return buildTensor(
      builder, loc, storageType,
      [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
        // at = [plane, rowTile, kTile, rowInTile, wordInTile]
        Value row = arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(b, l, at[1], indexConst(b, l, geometry.tileRows)),
            at[3]);
        Value wordIndex = arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(b, l, at[2], indexConst(b, l, geometry.tileWords)),
            at[4]);
        Value rowInBounds = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::ult, row, indexConst(b, l, geometry.rows));
        Value safeRow = arith::SelectOp::create(b, l, rowInBounds, row,
                                                indexConst(b, l, 0));
        SmallVector<Value> rowIndices = delinearize(b, l, safeRow, rowShape);
        Value firstK =
            arith::MulIOp::create(b, l, wordIndex, indexConst(b, l, wordBits));
        return buildLoop(
            b, l, indexConst(b, l, 0), indexConst(b, l, wordBits),
            {intConst(b, l, wordType, 0)},
            [&](OpBuilder &jb, Location jl, Value j, ValueRange word) {
              Value k = arith::AddIOp::create(jb, jl, firstK, j);
              Value kInBounds = arith::CmpIOp::create(
                  jb, jl, arith::CmpIPredicate::ult, k,
                  indexConst(jb, jl, geometry.k));
              Value inBounds =
                  arith::AndIOp::create(jb, jl, rowInBounds, kInBounds);
              Value safeK = arith::SelectOp::create(jb, jl, kInBounds, k,
                                                    indexConst(jb, jl, 0));
              Value bit = unpackedBit(jb, jl, logicalType, unpacked, at[0],
                                      rowIndices, safeK);
              bit = arith::AndIOp::create(jb, jl, bit, inBounds);
              Value wide = arith::ExtUIOp::create(jb, jl, wordType, bit);
              Value shift = arith::IndexCastOp::create(
                  jb, jl, wordType, geometry.bitPosition(jb, jl, j));
              Value placed = arith::ShLIOp::create(jb, jl, wide, shift);
              return SmallVector<Value>{
                  arith::OrIOp::create(jb, jl, word[0], placed)};
            })[0];
      });
}

namespace {

struct PackLowering : OpConversionPattern<PackOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    PackedGeometry geometry = *getPackedGeometry(op.getResult().getType());
    rewriter.replaceOp(op, buildPackedStorage(rewriter, op.getLoc(),
                                              op.getInput().getType(), geometry,
                                              adaptor.getInput()));
    return success();
  }
};

struct UnpackLowering : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType logicalType = op.getResult().getType();
    PackedGeometry geometry = *getPackedGeometry(op.getInput().getType());
    auto resultType =
        cast<RankedTensorType>(getTypeConverter()->convertType(logicalType));
    ArrayRef<int64_t> rowShape = rowShapeOf(logicalType);
    auto quantized = dyn_cast<QuantizedType>(logicalType.getElementType());

    Value result = buildTensor(
        rewriter, op.getLoc(), resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          Value k = indices.back();
          ArrayRef<Value> rowIndices = indices.drop_back();
          if (!quantized) {
            Value row = linearize(b, l, rowIndices.drop_front(), rowShape);
            return packedBit(b, l, geometry, adaptor.getInput(),
                             rowIndices.front(), row, k);
          }
          Value row = linearize(b, l, rowIndices, rowShape);
          SmallVector<Value> bits;
          for (unsigned plane = 0; plane < quantized.getNumPlanes(); ++plane)
            bits.push_back(packedBit(b, l, geometry, adaptor.getInput(),
                                     indexConst(b, l, plane), row, k));
          Value level = emitCombinePlanes(b, l, quantized, bits);
          return arith::TruncIOp::create(b, l, resultType.getElementType(), level);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PlaneMatmulLowering : OpConversionPattern<PlaneMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PlaneMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType lhsType = op.getLhs().getType();
    RankedTensorType rhsType = op.getRhs().getType();
    bool batched = lhsType.getRank() == 4;
    int64_t k = lhsType.getShape().back();
    std::optional<int64_t> groupSize = op.getGroupSize();
    std::optional<PackedGeometry> lhsPacked = getPackedGeometry(lhsType);
    std::optional<PackedGeometry> rhsPacked = getPackedGeometry(rhsType);
    Type i32 = rewriter.getI32Type();

    Value result = buildTensor(
        rewriter, op.getLoc(), op.getResult().getType(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          // at = [i, j, (group,) (batch,) m, n]
          Value i = at[0], j = at[1], m = at[at.size() - 2], n = at.back();
          Value group = groupSize ? at[2] : Value();
          SmallVector<Value> lhsRow, rhsRow;
          if (batched) {
            lhsRow.push_back(at[at.size() - 3]);
            rhsRow.push_back(at[at.size() - 3]);
          }
          lhsRow.push_back(m);
          rhsRow.push_back(n);
          Value zero = intConst(b, l, i32, 0);
          if (!lhsPacked) {
            auto [begin, end] = groupRange(b, l, group, groupSize, k, 1);
            return buildLoop(
                b, l, begin, end, {zero},
                [&](OpBuilder &kb, Location kl, Value kk, ValueRange acc) {
                  Value x = unpackedBit(kb, kl, lhsType, adaptor.getLhs(), i,
                                        lhsRow, kk);
                  Value w = unpackedBit(kb, kl, rhsType, adaptor.getRhs(), j,
                                        rhsRow, kk);
                  Value both = arith::AndIOp::create(kb, kl, x, w);
                  return SmallVector<Value>{arith::AddIOp::create(
                      kb, kl, acc[0], arith::ExtUIOp::create(kb, kl, i32, both))};
                })[0];
          }
          Value lhsLinear = linearize(b, l, lhsRow, rowShapeOf(lhsType));
          Value rhsLinear = linearize(b, l, rhsRow, rowShapeOf(rhsType));
          auto [begin, end] = groupRange(b, l, group, groupSize, lhsPacked->wordsPerRow,
                                         lhsPacked->layout.getWord());
          return buildLoop(
              b, l, begin, end, {zero},
              [&](OpBuilder &wb, Location wl, Value word, ValueRange acc) {
                Value x = lhsPacked->loadWord(wb, wl, adaptor.getLhs(), i,
                                              lhsLinear, word);
                Value w = rhsPacked->loadWord(wb, wl, adaptor.getRhs(), j,
                                              rhsLinear, word);
                Value ones = math::CtPopOp::create(
                    wb, wl, arith::AndIOp::create(wb, wl, x, w));
                if (ones.getType() != i32)
                  ones = arith::TruncIOp::create(wb, wl, i32, ones);
                return SmallVector<Value>{
                    arith::AddIOp::create(wb, wl, acc[0], ones)};
              })[0];
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PlanePopcountLowering : OpConversionPattern<PlanePopcountOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PlanePopcountOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = op.getInput().getType();
    std::optional<PackedGeometry> packed = getPackedGeometry(inputType);
    std::optional<int64_t> groupSize = op.getGroupSize();
    Type i32 = rewriter.getI32Type();
    Value result = buildTensor(
        rewriter, op.getLoc(), op.getResult().getType(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          // at = [plane, (group,) rows...]
          Value plane = at.front();
          Value group = groupSize ? at[1] : Value();
          ArrayRef<Value> row = at.drop_front(groupSize ? 2 : 1);
          Value zero = intConst(b, l, i32, 0);
          if (!packed) {
            auto [begin, end] = groupRange(b, l, group, groupSize,
                                           inputType.getShape().back(), 1);
            return buildLoop(
                b, l, begin, end, {zero},
                [&](OpBuilder &kb, Location kl, Value k, ValueRange acc) {
                  Value bit = unpackedBit(kb, kl, inputType, adaptor.getInput(),
                                          plane, row, k);
                  return SmallVector<Value>{arith::AddIOp::create(
                      kb, kl, acc[0], arith::ExtUIOp::create(kb, kl, i32, bit))};
                })[0];
          }
          Value linear = linearize(b, l, row, rowShapeOf(inputType));
          auto [begin, end] = groupRange(b, l, group, groupSize, packed->wordsPerRow,
                                         packed->layout.getWord());
          return buildLoop(
              b, l, begin, end, {zero},
              [&](OpBuilder &wb, Location wl, Value word, ValueRange acc) {
                Value ones = math::CtPopOp::create(
                    wb, wl, packed->loadWord(wb, wl, adaptor.getInput(), plane,
                                             linear, word));
                if (ones.getType() != i32)
                  ones = arith::TruncIOp::create(wb, wl, i32, ones);
                return SmallVector<Value>{arith::AddIOp::create(wb, wl, acc[0], ones)};
              })[0];
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populatePlaneLoweringPatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<SplitPlanesLowering, CombinePlanesLowering, PackLowering,
               UnpackLowering, PlaneMatmulLowering, PlanePopcountLowering>(converter,
                                                    patterns.getContext());
}
