//===- WgmmaGemmKernel.cpp - the BWTA linear layer on wgmma (sm_90a) ------===//
//
// Structures measured on the H200 (bench/proto/FINDINGS.md, bench/
// RESULTS.md): a block of two consumer warpgroups computes a 128 × BN
// output tile, warpgroup w rows 64w..64w+63 with one m64nBN accumulator;
// or (ping-pong) each warpgroup a 128 × 128 tile of its own with two. Per K
// tile of 256 bits, both activation planes p and q = ¬n are multiplied by
// the same weight tile into the row half's accumulator, straight from
// shared memory.
//
// Both operands arrive in wgmma tiles: the activation quantizer writes p, q
// as [⌈M/128⌉][KT][2][128][32 B] (QuantizePackSpec::wgmmaTiles) and the
// weights are derived at compile time as [⌈N/256⌉][KT][256][32 B]
// (`b1_wgmma_tiles`), both already 32-byte swizzled, so a stage is two
// bulk copies (cp.async.bulk ... mbarrier::complete_tx) issued by one
// thread, as in the int8 path's GEMM (WgmmaInt8GemmKernel.cpp); no thread
// spends issue slots or registers on copies.
//   pipelined (BN = 128): thread 0 keeps S slots S − 2 K tiles ahead,
//     full[slot] mbarriers, a block barrier per K tile; S = 6 with 2 blocks
//     per SM, up to 16 where the grid has one block per SM;
//   specialized (persistent; a producer warp fills the slots, the
//     consumers give them back through empty[slot] mbarriers; the grid
//     walks the tiles, so the producer fills the next tile's slots while
//     the consumers finish this one, the epilogue parameters load during
//     the mainloop, and the output rows leave through bulk async copies
//     (cp.async.bulk) that drain while the next tile runs):
//     ping-pong (the default from 64 tiles, M > 128): one block per SM, each
//       consumer warpgroup computes whole 128 × 128 tiles of its own (two
//       m64 wgmmas per plane), the two taking turns on the tensor pipe
//       (turn[w] mbarriers), so one's epilogue runs during the other's
//       mainloop; 12 slots (7 for f32 outputs);
//     cooperative (wgmma-pingpong=false): both warpgroups on one tile,
//       BN = 128 with 2 blocks per SM and 6 slots, or BN = 256 with 1
//       block per SM and 8 slots (5 for f32 outputs).
// Both wait for the previous kernel (griddepcontrol.wait) only after the
// first stages' weight copies are issued; or, overlapped with their
// quantizer (wgmma-overlap, RowBlockSignals.h), poll each row block's
// signal before copying it and wait for the previous kernel at their end. What bounds them (H200,
// bench/RESULTS.md sessions 7-8): not the fills alone; with ping-pong the
// tensor pipe is 58-70 % busy (M = 2048-8192 at N = K = 4096), and the
// mainloops alone reach only ~70 % of the compute-only rate at M = 2048.
//
// Shared memory (dynamic; its base rounded up to 1 KiB):
//   slot s at s·STAGE: A plane p [128 rows][32 B], A plane q, then
//     B [BN rows][32 B]; the 16-byte chunk c of row r is stored at
//     r·32 + ((c ^ (r >> 2 & 1)) << 4) (the 32-byte swizzle of the
//     descriptors: halves swapped in rows 4..7 of every 8);
//   the output tile, [128][BN + 8] elements (the pad spreads the fragment
//     writes over all banks): pipelined, in the slots after the mainloop;
//     specialized, a buffer of its own after the slots (ping-pong: one
//     per warpgroup, each followed by its parameters);
//   then the epilogue parameters (xsum, sx per row; popc(b), sw, bias per
//     column; pipelined: loaded before the mainloop; specialized: loaded
//     into registers at the start of a tile, stored after its mainloop),
//     then the mbarriers full[slots] (and, specialized, empty[slots];
//     ping-pong, turn[2]).
//
//===----------------------------------------------------------------------===//
#include "PlaneGemmEpilogue.h"
#include "RowBlockSignals.h"
#include "WgmmaCommon.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kConsumers = 256; // two warpgroups
constexpr int64_t kBlockM = 128;    // 64 rows per warpgroup
constexpr int64_t kRowBytes = 32;   // one K tile (256 bits) of a row
constexpr int64_t kPlaneBytes = kBlockM * kRowBytes;
constexpr int64_t kBOffset = 2 * kPlaneBytes;
constexpr int64_t kABytes = kBOffset;         // one A stage: both planes
constexpr int64_t kBBlockRows = 256;          // rows of a weight tile block
constexpr int64_t kAlign = 1024; // the swizzle repeats every 256 B; slack for the base
// Where the specialized kernel wins in whole layers (H200, bench/RESULTS.md
// 2026-11-23): with 128 × 128 tiles from 512 of them (M = 2048 at N = 4096:
// 3-5 % faster; 128-344 tiles, M = 512, 2-9 % slower); with 128 × 256
// tiles from about 7 rounds (bench/proto/FINDINGS.md, "Port").
constexpr int64_t kMinSpecializedTiles128 = 512;
// Ping-pong from 64 tiles and two row blocks (H200, bench/RESULTS.md
// session 8: against the pipelined kernel 0 to −8 % at M = 256-1024, 64-256
// tiles, even where a block has one tile and a warpgroup idles; M ≤ 128,
// one row block, stays pipelined with its deeper slots: not measured).
constexpr int64_t kMinPingpongTiles = 64;
constexpr int64_t kMinPingpongRowTiles = 2;
constexpr int64_t kMinSpecializedRounds256 = 7; // (tiles per SM)
constexpr int64_t kMaxShared = 232448; // 227 KiB: sm_90's dynamic shared memory per block
constexpr int64_t kMaxSharedPerSm = 233472; // 228 KiB per SM (1 KiB per block reserved)

