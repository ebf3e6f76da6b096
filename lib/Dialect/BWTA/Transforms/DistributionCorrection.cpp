//===- DistributionCorrection.cpp - bwta-distribution-correction ----------===//
//
// LET smoothing (X' = (X − δ)/s, W' = W·diag(s), output + W·δ), ABQ-LLM's
// rank-1 compensation (W' += a·bᵀ) and bias correction on float linear
// layers, from calibration data or activation statistics.
//
//===----------------------------------------------------------------------===//
#include "bwta/Dialect/BWTA/Transforms/Calibration.h"
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

#include "LinalgMatmul.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

#include <set>

namespace bwta {
#define GEN_PASS_DEF_DISTRIBUTIONCORRECTIONPASS
#include "bwta/Dialect/BWTA/Transforms/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

/// The attribute that carries per-input-channel max|X| on a matmul.
constexpr StringLiteral kActMaxAttr = "bwta.act_max";

Value vectorConstant(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getF32Type());
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value f32(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

/// Extends or truncates an f32 to `type` (the model may be f16).
Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  if (type.getIntOrFloatBitWidth() < 32)
    return arith::TruncFOp::create(b, loc, type, value);
  return arith::ExtFOp::create(b, loc, type, value);
}

/// An all-parallel generic over `like`'s shape with extra inputs that are
/// broadcast through `maps` (one per extra input; the output map is identity).
Value elementwise(OpBuilder &b, Location loc, Value like, ValueRange extras,
                  ArrayRef<AffineMap> extraMaps,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(like.getType());
  unsigned rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  SmallVector<Value> inputs{like};
  llvm::append_range(inputs, extras);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  llvm::append_range(maps, extraMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
             })
      .getResult(0);
}

/// The map from a rank-`rank` iteration space to dimension `dim` only.
AffineMap pick(OpBuilder &b, unsigned rank, unsigned dim) {
  return AffineMap::get(rank, 0, b.getAffineDimExpr(dim));
}

/// Reads the weight ([N, K], or [K, N] if `isKN`) in an (n, k) iteration.
AffineMap weightMapNK(OpBuilder &b, bool isKN) {
  if (!isKN)
    return b.getMultiDimIdentityMap(2);
  return AffineMap::get(2, 0, {b.getAffineDimExpr(1), b.getAffineDimExpr(0)},
                        b.getContext());
}

