//===- BitBalance.cpp - the bwta-bit-balance pass -------------------------===//
//
// Switches low-bit weight quantizers to balanced levels (ABQ-LLM's W2*).
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

#include "llvm/ADT/STLExtras.h"

namespace bwta {
#define GEN_PASS_DEF_BITBALANCEPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

/// The attribute that opts a matmul out of bit balance.
constexpr StringLiteral kNoBitBalance = "bwta.no_bit_balance";

struct BitBalancePass : bwta::impl::BitBalancePassBase<BitBalancePass> {
  using Base::Base;

  /// Why `quantize` must keep its levels, or null if it can be balanced.
  const char *reasonToKeep(QuantizeOp quantize) {
    if (quantize.getScale())
      return "static quantization (its scale is for the old levels)";
    if (auto weight = quantize.getInput().getDefiningOp<WeightOp>())
      if (llvm::is_contained(skip, weight.getName().str()))
        return "listed in skip";
    for (Operation *user : quantize.getResult().getUsers()) {
      if (isa<DequantizeOp>(user))
        continue;
      if (!isa<QMatmulOp, BatchQMatmulOp>(user))
        return "used by an op that depends on the level set";
      if (user->hasAttr(kNoBitBalance))
        return "a matmul asks for no bit balance";
      if (user->getOperand(0) == quantize.getResult())
        return "also used as activations";
    }
    return nullptr;
  }

  void runOnOperation() override {
    SmallVector<QuantizeOp> candidates;
    getOperation()->walk([&](Operation *op) {
      if (!isa<QMatmulOp, BatchQMatmulOp>(op))
        return;
      auto quantize = op->getOperand(1).getDefiningOp<QuantizeOp>();
      if (!quantize || llvm::is_contained(candidates, quantize))
        return;
      auto type = dyn_cast<IntType>(quantize.getResult().getType().getElementType());
      if (type && type.getWidth() <= maxBits &&
          type.getSignedness() != Signedness::Balanced)
        candidates.push_back(quantize);
    });

    for (QuantizeOp quantize : candidates) {
      if (reasonToKeep(quantize)) {
        ++numSkipped;
        continue;
      }
      RankedTensorType type = quantize.getResult().getType();
      auto oldElement = cast<IntType>(type.getElementType());
      auto balanced = IntType::get(&getContext(), oldElement.getWidth(),
                                   Signedness::Balanced);
      quantize.getResult().setType(type.clone(balanced));
      numPlanesAdded += balanced.getNumPlanes() - oldElement.getNumPlanes();
      ++numBalanced;
    }
  }
};

} // namespace
