//===- WgmmaInt8GemmKernel.cpp - the int8-path GEMM on wgmma (sm_90a) -----===//
//
// A block of two warpgroups computes a 128 × 256 output tile (one block per
// SM); warpgroup w owns rows 64w..64w+63 with one m64n256 int32
// accumulator (128 registers per thread), fed by `wgmma.mma_async
// m64n256k32 .s32.{u8|s8}.{u8|s8}` straight from shared memory. Every
// thread copies: a cp.async pipeline of 8 slots of 2 K tiles (64 bytes of
// every row), 6 ahead, one block barrier per slot. (128 × 128 tiles, two
// blocks per SM, measured slower on the H200 at every M ≥ 512 of
// bench/RESULTS.md, and their 128-register cap spills accumulators.)
//
// Shared memory (dynamic, base rounded up to 1 KiB):
//   slot s (24 KiB) at s·24 KiB: A [128 rows][64 B], then B [256 rows][64 B]; the
//     16-byte chunk c of row r at r·64 + ((c ^ (r >> 1 & 3)) << 4), the
//     64-byte swizzle of the descriptors (the global layout keeps its
//     32-byte K tiles: cp.async writes any layout);
//   after the slots, the epilogue parameters (Σx, zx, sx per row; Σw, zw,
//     sw, bias per column), staged before the mainloop;
//   after the mainloop the slots hold the output tile, [128][256 + 8]
//     elements (the pad spreads the fragment writes over all banks).
//
//===----------------------------------------------------------------------===//
#include "Int8Common.h"
#include "PlaneGemmEpilogue.h"
#include "WgmmaCommon.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;              // two warpgroups
constexpr int64_t kBlockM = 128;               // 64 rows per warpgroup
constexpr int64_t kBlockN = 256;               // wgmma n
constexpr int64_t kSlotTiles = 2;              // K tiles (32 B) per slot
constexpr int64_t kRowBytes = 32 * kSlotTiles; // = the swizzle width
constexpr int64_t kSlots = 8;                  // 192 KiB, one block per SM
constexpr int64_t kAhead = kSlots - 2;         // stages in flight (see the loop)
constexpr int64_t kSlotBytes = (kBlockM + kBlockN) * kRowBytes;
constexpr int64_t kBOffset = kBlockM * kRowBytes;
constexpr int64_t kPitch = kBlockN + 8; // output tile row, elements
constexpr int64_t kMainBytes = std::max(kSlots * kSlotBytes, kBlockM * kPitch * 4);
// Epilogue parameters, 4 bytes each: Σx, zx, sx [128 rows], then Σw, zw,
// sw, bias [256 columns].
constexpr int64_t kRowParams = kMainBytes;
constexpr int64_t kColParams = kRowParams + 3 * 4 * kBlockM;
constexpr int64_t kAlign = 1024; // ≥ the swizzle period (512 B)
constexpr int64_t kSharedBytes = kAlign + kColParams + 4 * 4 * kBlockN;

StringRef byteName(QuantizedType type) { return *int8LevelsSigned(type) ? "s8" : "u8"; }

} // namespace