struct Config {
  int64_t blockN;       // wgmma n = columns per block
  int64_t stages;       // shared-memory slots
  bool specialized;     // a producer warp, persistent (else thread 0 copies)
  int64_t elementBytes; // of the output (specialized: its own tile buffer)
  int64_t blocksPerSm = 2;
  // Ping-pong (specialized, one block per SM): each consumer warpgroup
  // computes whole 128 × blockN tiles of its own (two m64 wgmmas per plane),
  // the two alternating on the tensor pipe, so that one's epilogue runs
  // during the other's mainloop; each has its own output tile and
  // parameters (an epilogue area).
  bool pingpong = false;

  int64_t threads() const { return kConsumers + (specialized ? 32 : 0); }
  int64_t bBytes() const { return blockN * kRowBytes; }
  int64_t stageBytes() const { return kBOffset + bBytes(); }
  int64_t tilePitch() const { return blockN + 8; } // output tile row, elements
  int64_t tileBytes() const { return kBlockM * tilePitch() * elementBytes; }
  // Epilogue parameters, 4 bytes each (stageRowParams,
  // stageColumnParams): −xsum, sx [128 rows]; −2·popc(b), sw, bias [blockN
  // columns, in columnSlot order].
  int64_t paramBytes() const { return 4 * (2 * kBlockM + 3 * blockN); }
  int64_t areas() const { return pingpong ? 2 : 1; }
  // Pipelined: the output tile reuses the slots. Specialized: the producer
  // fills the slots with the next tile's K tiles while the consumers store
  // this one, so the output tile follows the slots. Offsets below are those
  // of the first epilogue area; area a is areaBytes() · a further.
  int64_t tile() const { return specialized ? stages * stageBytes() : 0; }
  int64_t mainBytes() const {
    if (specialized)
      return tile() + tileBytes();
    return std::max(stages * stageBytes(), kBlockM * tilePitch() * 4);
  }
  int64_t areaBytes() const { return tileBytes() + paramBytes(); }
  int64_t negXsum() const { return mainBytes(); }
  int64_t sx() const { return negXsum() + 4 * kBlockM; }
  int64_t negCount() const { return sx() + 4 * kBlockM; }
  int64_t sw() const { return negCount() + 4 * blockN; }
  int64_t bias() const { return sw() + 4 * blockN; }
  // 8-byte mbarriers: full[stages], empty[stages] (specialized), turn[2]
  // (ping-pong: warpgroup w may issue its mainloop once turn[w] completes).
  int64_t full() const { return bias() + 4 * blockN + (areas() - 1) * areaBytes(); }
  int64_t empty() const { return full() + 8 * stages; }
  int64_t turn() const { return empty() + 8 * stages; }
  int64_t sharedBytes() const {
    return kAlign + (pingpong ? turn() + 16 : specialized ? turn() : empty());
  }
};
/// 128 × 128 tiles; 6 slots where two blocks share an SM, else as many as
/// fit (up to 16): with one block per SM (M ≤ 512 at N = 4096) the loop
/// waits on DRAM latency, and more stages keep more bytes in flight.
Config pipelinedConfig(int64_t tiles, int64_t sms) {
  Config c{128, 6, false, 4};
  if (tiles <= sms)
    while (c.stages < 16 && Config{128, c.stages + 1, false, 4}.sharedBytes() <= kMaxShared)
      ++c.stages;
  return c;
}
/// 128 × 256 tiles and one block per SM, or 128 × 128 tiles and two; one
/// producer warp; as many slots (up to 8) as fit beside the output tile.
/// nullopt where fewer than 4 fit (128 × 128 tiles with f32 outputs).
/// Shared memory a block of a kernel with one block per SM may take beside
/// another block of `beside` bytes (each block also holds 1 KiB).
int64_t sharedLimit(int64_t beside) {
  return beside ? std::min(kMaxShared, kMaxSharedPerSm - 2048 - beside) : kMaxShared;
}
std::optional<Config> specializedConfig(int64_t blockN, int64_t elementBytes, int64_t beside) {
  Config c{blockN, 8, true, elementBytes, blockN == 256 ? 1 : 2};
  const int64_t limit = c.blocksPerSm == 1 ? sharedLimit(beside) : kMaxSharedPerSm / 2 - 1024;
  while (c.sharedBytes() > limit)
    --c.stages;
  if (c.stages < 4)
    return std::nullopt;
  return c;
}
/// Ping-pong: 128 × 128 tiles per warpgroup, one block per SM, as many
/// slots (up to 16; 12 with f16 outputs, 7 with f32) as fit beside both
/// epilogue areas.
std::optional<Config> pingpongConfig(int64_t elementBytes, int64_t beside) {
  Config c{128, 16, true, elementBytes, 1, true};
  while (c.stages > 0 && c.sharedBytes() > sharedLimit(beside))
    --c.stages;
  if (c.stages < 2)
    return std::nullopt;
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

  Value loadShared(Type type, Value address, unsigned align = 4) {
    return LLVM::LoadOp::create(b(), loc(), type, kb.sharedPointer(address), align);
  }
  void storeShared(Value value, Value address, unsigned align = 4) {
    LLVM::StoreOp::create(b(), loc(), value, kb.sharedPointer(address), align);
  }
  /// Inline PTX without results (WgmmaCommon.h: the mbarrier operations'
  /// NVVM ops print other spellings across LLVM versions).
  void ptx(StringRef text, ValueRange operands, StringRef constraints) {
    ptxStatement(kb, text, operands, constraints);
  }
  void mbarrierWait(Value address, Value parity) { mbarrierWaitParity(kb, address, parity); }
};

} // namespace

