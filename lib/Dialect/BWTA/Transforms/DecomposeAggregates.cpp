//===- DecomposeAggregates.cpp - the bwta-decompose-aggregates pass -------===//
//
// Rewrites aggregated linalg ops (linalg.softmax) into the generics of their
// upstream decomposition, so that loop lowering and the GPU host lowering
// only meet structured elementwise and reduction ops.
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

namespace bwta {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATESPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;

namespace {

struct DecomposeAggregatesPass
    : bwta::impl::DecomposeAggregatesPassBase<DecomposeAggregatesPass> {
  void runOnOperation() override {
    if (failed(bwta::decomposeAggregatedOps(getOperation())))
      signalPassFailure();
  }
};

} // namespace

LogicalResult bwta::decomposeAggregatedOps(Operation *root) {
  SmallVector<linalg::AggregatedOpInterface> aggregates;
  root->walk([&](linalg::AggregatedOpInterface op) { aggregates.push_back(op); });
  IRRewriter rewriter(root->getContext());
  for (linalg::AggregatedOpInterface op : aggregates) {
    rewriter.setInsertionPoint(op);
    FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
    if (failed(results))
      return op->emitOpError() << "bwta-decompose-aggregates: cannot be decomposed";
    rewriter.replaceOp(op, *results);
  }
  return success();
}
