//===- QuantizePackRows.cpp - block-per-row and warp-per-row walkers ------===//
//
// Both walkers produce the same bits: the lane-tree lane L of a row sums
// its elements L, L + 256, ... in order, then the tree adds lanes L and
// L + s for s = 128, 64, ..., 1 (docs/Semantics.md). Element 32·w + b is
// bit b of the row's word w.
//
//===----------------------------------------------------------------------===//
#include "QuantizePackRows.h"

#include "llvm/Support/Format.h"

#include <limits>
#include <string>
#include <variant>

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

//===----------------------------------------------------------------------===//
// A warp per row, eight consecutive lane-tree lanes per lane
//===----------------------------------------------------------------------===//

/// One i32 result of inline PTX `text` on `operands` (`constraints`).
Value asmI32(KernelBuilder &kb, StringRef text, StringRef constraints, ValueRange operands) {
  auto asmOp = LLVM::InlineAsmOp::create(
      kb.b, kb.loc, kb.b.getI32Type(), operands, text, constraints,
      /*has_side_effects=*/false, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  return asmOp.getResult(0);
}

/// lop3.b32 of a, b, c with look-up table `lut` (a = 0xF0, b = 0xCC,
/// c = 0xAA); `b` may be an immediate.
Value lop3(KernelBuilder &kb, Value a, std::variant<Value, uint32_t> b, Value c, unsigned lut) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto *imm = std::get_if<uint32_t>(&b)) {
    os << "lop3.b32 $0, $1, " << llvm::format_hex(*imm, 10) << ", $2, "
       << llvm::format_hex(lut, 4) << ";";
    return asmI32(kb, text, "=r,r,r", {a, c});
  }
  os << "lop3.b32 $0, $1, $2, $3, " << llvm::format_hex(lut, 4) << ";";
  return asmI32(kb, text, "=r,r,r,r", {a, std::get<Value>(b), c});
}

/// prmt.b32 of a, b with selector `selector` (immediate or register).
Value prmt(KernelBuilder &kb, Value a, Value b, std::variant<Value, uint32_t> selector) {
  if (auto *imm = std::get_if<uint32_t>(&selector)) {
    std::string text;
    llvm::raw_string_ostream(text) << "prmt.b32 $0, $1, $2, " << llvm::format_hex(*imm, 6) << ";";
    return asmI32(kb, text, "=r,r,r", {a, b});
  }
  return asmI32(kb, "prmt.b32 $0, $1, $2, $3;", "=r,r,r,r", {a, b, std::get<Value>(selector)});
}

