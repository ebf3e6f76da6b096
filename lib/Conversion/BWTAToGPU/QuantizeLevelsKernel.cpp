//===- QuantizeLevelsKernel.cpp - activation levels as bytes (int8 path) --===//
//
// T threads per row (32 to 1024, a power of 2; blocks of 256 threads hold
// 256 / T rows): thread t holds the 16-element pieces t, t + T, ... of its
// row in registers, loaded before any is used (16-byte loads where rows are
// 16-byte aligned). Min, max and integer sums do not depend on the order of
// their operands: butterflies over the lanes, then over the row's warps in
// shared memory, give the row's exactly. f16 rows take the thread's min and
// max over packed pairs (min/max.NaN.f16x2, half the instructions of f32;
// the kernel 5-10 % faster at M ≥ 2048 on the H200). Each piece's 16
// levels go out as one 16-byte store in the int8 layout [RT][KT][16][32],
// or in the wgmma tiles [⌈M/128⌉][⌈K/64⌉][128][64] (swizzled) where every
// reader is the wgmma GEMM.
//
// The levels are those of docs/Semantics.md, clamp(roundeven(x / s) + zp),
// with x / s the IEEE quotient; a division per element would set the
// kernel's speed, so it is formed as q = x · y with y = 1/s rounded once
// per row, and roundeven and the level read off q + 1.5·2^23. That is the
// reference's level unless the quotient is near a half-integer: with
// |x| ≤ X (the row's max |x|), |q − RN(x / s)| < X·y·2^-22 + 2^-149 where s
// and 1/s are normal (y and q with relative errors ≤ 2^-24 each), so q
// further than thr = 0.5 − (X·y·2^-21 + 2^-24) from its nearest integer
// rounds like the true quotient (q − roundeven(q) is exact there). Chunks of
// 8 elements with any element closer (or a row whose scale is outside
// [2^-125, 2^125], thr = −1) are computed again with true divisions.
//
//===----------------------------------------------------------------------===//
#include "Int8Common.h"
#include "Kernels.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr int64_t kChunk = 8;    // elements per 16-byte f16 load
constexpr int64_t kPiece = 16;   // elements per thread step (16 bytes stored)
constexpr int64_t kBlock = 256;  // threads per block where rows take fewer
/// Threads a grid should have for every SM of an H200 (132) to hold 1024.
constexpr int64_t kFillThreads = 132 * 1024;

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

  const int64_t kTiles = llvm::divideCeil(k, 32);
  // Wgmma tiles: rows in blocks of 128, K in slots of 64 bytes.
  const int64_t rowBlock = spec.wgmmaTiles ? kInt8WgmmaLhsRows : 16;
  const int64_t kSpan = spec.wgmmaTiles ? kInt8WgmmaSlotBytes : 32;
  const int64_t kSlots = llvm::divideCeil(k, kSpan);
  // Pieces stored per row (the padded row: bytes past K are 0) and loaded.
  const int64_t pieces = kSlots * kSpan / kPiece, realPieces = llvm::divideCeil(k, kPiece);
  const int64_t realChunks = llvm::divideCeil(k, kChunk);
  const int64_t elementBytes = spec.inputType.getIntOrFloatBitWidth() / 8;
  // Whole chunks start 16-byte aligned in every row: one wide load each.
  const bool wide = k % kChunk == 0;
  const int64_t paddedRows = llvm::divideCeil(m, rowBlock) * rowBlock;
  // Threads per row: 128, at most one per piece; more where a thread's
  // pieces would not stay in registers (4 of f16, 2 of f32), or (up to 256)
  // where the grid would not fill the GPU. Measured on the H200 (W2A8, K =
  // 4096 and 11008, M = 512 to 8192): 128 and 256 equal within noise, 32,
  // 64 and 512 slower. (Rows past 1024 · 4 pieces of f16, 1024 · 2 of f32,
  // still keep a thread's pieces in registers, spilling.)
  const int64_t maxHeld = elementBytes <= 2 ? 4 : 2;
  int64_t rowThreads = 32;
  while (rowThreads < 1024 && rowThreads < pieces &&
         (rowThreads < 128 || int64_t(llvm::divideCeil(realPieces, rowThreads)) > maxHeld ||
          (rowThreads < 256 && m * rowThreads < kFillThreads)))
    rowThreads *= 2;
  const int64_t held = llvm::divideCeil(pieces, rowThreads);
  const int64_t blockThreads = std::max(rowThreads, kBlock);
  const int64_t rowsPerBlock = blockThreads / rowThreads, rowWarps = rowThreads / 32;
  QuantizedType type = spec.type;
  const double qmin = type.getMinLevel(), qmax = type.getMaxLevel();
  const bool satClamps = (qmin == 0 && qmax == 255) || (qmin == -128 && qmax == 127);

  auto workgroup = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value rangeScratch, sumScratch;
  if (rowWarps > 1) {
    auto shared = [&](int64_t size, Type t) {
      return func.addWorkgroupAttribution(
          MemRefType::get({size}, t, MemRefLayoutAttrInterface{}, workgroup), loc);
    };
    rangeScratch = shared(2 * blockThreads / 32, f32);
    if (spec.rowSums)
      sumScratch = shared(blockThreads / 32, i32);
  }

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&func.getBody().front());
  KernelBuilder kb{b, loc};
  BytePointers p{kb};
  unsigned next = 0;
  auto arg = [&] { return func.getArgument(next++); };
  Value x = arg(), levels = arg(), scaleOut = arg();
  Value zpOut = spec.asymmetric() ? arg() : Value();
  Value sumOut = spec.rowSums ? arg() : Value();

  Value xBase = kb.globalPointer(x), levelBase = kb.globalPointer(levels);
  Value thread = kb.threadId();
  Value lane = kb.remu(thread, 32), t = kb.remu(thread, rowThreads);
  Value rowInBlock = kb.divu(thread, rowThreads), warpInRow = kb.divu(t, 32);
  Value row = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), rowsPerBlock), rowInBlock);
  // Rows past M (the last row block's padding) store zeros; they read row
  // M - 1 so that every thread takes the same path to the barriers.
  Value rowValid = kb.ult(row, m);
  Value loadRow = kb.minu(row, m - 1);

  auto asm2 = [&](StringRef text, StringRef constraints, Type result, ValueRange operands) {
    return LLVM::InlineAsmOp::create(
               b, loc, result, operands, text, constraints, /*has_side_effects=*/false,
               /*is_align_stack=*/false, LLVM::tailcallkind::TailCallKind::None,
               LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
               /*operand_attrs=*/ArrayAttr())
        .getResult(0);
  };
  auto fop = [&](StringRef op, Value a, Value c) {
    return asm2((op + " $0, $1, $2;").str(), "=f,f,f", f32, {a, c});
  };
  auto toF32 = [&](Value v) -> Value {
    return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, f32, v).getResult();
  };
  auto fmax = [&](Value a, Value c) { return arith::MaximumFOp::create(b, loc, a, c).getResult(); };
  auto fmin = [&](Value a, Value c) { return arith::MinimumFOp::create(b, loc, a, c).getResult(); };
  auto fabs = [&](Value v) { return p.f32Asm("abs.f32 $0, $1;", v); };
  auto roundEven = [&](Value v) { return p.f32Asm("cvt.rni.f32.f32 $0, $1;", v); };

  // Piece `pc` (index) of the row: 16 f32 values and, per chunk of 8,
  // whether it lies inside the row and row (`elementInside` per element
  // where rows are not whole chunks), and the 16-byte chunks as loaded
  // (wide rows). Chunks are clamped into the row, so no load leaves it and
  // the values past K are the row's own (the range holds).
  struct Piece {
    SmallVector<Value> xs, inside, chunks;
  };
  auto loadPiece = [&](Value pc) {
    Piece piece;
    Value rowBase = kb.mul(loadRow, k);
    for (int64_t h = 0; h < 2; ++h) {
      Value c = kb.add(kb.mul(pc, 2), h);
      if (wide) {
        Value cl = kb.minu(c, realChunks - 1);
        Value offset = p.toI64(kb.mul(kb.add(rowBase, kb.mul(cl, kChunk)), elementBytes));
        Value v = p.load(VectorType::get({kChunk}, spec.inputType), kb.byteOffset(xBase, offset),
                         16);
        piece.chunks.push_back(v);
        for (int64_t j = 0; j < kChunk; ++j)
          piece.xs.push_back(LLVM::ExtractElementOp::create(b, loc, v, kb.i32(j)));
        piece.inside.push_back(kb.andI(kb.ult(c, realChunks), rowValid));
        continue;
      }
      for (int64_t j = 0; j < kChunk; ++j) {
        Value column = kb.add(kb.mul(c, kChunk), j);
        piece.xs.push_back(kb.load(x, kb.add(rowBase, kb.minu(column, k - 1))));
        piece.inside.push_back(kb.andI(kb.ult(column, k), rowValid));
      }
    }
    return piece;
  };

  // All of the thread's pieces, loaded before any is used.
  SmallVector<Value> pcs;
  SmallVector<Piece> data;
  for (int64_t j = 0; j < held; ++j)
    pcs.push_back(kb.add(t, kb.idx(j * rowThreads)));
  for (int64_t j = 0; j < held; ++j)
    data.push_back(loadPiece(pcs[j]));
  for (auto &piece : data)
    for (Value &v : piece.xs)
      v = toF32(v);

  // The row's range: lo, hi (asymmetric) or max |x| (symmetric). Pieces a
  // thread holds past the row's pieces hold the row's last chunk again.
  const double inf = std::numeric_limits<double>::infinity();
  SmallVector<Value> range = spec.asymmetric() ? SmallVector<Value>{kb.f32(inf), kb.f32(-inf)}
                                               : SmallVector<Value>{kb.f32(0.0)};
  if (wide && spec.inputType.isF16()) {
    // f16 rows: over packed pairs (the min and max of f16 values are those
    // of their f32 values; max.NaN/min.NaN propagate NaN as the f32 ops
    // do), one f16x2 op per pair, the two halves joined in f32.
    SmallVector<Value> words;
    auto v4i32 = VectorType::get({4}, i32);
    for (auto &piece : data)
      for (Value chunk : piece.chunks) {
        Value packed = LLVM::BitcastOp::create(b, loc, v4i32, chunk);
        for (int64_t w = 0; w < 4; ++w) {
          Value word = LLVM::ExtractElementOp::create(b, loc, packed, kb.i32(w));
          if (!spec.asymmetric())
            word = kb.andI(word, kb.i32(0x7fff7fff)); // |x| of both halves
          if (words.empty()) {
            words.assign(range.size(), word);
            continue;
          }
          for (size_t i = 0; i < range.size(); ++i)
            words[i] = asm2(spec.asymmetric() && i == 0 ? "min.NaN.f16x2 $0, $1, $2;"
                                                        : "max.NaN.f16x2 $0, $1, $2;",
                            "=r,r,r", i32, {words[i], word});
        }
      }
    auto half = [&](Value word, StringRef which) {
      return asm2(("{\n.reg .b16 lo, hi;\nmov.b32 {lo, hi}, $1;\ncvt.f32.f16 $0, " + which +
                   ";\n}")
                      .str(),
                  "=f,r", f32, {word});
    };
    for (size_t i = 0; i < range.size(); ++i) {
      Value lo = half(words[i], "lo"), hi = half(words[i], "hi");
      range[i] = spec.asymmetric() && i == 0 ? fmin(lo, hi) : fmax(lo, hi);
    }
  } else {
    for (auto &piece : data)
      for (Value e : piece.xs) {
        if (!spec.asymmetric()) {
          range[0] = fmax(range[0], fabs(e));
          continue;
        }
        range[0] = fmin(range[0], e);
        range[1] = fmax(range[1], e);
      }
  }
  auto butterfly = [&](Value v, function_ref<Value(Value, Value)> combine) {
    for (int32_t offset = 16; offset >= 1; offset /= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, loc, v, offset, 32, gpu::ShuffleMode::XOR);
      v = combine(v, shuffle.getShuffleResult());
    }
    return v;
  };
  auto combineRange = [&](size_t i, Value a, Value c) {
    return spec.asymmetric() && i == 0 ? fmin(a, c) : fmax(a, c);
  };
  for (size_t i = 0; i < range.size(); ++i)
    range[i] = butterfly(range[i], [&](Value a, Value c) { return combineRange(i, a, c); });
  // Across the row's warps: lane 0 of each writes its warp's, all read all.
  Value rowSlot = kb.mul(rowInBlock, rowWarps);
  if (rowWarps > 1) {
    kb.ifThen(kb.eq(lane, 0), [&] {
      for (size_t i = 0; i < range.size(); ++i)
        kb.store(range[i], rangeScratch, kb.add(kb.mul(kb.add(rowSlot, warpInRow), 2), i));
    });
    gpu::BarrierOp::create(b, loc);
    for (size_t i = 0; i < range.size(); ++i) {
      Value v = kb.load(rangeScratch, kb.add(kb.mul(rowSlot, 2), i));
      for (int64_t w = 1; w < rowWarps; ++w)
        v = combineRange(i, v, kb.load(rangeScratch, kb.add(kb.mul(kb.add(rowSlot, w), 2), i)));
      range[i] = v;
    }
  }

  // docs/Semantics.md, bwta.quantize (k-bit, dynamic).
  auto nonZero = [&](Value s) {
    return kb.select(kb.fcmp(arith::CmpFPredicate::OEQ, s, kb.f32(0.0)), kb.f32(1.0), s);
  };
  Value scale, zeroPoint, xMax;
  if (spec.asymmetric()) {
    Value lo = range[0], hi = range[1];
    scale = nonZero(kb.fdiv(arith::SubFOp::create(b, loc, hi, lo), kb.f32(qmax - qmin)));
    Value zp = arith::SubFOp::create(b, loc, kb.f32(qmin), roundEven(kb.fdiv(lo, scale)));
    zp = fmin(fmax(zp, kb.f32(-0x1p30)), kb.f32(0x1p30));
    zeroPoint = arith::FPToSIOp::create(b, loc, i32, zp);
    xMax = fmax(fabs(lo), fabs(hi));
  } else {
    scale = nonZero(kb.fdiv(range[0], kb.f32(qmax)));
    xMax = range[0];
  }
  Value zpF32 = zeroPoint ? kb.toF32(zeroPoint) : Value();
  // The fast path's row constants (see the file comment).
  const double magic = 0x1.8p23;
  const int64_t magicBits = 0x4B400000;
  Value y = p.f32Asm("rcp.rn.f32 $0, $1;", scale);
  Value absScale = fabs(scale);
  Value scaleNormal = kb.andI(kb.fcmp(arith::CmpFPredicate::OGE, absScale, kb.f32(0x1p-125)),
                              kb.fcmp(arith::CmpFPredicate::OLE, absScale, kb.f32(0x1p125)));
  Value margin = asm2("fma.rn.f32 $0, $1, $2, $3;", "=f,f,f,f", f32,
                      {fop("mul.rn.f32", xMax, y), kb.f32(0x1p-21), kb.f32(0x1p-24)});
  Value thr = kb.select(scaleNormal, fop("sub.rn.f32", kb.f32(0.5), margin), kb.f32(-1.0));
  // level = bits(q + 1.5·2^23) − bits(1.5·2^23) + zp, in wrapping i32.
  Value addend = kb.i32(-magicBits);
  if (zeroPoint)
    addend = kb.add(zeroPoint, addend);

  // Levels (in [qmin, qmax]) as the bytes of a word, lv[0] lowest: two
  // cvt.pack.sat (d = c << 16 | sat(a) << 8 | sat(b)).
  const bool signedLevels = qmin < 0;
  const char *packAsm = signedLevels ? "cvt.pack.sat.s8.s32.b32 $0, $1, $2, $3;"
                                     : "cvt.pack.sat.u8.s32.b32 $0, $1, $2, $3;";
  auto packBytes = [&](ArrayRef<Value> lv) {
    Value hi = asm2(packAsm, "=r,r,r,r", i32, {lv[3], lv[2], kb.i32(0)});
    return asm2(packAsm, "=r,r,r,r", i32, {lv[1], lv[0], hi});
  };
  // The reference's levels of a chunk (two words of 4 bytes).
  auto referenceChunk = [&](ArrayRef<Value> xs) {
    SmallVector<Value> lv;
    for (Value e : xs) {
      Value v = roundEven(kb.fdiv(e, scale));
      if (zpF32)
        v = kb.fadd(v, zpF32);
      v = fmin(fmax(v, kb.f32(qmin)), kb.f32(qmax));
      lv.push_back(arith::FPToSIOp::create(b, loc, i32, v));
    }
    return lv;
  };
  auto v4i32 = VectorType::get({4}, i32);
  // Byte offset of piece `pc` (16 bytes) of `row` in the int8 layout or the
  // wgmma tiles (16-byte chunk pc % 4 of the row's slot pc / 4, swizzled).
  auto pieceOffset = [&](Value pc) {
    if (spec.wgmmaTiles) {
      Value r = kb.remu(row, rowBlock);
      Value slot = kb.add(kb.mul(kb.divu(row, rowBlock), kSlots), kb.divu(pc, 4));
      Value chunk = arith::XOrIOp::create(b, loc, p.bitAnd(p.toI32(pc), 3),
                                          p.bitAnd(p.shr(p.toI32(r), 1), 3));
      return kb.add(p.toI64(kb.mul(kb.add(kb.mul(slot, rowBlock), r), kInt8WgmmaSlotBytes)),
                    p.toI64(p.shl(chunk, 4)));
    }
    Value tile = kb.add(kb.mul(kb.divu(row, 16), kTiles), kb.divu(pc, 2));
    return p.toI64(
        kb.add(kb.add(kb.mul(tile, 512), kb.mul(kb.remu(row, 16), 32)), kb.mul(kb.remu(pc, 2), 16)));
  };
  Value sum = kb.i32(0);
  for (int64_t j = 0; j < held; ++j) {
    Piece &piece = data[j];
    SmallVector<Value> words;
    for (int64_t h = 0; h < 2; ++h) {
      ArrayRef<Value> xs = ArrayRef<Value>(piece.xs).slice(h * kChunk, kChunk);
      SmallVector<Value> lv;
      Value fast; // every element of the chunk far enough from a tie
      for (Value e : xs) {
        Value q = fop("mul.rn.f32", e, y);
        Value shifted = fop("add.rn.f32", q, kb.f32(magic));
        Value nearest = fop("sub.rn.f32", shifted, kb.f32(magic));
        Value off = fabs(fop("sub.rn.f32", q, nearest));
        Value far = kb.fcmp(arith::CmpFPredicate::OLT, off, thr);
        fast = fast ? kb.andI(fast, far) : far;
        Value level = kb.add(LLVM::BitcastOp::create(b, loc, i32, shifted), addend);
        // The byte packing's saturation is the clamp where [qmin, qmax] is
        // the whole u8 or s8 range.
        if (!satClamps) {
          level = arith::MaxSIOp::create(b, loc, level, kb.i32(int64_t(qmin)));
          level = arith::MinSIOp::create(b, loc, level, kb.i32(int64_t(qmax)));
        }
        lv.push_back(level);
      }
      SmallVector<Value> fastWords{packBytes(ArrayRef<Value>(lv).take_front(4)),
                                   packBytes(ArrayRef<Value>(lv).drop_front(4))};
      auto ifOp = scf::IfOp::create(b, loc, TypeRange{i32, i32}, fast, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        scf::YieldOp::create(b, loc, fastWords);
        b.setInsertionPointToStart(ifOp.elseBlock());
        SmallVector<Value> ref = referenceChunk(xs);
        scf::YieldOp::create(b, loc, ValueRange{packBytes(ArrayRef<Value>(ref).take_front(4)),
                                                packBytes(ArrayRef<Value>(ref).drop_front(4))});
      }
      for (int64_t w = 0; w < 2; ++w) {
        Value word = ifOp.getResult(w);
        if (wide) {
          word = kb.select(piece.inside[h], word, kb.i32(0));
        } else {
          // Bytes of columns past K are 0.
          Value mask = kb.i32(0);
          for (int64_t e = 0; e < 4; ++e)
            mask = p.bitOr(mask, kb.select(piece.inside[h * kChunk + w * 4 + e],
                                           kb.i32(0xffll << (8 * e)), kb.i32(0)));
          word = kb.andI(word, mask);
        }
        words.push_back(word);
      }
    }
    if (spec.rowSums)
      for (Value w : words)
        sum = asm2(signedLevels ? "dp4a.s32.s32 $0, $1, $2, $3;" : "dp4a.u32.u32 $0, $1, $2, $3;",
                   "=r,r,r,r", i32, {w, kb.i32(0x01010101), sum});
    auto store = [&] {
      Value v = LLVM::PoisonOp::create(b, loc, v4i32);
      for (int64_t w = 0; w < 4; ++w)
        v = LLVM::InsertElementOp::create(b, loc, v, words[w], kb.i32(w));
      p.store(v, kb.byteOffset(levelBase, pieceOffset(pcs[j])), 16);
    };
    if ((j + 1) * rowThreads <= pieces)
      store();
    else
      kb.ifThen(kb.ult(pcs[j], pieces), store);
  }

  Value rowSum;
  if (spec.rowSums) {
    rowSum = butterfly(sum, [&](Value a, Value c) { return kb.add(a, c); });
    if (rowWarps > 1) {
      kb.ifThen(kb.eq(lane, 0),
                [&] { kb.store(rowSum, sumScratch, kb.add(rowSlot, warpInRow)); });
      gpu::BarrierOp::create(b, loc);
      kb.ifThen(kb.eq(t, 0), [&] {
        Value s = kb.load(sumScratch, rowSlot);
        for (int64_t w = 1; w < rowWarps; ++w)
          s = kb.add(s, kb.load(sumScratch, kb.add(rowSlot, w)));
        kb.ifThen(rowValid, [&] { kb.store(s, sumOut, row); });
      });
    }
  }
  kb.ifThen(kb.andI(kb.eq(t, 0), rowValid), [&] {
    kb.store(scale, scaleOut, row);
    if (zeroPoint)
      kb.store(zeroPoint, zpOut, row);
    if (rowSum && rowWarps == 1)
      kb.store(rowSum, sumOut, row);
  });
  gpu::ReturnOp::create(b, loc);
  return {func, {paddedRows / rowsPerBlock, 1, 1}, {blockThreads, 1, 1}};
}
