//===- QuantizePackRows.cpp - block-per-row and warp-per-row walkers ------===//
//
// Both walkers produce the same bits: the lane-tree lane L of a row sums
// its elements L, L + 256, ... in order, then the tree adds lanes L and
// L + s for s = 128, 64, ..., 1 (docs/Semantics.md). Element 32·w + b is
// bit b of the row's word w.
//
//===----------------------------------------------------------------------===//
#include "QuantizePackRows.h"
#include "RowReductions.h"



using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

Value ballot(KernelBuilder &kb, Value bit) {
  return NVVM::VoteSyncOp::create(kb.b, kb.loc, kb.b.getI32Type(), kb.i32(-1), bit,
                                  NVVM::VoteSyncKind::ballot);
}

/// The tree's steps 128, 64, 32 over the values of lanes l + 32r (r < 8).
Value eightLaneTree(ArrayRef<Value> v, CombineFn combine) {
  return combine(combine(combine(v[0], v[4]), combine(v[2], v[6])),
                 combine(combine(v[1], v[5]), combine(v[3], v[7])));
}

/// The cp.async copy of row `row` of `x` into `shared.buffer` by the row's
/// warps (16-, 8- or 4-byte units round robin), as one commit group.
void copyRow(KernelBuilder &kb, const QuantizePackSpec &spec, Value row, Value x,
             const WarpRowsShared &shared) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  Type i64 = b.getI64Type();
  const int64_t unit = warpRowCopyBytes(spec), rowBytes = spec.rowBytes();
  const int64_t warps = shared.warpsPerRow;
  Value thread = kb.threadId();
  Value rowThread = kb.add(kb.mul(kb.remu(kb.divu(thread, 32), warps), 32), kb.remu(thread, 32));
  Value global = kb.globalPointer(x);
  Value rowStart = kb.mul(arith::IndexCastOp::create(b, loc, i64, row).getResult(), rowBytes);
  Value sharedBase =
      kb.indexToI32(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared.buffer));
  const int64_t units = rowBytes / unit, step = 32 * warps;
  auto copy = [&](Value dst, Value src) {
    NVVM::CpAsyncOp::create(b, loc, dst, src, unit,
                            unit == 16 ? NVVM::LoadCacheModifierKind::CG
                                       : NVVM::LoadCacheModifierKind::CA,
                            Value());
  };
  // Up to 16 units a thread: straight-line code from one address pair (the
  // unit offsets become immediates), only the last copy guarded.
  const int64_t copies = llvm::divideCeil(units, step);
  if (copies <= 16) {
    Value offset = kb.mul(rowThread, unit);
    Value src = kb.byteOffset(
        global, kb.add(rowStart, arith::IndexCastOp::create(b, loc, i64, offset)));
    Value dst = kb.add(sharedBase, kb.indexToI32(offset));
    for (int64_t i = 0; i < copies; ++i) {
      auto one = [&] {
        copy(kb.sharedPointer(kb.add(dst, kb.i32(i * step * unit))),
             kb.byteOffset(src, arith::ConstantIntOp::create(b, loc, i * step * unit, 64)));
      };
      if ((i + 1) * step <= units)
        one();
      else
        kb.ifThen(kb.ult(rowThread, units - i * step), one);
    }
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
    return;
  }
  auto loop = scf::ForOp::create(b, loc, rowThread, kb.idx(units), kb.idx(step));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value offset = kb.mul(loop.getInductionVar(), unit);
    Value src = kb.byteOffset(
        global, kb.add(rowStart, arith::IndexCastOp::create(b, loc, i64, offset)));
    Value dst = kb.sharedPointer(kb.add(sharedBase, kb.indexToI32(offset)));
    copy(dst, src);
  }
  NVVM::CpAsyncCommitGroupOp::create(b, loc);
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
        // Each thread counts its own bits (an add, where a popc of the
        // warp's word in every lane costs a quarter-rate instruction).
        counts[p] = kb.add(counts[p], arith::ExtUIOp::create(kb.b, kb.loc,
                                                             kb.b.getI32Type(), bit));
        Value offset = layout.offset(kb, row, p, kb.add(warp, 8 * j));
        kb.ifThen(isLane0, [&] { kb.store(word, layout.words, offset); });
      }
    }
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
    copyRow(kb, spec, row, x, shared);
    NVVM::CpAsyncWaitGroupOp::create(kb.b, kb.loc, 0);
    // Each thread waited for its own copies; the sync makes all of them
    // visible to the row's threads.
    sync();
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
    return finishFold(acc, combine);
  }

  SmallVector<Value> pack(BitsFn bits) override {
    Value unused;
    return packRow(bits, 0.0, {}, {}, unused);
  }

  /// One pass: the lanes whose words a warp ballots are exactly its
  /// lane-tree lanes, visited tile by tile in K order, so the fold's lane
  /// partials accumulate in the pack loop in fold's order; the row's warps
  /// exchange them with the popcounts.
  SmallVector<Value> packFolding(BitsFn bits, double identity, TermFn term, CombineFn combine,
                                 Value &folded) override {
    return packRow(bits, identity, term, combine, folded);
  }

  Value leader() override { return kb.andI(kb.eq(lane, 0), kb.eq(rowWarp, 0)); }
  void finishRow() override { sync(); }

