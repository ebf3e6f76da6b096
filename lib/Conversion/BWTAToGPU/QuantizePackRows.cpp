//===- QuantizePackRows.cpp - block-per-row and warp-per-row walkers ------===//
//
// Both walkers produce the same bits: the lane-tree lane L of a row sums
// its elements L, L + 256, ... in order, then the tree adds lanes L and
// L + s for s = 128, 64, ..., 1 (docs/Semantics.md). Element 32·w + b is
// bit b of the row's word w.
//
//===----------------------------------------------------------------------===//
#include "QuantizePackRows.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kTreeLanes = 256;

Value toF32(KernelBuilder &kb, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(kb.b, kb.loc, kb.b.getF32Type(), v);
}

Value ballot(KernelBuilder &kb, Value bit) {
  return NVVM::VoteSyncOp::create(kb.b, kb.loc, kb.b.getI32Type(), kb.i32(-1), bit,
                                  NVVM::VoteSyncKind::ballot);
}

Value popc(KernelBuilder &kb, Value word) {
  return LLVM::CtPopOp::create(kb.b, kb.loc, word);
}

Value shuffleXor(KernelBuilder &kb, Value v, int32_t s) {
  return gpu::ShuffleOp::create(kb.b, kb.loc, v, s, 32, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

/// The warp butterfly of the tree's steps 16 ... 1: lanes l and l ^ s add
/// the same two values (addition commutes), so every lane ends with p₀.
Value warpTree(KernelBuilder &kb, Value v, CombineFn combine) {
  for (int32_t s = 16; s >= 1; s /= 2)
    v = combine(v, shuffleXor(kb, v, s));
  return v;
}

/// The tree's steps 128, 64, 32 over the values of lanes l + 32r (r < 8).
Value eightLaneTree(ArrayRef<Value> v, CombineFn combine) {
  return combine(combine(combine(v[0], v[4]), combine(v[2], v[6])),
                 combine(combine(v[1], v[5]), combine(v[3], v[7])));
}

/// Per-plane integer sums over threads, two planes per reduction in 16-bit
/// halves while a row count fits (K < 65536).
SmallVector<Value> sumCounts(KernelBuilder &kb, ArrayRef<Value> counts, int64_t k,
                             function_ref<Value(Value)> reduce) {
  OpBuilder &b = kb.b;
  SmallVector<Value> totals(counts.size());
  for (size_t p = 0; p < counts.size(); ++p) {
    if (p + 1 < counts.size() && k < (1 << 16)) {
      Value high = arith::ShLIOp::create(b, kb.loc, counts[p + 1], kb.i32(16));
      Value both = reduce(kb.add(counts[p], high));
      totals[p] = kb.andI(both, kb.i32(0xffff));
      totals[p + 1] = arith::ShRUIOp::create(b, kb.loc, both, kb.i32(16));
      ++p;
      continue;
    }
    totals[p] = reduce(counts[p]);
  }
  return totals;
}

//===----------------------------------------------------------------------===//
// A block of 256 threads per row
//===----------------------------------------------------------------------===//

class BlockRows : public RowWalker {
public:
  BlockRows(KernelBuilder &kb, const QuantizePackSpec &spec, const PackedRowLayout &layout,
            Value row, const ElementReader &element, Value floatScratch, Value intScratch)
      : kb(kb), spec(spec), layout(layout), row(row), floatScratch(floatScratch),
        intScratch(intScratch) {
    thread = kb.threadId();
    lane = kb.remu(thread, 32);
    warp = kb.divu(thread, 32);
    // Only the last K tile can hold columns past K: elsewhere nothing is
    // masked.
    for (int64_t j = 0; j < spec.kTiles(); ++j) {
      Value column = kb.add(thread, j * kTreeLanes);
      if ((j + 1) * kTreeLanes <= spec.k) {
        xs.push_back(toF32(kb, element(column)));
        inRow.push_back(Value());
        continue;
      }
      Value inside = kb.ult(column, spec.k);
      xs.push_back(kb.select(inside, toF32(kb, element(kb.minu(column, spec.k - 1))),
                             kb.f32(0.0)));
      inRow.push_back(inside);
    }
  }

  Value fold(double identity, TermFn term, CombineFn combine) override {
    Value partial = kb.f32(identity);
    for (size_t j = 0; j < xs.size(); ++j) {
      Value t = term(xs[j]);
      if (inRow[j])
        t = kb.select(inRow[j], t, kb.f32(identity));
      partial = combine(partial, t);
    }
    return reduce(partial, combine);
  }

  SmallVector<Value> pack(BitsFn bits) override {
    Value isLane0 = kb.eq(lane, 0);
    SmallVector<Value> counts;
    for (size_t j = 0; j < xs.size(); ++j) {
      SmallVector<Value> planeBits = bits(xs[j]);
      counts.resize(planeBits.size(), kb.i32(0));
      for (auto [p, bit] : llvm::enumerate(planeBits)) {
        if (inRow[j])
          bit = kb.andI(bit, inRow[j]);
        Value word = ballot(kb, bit);
        counts[p] = kb.add(counts[p], popc(kb, word));
        Value offset = layout.offset(kb, row, p, kb.add(warp, 8 * j));
        kb.ifThen(isLane0, [&] { kb.store(word, layout.words, offset); });
      }
    }
    // Every lane of a warp holds its warp's counts: lane 0's are summed.
    for (Value &count : counts)
      count = kb.select(isLane0, count, kb.i32(0));
    auto isum = [&](Value p, Value q) { return kb.add(p, q); };
    return sumCounts(kb, counts, spec.k, [&](Value v) { return reduce(v, isum); });
  }

  Value leader() override { return kb.eq(thread, 0); }
  void finishRow() override { gpu::BarrierOp::create(kb.b, kb.loc); }

private:
  /// The lane-tree reduction over the block, one barrier: every warp reads
  /// the eight values of its lane l (l, l + 32, ..., l + 224) and adds them
  /// in the tree's order, then the warp butterfly finishes. Consecutive
  /// reductions of a type use the two halves of its scratch in turn, so the
  /// barrier of one also orders the reads of the one before against the
  /// writes of the one after (finishRow's barrier covers
  /// the next row).
  Value reduce(Value value, CombineFn combine) {
    bool isFloat = value.getType().isF32();
    Value scratch = isFloat ? floatScratch : intScratch;
    int64_t &half = isFloat ? floatHalf : intHalf;
    int64_t base = half * kTreeLanes;
    half ^= 1;
    kb.store(value, scratch, kb.add(thread, base));
    gpu::BarrierOp::create(kb.b, kb.loc);
    SmallVector<Value> lanes;
    for (int64_t r = 0; r < 8; ++r)
      lanes.push_back(kb.load(scratch, kb.add(lane, base + 32 * r)));
    return warpTree(kb, eightLaneTree(lanes, combine), combine);
  }

  KernelBuilder &kb;
  const QuantizePackSpec &spec;
  const PackedRowLayout &layout;
  Value row, floatScratch, intScratch, thread, lane, warp;
  int64_t floatHalf = 0, intHalf = 0;
  /// The thread's elements t + 256·j, and (where some may lie past K)
  /// whether each is in the row.
  SmallVector<Value> xs, inRow;
};

//===----------------------------------------------------------------------===//
// A warp per row
//===----------------------------------------------------------------------===//

class WarpRows : public RowWalker {
public:
  WarpRows(KernelBuilder &kb, const QuantizePackSpec &spec, const PackedRowLayout &layout,
           Value row, Value x, const WarpRowsShared &shared)
      : kb(kb), spec(spec), layout(layout), row(row), shared(shared),
        warps(shared.warpsPerRow) {
    Value thread = kb.threadId();
    lane = kb.remu(thread, 32);
    rowWarp = kb.remu(kb.divu(thread, 32), warps);
    copyRow(x);
  }

  Value fold(double identity, TermFn term, CombineFn combine) override {
    OpBuilder &b = kb.b;
    const int64_t k = spec.k, fullTiles = k / kTreeLanes, lanes = 8 / warps;
    // This warp's lane-tree lanes: l + 32r for r = ω + W·j.
    auto offset = [&](int64_t j) { return kb.add(kb.mul(rowWarp, 32), 32 * warps * j); };
    SmallVector<Value> acc(lanes, kb.f32(identity));
    if (fullTiles > 0) {
      auto loop = scf::ForOp::create(b, kb.loc, kb.idx(0), kb.idx(fullTiles), kb.idx(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value tileBase = kb.add(lane, kb.mul(loop.getInductionVar(), kTreeLanes));
      SmallVector<Value> next;
      for (int64_t j = 0; j < lanes; ++j)
        next.push_back(combine(loop.getRegionIterArgs()[j],
                               term(element(kb.add(tileBase, offset(j))))));
      scf::YieldOp::create(b, kb.loc, next);
      acc.assign(loop.getResults().begin(), loop.getResults().end());
    }
    // The last, partial K tile (masked).
    const int64_t rest = k - fullTiles * kTreeLanes;
    if (rest > 0)
      for (int64_t j = 0; j < lanes; ++j) {
        Value column = kb.add(kb.add(lane, fullTiles * kTreeLanes), offset(j));
        Value inside = kb.ult(column, k);
        Value t = term(element(kb.minu(column, k - 1)));
        acc[j] = combine(acc[j], kb.select(inside, t, kb.f32(identity)));
      }
    // The tree's steps 128, 64, 32 (lane distance 4, 2, 1 in r) inside the
    // thread while both lanes are this warp's, then across the row's warps.
    for (int64_t d : {4, 2, 1}) {
      if (d < warps)
        break;
      int64_t half = d / warps;
      for (int64_t j = 0; j < half; ++j)
        acc[j] = combine(acc[j], acc[j + half]);
      acc.resize(half);
    }
    Value v = acc.front();
    if (warps > 1) {
      SmallVector<Value> all = exchange(v, shared.floatScratch, floatHalf);
      for (int64_t d : {4, 2, 1}) {
        if (d >= warps)
          continue;
        for (int64_t w = 0; w < d; ++w)
          all[w] = combine(all[w], all[w + d]);
        all.resize(d);
      }
      v = all.front();
    }
    return warpTree(kb, v, combine);
  }

  SmallVector<Value> pack(BitsFn bits) override {
    OpBuilder &b = kb.b;
    const int64_t k = spec.k, kTiles = spec.kTiles(), rowWords = 8 * kTiles;
    // 32 words (4 K tiles) per step: word w = 8i + r is ballotted by the
    // lanes of the warp owning r and kept by lane w % 32, which stores it
    // with the others.
    const int64_t fullGroups = (k / kTreeLanes) / 4, planes = spec.planes();
    SmallVector<Value> counts(planes, kb.i32(0));
    auto group = [&](Value g, int64_t tilesInGroup, int64_t rest) {
      SmallVector<Value> held(planes, kb.i32(0));
      Value groupBase = kb.add(kb.mul(g, 4 * kTreeLanes), kb.add(lane, kb.mul(rowWarp, 32)));
      for (int64_t ii = 0; ii < tilesInGroup; ++ii)
        for (int64_t j = 0; j < 8 / warps; ++j) {
          // r = ω + W·j: the word's first element, relative to ω's.
          int64_t first = ii * kTreeLanes + 32 * warps * j;
          Value column = kb.add(groupBase, first);
          Value inside;
          if (rest >= 0) // only the last group can reach past K
            inside = kb.ult(column, k);
          SmallVector<Value> planeBits =
              bits(element(inside ? kb.minu(column, k - 1) : column));
          Value mine = kb.cmp(arith::CmpIPredicate::eq, lane, kb.add(rowWarp, 8 * ii + warps * j));
          for (int64_t p = 0; p < planes; ++p) {
            Value bit = inside ? kb.andI(planeBits[p], inside) : planeBits[p];
            held[p] = kb.select(mine, ballot(kb, bit), held[p]);
          }
        }
      return held;
    };
    // Lane l holds word 32g + l if l % 8 is one of this warp's r.
    Value owner = kb.cmp(arith::CmpIPredicate::eq, kb.remu(lane, warps), rowWarp);
    auto store = [&](Value g, ArrayRef<Value> held, int64_t wordsLeft) {
      Value word = kb.add(kb.mul(g, 32), lane);
      Value keep = wordsLeft < 32 ? kb.andI(owner, kb.ult(lane, wordsLeft)) : owner;
      kb.ifThen(keep, [&] {
        for (int64_t p = 0; p < planes; ++p)
          kb.store(held[p], layout.words, layout.offset(kb, row, p, word));
      });
    };
    if (fullGroups > 0) {
      auto loop = scf::ForOp::create(b, kb.loc, kb.idx(0), kb.idx(fullGroups), kb.idx(1),
                                     counts);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value g = loop.getInductionVar();
      SmallVector<Value> held = group(g, 4, -1);
      store(g, held, 32);
      SmallVector<Value> next;
      for (int64_t p = 0; p < planes; ++p)
        next.push_back(kb.add(loop.getRegionIterArgs()[p], popc(kb, held[p])));
      scf::YieldOp::create(b, kb.loc, next);
      counts.assign(loop.getResults().begin(), loop.getResults().end());
    }
    if (4 * fullGroups < kTiles) {
      Value g = kb.idx(fullGroups);
      SmallVector<Value> held =
          group(g, kTiles - 4 * fullGroups, k - fullGroups * 4 * kTreeLanes);
      store(g, held, rowWords - 32 * fullGroups);
      for (int64_t p = 0; p < planes; ++p)
        counts[p] = kb.add(counts[p], popc(kb, held[p]));
    }
    // Lanes that hold no word of this warp hold 0: exact integer sums over
    // the warp, then over the row's warps.
    auto isum = [&](Value p, Value q) { return kb.add(p, q); };
    return sumCounts(kb, counts, k, [&](Value v) {
      v = warpTree(kb, v, isum);
      if (warps == 1)
        return v;
      SmallVector<Value> all = exchange(v, shared.intScratch, intHalf);
      Value sum = all.front();
      for (int64_t w = 1; w < warps; ++w)
        sum = kb.add(sum, all[w]);
      return sum;
    });
  }

  Value leader() override { return kb.andI(kb.eq(lane, 0), kb.eq(rowWarp, 0)); }
  void finishRow() override { sync(); }

private:
  Value element(Value column) { return toF32(kb, kb.load(shared.buffer, column)); }

  /// Syncs the row's warps (with W > 1 the block is the row).
  void sync() {
    if (warps == 1)
      NVVM::SyncWarpOp::create(kb.b, kb.loc, kb.i32(-1));
    else
      gpu::BarrierOp::create(kb.b, kb.loc);
  }

  /// Every warp's `v` of this lane (in warp order), through one half of
  /// `scratch` ([2][W][32]); consecutive exchanges alternate halves, and
  /// finishRow syncs the row's warps after each row.
  SmallVector<Value> exchange(Value v, Value scratch, int64_t &half) {
    int64_t base = half * warps * 32;
    half ^= 1;
    kb.store(v, scratch, kb.add(kb.add(kb.mul(rowWarp, 32), lane), base));
    sync();
    SmallVector<Value> all;
    for (int64_t w = 0; w < warps; ++w)
      all.push_back(kb.load(scratch, kb.add(lane, base + 32 * w)));
    return all;
  }

  /// cp.async of the row into the buffer, the row's warps copying 16-byte
  /// (8, 4) units round robin; then all wait for all of them.
  void copyRow(Value x) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Type i64 = b.getI64Type();
    const int64_t unit = warpRowCopyBytes(spec);
    const int64_t rowBytes = spec.rowBytes();
    Value global = kb.globalPointer(x);
    Value rowStart = kb.mul(arith::IndexCastOp::create(b, loc, i64, row).getResult(), rowBytes);
    Value sharedBase = kb.indexToI32(
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared.buffer));
    auto loop = scf::ForOp::create(b, loc, kb.add(kb.mul(rowWarp, 32), lane),
                                   kb.idx(rowBytes / unit), kb.idx(32 * warps));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value offset = kb.mul(loop.getInductionVar(), unit);
      Value src = kb.byteOffset(
          global, kb.add(rowStart, arith::IndexCastOp::create(b, loc, i64, offset)));
      Value dst = kb.sharedPointer(kb.add(sharedBase, kb.indexToI32(offset)));
      NVVM::CpAsyncOp::create(b, loc, dst, src, unit,
                              unit == 16 ? NVVM::LoadCacheModifierKind::CG
                                         : NVVM::LoadCacheModifierKind::CA,
                              Value());
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
    // Each thread waited for its own copies; the barrier makes all of them
    // visible to the row's threads.
    sync();
  }

  KernelBuilder &kb;
  const QuantizePackSpec &spec;
  const PackedRowLayout &layout;
  Value row;
  const WarpRowsShared &shared;
  const int64_t warps;
  Value lane, rowWarp;
  int64_t floatHalf = 0, intHalf = 0;
};

} // namespace

Value PackedRowLayout::offset(KernelBuilder &kb, Value row, int64_t plane, Value word) const {
  Value tile = kb.add(kb.mul(kb.add(kb.divu(row, tileRows), plane * rowTiles), kTiles),
                      kb.divu(word, 8));
  return kb.add(kb.mul(tile, tileRows * 8),
                kb.add(kb.mul(kb.remu(row, tileRows), 8), kb.remu(word, 8)));
}

int64_t gpu_kernels::warpRowCopyBytes(const QuantizePackSpec &spec) {
  for (int64_t unit : {16, 8, 4})
    if (spec.rowBytes() % unit == 0)
      return unit;
  return 0;
}

std::unique_ptr<RowWalker>
gpu_kernels::makeBlockRows(KernelBuilder &kb, const QuantizePackSpec &spec,
                           const PackedRowLayout &layout, Value row,
                           const ElementReader &element, Value floatScratch,
                           Value intScratch) {
  return std::make_unique<BlockRows>(kb, spec, layout, row, element, floatScratch, intScratch);
}

std::unique_ptr<RowWalker> gpu_kernels::makeWarpRows(KernelBuilder &kb,
                                                     const QuantizePackSpec &spec,
                                                     const PackedRowLayout &layout,
                                                     Value row, Value x,
                                                     const WarpRowsShared &shared) {
  return std::make_unique<WarpRows>(kb, spec, layout, row, x, shared);
}
