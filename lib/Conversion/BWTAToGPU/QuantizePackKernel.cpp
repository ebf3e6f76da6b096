//===- QuantizePackKernel.cpp - activation quantize + pack in one pass ----===//
//
// The quantizer of each row: its parameters from lane-tree folds over the
// row, then the plane bits of every element, packed into tiled words with
// the row popcounts the epilogue needs. How threads share a row is the
// walker's business (QuantizePackRows.h): a block per row for few rows or
// fused producers, a warp per row (staged in shared memory) for many.
//
//===----------------------------------------------------------------------===//
#include "QuantizePackRows.h"
#include "RowBlockSignals.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kThreads = 256;
/// Blocks of the block-per-row grid-stride loop: 8 per SM of an H200 fill
/// it, and the cost stays linear in the number of rows.
constexpr int64_t kMaxBlocks = 8 * 132;
/// Shared memory of a warp-per-row block (its warps' rows): 64 KiB lets
/// three blocks share an SM.
constexpr int64_t kWarpRowsBlockBytes = 64 * 1024;
/// Longest row staged whole for one warp.
constexpr int64_t kWarpRowMaxBytes = 96 * 1024;
constexpr int64_t kWarpRowsMaxBlocks = 16 * 132;

} // namespace

bool QuantizePackSpec::asymmetric() const {
  return scheme.getMode() == QuantMode::Asymmetric;
}

int64_t QuantizePackSpec::rowBytes() const {
  return k * inputType.getIntOrFloatBitWidth() / 8;
}

bool QuantizePackSpec::warpPerRow() const {
  return !producer && warpRowsMinM >= 0 && m >= warpRowsMinM &&
         warpRowCopyBytes(*this) > 0 && rowBytes() <= kWarpRowMaxBytes;
}

int64_t QuantizePackSpec::warpsPerRow() const {
  if (fixedWarpsPerRow > 0)
    return fixedWarpsPerRow;
  // Measured on the H200 (bench/RESULTS.md, quantize-warps-per-row sweep at
  // K = 4096): W = 4 is fastest at M = 512, 2048 and 8192 (W = 1 leaves
  // each warp a whole row's latency, W = 8 adds exchange traffic); fewer
  // rows (only with a lowered quantize-warp-min-m) take 8.
  return m >= 512 ? 4 : 8;
}

int64_t QuantizePackSpec::laneWarpsPerRow() const {
  if (laneWarps > 0)
    return laneWarps;
  // Measured on the H200 (bench/RESULTS.md, session 10; f16 rows, M = 512,
  // 2048, 8192 × K = 4096, 11008): W = 2 makes the layers 1-3 % faster than
  // W = 1 (the kernel alone about equal: it is bound by its DRAM time plus
  // the planes' pass after the last row lands), W = 4 slower at M ≥ 2048.
  return 2;
}

bool gpu_kernels::laneRowsApply(const QuantizePackSpec &spec) {
  return spec.warpPerRow() && spec.fixedWarpsPerRow == 0 && isa<TernaryType>(spec.type) &&
         (spec.inputType.isF16() || spec.inputType.isF32()) && spec.k % 8 == 0;
}

