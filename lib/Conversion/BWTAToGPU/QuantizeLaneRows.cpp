//===- QuantizeLaneRows.cpp - the lane walker of quantize_pack -------------===//
//
// W warps per row (W = 1, 2 or 4); lane t of warp ω holds the E = 8 / W
// consecutive lane-tree lanes L = 256ω/W + E·t + e (e < E), i.e. elements
// 256j + L of every K tile j. The tree's steps that pair lanes of two warps
// (128 for W ≥ 2, 64 for W = 4) come first and go through one exchange in
// shared memory; the rest stay inside the warp. A warp's elements of a tile
// are whole words, so each warp builds and stores its own: a lane's E bits
// of G = 32 / E consecutive tiles fill a register, and a G-lane transpose
// turns G such registers into G words.
//
//===----------------------------------------------------------------------===//
#include "QuantizePackRows.h"
#include "RowReductions.h"

#include "llvm/Support/Format.h"

#include <limits>
#include <string>
#include <variant>

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

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

/// The lane walker (makeLaneRows). A lane's piece of tile j is E elements
/// (E · 2 or E · 4 bytes); its bits of tile j are bits E(t % G) + e of word
/// 8j + 8ω/W + t / G.
class LaneRows : public RowWalker {
public:
  LaneRows(KernelBuilder &kb, const QuantizePackSpec &spec, const PackedRowLayout &layout,
           Value row, Value x, const LaneRowsShared &shared)
      : kb(kb), spec(spec), layout(layout), row(row), scratch(shared.scratch),
        warps(shared.warpsPerRow), perLane(8 / warps), groupTiles(32 / perLane) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    Type i64 = b.getI64Type();
    eltBytes = spec.inputType.getIntOrFloatBitWidth() / 8;
    tileBytes = kTreeLanes * eltBytes;
    pieceBytes = perLane * eltBytes;
    kTiles = spec.kTiles();
    Value thread = kb.threadId();
    lane = kb.remu(thread, 32);
    laneI32 = kb.indexToI32(lane);
    rowThread = kb.remu(thread, 32 * warps);
    rowWarp = kb.divu(rowThread, 32);
    barrierId = kb.indexToI32(kb.add(kb.divu(thread, 32 * warps), 1));
    Value laneBytes = kb.mul(kb.indexToI32(rowThread), pieceBytes);
    Value bufferBase =
        kb.indexToI32(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, shared.buffer));
    base = kb.add(bufferBase, laneBytes);
    Value rowSrc = kb.byteOffset(
        kb.globalPointer(x),
        kb.mul(arith::IndexCastOp::create(b, loc, i64, row).getResult(), spec.rowBytes()));
    // 16-byte copies: a lane's own piece (pieces of 16 or 32 bytes), or
    // with smaller pieces unit t % U of tile t / U of a round of 32 / U
    // tiles, U = 2 · pieceBytes units in a warp's part of a tile; the
    // lanes then read each other's copies (a __syncwarp after each wait).
    ownCopies = pieceBytes >= 16;
    const int64_t units = ownCopies ? 32 : 2 * pieceBytes;
    const int64_t roundTiles = 32 / units, rounds = llvm::divideCeil(kTiles, roundTiles);
    // The lane's first copied element (past K in the last tiles: no copy)
    // and its bytes into the row.
    Value copyElement = kb.indexToI32(kb.mul(rowThread, perLane));
    if (!ownCopies) {
      Value unit = kb.remu(laneI32, units), tile = kb.divu(laneI32, units);
      copyElement = kb.add(kb.add(kb.mul(tile, kTreeLanes), kb.mul(kb.indexToI32(rowWarp), 32 * perLane)),
                           kb.mul(unit, 16 / eltBytes));
    }
    Value copyOffset = kb.mul(copyElement, eltBytes);
    Value dst = kb.add(bufferBase, copyOffset);
    Value src = kb.byteOffset(rowSrc, arith::ExtUIOp::create(b, loc, i64, copyOffset).getResult());
    // The copy, in up to four commit groups of consecutive rounds: the
    // first fold starts on a group as soon as it has landed.
    const int64_t roundsPerGroup = llvm::divideCeil(rounds, std::min<int64_t>(rounds, 4));
    copyGroups = llvm::divideCeil(rounds, roundsPerGroup);
    tilesPerGroup = roundsPerGroup * roundTiles;
    for (int64_t i = 0; i < rounds; ++i) {
      const int64_t first = i * roundTiles * kTreeLanes; // the round's first element
      auto copy = [&] {
        for (int64_t u = 0; u < std::max<int64_t>(pieceBytes / 16, 1); ++u) {
          int64_t offset = first * eltBytes + 16 * u;
          NVVM::CpAsyncOp::create(b, loc, kb.sharedPointer(kb.add(dst, kb.i32(offset))),
                                  kb.byteOffset(src, arith::ConstantIntOp::create(b, loc, offset, 64)),
                                  16, NVVM::LoadCacheModifierKind::CG, Value());
        }
      };
      if (first + roundTiles * kTreeLanes <= spec.k)
        copy();
      else // units wholly past K (K is a multiple of 8) stay uncopied
        kb.ifThen(kb.ult(copyElement, spec.k - first), copy);
      if ((i + 1) % roundsPerGroup == 0 || i + 1 == rounds)
        NVVM::CpAsyncCommitGroupOp::create(b, loc);
    }
  }

  Value fold(double identity, TermFn term, CombineFn combine) override {
    OpBuilder &b = kb.b;
    const int64_t fullTiles = spec.k / kTreeLanes;
    SmallVector<Value> acc(perLane, kb.f32(identity));
    auto addTile = [&](Value tile, Value in, SmallVector<Value> &acc) {
      SmallVector<Value> xs = elements(loadTile(tile));
      for (int64_t e = 0; e < perLane; ++e) {
        Value t = term(xs[e]);
        if (in)
          t = kb.select(in, t, kb.f32(identity));
        acc[e] = combine(acc[e], t);
      }
    };
    for (int64_t c = 0; c < copyGroups; ++c) {
      if (!arrived)
        waitCopies(copyGroups - 1 - c);
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
    if (warps > 1)
      acc = acrossWarps(acc, {}, combine).first;
    return laneTree(acc, combine);
  }

  SmallVector<Value> pack(BitsFn) override {
    llvm::report_fatal_error("LaneRows packs ternary planes only (laneRowsApply)");
  }

  /// Per group of G K tiles, field jj (E bits) of a lane's plane registers
  /// holds its bits of tile Gg + jj. f16: each compare takes a word of two
  /// elements as one f16x2 against f16 thresholds exact for f16 elements;
  /// its all-ones halves land on two bits by one lop3 each (even elements
  /// in the low half, odd ones in the high half of one register for the
  /// group's first G / 2 tiles, of another for the rest), put in place once
  /// per group by two prmt. The kept sum adds each lane-tree lane's |x| (or
  /// +0, which leaves a sum of magnitudes unchanged) tile by tile.
  SmallVector<Value> packTernary(Value delta, BitsFn, TermFn, CombineFn,
                                 Value &keptSum) override {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    const int64_t k = spec.k, fields = groupTiles;
    const bool half = eltBytes == 2;
    // A fixed Δ needs no fold first: the row's copies may still be in flight.
    if (!arrived)
      waitCopies(0);
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
    // Lane t = Gq + r of the transposes ends with the word of tile Gg + r:
    // word 8(Gg + r) + 8ω/W + q of the row.
    Value r = kb.remu(laneI32, fields);
    Value wordInTile = kb.add(
        kb.add(kb.mul(arith::IndexCastOp::create(b, loc, b.getIndexType(), r).getResult(), 8),
               kb.mul(rowWarp, 8 / warps)),
        kb.divu(lane, fields));
    SmallVector<Value> wordBase;
    for (int64_t p = 0; p < 2; ++p)
      wordBase.push_back(layout.offset(kb, row, p, wordInTile));
    SmallVector<Transpose> transposes = transposeStages(r);

    // Group g of `tiles` tiles (masked: the last, which may reach past K):
    // the kept sums into acc, popcounts into counts, words stored.
    auto group = [&](Value g, int64_t tiles, bool masked, SmallVector<Value> &acc,
                     SmallVector<Value> &counts) {
      Value first = kb.mul(kb.indexToI32(g), kb.i32(fields));
      // In-row masks of tiles jj (static in the masked group: g is known).
      SmallVector<Value> in(fields);
      if (masked) {
        int64_t g0 = fields * (k / kTreeLanes / fields);
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
      SmallVector<SmallVector<std::pair<Value, int64_t>>> kept(fields);
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
        // their bits go to E·jj' + 2i and 16 + E·jj' + 2i + 1 (jj' = jj mod
        // G/2) of `planes` (jj < G/2) or `upper`; two prmt and an or per
        // plane then merge the halves into fields jj.
        SmallVector<Value> upper(2, kb.i32(0));
        for (int64_t jj = 0; jj < tiles; ++jj) {
          SmallVector<Value> w = loadTile(kb.add(first, kb.i32(jj)));
          kept[jj].resize(perLane);
          const int64_t at = perLane * (jj % (fields / 2));
          for (int64_t i = 0; i < perLane / 2; ++i) {
            uint32_t bits = (1u << (at + 2 * i)) | (1u << (16 + at + 2 * i + 1));
            Value kv = addBits(w[i], masked ? in[jj] : Value(), bits,
                               jj < fields / 2 ? planes : upper);
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
          kept[jj].resize(perLane);
          for (int64_t e = 0; e < perLane; ++e)
            kept[jj][e] = {addBits(w[e], masked ? in[jj] : Value(), 1u << (perLane * jj + e), planes),
                           0};
        }
      }
      for (int64_t jj = 0; jj < tiles; ++jj)
        for (int64_t e = 0; e < perLane; ++e) {
          Value v = element(kept[jj][e].first, kept[jj][e].second);
          Value magnitude = kb.andI(arith::BitcastOp::create(b, loc, b.getI32Type(), v),
                                    kb.i32(0x7fffffff));
          acc[e] = kb.fadd(acc[e], arith::BitcastOp::create(b, loc, b.getF32Type(), magnitude));
        }
      for (int64_t p = 0; p < 2; ++p) {
        counts[p] = kb.add(counts[p], popc(kb, planes[p]));
        Value word = transpose(planes[p], transposes);
        Value offset = kb.add(wordBase[p], kb.mul(g, fields * layout.kTileStride()));
        auto store = [&] { kb.store(word, layout.words, offset); };
        if (tiles < fields)
          kb.ifThen(kb.ult(r, tiles), store);
        else
          store();
      }
    };

    const int64_t fullGroups = k / kTreeLanes / fields;
    SmallVector<Value> acc(perLane, kb.f32(0.0)), counts(2, kb.i32(0));
    if (fullGroups > 0) {
      SmallVector<Value> carried(acc);
      carried.append(counts);
      auto loop = scf::ForOp::create(b, loc, kb.idx(0), kb.idx(fullGroups), kb.idx(1), carried);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      ValueRange args = loop.getRegionIterArgs();
      SmallVector<Value> loopAcc(args.begin(), args.begin() + perLane),
          loopCounts(args.begin() + perLane, args.end());
      group(loop.getInductionVar(), fields, false, loopAcc, loopCounts);
      loopAcc.append(loopCounts);
      scf::YieldOp::create(b, loc, loopAcc);
      acc.assign(loop.getResults().begin(), loop.getResults().begin() + perLane);
      counts.assign(loop.getResults().begin() + perLane, loop.getResults().end());
    }
    if (fields * fullGroups < kTiles)
      group(kb.idx(fullGroups), kTiles - fields * fullGroups, true, acc, counts);
    auto fsum = [&](Value p, Value q) { return kb.fadd(p, q); };
    if (warps > 1)
      std::tie(acc, counts) = acrossWarps(acc, counts, fsum);
    keptSum = laneTree(acc, fsum);
    auto isum = [&](Value p, Value q) { return kb.add(p, q); };
    return sumCounts(kb, counts, k, [&](Value v) { return warpTree(kb, v, isum); });
  }

  Value leader() override { return kb.eq(rowThread, 0); }

  void finishRow() override {
    // The next row's copies reuse what this warp's lanes read.
    NVVM::SyncWarpOp::create(kb.b, kb.loc, kb.i32(-1));
    // Exchanges alternate two halves of the scratch: after an odd number
    // the next row's first would reuse this row's last one's half.
    if (exchanges % 2 == 1)
      rowBarrier();
  }

private:
  /// One stage of the G-lane transpose: lanes d apart swap fields of
  /// E·d bits — byte and half-word fields with one prmt (lane-dependent
  /// selector), smaller ones by a shift and a lop3 (lane-dependent mask).
  struct Transpose {
    int32_t distance, bits;
    Value upper, selector, keep;
  };

  SmallVector<Transpose> transposeStages(Value r) {
    SmallVector<Transpose> stages;
    for (int32_t d = groupTiles / 2; d >= 1; d /= 2) {
      Transpose t{d, int32_t(perLane * d), {}, {}, {}};
      t.upper = kb.cmp(arith::CmpIPredicate::ne, kb.andI(r, kb.i32(d)), kb.i32(0));
      if (t.bits == 16)
        t.selector = kb.select(t.upper, kb.i32(0x3276), kb.i32(0x5410));
      else if (t.bits == 8)
        t.selector = kb.select(t.upper, kb.i32(0x3715), kb.i32(0x6240));
      else {
        // Fields c with c & d clear: what a lane with r & d clear keeps.
        uint32_t lower = 0;
        for (int32_t bit = 0; bit < 32; ++bit)
          if (((bit / perLane) & d) == 0)
            lower |= 1u << bit;
        t.keep = kb.select(t.upper, kb.i32(int32_t(~lower)), kb.i32(int32_t(lower)));
      }
      stages.push_back(t);
    }
    return stages;
  }

  /// Lane Gq + r's fields jj become lane Gq + jj's field r: each stage
  /// swaps one lane bit with one field bit.
  Value transpose(Value x, ArrayRef<Transpose> stages) {
    OpBuilder &b = kb.b;
    for (const Transpose &t : stages) {
      if (t.selector) {
        x = prmt(kb, x, shuffleXor(kb, x, t.distance), t.selector);
        continue;
      }
      // The upper lane sends its lower fields up, the lower its upper down.
      Value shift = kb.i32(t.bits);
      Value send = kb.select(t.upper, arith::ShLIOp::create(b, kb.loc, x, shift),
                             arith::ShRUIOp::create(b, kb.loc, x, shift));
      x = lop3(kb, x, shuffleXor(kb, send, t.distance), t.keep, 0xE4); // keep ? x : got
    }
    return x;
  }

  /// Whether this lane's elements of tile j lie in the row (K is a multiple
  /// of 8: a lane's E elements are all in or all past K).
  Value inside(int64_t j) {
    return kb.ult(kb.indexToI32(rowThread), (spec.k - j * kTreeLanes) / perLane);
  }

  /// Waits until at most `pending` commit groups are in flight; lanes that
  /// read each other's copies also sync the warp.
  void waitCopies(int64_t pending) {
    NVVM::CpAsyncWaitGroupOp::create(kb.b, kb.loc, pending);
    if (!ownCopies)
      NVVM::SyncWarpOp::create(kb.b, kb.loc, kb.i32(-1));
  }

  void rowBarrier() {
    ptxStatement(kb, "bar.sync $0, $1;", {barrierId, kb.i32(32 * warps)}, "r,r,~{memory}");
  }

  /// The tree's cross-warp steps on E floats per lane (every warp gets the
  /// values of warp 0's lanes: 128 pairs warps ω and ω + W/2, then 64 ω and
  /// ω + 1) and the sums over the row's warps of integer counts, through
  /// one exchange: scratch[half][ω][i][lane], i32.
  std::pair<SmallVector<Value>, SmallVector<Value>>
  acrossWarps(ArrayRef<Value> floats, ArrayRef<Value> ints, CombineFn combine) {
    OpBuilder &b = kb.b;
    Location loc = kb.loc;
    const int64_t values = perLane + 2;
    assert(floats.size() + ints.size() <= size_t(values));
    Value halfBase = kb.idx((exchanges % 2) * warps * values * 32);
    auto slot = [&](Value warp, int64_t i) {
      return kb.add(halfBase, kb.add(kb.mul(kb.add(kb.mul(warp, values), i), 32), lane));
    };
    auto asInt = [&](Value v) {
      return v.getType().isF32() ? arith::BitcastOp::create(b, loc, b.getI32Type(), v).getResult()
                                 : v;
    };
    int64_t i = 0;
    for (Value v : llvm::concat<const Value>(floats, ints))
      kb.store(asInt(v), scratch, slot(rowWarp, i++));
    rowBarrier();
    ++exchanges;
    auto load = [&](int64_t warp, int64_t i) { return kb.load(scratch, slot(kb.idx(warp), i)); };
    std::pair<SmallVector<Value>, SmallVector<Value>> result;
    for (size_t f = 0; f < floats.size(); ++f) {
      SmallVector<Value> all;
      for (int64_t w = 0; w < warps; ++w)
        all.push_back(arith::BitcastOp::create(b, loc, b.getF32Type(), load(w, f)));
      for (int64_t d = warps / 2; d >= 1; d /= 2)
        for (int64_t w = 0; w < d; ++w)
          all[w] = combine(all[w], all[w + d]);
      result.first.push_back(all.front());
    }
    for (size_t n = 0; n < ints.size(); ++n) {
      Value sum = load(0, floats.size() + n);
      for (int64_t w = 1; w < warps; ++w)
        sum = kb.add(sum, load(w, floats.size() + n));
      result.second.push_back(sum);
    }
    return result;
  }

  /// This lane's words of tile `tile` (i32): pieceBytes / 4 of them.
  SmallVector<Value> loadTile(Value tile) {
    OpBuilder &b = kb.b;
    Value address = kb.add(base, kb.mul(tile, kb.i32(tileBytes)));
    SmallVector<Value> words;
    const int64_t count = pieceBytes / 4, vector = std::min<int64_t>(count, 4);
    for (int64_t u = 0; u < count / vector; ++u) {
      Value at = kb.sharedPointer(kb.add(address, kb.i32(16 * u)));
      if (vector == 1) {
        words.push_back(LLVM::LoadOp::create(b, kb.loc, b.getI32Type(), at, /*alignment=*/4));
        continue;
      }
      Value vec = LLVM::LoadOp::create(b, kb.loc, VectorType::get({vector}, b.getI32Type()), at,
                                       /*alignment=*/4 * vector);
      for (int64_t e = 0; e < vector; ++e)
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

  /// The E elements of a tile's words, in e order.
  SmallVector<Value> elements(ArrayRef<Value> words) {
    SmallVector<Value> xs;
    for (Value w : words) {
      xs.push_back(element(w, 0));
      if (eltBytes == 2)
        xs.push_back(element(w, 1));
    }
    return xs;
  }

  /// The in-warp lane-tree fold of lanes E·t + e (v[e] in lane t): the
  /// steps whose lanes are lanes 16, 8, ... apart (log2 E of them) halve
  /// each lane's values (the lower lane keeps the lower half of e, the
  /// upper the upper); the steps between lanes 32/E/2 … 1 apart are
  /// butterflies; the lane then holds lane-tree lane e (spelled by the lane
  /// bits the halving used) and the in-lane steps E/2 … 1 are butterflies
  /// on those bits. Each combine takes lanes L and L + s, in either order
  /// (the tree's operations commute).
  Value laneTree(SmallVector<Value> v, CombineFn combine) {
    SmallVector<int32_t> halving;
    for (int32_t d = 16; int64_t(v.size()) > 1; d /= 2) {
      Value upper = arith::CmpIOp::create(kb.b, kb.loc, arith::CmpIPredicate::ne,
                                          kb.andI(laneI32, kb.i32(d)), kb.i32(0));
      const size_t half = v.size() / 2;
      for (size_t i = 0; i < half; ++i) {
        Value send = kb.select(upper, v[i], v[i + half]);
        Value keep = kb.select(upper, v[i + half], v[i]);
        v[i] = combine(keep, shuffleXor(kb, send, d));
      }
      v.resize(half);
      halving.push_back(d);
    }
    Value s = v.front();
    for (int32_t d = 32 / perLane / 2; d >= 1; d /= 2)
      s = combine(s, shuffleXor(kb, s, d));
    for (int32_t d : halving)
      s = combine(s, shuffleXor(kb, s, d));
    return s;
  }

  KernelBuilder &kb;
  const QuantizePackSpec &spec;
  const PackedRowLayout &layout;
  Value row, scratch, lane, laneI32, rowThread, rowWarp, barrierId, base;
  /// W, E and G.
  const int64_t warps, perLane, groupTiles;
  int64_t eltBytes = 0, tileBytes = 0, pieceBytes = 0, kTiles = 0, tilesPerGroup = 0,
          copyGroups = 0, exchanges = 0;
  bool ownCopies = true, arrived = false;
};

} // namespace

std::unique_ptr<RowWalker> gpu_kernels::makeLaneRows(KernelBuilder &kb,
                                                     const QuantizePackSpec &spec,
                                                     const PackedRowLayout &layout,
                                                     Value row, Value x,
                                                     const LaneRowsShared &shared) {
  return std::make_unique<LaneRows>(kb, spec, layout, row, x, shared);
}

int64_t gpu_kernels::laneRowsBufferBytes(const QuantizePackSpec &spec) {
  return spec.kTiles() * kTreeLanes * spec.inputType.getIntOrFloatBitWidth() / 8;
}

int64_t gpu_kernels::laneRowsScratchBytes(int64_t warps) {
  return warps > 1 ? 2 * warps * (8 / warps + 2) * 32 * 4 : 0;
}
