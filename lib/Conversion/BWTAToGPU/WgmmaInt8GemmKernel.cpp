//===- WgmmaInt8GemmKernel.cpp - the int8-path GEMM on wgmma (sm_90a) -----===//
//
// A block of two consumer warpgroups and one producer warp computes 128 ×
// BN output tiles (BN = 128 or 256); warpgroup w owns rows 64w..64w+63 with
// one m64nBN int32 accumulator, fed by `wgmma.mma_async m64nBNk32
// .s32.{u8|s8}.{u8|s8}` straight from shared memory. Both operands are in
// wgmma tiles (Kernels.h): every (row block, 64-byte K slot) is one
// contiguous, already swizzled chunk, so the producer warp's lane 0 moves a
// stage (A [128][64 B], B [BN][64 B]) with two bulk copies
// (cp.async.bulk ... mbarrier::complete_tx) and no thread touches the
// bytes: the per-thread cp.async fill through L1 bound the previous
// kernel (bench/RESULTS.md, int8 path step 2).
//
// The structure is the b1 kernel's persistent warp-specialized one
// (WgmmaGemmKernel.cpp, bench/proto/FINDINGS.md "Port"): full and empty
// mbarrier per slot, a grid of one block per SM walking the tiles (the
// producer runs ahead into the next tile while the consumers finish this
// one), the epilogue parameters loaded during the mainloop, the output
// tile through shared memory of its own and out by bulk stores that drain
// while the next tile runs; the role test is warp-uniform (shfl) and the
// epilogue's shared base opaque per tile.
//
// Ping-pong (BN = 128, cluster 1; int8-wgmma-pingpong): as the b1 kernel's,
// each consumer warpgroup computes whole 128 × 128 tiles of its own (two
// m64n128 accumulators), the two taking turns on the tensor pipe (turn[w]
// mbarriers) so that one's epilogue runs during the other's mainloop, each
// with its own epilogue area (output tile + parameters). Faster where the
// epilogue and the wave count weigh (2048 × 4096², 512 × 11008 × 4096), not
// where the mainloop dominates: m64n128 does less per tensor-pipe cycle
// than m64n256 (bench/RESULTS.md session 9).
//
// Cluster 2 (int8-wgmma-cluster=2, off by default): the blocks of a
// cluster compute the tiles of rows 128 apart over the same columns; block
// r copies its own A and rows r·BN/2.. of B, multicast to both blocks, so
// each block reads 2/3 of the bytes from L2. A slot is refilled once the
// consumers of both blocks are done with it (empty counts the warps of
// both; the remote ones arrive through mapa). Measured twice as slow as
// cluster 1 on the H200 at every shape (bench/RESULTS.md, 2026-11-23), with
// all 66 clusters resident; kept as an option for a distributed-shared-
// memory variant.
//
// Programmatic dependent launch (GridDependency.cpp): the kernel has its
// own griddepcontrol.wait. The producer arms the first stages and copies
// their weight (B) chunks before it waits, the levels (A) after; the
// consumers wait before they read activation parameters or store. Clusters
// of 2 wait at the start. The weights' chunks are then in flight while the
// quantizer's last blocks run (W2A8 layers 1-4 % faster, bench/RESULTS.md
// session 7).
//
// H200, W2A8 layers (quantize_levels + this kernel): 1.7-2.1x the cp.async
// kernel it replaced; the GEMM alone 52 µs at 2048 × 4096² (cuBLASLt INT8
// 47-52 µs).
//
// Shared memory (dynamic, base rounded up to 1 KiB):
//   slot s at s·STAGE: A [128][64 B], then B [BN][64 B] (wgmma tiles);
//   the epilogue area (ping-pong: one per warpgroup): the output tile
//     [128][BN + 8] elements (the pad spreads the fragment writes over all
//     banks), the epilogue parameters: Σx, zx, sx [128 rows]; Σw, zw, sw,
//     bias [BN];
//   mbarriers full[slots], empty[slots] (ping-pong: turn[2]).
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

