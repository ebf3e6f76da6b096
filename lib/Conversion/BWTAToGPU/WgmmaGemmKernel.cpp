//===- WgmmaGemmKernel.cpp - the BWTA linear layer on wgmma (sm_90a) ------===//
//
// The structure measured best at large M on the H200 (bench/proto/
// FINDINGS.md, `wg_ss_128x128_bk1_s6_sw32`): a block of two warpgroups
// computes a 128×128 output tile; warpgroup w owns rows 64w..64w+63 with one
// m64n128 accumulator (64 int32 per thread). Per K tile of 256 bits, both
// activation planes p and q = ¬n are multiplied by the same weight tile
// into that one accumulator, straight from shared memory, which a 6-stage
// cp.async pipeline fills 4 K tiles ahead.
//
// Shared memory (dynamic; its base rounded up to 1 KiB):
//   slot s (12 KiB) at s·STAGE: A plane p [128 rows][32 B], A plane q, then
//     B [128 rows][32 B]; the 16-byte chunk c of row r is stored at
//     r·32 + ((c ^ (r >> 2 & 1)) << 4) (the 32-byte swizzle of the
//     descriptors: halves swapped in rows 4..7 of every 8);
//   after the slots, the epilogue parameters (xsum, sx per row; popc(b),
//     sw, bias per column), loaded once before the mainloop;
//   after the mainloop the slots hold the output tile, [128][128 + 8]
//     elements (the pad spreads the fragment writes over all banks).
//
//===----------------------------------------------------------------------===//
#include "PlaneGemmEpilogue.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;   // two warpgroups
constexpr int64_t kBlockM = 128;    // 64 rows per warpgroup
constexpr int64_t kBlockN = 128;    // wgmma n
constexpr int64_t kStages = 6;      // shared-memory slots
constexpr int64_t kAhead = 4;       // K tiles in flight (slots − 2: see the loop)
constexpr int64_t kRowBytes = 32;   // one K tile (256 bits) of a row
constexpr int64_t kPlaneBytes = kBlockM * kRowBytes;
constexpr int64_t kBOffset = 2 * kPlaneBytes;
constexpr int64_t kStageBytes = kBOffset + kBlockN * kRowBytes;
constexpr int64_t kTilePitch = kBlockN + 8; // output tile row, elements
constexpr int64_t kMainBytes =
    std::max(kStages * kStageBytes, kBlockM * kTilePitch * 4);
// Epilogue parameters, 4 bytes each: xsum, sx [128 rows]; bcnt, sw, bias
// [128 columns].
constexpr int64_t kXsum = kMainBytes, kSx = kXsum + 4 * kBlockM,
                  kBcnt = kSx + 4 * kBlockM, kSw = kBcnt + 4 * kBlockN,
                  kBias = kSw + 4 * kBlockN, kParamEnd = kBias + 4 * kBlockN;
constexpr int64_t kAlign = 1024; // the swizzle repeats every 256 B; slack for the base
constexpr int64_t kSharedBytes = kAlign + kParamEnd;

/// `wgmma.mma_async ... .b1.b1.and.popc` through inline PTX: MLIR 22's
/// nvvm.wgmma.mma_async accepts b1 operands but prints no `.and.popc`,
/// which ptxas rejects. Operands: $0..$63 the accumulators (tied to the
/// inputs $67..$130), $64/$65 the A/B descriptors, $66 = 1 (scale-d:
/// accumulate).
std::string wgmmaAsm() {
  std::string regs;
  for (int i = 0; i < kBlockN / 2; ++i)
    regs += (i ? ", $" : "$") + std::to_string(i);
  return llvm::formatv("{{\n.reg .pred p;\nsetp.ne.b32 p, $66, 0;\n"
                       "wgmma.mma_async.sync.aligned.m64n128k256.s32.b1.b1."
                       "and.popc {{{0}}, $64, $65, p;\n}\n",
                       regs)
      .str();
}

std::string wgmmaConstraints() {
  std::string c;
  for (int i = 0; i < kBlockN / 2; ++i)
    c += "=r,";
  c += "l,l,r";
  for (int i = 0; i < kBlockN / 2; ++i)
    c += "," + std::to_string(i);
  return c;
}

/// Address and pointer helpers of the kernel (shared memory by 32-bit
/// address, global memory through LLVM pointers).
struct WgmmaBuilder {
  KernelBuilder &kb;