bool gpu_kernels::wgmmaGemmApplies(const PlaneGemmSpec &spec) {
  const std::optional<EpilogueSpec> &e = spec.epilogue;
  if (!e || spec.batch != 1 || spec.lhsPlanes != 2 || spec.rhsPlanes != 1 || !spec.rhsIsWeight)
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

int64_t gpu_kernels::wgmmaGemmLhsWords(const PlaneGemmSpec &spec) {
  return llvm::divideCeil(spec.m, kBlockM) * spec.kTiles() * kABytes / 4;
}

int64_t gpu_kernels::wgmmaGemmRhsWords(const PlaneGemmSpec &spec) {
  return llvm::divideCeil(spec.n, kBBlockRows) * spec.kTiles() * kBBlockRows * kRowBytes / 4;
}

Kernel gpu_kernels::buildWgmmaGemmKernel(OpBuilder &b, Location loc,
                                         StringRef name,
                                         const PlaneGemmSpec &spec,
                                         const WgmmaGemmOptions &options) {
  assert(wgmmaGemmApplies(spec) && "not a BWTA linear layer");
  const EpilogueSpec &epi = *spec.epilogue;
  const int64_t m = spec.m, n = spec.n, kTiles = spec.kTiles();
  const bool half = epi.outType.isF16();
  const int64_t elementBytes = half ? 2 : 4;
  const int64_t tilesM = llvm::divideCeilSigned(m, kBlockM);
  const int64_t specializedWidth = options.specializedN == 256 ? 256 : 128;
  const bool pingpong = options.pingpong && specializedWidth == 128;
  const int64_t minTiles = options.specializedMinTiles >= 0 ? options.specializedMinTiles
                           : pingpong                       ? kMinPingpongTiles
                           : specializedWidth == 128        ? kMinSpecializedTiles128
                                            : kMinSpecializedRounds256 * options.smCount;
  std::optional<Config> specializedCfg;
  const bool defaultRows =
      !pingpong || options.specializedMinTiles >= 0 || tilesM >= kMinPingpongRowTiles;
  if (options.specialized && defaultRows &&
      tilesM * llvm::divideCeilSigned(n, specializedWidth) >= minTiles)
    specializedCfg = pingpong ? pingpongConfig(elementBytes, options.sharedBeside)
                              : specializedConfig(specializedWidth, elementBytes,
                                                  options.sharedBeside);
  const Config cfg = specializedCfg ? *specializedCfg
                                    : pipelinedConfig(tilesM * llvm::divideCeilSigned(n, int64_t(128)),
                                                      options.smCount);
  const int64_t blockN = cfg.blockN, stages = cfg.stages;
  const int64_t tilesN = llvm::divideCeilSigned(n, blockN), tiles = tilesM * tilesN;
  // Specialized: a persistent grid of one (two) blocks per SM; block c
  // computes tiles c, c + grid, ... (n fastest, the order of the pipelined
  // grid).
  const int64_t grid = std::min(tiles, options.smCount * cfg.blocksPerSm);
  gpu::GPUFuncOp func = createPlaneGemmFunc(b, loc, name, spec);
  // The operands in wgmma tiles: whole 128-row and 256-row blocks.
  SmallVector<Type> inputs(func.getArgumentTypes());
  inputs[0] = MemRefType::get({wgmmaGemmLhsWords(spec)}, b.getI32Type());
  inputs[1] = MemRefType::get({wgmmaGemmRhsWords(spec)}, b.getI32Type());
  func.setType(FunctionType::get(b.getContext(), inputs, {}));
  for (unsigned i = 0; i < 2; ++i)
    func.getArgument(i).setType(inputs[i]);
  // Overlapped with the quantizer: its row-block signals last.
  if (options.rowSignals) {
    inputs.push_back(MemRefType::get({tilesM + 1}, b.getI32Type()));
    func.getBody().front().addArgument(inputs.back(), loc);
    func.setType(FunctionType::get(b.getContext(), inputs, {}));
  }
  // Pipelined: 2 blocks per SM, at most 128 registers (the prototype needed
  // 93). Specialized: 288 threads, blocksPerSm blocks per SM.
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                b.getDenseI32ArrayAttr({int32_t(cfg.threads()), 1, 1}));
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                b.getI32IntegerAttr(cfg.blocksPerSm));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  WgmmaBuilder wb{kb};
  GemmArgs args = bindPlaneGemmArgs(func, spec);
  Type i32 = b.getI32Type(), f32 = b.getF32Type();

  Value tid = kb.indexToI32(kb.threadId());
  Value warp = wb.shr(tid, 5), lane = wb.andC(tid, 31);
  Value warpgroup = wb.shr(tid, 7);
  Value g = wb.shr(lane, 2), t = wb.andC(lane, 3);

  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value dynamic = gpu::DynamicSharedMemoryOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), MemRefLayoutAttrInterface{},
                              workgroup));
  Value raw = arith::IndexCastOp::create(
      b, loc, i32, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, dynamic));
  Value base = wb.andC(kb.add(raw, kAlign - 1), -kAlign);

  // Stages, issued by one thread: arm(slot) expects the stage's bytes on
  // full[slot]; copyA / copyB move K tile `kt` of the row / column block
  // (wgmma tiles: A rows mBlock·128.., B rows nBlock·BN.. of their 256-row
  // block) into the slot, completing on full[slot].
  Value lhsBase = kb.globalPointer(args.lhs), rhsBase = kb.globalPointer(args.rhs);
  Value fullBars = kb.add(base, kb.i32(cfg.full()));
  auto fullBar = [&](Value slot) { return kb.add(fullBars, wb.shl(slot, 3)); };
  auto slotAt = [&](Value slot) { return kb.add(base, kb.mul(slot, cfg.stageBytes())); };
  auto bulkCopy = [&](Value dest, Value source, int64_t bytes, Value slot) {
    bulkCopyToShared(kb, dest, source, kb.i32(bytes), fullBar(slot));
  };
  auto arm = [&](Value slot) {
    mbarrierArriveExpectTx(kb, fullBar(slot), kb.i32(cfg.stageBytes()));
  };
  auto copyA = [&](Value slot, Value kt, Value mBlock) {
    Value chunk = kb.add(kb.mul(mBlock, kTiles), kt);
    bulkCopy(slotAt(slot), kb.byteOffset(lhsBase, kb.mul(wb.toI64(chunk), kABytes)), kABytes,
             slot);
  };
  auto copyB = [&](Value slot, Value kt, Value nBlock) {
    Value row = kb.mul(nBlock, blockN);
    Value chunk = kb.add(kb.mul(wb.shr(row, 8), kTiles), kt);
    Value bytes = kb.add(kb.mul(wb.toI64(chunk), kBBlockRows * kRowBytes),
                         wb.toI64(kb.mul(wb.andC(row, kBBlockRows - 1), kRowBytes)));
    bulkCopy(kb.add(slotAt(slot), kb.i32(kBOffset)), kb.byteOffset(rhsBase, bytes),
             cfg.bBytes(), slot);
  };
  // Full (and empty) mbarriers initialized; then the first `ahead` stages
  // of the block's first tile (block `first`): their weight copies before
  // the wait for the previous kernel, which writes the activations.
  Value emptyBars = kb.add(base, kb.i32(cfg.empty()));
  // Ping-pong: the producer fills the slots in tile order, so the
  // warpgroups' turns make the mainloops alternate on the tensor pipe.
  PingpongTurns turns{kb, cfg.pingpong ? kb.add(base, kb.i32(cfg.turn())) : Value()};
  kb.ifThen(kb.eq(tid, 0), [&] {
    for (int64_t s = 0; s < stages; ++s) {
      mbarrierInit(kb, kb.add(fullBars, kb.i32(8 * s)), 1);
      if (cfg.specialized) // released by the warps of its consumer warpgroup(s)
        mbarrierInit(kb, kb.add(emptyBars, kb.i32(8 * s)), (cfg.pingpong ? 128 : kConsumers) / 32);
    }
    if (cfg.pingpong)
      turns.init();
    wb.ptx("fence.mbarrier_init.release.cluster;", {}, "~{memory}");
  });
  gpu::BarrierOp::create(b, loc);
  const int64_t ahead = std::min(kTiles, cfg.specialized ? stages : stages - 2);
  Value firstM, firstN;
  if (cfg.specialized) {
    Value block = kb.indexToI32(kb.blockId(gpu::Dimension::x));
    firstM = kb.divu(block, tilesN);
    firstN = kb.remu(block, tilesN);
  } else {
    firstN = kb.indexToI32(kb.blockId(gpu::Dimension::x));
    firstM = kb.indexToI32(kb.blockId(gpu::Dimension::y));
  }
  Value issuer = kb.eq(tid, cfg.specialized ? kConsumers : 0);
  kb.ifThen(issuer, [&] {
    for (int64_t s = 0; s < ahead; ++s) {
      arm(kb.i32(s));
      copyB(kb.i32(s), kb.i32(s), firstN);
    }
  });
  // The activations: once the previous kernel (the quantizer) is complete,
  // or, overlapped with it, once the row block is signalled complete (by
  // the copying thread; pipelined, by every thread, which all read the
  // block's row parameters next).
  Value ready = options.rowSignals ? kb.globalPointer(func.getArguments().back()) : Value();
  auto waitRows = [&](Value mBlock) {
    acquireAtLeast(kb, kb.byteOffset(ready, wb.toI64(kb.mul(mBlock, 4))), kb.i32(kBlockM));
  };
  if (!options.rowSignals)
    kb.waitForPredecessor();
  else if (!cfg.specialized)
    waitRows(firstM);
  kb.ifThen(issuer, [&] {
    if (options.rowSignals && cfg.specialized)
      waitRows(firstM);
    for (int64_t s = 0; s < ahead; ++s)
      copyA(kb.i32(s), kb.i32(s), firstM);
  });
  // Overlapped: the signals back to zero by the last block done with them;
  // then the wait for the previous kernel, so that the kernels after this
  // one find every kernel before it complete.
  auto finish = [&](int64_t blocks) {
    if (!options.rowSignals)
      return;
    gpu::BarrierOp::create(b, loc);
    kb.ifThen(kb.eq(tid, 0), [&] { finishRowSignals(kb, ready, tilesM, blocks); });
    kb.waitForPredecessor();
  };
  auto param = [&](ParamKind kind, Value memref, Value index) {
    return kb.load(memref, kind == ParamKind::PerRow ? index : kb.idx(0));
  };

  Value descBase = wgmmaDescriptor(kb, base, kRowBytes);
  auto descAt = [&](Value slot, Value offset) {
    Value bytes = kb.add(kb.mul(slot, cfg.stageBytes()), offset);
    return kb.add(descBase, wb.toI64(wb.shr(bytes, 4)));
  };
  // Ping-pong: both 64-row halves of the tile (two m64 wgmmas per plane and
  // two accumulators); else the warpgroup's half.
  const int64_t halves = cfg.pingpong ? 2 : 1, accPerHalf = blockN / 2;
  Value aOffset = cfg.pingpong ? kb.i32(0) : kb.mul(warpgroup, 64 * kRowBytes);
  // MLIR 22's nvvm.wgmma.mma_async accepts b1 operands but prints no
  // `.and.popc`, which ptxas rejects: inline PTX (wgmmaAsync).
  std::string instruction =
      llvm::formatv("wgmma.mma_async.sync.aligned.m64n{0}k256.s32.b1.b1.and.popc", blockN).str();
  // The wgmmas of one K tile `kt` in slot `slot`: planes p and q times the
  // same weight tile, into one accumulator per 64-row half. Ping-pong: the
  // accumulators start undefined and plane p of K tile 0 overwrites them
  // (scale-d = 0): zeros moved into two accumulators between the wgmmas of a K tile
  // made ptxas insert a warpgroup.wait there.
  auto multiply = [&](Value slot, Value kt, ValueRange acc) {
    Value scaleD;
    if (cfg.pingpong)
      scaleD = arith::ExtUIOp::create(b, loc, i32, kb.cmp(arith::CmpIPredicate::ne, kt, kb.i32(0)));
    Value descB = descAt(slot, kb.i32(kBOffset));
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    SmallVector<Value> d(acc);
    for (int64_t half = 0; half < halves; ++half) {
      SmallVector<Value> part(d.begin() + half * accPerHalf,
                              d.begin() + (half + 1) * accPerHalf);
      for (int64_t plane = 0; plane < 2; ++plane) {
        Value offset = kb.add(aOffset, kb.i32(half * 64 * kRowBytes + plane * kPlaneBytes));
        part = wgmmaAsync(kb, instruction, part, descAt(slot, offset), descB,
                          plane == 0 ? scaleD : Value());
      }
      llvm::copy(part, d.begin() + half * accPerHalf);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 1);
    return d;
  };
  auto zeros = [&] {
    Value init = cfg.pingpong ? LLVM::UndefOp::create(b, loc, i32).getResult() : kb.i32(0);
    return SmallVector<Value>(halves * accPerHalf, init);
  };
  // The output tile is written through the generic proxy and read by the
  // bulk stores through the async proxy.
  auto proxyFence = [&] {
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
  };

  // Fragments to the output tile (consumers): d[64·half + 4j + 2h + e] is
  // row 64·half + 16(warp % 4) + g + 8h (not ping-pong: 64w + …, half 0),
  // column 8j + 2t + e. The staged parameters are −xsum per row and
  // −2·popc(b) per column, so dot = 2S − 2·popc(b) − xsum is one add per
  // output (and one per row and column pair); the column parameters lie in
  // the order of columnSlot, so a thread's four columns of j-pair jp
  // (8j + 2t + e, j = 2jp, 2jp + 1) are one 16-byte load.
  EpilogueSpec epiF32 = epi;
  epiF32.outType = f32;
  auto storeFragments = [&](Value base, ArrayRef<Value> acc) {
    Value tileBase = cfg.tile() ? kb.add(base, kb.i32(cfg.tile())) : base;
    Value rowA = kb.add(kb.mul(wb.andC(warp, 3), 16), g);
    if (!cfg.pingpong)
      rowA = kb.add(rowA, kb.mul(warpgroup, 64));
    // Row r = 2·half + h: row rowA + 64·half + 8h.
    SmallVector<SideTerms> rows(2 * halves);
    SmallVector<Value> negXsums(2 * halves), rowIndex(2 * halves);
    for (int64_t r = 0; r < 2 * halves; ++r) {
      rowIndex[r] = kb.add(rowA, kb.i32(64 * (r / 2) + 8 * (r % 2)));
      Value at = kb.add(base, wb.shl(rowIndex[r], 2));
      negXsums[r] = wb.loadShared(i32, kb.add(at, kb.i32(cfg.negXsum())));
      rows[r].scale = wb.loadShared(f32, kb.add(at, kb.i32(cfg.sx())));
    }
    for (int64_t jp = 0; jp < blockN / 16; ++jp) {
      Value at = kb.add(base, kb.add(kb.i32(64 * jp), wb.shl(t, 4)));
      auto quad = [&](Type type, int64_t offset, Value (&out)[4]) {
        Value v = wb.loadShared(VectorType::get({4}, type), kb.add(at, kb.i32(offset)), 16);
        for (int64_t q = 0; q < 4; ++q)
          out[q] = LLVM::ExtractElementOp::create(b, loc, v, kb.i32(q));
      };
      Value negCounts[4], scales[4], biases[4];
      quad(i32, cfg.negCount(), negCounts);
      quad(f32, cfg.sw(), scales);
      if (args.bias)
        quad(f32, cfg.bias(), biases);
      for (int64_t jj = 0; jj < 2; ++jj) {
        const int64_t j = 2 * jp + jj;
        Value col = kb.add(kb.i32(8 * j), wb.shl(t, 1));
        SideTerms cols[2];
        for (int64_t e = 0; e < 2; ++e) {
          cols[e].scale = scales[2 * jj + e];
          if (args.bias)
            cols[e].bias = biases[2 * jj + e];
        }
        for (int64_t rr = 0; rr < 2 * halves; ++rr) {
          Value y[2];
          for (int64_t e = 0; e < 2; ++e) {
            // docs/Semantics.md btc_epilogue with Ppb − Pnb = S − popc(b).
            Value s = acc[accPerHalf * (rr / 2) + 4 * j + 2 * (rr % 2) + e];
            Value dot = kb.add(kb.add(s, s), kb.add(negCounts[2 * jj + e], negXsums[rr]));
            y[e] = finishEpilogue(kb, epiF32, dot, rows[rr], cols[e]);
          }
          Value r = rowIndex[rr];
          Value at =
              kb.add(tileBase, kb.mul(kb.add(kb.mul(r, cfg.tilePitch()), col), elementBytes));
          if (half) {
            // One cvt.rn.f16x2.f32 for the pair.
            auto v2f32 = VectorType::get({2}, f32);
            Value v = LLVM::UndefOp::create(b, loc, v2f32);
            for (int64_t e = 0; e < 2; ++e)
              v = LLVM::InsertElementOp::create(b, loc, v, y[e], kb.i32(e));
            Value h2 = LLVM::FPTruncOp::create(b, loc, VectorType::get({2}, b.getF16Type()), v);
            wb.storeShared(LLVM::BitcastOp::create(b, loc, i32, h2), at);
          } else {
            wb.storeShared(y[0], at);
            wb.storeShared(y[1], kb.add(at, kb.i32(4)));
          }
        }
      }
    }
  };
  // Where column `col` of a block's parameters is staged (4-byte units):
  // col = 8j + 2t + e goes to 16·(j / 2) + 4t + 2·(j % 2) + e.
  auto columnSlot = [&](Value col) {
    Value pair = wb.andC(col, -16);
    Value lane = wb.shl(wb.andC(wb.shr(col, 1), 3), 2);
    Value odd = wb.shl(wb.andC(wb.shr(col, 3), 1), 1);
    return kb.add(kb.add(pair, lane), kb.add(odd, wb.andC(col, 1)));
  };
  // The parameters of the tile's row `index` (popcounts of p and n, sx) and
  // column `index` (popc(b), sw, bias or null), as storeFragments reads
  // them, into the epilogue area at `base`.
  auto stageRowParams = [&](Value base, Value index, Value popP, Value popN, Value sx) {
    Value at = kb.add(base, wb.shl(index, 2));
    wb.storeShared(kb.sub(popN, popP), kb.add(at, kb.i32(cfg.negXsum())));
    wb.storeShared(sx, kb.add(at, kb.i32(cfg.sx())));
  };
  auto stageColumnParams = [&](Value base, Value index, Value popB, Value sw, Value bias) {
    Value at = kb.add(base, wb.shl(columnSlot(index), 2));
    wb.storeShared(kb.mul(popB, -2), kb.add(at, kb.i32(cfg.negCount())));
    wb.storeShared(sw, kb.add(at, kb.i32(cfg.sw())));
    if (bias)
      wb.storeShared(bias, kb.add(at, kb.i32(cfg.bias())));
  };
  // The tile to global memory by the consumers, 16 bytes per thread and
  // step, rows of the block in order; guarded by m < M and n < N. Rows of N
  // elements are 16-byte aligned only if N is a multiple of the chunk: else
  // element by element.
  const int64_t perChunk = 16 / elementBytes, chunksPerRow = blockN / perChunk;
  const bool vectorStores = n % perChunk == 0;
  // Specialized: rows leave through per-row bulk copies (cp.async.bulk)
  // where they are 16-byte aligned (with ping-pong as fast as coalesced
  // 16-byte stores of the tile, bench/RESULTS.md session 8).
  const bool bulkStores = vectorStores && cfg.specialized;
  Value outBase = kb.globalPointer(args.out);
  Type elementInt = half ? b.getI16Type() : i32;
  // By `threads` threads (`self` this one's index; a multiple of
  // chunksPerRow): thread `self` stores chunk self % chunksPerRow of rows
  // self / chunksPerRow + step · (threads / chunksPerRow), so only the row
  // and constant offsets change between steps.
  auto storeTile = [&](Value base, Value mBlock, Value nBlock, Value self, int64_t threads) {
    assert(threads % chunksPerRow == 0 && "whole rows per step");
    const int64_t rowsPerStep = threads / chunksPerRow;
    Value tileBase = cfg.tile() ? kb.add(base, kb.i32(cfg.tile())) : base;
    Value r0 = kb.divu(self, chunksPerRow), c = kb.remu(self, chunksPerRow);
    Value row0 = kb.add(kb.mul(mBlock, kBlockM), r0);
    Value col = kb.add(kb.mul(nBlock, blockN), kb.mul(c, perChunk));
    Value from0 = kb.add(tileBase, kb.mul(kb.add(kb.mul(r0, cfg.tilePitch()), kb.mul(c, perChunk)),
                                          elementBytes));
    Value element0 = wb.toI64(kb.add(kb.mul(row0, n), col));
    Value inColumns = kb.ult(col, n);
    for (int64_t step = 0; step < kBlockM / rowsPerStep; ++step) {
      Value row = kb.add(row0, kb.i32(step * rowsPerStep));
      Value from = kb.add(from0, kb.i32(step * rowsPerStep * cfg.tilePitch() * elementBytes));
      Value element = kb.add(element0, wb.c64(step * rowsPerStep * n));
      kb.ifThen(kb.andI(kb.ult(row, m), inColumns), [&] {
        if (vectorStores) {
          auto v4 = VectorType::get({4}, i32);
          Value v = wb.loadShared(v4, from, 16);
          Value to = kb.byteOffset(outBase, kb.mul(element, elementBytes));
          LLVM::StoreOp::create(b, loc, v, to, 16);
          return;
        }
        for (int64_t e = 0; e < perChunk; ++e)
          kb.ifThen(kb.ult(kb.add(col, kb.i32(e)), n), [&] {
            Value v = wb.loadShared(elementInt, kb.add(from, kb.i32(e * elementBytes)),
                                    elementBytes);
            Value to = kb.byteOffset(outBase, kb.mul(kb.add(element, wb.c64(e)), elementBytes));
            LLVM::StoreOp::create(b, loc, v, to, elementBytes);
          });
      });
    }
  };

  if (!cfg.specialized) {
    Value nBlock = firstN, mBlock = firstM;
    // The epilogue parameters of the block's rows (threads 0..127) and
    // columns (the next blockN threads), clamped into range, staged in
    // shared memory now: loaded between the output stores they would
    // serialize on global memory (a load cannot pass a store that may
    // alias).
    Value isRowThread = kb.ult(tid, kBlockM);
    auto ifOp = scf::IfOp::create(b, loc, isRowThread, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value row = arith::IndexCastOp::create(
          b, loc, b.getIndexType(), kb.minu(kb.add(kb.mul(mBlock, kBlockM), tid), m - 1));
      stageRowParams(base, tid, kb.load(args.lhsPopcount, row),
                     kb.load(args.lhsPopcount, kb.add(row, m)),
                     param(epi.lhsScale, args.lhsScale, row));
      b.setInsertionPointToStart(ifOp.elseBlock());
      Value i = kb.sub(tid, kb.i32(kBlockM));
      Value col = arith::IndexCastOp::create(
          b, loc, b.getIndexType(), kb.minu(kb.add(kb.mul(nBlock, blockN), i), n - 1));
      stageColumnParams(base, i, kb.load(args.rhsPopcount, col),
                        param(epi.rhsScale, args.rhsScale, col),
                        args.bias ? kb.load(args.bias, col) : Value());
    }
    // Iteration it waits for tile it (slot it % S, phase it / S), then
    // thread 0 refills slot (it + S − 2) % S = (it − 2) % S: its last reader,
    // the wgmma group of it − 2, is complete, since every thread passed
    // `wgmma.wait_group 1` of iteration it − 1 before this iteration's
    // barrier.
    auto loop = scf::ForOp::create(
        b, loc, kb.i32(0), kb.i32(kTiles), kb.i32(1), zeros(),
        [&](OpBuilder &nb, Location, Value it, ValueRange iterAcc) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          Value slot = kb.remu(it, stages);
          wb.mbarrierWait(fullBar(slot), wb.andC(kb.divu(it, stages), 1));
          gpu::BarrierOp::create(b, loc);
          Value next = kb.add(it, kb.i32(ahead));
          kb.ifThen(kb.andI(issuer, kb.ult(next, kTiles)), [&] {
            Value nextSlot = kb.remu(next, stages);
            arm(nextSlot);
            copyA(nextSlot, next, mBlock);
            copyB(nextSlot, next, nBlock);
          });
          scf::YieldOp::create(b, loc, multiply(slot, it, iterAcc));
        });
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    SmallVector<Value> acc(loop.getResults().begin(), loop.getResults().end());
    gpu::BarrierOp::create(b, loc); // every warpgroup is done with the slots
    storeFragments(base, acc);
    gpu::BarrierOp::create(b, loc);
    storeTile(base, mBlock, nBlock, tid, kConsumers);
    finish(tilesN * tilesM);
    gpu::ReturnOp::create(b, loc);
    Kernel kernel{func, {tilesN, tilesM, 1}, {cfg.threads(), 1, 1}};
    kernel.dynamicSharedBytes = cfg.sharedBytes();
    return kernel;
  }

  // Specialized. Full and empty mbarrier per slot; the block's K tiles are
  // numbered across its output tiles (u = i·KT + kt for its i-th tile), so
  // the producer runs ahead into the next output tile while the consumers
  // finish this one: K tile u fills slot u % S in its (u / S)-th round;
  // full[slot] completes its phase of that parity when the stage's bytes
  // have landed, empty[slot] when all 8 consumer warps are past the wgmmas
  // that read the slot's previous round.
  // The role from lane 0's warpgroup (warpUniform; a test on %tid.x made
  // the layers 15 % slower).
  Value uniformGroup = warpUniform(kb, warpgroup);
  Value isConsumer = kb.ult(uniformGroup, kConsumers / 128);
  Value block = kb.indexToI32(kb.blockId(gpu::Dimension::x));
  // This block's output tiles: block + i·grid for i < count; ping-pong:
  // warpgroup w takes i = w, w + 2, ...
  Value count = kb.add(kb.divu(kb.sub(kb.i32(tiles - 1), block), grid), kb.i32(1));
  auto tileLoop = [&](auto body) {
    Value start = cfg.pingpong ? uniformGroup : kb.i32(0);
    scf::ForOp::create(b, loc, start, count, kb.i32(cfg.pingpong ? 2 : 1), ValueRange{},
                       [&](OpBuilder &nb, Location, Value i, ValueRange) {
                         OpBuilder::InsertionGuard inner(b);
                         b.setInsertionPointToStart(nb.getInsertionBlock());
                         Value tile = kb.add(block, kb.mul(i, grid));
                         body(i, kb.divu(tile, tilesN), kb.remu(tile, tilesN));
                         scf::YieldOp::create(b, loc);
                       });
  };
  auto opaque = [&](Value v) { return ptxValue(kb, "mov.b32 $0, $1;", "=r,r", {v}); };
  // The threads of one output tile: both consumer warpgroups (named barrier
  // 1), or, ping-pong, warpgroup w alone (barrier 1 + w).
  const int64_t tileThreads = cfg.pingpong ? 128 : kConsumers;
  Value self = cfg.pingpong ? wb.andC(tid, 127) : tid;
  auto namedBarrier = [&] {
    if (cfg.pingpong)
      warpgroupBarrier(kb, uniformGroup);
    else
      wb.ptx("bar.sync 1, 256;", {}, "~{memory}");
  };
  // Row tiles are stored by warpgroup 0 (ping-pong: each its own).
  auto ifStorer = [&](auto body) {
    if (cfg.pingpong)
      body();
    else
      kb.ifThen(kb.eq(uniformGroup, 0), body);
  };
  auto roles = scf::IfOp::create(b, loc, isConsumer, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(roles.thenBlock());
    tileLoop([&](Value i, Value mBlock, Value nBlock) {
      Value first = kb.mul(i, kTiles);
      // Overlapped: the row parameters once the tile's first stage is in
      // (the producer acquired the row block before it copied it).
      if (options.rowSignals)
        wb.mbarrierWait(fullBar(kb.remu(first, stages)),
                        wb.andC(kb.divu(first, stages), 1));
      // The epilogue parameters of row `self` % 128 and column `self`,
      // clamped into range: loaded now, in flight during the mainloop,
      // staged in shared memory after it.
      Value row = arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          kb.minu(kb.add(kb.mul(mBlock, kBlockM), wb.andC(self, kBlockM - 1)), m - 1));
      Value col = arith::IndexCastOp::create(
          b, loc, b.getIndexType(), kb.minu(kb.add(kb.mul(nBlock, blockN), self), n - 1));
      Value popP = kb.load(args.lhsPopcount, row);
      Value popN = kb.load(args.lhsPopcount, kb.add(row, m));
      Value sx = param(epi.lhsScale, args.lhsScale, row);
      Value bcnt = kb.load(args.rhsPopcount, col);
      Value sw = param(epi.rhsScale, args.rhsScale, col);
      Value bias = args.bias ? kb.load(args.bias, col) : Value();

      if (cfg.pingpong)
        turns.wait(uniformGroup, i);
      auto loop = scf::ForOp::create(
          b, loc, kb.i32(0), kb.i32(kTiles), kb.i32(1), zeros(),
          [&](OpBuilder &nb, Location, Value kt, ValueRange iterAcc) {
            OpBuilder::InsertionGuard body(b);
            b.setInsertionPointToStart(nb.getInsertionBlock());
            Value u = kb.add(first, kt);
            Value slot = kb.remu(u, stages);
            wb.mbarrierWait(fullBar(slot), wb.andC(kb.divu(u, stages), 1));
            SmallVector<Value> d = multiply(slot, kt, iterAcc);
            // wait_group 1: the wgmmas of K tile u − 1 are done.
            Value previous = kb.remu(kb.add(u, kb.i32(stages - 1)), stages);
            kb.ifThen(kb.andI(kb.cmp(arith::CmpIPredicate::ugt, kt, kb.i32(0)), kb.eq(lane, 0)),
                      [&] { mbarrierArrive(kb, kb.add(emptyBars, wb.shl(previous, 3))); });
            scf::YieldOp::create(b, loc, d);
          });
      if (cfg.pingpong)
        turns.pass(uniformGroup, lane);
      NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
      Value last = kb.remu(kb.add(first, kb.i32(kTiles - 1)), stages);
      kb.ifThen(kb.eq(lane, 0), [&] { mbarrierArrive(kb, kb.add(emptyBars, wb.shl(last, 3))); });
      SmallVector<Value> acc(loop.getResults().begin(), loop.getResults().end());

      // The shared base again (ping-pong: of this warpgroup's epilogue
      // area), through an opaque move: else LLVM hoists the epilogue's
      // ~100 shared addresses out of the tile loop, and ptxas spills them
      // around the mainloop.
      Value epiBase = opaque(
          cfg.pingpong ? kb.add(base, kb.mul(uniformGroup, cfg.areaBytes())) : base);
      // The previous tile's bulk stores have read the tile buffer.
      if (bulkStores)
        ifStorer([&] { wb.ptx("cp.async.bulk.wait_group.read 0;", {}, "~{memory}"); });
      // Every thread of the tile is past the previous tile's reads of the
      // parameters and of the output tile (the barrier before its stores).
      ifStorer([&] { stageRowParams(epiBase, self, popP, popN, sx); });
      auto stageColumn = [&] { stageColumnParams(epiBase, self, bcnt, sw, bias); };
      if (blockN < tileThreads)
        kb.ifThen(kb.ult(self, blockN), stageColumn);
      else
        stageColumn();
      namedBarrier();
      storeFragments(epiBase, acc);
      if (bulkStores)
        proxyFence(); // the tile, written here, is read by the async proxy
      namedBarrier();
      if (!bulkStores) {
        storeTile(epiBase, mBlock, nBlock, self, tileThreads);
        return;
      }
      // Rows of 16-byte multiples: thread `self` < 128 stores row `self`
      // of the tile with one bulk copy (cp.async.bulk: the async proxy,
      // hence the proxy fence of every writer above), so the consumers
      // start the next tile while the stores drain; the tile buffer is
      // written again only after wait_group.read (before the barrier above,
      // next tile).
      ifStorer([&] {
        Value row = kb.add(kb.mul(mBlock, kBlockM), self);
        Value col = kb.mul(nBlock, blockN);
        kb.ifThen(kb.ult(row, m), [&] {
          Value width = kb.minu(kb.sub(kb.i32(n), col), blockN);
          Value from = kb.add(kb.add(epiBase, kb.i32(cfg.tile())),
                              kb.mul(self, cfg.tilePitch() * elementBytes));
          Value element = wb.toI64(kb.add(kb.mul(row, n), col));
          Value to = kb.byteOffset(outBase, kb.mul(element, elementBytes));
          wb.ptx("cp.async.bulk.global.shared::cta.bulk_group [$0], [$1], $2;",
                 {to, from, kb.mul(width, elementBytes)}, "l,r,r,~{memory}");
        });
        wb.ptx("cp.async.bulk.commit_group;", {}, "~{memory}");
      });
    });
    if (bulkStores)
      ifStorer([&] { wb.ptx("cp.async.bulk.wait_group 0;", {}, "~{memory}"); });
    // The producer (its lane 0, `issuer`): K tiles u = ahead.. of all the
    // block's tiles, each once its slot is empty (from round 1 on).
    b.setInsertionPointToStart(roles.elseBlock());
    kb.ifThen(issuer, [&] {
      scf::ForOp::create(
          b, loc, kb.i32(ahead), kb.mul(count, kb.i32(kTiles)), kb.i32(1), ValueRange{},
          [&](OpBuilder &nb, Location, Value u, ValueRange) {
            OpBuilder::InsertionGuard body(b);
            b.setInsertionPointToStart(nb.getInsertionBlock());
            Value i = kb.divu(u, kTiles), kt = kb.remu(u, kTiles);
            Value tile = kb.add(block, kb.mul(i, grid));
            Value slot = kb.remu(u, stages);
            kb.ifThen(kb.cmp(arith::CmpIPredicate::uge, u, kb.i32(stages)), [&] {
              wb.mbarrierWait(kb.add(emptyBars, wb.shl(slot, 3)),
                              wb.andC(kb.add(kb.divu(u, stages), kb.i32(1)), 1));
            });
            if (options.rowSignals)
              kb.ifThen(kb.eq(kt, 0), [&] { waitRows(kb.divu(tile, tilesN)); });
            arm(slot);
            copyA(slot, kt, kb.divu(tile, tilesN));
            copyB(slot, kt, kb.remu(tile, tilesN));
            scf::YieldOp::create(b, loc);
          });
    });
  }
  b.setInsertionPointAfter(roles);
  finish(grid);
  gpu::ReturnOp::create(b, loc);
  Kernel kernel{func, {grid, 1, 1}, {cfg.threads(), 1, 1}};
  kernel.dynamicSharedBytes = cfg.sharedBytes();
  return kernel;
}