void gpu_kernels::quantizeRow(KernelBuilder &kb, const QuantizePackSpec &spec,
                              RowWalker &walker, const RowParams &out, Value row) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  const int64_t planes = spec.planes(), k = spec.k;
  auto fsum = [&](Value p, Value q) { return kb.fadd(p, q); };
  auto fmax = [&](Value p, Value q) { return arith::MaximumFOp::create(b, loc, p, q).getResult(); };
  auto fmin = [&](Value p, Value q) { return arith::MinimumFOp::create(b, loc, p, q).getResult(); };
  // |v| and roundeven(v) from exact bit and add operations: the LLVM
  // intrinsics would become libdevice calls in gpu-to-nvvm.
  auto bits32 = [&](Value v) { return arith::BitcastOp::create(b, loc, i32, v).getResult(); };
  auto float32 = [&](Value v) { return arith::BitcastOp::create(b, loc, f32, v).getResult(); };
  auto fabs = [&](Value v) { return float32(kb.andI(bits32(v), kb.i32(0x7fffffff))); };
  auto roundEven = [&](Value v) {
    // Adding and subtracting 2^23 rounds |v| < 2^23 to an integer, ties to
    // even; larger values are integers already. The sign is put back.
    Value magnitude = fabs(v);
    Value rounded = arith::SubFOp::create(b, loc, kb.fadd(magnitude, kb.f32(0x1p23)),
                                          kb.f32(0x1p23));
    Value small = kb.fcmp(arith::CmpFPredicate::OLT, magnitude, kb.f32(0x1p23));
    rounded = kb.select(small, rounded, magnitude);
    Value sign = kb.andI(bits32(v), kb.i32(int32_t(0x80000000u)));
    return float32(arith::OrIOp::create(b, loc, bits32(rounded), sign));
  };
  auto nonZero = [&](Value s) {
    return kb.select(kb.fcmp(arith::CmpFPredicate::OEQ, s, kb.f32(0.0)), kb.f32(1.0), s);
  };
  auto sumOf = [&](TermFn term) { return walker.fold(0.0, term, fsum); };
  Value count = kb.f32(double(k));

  QuantizedType type = spec.type;
  Value scale, zeroPoint, keptSum;
  SmallVector<Value> totals;
  if (isa<BinaryType>(type)) {
    scale = kb.fdiv(sumOf(fabs), count);
    totals = walker.pack([&](Value x) -> SmallVector<Value> {
      return {kb.fcmp(arith::CmpFPredicate::OGE, x, kb.f32(0.0))};
    });
  } else if (isa<TernaryType>(type)) {
    ThresholdAttr threshold = spec.scheme.getThreshold();
    ThresholdPolicy policy = threshold ? threshold.getPolicy() : ThresholdPolicy::MeanAbs;
    Value factor = kb.f32(threshold ? threshold.getFactorValue() : 0.7);
    Value delta = factor;
    if (policy == ThresholdPolicy::MeanAbs)
      delta = kb.fmul(factor, kb.fdiv(sumOf(fabs), count));
    else if (policy == ThresholdPolicy::MaxAbs)
      delta = kb.fmul(factor, walker.fold(0.0, fabs, fmax));
    // The scale needs the kept sum Σ_{|x|>Δ} |x|, folded by the walker
    // with the planes (one pass over the row where it can), and the kept
    // count, popc(p) + popc(n), which comes with the row popcounts.
    auto kept = [&](Value x) {
      Value magnitude = fabs(x);
      return kb.select(kb.fcmp(arith::CmpFPredicate::OGT, magnitude, delta), magnitude,
                       kb.f32(0.0));
    };
    // Kept (|x| > Δ) and positive is x > Δ, kept and not positive x < −Δ:
    // Δ ≥ 0 (the factor is verified ≥ 0) or NaN (then nothing is kept).
    Value minusDelta = arith::NegFOp::create(b, loc, delta);
    auto ternaryBits = [&](Value x) -> SmallVector<Value> {
      Value p = kb.fcmp(arith::CmpFPredicate::OGT, x, delta);
      Value n = kb.fcmp(arith::CmpFPredicate::OLT, x, minusDelta);
      if (spec.notNegative) // q = ¬n; the walker keeps it 0 past K
        n = arith::XOrIOp::create(b, loc, n, arith::ConstantIntOp::create(b, loc, 1, 1));
      return {p, n};
    };
    totals = walker.packTernary(delta, ternaryBits, kept, fsum, keptSum);
    // popc(n) = K − popc(q): a real row has K valid bits.
    if (spec.notNegative)
      totals[1] = kb.sub(kb.i32(k), totals[1]);
    Value keptCount = kb.add(totals[0], totals[1]);
    scale = kb.select(kb.eq(keptCount, 0), kb.f32(1.0),
                      kb.fdiv(keptSum, kb.toF32(keptCount)));
  } else {
    double qmin = type.getMinLevel(), qmax = type.getMaxLevel();
    if (spec.asymmetric()) {
      double inf = std::numeric_limits<double>::infinity();
      Value lo = walker.fold(inf, [](Value x) { return x; }, fmin);
      Value hi = walker.fold(-inf, [](Value x) { return x; }, fmax);
      scale = nonZero(kb.fdiv(arith::SubFOp::create(b, loc, hi, lo), kb.f32(qmax - qmin)));
      Value shift = roundEven(kb.fdiv(lo, scale));
      Value zp = arith::SubFOp::create(b, loc, kb.f32(qmin), shift);
      zp = fmin(fmax(zp, kb.f32(-0x1p30)), kb.f32(0x1p30));
      zeroPoint = arith::FPToSIOp::create(b, loc, i32, zp);
    } else {
      scale = nonZero(kb.fdiv(walker.fold(0.0, fabs, fmax), kb.f32(qmax)));
    }
    totals = walker.pack([&](Value x) {
      Value v = roundEven(kb.fdiv(x, scale));
      if (zeroPoint)
        v = kb.fadd(v, kb.toF32(zeroPoint));
      v = fmin(fmax(v, kb.f32(qmin)), kb.f32(qmax));
      Value level = arith::FPToSIOp::create(b, loc, i32, v);
      SmallVector<Value> planeBits;
      for (int64_t p = 0; p < planes; ++p) {
        Value bit = kb.andI(arith::ShRUIOp::create(b, loc, level, kb.i32(p)), kb.i32(1));
        planeBits.push_back(kb.eq(bit, 1));
      }
      return planeBits;
    });
  }
  kb.ifThen(walker.leader(), [&] {
    for (int64_t p = 0; p < planes; ++p)
      kb.store(totals[p], out.popcounts, kb.add(row, p * spec.m));
    kb.store(scale, out.scale, row);
    if (zeroPoint)
      kb.store(zeroPoint, out.zeroPoint, row);
  });
}

