//===- LoweringUtils.cpp - building blocks of the CPU reference -----------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

Value lowering::buildTensor(OpBuilder &b, Location loc, RankedTensorType type,
                          IndexBody body) {
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType());
  unsigned rank = type.getRank();
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange) {
        SmallVector<Value> indices;
        for (unsigned dim = 0; dim < rank; ++dim)
          indices.push_back(linalg::IndexOp::create(nested, nestedLoc, dim));
        Value value = body(nested, nestedLoc, indices);
        linalg::YieldOp::create(nested, nestedLoc, value);
      });
  return generic.getResult(0);
}

SmallVector<Value> lowering::buildLoop(OpBuilder &b, Location loc, Value lb,
                                     Value ub, ValueRange inits,
                                     LoopBody body) {
  Value one = indexConst(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, one, inits,
      [&](OpBuilder &nested, Location nestedLoc, Value iv, ValueRange iters) {
        scf::YieldOp::create(nested, nestedLoc,
                             body(nested, nestedLoc, iv, iters));
      });
  return SmallVector<Value>(loop.getResults());
}

Value lowering::indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value lowering::f32Const(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value lowering::intConst(OpBuilder &b, Location loc, Type type, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value lowering::linearize(OpBuilder &b, Location loc, ArrayRef<Value> indices,
                        ArrayRef<int64_t> shape) {
  Value linear = indexConst(b, loc, 0);
  for (auto [index, size] : llvm::zip_equal(indices, shape)) {
    linear = arith::MulIOp::create(b, loc, linear, indexConst(b, loc, size));
    linear = arith::AddIOp::create(b, loc, linear, index);
  }
  return linear;
}

SmallVector<Value> lowering::delinearize(OpBuilder &b, Location loc,
                                       Value linear, ArrayRef<int64_t> shape) {
  SmallVector<Value> indices(shape.size());
  for (int64_t dim = shape.size() - 1; dim >= 0; --dim) {
    Value size = indexConst(b, loc, shape[dim]);
    indices[dim] = arith::RemUIOp::create(b, loc, linear, size);
    linear = arith::DivUIOp::create(b, loc, linear, size);
  }
  return indices;
}

Value lowering::extractParam(OpBuilder &b, Location loc, Value param,
                           ArrayRef<Value> rowIndices, Value group) {
  auto type = cast<RankedTensorType>(param.getType());
  SmallVector<Value> indices;
  if (type.getRank() > 0)
    llvm::append_range(indices, rowIndices);
  if (type.getRank() > static_cast<int64_t>(rowIndices.size()))
    indices.push_back(group);
  return tensor::ExtractOp::create(b, loc, param, indices);
}

Value lowering::extractF32(OpBuilder &b, Location loc, Value tensor,
                         ValueRange indices) {
  Value value = tensor::ExtractOp::create(b, loc, tensor, indices);
  if (!value.getType().isF32())
    value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  return value;
}

Value lowering::extractI32(OpBuilder &b, Location loc, Value tensor,
                         ValueRange indices) {
  Value value = tensor::ExtractOp::create(b, loc, tensor, indices);
  if (value.getType().isSignlessInteger(1))
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), value);
  return arith::ExtSIOp::create(b, loc, b.getI32Type(), value);
}

Value lowering::emitPlaneBit(OpBuilder &b, Location loc, QuantizedType type,
                           Value level, Value plane) {
  Type i32 = b.getI32Type();
  auto equals = [&](int64_t constant) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, level,
                                 intConst(b, loc, i32, constant));
  };
  if (isa<BinaryType>(type))
    return equals(1);
  if (isa<TernaryType>(type)) {
    Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          plane, indexConst(b, loc, 0));
    return arith::SelectOp::create(b, loc, isFirst, equals(1), equals(-1));
  }
  // Two's complement bits: an arithmetic shift keeps the sign for high planes.
  Value shift = arith::IndexCastOp::create(b, loc, i32, plane);
  Value shifted = arith::ShRSIOp::create(b, loc, level, shift);
  return arith::TruncIOp::create(b, loc, b.getI1Type(), shifted);
}