  OpBuilder &b() { return kb.b; }
  Location loc() { return kb.loc; }
  Type i32() { return kb.b.getI32Type(); }
  Type i64() { return kb.b.getI64Type(); }
  Value c64(int64_t v) { return arith::ConstantIntOp::create(b(), loc(), i64(), v); }
  Value toI64(Value v) {
    if (v.getType().isIndex())
      return arith::IndexCastOp::create(b(), loc(), i64(), v);
    return arith::ExtUIOp::create(b(), loc(), i64(), v);
  }
  Value shl(Value x, int64_t s) {
    return arith::ShLIOp::create(b(), loc(), x, kb.i32(s));
  }
  Value shr(Value x, int64_t s) {
    return arith::ShRUIOp::create(b(), loc(), x, kb.i32(s));
  }
  Value andC(Value x, int64_t m) { return kb.andI(x, kb.i32(m)); }

  /// A global pointer to the data of a kernel argument.
  Value globalBase(Value memref) {
    Value address = toI64(memref::ExtractAlignedPointerAsIndexOp::create(b(), loc(), memref));
    Value generic = LLVM::IntToPtrOp::create(b(), loc(), LLVM::LLVMPointerType::get(b().getContext()),
                                             address);
    return LLVM::AddrSpaceCastOp::create(b(), loc(),
                                         LLVM::LLVMPointerType::get(b().getContext(), 1), generic);
  }
  Value byteOffset(Value base, Value offset) {
    return LLVM::GEPOp::create(b(), loc(), base.getType(), b().getI8Type(), base,
                               ValueRange{offset});
  }
  /// A shared-memory pointer from a 32-bit shared address.
  Value shared(Value address) {
    return LLVM::IntToPtrOp::create(b(), loc(), LLVM::LLVMPointerType::get(b().getContext(), 3),
                                    address);
  }
  Value loadShared(Type type, Value address, unsigned align = 4) {
    return LLVM::LoadOp::create(b(), loc(), type, shared(address), align);
  }
  void storeShared(Value value, Value address, unsigned align = 4) {
    LLVM::StoreOp::create(b(), loc(), value, shared(address), align);
  }
  /// Byte offset of the 16-byte chunk `c` of row `r` in a swizzled block.
  Value swizzle(Value r, Value c) {
    Value half = arith::XOrIOp::create(b(), loc(), c, andC(shr(r, 2), 1));
    return kb.add(kb.mul(r, kRowBytes), shl(half, 4));
  }
  /// The shared-memory matrix descriptor of a swizzled block at `address`:
  /// start address >> 4, LBO 1 (unused), SBO 256 B (8-row groups), 32-byte
  /// swizzle.
  Value descriptor(Value address) {
    Value start = arith::ShRUIOp::create(b(), loc(), toI64(andC(address, 0x3FFFF)), c64(4));
    int64_t fixed = (int64_t(1) << 16) | (int64_t(256 >> 4) << 32) |
                    int64_t(uint64_t(3) << 62);
    return arith::OrIOp::create(b(), loc(), start, c64(fixed));
  }
};

} // namespace

bool gpu_kernels::wgmmaGemmApplies(const PlaneGemmSpec &spec) {
  const std::optional<EpilogueSpec> &e = spec.epilogue;
  if (!e || spec.batch != 1 || spec.lhsPlanes != 2 || spec.rhsPlanes != 1)
    return false;
  // x = p − n (ternary) and w = 2b − 1 (binary): dot = 2(Ppb − Pnb) − Σx.
  QuantizedType x = e->lhsType, w = e->rhsType;
  if (x.getPlaneOffset() != 0 || x.getPlaneCoefficient(0) != 1 ||
      x.getPlaneCoefficient(1) != -1 || w.getPlaneOffset() != -1 ||
      w.getPlaneCoefficient(0) != 2)
    return false;
  return e->lhsScale == ParamKind::PerRow && e->rhsScale != ParamKind::None &&
         e->lhsZeroPoint == ParamKind::None && e->rhsZeroPoint == ParamKind::None &&
         (e->outType.isF16() || e->outType.isF32());
}