ElementReader gpu_kernels::makeRowReader(KernelBuilder &kb, const QuantizePackSpec &spec,
                                         ArrayRef<Value> inputs, Value row) {
  // Element `column` is loaded, or computed by the fused producer from its
  // inputs. The row's part of the addressing is emitted once.
  linalg::LinalgOp producer = spec.producer; // its accessors are not const
  if (!producer) {
    Value x = inputs.front(), rowBase = kb.mul(row, spec.k);
    return [&kb, x, rowBase](Value column) { return kb.load(x, kb.add(rowBase, column)); };
  }
  // The producer's loops are the quantizer input's dims: rows are its
  // leading dims flattened, K the last.
  ArrayRef<int64_t> shape = cast<ShapedType>(producer->getResult(0).getType()).getShape();
  SmallVector<Value> rowIvs = kb.delinearize(row, shape.drop_back());
  SmallVector<OpOperand *> reads = linalgKernelReads(producer);
  SmallVector<Value> args(inputs);
  return [&kb, producer, reads, args, rowIvs](Value column) mutable {
    OpBuilder &b = kb.b;
    SmallVector<Value> ivs(rowIvs);
    ivs.push_back(column);
    SmallVector<AffineMap> maps = producer.getIndexingMapsArray();
    auto load = [&](OpOperand *input) {
      unsigned position = llvm::find(reads, input) - reads.begin();
      return kb.load(args[position],
                     elementOffset(kb, maps[input->getOperandNumber()],
                                   cast<ShapedType>(input->get().getType()).getShape(), ivs));
    };
    Value unused = arith::ConstantOp::create(
        b, kb.loc, b.getZeroAttr(getElementTypeOrSelf(producer->getResult(0).getType())));
    return emitPayload(kb, producer, load, ValueRange{unused}, ivs).front();
  };
}

