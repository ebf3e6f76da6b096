//===- QuantizeLevelsKernel.cpp - activation levels as bytes (int8 path) --===//
//
// A warp per row: lane l holds the 8-element chunks l, l + 32, ... of the
// row (16-byte loads where rows are 16-byte aligned). Min, max and integer
// sums do not depend on the order of their operands, so a butterfly over
// the lanes gives the row's exactly; the levels then go out as the 8 bytes
// of their chunk in the int8 layout [RT][KT][16][32], or in the wgmma tiles
// [⌈M/128⌉][⌈K/64⌉][128][64] (swizzled) where every reader is the wgmma GEMM.
//
//===----------------------------------------------------------------------===//
#include "Int8Common.h"
#include "Kernels.h"

#include "llvm/ADT/bit.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kMaxWarps = 8; // per block
constexpr int64_t kSms = 132;     // H200
constexpr int64_t kChunk = 8; // elements per lane and step
constexpr int64_t kUnroll = 4; // chunks per lane loaded at once
/// Enough warps in flight to fill an H200 (132 SMs); more rows loop.
constexpr int64_t kMaxBlocks = 16 * kSms;

} // namespace

std::optional<bool> gpu_kernels::int8LevelsSigned(QuantizedType type) {
  if (type.getMinLevel() >= 0 && type.getMaxLevel() <= 255)
    return false;
  if (type.getMinLevel() >= -128 && type.getMaxLevel() <= 127)
    return true;
  return std::nullopt;
}

bool QuantizeLevelsSpec::asymmetric() const {
  return scheme.getMode() == QuantMode::Asymmetric;
}

