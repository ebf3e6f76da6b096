//===- PlaneGemvKernel.cpp - AND-popcount GEMV for small M (decode) -------===//
//
// For a few lhs rows the mma.sync tiles waste 15/16 of each A fragment and
// wait on one weight load per K tile. This kernel instead streams the
// weight tile once (bench/proto/FINDINGS.md, "Recommended structure,
// decode"): one block per 8-column weight tile, its warps splitting K; each
// lane issues all its weight loads (16 bytes per K tile pair and plane)
// before any arithmetic, then ANDs and popcounts on the CUDA cores against
// every lhs row of the block, reduces over the 4 lanes of a column with
// shuffles and over the warps in shared memory, and runs the same fused
// epilogue as the GEMM kernel (PlaneGemmEpilogue.h).
//
// At decode the activation quantizer of the lhs is itself a one-block
// kernel whose reductions are latency; the quantizing variant runs it in
// every block, from L2, between the weight loads and the popcounts.
//
//===----------------------------------------------------------------------===//
#include "PlaneGemmEpilogue.h"
#include "QuantizePackRows.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {
/// Threads of the block-per-row quantizer walker (QuantizePackRows.h).
constexpr int64_t kQuantizerWarps = 8;
/// Reduction scratch of that walker: 2 × 256 f32 and 2 × 256 i32.
constexpr int64_t kQuantizerScratchBytes = 4 * 4 * 256;
/// Longest row quantized in the block: its K/256 elements per thread stay
/// in registers next to the weights.
constexpr int64_t kQuantizerMaxKTiles = 64;
/// Rows a quantizing GEMV block quantizes (one after the other) by default.
constexpr int64_t kDefaultQuantizedRows = 1;
/// Blocks a quantizing GEMV aims at: one per SM of an H200.
constexpr int64_t kTargetBlocks = 132;
} // namespace

GemvShape gpu_kernels::gemvShape(const PlaneGemmSpec &spec, int64_t rowsPerBlock,
                                 const QuantizePackSpec *lhsQuantizer, GemvDot dot) {
  GemvShape shape;
  int64_t pairs = llvm::divideCeil(spec.kTiles(), 2);
  // A block that quantizes its rows is the quantizer walker's 8 warps.
  shape.warps = lhsQuantizer ? kQuantizerWarps : std::min<int64_t>(8, pairs);
  shape.loadsPerLane = llvm::divideCeil(pairs, shape.warps);
  // At most 8 weight loads of 16 bytes in flight per lane (32 registers):
  // more warps for long K rather than more registers.
  while (!lhsQuantizer && spec.rhsPlanes * shape.loadsPerLane > 8 && shape.warps < 32) {
    shape.warps *= 2;
    shape.loadsPerLane = llvm::divideCeil(pairs, shape.warps);
  }
  shape.rowsPerBlock = rowsPerBlock < 1 ? spec.m : std::min(rowsPerBlock, spec.m);
  shape.terms = spec.epilogue ? 1 : spec.lhsPlanes * spec.rhsPlanes;
  // H200 (bench/RESULTS.md, session 6): the tensor cores win from 6 plane
  // pair products per weight word (W2A8 at M = 1: 7.75 → 5.91 µs at
  // 4096²); at 2 or 4 (BWTA, M ≤ 2) popc is 3–8 % faster.
  shape.tensorCores =
      dot == GemvDot::TensorCores ||
      (dot == GemvDot::Measured &&
       shape.rowsPerBlock * spec.lhsPlanes * spec.rhsPlanes >= 6);
  // A quantizing block repeats the quantizer's work for its rows: it takes
  // as many column tiles as leave about one block per SM (as registers
  // allow: at most 8 weight loads of 16 bytes per lane, as above).
  if (!lhsQuantizer)
    return shape;
  int64_t blocks = llvm::divideCeil(spec.n, 8) * llvm::divideCeil(spec.m, shape.rowsPerBlock) *
                   spec.batch;
  int64_t fit = std::max<int64_t>(1, 8 / (spec.rhsPlanes * shape.loadsPerLane));
  shape.colTiles = std::clamp<int64_t>(llvm::divideCeil(blocks, kTargetBlocks), 1, fit);
  // The rows' planes, popcounts, scales and zero points.
  shape.quantizerBytes =
      4 * shape.rowsPerBlock * (spec.lhsPlanes * (spec.kTiles() * 8 + 1) + 2) +
      kQuantizerScratchBytes;
  return shape;
}