private:
  Value element(Value column) { return toF32(kb, kb.load(shared.buffer, column)); }

  /// (a & mask) | c in one lop3 (inline PTX: LLVM would turn the mask back
  /// into a select).
  Value orAnd(Value a, Value mask, Value c) {
    auto asmOp = LLVM::InlineAsmOp::create(
        kb.b, kb.loc, kb.b.getI32Type(), ValueRange{a, mask, c}, "lop3.b32 $0, $1, $2, $3, 0xEA;",
        "=r,r,r,r", /*has_side_effects=*/false, /*is_align_stack=*/false,
        LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
    return asmOp.getResult(0);
  }

  /// The rest of a fold from this thread's lane partials (lanes l + 32r,
  /// r = ω + W·j, in j order): the tree's steps 128, 64, 32 (lane distance
  /// 4, 2, 1 in r) inside the thread while both lanes are this warp's
  /// (treeInThread), then across the row's warps (treeAcrossWarps, on every
  /// warp's value of this lane), then the warp butterfly.
  Value finishFold(SmallVector<Value> acc, CombineFn combine) {
    Value v = treeInThread(std::move(acc), combine);
    if (warps > 1)
      v = treeAcrossWarps(exchange({v}).front(), combine);
    return warpTree(kb, v, combine);
  }

  Value treeInThread(SmallVector<Value> acc, CombineFn combine) {
    for (int64_t d : {4, 2, 1}) {
      if (d < warps)
        break;
      int64_t half = d / warps;
      for (int64_t j = 0; j < half; ++j)
        acc[j] = combine(acc[j], acc[j + half]);
      acc.resize(half);
    }
    return acc.front();
  }

  Value treeAcrossWarps(SmallVector<Value> all, CombineFn combine) {
    for (int64_t d : {4, 2, 1}) {
      if (d >= warps)
        continue;
      for (int64_t w = 0; w < d; ++w)
        all[w] = combine(all[w], all[w + d]);
      all.resize(d);
    }
    return all.front();
  }

  /// The row's packed words and plane popcounts; with a `term`, also in
  /// `folded` the fold of term as fold() computes it: each of this thread's
  /// lane-tree lanes accumulates its elements in K order (`identity` past
  /// K), then finishFold's tree, whose exchange rides on the popcounts'.
  SmallVector<Value> packRow(BitsFn bits, double identity, TermFn term, CombineFn combine,
                             Value &folded) {
    OpBuilder &b = kb.b;
    folded = Value();
    const int64_t k = spec.k, kTiles = spec.kTiles(), rowWords = 8 * kTiles;
    const int64_t lanes = 8 / warps;
    // 32 words (4 K tiles) per step: word w = 8i + r is ballotted by the
    // lanes of the warp owning r and kept by lane w % 32, which stores it
    // with the others.
    const int64_t fullGroups = (k / kTreeLanes) / 4, planes = spec.planes();
    SmallVector<Value> counts(planes, kb.i32(0));
    SmallVector<Value> acc;
    if (term)
      acc.assign(lanes, kb.f32(identity));
    // With W >= 4, the 32 / W words a lane may keep per group are picked by
    // all-ones / zero masks (in registers, set once) rather than selects on
    // as many predicates, which ptxas would have to juggle.
    SmallVector<Value> masks;
    if (warps >= 4)
      for (int64_t ii = 0; ii < 4; ++ii)
        for (int64_t j = 0; j < lanes; ++j)
          masks.push_back(kb.select(kb.cmp(arith::CmpIPredicate::eq, lane,
                                           kb.add(rowWarp, 8 * ii + warps * j)),
                                    kb.i32(-1), kb.i32(0)));
    // Element column of tile ii of group g, lane-tree lane l + 32(ω + W·j):
    // its plane bits (0 past K) into the held words, its term into acc[j].
    auto group = [&](Value g, int64_t tilesInGroup, int64_t rest, SmallVector<Value> &acc) {
      SmallVector<Value> held(planes, kb.i32(0));
      Value groupBase = kb.add(kb.mul(g, 4 * kTreeLanes), kb.add(lane, kb.mul(rowWarp, 32)));
      for (int64_t ii = 0; ii < tilesInGroup; ++ii)
        for (int64_t j = 0; j < lanes; ++j) {
          // r = ω + W·j: the word's first element, relative to ω's.
          int64_t first = ii * kTreeLanes + 32 * warps * j;
          Value column = kb.add(groupBase, first);
          Value inside;
          if (rest >= 0) // only the last group can reach past K
            inside = kb.ult(column, k);
          Value x = element(inside ? kb.minu(column, k - 1) : column);
          SmallVector<Value> planeBits = bits(x);
          Value mine;
          if (masks.empty())
            mine = kb.cmp(arith::CmpIPredicate::eq, lane, kb.add(rowWarp, 8 * ii + warps * j));
          for (int64_t p = 0; p < planes; ++p) {
            Value bit = inside ? kb.andI(planeBits[p], inside) : planeBits[p];
            Value word = ballot(kb, bit);
            held[p] = mine ? kb.select(mine, word, held[p])
                           : orAnd(word, masks[lanes * ii + j], held[p]);
          }
          if (!acc.empty()) {
            Value t = term(x);
            if (inside)
              t = kb.select(inside, t, kb.f32(identity));
            acc[j] = combine(acc[j], t);
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
      SmallVector<Value> carried(counts);
      carried.append(acc);
      auto loop = scf::ForOp::create(b, kb.loc, kb.idx(0), kb.idx(fullGroups), kb.idx(1),
                                     carried);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value g = loop.getInductionVar();
      ValueRange args = loop.getRegionIterArgs();
      SmallVector<Value> loopAcc(args.begin() + planes, args.end());
      SmallVector<Value> held = group(g, 4, -1, loopAcc);
      store(g, held, 32);
      SmallVector<Value> next;
      for (int64_t p = 0; p < planes; ++p)
        next.push_back(kb.add(args[p], popc(kb, held[p])));
      next.append(loopAcc);
      scf::YieldOp::create(b, kb.loc, next);
      counts.assign(loop.getResults().begin(), loop.getResults().begin() + planes);
      acc.assign(loop.getResults().begin() + planes, loop.getResults().end());
    }
    if (4 * fullGroups < kTiles) {
      Value g = kb.idx(fullGroups);
      SmallVector<Value> held =
          group(g, kTiles - 4 * fullGroups, k - fullGroups * 4 * kTreeLanes, acc);
      store(g, held, rowWords - 32 * fullGroups);
      for (int64_t p = 0; p < planes; ++p)
        counts[p] = kb.add(counts[p], popc(kb, held[p]));
    }
    Value partial = term ? treeInThread(acc, combine) : Value();
    // Lanes that hold no word of this warp hold 0: exact integer sums over
    // the warp, then over the row's warps (the first exchange also carries
    // the fold's partial).
    auto isum = [&](Value p, Value q) { return kb.add(p, q); };
    SmallVector<Value> totals = sumCounts(kb, counts, k, [&](Value v) {
      v = warpTree(kb, v, isum);
      if (warps == 1)
        return v;
      SmallVector<Value> values{v};
      if (partial && !folded)
        values.push_back(partial);
      SmallVector<SmallVector<Value>> all = exchange(values);
      if (values.size() > 1)
        folded = warpTree(kb, treeAcrossWarps(all[1], combine), combine);
      Value sum = all[0].front();
      for (int64_t w = 1; w < warps; ++w)
        sum = kb.add(sum, all[0][w]);
      return sum;
    });
    if (partial && !folded)
      folded = warpTree(kb, partial, combine);
    return totals;
  }

  /// Syncs the row's warps (with W > 1 the block is the row).
  void sync() {
    if (warps == 1)
      NVVM::SyncWarpOp::create(kb.b, kb.loc, kb.i32(-1));
    else
      gpu::BarrierOp::create(kb.b, kb.loc);
  }

  /// Every warp's value of this lane of each of `values` (in warp order),
  /// with one sync: f32 values through one half of the float scratch, i32
  /// through one of the int scratch ([2][W][32] each; at most one value of
  /// each type). Consecutive exchanges of a type alternate halves, and
  /// finishRow syncs the row's warps after each row.
  SmallVector<SmallVector<Value>> exchange(ArrayRef<Value> values) {
    SmallVector<std::pair<Value, int64_t>> slots; // scratch, base
    for (Value v : values) {
      bool isFloat = v.getType().isF32();
      int64_t &half = isFloat ? floatHalf : intHalf;
      slots.push_back({isFloat ? shared.floatScratch : shared.intScratch, half * warps * 32});
      half ^= 1;
      kb.store(v, slots.back().first,
               kb.add(kb.add(kb.mul(rowWarp, 32), lane), slots.back().second));
    }
    assert(values.size() <= 2 && (values.size() < 2 || values[0].getType() != values[1].getType()));
    sync();
    SmallVector<SmallVector<Value>> all;
    for (auto [scratch, base] : slots) {
      all.emplace_back();
      for (int64_t w = 0; w < warps; ++w)
        all.back().push_back(kb.load(scratch, kb.add(lane, base + 32 * w)));
    }
    return all;
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
  Value inRow = kb.remu(row, tileRows), inTile = kb.remu(word, 8);
  if (wgmmaTiles) {
    Value tile = kb.add(kb.mul(kb.add(kb.mul(kb.divu(row, tileRows), kTiles), kb.divu(word, 8)),
                               planes),
                        plane);
    Value swapped = arith::XOrIOp::create(kb.b, kb.loc, inTile,
                                          kb.mul(kb.remu(kb.divu(inRow, 4), 2), 4));
    return kb.add(kb.mul(tile, tileRows * 8), kb.add(kb.mul(inRow, 8), swapped));
  }
  Value tile = kb.add(kb.mul(kb.add(kb.divu(row, tileRows), plane * rowTiles), kTiles),
                      kb.divu(word, 8));
  return kb.add(kb.mul(tile, tileRows * 8), kb.add(kb.mul(inRow, 8), inTile));
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

Value gpu_kernels::toF32(KernelBuilder &kb, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(kb.b, kb.loc, kb.b.getF32Type(), v);
}

Value gpu_kernels::popc(KernelBuilder &kb, Value word) {
  return LLVM::CtPopOp::create(kb.b, kb.loc, word);
}

Value gpu_kernels::shuffleXor(KernelBuilder &kb, Value v, int32_t s) {
  return gpu::ShuffleOp::create(kb.b, kb.loc, v, s, 32, gpu::ShuffleMode::XOR)
      .getShuffleResult();
}

Value gpu_kernels::warpTree(KernelBuilder &kb, Value v, CombineFn combine) {
  for (int32_t s = 16; s >= 1; s /= 2)
    v = combine(v, shuffleXor(kb, v, s));
  return v;
}

SmallVector<Value> gpu_kernels::sumCounts(KernelBuilder &kb, ArrayRef<Value> counts, int64_t k,
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