constexpr int64_t kConsumers = 256;             // two warpgroups
constexpr int64_t kThreads = kConsumers + 32;   // and the producer warp
constexpr int64_t kBlockM = kInt8WgmmaLhsRows;  // 64 rows per warpgroup
constexpr int64_t kRowBytes = kInt8WgmmaSlotBytes;
constexpr int64_t kABytes = kBlockM * kRowBytes;
constexpr int64_t kAlign = 1024; // ≥ the swizzle period (512 B)
constexpr int64_t kMaxShared = 232448; // 227 KiB per block
constexpr int64_t kMaxStages = 8;
constexpr int64_t kMaxPingpongStages = 12;

struct Config {
  int64_t blockN, cluster, elementBytes;
  // Ping-pong: each consumer warpgroup computes whole 128 × 128 tiles of
  // its own (two m64 accumulators), the two taking turns on the tensor
  // pipe, each with its own output tile and parameters (an epilogue area).
  bool pingpong = false;
  int64_t stages = pingpong ? kMaxPingpongStages : kMaxStages;

  int64_t bBytes() const { return blockN * kRowBytes; }
  int64_t stageBytes() const { return kABytes + bBytes(); }
  int64_t pitch() const { return blockN + 8; } // output tile row, elements
  // Epilogue area 0 (area a lies a · areaBytes() further): the output
  // tile, then its row and column parameters.
  int64_t tile() const { return stages * stageBytes(); }
  int64_t rowParams() const { return tile() + kBlockM * pitch() * elementBytes; }
  int64_t colParams() const { return rowParams() + 3 * 4 * kBlockM; }
  int64_t areaBytes() const { return colParams() + 4 * 4 * blockN - tile(); }
  int64_t areas() const { return pingpong ? 2 : 1; }
  // 8-byte mbarriers: full[stages], empty[stages], ping-pong turn[2]
  // (warpgroup w may issue its mainloop once turn[w] completes).
  int64_t full() const { return tile() + areas() * areaBytes(); }
  int64_t empty() const { return full() + 8 * stages; }
  int64_t turn() const { return empty() + 8 * stages; }
  int64_t sharedBytes() const { return kAlign + turn() + (pingpong ? 16 : 0); }
};

StringRef byteName(QuantizedType type) { return *int8LevelsSigned(type) ? "s8" : "u8"; }

} // namespace

