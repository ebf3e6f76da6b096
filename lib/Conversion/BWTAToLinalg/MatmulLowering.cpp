//===- MatmulLowering.cpp - bwta.qmatmul / bwta.batch_qmatmul -------------===//
//
// Y[m,n] = Σ_g (f32(acc_g) · sl[m,g]) · sr[n,g] + bias[n], with the int32
// group accumulators acc_g computed directly from the levels and zero points
// (docs/Semantics.md): deliberately not the BTC expansion it is checked
// against.
//
//===----------------------------------------------------------------------===//
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::lowering;

namespace {

/// y + (f32(acc) · sl) · sr: one group's term of the output sum, in the
/// order docs/Semantics.md fixes (shared by qmatmul and the BTC epilogue).
Value addScaledGroup(OpBuilder &b, Location loc, Value y, Value acc, Value sl,
                     Value sr) {
  Value term = arith::SIToFPOp::create(b, loc, b.getF32Type(), acc);
  term = arith::MulFOp::create(b, loc, term, sl);
  term = arith::MulFOp::create(b, loc, term, sr);
  return arith::AddFOp::create(b, loc, y, term);
}

/// The group sum plus bias[n] (if any), rounded to the result element type.
Value finishOutput(OpBuilder &b, Location loc, Value y, Value bias, Value n,
                   Type resultElement) {
  if (bias)
    y = arith::AddFOp::create(b, loc, y,
                              tensor::ExtractOp::create(b, loc, bias, ValueRange{n}));
  if (resultElement != y.getType())
    y = arith::TruncFOp::create(b, loc, resultElement, y);
  return y;
}

template <typename OpTy>
struct QMatmulLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = op.getResult().getType();
    int64_t k = op.getLhs().getType().getShape().back();
    std::optional<int64_t> groupSize = op.getGroupSize();
    int64_t numGroups = getNumGroups(k, groupSize);
    int64_t span = groupSize.value_or(k);
    Type i32 = rewriter.getI32Type();

