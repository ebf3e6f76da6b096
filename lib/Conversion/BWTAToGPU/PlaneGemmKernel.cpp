//===- PlaneGemmKernel.cpp - b1 AND-popcount GEMM with a fused epilogue ---===//
//
// One m16n8k256 `and_popc` MMA per K tile, output tile and plane pair; a
// warp keeps the accumulators of every plane pair of its output tiles, so
// the BTC epilogue (plane recombination, popcount corrections, zero points,
// scales, bias) runs in registers and only the final value is stored.
//
//===----------------------------------------------------------------------===//
#include "PlaneGemmEpilogue.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

Kernel gpu_kernels::buildPlaneGemmKernel(OpBuilder &b, Location loc,
                                         StringRef name,
                                         const PlaneGemmSpec &spec,
                                         const Tiling &tiling) {
  gpu::GPUFuncOp func = createPlaneGemmFunc(b, loc, name, spec);
  const int64_t warpsMN = tiling.blockWarpsM * tiling.blockWarpsN;
  const int64_t numAcc =
      tiling.warpRows * tiling.warpCols * spec.lhsPlanes * spec.rhsPlanes * 4;
  Value partials;
  if (tiling.splitK > 1)
    partials = addSharedI32(func, tiling.splitK * warpsMN * numAcc * 32, loc);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  GemmArgs args = bindPlaneGemmArgs(func, spec);
  const int64_t pa = spec.lhsPlanes, pb = spec.rhsPlanes;
  const int64_t rt = spec.lhsRowTiles(), nt = spec.rhsRowTiles(), kt = spec.kTiles();
  const int64_t wr = tiling.warpRows, wc = tiling.warpCols;

  Value thread = kb.threadId();
  Value lane = kb.remu(thread, 32), warp = kb.divu(thread, 32);
  Value kPart = kb.divu(warp, warpsMN), warpMN = kb.remu(warp, warpsMN);
  Value warpM = kb.divu(warpMN, tiling.blockWarpsN);
  Value warpN = kb.remu(warpMN, tiling.blockWarpsN);
  Value g = kb.divu(lane, 4), t = kb.remu(lane, 4);
  Value tileM0 = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), tiling.blockRowTiles()),
                        kb.mul(warpM, wr));
  Value tileN0 = kb.add(kb.mul(kb.blockId(gpu::Dimension::y), tiling.blockColTiles()),
                        kb.mul(warpN, wc));
  Value batch = kb.blockId(gpu::Dimension::z);
  // This lane's fragment rows, clamped into the batch (rows past the edge
  // repeat the last real row: their results are never stored), and the
  // word offset of word t of each at K tile 0. Rows of a batch need not
  // start a tile, so fragments are addressed row by row.
  auto rowBase = [&](Value row, int64_t tileRows, int64_t planeWords, int64_t plane) {
    Value tile = kb.add(kb.divu(row, tileRows), plane * planeWords);
    return kb.add(kb.add(kb.mul(tile, kt * tileRows * 8), kb.mul(kb.remu(row, tileRows), 8)), t);
  };
  auto lhsRow = [&](Value m) { return kb.add(kb.mul(batch, spec.m), kb.minu(m, spec.m - 1)); };
  auto rhsRow = [&](Value n) { return kb.add(kb.mul(batch, spec.n), kb.minu(n, spec.n - 1)); };
  // aBase[i][r][h]: rows g (h = 0) and g + 8 (h = 1) of tile r, plane i.
  SmallVector<SmallVector<std::array<Value, 2>>> aBase(pa);
  for (int64_t i = 0; i < pa; ++i)
    for (int64_t r = 0; r < wr; ++r) {
      Value m = kb.add(kb.mul(kb.add(tileM0, r), 16), g);
      aBase[i].push_back({rowBase(lhsRow(m), 16, rt, i),
                          rowBase(lhsRow(kb.add(m, 8)), 16, rt, i)});
    }
  SmallVector<SmallVector<Value>> bBase(pb);
  for (int64_t j = 0; j < pb; ++j)
    for (int64_t c = 0; c < wc; ++c)
      bBase[j].push_back(rowBase(rhsRow(kb.add(kb.mul(kb.add(tileN0, c), 8), g)), 8, nt, j));

  auto accIndex = [&](int64_t r, int64_t c, int64_t i, int64_t j, int64_t e) {
    return (((r * wc + c) * pa + i) * pb + j) * 4 + e;
  };
  // This warp's share of the K tiles.
  const int64_t chunk = llvm::divideCeilSigned(kt, tiling.splitK);
  Value kBegin = kb.mul(kPart, chunk);
  Value kEnd = kb.minu(kb.add(kBegin, chunk), kt);
  auto loop = scf::ForOp::create(
      b, loc, kBegin, kEnd, kb.idx(1), SmallVector<Value>(numAcc, kb.i32(0)),
      [&](OpBuilder &nb, Location, Value k, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        Value aStep = kb.mul(k, 128), bStep = kb.mul(k, 64);
        // a[i][r]: the A fragment of plane i, row tile r; bf[j][c] likewise.
        SmallVector<SmallVector<std::array<Value, 4>>> a(pa);
        for (int64_t i = 0; i < pa; ++i)
          for (int64_t r = 0; r < wr; ++r) {
            Value row0 = kb.add(aBase[i][r][0], aStep), row8 = kb.add(aBase[i][r][1], aStep);
            a[i].push_back({kb.load(args.lhs, row0), kb.load(args.lhs, row8),
                            kb.load(args.lhs, kb.add(row0, 4)),
                            kb.load(args.lhs, kb.add(row8, 4))});
          }
        SmallVector<SmallVector<std::array<Value, 2>>> bf(pb);
        for (int64_t j = 0; j < pb; ++j)
          for (int64_t c = 0; c < wc; ++c) {
            Value row = kb.add(bBase[j][c], bStep);
            bf[j].push_back({kb.load(args.rhs, row), kb.load(args.rhs, kb.add(row, 4))});
          }
        SmallVector<Value> next(numAcc);
        for (int64_t r = 0; r < wr; ++r)
          for (int64_t c = 0; c < wc; ++c)
            for (int64_t i = 0; i < pa; ++i)
              for (int64_t j = 0; j < pb; ++j) {
                int64_t at = accIndex(r, c, i, j, 0);
                std::array<Value, 4> d = mmaAndPopc(kb, a[i][r], bf[j][c],
                                                    SmallVector<Value>(acc.slice(at, 4)));
                std::copy(d.begin(), d.end(), next.begin() + at);
              }
        scf::YieldOp::create(b, loc, next);
      });

  // Split K: partial sums through shared memory; the first K part of
  // each output tile adds them (exact int32) and runs the epilogue.
  SmallVector<Value> acc(loop.getResults());
  std::optional<OpBuilder::InsertionGuard> reduced;
  if (partials) {
    auto slot = [&](Value part, int64_t index) {
      return kb.add(kb.mul(kb.add(kb.mul(kb.add(kb.mul(part, warpsMN), warpMN), numAcc),
                                  index), 32), lane);
    };
    for (int64_t index = 0; index < numAcc; ++index)
      kb.store(acc[index], partials, slot(kPart, index));
    gpu::BarrierOp::create(b, loc);
    reduced.emplace(b);
    auto ifOp = scf::IfOp::create(b, loc, kb.eq(kPart, 0), /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t part = 1; part < tiling.splitK; ++part)
      for (int64_t index = 0; index < numAcc; ++index)
        acc[index] = kb.add(acc[index], kb.load(partials, slot(kb.idx(part), index)));
  }

  // Per MMA tile: c0, c1 at row g, columns 2t, 2t+1; c2, c3 at row g + 8.
  // Stores are guarded by m < M and n < N (tile indices unclamped here).
  auto rowOf = [&](int64_t r, int64_t half) {
    return kb.add(kb.add(kb.mul(kb.add(tileM0, r), 16), g), half * 8);
  };
  auto colOf = [&](int64_t c, int64_t odd) {
    return kb.add(kb.add(kb.mul(kb.add(tileN0, c), 8), kb.mul(t, 2)), odd);
  };
  const std::optional<EpilogueSpec> &epi = spec.epilogue;
  // Epilogue terms shared by a row (or a column) of this lane's elements.
  SmallVector<SideTerms> rowTerms, colTerms;
  if (epi) {
    for (int64_t r = 0; r < wr; ++r)
      for (int64_t half = 0; half < 2; ++half)
        rowTerms.push_back(loadSide(kb, lhsRow(rowOf(r, half)), spec.batch * spec.m,
                                    pa, epi->lhsType,
                                    epi->k, args.lhsPopcount, epi->lhsScale,
                                    args.lhsScale, epi->lhsZeroPoint,
                                    args.lhsZeroPoint));
    for (int64_t c = 0; c < wc; ++c)
      for (int64_t odd = 0; odd < 2; ++odd) {
        Value col = colOf(c, odd);
        SideTerms terms = loadSide(kb, rhsRow(col), spec.batch * spec.n, pb,
                                   epi->rhsType, epi->k,
                                   args.rhsPopcount, epi->rhsScale, args.rhsScale,
                                   epi->rhsZeroPoint, args.rhsZeroPoint);
        if (epi->bias)
          terms.bias = kb.load(args.bias, kb.minu(col, spec.n - 1));
        colTerms.push_back(terms);
      }
  }
  for (int64_t r = 0; r < wr; ++r)
    for (int64_t c = 0; c < wc; ++c)
      for (int64_t e = 0; e < 4; ++e) {
        Value row = rowOf(r, e / 2), col = colOf(c, e % 2);
        Value inside = kb.andI(kb.ult(row, spec.m), kb.ult(col, spec.n));
        kb.ifThen(inside, [&] {
          Value element =
              kb.add(kb.mul(kb.add(kb.mul(batch, spec.m), row), spec.n), col);
          if (!epi) {
            for (int64_t i = 0; i < pa; ++i)
              for (int64_t j = 0; j < pb; ++j)
                kb.store(acc[accIndex(r, c, i, j, e)], args.out,
                         kb.add(element, (i * pb + j) * spec.batch * spec.m * spec.n));
            return;
          }
          // docs/Semantics.md, bwta.btc_epilogue (int32, wrapping).
          const SideTerms &x = rowTerms[r * 2 + e / 2];
          const SideTerms &w = colTerms[c * 2 + e % 2];
          Value dot = epilogueDotBase(kb, *epi, x, w);
          for (int64_t i = 0; i < pa; ++i)
            for (int64_t j = 0; j < pb; ++j)
              dot = kb.add(dot, kb.mul(acc[accIndex(r, c, i, j, e)],
                                       planePairCoefficient(*epi, i, j)));
          kb.store(finishEpilogue(kb, *epi, dot, x, w), args.out, element);
        });
      }
  reduced.reset();
  gpu::ReturnOp::create(b, loc);

  return {func,
          {llvm::divideCeilSigned(llvm::divideCeilSigned(spec.m, int64_t(16)), tiling.blockRowTiles()),
           llvm::divideCeilSigned(llvm::divideCeilSigned(spec.n, int64_t(8)), tiling.blockColTiles()),
           spec.batch},
          {tiling.threads(), 1, 1}};
}