Kernel gpu_kernels::buildWgmmaInt8GemmKernel(OpBuilder &b, Location loc,
                                             StringRef name,
                                             const Int8GemmSpec &spec,
                                             int64_t blockN, int64_t cluster,
                                             bool pingpong, int64_t smCount) {
  assert(spec.wgmmaTiles && (blockN == 128 || blockN == 256) &&
         (cluster == 1 || cluster == 2) && (!pingpong || (blockN == 128 && cluster == 1)) &&
         "an unsupported wgmma int8 configuration");
  const EpilogueSpec &epi = spec.epilogue;
  const bool half = epi.outType.isF16();
  const int64_t elementBytes = half ? 2 : 4;
  Config cfg{blockN, cluster, elementBytes, pingpong};
  while (cfg.sharedBytes() > kMaxShared)
    --cfg.stages;
  const int64_t stages = cfg.stages;
  const int64_t m = spec.m, n = spec.n;
  const int64_t slots = llvm::divideCeil(spec.k, kRowBytes); // K slots
  const int64_t tilesM = llvm::divideCeil(m, kBlockM), tilesN = llvm::divideCeil(n, blockN);
  // Work items: a cluster's tiles (rows 128·cluster apart in groups, n
  // fastest); cluster c takes items c, c + clusters, ...
  const int64_t groupsM = llvm::divideCeil(tilesM, cluster), work = groupsM * tilesN;
  const int64_t clusters = std::min(work, std::max<int64_t>(smCount / cluster, 1));

  Int8GemmArgs args;
  gpu::GPUFuncOp func = createInt8GemmFunc(b, loc, name, spec, args);
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                b.getDenseI32ArrayAttr({int32_t(kThreads), 1, 1}));
  // One block per SM: up to 224 registers (the accumulators take BN/2; a
  // spilled in-flight accumulator is corrupted).
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(), b.getI32IntegerAttr(1));
  if (cluster > 1)
    func->setAttr(NVVM::NVVMDialect::getClusterDimAttrName(),
                  b.getDenseI32ArrayAttr({int32_t(cluster), 1, 1}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  BytePointers p{kb};
  Type i32 = b.getI32Type(), f32 = b.getF32Type();

  Value tid = p.toI32(kb.threadId());
  Value warp = p.shr(tid, 5), lane = p.bitAnd(tid, 31), warpgroup = p.shr(tid, 7);
  Value g = p.shr(lane, 2), t = p.bitAnd(lane, 3);
  Value block = p.toI32(kb.blockId(gpu::Dimension::x));
  Value rank = p.bitAnd(block, cluster - 1), clusterId = p.shr(block, cluster - 1);
  Value base = p.dynamicShared(kAlign);
  Value fullBars = kb.add(base, kb.i32(cfg.full()));
  Value emptyBars = kb.add(base, kb.i32(cfg.empty()));
  // Ping-pong: the producer fills the slots in tile order, so the
  // warpgroups' turns make the mainloops alternate on the tensor pipe.
  PingpongTurns turns{kb, pingpong ? kb.add(base, kb.i32(cfg.turn())) : Value()};
  auto bar = [&](Value bars, Value slot) { return kb.add(bars, p.shl(slot, 3)); };

  kb.ifThen(kb.eq(tid, 0), [&] {
    for (int64_t s = 0; s < stages; ++s) {
      mbarrierInit(kb, kb.add(fullBars, kb.i32(8 * s)), 1);
      // Released by the warps of the tile's consumers (ping-pong: one
      // warpgroup) in every block of the cluster.
      mbarrierInit(kb, kb.add(emptyBars, kb.i32(8 * s)),
                   cluster * (pingpong ? 128 : kConsumers) / 32);
    }
    if (pingpong)
      turns.init();
    if (cluster > 1)
      ptxStatement(kb, "fence.mbarrier_init.release.cluster;", {}, "~{memory}");
  });
  // The mbarriers initialized in every block of the cluster.
  auto clusterBarrier = [&] {
    ptxStatement(kb, "barrier.cluster.arrive.release;\nbarrier.cluster.wait.acquire;", {},
                 "~{memory}");
  };
  if (cluster > 1)
    clusterBarrier();
  else
    gpu::BarrierOp::create(b, loc);

  // The role from lane 0's warpgroup (warpUniform).
  Value uniformGroup = warpUniform(kb, warpgroup);
  Value isConsumer = kb.ult(uniformGroup, kConsumers / 128);
  Value count = kb.add(kb.divu(kb.sub(kb.i32(work - 1), clusterId), clusters), kb.i32(1));
  // body(i, first K slot number u of the tile, mBlock, nBlock) for the
  // block's tiles i = start, start + step, ...: K slot u of the block's
  // walk fills slot u % stages in its (u / stages)-th round.
  auto tileLoop = [&](Value start, int64_t step, auto body) {
    scf::ForOp::create(b, loc, start, count, kb.i32(step), ValueRange{},
                       [&](OpBuilder &nb, Location, Value i, ValueRange) {
                         OpBuilder::InsertionGuard inner(b);
                         b.setInsertionPointToStart(nb.getInsertionBlock());
                         Value item = kb.add(clusterId, kb.mul(i, clusters));
                         Value mBlock = kb.add(kb.mul(kb.divu(item, tilesN), cluster), rank);
                         body(i, kb.mul(i, slots), mBlock, kb.remu(item, tilesN));
                         scf::YieldOp::create(b, loc);
                       });
  };
  // The threads of one output tile: both consumer warpgroups (named
  // barrier 1), or, ping-pong, warpgroup w alone (barrier 1 + w), which
  // also stages its rows and stores its tile (else warpgroup 0 does).
  Value self = pingpong ? p.bitAnd(tid, 127) : tid;
  auto namedBarrier = [&] {
    if (pingpong)
      warpgroupBarrier(kb, uniformGroup);
    else
      ptxStatement(kb, "bar.sync 1, 256;", {}, "~{memory}");
  };
  auto ifStorer = [&](auto body) {
    if (pingpong)
      body();
    else
      kb.ifThen(kb.eq(uniformGroup, 0), body);
  };
  auto proxyFence = [&] {
    NVVM::FenceProxyOp::create(
        b, loc, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(b.getContext(), NVVM::SharedSpace::shared_cta));
  };
  // Lane 0 of a consumer warp gives slot `slot` back (to every block of the
  // cluster: all of them write it).
  auto release = [&](Value slot) {
    Value at = bar(emptyBars, slot);
    if (cluster == 1) {
      mbarrierArrive(kb, at);
      return;
    }
    for (int64_t r = 0; r < cluster; ++r)
      ptxStatement(kb,
                   "{\n.reg .b32 remote;\nmapa.shared::cluster.u32 remote, $0, $1;\n"
                   "mbarrier.arrive.release.cluster.shared::cluster.b64 _, [remote];\n}",
                   {at, kb.i32(r)}, "r,r,~{memory}");
  };

  Value descBase = wgmmaDescriptor(kb, base, kRowBytes);
  auto descAt = [&](Value bytes) { // bytes past base, a multiple of 16
    return kb.add(descBase, p.toI64(p.shr(bytes, 4)));
  };
  // Ping-pong: both 64-row halves of the tile (two accumulators); else the
  // warpgroup's half.
  const int64_t halves = pingpong ? 2 : 1, accPerHalf = blockN / 2;
  Value aOffset = pingpong ? kb.i32(0) : kb.mul(warpgroup, 64 * kRowBytes);
  std::string instruction =
      llvm::formatv("wgmma.mma_async.sync.aligned.m64n{0}k32.s32.{1}.{2}", blockN,
                    byteName(epi.lhsType), byteName(epi.rhsType))
          .str();
  const ParamKind lhsSums = spec.lhsSums() ? ParamKind::PerRow : ParamKind::None;
  const ParamKind rhsSums = spec.rhsSums() ? ParamKind::PerRow : ParamKind::None;
  const ParamKind biasKind = epi.bias ? ParamKind::PerRow : ParamKind::None;
  auto toIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), v).getResult();
  };
  auto param = [&](ParamKind kind, Value memref, Value index) -> Value {
    if (kind == ParamKind::None)
      return {};
    return kb.load(memref, kind == ParamKind::PerRow ? index : kb.idx(0));
  };
  auto stageParam = [&](Value v, Value at) {
    if (v)
      p.store(v, kb.sharedPointer(at), 4);
  };
  auto loadShared = [&](ParamKind kind, Type type, Value at) -> Value {
    if (kind == ParamKind::None)
      return {};
    return p.load(type, kb.sharedPointer(at), 4);
  };
  const int64_t perChunk = 16 / elementBytes;
  const bool bulkStores = n % perChunk == 0;
  Value outBase = kb.globalPointer(args.out);

  // Programmatic dependent launch: the producer copies the first stages'
  // weight tiles before it waits for the kernel before (whose results are
  // the activation levels and their parameters); every consumer waits
  // before it reads any of them or stores (enableGridDependency adds no
  // other wait). Clusters of 2 wait at the start.
  const bool earlyWeights = cluster == 1;
  const int64_t preissued = earlyWeights ? std::min(stages, slots) : 0;
  if (!earlyWeights)
    kb.waitForPredecessor();

  auto roles = scf::IfOp::create(b, loc, isConsumer, /*withElseRegion=*/true);
  b.setInsertionPointToStart(roles.thenBlock());
  if (earlyWeights)
    kb.waitForPredecessor();
  tileLoop(pingpong ? uniformGroup : kb.i32(0), pingpong ? 2 : 1,
           [&](Value i, Value first, Value mBlock, Value nBlock) {
    // The epilogue parameters of row `self` % 128 and column `self`
    // (clamped into range: out-of-range ones feed outputs never stored),
    // loaded now, in flight during the mainloop, staged in shared memory
    // after it.
    Value row = toIndex(kb.minu(kb.add(kb.mul(mBlock, kBlockM), p.bitAnd(self, kBlockM - 1)), m - 1));
    Value col = toIndex(kb.minu(kb.add(kb.mul(nBlock, blockN), self), n - 1));
    Value rowTerms[3] = {param(lhsSums, args.lhsSums, row),
                         param(epi.lhsZeroPoint, args.lhsZeroPoint, row),
                         param(epi.lhsScale, args.lhsScale, row)};
    Value colTerms[4] = {param(rhsSums, args.rhsSums, col),
                         param(epi.rhsZeroPoint, args.rhsZeroPoint, col),
                         param(epi.rhsScale, args.rhsScale, col),
                         param(biasKind, args.bias, col)};

    if (pingpong)
      turns.wait(uniformGroup, i);
    // Ping-pong: the accumulators start undefined and the first wgmma of
    // each half in K slot 0 overwrites them (scale-d = 0), as in the BWTA
    // kernel: zeros moved in between the wgmmas made ptxas wait there.
    Value init = pingpong ? LLVM::UndefOp::create(b, loc, i32).getResult() : kb.i32(0);
    auto loop = scf::ForOp::create(
        b, loc, kb.i32(0), kb.i32(slots), kb.i32(1),
        SmallVector<Value>(halves * accPerHalf, init),
        [&](OpBuilder &nb, Location, Value kt, ValueRange acc) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          Value u = kb.add(first, kt);
          Value slot = kb.remu(u, stages);
          mbarrierWaitParity(kb, bar(fullBars, slot), p.bitAnd(kb.divu(u, stages), 1));
          Value slotBytes = kb.mul(slot, cfg.stageBytes());
          Value scaleD;
          if (pingpong)
            scaleD = arith::ExtUIOp::create(b, loc, i32,
                                            kb.cmp(arith::CmpIPredicate::ne, kt, kb.i32(0)));
          NVVM::WgmmaFenceAlignedOp::create(b, loc);
          SmallVector<Value> d(acc);
          for (int64_t half = 0; half < halves; ++half) {
            SmallVector<Value> part(d.begin() + half * accPerHalf,
                                    d.begin() + (half + 1) * accPerHalf);
            for (int64_t step = 0; step < kRowBytes / 32; ++step) {
              Value aBytes = kb.add(aOffset, kb.i32(half * 64 * kRowBytes + 32 * step));
              Value descA = descAt(kb.add(slotBytes, aBytes));
              Value descB = descAt(kb.add(slotBytes, kb.i32(kABytes + 32 * step)));
              part = wgmmaAsync(kb, instruction, part, descA, descB,
                                step == 0 ? scaleD : Value());
            }
            llvm::copy(part, d.begin() + half * accPerHalf);
          }
          NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
          // wait_group 1: the wgmmas of K slot u − 1 are done.
          NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 1);
          Value previous = kb.remu(kb.add(u, kb.i32(stages - 1)), stages);
          kb.ifThen(kb.andI(kb.cmp(arith::CmpIPredicate::ugt, kt, kb.i32(0)), kb.eq(lane, 0)),
                    [&] { release(previous); });
          scf::YieldOp::create(b, loc, d);
        });
    if (pingpong)
      turns.pass(uniformGroup, lane);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    Value last = kb.remu(kb.add(first, kb.i32(slots - 1)), stages);
    kb.ifThen(kb.eq(lane, 0), [&] { release(last); });
    SmallVector<Value> acc(loop.getResults());

    // The shared base again (ping-pong: of this warpgroup's epilogue area),
    // through an opaque move: else LLVM hoists the epilogue's shared
    // addresses out of the tile loop and ptxas spills them around the
    // mainloop.
    Value epiBase = ptxValue(kb, "mov.b32 $0, $1;", "=r,r",
                             {pingpong ? kb.add(base, kb.mul(uniformGroup, cfg.areaBytes())) : base});
    Value rowParams = kb.add(epiBase, kb.i32(cfg.rowParams()));
    Value colParams = kb.add(epiBase, kb.i32(cfg.colParams()));
    Value tileBase = kb.add(epiBase, kb.i32(cfg.tile()));
    // The previous tile's bulk stores have read the tile buffer.
    if (bulkStores)
      ifStorer([&] { ptxStatement(kb, "cp.async.bulk.wait_group.read 0;", {}, "~{memory}"); });
    // Every thread of the tile is past the previous tile's reads of the
    // parameters and of the output tile (the barrier before its stores).
    ifStorer([&] {
      Value at = kb.add(rowParams, p.shl(self, 2));
      for (int64_t i = 0; i < 3; ++i)
        stageParam(rowTerms[i], kb.add(at, kb.i32(i * 4 * kBlockM)));
    });
    auto stageColumns = [&] {
      Value at = kb.add(colParams, p.shl(self, 2));
      for (int64_t i = 0; i < 4; ++i)
        stageParam(colTerms[i], kb.add(at, kb.i32(i * 4 * blockN)));
    };
    if (pingpong || blockN == kConsumers)
      stageColumns();
    else
      kb.ifThen(kb.ult(uniformGroup, blockN / 128), stageColumns);
    namedBarrier();

    // Fragments to the output tile: d[accPerHalf · half + 4j + 2h + e] is
    // row 64 · half + 16(warp % 4) + g + 8h (not ping-pong: 64w + …, half
    // 0), column 8j + 2t + e. The epilogue is the mma.sync kernel's
    // (finishEpilogue on the same terms), so the bits are the same.
    Value rowA = kb.add(kb.mul(p.bitAnd(warp, 3), 16), g);
    if (!pingpong)
      rowA = kb.add(rowA, kb.mul(warpgroup, 64));
    SmallVector<SideTerms> rows(2 * halves);
    for (int64_t r = 0; r < 2 * halves; ++r) {
      Value at = kb.add(rowParams, p.shl(kb.add(rowA, kb.i32(64 * (r / 2) + 8 * (r % 2))), 2));
      rows[r] = {loadShared(lhsSums, i32, at),
                 loadShared(epi.lhsZeroPoint, i32, kb.add(at, kb.i32(4 * kBlockM))),
                 loadShared(epi.lhsScale, f32, kb.add(at, kb.i32(8 * kBlockM))), Value()};
    }
    for (int64_t j = 0; j < blockN / 8; ++j) {
      Value c = kb.add(kb.i32(8 * j), p.shl(t, 1));
      SideTerms cols[2];
      for (int64_t e = 0; e < 2; ++e) {
        Value at = kb.add(colParams, p.shl(kb.add(c, kb.i32(e)), 2));
        cols[e] = {loadShared(rhsSums, i32, at),
                   loadShared(epi.rhsZeroPoint, i32, kb.add(at, kb.i32(4 * blockN))),
                   loadShared(epi.rhsScale, f32, kb.add(at, kb.i32(8 * blockN))),
                   loadShared(biasKind, f32, kb.add(at, kb.i32(12 * blockN)))};
      }
      for (int64_t r = 0; r < 2 * halves; ++r) {
        Value y[2];
        for (int64_t e = 0; e < 2; ++e)
          y[e] = finishEpilogue(kb, epi, acc[accPerHalf * (r / 2) + 4 * j + 2 * (r % 2) + e],
                                rows[r], cols[e]);
        Value rowIndex = kb.add(rowA, kb.i32(64 * (r / 2) + 8 * (r % 2)));
        Value at = kb.add(tileBase,
                          kb.mul(kb.add(kb.mul(rowIndex, cfg.pitch()), c), elementBytes));
        if (half) {
          auto bits = [&](Value v) {
            Value i16 = arith::BitcastOp::create(b, loc, b.getI16Type(), v);
            return arith::ExtUIOp::create(b, loc, i32, i16).getResult();
          };
          p.store(p.bitOr(bits(y[0]), p.shl(bits(y[1]), 16)), kb.sharedPointer(at), 4);
        } else {
          Value pair = LLVM::UndefOp::create(b, loc, VectorType::get({2}, f32));
          for (int64_t e = 0; e < 2; ++e)
            pair = LLVM::InsertElementOp::create(b, loc, pair, y[e], kb.i32(e));
          p.store(pair, kb.sharedPointer(at), 8);
        }
      }
    }
    if (bulkStores)
      proxyFence(); // the tile, written here, is read by the async proxy
    namedBarrier();

    if (bulkStores) {
      // Thread `self` < 128 of the storer stores row `self` of the tile
      // with one bulk copy, so the consumers start the next tile while the
      // stores drain; the tile buffer is written again only after
      // wait_group.read (above, next tile).
      ifStorer([&] {
        Value row = kb.add(kb.mul(mBlock, kBlockM), self);
        Value col = kb.mul(nBlock, blockN);
        kb.ifThen(kb.ult(row, m), [&] {
          Value width = kb.minu(kb.sub(kb.i32(n), col), blockN);
          Value from = kb.add(tileBase, kb.mul(self, cfg.pitch() * elementBytes));
          Value element = p.toI64(kb.add(kb.mul(row, n), col));
          Value to = kb.byteOffset(outBase, kb.mul(element, elementBytes));
          ptxStatement(kb, "cp.async.bulk.global.shared::cta.bulk_group [$0], [$1], $2;",
                       {to, from, kb.mul(width, elementBytes)}, "l,r,r,~{memory}");
        });
        ptxStatement(kb, "cp.async.bulk.commit_group;", {}, "~{memory}");
      });
      return;
    }
    // Rows of N elements that are not 16-byte aligned: element by element,
    // row r of the tile by warpgroup r % 2 (ping-pong: every row by the
    // tile's warpgroup; the tile is written again only after the barrier
    // before the next tile's fragments).
    Type elementInt = half ? b.getI16Type() : i32;
    const int64_t rowsPerStep = pingpong ? 1 : 2;
    scf::ForOp::create(
        b, loc, kb.i32(0), kb.i32(kBlockM / rowsPerStep), kb.i32(1), ValueRange{},
        [&](OpBuilder &nb, Location, Value step, ValueRange) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(nb.getInsertionBlock());
          Value r = pingpong ? step : kb.add(kb.mul(step, 2), warpgroup);
          Value row = kb.add(kb.mul(mBlock, kBlockM), r);
          for (int64_t c0 = 0; c0 < blockN; c0 += 128) {
            Value c = kb.add(p.bitAnd(tid, 127), kb.i32(c0));
            Value col = kb.add(kb.mul(nBlock, blockN), c);
            kb.ifThen(kb.andI(kb.ult(row, m), kb.ult(col, n)), [&] {
              Value from = kb.add(tileBase, kb.mul(kb.add(kb.mul(r, cfg.pitch()), c), elementBytes));
              Value v = p.load(elementInt, kb.sharedPointer(from), elementBytes);
              Value element = p.toI64(kb.add(kb.mul(row, n), col));
              p.store(v, kb.byteOffset(outBase, kb.mul(element, elementBytes)), elementBytes);
            });
          }
          scf::YieldOp::create(b, loc);
        });
  });
  if (bulkStores)
    ifStorer([&] { ptxStatement(kb, "cp.async.bulk.wait_group 0;", {}, "~{memory}"); });

  // The producer: lane 0 of warp 8 arms full[slot] with the stage's bytes
  // and issues its copies once the slot is empty (from round 1 on).
  b.setInsertionPointToStart(roles.elseBlock());
  kb.ifThen(kb.eq(lane, 0), [&] {
    Value lhsBase = kb.globalPointer(args.lhs), rhsBase = kb.globalPointer(args.rhs);
    const int64_t part = cfg.bBytes() / cluster; // the B bytes one block copies
    Value mask = arith::ConstantIntOp::create(b, loc, b.getI16Type(), (1 << cluster) - 1);
    auto copy = [&](Value dest, Value source, int64_t bytes, Value full) {
      bulkCopyToShared(kb, dest, source, kb.i32(bytes), full);
    };
    auto arm = [&](Value slot) {
      mbarrierArriveExpectTx(kb, bar(fullBars, slot), kb.i32(cfg.stageBytes()));
    };
    // Copies this block's part of B's K slot kt (rows nBlock·BN.. of its
    // 256-row block) into slot `slot`.
    auto copyB = [&](Value nBlock, Value kt, Value slot) {
      Value full = bar(fullBars, slot);
      Value nRow = kb.mul(nBlock, blockN);
      Value bTile = p.toI64(p.shr(nRow, 8));
      Value bWithin = p.toI64(kb.add(kb.mul(p.bitAnd(nRow, 255), kRowBytes), kb.mul(rank, part)));
      Value bSource = kb.byteOffset(
          rhsBase, kb.add(kb.mul(kb.add(kb.mul(bTile, slots), p.toI64(kt)),
                                 kInt8WgmmaRhsRows * kRowBytes),
                          bWithin));
      Value dest = kb.add(base, kb.mul(slot, cfg.stageBytes()));
      Value bDest = kb.add(dest, kb.add(kb.i32(kABytes), kb.mul(rank, part)));
      if (cluster == 1)
        copy(bDest, bSource, part, full);
      else
        ptxStatement(kb,
                     "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes"
                     ".multicast::cluster [$0], [$1], $2, [$3], $4;",
                     {bDest, bSource, kb.i32(part), full, mask}, "r,l,r,r,h,~{memory}");
    };
    // The weights of the first tile's first stages (K slots u < preissued
    // of the walk) before the wait.
    for (int64_t u = 0; u < preissued; ++u) {
      arm(kb.i32(u));
      copyB(kb.remu(clusterId, tilesN), kb.i32(u), kb.i32(u));
    }
    if (earlyWeights)
      kb.waitForPredecessor();
    tileLoop(kb.i32(0), 1, [&](Value, Value first, Value mBlock, Value nBlock) {
      // A: row block min(mBlock, last) (a cluster's block past M computes
      // rows that are never stored).
      Value aTile = p.toI64(kb.minu(mBlock, tilesM - 1));
      scf::ForOp::create(
          b, loc, kb.i32(0), kb.i32(slots), kb.i32(1), ValueRange{},
          [&](OpBuilder &nb, Location, Value kt, ValueRange) {
            OpBuilder::InsertionGuard inner(b);
            b.setInsertionPointToStart(nb.getInsertionBlock());
            Value u = kb.add(first, kt);
            Value slot = kb.remu(u, stages);
            kb.ifThen(kb.cmp(arith::CmpIPredicate::uge, u, kb.i32(stages)), [&] {
              mbarrierWaitParity(kb, bar(emptyBars, slot),
                                 p.bitAnd(kb.add(kb.divu(u, stages), kb.i32(1)), 1));
            });
            // B first: the weights come from DRAM, the levels (just
            // written) from L2 (A first was 4 % slower at M = 512). Slots
            // of the first stages are armed and hold their B already.
            auto armAndCopyB = [&] {
              arm(slot);
              copyB(nBlock, kt, slot);
            };
            if (preissued == 0)
              armAndCopyB();
            else
              kb.ifThen(kb.cmp(arith::CmpIPredicate::uge, u, kb.i32(preissued)), armAndCopyB);
            Value dest = kb.add(base, kb.mul(slot, cfg.stageBytes()));
            Value aSource = kb.byteOffset(
                lhsBase, kb.mul(kb.add(kb.mul(aTile, slots), p.toI64(kt)), kABytes));
            copy(dest, aSource, kABytes, bar(fullBars, slot));
            scf::YieldOp::create(b, loc);
          });
    });
  });
  b.setInsertionPointAfter(roles);
  // No block leaves while the others of its cluster may still write its
  // slots or arrive on its mbarriers.
  if (cluster > 1)
    clusterBarrier();
  gpu::ReturnOp::create(b, loc);

  Kernel kernel{func, {clusters * cluster, 1, 1}, {kThreads, 1, 1}};
  kernel.dynamicSharedBytes = cfg.sharedBytes();
  return kernel;
}
