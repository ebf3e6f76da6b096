//===- PackLayout.cpp - the bwta-pack-layout pass -------------------------===//
//
// Moves bit planes into packed layouts: weights packed at compile time,
// activations packed by their quantizer, anything else by an explicit pack.
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace bwta {
#define GEN_PASS_DEF_PACKLAYOUTPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

RankedTensorType withLayout(RankedTensorType type, PackedLayoutAttr layout) {
  return RankedTensorType::get(type.getShape(), type.getElementType(), layout);
}

struct PackLayoutPass : bwta::impl::PackLayoutPassBase<PackLayoutPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(context)) << "bwta-pack-layout: " << message;
    };
    if (word != 32 && word != 64)
      return fail("word must be 32 or 64, got " + Twine(word));
    if (kOrder == "lsb_first")
      order = KOrder::LsbFirst;
    else if (kOrder == "msb_first")
      order = KOrder::MsbFirst;
    else
      return fail("k-order must be lsb_first or msb_first, got '" + kOrder + "'");
    if (tileK == 0 || tileK % word != 0)
      return fail("tile-k must be a positive multiple of word, got " + Twine(tileK));
    if (lhsTileRows == 0 || rhsTileRows == 0)
      return fail("tile rows must be positive");
    return success();
  }

  /// The layout for planes used by `split`: lhs (M side) tiling if any plane
  /// matmul reads them as lhs, rhs tiling otherwise.
  PackedLayoutAttr layoutFor(SplitPlanesOp split) {
    bool isLhs = llvm::any_of(split.getResult().getUses(), [](OpOperand &use) {
      return isa<PlaneMatmulOp>(use.getOwner()) && use.getOperandNumber() == 0;
    });
    unsigned planes = split.getResult().getType().getDimSize(0);
    return PackedLayoutAttr::get(&getContext(), planes, word, order,
                                 isLhs ? lhsTileRows : rhsTileRows, tileK / word);
  }

  /// The packed version of `values` (quantized, unpacked) at `split`.
  Value packValues(IRRewriter &rewriter, SplitPlanesOp split, Value values,
                   PackedLayoutAttr layout) {
    auto packedType = withLayout(cast<RankedTensorType>(values.getType()), layout);
    Operation *producer = values.getDefiningOp();
    if (auto weight = dyn_cast_or_null<WeightOp>(producer)) {
      rewriter.setInsertionPoint(split);
      ++numWeightsPacked;
      return WeightOp::create(rewriter, weight.getLoc(), packedType,
                              weight.getNameAttr());
    }
    if (auto quantize = dyn_cast_or_null<QuantizeOp>(producer);
        quantize && values.hasOneUse()) {
      values.setType(packedType);
      ++numQuantizersFused;
      return values;
    }
    rewriter.setInsertionPoint(split);
    ++numPackOps;
    return PackOp::create(rewriter, split.getLoc(), packedType, values);
  }

  void runOnOperation() override {
    SmallVector<SplitPlanesOp> splits;
    getOperation()->walk([&](SplitPlanesOp split) {
      if (getPackedLayout(split.getInput().getType()) ||
          split.getResult().use_empty())
        return;
      // Grouped counts need groups of whole words in a packed operand.
      auto wholeWords = [&](std::optional<int64_t> groupSize) {
        return !groupSize || *groupSize % word == 0;
      };
      if (llvm::all_of(split.getResult().getUsers(), [&](Operation *user) {
            if (auto matmul = dyn_cast<PlaneMatmulOp>(user))
              return wholeWords(matmul.getGroupSize());
            if (auto popcount = dyn_cast<PlanePopcountOp>(user))
              return wholeWords(popcount.getGroupSize());
            return false;
          }))
        splits.push_back(split);
    });

    IRRewriter rewriter(&getContext());
    for (SplitPlanesOp split : splits) {
      PackedLayoutAttr layout = layoutFor(split);
      Value packed = packValues(rewriter, split, split.getInput(), layout);
      rewriter.setInsertionPoint(split);
      auto planesType = withLayout(split.getResult().getType(), layout);
      rewriter.replaceOpWithNewOp<SplitPlanesOp>(split, planesType, packed);
    }
    // Quantizers that pack their output and read an elementwise producer
    // used nowhere else join it in one fusion group: one kernel computes,
    // quantizes and packs the activations.
    SmallVector<QuantizeOp> packingQuantizers;
    getOperation()->walk([&](QuantizeOp quantize) {
      if (getPackedLayout(quantize.getResult().getType()))
        packingQuantizers.push_back(quantize);
    });
    for (QuantizeOp quantize : packingQuantizers)
      fuseWithProducer(rewriter, quantize);

    // Weights whose every use now reads the packed copy are dead.
    getOperation()->walk([&](WeightOp weight) {
      if (weight.getResult().use_empty())
        rewriter.eraseOp(weight);
    });
  }

  /// Wraps an elementwise producer and `quantize` in a bwta.fusion.
  void fuseWithProducer(IRRewriter &rewriter, QuantizeOp quantize) {
    auto producer = quantize.getInput().getDefiningOp<linalg::GenericOp>();
    if (!producer || producer->getNumResults() != 1 ||
        !producer->getResult(0).hasOneUse() ||
        producer.getNumParallelLoops() != producer.getNumLoops() ||
        producer->getParentOfType<FusionOp>())
      return;
    rewriter.setInsertionPoint(quantize);
    auto fusion = FusionOp::create(rewriter, quantize.getLoc(),
                                   quantize->getResultTypes());
    Block *body = rewriter.createBlock(&fusion.getBody());
    rewriter.setInsertionPointToEnd(body);
    YieldOp::create(rewriter, quantize.getLoc(), quantize->getResults());
    for (auto [from, to] : llvm::zip_equal(quantize->getResults(), fusion.getResults()))
      rewriter.replaceAllUsesExcept(from, to, body->getTerminator());
    // The producer's operands are defined above the fusion (its init too,
    // usually a tensor.empty) and stay visible inside it.
    producer->moveBefore(body->getTerminator());
    quantize->moveBefore(body->getTerminator());
    ++numQuantizersFused;
  }

  KOrder order = KOrder::LsbFirst;
};

} // namespace
