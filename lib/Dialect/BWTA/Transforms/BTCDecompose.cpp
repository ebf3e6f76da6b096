//===- BTCDecompose.cpp - the bwta-btc-decompose pass ---------------------===//
//
// qmatmul → split_planes ×2, plane_matmul, plane_popcount ×2, btc_epilogue;
// or, where the cost model prefers it, the int8 path (the op stays, marked).
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/CostModel.h"
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

namespace bwta {
#define GEN_PASS_DEF_BTCDECOMPOSEPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

/// [P, d...] i1 planes of a quantized tensor [d...].
Value splitPlanes(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  auto quantized = cast<QuantizedType>(type.getElementType());
  SmallVector<int64_t> shape{quantized.getNumPlanes()};
  llvm::append_range(shape, type.getShape());
  return SplitPlanesOp::create(b, loc,
                               RankedTensorType::get(shape, b.getI1Type()), value);
}

/// Row popcounts [P, (G,) d...] of planes [P, d..., K].
Value popcounts(OpBuilder &b, Location loc, Value planes, IntegerAttr groupSize) {
  auto type = cast<RankedTensorType>(planes.getType());
  SmallVector<int64_t> shape(type.getShape().drop_back());
  if (groupSize)
    shape.insert(shape.begin() + 1,
                 getNumGroups(type.getShape().back(), groupSize.getInt()));
  return PlanePopcountOp::create(b, loc, RankedTensorType::get(shape, b.getI32Type()),
                                 planes, groupSize);
}

template <typename OpTy>
void decompose(IRRewriter &rewriter, OpTy op) {
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  Value lhsPlanes = splitPlanes(rewriter, loc, op.getLhs());
  Value rhsPlanes = splitPlanes(rewriter, loc, op.getRhs());
  auto lhsType = cast<RankedTensorType>(lhsPlanes.getType());
  auto rhsType = cast<RankedTensorType>(rhsPlanes.getType());
  ArrayRef<int64_t> result = op.getResult().getType().getShape();
  int64_t k = op.getLhs().getType().getShape().back();
  IntegerAttr groupSize = op.getGroupSizeAttr();
  SmallVector<int64_t> pairShape{lhsType.getDimSize(0), rhsType.getDimSize(0)};
  if (groupSize)
    pairShape.push_back(getNumGroups(k, groupSize.getInt()));
  llvm::append_range(pairShape, result);
  Value pairs = PlaneMatmulOp::create(
      rewriter, loc, RankedTensorType::get(pairShape, rewriter.getI32Type()),
      lhsPlanes, rhsPlanes, groupSize);
  Value lhsCounts = popcounts(rewriter, loc, lhsPlanes, groupSize);
  Value rhsCounts = popcounts(rewriter, loc, rhsPlanes, groupSize);
  rewriter.replaceOpWithNewOp<BTCEpilogueOp>(
      op, op.getResult().getType(), pairs, lhsCounts, rhsCounts,
      op.getLhsScale(), op.getRhsScale(), op.getLhsZeroPoint(),
      op.getRhsZeroPoint(), op.getBias(), rewriter.getI64IntegerAttr(k),
      TypeAttr::get(op.getLhs().getType().getElementType()),
      TypeAttr::get(op.getRhs().getType().getElementType()), groupSize);
}

struct BTCDecomposePass : bwta::impl::BTCDecomposePassBase<BTCDecomposePass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    if (path == "btc")
      forcedPath = MatmulPath::BTC;
    else if (path == "int8")
      forcedPath = MatmulPath::Int8;
    else if (path != "auto")
      return emitError(UnknownLoc::get(context))
             << "bwta-btc-decompose: path must be auto, btc or int8, got '"
             << path << "'";
    if (!(binaryPops > 0) || !(int8Pops > 0) || !(bandwidthTBs > 0))
      return emitError(UnknownLoc::get(context))
             << "bwta-btc-decompose: binary-pops, int8-pops and bandwidth-tbs "
                "must be positive";
    rates.binaryOpsPerSecond = binaryPops * 1e15;
    rates.int8OpsPerSecond = int8Pops * 1e15;
    rates.bytesPerSecond = bandwidthTBs * 1e12;
    return success();
  }

  template <typename OpTy>
  void process(IRRewriter &rewriter, OpTy op) {
    auto lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
    auto lhsElement = cast<QuantizedType>(lhs.getElementType());
    auto rhsElement = cast<QuantizedType>(rhs.getElementType());
    ArrayRef<int64_t> result = op.getResult().getType().getShape();
    MatmulShape shape{result.size() == 3 ? result[0] : 1, result[result.size() - 2],
                      result.back(), lhs.getShape().back(),
                      lhsElement.getNumPlanes(), rhsElement.getNumPlanes()};
    MatmulCost cost = estimateMatmulCost(shape, rates);

    MatmulPath choice = cost.cheaper();
    StringRef reason = "cost model";
    if (forcedPath) {
      choice = *forcedPath;
      reason = "pass option";
    }
    if (op.getPath()) {
      choice = *op.getPath();
      reason = "path attribute";
    }
    if (reportCosts)
      op.emitRemark() << llvm::formatv(
          "btc {0:f2} us ({1} plane pairs), int8 {2:f2} us: {3} ({4})",
          cost.btcSeconds * 1e6, shape.lhsPlanes * shape.rhsPlanes,
          cost.int8Seconds * 1e6, stringifyMatmulPath(choice), reason);

    if (choice == MatmulPath::Int8) {
      op.setPathAttr(MatmulPathAttr::get(op.getContext(), MatmulPath::Int8));
      ++numInt8;
      return;
    }
    numPlanePairs += shape.lhsPlanes * shape.rhsPlanes;
    ++numDecomposed;
    decompose(rewriter, op);
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> matmuls;
    getOperation()->walk([&](Operation *op) {
      if (isa<QMatmulOp, BatchQMatmulOp>(op))
        matmuls.push_back(op);
    });
    for (Operation *op : matmuls) {
      if (auto qmatmul = dyn_cast<QMatmulOp>(op))
        process(rewriter, qmatmul);
      else
        process(rewriter, cast<BatchQMatmulOp>(op));
    }
  }

  std::optional<MatmulPath> forcedPath;
  HardwareRates rates;
};

} // namespace