Kernel gpu_kernels::buildQuantizePackKernel(OpBuilder &b, Location loc,
                                            StringRef name,
                                            const QuantizePackSpec &spec) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto vec = [](int64_t size, Type type) { return MemRefType::get({size}, type); };
  const int64_t planes = spec.planes(), m = spec.m, k = spec.k;
  linalg::LinalgOp producer = spec.producer; // its accessors are not const
  SmallVector<OpOperand *> producerInputs;
  SmallVector<Type> argTypes;
  if (producer) {
    producerInputs = linalgKernelReads(producer);
    for (OpOperand *input : producerInputs) {
      auto type = cast<ShapedType>(input->get().getType());
      argTypes.push_back(vec(type.getNumElements(), type.getElementType()));
    }
  } else {
    argTypes.push_back(vec(m * k, spec.inputType));
  }
  argTypes.append({vec(spec.words(), i32), vec(planes * m, i32), vec(m, f32)});
  if (spec.asymmetric())
    argTypes.push_back(vec(m, i32));
  if (spec.signalRows)
    argTypes.push_back(vec(spec.rowTiles() + 1, i32));
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  const bool warpPerRow = spec.warpPerRow();
  // Warp per row: W warps share a row, each row with its buffer (and, for
  // W > 1, reduction scratch) in dynamic shared memory. A block holds one
  // row when W > 1 (its barriers are the row's), else up to 8.
  const bool laneRows = laneRowsApply(spec);
  const int64_t warpsPerRow =
      laneRows ? spec.laneWarpsPerRow() : warpPerRow ? spec.warpsPerRow() : 0;
  // The lane walker's row buffer holds whole K tiles.
  const int64_t rowBuffer = laneRows ? laneRowsBufferBytes(spec) : spec.rowBytes();
  const int64_t rowScratch = laneRows ? laneRowsScratchBytes(warpsPerRow)
                             : warpsPerRow > 1 ? 512 * warpsPerRow
                                               : 0;
  const int64_t rowShared = warpPerRow ? rowBuffer + rowScratch : 0;
  // Up to 8 warps a block: several rows where their warps sync by
  // themselves (__syncwarp, the lane walker's named barriers).
  const int64_t rowsPerBlock =
      warpsPerRow == 1 || laneRows
          ? std::clamp<int64_t>(kWarpRowsBlockBytes / rowShared, 1, 8 / warpsPerRow)
          : 1;
  Value floatScratch, intScratch;
  if (!warpPerRow) {
    floatScratch = func.addWorkgroupAttribution(
        MemRefType::get({2 * kThreads}, f32, MemRefLayoutAttrInterface{}, workgroup), loc);
    intScratch = func.addWorkgroupAttribution(
        MemRefType::get({2 * kThreads}, i32, MemRefLayoutAttrInterface{}, workgroup), loc);
  }

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  // Overlapped with its GEMM (RowBlockSignals.h): the GEMM may launch only
  // once the kernel before this one is complete.
  if (spec.signalRows) {
    kb.waitForPredecessor();
    NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::launch_dependents);
  }
  unsigned inputs = spec.producer ? producerInputs.size() : 1;
  Value x = func.getArgument(0);
  PackedRowLayout layout{func.getArgument(inputs), spec.rowTiles(), spec.kTiles(),
                         spec.tileRows, spec.planes(), spec.wgmmaTiles};
  RowParams params{func.getArgument(inputs + 1), func.getArgument(inputs + 2),
                   spec.asymmetric() ? func.getArgument(inputs + 3) : Value()};
  SmallVector<Value> inputArgs(func.getArguments().take_front(inputs));
  auto rowReader = [&](Value row) { return makeRowReader(kb, spec, inputArgs, row); };

  // Rows: a block's, or (warp per row) each row's warps', grid-stride.
  Value thread = kb.threadId(), lane = kb.remu(thread, 32);
  Value gridSize = gpu::GridDimOp::create(b, loc, gpu::Dimension::x);
  Value first = kb.blockId(gpu::Dimension::x), stride = gridSize;
  WarpRowsShared shared;
  LaneRowsShared laneShared;
  if (warpPerRow) {
    Value rowInBlock = kb.divu(thread, 32 * warpsPerRow);
    first = kb.add(kb.mul(first, rowsPerBlock), rowInBlock);
    stride = kb.mul(gridSize, rowsPerBlock);
    Value dynamic = gpu::DynamicSharedMemoryOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                                MemRefLayoutAttrInterface{}, workgroup));
    auto view = [&](int64_t size, Type type, Value byteOffset) {
      return memref::ViewOp::create(
          b, loc, MemRefType::get({size}, type, MemRefLayoutAttrInterface{}, workgroup),
          dynamic, byteOffset, ValueRange{});
    };
    // [rows][K] elements, then per row its exchange space.
    Value scratchBase = kb.add(kb.mul(rowInBlock, rowScratch), rowsPerBlock * rowBuffer);
    shared.buffer = view(rowBuffer * 8 / spec.inputType.getIntOrFloatBitWidth(), spec.inputType,
                         kb.mul(rowInBlock, rowBuffer));
    shared.warpsPerRow = warpsPerRow;
    if (laneRows) {
      laneShared = {shared.buffer, warpsPerRow,
                    rowScratch ? view(rowScratch / 4, i32, scratchBase) : Value()};
    } else if (warpsPerRow > 1) {
      shared.floatScratch = view(64 * warpsPerRow, f32, scratchBase);
      shared.intScratch = view(64 * warpsPerRow, i32, kb.add(scratchBase, 256 * warpsPerRow));
    }
  }
  const int64_t paddedRows = spec.rowTiles() * spec.tileRows;
  // The row's threads: `rowThreads` from `rowLeader` (signalRows).
  const int64_t rowThreads = warpPerRow ? 32 * warpsPerRow : kThreads;
  Value rowLeader = warpPerRow ? kb.remu(thread, rowThreads) : thread;
  Value rowInBlock = warpPerRow ? kb.divu(thread, rowThreads) : Value();
  auto rowLoop = scf::ForOp::create(b, loc, first, kb.idx(paddedRows), stride);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value row = rowLoop.getInductionVar();
  auto ifOp = scf::IfOp::create(b, loc, kb.ult(row, m), /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard rowGuard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    std::unique_ptr<RowWalker> walker =
        laneRows     ? makeLaneRows(kb, spec, layout, row, x, laneShared)
        : warpPerRow ? makeWarpRows(kb, spec, layout, row, x, shared)
                     : makeBlockRows(kb, spec, layout, row, rowReader(row), floatScratch,
                                     intScratch);
    quantizeRow(kb, spec, *walker, params, row);
    // The next row reuses the shared memory.
    walker->finishRow();
    // Rows past M only hold zero words (the GEMM reads whole row tiles).
    b.setInsertionPointToStart(ifOp.elseBlock());
    int64_t rowWords = 8 * spec.kTiles();
    auto zeros = scf::ForOp::create(b, loc, warpPerRow ? lane : thread, kb.idx(rowWords),
                                    kb.idx(warpPerRow ? 32 : kThreads));
    // (With W > 1 every warp of the row writes them all: rare and small.)
    b.setInsertionPointToStart(zeros.getBody());
    for (int64_t p = 0; p < planes; ++p)
      kb.store(kb.i32(0), layout.words, layout.offset(kb, row, p, zeros.getInductionVar()));
  }
  if (spec.signalRows) {
    // Every thread of the row is past its writes, then one signals them.
    b.setInsertionPointAfter(ifOp);
    if (rowsPerBlock == 1)
      gpu::BarrierOp::create(b, loc);
    else if (rowThreads == 32)
      NVVM::SyncWarpOp::create(b, loc, kb.i32(-1));
    else
      ptxStatement(kb, "bar.sync $0, $1;",
                   {kb.add(kb.indexToI32(rowInBlock), kb.i32(1)), kb.i32(rowThreads)},
                   "r,r,~{memory}");
    kb.ifThen(kb.eq(rowLeader, 0), [&] {
      Value block = kb.divu(row, spec.tileRows);
      Value ready = kb.globalPointer(func.getArguments().back());
      releaseAdd(kb, kb.byteOffset(ready, arith::IndexCastOp::create(
                                              b, loc, b.getI64Type(), kb.mul(block, 4))));
    });
  }
  b.setInsertionPointAfter(rowLoop);
  gpu::ReturnOp::create(b, loc);

  const int64_t maxBlocks = spec.blocks > 0 ? spec.blocks : kMaxBlocks;
  if (!warpPerRow)
    return {func, {std::min(paddedRows, maxBlocks), 1, 1}, {kThreads, 1, 1}};
  const int64_t maxWarpRowsBlocks = spec.blocks > 0 ? spec.blocks : kWarpRowsMaxBlocks;
  Kernel kernel{
      func,
      {std::min<int64_t>(llvm::divideCeil(paddedRows, rowsPerBlock), maxWarpRowsBlocks), 1, 1},
      {32 * warpsPerRow * rowsPerBlock, 1, 1}};
  kernel.dynamicSharedBytes = rowsPerBlock * rowShared;
  return kernel;
}
