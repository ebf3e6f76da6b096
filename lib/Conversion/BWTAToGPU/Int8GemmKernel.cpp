//===- Int8GemmKernel.cpp - int8-path GEMM on mma.sync m16n8k32 -----------===//
//
// A block of 8 warps (2 × 4) computes a 128 × 128 output tile; warp (wm,
// wn) owns rows 64wm.., columns 32wn.. as 4 × 4 m16n8 tiles. An m16n8k32
// s8/u8 fragment maps its registers like an m16n8k256 b1 one (word t and
// t + 4 of a 32-byte row), so the int8 layout is the b1 kernels' geometry
// with bytes for bits.
//
// Shared memory (dynamic, base rounded up to 256 B): kStages slots of
// kStageTiles K tiles, each [128 lhs rows][32 B] then [128 rhs rows][32
// B], with the 32-byte swizzle (Int8Common.h) that makes the ldmatrix
// phases conflict-free. A cp.async pipeline keeps kStages − 1 slots in
// flight; K tiles past the end are zero-filled (cp.async src-size 0).
//
//===----------------------------------------------------------------------===//
#include "Int8Common.h"
#include "Kernels.h"
#include "PlaneGemmEpilogue.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kBlockM = 128, kBlockN = 128;
constexpr int64_t kWarpTilesM = 4, kWarpTilesN = 4; // m16 × n8 tiles per warp
constexpr int64_t kStageTiles = 2;                  // K tiles (32 B) per slot
constexpr int64_t kStages = 4;
constexpr int64_t kTileBytes = 128 * 32; // one K tile of 128 rows
constexpr int64_t kBOffset = kStageTiles * kTileBytes;
constexpr int64_t kSlotBytes = 2 * kStageTiles * kTileBytes;
constexpr int64_t kAlign = 256; // the swizzle's period
constexpr int64_t kSharedBytes = kStages * kSlotBytes + kAlign;

NVVM::MMATypes byteType(QuantizedType type) {
  return *int8LevelsSigned(type) ? NVVM::MMATypes::s8 : NVVM::MMATypes::u8;
}

} // namespace

gpu::GPUFuncOp gpu_kernels::createInt8GemmFunc(OpBuilder &b, Location loc,
                                               StringRef name,
                                               const Int8GemmSpec &spec,
                                               Int8GemmArgs &a) {
  const EpilogueSpec &e = spec.epilogue;
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
  auto vec = [](int64_t size, Type type) { return MemRefType::get({size}, type); };
  auto size = [](ParamKind kind, int64_t rows) { return kind == ParamKind::PerRow ? rows : 1; };
  SmallVector<Type> args{vec(spec.lhsBytes(), i8), vec(spec.rhsBytes(), i8),
                         vec(spec.m, f32), vec(size(e.rhsScale, spec.n), f32)};
  if (e.lhsZeroPoint != ParamKind::None)
    args.push_back(vec(spec.m, i32));
  if (e.rhsZeroPoint != ParamKind::None)
    args.push_back(vec(size(e.rhsZeroPoint, spec.n), i32));
  if (spec.lhsSums())
    args.push_back(vec(spec.m, i32));
  if (spec.rhsSums())
    args.push_back(vec(spec.n, i32));
  if (e.bias)
    args.push_back(vec(spec.n, f32));
  args.push_back(vec(spec.m * spec.n, e.outType));
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  unsigned next = 0;
  auto arg = [&] { return func.getArgument(next++); };
  a.lhs = arg();
  a.rhs = arg();
  a.lhsScale = arg();
  a.rhsScale = arg();
  if (e.lhsZeroPoint != ParamKind::None)
    a.lhsZeroPoint = arg();
  if (e.rhsZeroPoint != ParamKind::None)
    a.rhsZeroPoint = arg();
  if (spec.lhsSums())
    a.lhsSums = arg();
  if (spec.rhsSums())
    a.rhsSums = arg();
  if (e.bias)
    a.bias = arg();
  a.out = arg();
  return func;
}