Kernel gpu_kernels::buildWgmmaInt8GemmKernel(OpBuilder &b, Location loc,
                                             StringRef name,
                                             const Int8GemmSpec &spec) {
  const EpilogueSpec &epi = spec.epilogue;
  Int8GemmArgs args;
  gpu::GPUFuncOp func = createInt8GemmFunc(b, loc, name, spec, args);
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                b.getDenseI32ArrayAttr({int32_t(kThreads), 1, 1}));
  // One block per SM: up to 255 registers (64·256 accumulators take 128;
  // fewer spill, and a spilled in-flight accumulator is corrupted).
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(), b.getI32IntegerAttr(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  BytePointers p{kb};
  const int64_t m = spec.m, n = spec.n, kTiles = spec.kTiles();
  const int64_t lhsTiles = llvm::divideCeil(m, 16), rhsTiles = llvm::divideCeil(n, 8);
  const int64_t stages = llvm::divideCeil(kTiles, kSlotTiles);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();

  Value tid = p.toI32(kb.threadId());
  Value warp = p.shr(tid, 5), lane = p.bitAnd(tid, 31), warpgroup = p.shr(tid, 7);
  Value g = p.shr(lane, 2), t = p.bitAnd(lane, 3);
  Value nBlock = p.toI32(kb.blockId(gpu::Dimension::x));
  Value mBlock = p.toI32(kb.blockId(gpu::Dimension::y));
  Value base = p.dynamicShared(kAlign);
  Value lhsBase = kb.globalPointer(args.lhs), rhsBase = kb.globalPointer(args.rhs);

  // Offset of chunk `c` of slot row `r`: bits 4-5 of the address XOR bits
  // 7-8, the 64-byte swizzle.
  auto swizzled = [&](Value r, Value c) {
    Value bits = p.bitAnd(p.shr(r, 2 / kSlotTiles), 2 * kSlotTiles - 1);
    Value chunk = arith::XOrIOp::create(b, loc, c, bits);
    return kb.add(kb.mul(r, kRowBytes), p.shl(chunk, 4));
  };

  // This thread's 16-byte copies of a slot. Chunk q of an operand is chunk
  // q % (2·rows·kSlotTiles) of tile q / (...) in global order (the K tiles
  // of a row tile are contiguous), so consecutive threads read consecutive
  // bytes. Row tiles past the end are clamped (never stored).
  struct Copy {
    Value global, source, dest, tileInSlot; // source: i64 bytes at K tile 0
    int64_t tileBytes;                      // one K tile of the row tile
  };
  SmallVector<Copy> copies;
  auto addCopies = [&](Value global, int64_t tileRows, int64_t blockRows, Value block,
                       int64_t rowTiles, int64_t destOffset) {
    const int64_t tileChunks = tileRows * 2 * kSlotTiles;
    for (int64_t i = 0; i < blockRows * 2 * kSlotTiles / kThreads; ++i) {
      Value q = kb.add(tid, kb.i32(i * kThreads));
      Value within = p.bitAnd(q, tileChunks - 1);
      Value tileInBlock = p.shr(q, llvm::Log2_64(tileChunks));
      Value kt = p.shr(within, llvm::Log2_64(tileRows * 2));
      Value r = p.bitAnd(p.shr(within, 1), tileRows - 1), half = p.bitAnd(within, 1);
      Value tile = kb.minu(kb.add(kb.mul(block, blockRows / tileRows), tileInBlock),
                           rowTiles - 1);
      Value source = kb.add(kb.mul(p.toI64(tile), kTiles * tileRows * 32),
                            p.toI64(kb.add(kb.mul(r, 32), p.shl(half, 4))));
      Value row = kb.add(kb.mul(tileInBlock, tileRows), r);
      Value dest = kb.add(swizzled(row, kb.add(p.shl(kt, 1), half)), kb.i32(destOffset));
      copies.push_back({global, source, dest, kt, tileRows * 32});
    }
  };
  addCopies(lhsBase, 16, kBlockM, mBlock, lhsTiles, 0);
  addCopies(rhsBase, 8, kBlockN, nBlock, rhsTiles, kBOffset);

  // Issues the copies of stage `s` (i32) into slot `slot` (i32); K tiles
  // past the end are zero-filled (cp.async src-size 0).
  auto loadStage = [&](Value slot, Value s) {
    Value slotBase = kb.add(base, kb.mul(slot, kSlotBytes));
    for (const Copy &c : copies) {
      Value kt = kb.add(kb.mul(s, kSlotTiles), c.tileInSlot);
      Value size;
      if (kTiles % kSlotTiles) {
        size = kb.select(kb.ult(kt, kTiles), kb.i32(16), kb.i32(0));
        kt = kb.minu(kt, kTiles - 1);
      }
      Value src = kb.byteOffset(c.global, kb.add(c.source, kb.mul(p.toI64(kt), c.tileBytes)));
      NVVM::CpAsyncOp::create(b, loc, kb.sharedPointer(kb.add(slotBase, c.dest)), src, 16,
                              NVVM::LoadCacheModifierKind::CG, size);
    }
  };
  // Prologue: stages 0..kAhead−1, one commit group each (empty past the
  // end, so that the wait counts below hold).
  for (int64_t s = 0; s < kAhead; ++s) {
    if (s < stages)
      loadStage(kb.i32(s), kb.i32(s));
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }

  // The epilogue parameters of the block's rows (threads 0..127) and
  // columns (a thread each) at clamped indices, staged now: the mainloop's
  // barriers publish them.
  auto toIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v).getResult();
  };
  auto stage = [&](ParamKind kind, Value memref, Value index, Value at) {
    if (kind == ParamKind::None)
      return;
    p.store(kb.load(memref, kind == ParamKind::PerRow ? index : kb.idx(0)), kb.sharedPointer(at), 4);
  };
  const ParamKind lhsSums = spec.lhsSums() ? ParamKind::PerRow : ParamKind::None;
  const ParamKind rhsSums = spec.rhsSums() ? ParamKind::PerRow : ParamKind::None;
  kb.ifThen(kb.ult(tid, kBlockM), [&] {
    Value row = toIndex(kb.minu(kb.add(kb.mul(mBlock, kBlockM), tid), m - 1));
    Value at = kb.add(base, kb.add(p.shl(tid, 2), kb.i32(kRowParams)));
    stage(lhsSums, args.lhsSums, row, at);
    stage(epi.lhsZeroPoint, args.lhsZeroPoint, row, kb.add(at, kb.i32(4 * kBlockM)));
    stage(epi.lhsScale, args.lhsScale, row, kb.add(at, kb.i32(8 * kBlockM)));
  });
  static_assert(kBlockN == kThreads, "a column per thread");
  Value col = toIndex(kb.minu(kb.add(kb.mul(nBlock, kBlockN), tid), n - 1));
  Value colAt = kb.add(base, kb.add(p.shl(tid, 2), kb.i32(kColParams)));
  stage(rhsSums, args.rhsSums, col, colAt);
  stage(epi.rhsZeroPoint, args.rhsZeroPoint, col, kb.add(colAt, kb.i32(4 * kBlockN)));
  stage(epi.rhsScale, args.rhsScale, col, kb.add(colAt, kb.i32(8 * kBlockN)));
  stage(epi.bias ? ParamKind::PerRow : ParamKind::None, args.bias, col,
        kb.add(colAt, kb.i32(12 * kBlockN)));

  // Mainloop over the stages. Iteration s waits for stage s, then refills
  // slot (s + kAhead) % slots = (s − 2) % slots: its last reader, the wgmma
  // group of s − 2, is complete, since every thread passed `wgmma.wait_group
  // 1` of iteration s − 1 before this iteration's barrier.
  Value descBase = wgmmaDescriptor(kb, base, kRowBytes);
  auto descAt = [&](Value bytes) { // bytes past base, a multiple of 16
    return kb.add(descBase, p.toI64(p.shr(bytes, 4)));
  };
  Value aOffset = kb.mul(warpgroup, 64 * kRowBytes);
  std::string instruction =
      llvm::formatv("wgmma.mma_async.sync.aligned.m64n{0}k32.s32.{1}.{2}", kBlockN,
                    byteName(epi.lhsType), byteName(epi.rhsType))
          .str();
  auto loop = scf::ForOp::create(
      b, loc, kb.i32(0), kb.i32(stages), kb.i32(1),
      SmallVector<Value>(kBlockN / 2, kb.i32(0)),
      [&](OpBuilder &nb, Location, Value s, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        NVVM::CpAsyncWaitGroupOp::create(b, loc, kAhead - 1);
        // cp.async writes through the generic proxy, wgmma reads through
        // the async proxy.
        NVVM::FenceProxyOp::create(
            b, loc, NVVM::ProxyKind::async_shared,
            NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
        gpu::BarrierOp::create(b, loc);
        Value next = kb.add(s, kb.i32(kAhead));
        kb.ifThen(kb.ult(next, stages), [&] { loadStage(kb.remu(next, kSlots), next); });
        NVVM::CpAsyncCommitGroupOp::create(b, loc);

        Value slot = kb.mul(kb.remu(s, kSlots), kSlotBytes);
        NVVM::WgmmaFenceAlignedOp::create(b, loc);
        SmallVector<Value> d(acc);
        for (int64_t kt = 0; kt < kSlotTiles; ++kt) {
          Value descA = descAt(kb.add(kb.add(slot, aOffset), kb.i32(32 * kt)));
          Value descB = descAt(kb.add(slot, kb.i32(kBOffset + 32 * kt)));
          d = wgmmaAsync(kb, instruction, d, descA, descB);
        }
        NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
        NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 1);
        scf::YieldOp::create(b, loc, d);
      });
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  gpu::BarrierOp::create(b, loc); // every warpgroup is done with the slots

  // Fragments to the output tile: d[4j + 2h + e] is row 64w + 16(warp % 4)
  // + g + 8h, column 8j + 2t + e. The epilogue is int8_linear's
  // (finishEpilogue on the same terms), so the bits are the same.
  const bool half = epi.outType.isF16();
  const int64_t elementBytes = half ? 2 : 4;
  auto loadShared = [&](ParamKind kind, Type type, Value at) -> Value {
    if (kind == ParamKind::None)
      return {};
    return p.load(type, kb.sharedPointer(at), 4);
  };
  Value rowA = kb.add(kb.add(kb.mul(warpgroup, 64), kb.mul(p.bitAnd(warp, 3), 16)), g);
  SideTerms rows[2];
  for (int64_t h = 0; h < 2; ++h) {
    Value at = kb.add(base, kb.add(p.shl(kb.add(rowA, kb.i32(8 * h)), 2),
                                   kb.i32(kRowParams)));
    rows[h] = {loadShared(lhsSums, i32, at),
               loadShared(epi.lhsZeroPoint, i32, kb.add(at, kb.i32(4 * kBlockM))),
               loadShared(epi.lhsScale, f32, kb.add(at, kb.i32(8 * kBlockM))), Value()};
  }
  SmallVector<Value> acc(loop.getResults());
  for (int64_t j = 0; j < kBlockN / 8; ++j) {
    Value col = kb.add(kb.i32(8 * j), p.shl(t, 1));
    SideTerms cols[2];
    for (int64_t e = 0; e < 2; ++e) {
      Value at = kb.add(base, kb.add(p.shl(kb.add(col, kb.i32(e)), 2),
                                     kb.i32(kColParams)));
      cols[e] = {loadShared(rhsSums, i32, at),
                 loadShared(epi.rhsZeroPoint, i32, kb.add(at, kb.i32(4 * kBlockN))),
                 loadShared(epi.rhsScale, f32, kb.add(at, kb.i32(8 * kBlockN))),
                 loadShared(epi.bias ? ParamKind::PerRow : ParamKind::None, f32,
                            kb.add(at, kb.i32(12 * kBlockN)))};
    }
    for (int64_t h = 0; h < 2; ++h) {
      Value y[2];
      for (int64_t e = 0; e < 2; ++e)
        y[e] = finishEpilogue(kb, epi, acc[4 * j + 2 * h + e], rows[h], cols[e]);
      Value r = kb.add(rowA, kb.i32(8 * h));
      Value at = kb.add(base, kb.mul(kb.add(kb.mul(r, kPitch), col), elementBytes));
      if (half) {
        auto bits = [&](Value v) {
          Value i16 = arith::BitcastOp::create(b, loc, b.getI16Type(), v);
          return arith::ExtUIOp::create(b, loc, i32, i16).getResult();
        };
        p.store(p.bitOr(bits(y[0]), p.shl(bits(y[1]), 16)), kb.sharedPointer(at), 4);
      } else {
        Value pair = LLVM::UndefOp::create(b, loc, VectorType::get({2}, f32));
        for (int64_t e = 0; e < 2; ++e)
          pair = LLVM::InsertElementOp::create(b, loc, pair, y[e],
                                               kb.i32(e));
        p.store(pair, kb.sharedPointer(at), 8);
      }
    }
  }
  gpu::BarrierOp::create(b, loc);

  // The tile to global memory, 16 bytes per thread and step, rows of the
  // block in order, under m < M and n < N; element by element where rows
  // of N elements are not 16-byte aligned.
  const int64_t perChunk = 16 / elementBytes, chunksPerRow = kBlockN / perChunk;
  const bool vectorStores = n % perChunk == 0;
  Value outBase = kb.globalPointer(args.out);
  Type elementInt = half ? b.getI16Type() : i32;
  for (int64_t step = 0; step < kBlockM * chunksPerRow / kThreads; ++step) {
    Value id = kb.add(tid, kb.i32(step * kThreads));
    Value r = kb.divu(id, chunksPerRow), c = kb.remu(id, chunksPerRow);
    Value row = kb.add(kb.mul(mBlock, kBlockM), r);
    Value col = kb.add(kb.mul(nBlock, kBlockN), kb.mul(c, perChunk));
    Value from = kb.add(base, kb.mul(kb.add(kb.mul(r, kPitch), kb.mul(c, perChunk)),
                                     elementBytes));
    Value element = kb.add(kb.mul(p.toI64(row), n), p.toI64(col));
    kb.ifThen(kb.andI(kb.ult(row, m), kb.ult(col, n)), [&] {
      if (vectorStores) {
        Value v = p.load(VectorType::get({4}, i32), kb.sharedPointer(from), 16);
        p.store(v, kb.byteOffset(outBase, kb.mul(element, elementBytes)), 16);
        return;
      }
      for (int64_t e = 0; e < perChunk; ++e)
        kb.ifThen(kb.ult(kb.add(col, kb.i32(e)), n), [&] {
          Value v = p.load(elementInt, kb.sharedPointer(kb.add(from, kb.i32(e * elementBytes))),
                           elementBytes);
          Value offset = kb.mul(kb.add(element, p.toI64(kb.i32(e))), elementBytes);
          p.store(v, kb.byteOffset(outBase, offset), elementBytes);
        });
    });
  }
  gpu::ReturnOp::create(b, loc);

  Kernel kernel{func,
                {llvm::divideCeilSigned(n, kBlockN), llvm::divideCeilSigned(m, kBlockM), 1},
                {kThreads, 1, 1}};
  kernel.dynamicSharedBytes = kSharedBytes;
  return kernel;
}
