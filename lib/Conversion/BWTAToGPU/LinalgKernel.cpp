//===- LinalgKernel.cpp - float ops between layers as GPU kernels ---------===//
//
// A structured op (linalg.generic, fill, transpose, and softmax after
// bwta-decompose-aggregates) becomes one kernel with a thread per point of
// its parallel loops. Reduction loops run inside that thread in loop order,
// as the CPU reference's loops do, so a sum on the GPU adds the same values
// in the same order: results are bit-identical up to the libdevice versions
// of transcendental functions (math.exp, math.tanh, ...).
//
//===----------------------------------------------------------------------===//
#include "KernelBuilder.h"
#include "Kernels.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;

/// The buffer of `operand`, read or written as a flat row-major vector.
int64_t flatSize(OpOperand &operand) {
  return cast<ShapedType>(operand.get().getType()).getNumElements();
}

} // namespace

Value gpu_kernels::elementOffset(KernelBuilder &kb, AffineMap map,
                                 ArrayRef<int64_t> shape, ArrayRef<Value> ivs) {
  Value offset = kb.idx(0);
  int64_t stride = 1;
  for (int64_t r = map.getNumResults() - 1; r >= 0; --r) {
    unsigned dim = cast<AffineDimExpr>(map.getResult(r)).getPosition();
    offset = kb.add(offset, kb.mul(ivs[dim], stride));
    stride *= shape[r];
  }
  return offset;
}

SmallVector<Value> gpu_kernels::emitPayload(
    KernelBuilder &kb, linalg::LinalgOp op,
    function_ref<Value(OpOperand *)> loadInput, ValueRange inits,
    ArrayRef<Value> ivs) {
  OpBuilder &b = kb.b;
  IRMapping mapping;
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    if (!isa<ShapedType>(input->get().getType()))
      mapping.map(arg, b.clone(*input->get().getDefiningOp())->getResult(0));
    else
      mapping.map(arg, loadInput(input));
  }
  for (auto [init, value] : llvm::zip(op.getDpsInitsMutable(), inits))
    mapping.map(op.getMatchingBlockArgument(&init), value);
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  SmallVector<Value> yielded;
  for (Value value : body->getTerminator()->getOperands())
    yielded.push_back(mapping.lookupOrDefault(value));
  return yielded;
}

SmallVector<OpOperand *> gpu_kernels::linalgKernelReads(linalg::LinalgOp op) {
  SmallVector<OpOperand *> reads;
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<ShapedType>(input->get().getType()))
      reads.push_back(input);
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.payloadUsesValueFromOperand(&init))
      reads.push_back(&init);
  return reads;
}

LogicalResult gpu_kernels::checkLinalgKernel(linalg::LinalgOp op) {
  auto fail = [&](const Twine &why) {
    return op->emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  if (!op.hasPureTensorSemantics() || op->getNumRegions() != 1)
    return fail("only structured ops on tensors run on the GPU");
  if (op.hasDynamicShape())
    return fail("only static shapes run on the GPU yet");
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return fail("indexing maps must pick loop dimensions (projected "
                  "permutations), got ") << AffineMapAttr::get(map);
  for (OpOperand *input : op.getDpsInputOperands())
    if (!isa<ShapedType>(input->get().getType()) &&
        !input->get().getDefiningOp<arith::ConstantOp>())
      return fail("scalar operands must be constants");
  for (Operation &inner : op.getBlock()->without_terminator())
    if (!isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) &&
        !isa<linalg::IndexOp>(inner))
      return inner.emitOpError()
             << "bwta-lower-to-gpu: only arith and math ops run in a float "
                "op's body on the GPU";
  return success();
}

Kernel gpu_kernels::buildLinalgKernel(OpBuilder &b, Location loc,
                                      StringRef name, linalg::LinalgOp op) {
  // Arguments: shaped inputs, the inits the body reads, then the results.
  SmallVector<OpOperand *> reads = linalgKernelReads(op), inits;
  for (OpOperand &init : op.getDpsInitsMutable())
    inits.push_back(&init);
  SmallVector<Type> argTypes;
  auto vectorOf = [](OpOperand *operand) {
    return MemRefType::get({flatSize(*operand)}, getElementTypeOrSelf(operand->get().getType()));
  };
  for (OpOperand *operand : llvm::concat<OpOperand *const>(reads, inits))
    argTypes.push_back(vectorOf(operand));
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};

  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallel, reduction;
  SmallVector<int64_t> parallelRanges;
  for (auto [dim, iterator] : llvm::enumerate(iterators)) {
    if (iterator == utils::IteratorType::parallel) {
      parallel.push_back(dim);
      parallelRanges.push_back(ranges[dim]);
    } else {
      reduction.push_back(dim);
    }
  }
  int64_t points = ShapedType::getNumElements(parallelRanges);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto mapOf = [&](OpOperand *operand) { return maps[operand->getOperandNumber()]; };
  auto shapeOf = [](OpOperand *operand) {
    return cast<ShapedType>(operand->get().getType()).getShape();
  };
  auto argOf = [&](OpOperand *operand, bool result) {
    if (!result)
      return func.getArgument(llvm::find(reads, operand) - reads.begin());
    return func.getArgument(reads.size() + (llvm::find(inits, operand) - inits.begin()));
  };

  Value point = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), kThreads), kb.threadId());
  kb.ifThen(kb.ult(point, points), [&] {
    // Parallel indices, row-major over the parallel loops in loop order.
    SmallVector<Value> ivs(ranges.size());
    for (auto [dim, index] : llvm::zip(parallel, kb.delinearize(point, parallelRanges)))
      ivs[dim] = index;
    // The body's value of each output: the init where it is read.
    SmallVector<Value> accumulators;
    for (OpOperand *init : inits) {
      Type type = getElementTypeOrSelf(init->get().getType());
      accumulators.push_back(
          op.payloadUsesValueFromOperand(init)
              ? kb.load(argOf(init, false), elementOffset(kb, mapOf(init), shapeOf(init), ivs))
              : arith::ConstantOp::create(b, loc, b.getZeroAttr(type)).getResult());
    }
    // One application of the body at `ivs` (all loop indices set).
    auto applyBody = [&](ValueRange current) {
      return emitPayload(
          kb, op,
          [&](OpOperand *input) {
            return kb.load(argOf(input, false),
                           elementOffset(kb, mapOf(input), shapeOf(input), ivs));
          },
          current, ivs);
    };
    // Reduction loops, nested in loop order, carry the outputs.
    std::function<SmallVector<Value>(size_t, ValueRange)> loop =
        [&](size_t depth, ValueRange current) -> SmallVector<Value> {
      if (depth == reduction.size())
        return applyBody(current);
      unsigned dim = reduction[depth];
      auto forOp = scf::ForOp::create(b, loc, kb.idx(0), kb.idx(ranges[dim]), kb.idx(1),
                                      current);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(forOp.getBody());
      ivs[dim] = forOp.getInductionVar();
      SmallVector<Value> next = loop(depth + 1, forOp.getRegionIterArgs());
      scf::YieldOp::create(b, loc, next);
      return SmallVector<Value>(forOp.getResults());
    };
    SmallVector<Value> results = loop(0, accumulators);
    for (auto [init, value] : llvm::zip(inits, results))
      kb.store(value, argOf(init, true),
               elementOffset(kb, mapOf(init), shapeOf(init), ivs));
  });
  gpu::ReturnOp::create(b, loc);
  return {func, {std::max<int64_t>(1, llvm::divideCeil(points, kThreads)), 1, 1},
          {kThreads, 1, 1}};
}