Kernel gpu_kernels::buildInt8GemmKernel(OpBuilder &b, Location loc,
                                        StringRef name,
                                        const Int8GemmSpec &spec) {
  const EpilogueSpec &epi = spec.epilogue;
  Int8GemmArgs args;
  gpu::GPUFuncOp func = createInt8GemmFunc(b, loc, name, spec, args);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  BytePointers p{kb};
  const int64_t m = spec.m, n = spec.n, kTiles = spec.kTiles();
  const int64_t lhsTiles = llvm::divideCeil(m, 16), rhsTiles = llvm::divideCeil(n, 8);
  const int64_t stages = llvm::divideCeil(kTiles, kStageTiles);
  Type i32 = b.getI32Type();

  Value tid = p.toI32(kb.threadId());
  Value warp = p.shr(tid, 5), lane = p.bitAnd(tid, 31);
  Value warpM = p.shr(warp, 2), warpN = p.bitAnd(warp, 3);
  Value g = p.shr(lane, 2), t = p.bitAnd(lane, 3);
  Value nBlock = p.toI32(kb.blockId(gpu::Dimension::x));
  Value mBlock = p.toI32(kb.blockId(gpu::Dimension::y));
  Value base = p.dynamicShared(kAlign);
  Value lhsBase = kb.globalPointer(args.lhs), rhsBase = kb.globalPointer(args.rhs);

  // The copies of a slot: 512 16-byte chunks per operand, 2 per thread;
  // consecutive chunk ids are consecutive global bytes (the K tiles of a
  // row tile are contiguous). Row tiles past the end are clamped (their
  // results are never stored).
  struct Copy {
    Value source; // byte offset at K tile 0 (i64)
    Value dest;   // shared offset in the slot (i32)
  };
  SmallVector<Copy> lhsCopies, rhsCopies;
  SmallVector<Value> lhsTile, rhsTile; // K tile within the slot
  for (int64_t i = 0; i < 2; ++i) {
    Value q = kb.add(tid, kb.i32(i * kThreads)), half = p.bitAnd(q, 1);
    // lhs: row tile q / 64, K tile (q / 32) % 2, row (q / 2) % 16.
    Value tile = kb.minu(kb.add(kb.mul(mBlock, kBlockM / 16), p.shr(q, 6)), lhsTiles - 1);
    Value kt = p.bitAnd(p.shr(q, 5), 1), r = p.bitAnd(p.shr(q, 1), 15);
    Value source = kb.add(kb.mul(p.toI64(tile), kTiles * 512),
                          p.toI64(kb.add(kb.mul(r, 32), p.shl(half, 4))));
    Value dest = kb.add(kb.mul(kt, kTileBytes),
                        p.swizzle32(kb.add(kb.mul(p.shr(q, 6), 16), r), half));
    lhsCopies.push_back({source, dest});
    lhsTile.push_back(kt);
    // rhs: column tile q / 32, K tile (q / 16) % 2, row (q / 2) % 8.
    tile = kb.minu(kb.add(kb.mul(nBlock, kBlockN / 8), p.shr(q, 5)), rhsTiles - 1);
    kt = p.bitAnd(p.shr(q, 4), 1);
    r = p.bitAnd(p.shr(q, 1), 7);
    source = kb.add(kb.mul(p.toI64(tile), kTiles * 256),
                    p.toI64(kb.add(kb.mul(r, 32), p.shl(half, 4))));
    dest = kb.add(kb.add(kb.mul(kt, kTileBytes), kb.i32(kBOffset)),
                  p.swizzle32(kb.add(kb.mul(p.shr(q, 5), 8), r), half));
    rhsCopies.push_back({source, dest});
    rhsTile.push_back(kt);
  }
  // Issues the copies of stage `s` (i32) into slot `slot` (i32).
  auto loadStage = [&](Value slot, Value s) {
    Value slotBase = kb.add(base, kb.mul(slot, kSlotBytes));
    auto copy = [&](Value global, const Copy &c, Value tileInSlot, int64_t tileBytes) {
      Value kt = kb.add(kb.mul(s, kStageTiles), tileInSlot);
      Value size;
      if (kTiles % kStageTiles) { // zero-fill the K tiles past the end
        size = kb.select(kb.ult(kt, kTiles), kb.i32(16), kb.i32(0));
        kt = kb.minu(kt, kTiles - 1);
      }
      Value src = kb.byteOffset(global, kb.add(c.source, kb.mul(p.toI64(kt), tileBytes)));
      NVVM::CpAsyncOp::create(b, loc, kb.sharedPointer(kb.add(slotBase, c.dest)), src, 16,
                              NVVM::LoadCacheModifierKind::CG, size);
    };
    for (int64_t i = 0; i < 2; ++i) {
      copy(lhsBase, lhsCopies[i], lhsTile[i], 512);
      copy(rhsBase, rhsCopies[i], rhsTile[i], 256);
    }
  };
  for (int64_t s = 0; s < kStages - 1; ++s) {
    if (s < stages)
      loadStage(kb.i32(s), kb.i32(s));
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }

  // ldmatrix addresses of this lane (matrix l / 8, its row l % 8): lhs
  // matrices (rows 0-7, bytes 0-15), (8-15, 0-15), (0-7, 16-31), (8-15,
  // 16-31) of an m16 tile are a0..a3; rhs (columns 0-7, bytes 0-15), (0-7,
  // 16-31), (8-15, 0-15), (8-15, 16-31) of two n8 tiles are b0, b1 of each.
  // Tiles start at multiples of 8 rows, so the swizzle is the lane's own.
  Value mi = p.shr(lane, 3), rr = p.bitAnd(lane, 7);
  Value aRow = kb.add(kb.add(kb.mul(warpM, 64), rr), p.shl(p.bitAnd(mi, 1), 3));
  Value aLane = p.swizzle32(aRow, p.shr(mi, 1));
  Value bRow = kb.add(kb.add(kb.mul(warpN, 32), rr), p.shl(p.shr(mi, 1), 3));
  Value bLane = kb.add(p.swizzle32(bRow, p.bitAnd(mi, 1)), kb.i32(kBOffset));

  auto ldmatrix = [&](Value address) {
    auto type = LLVM::LLVMStructType::getLiteral(b.getContext(), SmallVector<Type>(4, i32));
    Value x4 = NVVM::LdMatrixOp::create(
        b, loc, type, kb.sharedPointer(address), 4, NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8), NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> regs;
    for (int64_t r = 0; r < 4; ++r)
      regs.push_back(LLVM::ExtractValueOp::create(b, loc, x4, r));
    return regs;
  };
  const int64_t numAcc = kWarpTilesM * kWarpTilesN * 4;
  auto accIndex = [&](int64_t i, int64_t j, int64_t e) { return (i * kWarpTilesN + j) * 4 + e; };
  auto resultType = LLVM::LLVMStructType::getLiteral(b.getContext(), SmallVector<Type>(4, i32));
  std::array<NVVM::MMATypes, 2> types{byteType(epi.lhsType), byteType(epi.rhsType)};

  // Iteration s waits for stage s, then refills the slot of stage s − 1,
  // which every warp finished reading before this iteration's barrier.
  auto loop = scf::ForOp::create(
      b, loc, kb.i32(0), kb.i32(stages), kb.i32(1), SmallVector<Value>(numAcc, kb.i32(0)),
      [&](OpBuilder &nb, Location, Value s, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        NVVM::CpAsyncWaitGroupOp::create(b, loc, kStages - 2);
        gpu::BarrierOp::create(b, loc);
        Value ahead = kb.add(s, kb.i32(kStages - 1));
        kb.ifThen(kb.ult(ahead, stages), [&] { loadStage(kb.remu(ahead, kStages), ahead); });
        NVVM::CpAsyncCommitGroupOp::create(b, loc);

        Value slotBase = kb.add(base, kb.mul(kb.remu(s, kStages), kSlotBytes));
        SmallVector<Value> d(acc);
        for (int64_t kt = 0; kt < kStageTiles; ++kt) {
          Value tileBase = kb.add(slotBase, kb.i32(kt * kTileBytes));
          SmallVector<SmallVector<Value>> a, bf;
          for (int64_t i = 0; i < kWarpTilesM; ++i)
            a.push_back(ldmatrix(kb.add(tileBase, kb.add(aLane, kb.i32(i * 16 * 32)))));
          for (int64_t j = 0; j < kWarpTilesN; j += 2) {
            SmallVector<Value> pair =
                ldmatrix(kb.add(tileBase, kb.add(bLane, kb.i32(j * 8 * 32))));
            bf.push_back({pair[0], pair[1]});
            bf.push_back({pair[2], pair[3]});
          }
          for (int64_t i = 0; i < kWarpTilesM; ++i)
            for (int64_t j = 0; j < kWarpTilesN; ++j) {
              ValueRange c4 = ValueRange(d).slice(accIndex(i, j, 0), 4);
              Value r = NVVM::MmaOp::create(
                  b, loc, resultType, a[i], bf[j], c4, ArrayRef<int64_t>{16, 8, 32},
                  std::nullopt, NVVM::MMAIntOverflow::wrapped, types,
                  std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
              SmallVector<Value> updated;
              for (int64_t e = 0; e < 4; ++e)
                updated.push_back(LLVM::ExtractValueOp::create(b, loc, r, e));
              for (int64_t e = 0; e < 4; ++e)
                d[accIndex(i, j, e)] = updated[e];
            }
        }
        scf::YieldOp::create(b, loc, d);
      });
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);

  // Epilogue: c0, c1 of a tile at row g, columns 2t, 2t + 1; c2, c3 at row
  // g + 8. Parameters are read at clamped indices; stores are guarded.
  auto param = [&](ParamKind kind, Value memref, Value index) -> Value {
    if (kind == ParamKind::None)
      return {};
    return kb.load(memref, kind == ParamKind::PerRow ? index : kb.idx(0));
  };
  auto toIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v).getResult();
  };
  Value row0 = kb.add(kb.add(kb.mul(mBlock, kBlockM), kb.mul(warpM, 64)), g);
  Value col0 = kb.add(kb.add(kb.mul(nBlock, kBlockN), kb.mul(warpN, 32)), p.shl(t, 1));
  SmallVector<Value> rows, cols;
  SmallVector<SideTerms> rowTerms, colTerms;
  for (int64_t i = 0; i < kWarpTilesM; ++i)
    for (int64_t h = 0; h < 2; ++h) {
      Value row = kb.add(row0, kb.i32(16 * i + 8 * h));
      Value at = toIndex(kb.minu(row, m - 1));
      rows.push_back(row);
      rowTerms.push_back({spec.lhsSums() ? kb.load(args.lhsSums, at) : Value(),
                          param(epi.lhsZeroPoint, args.lhsZeroPoint, at),
                          kb.load(args.lhsScale, at), Value()});
    }
  for (int64_t j = 0; j < kWarpTilesN; ++j)
    for (int64_t e = 0; e < 2; ++e) {
      Value col = kb.add(col0, kb.i32(8 * j + e));
      Value at = toIndex(kb.minu(col, n - 1));
      cols.push_back(col);
      colTerms.push_back({spec.rhsSums() ? kb.load(args.rhsSums, at) : Value(),
                          param(epi.rhsZeroPoint, args.rhsZeroPoint, at),
                          param(epi.rhsScale, args.rhsScale, at),
                          epi.bias ? kb.load(args.bias, at) : Value()});
    }
  SmallVector<Value> acc(loop.getResults());
  for (int64_t i = 0; i < kWarpTilesM; ++i)
    for (int64_t j = 0; j < kWarpTilesN; ++j)
      for (int64_t e = 0; e < 4; ++e) {
        int64_t r = i * 2 + e / 2, c = j * 2 + e % 2;
        Value inside = kb.andI(kb.ult(rows[r], m), kb.ult(cols[c], n));
        kb.ifThen(inside, [&] {
          Value y = finishEpilogue(kb, epi, acc[accIndex(i, j, e)], rowTerms[r], colTerms[c]);
          Value element = kb.add(kb.mul(p.toI64(rows[r]), n), p.toI64(cols[c]));
          kb.store(y, args.out, toIndex(element));
        });
      }
  gpu::ReturnOp::create(b, loc);

  Kernel kernel{func,
                {llvm::divideCeilSigned(n, kBlockN), llvm::divideCeilSigned(m, kBlockM), 1},
                {kThreads, 1, 1}};
  kernel.dynamicSharedBytes = kSharedBytes;
  return kernel;
}
