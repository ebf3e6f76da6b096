//===- QuantizePackKernel.cpp - activation quantize + pack in one pass ----===//
//
// One block of 256 threads per row (grid-stride over the rows): thread t
// holds the elements t, t + 256, ... in registers, so the granule sums are
// exactly the lane-tree order of docs/Semantics.md (sequential per thread,
// then a shared-memory tree and a warp butterfly). Element 256·j + 32·w +
// lane is bit `lane` of packed word 8·j + w, so one warp ballot per plane
// yields a whole packed word, and its popcount the row sums the epilogue
// needs.
//
//===----------------------------------------------------------------------===//
#include "KernelBuilder.h"
#include "Kernels.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;
/// Blocks of the grid-stride loop: 8 per SM of an H200 fill it, and the
/// cost stays linear in the number of rows.
constexpr int64_t kMaxBlocks = 8 * 132;

struct Reducer {
  KernelBuilder &kb;
  Value thread, lane, floatScratch, intScratch;
  /// Which half of each scratch buffer the next reduction of its type uses.
  int64_t floatHalf = 0, intHalf = 0;

  /// The lane-tree reduction of `value` over the block: every thread gets
  /// the result. One barrier: every warp reads the eight values of its lane
  /// l (l, l + 32, ..., l + 224) and adds them in the tree's order — the
  /// steps s = 128, 64, 32 —, then the warp butterfly does s = 16 ... 1.
  /// Consecutive reductions of a type use the two halves of its scratch in
  /// turn, so the barrier of one also orders the reads of the one before
  /// against the writes of the one after (the row loop ends with a barrier
  /// for the reductions of the next row).
  Value reduce(Value value, function_ref<Value(Value, Value)> combine) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    bool isFloat = value.getType().isF32();
    Value scratch = isFloat ? floatScratch : intScratch;
    int64_t &half = isFloat ? floatHalf : intHalf;
    int64_t base = half * kThreads;
    half ^= 1;
    kb.store(value, scratch, kb.add(thread, base));
    gpu::BarrierOp::create(b, loc);
    auto at = [&](int64_t offset) { return kb.load(scratch, kb.add(lane, base + offset)); };
    auto pair = [&](int64_t offset) { return combine(at(offset), at(offset + 128)); };
    Value v = combine(combine(pair(0), pair(64)), combine(pair(32), pair(96)));
    // Lanes l and l ^ s add the same two values (addition commutes), so the
    // butterfly leaves p_0 of the tree in every lane.
    for (int32_t s = 16; s >= 1; s /= 2) {
      Value other =
          gpu::ShuffleOp::create(b, loc, v, s, 32, gpu::ShuffleMode::XOR).getShuffleResult();
      v = combine(v, other);
    }
    return v;
  }
};

} // namespace

bool QuantizePackSpec::asymmetric() const {
  return scheme.getMode() == QuantMode::Asymmetric;
}