bool gpu_kernels::quantizingGemvApplies(const PlaneGemmSpec &spec,
                                        const QuantizePackSpec &lhsQuantizer,
                                        int64_t rowsPerBlock, GemvDot dot,
                                        int64_t maxRows) {
  GemvShape shape = gemvShape(spec, rowsPerBlock, &lhsQuantizer, dot);
  // Every block repeats the quantizer's work on its rows. Measured on the
  // H200 (bench/RESULTS.md, session 5): that pays for one row per block
  // and about one block per SM, two for the cheap binary and ternary
  // quantizers; beyond, the quantize_pack kernel is faster.
  std::array<int64_t, 3> grid = shape.grid(spec);
  int64_t blocks = grid[0] * grid[1] * grid[2];
  int64_t maxBlocks = kTargetBlocks * (lhsQuantizer.planes() <= 2 ? 2 : 1);
  if (maxRows < 0)
    maxRows = kDefaultQuantizedRows;
  return shape.rowsPerBlock <= maxRows && blocks <= maxBlocks && spec.epilogue && !lhsQuantizer.notNegative &&
         lhsQuantizer.planes() == spec.lhsPlanes && lhsQuantizer.k == spec.k &&
         lhsQuantizer.m == spec.batch * spec.m && spec.kTiles() <= kQuantizerMaxKTiles &&
         spec.epilogue->lhsScale == ParamKind::PerRow &&
         (spec.epilogue->lhsZeroPoint == ParamKind::PerRow) == lhsQuantizer.asymmetric() &&
         spec.rhsPlanes * shape.loadsPerLane <= 8 && shape.sharedBytes() <= 48 * 1024;
}

namespace {

Value wordPointer(KernelBuilder &kb, Value base, Value word) {
  OpBuilder &b = kb.b;
  Value offset = arith::IndexCastOp::create(b, kb.loc, b.getI64Type(), word);
  return LLVM::GEPOp::create(b, kb.loc, base.getType(), b.getI32Type(), base,
                             ValueRange{offset});
}

/// Four words at `ptr` (16-byte aligned): the weight stream, read once.
std::array<Value, 4> loadStreaming(KernelBuilder &kb, Value ptr) {
  OpBuilder &b = kb.b;
  Type i32 = b.getI32Type();
  auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), SmallVector<Type>(4, i32));
  // Inline PTX: LLVM has no way to ask for L1::no_allocate; volatile keeps
  // the loads of a lane together, ahead of the popcounts (FINDINGS.md).
  auto asmOp = LLVM::InlineAsmOp::create(
      b, kb.loc, type, ValueRange{ptr},
      "ld.global.nc.L1::no_allocate.v4.u32 {$0, $1, $2, $3}, [$4];",
      "=r,=r,=r,=r,l", /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(), ArrayAttr());
  std::array<Value, 4> words;
  for (int64_t e = 0; e < 4; ++e)
    words[e] = LLVM::ExtractValueOp::create(b, kb.loc, asmOp.getResult(0), e);
  return words;
}

/// Four words at `ptr` (16-byte aligned) of a buffer the kernel never
/// writes (LLVM emits ld.global.v4: 16-byte aligned, no inline assembly).
std::array<Value, 4> loadInvariant(KernelBuilder &kb, Value ptr) {
  OpBuilder &b = kb.b;
  Value vec = LLVM::LoadOp::create(b, kb.loc, VectorType::get({4}, b.getI32Type()), ptr,
                                   /*alignment=*/16, /*isVolatile=*/false,
                                   /*isNonTemporal=*/false, /*isInvariant=*/true);
  std::array<Value, 4> words;
  for (int64_t e = 0; e < 4; ++e)
    words[e] = LLVM::ExtractElementOp::create(b, kb.loc, vec, kb.i32(e));
  return words;
}