/// The lane walker (makeLaneRows). Lane t of the row's warp holds lane-tree
/// lanes 8t + e (e < 8): elements 256j + 8t + e of K tile j, one 16-byte
/// (f16) or 32-byte (f32) piece of the row, which it copies into the row
/// buffer and alone reads back (its cp.async waits order them). Its bits
/// of tile j are bits 8(t % 4) + e of word 8j + t / 4.
class LaneRows : public RowWalker {
public:
  LaneRows(KernelBuilder &kb, const QuantizePackSpec &spec, const PackedRowLayout &layout,
           Value row, Value x, Value buffer)
      : kb(kb), spec(spec), layout(layout), row(row) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Type i64 = b.getI64Type();
    const int64_t k = spec.k;
    eltBytes = spec.inputType.getIntOrFloatBitWidth() / 8;
    tileBytes = kTreeLanes * eltBytes;
    kTiles = spec.kTiles();
    lane = kb.remu(kb.threadId(), 32);
    laneI32 = kb.indexToI32(lane);
    Value laneBytes = kb.mul(laneI32, 8 * eltBytes);
    base = kb.add(kb.indexToI32(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer)),
                  laneBytes);
    // The copy, in up to four commit groups of consecutive tiles: the first
    // fold starts on a group as soon as it has landed.
    tilesPerGroup = llvm::divideCeil(kTiles, std::min<int64_t>(kTiles, 4));
    copyGroups = llvm::divideCeil(kTiles, tilesPerGroup);
    Value src = kb.byteOffset(
        kb.globalPointer(x),
        kb.add(kb.mul(arith::IndexCastOp::create(b, loc, i64, row).getResult(), spec.rowBytes()),
               arith::ExtUIOp::create(b, loc, i64, laneBytes).getResult()));
    for (int64_t j = 0; j < kTiles; ++j) {
      auto copy = [&] {
        for (int64_t u = 0; u < eltBytes / 2; ++u) {
          int64_t offset = j * tileBytes + 16 * u;
          NVVM::CpAsyncOp::create(b, loc, kb.sharedPointer(kb.add(base, kb.i32(offset))),
                                  kb.byteOffset(src, arith::ConstantIntOp::create(b, loc, offset, 64)),
                                  16, NVVM::LoadCacheModifierKind::CG, Value());
        }
      };
      if ((j + 1) * kTreeLanes <= k)
        copy();
      else
        kb.ifThen(inside(j), copy);
      if ((j + 1) % tilesPerGroup == 0 || j + 1 == kTiles)
        NVVM::CpAsyncCommitGroupOp::create(b, loc);
    }
  }

  Value fold(double identity, TermFn term, CombineFn combine) override {
    OpBuilder &b = kb.b;
    const int64_t fullTiles = spec.k / kTreeLanes;
    SmallVector<Value> acc(8, kb.f32(identity));
    auto addTile = [&](Value tile, Value in, SmallVector<Value> &acc) {
      SmallVector<Value> xs = elements(loadTile(tile));
      for (int64_t e = 0; e < 8; ++e) {
        Value t = term(xs[e]);
        if (in)
          t = kb.select(in, t, kb.f32(identity));
        acc[e] = combine(acc[e], t);
      }
    };
    for (int64_t c = 0; c < copyGroups; ++c) {
      if (!arrived)
        NVVM::CpAsyncWaitGroupOp::create(b, kb.loc, copyGroups - 1 - c);
      const int64_t first = c * tilesPerGroup, end = std::min(kTiles, first + tilesPerGroup);
      const int64_t fullEnd = std::min(end, fullTiles);
      if (fullEnd > first) {
        auto loop = scf::ForOp::create(b, kb.loc, kb.idx(first), kb.idx(fullEnd), kb.idx(1), acc);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        SmallVector<Value> next(loop.getRegionIterArgs());
        addTile(kb.indexToI32(loop.getInductionVar()), Value(), next);
        scf::YieldOp::create(b, kb.loc, next);
        acc.assign(loop.getResults().begin(), loop.getResults().end());
      }
      for (int64_t j = std::max(first, fullEnd); j < end; ++j)
        addTile(kb.i32(j), inside(j), acc);
    }
    arrived = true;
    return laneTree(acc, combine);
  }

  SmallVector<Value> pack(BitsFn) override {
    llvm::report_fatal_error("LaneRows packs ternary planes only (laneRowsApply)");
  }

  /// Per group of four K tiles, byte jj of a lane's plane registers holds
  /// its bits of tile 4g + jj. f16: each compare takes a word of two
  /// elements as one f16x2 against f16 thresholds exact for f16 elements;
  /// its all-ones halves land on two bits by one lop3 each, the bytes are
  /// put in place once per group. The kept sum adds each lane-tree lane's
  /// |x| (or +0, which leaves a sum of magnitudes unchanged) tile by tile.
  SmallVector<Value> packTernary(Value delta, BitsFn, TermFn, CombineFn,
                                 Value &keptSum) override {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    const int64_t k = spec.k;
    const bool half = eltBytes == 2;
    // A fixed Δ needs no fold first: the row's copies may still be in flight.
    if (!arrived)
      NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
    arrived = true;
    // p = [x > Δ], n = [x < −Δ]. For f16 x, x > Δ ⟺ x ≥ Δh, the least f16
    // above Δ (Δ rounded toward zero, then the next f16: Δ ≥ 0), and
    // x < −Δ ⟺ x ≤ −Δh; Δ = +∞ or NaN keeps nothing, as does a NaN Δh.
    Value hi, lo; // f16x2 Δh, −Δh; or f32 Δ, −Δ
    if (half) {
      Value finite = kb.fcmp(arith::CmpFPredicate::OLT, delta,
                             kb.f32(std::numeric_limits<double>::infinity()));
      Value clamped = arith::MinimumFOp::create(b, loc, delta, kb.f32(65504.0));
      Value down = asmI32(kb, "{ .reg .b16 h; cvt.rz.f16.f32 h, $1; cvt.u32.u16 $0, h; }",
                          "=r,f", {clamped});
      Value up = kb.select(finite, kb.add(down, kb.i32(1)), kb.i32(0x7e00));
      hi = kb.mul(up, kb.i32(0x10001));
      lo = arith::OrIOp::create(b, loc, hi, kb.i32(int32_t(0x80008000u)));
    } else {
      hi = delta;
      lo = arith::NegFOp::create(b, loc, delta);
    }
    auto masks = [&](Value v) -> std::pair<Value, Value> {
      if (half)
        return {asmI32(kb, "set.ge.u32.f16x2 $0, $1, $2;", "=r,r,r", {v, hi}),
                asmI32(kb, "set.le.u32.f16x2 $0, $1, $2;", "=r,r,r", {v, lo})};
      Value f = arith::BitcastOp::create(b, loc, b.getF32Type(), v);
      return {asmI32(kb, "set.gt.u32.f32 $0, $1, $2;", "=r,f,f", {f, hi}),
              asmI32(kb, "set.lt.u32.f32 $0, $1, $2;", "=r,f,f", {f, lo})};
    };
    // Lane t = 4q + r of the transposes; its words are 8(4g + r) + q.
    Value r = kb.andI(laneI32, kb.i32(3));
    Value selectA = kb.select(kb.eq(kb.andI(r, kb.i32(2)), 0), kb.i32(0x5410), kb.i32(0x3276));
    Value selectB = kb.select(kb.eq(kb.andI(r, kb.i32(1)), 0), kb.i32(0x6240), kb.i32(0x3715));
    Value wordInTile = kb.add(kb.mul(arith::IndexCastOp::create(b, loc, b.getIndexType(), r).getResult(), 8),
                              kb.divu(lane, 4));
    SmallVector<Value> wordBase;
    for (int64_t p = 0; p < 2; ++p)
      wordBase.push_back(layout.offset(kb, row, p, wordInTile));

    // Group g of `tiles` tiles (masked: the last, which may reach past K):
    // the kept sums into acc, popcounts into counts, words stored.
    auto group = [&](Value g, int64_t tiles, bool masked, SmallVector<Value> &acc,
                     SmallVector<Value> &counts) {
      Value first = kb.mul(kb.indexToI32(g), kb.i32(4));
      // In-row masks of tiles jj (static in the masked group: g is known).
      SmallVector<Value> in(4);
      if (masked) {
        int64_t g0 = 4 * (k / kTreeLanes / 4);
        for (int64_t jj = 0; jj < tiles; ++jj) {
          int64_t j = g0 + jj;
          in[jj] = (j + 1) * kTreeLanes <= k
                       ? kb.i32(-1)
                       : kb.select(inside(j), kb.i32(-1), kb.i32(0));
        }
      }
      SmallVector<Value> planes(2, kb.i32(0));
      // kept[jj][e]: the kept value of element e of tile jj (a word whose
      // f16 half or f32 holds it).
      SmallVector<SmallVector<std::pair<Value, int64_t>>> kept(4);
      auto addBits = [&](Value v, Value inMask, uint32_t bits, SmallVector<Value> &into) {
        auto [pm, nm] = masks(v);
        if (inMask) {
          pm = kb.andI(pm, inMask);
          nm = kb.andI(nm, inMask);
        }
        into[0] = lop3(kb, pm, bits, into[0], 0xEA); // (pm & bits) | into
        if (!spec.notNegative)
          into[1] = lop3(kb, nm, bits, into[1], 0xEA);
        else if (inMask) // q = ¬n inside K
          into[1] = lop3(kb, lop3(kb, nm, inMask, inMask, 0x0C), bits, into[1], 0xEA);
        else
          into[1] = lop3(kb, nm, bits, into[1], 0xAE); // (~nm & bits) | into
        return lop3(kb, v, pm, nm, 0xE0);                  // v & (pm | nm)
      };
      if (half) {
        // Word i of tile jj holds elements 2i (low half) and 2i + 1 (high):
        // their bits go to 8(jj % 2) + 2i and 16 + 8(jj % 2) + 2i + 1 of
        // `planes` (jj < 2) or `upper` (jj ≥ 2), whose bytes are then [even
        // bits of tile 0 (or 2), of tile 1 (3), odd bits of tile 0 (2), of
        // tile 1 (3)]: two prmt and an or per plane merge them into bytes jj.
        SmallVector<Value> upper(2, kb.i32(0));
        for (int64_t jj = 0; jj < tiles; ++jj) {
          SmallVector<Value> w = loadTile(kb.add(first, kb.i32(jj)));
          kept[jj].resize(8);
          for (int64_t i = 0; i < 4; ++i) {
            uint32_t bits = (1u << (8 * (jj % 2) + 2 * i)) | (1u << (16 + 8 * (jj % 2) + 2 * i + 1));
            Value kv = addBits(w[i], masked ? in[jj] : Value(), bits, jj < 2 ? planes : upper);
            kept[jj][2 * i] = {kv, 0};
            kept[jj][2 * i + 1] = {kv, 1};
          }
        }
        for (int64_t p = 0; p < 2; ++p)
          planes[p] = arith::OrIOp::create(b, loc, prmt(kb, planes[p], upper[p], 0x5410u),
                                           prmt(kb, planes[p], upper[p], 0x7632u));
      } else {
        for (int64_t jj = 0; jj < tiles; ++jj) {
          SmallVector<Value> w = loadTile(kb.add(first, kb.i32(jj)));
          kept[jj].resize(8);
          for (int64_t e = 0; e < 8; ++e)
            kept[jj][e] = {addBits(w[e], masked ? in[jj] : Value(), 1u << (8 * jj + e), planes), 0};
        }
      }
      for (int64_t jj = 0; jj < tiles; ++jj)
        for (int64_t e = 0; e < 8; ++e) {
          Value v = element(kept[jj][e].first, kept[jj][e].second);
          Value magnitude = kb.andI(arith::BitcastOp::create(b, loc, b.getI32Type(), v),
                                    kb.i32(0x7fffffff));
          acc[e] = kb.fadd(acc[e], arith::BitcastOp::create(b, loc, b.getF32Type(), magnitude));
        }
      // Four lanes' bytes into their words: lane r takes byte r of each.
      for (int64_t p = 0; p < 2; ++p) {
        counts[p] = kb.add(counts[p], popc(kb, planes[p]));
        Value y = prmt(kb, planes[p], shuffleXor(kb, planes[p], 2), selectA);
        Value word = prmt(kb, y, shuffleXor(kb, y, 1), selectB);
        Value offset = kb.add(wordBase[p], kb.mul(g, 4 * layout.kTileStride()));
        auto store = [&] { kb.store(word, layout.words, offset); };
        if (tiles < 4)
          kb.ifThen(kb.ult(r, tiles), store);
        else
          store();
      }
    };

    const int64_t fullGroups = k / kTreeLanes / 4;
    SmallVector<Value> acc(8, kb.f32(0.0)), counts(2, kb.i32(0));
    if (fullGroups > 0) {
      SmallVector<Value> carried(acc);
      carried.append(counts);
      auto loop = scf::ForOp::create(b, loc, kb.idx(0), kb.idx(fullGroups), kb.idx(1), carried);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      ValueRange args = loop.getRegionIterArgs();
      SmallVector<Value> loopAcc(args.begin(), args.begin() + 8),
          loopCounts(args.begin() + 8, args.end());
      group(loop.getInductionVar(), 4, false, loopAcc, loopCounts);
      loopAcc.append(loopCounts);
      scf::YieldOp::create(b, loc, loopAcc);
      acc.assign(loop.getResults().begin(), loop.getResults().begin() + 8);
      counts.assign(loop.getResults().begin() + 8, loop.getResults().end());
    }
    if (4 * fullGroups < kTiles)
      group(kb.idx(fullGroups), kTiles - 4 * fullGroups, true, acc, counts);
    keptSum = laneTree(acc, [&](Value p, Value q) { return kb.fadd(p, q); });
    auto isum = [&](Value p, Value q) { return kb.add(p, q); };
    return sumCounts(kb, counts, k, [&](Value v) { return warpTree(kb, v, isum); });
  }

  Value leader() override { return kb.eq(lane, 0); }
  void finishRow() override { NVVM::SyncWarpOp::create(kb.b, kb.loc, kb.i32(-1)); }