Kernel gpu_kernels::buildQuantizePackKernel(OpBuilder &b, Location loc,
                                            StringRef name,
                                            const QuantizePackSpec &spec) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto vec = [](int64_t size, Type type) { return MemRefType::get({size}, type); };
  const int64_t planes = spec.planes(), m = spec.m, k = spec.k;
  linalg::LinalgOp producer = spec.producer; // its accessors are not const
  SmallVector<OpOperand *> producerInputs;
  SmallVector<Type> argTypes;
  if (producer) {
    producerInputs = linalgKernelReads(producer);
    for (OpOperand *input : producerInputs) {
      auto type = cast<ShapedType>(input->get().getType());
      argTypes.push_back(vec(type.getNumElements(), type.getElementType()));
    }
  } else {
    argTypes.push_back(vec(m * k, spec.inputType));
  }
  argTypes.append({vec(spec.words(), i32), vec(planes * m, i32), vec(m, f32)});
  if (spec.asymmetric())
    argTypes.push_back(vec(m, i32));
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value floatScratch = func.addWorkgroupAttribution(
      MemRefType::get({2 * kThreads}, f32, MemRefLayoutAttrInterface{}, workgroup), loc);
  Value intScratch = func.addWorkgroupAttribution(
      MemRefType::get({2 * kThreads}, i32, MemRefLayoutAttrInterface{}, workgroup), loc);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  unsigned inputs = spec.producer ? producerInputs.size() : 1;
  Value x = func.getArgument(0), words = func.getArgument(inputs),
        popcounts = func.getArgument(inputs + 1), scaleOut = func.getArgument(inputs + 2);
  Value zeroPointOut = spec.asymmetric() ? func.getArgument(inputs + 3) : Value();
  // A reader of (clamped) row `row`: element `column` is loaded, or
  // computed by the fused producer from its inputs. The row's part of the
  // addressing is emitted once.
  auto rowReader = [&](Value row) -> std::function<Value(Value)> {
    if (!producer) {
      Value rowBase = kb.mul(row, k);
      return [&, rowBase](Value column) { return kb.load(x, kb.add(rowBase, column)); };
    }
    // The producer's loops are the quantizer input's dims: rows are its
    // leading dims flattened, K the last.
    ArrayRef<int64_t> shape =
        cast<ShapedType>(producer->getResult(0).getType()).getShape();
    SmallVector<Value> rowIvs = kb.delinearize(row, shape.drop_back());
    return [&, rowIvs, shape](Value column) {
      SmallVector<Value> ivs(rowIvs);
      ivs.push_back(column);
      SmallVector<AffineMap> maps = producer.getIndexingMapsArray();
      auto load = [&](OpOperand *input) {
        unsigned position = llvm::find(producerInputs, input) - producerInputs.begin();
        return kb.load(func.getArgument(position),
                       elementOffset(kb, maps[input->getOperandNumber()],
                                     cast<ShapedType>(input->get().getType()).getShape(), ivs));
      };
      Value unused = arith::ConstantOp::create(
          b, loc, b.getZeroAttr(getElementTypeOrSelf(producer->getResult(0).getType())));
      return emitPayload(kb, producer, load, ValueRange{unused}, ivs).front();
    };
  };

  Value thread = kb.threadId();
  Value lane = kb.remu(thread, 32), warp = kb.divu(thread, 32);
  Reducer reducer{kb, thread, lane, floatScratch, intScratch};
  auto fsum = [&](Value p, Value q) { return kb.fadd(p, q); };
  auto isum = [&](Value p, Value q) { return kb.add(p, q); };
  auto fmax = [&](Value p, Value q) { return arith::MaximumFOp::create(b, loc, p, q).getResult(); };
  auto fmin = [&](Value p, Value q) { return arith::MinimumFOp::create(b, loc, p, q).getResult(); };
  // |v| and roundeven(v) from exact bit and add operations: the LLVM
  // intrinsics would become libdevice calls in gpu-to-nvvm.
  auto bits32 = [&](Value v) { return arith::BitcastOp::create(b, loc, i32, v).getResult(); };
  auto float32 = [&](Value v) { return arith::BitcastOp::create(b, loc, f32, v).getResult(); };
  auto fabs = [&](Value v) { return float32(kb.andI(bits32(v), kb.i32(0x7fffffff))); };
  auto roundEven = [&](Value v) {
    // Adding and subtracting 2^23 rounds |v| < 2^23 to an integer, ties to
    // even; larger values are integers already. The sign is put back.
    Value magnitude = fabs(v);
    Value rounded = arith::SubFOp::create(b, loc, kb.fadd(magnitude, kb.f32(0x1p23)),
                                          kb.f32(0x1p23));
    Value small = kb.fcmp(arith::CmpFPredicate::OLT, magnitude, kb.f32(0x1p23));
    rounded = kb.select(small, rounded, magnitude);
    Value sign = kb.andI(bits32(v), kb.i32(int32_t(0x80000000u)));
    return float32(arith::OrIOp::create(b, loc, bits32(rounded), sign));
  };
  auto nonZero = [&](Value s) {
    return kb.select(kb.fcmp(arith::CmpFPredicate::OEQ, s, kb.f32(0.0)), kb.f32(1.0), s);
  };

  const int64_t paddedRows = spec.rowTiles() * spec.tileRows, iterations = spec.kTiles();
  Value gridSize = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
  auto rowLoop = scf::ForOp::create(b, loc, kb.blockId(gpu::Dimension::x),
                                    kb.idx(paddedRows), gridSize);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value row = rowLoop.getInductionVar();
  // Rows past M only write zero words (the GEMM reads whole row tiles).
  Value valid = kb.ult(row, m);
  std::function<Value(Value)> element = rowReader(kb.minu(row, m - 1));

  // The thread's elements t + 256·j, and whether each is in the row.
  SmallVector<Value> xs, inRange;
  for (int64_t j = 0; j < iterations; ++j) {
    Value column = kb.add(thread, j * kThreads);
    Value inside = kb.andI(valid, kb.ult(column, k));
    Value v = element(kb.minu(column, k - 1));
    if (!v.getType().isF32())
      v = arith::ExtFOp::create(b, loc, f32, v);
    inRange.push_back(inside);
    xs.push_back(kb.select(inside, v, kb.f32(0.0)));
  }
  auto laneFold = [&](double init, function_ref<Value(int64_t)> term,
                      function_ref<Value(Value, Value)> combine) {
    Value partial = kb.f32(init);
    for (int64_t j = 0; j < iterations; ++j)
      partial = combine(partial, term(j));
    return reducer.reduce(partial, combine);
  };
  auto laneSum = [&](function_ref<Value(int64_t)> term) {
    return laneFold(0.0, term, fsum);
  };
  auto absOf = [&](int64_t j) { return fabs(xs[j]); };
  Value count = kb.f32(double(k));

  // Per-row parameters, then the plane bits of each element.
  QuantizedType type = spec.type;
  Value scale, zeroPoint, keptSum;
  SmallVector<SmallVector<Value>> bits(planes); // bits[p][j]
  if (isa<BinaryType>(type)) {
    scale = kb.fdiv(laneSum(absOf), count);
    for (int64_t j = 0; j < iterations; ++j)
      bits[0].push_back(kb.andI(inRange[j], kb.fcmp(arith::CmpFPredicate::OGE,
                                                     xs[j], kb.f32(0.0))));
  } else if (isa<TernaryType>(type)) {
    ThresholdAttr threshold = spec.scheme.getThreshold();
    ThresholdPolicy policy = threshold ? threshold.getPolicy() : ThresholdPolicy::MeanAbs;
    Value factor = kb.f32(threshold ? threshold.getFactorValue() : 0.7);
    Value delta = factor;
    if (policy == ThresholdPolicy::MeanAbs)
      delta = kb.fmul(factor, kb.fdiv(laneSum(absOf), count));
    else if (policy == ThresholdPolicy::MaxAbs)
      delta = kb.fmul(factor, laneFold(0.0, absOf, fmax));
    SmallVector<Value> kept;
    for (int64_t j = 0; j < iterations; ++j)
      kept.push_back(kb.andI(inRange[j], kb.fcmp(arith::CmpFPredicate::OGT,
                                                  fabs(xs[j]), delta)));
    // The scale needs the kept count, popc(p) + popc(n): it is computed
    // with the row popcounts below.
    keptSum = laneSum([&](int64_t j) {
      return kb.select(kept[j], fabs(xs[j]), kb.f32(0.0));
    });
    for (int64_t j = 0; j < iterations; ++j) {
      Value positive = kb.fcmp(arith::CmpFPredicate::OGT, xs[j], kb.f32(0.0));
      Value negative = arith::XOrIOp::create(b, loc, positive,
                                             arith::ConstantIntOp::create(b, loc, 1, 1));
      bits[0].push_back(kb.andI(kept[j], positive));
      Value n = kb.andI(kept[j], negative);
      if (spec.notNegative) // q = ¬n, 0 outside the row and K
        n = kb.andI(inRange[j], arith::XOrIOp::create(
                                    b, loc, n, arith::ConstantIntOp::create(b, loc, 1, 1)));
      bits[1].push_back(n);
    }
  } else {
    double qmin = type.getMinLevel(), qmax = type.getMaxLevel();
    if (spec.asymmetric()) {
      double inf = std::numeric_limits<double>::infinity();
      Value lo = laneFold(inf, [&](int64_t j) {
        return kb.select(inRange[j], xs[j], kb.f32(inf));
      }, fmin);
      Value hi = laneFold(-inf, [&](int64_t j) {
        return kb.select(inRange[j], xs[j], kb.f32(-inf));
      }, fmax);
      scale = nonZero(kb.fdiv(arith::SubFOp::create(b, loc, hi, lo), kb.f32(qmax - qmin)));
      Value shift = roundEven(kb.fdiv(lo, scale));
      Value zp = arith::SubFOp::create(b, loc, kb.f32(qmin), shift);
      zp = fmin(fmax(zp, kb.f32(-0x1p30)), kb.f32(0x1p30));
      zeroPoint = arith::FPToSIOp::create(b, loc, i32, zp);
    } else {
      scale = nonZero(kb.fdiv(laneFold(0.0, absOf, fmax), kb.f32(qmax)));
    }
    for (int64_t j = 0; j < iterations; ++j) {
      Value v = roundEven(kb.fdiv(xs[j], scale));
      if (zeroPoint)
        v = kb.fadd(v, kb.toF32(zeroPoint));
      v = fmin(fmax(v, kb.f32(qmin)), kb.f32(qmax));
      Value level = arith::FPToSIOp::create(b, loc, i32, v);
      for (int64_t p = 0; p < planes; ++p) {
        Value bit = kb.andI(arith::ShRUIOp::create(b, loc, level, kb.i32(p)), kb.i32(1));
        bits[p].push_back(kb.andI(inRange[j], kb.eq(bit, 1)));
      }
    }
  }

  // Ballot each plane's bits into words; lane 0 stores them.
  Value isLane0 = kb.eq(lane, 0);
  Value rowInTile = kb.remu(row, spec.tileRows), rowTile = kb.divu(row, spec.tileRows);
  SmallVector<Value> setBits(planes, kb.i32(0));
  for (int64_t j = 0; j < iterations; ++j)
    for (int64_t p = 0; p < planes; ++p) {
      Value word = NVVM::VoteSyncOp::create(b, loc, i32, kb.i32(-1), bits[p][j],
                                            NVVM::VoteSyncKind::ballot);
      setBits[p] = kb.add(setBits[p], LLVM::CtPopOp::create(b, loc, word));
      Value tile = kb.add(kb.mul(kb.add(rowTile, p * spec.rowTiles()), spec.kTiles()), j);
      Value offset = kb.add(kb.add(kb.mul(tile, spec.tileRows * 8), kb.mul(rowInTile, 8)), warp);
      kb.ifThen(isLane0, [&] { kb.store(word, words, offset); });
    }
  // Row popcounts: the warps' counts summed over the block (exact integer
  // sums), two planes per reduction while a count fits in 16 bits.
  SmallVector<Value> totals(planes);
  for (int64_t p = 0; p < planes; ++p) {
    Value warpCount = kb.select(isLane0, setBits[p], kb.i32(0));
    if (p + 1 < planes && k < (1 << 16)) {
      Value high = arith::ShLIOp::create(
          b, loc, kb.select(isLane0, setBits[p + 1], kb.i32(0)), kb.i32(16));
      Value both = reducer.reduce(kb.add(warpCount, high), isum);
      totals[p] = kb.andI(both, kb.i32(0xffff));
      totals[p + 1] = arith::ShRUIOp::create(b, loc, both, kb.i32(16));
      ++p;
      continue;
    }
    totals[p] = reducer.reduce(warpCount, isum);
  }
  // popc(n) = K − popc(q): a real row has K valid bits.
  if (spec.notNegative)
    totals[1] = kb.sub(kb.i32(k), totals[1]);
  if (keptSum) { // ternary: kept elements are those of p or n
    Value keptCount = kb.add(totals[0], totals[1]);
    scale = kb.select(kb.eq(keptCount, 0), kb.f32(1.0),
                      kb.fdiv(keptSum, kb.toF32(keptCount)));
  }
  // The parameters, written by thread 0 for real rows only.
  for (int64_t p = 0; p < planes; ++p)
    kb.ifThen(kb.andI(valid, kb.eq(thread, 0)),
              [&] { kb.store(totals[p], popcounts, kb.add(row, p * m)); });
  kb.ifThen(kb.andI(valid, kb.eq(thread, 0)), [&] {
    kb.store(scale, scaleOut, row);
    if (zeroPoint)
      kb.store(zeroPoint, zeroPointOut, row);
  });
  // The next row's reductions reuse the scratch halves read above.
  gpu::BarrierOp::create(b, loc);
  b.setInsertionPointAfter(rowLoop);
  gpu::ReturnOp::create(b, loc);

  int64_t blocks = std::min(paddedRows, kMaxBlocks);
  return {func, {blocks, 1, 1}, {kThreads, 1, 1}};
}