struct DistributionCorrectionPass
    : bwta::impl::DistributionCorrectionPassBase<DistributionCorrectionPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    if (alpha < 0 || alpha > 1)
      return emitError(UnknownLoc::get(context))
             << "bwta-distribution-correction: alpha must be in [0, 1], got " << alpha;
    if (calibration.empty())
      return success();
    std::string error;
    std::optional<Calibration> loaded = Calibration::load(calibration, error);
    if (!loaded)
      return emitError(UnknownLoc::get(context))
             << "bwta-distribution-correction: " << error;
    data = std::move(*loaded);
    return success();
  }

  /// Checks the sizes of a layer's calibration entry.
  LogicalResult checkSizes(Operation *op, StringRef name,
                           const LayerCalibration &layer, int64_t k, int64_t n) {
    auto check = [&](const std::vector<float> &values, StringRef field,
                     int64_t want, StringRef dim) -> LogicalResult {
      if (values.empty() || static_cast<int64_t>(values.size()) == want)
        return success();
      return op->emitError() << "calibration layer '" << name << "': \"" << field
                             << "\" has " << values.size() << " values, expected "
                             << dim << " = " << want;
    };
    if (failed(check(layer.smooth, "smooth", k, "K")) ||
        failed(check(layer.shift, "shift", k, "K")) ||
        failed(check(layer.actMax, "act_max", k, "K")) ||
        failed(check(layer.rank1A, "rank1.a", n, "N")) ||
        failed(check(layer.rank1B, "rank1.b", k, "K")) ||
        failed(check(layer.biasCorrection, "bias_correction", n, "N")))
      return failure();
    return success();
  }

  /// s = max|X|^α / max_n |W[n, k]|^(1−α), 1 where either max is 0.
  Value closedFormSmooth(OpBuilder &b, Location loc, Value weight, bool isKN,
                         ArrayRef<float> actMax, double a) {
    int64_t k = actMax.size();
    Value zero = f32(b, loc, 0.0);
    Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{k}, b.getF32Type());
    Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    // Iterate (n, k); reduce over n.
    AffineMap weightMap = weightMapNK(b, isKN);
    Value weightMax =
        linalg::GenericOp::create(
            b, loc, TypeRange{init.getType()}, ValueRange{weight}, ValueRange{init},
            ArrayRef<AffineMap>{weightMap, pick(b, 2, 1)},
            ArrayRef<utils::IteratorType>{utils::IteratorType::reduction,
                                          utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value w = castTo(nb, nl, args[0], nb.getF32Type());
              Value m = arith::MaximumFOp::create(nb, nl, args[1],
                                                  math::AbsFOp::create(nb, nl, w));
              linalg::YieldOp::create(nb, nl, ValueRange{m});
            })
            .getResult(0);
    Value act = vectorConstant(b, loc, actMax);
    return elementwise(
        b, loc, act, ValueRange{weightMax},
        ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1)},
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value x = args[0], w = args[1];
          Value num = math::PowFOp::create(nb, nl, x, f32(nb, nl, a));
          Value den = math::PowFOp::create(nb, nl, w, f32(nb, nl, 1.0 - a));
          Value s = arith::DivFOp::create(nb, nl, num, den);
          Value zeroX = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE, x,
                                              f32(nb, nl, 0.0));
          Value zeroW = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE, w,
                                              f32(nb, nl, 0.0));
          Value degenerate = arith::OrIOp::create(nb, nl, zeroX, zeroW);
          return arith::SelectOp::create(nb, nl, degenerate, f32(nb, nl, 1.0), s);
        });
  }

  /// Makes `op` read X' = (X − δ)/s, folded into an elementwise producer of
  /// X when that producer has no other use.
  void smoothActivations(IRRewriter &rewriter, Operation *op, Value smooth,
                         Value shift) {
    Location loc = op->getLoc();
    Value x = op->getOperand(0);
    auto type = cast<RankedTensorType>(x.getType());
    unsigned rank = type.getRank();
    SmallVector<Value> extras;
    SmallVector<AffineMap> maps;
    for (Value v : {shift, smooth})
      if (v) {
        extras.push_back(v);
        maps.push_back(pick(rewriter, rank, rank - 1));
      }
    Value smoothed = elementwise(
        rewriter, loc, x, extras, maps,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Type element = args[0].getType();
          Value v = castTo(b, l, args[0], b.getF32Type());
          unsigned next = 1;
          if (shift)
            v = arith::SubFOp::create(b, l, v, args[next++]);
          if (smooth)
            v = arith::DivFOp::create(b, l, v, args[next++]);
          return castTo(b, l, v, element);
        });
    rewriter.modifyOpInPlace(op, [&] { op->setOperand(0, smoothed); });
    // Fold into the producer (a norm's last step, an activation function).
    auto consumer = smoothed.getDefiningOp<linalg::GenericOp>();
    OpOperand &operand = consumer->getOpOperand(0);
    if (!x.hasOneUse() || !x.getDefiningOp<linalg::GenericOp>() ||
        !linalg::areElementwiseOpsFusable(&operand))
      return;
    Operation *producer = x.getDefiningOp();
    FailureOr<linalg::ElementwiseOpFusionResult> fused =
        linalg::fuseElementwiseOps(rewriter, &operand);
    if (failed(fused))
      return;
    Value result = fused->replacements.lookup(smoothed);
    if (!result)
      return;
    rewriter.replaceAllUsesWith(smoothed, result);
    rewriter.eraseOp(consumer);
    if (producer->use_empty())
      rewriter.eraseOp(producer);
    ++numFolded;
  }

  LogicalResult correct(IRRewriter &rewriter, linalg::LinalgOp op,
                        const MatmulForm &form, StringRef name,
                        const LayerCalibration *layer, ArrayRef<float> actMax) {
    Location loc = op.getLoc();
    auto weightType = cast<RankedTensorType>(form.rhs.getType());
    int64_t k = cast<RankedTensorType>(form.lhs.getType()).getShape().back();
    int64_t n = weightType.getDimSize(form.rhsIsKN ? 1 : 0);
    static const LayerCalibration kNone;
    const LayerCalibration &params = layer ? *layer : kNone;
    if (failed(checkSizes(op, name, params, k, n)))
      return failure();
    if (!params.actMax.empty())
      actMax = params.actMax;
    if (!actMax.empty() && static_cast<int64_t>(actMax.size()) != k)
      return op->emitError() << "layer '" << name << "': " << kActMaxAttr << " has "
                             << actMax.size() << " values, expected K = " << k;

    rewriter.setInsertionPoint(op);
    Value smooth, shift;
    if (!params.smooth.empty())
      smooth = vectorConstant(rewriter, loc, params.smooth);
    else if (!actMax.empty())
      smooth = closedFormSmooth(rewriter, loc, form.rhs, form.rhsIsKN, actMax,
                                data.alpha.value_or(alpha));
    if (!params.shift.empty())
      shift = vectorConstant(rewriter, loc, params.shift);
    bool rank1 = !params.rank1A.empty() && !params.rank1B.empty();
    if (!params.rank1A.empty() != !params.rank1B.empty())
      return op->emitError() << "calibration layer '" << name
                             << "': \"rank1\" needs both a and b";

    // W·δ with the original weight, for the output correction.
    Value outputShift;
    unsigned wk = form.rhsIsKN ? 0 : 1, wn = form.rhsIsKN ? 1 : 0;
    if (shift || !params.biasCorrection.empty()) {
      Value init = params.biasCorrection.empty()
                       ? vectorConstant(rewriter, loc, std::vector<float>(n, 0.0f))
                       : vectorConstant(rewriter, loc, params.biasCorrection);
      outputShift = init;
      if (shift) {
        // Iterate (n, k): the weight is [N, K] or [K, N].
        AffineMap weightMap = weightMapNK(rewriter, form.rhsIsKN);
        outputShift =
            linalg::GenericOp::create(
                rewriter, loc, TypeRange{init.getType()}, ValueRange{form.rhs, shift},
                ValueRange{init},
                ArrayRef<AffineMap>{weightMap, pick(rewriter, 2, 1), pick(rewriter, 2, 0)},
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                              utils::IteratorType::reduction},
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value w = castTo(b, l, args[0], b.getF32Type());
                  Value p = arith::MulFOp::create(b, l, w, args[1]);
                  linalg::YieldOp::create(b, l, ValueRange{arith::AddFOp::create(b, l, args[2], p).getResult()});
                })
                .getResult(0);
      }
    }

    // W' = W·diag(s) + a·bᵀ.
    Value weight = form.rhs;
    if (smooth || rank1) {
      SmallVector<Value> extras;
      SmallVector<AffineMap> maps;
      if (smooth) {
        extras.push_back(smooth);
        maps.push_back(pick(rewriter, 2, wk));
      }
      if (rank1) {
        extras.push_back(vectorConstant(rewriter, loc, params.rank1A));
        maps.push_back(pick(rewriter, 2, wn));
        extras.push_back(vectorConstant(rewriter, loc, params.rank1B));
        maps.push_back(pick(rewriter, 2, wk));
        ++numRank1;
      }
      weight = elementwise(rewriter, loc, form.rhs, extras, maps,
                           [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                             Type element = args[0].getType();
                             Value w = castTo(b, l, args[0], b.getF32Type());
                             unsigned next = 1;
                             if (smooth)
                               w = arith::MulFOp::create(b, l, w, args[next++]);
                             if (rank1) {
                               Value ab = arith::MulFOp::create(b, l, args[next],
                                                                args[next + 1]);
                               w = arith::AddFOp::create(b, l, w, ab);
                             }
                             return castTo(b, l, w, element);
                           });
    }
    rewriter.modifyOpInPlace(op, [&] {
      op->setOperand(1, weight);
      op->removeAttr(kActMaxAttr);
    });
    if (smooth || shift) {
      smoothActivations(rewriter, op, smooth, shift);
      ++numSmoothed;
    }

    if (outputShift) {
      Value y = op->getResult(0);
      rewriter.setInsertionPointAfter(op);
      unsigned rank = cast<RankedTensorType>(y.getType()).getRank();
      Value corrected = elementwise(
          rewriter, loc, y, ValueRange{outputShift},
          ArrayRef<AffineMap>{pick(rewriter, rank, rank - 1)},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value v = castTo(b, l, args[0], b.getF32Type());
            return castTo(b, l, arith::AddFOp::create(b, l, v, args[1]),
                          args[0].getType());
          });
      rewriter.replaceAllUsesExcept(y, corrected, corrected.getDefiningOp());
      ++numBiasCorrected;
    }
    return success();
  }

  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> layers;
    getOperation()->walk([&](linalg::MatmulOp op) { layers.push_back(op); });
    std::set<std::string> seen;
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp op : layers) {
      std::string why;
      FailureOr<MatmulForm> form = matchMatmul(op, why);
      std::string name = succeeded(form) ? weightNameOf(form->rhs) : "";
      auto it = data.layers.find(name);
      const LayerCalibration *layer = it == data.layers.end() ? nullptr : &it->second;
      SmallVector<float> actMax;
      if (auto attr = op->getAttrOfType<DenseFPElementsAttr>(kActMaxAttr))
        for (APFloat v : attr.getValues<APFloat>())
          actMax.push_back(v.convertToFloat());
      if (!layer && actMax.empty())
        continue;
      if (failed(form)) {
        op->emitError() << "cannot correct layer '" << name << "': " << why;
        return signalPassFailure();
      }
      if (name.empty() && layer) {
        op->emitError() << "calibration applies to layers with a bwta.weight";
        return signalPassFailure();
      }
      seen.insert(name);
      if (failed(correct(rewriter, op, *form, name, layer, actMax)))
        return signalPassFailure();
    }
    for (const auto &[name, layer] : data.layers)
      if (!seen.count(name)) {
        getOperation()->emitError()
            << "calibration layer '" << name
            << "' matches no linear layer (no linalg.matmul with bwta.weight \""
            << name << "\")";
        return signalPassFailure();
      }
  }

  Calibration data;
};

} // namespace