Kernel gpu_kernels::buildWgmmaGemmKernel(OpBuilder &b, Location loc,
                                         StringRef name,
                                         const PlaneGemmSpec &spec) {
  assert(wgmmaGemmApplies(spec) && "not a BWTA linear layer");
  const EpilogueSpec &epi = *spec.epilogue;
  gpu::GPUFuncOp func = createPlaneGemmFunc(b, loc, name, spec);
  // 256 threads, 2 blocks per SM: at most 128 registers (the prototype
  // needed 95).
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                b.getDenseI32ArrayAttr({int32_t(kThreads), 1, 1}));
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(), b.getI32IntegerAttr(2));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  WgmmaBuilder wb{kb};
  GemmArgs args = bindPlaneGemmArgs(func, spec);
  const int64_t m = spec.m, n = spec.n, kTiles = spec.kTiles();
  const int64_t lhsTiles = spec.lhsRowTiles(), rhsTiles = spec.rhsRowTiles();
  Type i32 = b.getI32Type(), f32 = b.getF32Type();

  Value tid = kb.indexToI32(kb.threadId());
  Value warp = wb.shr(tid, 5), lane = wb.andC(tid, 31);
  Value warpgroup = wb.shr(tid, 7);
  Value g = wb.shr(lane, 2), t = wb.andC(lane, 3);
  Value nBlock = kb.indexToI32(kb.blockId(gpu::Dimension::x));
  Value mBlock = kb.indexToI32(kb.blockId(gpu::Dimension::y));

  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value dynamic = gpu::DynamicSharedMemoryOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), MemRefLayoutAttrInterface{},
                              workgroup));
  Value raw = arith::IndexCastOp::create(
      b, loc, i32, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamic));
  Value base = wb.andC(kb.add(raw, kAlign - 1), -kAlign);

  // This thread's 16-byte chunks of a stage (ids tid, tid + 256 for A,
  // tid for B; consecutive threads read consecutive global bytes). A: plane
  // i, row tile `warp` of the block (clamped: rows past M only feed outputs
  // that are never stored), row (tid >> 1) & 15, chunk tid & 1. B: column
  // tile tid >> 4, row (tid >> 1) & 7.
  Value chunk = wb.andC(tid, 1);
  Value aRow = wb.andC(wb.shr(tid, 1), 15), bRow = wb.andC(wb.shr(tid, 1), 7);
  Value bTile = wb.shr(tid, 4);
  Value aTileRow = kb.minu(kb.add(kb.mul(mBlock, kBlockM / 16), warp), lhsTiles - 1);
  Value bTileRow = kb.minu(kb.add(kb.mul(nBlock, kBlockN / 8), bTile), rhsTiles - 1);
  Value lhsBase = wb.globalBase(args.lhs), rhsBase = wb.globalBase(args.rhs);
  Value aInRow = kb.add(kb.mul(aRow, kRowBytes), wb.shl(chunk, 4));
  Value bInRow = kb.add(kb.mul(bRow, kRowBytes), wb.shl(chunk, 4));
  SmallVector<Value> aSource; // byte offset at K tile 0, per plane
  for (int64_t plane = 0; plane < 2; ++plane)
    aSource.push_back(kb.add(kb.mul(wb.toI64(kb.add(aTileRow, plane * lhsTiles)),
                                    kTiles * 16 * kRowBytes),
                             wb.toI64(aInRow)));
  Value bSource =
      kb.add(kb.mul(wb.toI64(bTileRow), kTiles * 8 * kRowBytes), wb.toI64(bInRow));
  Value aDest = wb.swizzle(kb.add(kb.mul(warp, 16), aRow), chunk);
  Value bDest = kb.add(wb.swizzle(kb.add(kb.mul(bTile, 8), bRow), chunk), kb.i32(kBOffset));

  // Issues the copies of K tile `kt` (i32) into slot `slot` (i32).
  auto loadStage = [&](Value slot, Value kt) {
    Value slotBase = kb.add(base, kb.mul(slot, kStageBytes));
    Value kt64 = wb.toI64(kt);
    for (int64_t plane = 0; plane < 2; ++plane) {
      Value src = wb.byteOffset(lhsBase, kb.add(aSource[plane], kb.mul(kt64, 16 * kRowBytes)));
      Value dst = wb.shared(kb.add(slotBase, kb.add(aDest, kb.i32(plane * kPlaneBytes))));
      NVVM::CpAsyncOp::create(b, loc, dst, src, 16, NVVM::LoadCacheModifierKind::CG, Value());
    }
    Value src = wb.byteOffset(rhsBase, kb.add(bSource, kb.mul(kt64, 8 * kRowBytes)));
    Value dst = wb.shared(kb.add(slotBase, bDest));
    NVVM::CpAsyncOp::create(b, loc, dst, src, 16, NVVM::LoadCacheModifierKind::CG, Value());
  };
  // Prologue: K tiles 0..kAhead−1, one commit group each (empty past KT, so
  // that the wait counts below hold).
  for (int64_t s = 0; s < kAhead; ++s) {
    if (s < kTiles)
      loadStage(kb.i32(s), kb.i32(s));
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }

  // The epilogue parameters of the block's rows (threads 0..127) and
  // columns (128..255), clamped into range, staged in shared memory now:
  // loaded between the output stores they would serialize on global
  // memory (a load cannot pass a store that may alias).
  Value isRowThread = kb.ult(tid, kBlockM);
  auto param = [&](ParamKind kind, Value memref, Value index) {
    return kb.load(memref, kind == ParamKind::PerRow ? index : kb.idx(0));
  };
  auto ifOp = scf::IfOp::create(b, loc, isRowThread, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value row = arith::IndexCastOp::create(
        b, loc, b.getIndexType(), kb.minu(kb.add(kb.mul(mBlock, kBlockM), tid), m - 1));
    Value xsum = kb.sub(kb.load(args.lhsPopcount, row),
                        kb.load(args.lhsPopcount, kb.add(row, m)));
    Value at = kb.add(base, wb.shl(tid, 2));
    wb.storeShared(xsum, kb.add(at, kb.i32(kXsum)));
    wb.storeShared(param(epi.lhsScale, args.lhsScale, row), kb.add(at, kb.i32(kSx)));
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value i = kb.sub(tid, kb.i32(kBlockM));
    Value col = arith::IndexCastOp::create(
        b, loc, b.getIndexType(), kb.minu(kb.add(kb.mul(nBlock, kBlockN), i), n - 1));
    at = kb.add(base, wb.shl(i, 2));
    wb.storeShared(kb.load(args.rhsPopcount, col), kb.add(at, kb.i32(kBcnt)));
    wb.storeShared(param(epi.rhsScale, args.rhsScale, col), kb.add(at, kb.i32(kSw)));
    if (args.bias)
      wb.storeShared(kb.load(args.bias, col), kb.add(at, kb.i32(kBias)));
  }

  // Mainloop over the K tiles. Iteration it waits for tile it, then refills
  // slot (it + 4) % 6 = (it − 2) % 6: its last reader, the wgmma group of
  // it − 2, is complete, since every thread passed `wgmma.wait_group 1` of
  // iteration it − 1 before this iteration's barrier.
  Value descBase = wb.descriptor(base);
  auto descAt = [&](Value slot, Value offset) {
    Value bytes = kb.add(kb.mul(slot, kStageBytes), offset);
    return kb.add(descBase, wb.toI64(wb.shr(bytes, 4)));
  };
  Value aOffset = kb.mul(warpgroup, 64 * kRowBytes);
  auto accType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(kBlockN / 2, i32));
  std::string asmText = wgmmaAsm(), constraints = wgmmaConstraints();
  auto loop = scf::ForOp::create(
      b, loc, kb.i32(0), kb.i32(kTiles), kb.i32(1),
      SmallVector<Value>(kBlockN / 2, kb.i32(0)),
      [&](OpBuilder &nb, Location, Value it, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        NVVM::CpAsyncWaitGroupOp::create(b, loc, kAhead - 1);
        // cp.async writes through the generic proxy, wgmma reads through
        // the async proxy.
        NVVM::FenceProxyOp::create(
            b, loc, NVVM::ProxyKind::async_shared,
            NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
        gpu::BarrierOp::create(b, loc);
        Value next = kb.add(it, kb.i32(kAhead));
        kb.ifThen(kb.ult(next, kTiles), [&] { loadStage(kb.remu(next, kStages), next); });
        NVVM::CpAsyncCommitGroupOp::create(b, loc);

        Value slot = kb.remu(it, kStages);
        Value descB = descAt(slot, kb.i32(kBOffset));
        NVVM::WgmmaFenceAlignedOp::create(b, loc);
        SmallVector<Value> d(acc);
        for (int64_t plane = 0; plane < 2; ++plane) {
          Value descA = descAt(slot, kb.add(aOffset, kb.i32(plane * kPlaneBytes)));
          SmallVector<Value> operands{descA, descB, kb.i32(1)};
          operands.append(d);
          auto mma = LLVM::InlineAsmOp::create(
              b, loc, accType, operands, asmText, constraints,
              /*has_side_effects=*/true, /*is_align_stack=*/false,
              LLVM::tailcallkind::TailCallKind::None,
              LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
              /*operand_attrs=*/ArrayAttr());
          for (int64_t e = 0; e < kBlockN / 2; ++e)
            d[e] = LLVM::ExtractValueOp::create(b, loc, mma.getResult(0), e);
        }
        NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
        NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 1);
        scf::YieldOp::create(b, loc, d);
      });
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);
  gpu::BarrierOp::create(b, loc); // every warpgroup is done with the slots

  // Fragments to the output tile: d[4j + 2h + e] is row 64w + 16(warp % 4)
  // + g + 8h, column 8j + 2t + e.
  const bool half = epi.outType.isF16();
  const int64_t elementBytes = half ? 2 : 4;
  Value rowA = kb.add(kb.add(kb.mul(warpgroup, 64), kb.mul(wb.andC(warp, 3), 16)), g);
  SmallVector<Value> acc(loop.getResults());
  SideTerms rows[2];
  Value xsums[2];
  for (int64_t h = 0; h < 2; ++h) {
    Value at = kb.add(base, wb.shl(kb.add(rowA, kb.i32(8 * h)), 2));
    xsums[h] = wb.loadShared(i32, kb.add(at, kb.i32(kXsum)));
    rows[h].scale = wb.loadShared(f32, kb.add(at, kb.i32(kSx)));
  }
  for (int64_t j = 0; j < kBlockN / 8; ++j) {
    Value col = kb.add(kb.i32(8 * j), wb.shl(t, 1));
    Value at = kb.add(base, wb.shl(col, 2));
    SideTerms cols[2];
    Value bcnt[2];
    for (int64_t e = 0; e < 2; ++e) {
      Value ate = kb.add(at, kb.i32(4 * e));
      bcnt[e] = wb.loadShared(i32, kb.add(ate, kb.i32(kBcnt)));
      cols[e].scale = wb.loadShared(f32, kb.add(ate, kb.i32(kSw)));
      if (args.bias)
        cols[e].bias = wb.loadShared(f32, kb.add(ate, kb.i32(kBias)));
    }
    for (int64_t h = 0; h < 2; ++h) {
      Value y[2];
      for (int64_t e = 0; e < 2; ++e) {
        // docs/Semantics.md btc_epilogue with Ppb − Pnb = S − popc(b).
        Value s = acc[4 * j + 2 * h + e];
        Value dot = kb.sub(kb.mul(kb.sub(s, bcnt[e]), 2), xsums[h]);
        y[e] = finishEpilogue(kb, epi, dot, rows[h], cols[e]);
      }
      Value r = kb.add(rowA, kb.i32(8 * h));
      Value at = kb.add(base, kb.mul(kb.add(kb.mul(r, kTilePitch), col), elementBytes));
      if (half) {
        auto bits = [&](Value v) {
          Value i16 = arith::BitcastOp::create(b, loc, b.getI16Type(), v);
          return arith::ExtUIOp::create(b, loc, i32, i16).getResult();
        };
        Value pair = arith::OrIOp::create(b, loc, bits(y[0]), wb.shl(bits(y[1]), 16));
        wb.storeShared(pair, at);
      } else {
        wb.storeShared(y[0], at);
        wb.storeShared(y[1], kb.add(at, kb.i32(4)));
      }
    }
  }
  gpu::BarrierOp::create(b, loc);

  // The tile to global memory, 16 bytes per thread and step, rows of the
  // block in order; guarded by m < M and n < N. Rows of N elements are
  // 16-byte aligned only if N is a multiple of the chunk: else element by
  // element.
  const int64_t perChunk = 16 / elementBytes, chunksPerRow = kBlockN / perChunk;
  const bool vectorStores = n % perChunk == 0;
  Value outBase = wb.globalBase(args.out);
  Type elementInt = half ? b.getI16Type() : i32;
  for (int64_t step = 0; step < kBlockM * chunksPerRow / kThreads; ++step) {
    Value id = kb.add(tid, kb.i32(step * kThreads));
    Value r = kb.divu(id, chunksPerRow), c = kb.remu(id, chunksPerRow);
    Value row = kb.add(kb.mul(mBlock, kBlockM), r);
    Value col = kb.add(kb.mul(nBlock, kBlockN), kb.mul(c, perChunk));
    Value from = kb.add(base, kb.mul(kb.add(kb.mul(r, kTilePitch), kb.mul(c, perChunk)),
                                     elementBytes));
    Value element = wb.toI64(kb.add(kb.mul(row, n), col));
    kb.ifThen(kb.andI(kb.ult(row, m), kb.ult(col, n)), [&] {
      if (vectorStores) {
        auto v4 = VectorType::get({4}, i32);
        Value v = wb.loadShared(v4, from, 16);
        Value to = wb.byteOffset(outBase, kb.mul(element, elementBytes));
        LLVM::StoreOp::create(b, loc, v, to, 16);
        return;
      }
      for (int64_t e = 0; e < perChunk; ++e)
        kb.ifThen(kb.ult(kb.add(col, kb.i32(e)), n), [&] {
          Value v = wb.loadShared(elementInt, kb.add(from, kb.i32(e * elementBytes)),
                                  elementBytes);
          Value to = wb.byteOffset(outBase, kb.mul(kb.add(element, wb.c64(e)), elementBytes));
          LLVM::StoreOp::create(b, loc, v, to, elementBytes);
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
