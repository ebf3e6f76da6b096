//===- LinalgMatmul.cpp - float linalg matmuls as linear layers ------------===//
#include "LinalgMatmul.h"

#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace bwta;

FailureOr<MatmulForm> bwta::matchMatmul(linalg::LinalgOp op, std::string &why) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1) {
    why = "not a two-input matmul on tensors";
    return failure();
  }
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type || !type.hasStaticShape() ||
        !(type.getElementType().isF32() || type.getElementType().isF16())) {
      why = "operands must be statically shaped f32/f16 tensors";
      return failure();
    }
  }
  // The accumulator must be a zero fill: the result is then the product.
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  auto zero = fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>()
                   : arith::ConstantOp();
  auto zeroValue = zero ? dyn_cast<FloatAttr>(zero.getValue()) : FloatAttr();
  if (!zeroValue || !zeroValue.getValue().isZero()) {
    why = "the accumulator is not a zero fill";
    return failure();
  }

  MatmulForm form;
  form.batched = isa<linalg::BatchMatmulOp>(op);
  MLIRContext *ctx = op->getContext();
  auto maps = op.getIndexingMapsArray();
  auto map = [&](ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned dim : dims)
      exprs.push_back(getAffineDimExpr(dim, ctx));
    return AffineMap::get(form.batched ? 4 : 3, 0, exprs, ctx);
  };
  // (b,) m, n, k
  unsigned b = 0, m = form.batched ? 1 : 0, n = m + 1, k = n + 1;
  auto withBatch = [&](SmallVector<unsigned> dims) {
    if (form.batched)
      dims.insert(dims.begin(), b);
    return dims;
  };
  if (maps[0] != map(withBatch({m, k})) || maps[2] != map(withBatch({m, n}))) {
    why = "unsupported indexing maps";
    return failure();
  }
  if (maps[1] == map(withBatch({k, n})))
    form.rhsIsKN = true;
  else if (maps[1] != map(withBatch({n, k}))) {
    why = "unsupported indexing maps";
    return failure();
  }
  form.lhs = op.getDpsInputs()[0];
  form.rhs = op.getDpsInputs()[1];
  return form;
}

/// The bwta.weight name behind `value`, looking through transposes.
std::string bwta::weightNameOf(Value value) {
  while (Operation *producer = value.getDefiningOp()) {
    if (auto weight = dyn_cast<WeightOp>(producer))
      return weight.getName().str();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(producer)) {
      value = transpose.getInput();
      continue;
    }
    break;
  }
  return "";
}

