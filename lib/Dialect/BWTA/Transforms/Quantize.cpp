//===- Quantize.cpp - the bwta-quantize pass ------------------------------===//
//
// Float linalg matmuls → dynamic bwta.quantize of both operands + a
// quantized matmul, with a scheme per layer.
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/Passes.h"
#include "bwta/Dialect/BWTA/Transforms/Recipe.h"

#include "LinalgMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

namespace bwta {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

/// How one operand is quantized.
struct Quantizer {
  Type element;
  SchemeAttr scheme;
  bool asymmetric() const { return scheme.getMode() == QuantMode::Asymmetric; }
};

Quantizer ternaryActivations(MLIRContext *ctx) {
  auto threshold = ThresholdAttr::get(ctx, ThresholdPolicy::MeanAbs, APFloat(0.7));
  return {TernaryType::get(ctx),
          SchemeAttr::get(ctx, Granularity::PerToken, 0, QuantMode::Symmetric,
                          threshold)};
}

Quantizer intQuantizer(MLIRContext *ctx, unsigned bits, Signedness signedness,
                       Granularity granularity) {
  return {IntType::get(ctx, bits, signedness),
          SchemeAttr::get(ctx, granularity, 0, QuantMode::Asymmetric, nullptr)};
}

struct QuantizePass : bwta::impl::QuantizePassBase<QuantizePass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(context)) << "bwta-quantize: " << message;
    };
    if (!recipe.empty()) {
      std::string error;
      std::optional<QuantRecipe> loaded = QuantRecipe::load(recipe, error);
      if (!loaded)
        return fail(error);
      layers = *loaded;
    } else {
      std::optional<SchemeSpec> linear = SchemeSpec::parse(scheme);
      if (!linear)
        return fail("unknown scheme '" + scheme +
                    "' (expected bwta, skip, wPaQ or wP*aQ with P, Q in 1..8)");
      layers.linear = *linear;
      if (!attentionScheme.empty()) {
        std::optional<SchemeSpec> attention = SchemeSpec::parse(attentionScheme);
        if (!attention)
          return fail("unknown attention-scheme '" + attentionScheme + "'");
        layers.attention = *attention;
      }
    }
    for (const std::string &name : skip)
      layers.skip.insert(name);
    return success();
  }

  /// Quantizers for (lhs, rhs), or nullopt to leave the op in float.
  std::optional<std::pair<Quantizer, Quantizer>>
  choose(const MatmulForm &form, const SchemeSpec &spec) {
    MLIRContext *ctx = &getContext();
    if (spec.kind == SchemeSpec::Kind::Skip)
      return std::nullopt;
    bool lhsIsProbabilities = form.lhs.getDefiningOp<linalg::SoftmaxOp>() != nullptr;
    if (!form.batched) {
      if (spec.kind == SchemeSpec::Kind::BWTA)
        return std::make_pair(
            ternaryActivations(ctx),
            Quantizer{BinaryType::get(ctx),
                      SchemeAttr::get(ctx, Granularity::PerChannel, 0,
                                      QuantMode::Symmetric, nullptr)});
      return std::make_pair(
          intQuantizer(ctx, spec.activationBits, Signedness::Unsigned,
                       Granularity::PerToken),
          intQuantizer(ctx, spec.weightBits,
                       spec.balancedWeights ? Signedness::Balanced
                                            : Signedness::Unsigned,
                       Granularity::PerChannel));
    }
    // Attention: both operands are activations.
    if (spec.kind == SchemeSpec::Kind::BWTA) {
      Quantizer lhs = ternaryActivations(ctx);
      if (lhsIsProbabilities)
        lhs = {IntType::get(ctx, 1, Signedness::Unsigned),
               SchemeAttr::get(ctx, Granularity::PerToken, 0,
                               QuantMode::Symmetric, nullptr)};
      return std::make_pair(lhs, ternaryActivations(ctx));
    }
    if (lhsIsProbabilities)
      return std::nullopt; // P·V keeps float probabilities (ABQ-LLM).
    Quantizer activations = intQuantizer(ctx, spec.activationBits,
                                         Signedness::Unsigned, Granularity::PerToken);
    return std::make_pair(activations, activations);
  }

  /// Dynamic quantization of `value`: (levels, scale, zero point or null).
  std::tuple<Value, Value, Value> quantize(OpBuilder &b, Location loc, Value value,
                                           const Quantizer &quantizer) {
    auto type = cast<RankedTensorType>(value.getType());
    auto levels = RankedTensorType::get(type.getShape(), quantizer.element);
    auto params = [&](Type element) {
      return RankedTensorType::get(type.getShape().drop_back(), element);
    };
    Type zeroPointType = quantizer.asymmetric() ? Type(params(b.getI32Type())) : Type();
    auto op = QuantizeOp::create(b, loc, levels, params(b.getF32Type()),
                                 zeroPointType, value, Value(), Value(),
                                 quantizer.scheme);
    return {op.getResult(), op.getResultScale(), op.getResultZeroPoint()};
  }

  /// [.., K, N] → [.., N, K].
  Value transposeToNK(OpBuilder &b, Location loc, Value value) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> permutation;
    for (int64_t dim = 0; dim + 2 < type.getRank(); ++dim)
      permutation.push_back(dim);
    permutation.push_back(type.getRank() - 1);
    permutation.push_back(type.getRank() - 2);
    SmallVector<int64_t> shape;
    for (int64_t dim : permutation)
      shape.push_back(type.getDimSize(dim));
    Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
    return linalg::TransposeOp::create(b, loc, value, init, permutation)->getResult(0);
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation()->walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op))
        matmuls.push_back(cast<linalg::LinalgOp>(op));
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : matmuls) {
      std::string why;
      FailureOr<MatmulForm> form = matchMatmul(op, why);
      if (failed(form)) {
        op->emitRemark() << "bwta-quantize: left in float: " << why;
        ++numSkipped;
        continue;
      }
      SchemeSpec spec = form->batched ? layers.forAttention()
                                      : layers.forLinear(weightNameOf(form->rhs));
      auto quantizers = choose(*form, spec);
      if (!quantizers) {
        ++numSkipped;
        continue;
      }
      Location loc = op.getLoc();
      rewriter.setInsertionPoint(op);
      Value rhs = form->rhsIsKN ? transposeToNK(rewriter, loc, form->rhs) : form->rhs;
      auto [lhsLevels, lhsScale, lhsZeroPoint] =
          quantize(rewriter, loc, form->lhs, quantizers->first);
      auto [rhsLevels, rhsScale, rhsZeroPoint] =
          quantize(rewriter, loc, rhs, quantizers->second);
      Type resultType = op->getResult(0).getType();
      Value result;
      if (form->batched) {
        result = BatchQMatmulOp::create(rewriter, loc, resultType, lhsLevels, rhsLevels,
                                        lhsScale, rhsScale, lhsZeroPoint, rhsZeroPoint,
                                        /*bias=*/Value(), /*group_size=*/nullptr,
                                        /*path=*/nullptr);
        ++numAttention;
      } else {
        result = QMatmulOp::create(rewriter, loc, resultType, lhsLevels, rhsLevels,
                                   lhsScale, rhsScale, lhsZeroPoint, rhsZeroPoint,
                                   /*bias=*/Value(), /*group_size=*/nullptr,
                                   /*path=*/nullptr);
        ++numLinear;
      }
      rewriter.replaceOp(op, result);
    }
  }

  QuantRecipe layers;
};

} // namespace