private:
  /// Whether this lane's elements of tile j lie in the row.
  Value inside(int64_t j) { return kb.ult(lane, (spec.k - j * kTreeLanes) / 8); }

  /// This lane's words of tile `tile` (i32): 4 (f16 pairs) or 8 (f32).
  SmallVector<Value> loadTile(Value tile) {
    OpBuilder &b = kb.b;
    Value address = kb.add(base, kb.mul(tile, kb.i32(tileBytes)));
    SmallVector<Value> words;
    for (int64_t u = 0; u < eltBytes / 2; ++u) {
      Value vec = LLVM::LoadOp::create(b, kb.loc, VectorType::get({4}, b.getI32Type()),
                                       kb.sharedPointer(kb.add(address, kb.i32(16 * u))),
                                       /*alignment=*/16);
      for (int64_t e = 0; e < 4; ++e)
        words.push_back(LLVM::ExtractElementOp::create(b, kb.loc, vec, kb.i32(e)));
    }
    return words;
  }

  /// Element `which` (f16 half 0 or 1) of `word` as f32.
  Value element(Value word, int64_t which) {
    OpBuilder &b = kb.b;
    if (eltBytes == 4)
      return arith::BitcastOp::create(b, kb.loc, b.getF32Type(), word);
    Value pair = LLVM::BitcastOp::create(b, kb.loc, VectorType::get({2}, b.getF16Type()), word);
    return toF32(kb, LLVM::ExtractElementOp::create(b, kb.loc, pair, kb.i32(which)));
  }

  /// The 8 elements of a tile's words, in e order.
  SmallVector<Value> elements(ArrayRef<Value> words) {
    SmallVector<Value> xs;
    for (Value w : words) {
      if (eltBytes == 4) {
        xs.push_back(element(w, 0));
        continue;
      }
      xs.push_back(element(w, 0));
      xs.push_back(element(w, 1));
    }
    return xs;
  }

  /// The lane-tree fold of lanes 8t + e (v[e] in lane t): steps 128, 64, 32
  /// (lanes 16, 8, 4 apart) halve each lane's values (the lower lane keeps
  /// the lower half of e, the upper the upper), steps 16 and 8 are
  /// butterflies on lanes 2 and 1 apart; the lane then holds lane-tree lane
  /// e = 4·b4 + 2·b3 + b2 (its lane bits), and steps 4, 2, 1 are butterflies
  /// on lanes 16, 8, 4 apart. Each combine takes lanes L and L + s, in
  /// either order (the tree's operations commute).
  Value laneTree(SmallVector<Value> v, CombineFn combine) {
    for (int32_t d : {16, 8, 4}) {
      Value upper = arith::CmpIOp::create(kb.b, kb.loc, arith::CmpIPredicate::ne,
                                          kb.andI(laneI32, kb.i32(d)), kb.i32(0));
      const size_t half = v.size() / 2;
      for (size_t i = 0; i < half; ++i) {
        Value send = kb.select(upper, v[i], v[i + half]);
        Value keep = kb.select(upper, v[i + half], v[i]);
        v[i] = combine(keep, shuffleXor(kb, send, d));
      }
      v.resize(half);
    }
    Value s = v.front();
    for (int32_t d : {2, 1, 16, 8, 4})
      s = combine(s, shuffleXor(kb, s, d));
    return s;
  }

  KernelBuilder &kb;
  const QuantizePackSpec &spec;
  const PackedRowLayout &layout;
  Value row, lane, laneI32, base;
  int64_t eltBytes, tileBytes, kTiles, tilesPerGroup = 0, copyGroups = 0;
  bool arrived = false;
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

std::unique_ptr<RowWalker> gpu_kernels::makeLaneRows(KernelBuilder &kb,
                                                     const QuantizePackSpec &spec,
                                                     const PackedRowLayout &layout,
                                                     Value row, Value x, Value buffer) {
  return std::make_unique<LaneRows>(kb, spec, layout, row, x, buffer);
}

int64_t gpu_kernels::laneRowsBufferBytes(const QuantizePackSpec &spec) {
  return spec.kTiles() * kTreeLanes * spec.inputType.getIntOrFloatBitWidth() / 8;
}