Value lowering::emitCombinePlanes(OpBuilder &b, Location loc, QuantizedType type,
                                ArrayRef<Value> bits) {
  Type i32 = b.getI32Type();
  Value value = intConst(b, loc, i32, type.getPlaneOffset());
  for (auto [plane, bit] : llvm::enumerate(bits)) {
    Value wide = arith::ExtUIOp::create(b, loc, i32, bit);
    Value term = arith::MulIOp::create(
        b, loc, wide, intConst(b, loc, i32, type.getPlaneCoefficient(plane)));
    value = arith::AddIOp::create(b, loc, value, term);
  }
  value = arith::MaxSIOp::create(b, loc, value,
                                 intConst(b, loc, i32, type.getMinLevel()));
  return arith::MinSIOp::create(b, loc, value,
                                intConst(b, loc, i32, type.getMaxLevel()));
}

bool lowering::getLevelBit(QuantizedType type, int64_t level, unsigned plane) {
  if (isa<BinaryType>(type))
    return level == 1;
  if (isa<TernaryType>(type))
    return level == (plane == 0 ? 1 : -1);
  return (level >> plane) & 1; // two's complement: arithmetic shift
}

//===----------------------------------------------------------------------===//
// Packed storage
//===----------------------------------------------------------------------===//

std::optional<PackedGeometry> lowering::getPackedGeometry(RankedTensorType type) {
  PackedLayoutAttr layout = getPackedLayout(type);
  if (!layout)
    return std::nullopt;
  PackedGeometry geometry;
  geometry.layout = layout;
  geometry.planes = layout.getPlanes();
  ArrayRef<int64_t> shape = type.getShape();
  // An i1 plane tensor carries its planes in the first dimension.
  ArrayRef<int64_t> rowDims = shape.drop_back();
  if (type.getElementType().isSignlessInteger(1))
    rowDims = rowDims.drop_front();
  geometry.rows = 1;
  for (int64_t size : rowDims)
    geometry.rows *= size;
  geometry.k = shape.back();
  geometry.tileRows = layout.getTileRows();
  geometry.tileWords = layout.getTileWords();
  geometry.wordsPerRow = llvm::divideCeil(geometry.k, layout.getWord());
  geometry.rowTiles = llvm::divideCeil(geometry.rows, geometry.tileRows);
  geometry.kTiles = llvm::divideCeil(geometry.wordsPerRow, geometry.tileWords);
  return geometry;
}

RankedTensorType PackedGeometry::storageType(MLIRContext *ctx) const {
  return RankedTensorType::get(
      {planes, rowTiles, kTiles, tileRows, tileWords},
      IntegerType::get(ctx, layout.getWord()));
}

Value PackedGeometry::loadWord(OpBuilder &b, Location loc, Value storage,
                               Value plane, Value row, Value wordIndex) const {
  Value tileRowsC = indexConst(b, loc, tileRows);
  Value tileWordsC = indexConst(b, loc, tileWords);
  SmallVector<Value> indices{
      plane, arith::DivUIOp::create(b, loc, row, tileRowsC),
      arith::DivUIOp::create(b, loc, wordIndex, tileWordsC),
      arith::RemUIOp::create(b, loc, row, tileRowsC),
      arith::RemUIOp::create(b, loc, wordIndex, tileWordsC)};
  return tensor::ExtractOp::create(b, loc, storage, indices);
}

Value PackedGeometry::bitPosition(OpBuilder &b, Location loc,
                                  Value kInWord) const {
  if (layout.getKOrder() == KOrder::LsbFirst)
    return kInWord;
  return arith::SubIOp::create(b, loc, indexConst(b, loc, layout.getWord() - 1),
                               kInWord);
}