Kernel gpu_kernels::buildQuantizeLevelsKernel(OpBuilder &b, Location loc,
                                              StringRef name,
                                              const QuantizeLevelsSpec &spec) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto vec = [](int64_t size, Type type) { return MemRefType::get({size}, type); };
  const int64_t m = spec.m, k = spec.k;
  SmallVector<Type> argTypes{vec(m * k, spec.inputType), vec(spec.bytes(), b.getI8Type()),
                             vec(m, f32)};
  if (spec.asymmetric())
    argTypes.push_back(vec(m, i32));
  if (spec.rowSums)
    argTypes.push_back(vec(m, i32));
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  BytePointers p{kb};
  unsigned next = 0;
  auto arg = [&] { return func.getArgument(next++); };
  Value x = arg(), levels = arg(), scaleOut = arg();
  Value zpOut = spec.asymmetric() ? arg() : Value();
  Value sumOut = spec.rowSums ? arg() : Value();

  const int64_t kTiles = llvm::divideCeil(k, 32);
  // Wgmma tiles: rows in blocks of 128, K in slots of 64 bytes.
  const int64_t rowBlock = spec.wgmmaTiles ? kInt8WgmmaLhsRows : 16;
  const int64_t kSpan = spec.wgmmaTiles ? kInt8WgmmaSlotBytes : 32;
  const int64_t kSlots = llvm::divideCeil(k, kSpan);
  const int64_t paddedChunks = kSlots * kSpan / kChunk, realChunks = llvm::divideCeil(k, kChunk);
  const int64_t elementBytes = spec.inputType.getIntOrFloatBitWidth() / 8;
  // Whole chunks start 16-byte aligned in every row: one wide load each.
  const bool wide = k % kChunk == 0;
  QuantizedType type = spec.type;
  const double qmin = type.getMinLevel(), qmax = type.getMaxLevel();

  Value xBase = kb.globalPointer(x), levelBase = kb.globalPointer(levels);
  Value lane = kb.remu(kb.threadId(), 32), warp = kb.divu(kb.threadId(), 32);
  // Warps per block: 8, fewer where blocks of 8 would leave SMs idle (M =
  // 512: 2 warps, 256 blocks).
  const int64_t kWarps =
      std::clamp<int64_t>(int64_t(llvm::bit_floor(uint64_t(std::max<int64_t>(m / kSms, 1)))), 1,
                          kMaxWarps);
  Value first = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), kWarps), warp);
  Value stride = kb.mul(gpu::GridDimOp::create(b, loc, gpu::Dimension::x), kWarps);
  const int64_t paddedRows = llvm::divideCeil(m, rowBlock) * rowBlock;

  auto toF32 = [&](Value v) -> Value {
    return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, f32, v).getResult();
  };
  auto fmax = [&](Value a, Value c) { return arith::MaximumFOp::create(b, loc, a, c).getResult(); };
  auto fmin = [&](Value a, Value c) { return arith::MinimumFOp::create(b, loc, a, c).getResult(); };
  auto roundEven = [&](Value v) { return p.f32Asm("cvt.rni.f32.f32 $0, $1;", v); };
  // Chunk `c` (index) of row `row` as f32 values, each with whether it is
  // inside the row (the chunk is clamped into the row, so no load leaves
  // it; the values past K are the row's last).
  auto loadChunk = [&](Value row, Value c) {
    SmallVector<std::pair<Value, Value>> xs;
    Value rowBase = kb.mul(row, k);
    if (wide) {
      Value cl = kb.minu(c, realChunks - 1);
      Value offset = p.toI64(kb.mul(kb.add(rowBase, kb.mul(cl, kChunk)), elementBytes));
      Value v = p.load(VectorType::get({kChunk}, spec.inputType), kb.byteOffset(xBase, offset), 16);
      Value inside = kb.ult(c, realChunks);
      for (int64_t j = 0; j < kChunk; ++j)
        xs.push_back({toF32(LLVM::ExtractElementOp::create(b, loc, v, kb.i32(j))), inside});
      return xs;
    }
    for (int64_t j = 0; j < kChunk; ++j) {
      Value column = kb.add(kb.mul(c, kChunk), j);
      Value e = kb.load(x, kb.add(rowBase, kb.minu(column, k - 1)));
      xs.push_back({toF32(e), kb.ult(column, k)});
    }
    return xs;
  };
  auto butterfly = [&](Value v, function_ref<Value(Value, Value)> combine) {
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, loc, v, offset, 32, gpu::ShuffleMode::XOR);
      v = combine(v, shuffle.getShuffleResult());
    }
    return v;
  };
  // Byte offset of chunk `c` of `row` in the int8 layout or the wgmma
  // tiles (16-byte chunk c / 2 of the row's slot c / 8, swizzled).
  auto chunkOffset = [&](Value row, Value c) {
    if (spec.wgmmaTiles) {
      Value r = kb.remu(row, rowBlock);
      Value slot = kb.add(kb.mul(kb.divu(row, rowBlock), kSlots), kb.divu(c, 8));
      Value r32 = p.toI32(r), c32 = p.toI32(c);
      Value chunk = arith::XOrIOp::create(b, loc, p.bitAnd(p.shr(c32, 1), 3),
                                          p.bitAnd(p.shr(r32, 1), 3));
      Value inRow = p.bitOr(p.shl(chunk, 4), p.shl(p.bitAnd(c32, 1), 3));
      return kb.add(p.toI64(kb.mul(kb.add(kb.mul(slot, rowBlock), r), kInt8WgmmaSlotBytes)),
                    p.toI64(inRow));
    }
    Value tile = kb.add(kb.mul(kb.divu(row, 16), kTiles), kb.divu(c, 4));
    return p.toI64(kb.add(kb.add(kb.mul(tile, 512), kb.mul(kb.remu(row, 16), 32)),
                          kb.mul(kb.remu(c, 4), kChunk)));
  };
  auto v2i32 = VectorType::get({2}, i32);
  auto storeChunk = [&](Value row, Value c, Value lo, Value hi) {
    Value v = LLVM::PoisonOp::create(b, loc, v2i32);
    v = LLVM::InsertElementOp::create(b, loc, v, lo, kb.i32(0));
    v = LLVM::InsertElementOp::create(b, loc, v, hi, kb.i32(1));
    p.store(v, kb.byteOffset(levelBase, chunkOffset(row, c)), 8);
  };

  auto rowLoop = scf::ForOp::create(b, loc, first, kb.idx(paddedRows), stride);
  b.setInsertionPointToStart(rowLoop.getBody());
  Value row = rowLoop.getInductionVar();
  auto ifOp = scf::IfOp::create(b, loc, kb.ult(row, m), /*withElseRegion=*/true);
  b.setInsertionPointToStart(ifOp.thenBlock());

  // The row's range: lo, hi (asymmetric) or max |x| (symmetric).
  const double inf = std::numeric_limits<double>::infinity();
  SmallVector<Value> init = spec.asymmetric() ? SmallVector<Value>{kb.f32(inf), kb.f32(-inf)}
                                              : SmallVector<Value>{kb.f32(0.0)};
  // Both passes load kUnroll chunks per lane before using them: a warp per
  // row leaves few warps per SM, so the loads in flight set the speed.
  auto loadChunks = [&](Value c0) {
    SmallVector<std::pair<Value, Value>> xs;
    for (int64_t u = 0; u < kUnroll; ++u)
      llvm::append_range(xs, loadChunk(row, kb.add(c0, kb.idx(32 * u))));
    return xs;
  };
  auto range = scf::ForOp::create(
      b, loc, lane, kb.idx(realChunks), kb.idx(32 * kUnroll), init,
      [&](OpBuilder &nb, Location, Value c0, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        SmallVector<Value> folded(acc);
        for (auto [e, inside] : loadChunks(c0)) {
          if (!spec.asymmetric()) {
            Value magnitude = p.f32Asm("abs.f32 $0, $1;", e);
            folded[0] = fmax(folded[0], kb.select(inside, magnitude, kb.f32(0.0)));
            continue;
          }
          folded[0] = fmin(folded[0], kb.select(inside, e, kb.f32(inf)));
          folded[1] = fmax(folded[1], kb.select(inside, e, kb.f32(-inf)));
        }
        scf::YieldOp::create(b, loc, folded);
      });

  // docs/Semantics.md, bwta.quantize (k-bit, dynamic).
  auto nonZero = [&](Value s) {
    return kb.select(kb.fcmp(arith::CmpFPredicate::OEQ, s, kb.f32(0.0)), kb.f32(1.0), s);
  };
  Value scale, zeroPoint;
  if (spec.asymmetric()) {
    Value lo = butterfly(range.getResult(0), fmin);
    Value hi = butterfly(range.getResult(1), fmax);
    scale = nonZero(kb.fdiv(arith::SubFOp::create(b, loc, hi, lo), kb.f32(qmax - qmin)));
    Value zp = arith::SubFOp::create(b, loc, kb.f32(qmin), roundEven(kb.fdiv(lo, scale)));
    zp = fmin(fmax(zp, kb.f32(-0x1p30)), kb.f32(0x1p30));
    zeroPoint = arith::FPToSIOp::create(b, loc, i32, zp);
  } else {
    scale = nonZero(kb.fdiv(butterfly(range.getResult(0), fmax), kb.f32(qmax)));
  }
  Value zpF32 = zeroPoint ? kb.toF32(zeroPoint) : Value();

  // The levels, chunk by chunk over the padded row (bytes past K are 0).
  // Chunks past the padded row (the last step's) are not stored; their
  // levels are 0 (outside the row), so the sum holds.
  auto quantized = scf::ForOp::create(
      b, loc, lane, kb.idx(paddedChunks), kb.idx(32 * kUnroll), ValueRange{kb.i32(0)},
      [&](OpBuilder &nb, Location, Value c0, ValueRange acc) {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        auto xs = loadChunks(c0);
        Value sum = acc[0];
        for (int64_t u = 0; u < kUnroll; ++u) {
          Value words[2] = {kb.i32(0), kb.i32(0)};
          for (int64_t j = 0; j < kChunk; ++j) {
            auto [x, inside] = xs[u * kChunk + j];
            Value v = roundEven(kb.fdiv(x, scale));
            if (zpF32)
              v = kb.fadd(v, zpF32);
            v = fmin(fmax(v, kb.f32(qmin)), kb.f32(qmax));
            Value level = arith::FPToSIOp::create(b, loc, i32, v);
            level = kb.select(inside, level, kb.i32(0));
            sum = kb.add(sum, level);
            words[j / 4] = p.bitOr(words[j / 4], p.shl(p.bitAnd(level, 0xff), 8 * (j % 4)));
          }
          Value c = kb.add(c0, kb.idx(32 * u));
          auto store = [&] { storeChunk(row, c, words[0], words[1]); };
          if (u == 0 || paddedChunks % (32 * kUnroll) == 0)
            store();
          else
            kb.ifThen(kb.ult(c, paddedChunks), store);
        }
        scf::YieldOp::create(b, loc, sum);
      });
  Value rowSum = spec.rowSums ? butterfly(quantized.getResult(0), [&](Value a, Value c) {
    return kb.add(a, c);
  }) : Value();
  kb.ifThen(kb.eq(lane, 0), [&] {
    kb.store(scale, scaleOut, row);
    if (zeroPoint)
      kb.store(zeroPoint, zpOut, row);
    if (rowSum)
      kb.store(rowSum, sumOut, row);
  });

  // Rows past M (the last row tile's padding) are zeros.
  b.setInsertionPointToStart(ifOp.elseBlock());
  auto zeros = scf::ForOp::create(b, loc, lane, kb.idx(paddedChunks), kb.idx(32));
  b.setInsertionPointToStart(zeros.getBody());
  storeChunk(row, zeros.getInductionVar(), kb.i32(0), kb.i32(0));

  b.setInsertionPointAfter(rowLoop);
  gpu::ReturnOp::create(b, loc);
  return {func,
          {std::min<int64_t>(llvm::divideCeil(paddedRows, kWarps), kMaxBlocks), 1, 1},
          {32 * kWarps, 1, 1}};
}