/// Four words at 32-bit shared address `address` (16-byte aligned).
std::array<Value, 4> loadShared(KernelBuilder &kb, Value address) {
  OpBuilder &b = kb.b;
  Value vec = LLVM::LoadOp::create(b, kb.loc, VectorType::get({4}, b.getI32Type()),
                                   kb.sharedPointer(address), /*alignment=*/16);
  std::array<Value, 4> words;
  for (int64_t e = 0; e < 4; ++e)
    words[e] = LLVM::ExtractElementOp::create(b, kb.loc, vec, kb.i32(e));
  return words;
}

/// Shared memory of the rows a quantizing GEMV block quantizes: planes
/// [Pa][KT][rows][8] (16-byte aligned for vector loads), popcounts
/// [Pa][rows], scales and zero points [rows], and the walker's scratch.
struct QuantizedRows {
  Value words, popcounts, scale, zeroPoint, floatScratch, intScratch;

  QuantizedRows(gpu::GPUFuncOp func, const PlaneGemmSpec &spec, int64_t rows,
                Location loc) {
    MLIRContext *ctx = func.getContext();
    Type i32 = IntegerType::get(ctx, 32), f32 = Float32Type::get(ctx);
    auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    auto add = [&](int64_t size, Type type) {
      return func.addWorkgroupAttribution(
          MemRefType::get({size}, type, MemRefLayoutAttrInterface{}, workgroup), loc);
    };
    words = add(spec.lhsPlanes * spec.kTiles() * rows * 8, i32);
    func.setWorkgroupAttributionAttr(func.getNumWorkgroupAttributions() - 1,
                                     LLVM::LLVMDialect::getAlignAttrName(),
                                     IntegerAttr::get(IntegerType::get(ctx, 64), 16));
    popcounts = add(spec.lhsPlanes * rows, i32);
    scale = add(rows, f32);
    zeroPoint = add(rows, i32);
    floatScratch = add(512, f32);
    intScratch = add(512, i32);
  }
};

Value butterfly(KernelBuilder &kb, Value v, int64_t offset) {
  return NVVM::ShflOp::create(kb.b, kb.loc, kb.b.getI32Type(), kb.i32(-1), v,
                              kb.i32(offset), kb.i32(31),
                              NVVM::ShflKindAttr::get(kb.b.getContext(), NVVM::ShflKind::bfly),
                              UnitAttr());
}