    Value result = buildTensor(
        rewriter, op.getLoc(), resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          // indices = [(batch,) m, n]
          SmallVector<Value> lhsRow(indices.drop_back());
          SmallVector<Value> rhsRow(indices.drop_back(2));
          rhsRow.push_back(indices.back());
          Value kEnd = indexConst(b, l, k);

          auto groups = buildLoop(
              b, l, indexConst(b, l, 0), indexConst(b, l, numGroups),
              {f32Const(b, l, -0.0)},
              [&](OpBuilder &gb, Location gl, Value g, ValueRange y) {
                Value zl = adaptor.getLhsZeroPoint()
                               ? extractParam(gb, gl, adaptor.getLhsZeroPoint(),
                                              lhsRow, g)
                               : intConst(gb, gl, i32, 0);
                Value zr = adaptor.getRhsZeroPoint()
                               ? extractParam(gb, gl, adaptor.getRhsZeroPoint(),
                                              rhsRow, g)
                               : intConst(gb, gl, i32, 0);
                Value begin =
                    arith::MulIOp::create(gb, gl, g, indexConst(gb, gl, span));
                Value end = arith::MinUIOp::create(
                    gb, gl,
                    arith::AddIOp::create(gb, gl, begin,
                                          indexConst(gb, gl, span)),
                    kEnd);
                Value acc = buildLoop(
                    gb, gl, begin, end, {intConst(gb, gl, i32, 0)},
                    [&](OpBuilder &kb, Location kl, Value kk, ValueRange it) {
                      SmallVector<Value> li(lhsRow), ri(rhsRow);
                      li.push_back(kk);
                      ri.push_back(kk);
                      Value ql = arith::SubIOp::create(
                          kb, kl, extractI32(kb, kl, adaptor.getLhs(), li), zl);
                      Value qr = arith::SubIOp::create(
                          kb, kl, extractI32(kb, kl, adaptor.getRhs(), ri), zr);
                      Value product = arith::MulIOp::create(kb, kl, ql, qr);
                      return SmallVector<Value>{
                          arith::AddIOp::create(kb, kl, it[0], product)};
                    })[0];
                Value sl = extractParam(gb, gl, adaptor.getLhsScale(), lhsRow, g);
                Value sr = extractParam(gb, gl, adaptor.getRhsScale(), rhsRow, g);
                return SmallVector<Value>{addScaledGroup(gb, gl, y[0], acc, sl, sr)};
              });
          return finishOutput(b, l, groups[0], adaptor.getBias(), indices.back(),
                              resultType.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The BTC recombination, term by term as in the op's documentation.
struct BTCEpilogueLowering : OpConversionPattern<BTCEpilogueOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BTCEpilogueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = op.getResult().getType();
    auto lhsType = cast<QuantizedType>(op.getLhsType());
    auto rhsType = cast<QuantizedType>(op.getRhsType());
    int64_t k = op.getK();
    std::optional<int64_t> groupSize = op.getGroupSize();
    int64_t span = groupSize.value_or(k);
    Type i32 = rewriter.getI32Type();

    Value result = buildTensor(
        rewriter, op.getLoc(), resultType,
        [&](OpBuilder &b, Location l, ArrayRef<Value> at) -> Value {
          // at = [(batch,) m, n]
          SmallVector<Value> lhsRow(at.drop_back()), rhsRow(at.drop_back(2));
          rhsRow.push_back(at.back());
          auto groups = buildLoop(
              b, l, indexConst(b, l, 0),
              indexConst(b, l, getNumGroups(k, groupSize)), {f32Const(b, l, -0.0)},
              [&](OpBuilder &gb, Location gl, Value g, ValueRange y) {
                auto c = [&](int64_t value) { return intConst(gb, gl, i32, value); };
                auto add = [&](Value x, Value z) {
                  return arith::AddIOp::create(gb, gl, x, z).getResult();
                };
                auto mul = [&](Value x, Value z) {
                  return arith::MulIOp::create(gb, gl, x, z).getResult();
                };
                // Indices [planes..., (g,) rest...] of a count tensor.
                auto count = [&](Value counts, ArrayRef<unsigned> planes,
                                 ArrayRef<Value> rest) {
                  SmallVector<Value> indices;
                  for (unsigned plane : planes)
                    indices.push_back(indexConst(gb, gl, plane));
                  if (groupSize)
                    indices.push_back(g);
                  llvm::append_range(indices, rest);
                  return tensor::ExtractOp::create(gb, gl, counts, indices).getResult();
                };
                // K of this group, as i32.
                Value begin = arith::MulIOp::create(gb, gl, g, indexConst(gb, gl, span));
                Value end = arith::MinUIOp::create(
                    gb, gl, arith::AddIOp::create(gb, gl, begin, indexConst(gb, gl, span)),
                    indexConst(gb, gl, k));
                Value kg = arith::IndexCastOp::create(
                    gb, gl, i32, arith::SubIOp::create(gb, gl, end, begin));
                // Σx and Σw from the row popcounts.
                Value lhsSum = mul(kg, c(lhsType.getPlaneOffset()));
                for (unsigned i = 0; i < lhsType.getNumPlanes(); ++i)
                  lhsSum = add(lhsSum, mul(c(lhsType.getPlaneCoefficient(i)),
                                           count(adaptor.getLhsPopcount(), {i}, lhsRow)));
                Value rhsSum = mul(kg, c(rhsType.getPlaneOffset()));
                for (unsigned j = 0; j < rhsType.getNumPlanes(); ++j)
                  rhsSum = add(rhsSum, mul(c(rhsType.getPlaneCoefficient(j)),
                                           count(adaptor.getRhsPopcount(), {j}, rhsRow)));
                // dot = o_x·Σw + o_w·Σx − K·o_x·o_w + Σ_ij c_i d_j P[i, j]
                // (the documented form, with the offset terms regrouped).
                int64_t ox = lhsType.getPlaneOffset(), ow = rhsType.getPlaneOffset();
                Value dot = add(mul(c(ox), rhsSum), mul(c(ow), lhsSum));
                dot = add(dot, mul(kg, c(-ox * ow)));
                for (unsigned i = 0; i < lhsType.getNumPlanes(); ++i)
                  for (unsigned j = 0; j < rhsType.getNumPlanes(); ++j)
                    dot = add(dot, mul(c(lhsType.getPlaneCoefficient(i) *
                                         rhsType.getPlaneCoefficient(j)),
                                       count(adaptor.getPlanes(), {i, j}, at)));
                Value acc = dot;
                Value zl = adaptor.getLhsZeroPoint()
                               ? extractParam(gb, gl, adaptor.getLhsZeroPoint(), lhsRow, g)
                               : Value();
                Value zr = adaptor.getRhsZeroPoint()
                               ? extractParam(gb, gl, adaptor.getRhsZeroPoint(), rhsRow, g)
                               : Value();
                if (zr)
                  acc = arith::SubIOp::create(gb, gl, acc, mul(zr, lhsSum));
                if (zl)
                  acc = arith::SubIOp::create(gb, gl, acc, mul(zl, rhsSum));
                if (zl && zr)
                  acc = add(acc, mul(kg, mul(zl, zr)));
                Value sl = extractParam(gb, gl, adaptor.getLhsScale(), lhsRow, g);
                Value sr = extractParam(gb, gl, adaptor.getRhsScale(), rhsRow, g);
                return SmallVector<Value>{addScaledGroup(gb, gl, y[0], acc, sl, sr)};
              });
          return finishOutput(b, l, groups[0], adaptor.getBias(), at.back(),
                              resultType.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateMatmulLoweringPatterns(const TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<QMatmulLowering<QMatmulOp>, QMatmulLowering<BatchQMatmulOp>,
               BTCEpilogueLowering>(
      converter, patterns.getContext());
}