/// The GEMV; with `quantizer`, its lhs rows are quantized in the block.
Kernel buildGemv(OpBuilder &b, Location loc, StringRef name, const PlaneGemmSpec &spec,
                 int64_t rowsPerBlock, const QuantizePackSpec *quantizer, GemvDot dot) {
  const GemvShape shape = gemvShape(spec, rowsPerBlock, quantizer, dot);
  const int64_t pa = spec.lhsPlanes, pb = spec.rhsPlanes;
  const int64_t rt = spec.lhsRowTiles(), nt = spec.rhsRowTiles(), kt = spec.kTiles();
  const int64_t warps = shape.warps, loads = shape.loadsPerLane;
  const int64_t rows = shape.rowsPerBlock, terms = shape.terms, tiles = shape.colTiles;
  // Outputs of a block per term: [column tile][row][column].
  const int64_t outputs = tiles * rows * 8;
  const std::optional<EpilogueSpec> &epi = spec.epilogue;

  gpu::GPUFuncOp func = createPlaneGemmFunc(b, loc, name, spec, quantizer);
  // Column sums of each warp's K share: [warp][term][column tile][row][column].
  Value partials = addSharedI32(func, warps * terms * outputs, loc);
  std::optional<QuantizedRows> quantized;
  if (quantizer)
    quantized.emplace(func, spec, rows, loc);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  GemmArgs args = bindPlaneGemmArgs(func, spec, quantizer);

  Value thread = kb.threadId();
  Value lane = kb.remu(thread, 32), warp = kb.divu(thread, 32);
  Value g = kb.divu(lane, 4), t = kb.remu(lane, 4);
  // Lane (g, t) reads words 4·(t&1) .. +3 of row g in K tile 2q + t/2 of
  // each K tile pair q: a warp's 32 lanes cover 512 contiguous bytes.
  Value wordInRow = kb.mul(kb.remu(t, 2), 4), ktInPair = kb.divu(t, 2);
  Value firstColTile = kb.mul(kb.blockId(gpu::Dimension::x), tiles);
  Value rowBlock = kb.blockId(gpu::Dimension::y);
  Value batch = kb.blockId(gpu::Dimension::z);

  // K tiles of this lane (clamped; those past K count nothing).
  SmallVector<Value> ktOf, ktValid;
  for (int64_t u = 0; u < loads; ++u) {
    Value k = kb.add(kb.mul(kb.add(warp, u * warps), 2), ktInPair);
    ktValid.push_back(kb.ult(k, kt));
    ktOf.push_back(kb.minu(k, kt - 1));
  }
  // Word of plane `plane` at this lane's row `row` (all batches) and K tile 0.
  auto rowWord = [&](Value row, int64_t tileRows, int64_t planeTiles, int64_t plane) {
    Value tile = kb.add(kb.divu(row, tileRows), plane * planeTiles);
    return kb.add(kb.add(kb.mul(tile, kt * tileRows * 8), kb.mul(kb.remu(row, tileRows), 8)),
                  wordInRow);
  };

  // Every weight load of the lane first (column g of each tile, clamped
  // into the batch: columns past N are computed and never stored).
  Value rhsPtr = kb.globalPointer(args.rhs), lhsPtr = kb.globalPointer(args.lhs);
  // w[c][j][u]: column tile c, weight plane j, K tile pair u.
  SmallVector<SmallVector<SmallVector<std::array<Value, 4>>>> w(tiles);
  for (int64_t c = 0; c < tiles; ++c) {
    Value column = kb.add(kb.mul(kb.add(firstColTile, c), 8), g);
    Value wRow = kb.add(kb.mul(batch, spec.n), kb.minu(column, spec.n - 1));
    w[c].resize(pb);
    for (int64_t j = 0; j < pb; ++j) {
      Value base = rowWord(wRow, 8, nt, j);
      for (int64_t u = 0; u < loads; ++u)
        w[c][j].push_back(
            loadStreaming(kb, wordPointer(kb, rhsPtr, kb.add(base, kb.mul(ktOf[u], 64)))));
    }
  }
  // Output `index` of the block: its row (in the block) and column.
  auto outputAt = [&](Value index) -> std::pair<Value, Value> {
    Value r = kb.remu(kb.divu(index, 8), rows);
    Value c = tiles > 1 ? kb.divu(index, rows * 8) : kb.idx(0);
    return {r, kb.add(kb.mul(kb.add(firstColTile, c), 8), kb.remu(index, 8))};
  };
  // The epilogue's weight side of output `index` (column clamped into N).
  auto weightSide = [&](Value index) {
    Value col = kb.minu(outputAt(index).second, spec.n - 1);
    SideTerms wt = loadSide(kb, kb.add(kb.mul(batch, spec.n), col), spec.batch * spec.n, pb,
                            epi->rhsType, epi->k, args.rhsPopcount, epi->rhsScale,
                            args.rhsScale, epi->rhsZeroPoint, args.rhsZeroPoint);
    if (epi->bias)
      wt.bias = kb.load(args.bias, col);
    return wt;
  };
  // Where each output has a thread of its own, that thread loads its
  // weight side with the weights too: no kernel writes them.
  std::optional<SideTerms> earlyWeightSide;
  if (epi && spec.rhsIsWeight && outputs <= warps * 32)
    earlyWeightSide = weightSide(thread);

  // The weights are in flight; the activations come from the kernel
  // before (programmatic dependent launch: enableGridDependency). An rhs
  // that is not a weight may come from it too: then the wait comes first.
  if (spec.rhsIsWeight)
    kb.waitForPredecessor();
  Value zero = kb.i32(0);
  for (auto &tile : w)
    for (auto &plane : tile)
      for (int64_t u = 0; u < loads; ++u)
        for (Value &word : plane[u])
          word = kb.select(ktValid[u], word, zero);

  Value firstRow = kb.mul(rowBlock, rows);
  Value rowsHere = spec.m % rows == 0
                       ? kb.idx(rows)
                       : arith::MinUIOp::create(b, loc, kb.idx(rows),
                                                kb.sub(kb.idx(spec.m), firstRow))
                             .getResult();
  // Quantizing: the block's rows of x become local rows 0 .. rows − 1 of
  // its shared planes (one tile of `rows` rows), bit for bit quantize_pack's.
  Value sharedWords;
  if (quantizer) {
    QuantizePackSpec local = *quantizer;
    local.m = rows;
    local.tileRows = rows;
    PackedRowLayout layout{quantized->words, 1, kt, rows};
    RowParams params{quantized->popcounts, quantized->scale, quantized->zeroPoint};
    scf::ForOp::create(
        b, loc, kb.idx(0), rowsHere, kb.idx(1), ValueRange{},
        [&](OpBuilder &nb, Location, Value r, ValueRange) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          ElementReader element = makeRowReader(
              kb, *quantizer, args.lhsInputs, kb.add(kb.mul(batch, spec.m), kb.add(firstRow, r)));
          std::unique_ptr<RowWalker> walker =
              makeBlockRows(kb, local, layout, r, element, quantized->floatScratch,
                            quantized->intScratch);
          quantizeRow(kb, local, *walker, params, r);
          walker->finishRow();
          scf::YieldOp::create(b, loc);
        });
    sharedWords = kb.indexToI32(
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, quantized->words));
  }

  // Lhs plane words of row `r` of the block (clamped into the rows here),
  // plane `plane`, at this lane's K words of pair u.
  auto lhsWords = [&](Value r, Value plane, int64_t u) {
    r = arith::MinUIOp::create(b, loc, r, kb.sub(rowsHere, kb.idx(1)));
    if (quantizer) {
      Value word = kb.add(kb.add(kb.mul(plane, kt * rows * 8), kb.mul(r, 8)), wordInRow);
      word = kb.add(word, kb.mul(ktOf[u], rows * 8));
      return loadShared(kb, kb.add(sharedWords, kb.mul(kb.indexToI32(word), 4)));
    }
    Value xRow = kb.add(kb.mul(batch, spec.m), kb.add(firstRow, r));
    Value tile = kb.add(kb.divu(xRow, 16), kb.mul(plane, rt));
    Value word = kb.add(kb.add(kb.mul(tile, kt * 16 * 8), kb.mul(kb.remu(xRow, 16), 8)), wordInRow);
    return loadInvariant(kb, wordPointer(kb, lhsPtr, kb.add(word, kb.mul(ktOf[u], 128))));
  };
  // Sum `s` of this warp for term `term`, row r, column `col` of tile c:
  // the lanes `offsets` apart add theirs (butterflies), then the `storer`
  // lanes, one per column, store it for the warps' reduction.
  auto storePartial = [&](Value s, int64_t term, Value r, int64_t c, Value col,
                          ArrayRef<int64_t> offsets, Value storer) {
    for (int64_t offset : offsets)
      s = kb.add(s, butterfly(kb, s, offset));
    Value slot = kb.add(kb.mul(kb.add(kb.mul(warp, terms), term), outputs),
                        kb.add(kb.mul(kb.add(r, c * rows), 8), col));
    kb.ifThen(storer, [&] { kb.store(s, partials, slot); });
  };

  if (shape.tensorCores) {
    // The dot on the binary tensor cores (mma.sync m16n8k256 and.popc):
    // A rows are the block's (row, plane) pairs a = r·Pa + i, B columns
    // the tile's 8 weight columns of one plane. K order is free for a dot
    // product, so lane (g, t) gives its own 4 weight words of the pair as
    // b0, b1 of two MMAs, and the A fragment takes the same K words of A
    // rows g and g + 8: one 16-byte load per A row and pair.
    const int64_t aRows = rows * pa, groups = llvm::divideCeil(aRows, int64_t(16));
    auto accIndex = [&](int64_t q, int64_t c, int64_t j) { return ((q * tiles + c) * pb + j) * 4; };
    SmallVector<Value> acc(groups * tiles * pb * 4, zero);
    // aRow[q][h]: A row of this lane's fragment half h in group q (clamped).
    SmallVector<std::array<Value, 2>> aRow(groups);
    for (int64_t q = 0; q < groups; ++q)
      for (int64_t h = 0; h < 2; ++h)
        aRow[q][h] = kb.minu(kb.add(g, q * 16 + h * 8), aRows - 1);
    for (int64_t u = 0; u < loads; ++u)
      for (int64_t q = 0; q < groups; ++q) {
        std::array<std::array<Value, 4>, 2> a;
        for (int64_t h = 0; h < 2; ++h)
          a[h] = lhsWords(kb.divu(aRow[q][h], pa), kb.remu(aRow[q][h], pa), u);
        for (int64_t half = 0; half < 2; ++half) {
          std::array<Value, 4> fragA{a[0][2 * half], a[1][2 * half], a[0][2 * half + 1],
                                     a[1][2 * half + 1]};
          for (int64_t c = 0; c < tiles; ++c)
            for (int64_t j = 0; j < pb; ++j) {
              std::array<Value, 2> fragB{w[c][j][u][2 * half], w[c][j][u][2 * half + 1]};
              int64_t at = accIndex(q, c, j);
              std::array<Value, 4> d =
                  mmaAndPopc(kb, fragA, fragB, ArrayRef<Value>(acc).slice(at, 4));
              std::copy(d.begin(), d.end(), acc.begin() + at);
            }
        }
      }
    // c0, c1: A row g, columns 2t, 2t + 1; c2, c3: A row g + 8. Each
    // output (row, column) adds its A rows' plane pairs with their
    // coefficients (or, without an epilogue, keeps each pair apart), then
    // the 8 lanes of a column add theirs.
    auto planeWeight = [&](Value a, int64_t r, int64_t term, int64_t j) -> Value {
      Value inRow = kb.andI(kb.eq(kb.divu(a, pa), r), kb.ult(a, aRows));
      Value i = kb.indexToI32(kb.remu(a, pa));
      Value weight = zero;
      for (int64_t plane = 0; plane < pa; ++plane) {
        int64_t coefficient = epi ? planePairCoefficient(*epi, plane, j)
                                  : int64_t(term == plane * pb + j);
        if (coefficient)
          weight = kb.select(kb.eq(i, plane), kb.i32(coefficient), weight);
      }
      return kb.select(inRow, weight, zero);
    };
    for (int64_t term = 0; term < terms; ++term)
      for (int64_t r = 0; r < rows; ++r) {
        SmallVector<SmallVector<std::array<Value, 2>>> weights(groups);
        for (int64_t q = 0; q < groups; ++q)
          for (int64_t j = 0; j < pb; ++j)
            weights[q].push_back({planeWeight(kb.add(g, q * 16), r, term, j),
                                  planeWeight(kb.add(g, q * 16 + 8), r, term, j)});
        for (int64_t c = 0; c < tiles; ++c)
          for (int64_t odd = 0; odd < 2; ++odd) {
            Value s = zero;
            for (int64_t q = 0; q < groups; ++q)
              for (int64_t j = 0; j < pb; ++j)
                for (int64_t h = 0; h < 2; ++h)
                  s = kb.add(s, kb.mul(acc[accIndex(q, c, j) + 2 * h + odd], weights[q][j][h]));
            storePartial(s, term, kb.idx(r), c, kb.add(kb.mul(t, 2), odd), {4, 8, 16},
                         kb.eq(g, 0));
          }
      }
  } else {
    // The block's lhs rows, one at a time against the weights in registers.
    scf::ForOp::create(
        b, loc, kb.idx(0), rowsHere, kb.idx(1), ValueRange{},
        [&](OpBuilder &nb, Location, Value r, ValueRange) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          SmallVector<SmallVector<std::array<Value, 4>>> x(pa);
          for (int64_t i = 0; i < pa; ++i)
            for (int64_t u = 0; u < loads; ++u)
              x[i].push_back(lhsWords(r, kb.idx(i), u));
          // Per plane pair: Σ popc(x_i ∧ w_j) over this lane's words; with an
          // epilogue the pairs are combined at once (Σ c_i·c_j·P_ij is linear,
          // and int32 wrapping commutes with the sums).
          for (int64_t c = 0; c < tiles; ++c) {
            SmallVector<Value> sums(terms, zero);
            for (int64_t i = 0; i < pa; ++i)
              for (int64_t j = 0; j < pb; ++j) {
                Value pair = zero;
                for (int64_t u = 0; u < loads; ++u)
                  for (int64_t e = 0; e < 4; ++e)
                    pair = kb.add(pair, LLVM::CtPopOp::create(
                                            b, loc, kb.andI(x[i][u][e], w[c][j][u][e])));
                if (epi)
                  sums[0] = kb.add(sums[0], kb.mul(pair, planePairCoefficient(*epi, i, j)));
                else
                  sums[i * pb + j] = pair;
              }
            for (int64_t term = 0; term < terms; ++term)
              storePartial(sums[term], term, r, c, g, {1, 2}, kb.eq(t, 0));
          }
          scf::YieldOp::create(b, loc);
        });
  }
  gpu::BarrierOp::create(b, loc);

  // One thread per (row, column) of the block: the warps' partial sums
  // (exact int32), then the epilogue, stored under m < M, n < N.
  scf::ForOp::create(
      b, loc, thread, kb.idx(outputs), kb.idx(warps * 32), ValueRange{},
      [&](OpBuilder &nb, Location, Value index, ValueRange) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        Value r, col;
        std::tie(r, col) = outputAt(index);
        Value row = kb.add(firstRow, r);
        Value inside = kb.andI(kb.ult(row, spec.m), kb.ult(col, spec.n));
        kb.ifThen(inside, [&] {
          SmallVector<Value> total(terms);
          for (int64_t term = 0; term < terms; ++term)
            for (int64_t part = 0; part < warps; ++part) {
              Value v = kb.load(partials, kb.add(index, (part * terms + term) * outputs));
              total[term] = part ? kb.add(total[term], v) : v;
            }
          Value element = kb.add(kb.mul(kb.add(kb.mul(batch, spec.m), row), spec.n), col);
          if (!epi) {
            for (int64_t term = 0; term < terms; ++term)
              kb.store(total[term], args.out,
                       kb.add(element, term * spec.batch * spec.m * spec.n));
            return;
          }
          Value xRow = kb.add(kb.mul(batch, spec.m), row);
          SideTerms x =
              quantizer
                  ? loadSide(kb, r, rows, pa, epi->lhsType, epi->k, quantized->popcounts,
                             epi->lhsScale, quantized->scale, epi->lhsZeroPoint,
                             quantized->zeroPoint)
                  : loadSide(kb, xRow, spec.batch * spec.m, pa, epi->lhsType, epi->k,
                             args.lhsPopcount, epi->lhsScale, args.lhsScale,
                             epi->lhsZeroPoint, args.lhsZeroPoint);
          SideTerms wt = earlyWeightSide ? *earlyWeightSide : weightSide(index);
          Value dot = kb.add(epilogueDotBase(kb, *epi, x, wt), total[0]);
          kb.store(finishEpilogue(kb, *epi, dot, x, wt), args.out, element);
        });
        scf::YieldOp::create(b, loc);
      });
  gpu::ReturnOp::create(b, loc);

  return {func, shape.grid(spec), {warps * 32, 1, 1}};
}

} // namespace

Kernel gpu_kernels::buildPlaneGemvKernel(OpBuilder &b, Location loc, StringRef name,
                                         const PlaneGemmSpec &spec,
                                         int64_t rowsPerBlock, GemvDot dot) {
  return buildGemv(b, loc, name, spec, rowsPerBlock, nullptr, dot);
}

Kernel gpu_kernels::buildQuantizingGemvKernel(OpBuilder &b, Location loc,
                                              StringRef name,
                                              const PlaneGemmSpec &spec,
                                              const QuantizePackSpec &lhsQuantizer,
                                              int64_t rowsPerBlock, GemvDot dot) {
  return buildGemv(b, loc, name, spec, rowsPerBlock, &lhsQuantizer, dot);
}
