//===- WgmmaCommon.h - wgmma from shared memory (sm_90a) --------*- C++ -*-===//
//
// The pieces of a wgmma GEMM that do not depend on the operand type: the
// shared-memory matrix descriptor of a K-major swizzled operand and one
// wgmma.mma_async through inline PTX (MLIR 22's nvvm.wgmma.mma_async
// cannot spell every variant, e.g. b1 .and.popc).
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_WGMMACOMMON_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_WGMMACOMMON_H

#include "KernelBuilder.h"

#include <string>

namespace bwta::gpu_kernels {

/// The descriptor of a K-major operand at 32-bit shared address `address`
/// whose rows are `rowBytes` apart (32, 64 or 128: the swizzle of that
/// width, each 16-byte chunk c of row r at chunk c ^ (bits 7.. of r·rowBytes)
/// of the row), 8-row groups 8·rowBytes apart. The operand's block must be
/// aligned to the swizzle period (8·rowBytes); a K step inside a row is an
/// `address` advanced by its byte offset (the hardware swizzles addresses).
inline mlir::Value wgmmaDescriptor(KernelBuilder &kb, mlir::Value address,
                                   int64_t rowBytes) {
  mlir::Type i64 = kb.b.getI64Type();
  auto c64 = [&](int64_t v) {
    return mlir::arith::ConstantIntOp::create(kb.b, kb.loc, i64, v);
  };
  // Layout type (bits 62-63): 1 = 128-byte, 2 = 64-byte, 3 = 32-byte swizzle.
  uint64_t layout = rowBytes == 128 ? 1 : rowBytes == 64 ? 2 : 3;
  int64_t fixed = (int64_t(1) << 16) | (int64_t(8 * rowBytes >> 4) << 32) |
                  int64_t(layout << 62);
  mlir::Value start = mlir::arith::ExtUIOp::create(
      kb.b, kb.loc, i64, kb.andI(address, kb.i32(0x3FFFF)));
  start = mlir::arith::ShRUIOp::create(kb.b, kb.loc, start, c64(4));
  return mlir::arith::OrIOp::create(kb.b, kb.loc, start, c64(fixed));
}

/// `instruction` (e.g. "wgmma.mma_async.sync.aligned.m64n256k32.s32.u8.s8")
/// on the accumulators `acc` (int32, one per register of the fragment)
/// with A and B from descriptors, accumulating (scale-d = 1, or `scaleD`:
/// an i32, 0 to overwrite `acc`); returns the new accumulators. Operands:
/// $0..$(n−1) the results, tied to the inputs $(n+3)..; $n, $(n+1) the
/// descriptors, $(n+2) scale-d.
inline llvm::SmallVector<mlir::Value>
wgmmaAsync(KernelBuilder &kb, llvm::StringRef instruction, mlir::ValueRange acc,
           mlir::Value descA, mlir::Value descB, mlir::Value scaleD = {}) {
  int64_t n = acc.size();
  std::string regs, constraints;
  for (int64_t i = 0; i < n; ++i) {
    regs += (i ? ", $" : "$") + std::to_string(i);
    constraints += "=r,";
  }
  constraints += "l,l,r";
  for (int64_t i = 0; i < n; ++i)
    constraints += "," + std::to_string(i);
  std::string text = "{\n.reg .pred p;\nsetp.ne.b32 p, $" +
                     std::to_string(n + 2) + ", 0;\n" + instruction.str() +
                     " {" + regs + "}, $" + std::to_string(n) + ", $" +
                     std::to_string(n + 1) + ", p;\n}\n";
  llvm::SmallVector<mlir::Value> operands{descA, descB, scaleD ? scaleD : kb.i32(1)};
  operands.append(acc.begin(), acc.end());
  auto type = mlir::LLVM::LLVMStructType::getLiteral(
      kb.b.getContext(), llvm::SmallVector<mlir::Type>(n, kb.b.getI32Type()));
  auto mma = mlir::LLVM::InlineAsmOp::create(
      kb.b, kb.loc, type, operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      mlir::LLVM::tailcallkind::TailCallKind::None,
      mlir::LLVM::AsmDialectAttr::get(kb.b.getContext(),
                                      mlir::LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/mlir::ArrayAttr());
  llvm::SmallVector<mlir::Value> result;
  for (int64_t i = 0; i < n; ++i)
    result.push_back(
        mlir::LLVM::ExtractValueOp::create(kb.b, kb.loc, mma.getResult(0), i));
  return result;
}

/// Spins until the mbarrier at shared address `address` has completed the
/// phase of parity `parity`.
inline void mbarrierWaitParity(KernelBuilder &kb, mlir::Value address, mlir::Value parity) {
  ptxStatement(kb,
               "{\n.reg .pred p;\nLAB_WAIT:\nmbarrier.try_wait.parity.shared::cta.b64 p, "
               "[$0], $1;\n@!p bra LAB_WAIT;\n}",
               {address, parity}, "r,r,~{memory}");
}

/// Initializes the mbarrier at shared address `bar` for `count` arrivals.
inline void mbarrierInit(KernelBuilder &kb, mlir::Value bar, int64_t count) {
  ptxStatement(kb, "mbarrier.init.shared::cta.b64 [$0], $1;", {bar, kb.i32(count)},
               "r,r,~{memory}");
}

/// One arrival on the mbarrier at shared address `bar`.
inline void mbarrierArrive(KernelBuilder &kb, mlir::Value bar) {
  ptxStatement(kb, "mbarrier.arrive.shared::cta.b64 _, [$0];", {bar}, "r,~{memory}");
}

/// Arms the mbarrier at shared address `bar` to expect `bytes` more bytes
/// of asynchronous copies in its current phase (one arrival).
inline void mbarrierArriveExpectTx(KernelBuilder &kb, mlir::Value bar, mlir::Value bytes) {
  ptxStatement(kb, "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", {bar, bytes},
               "r,r,~{memory}");
}

/// The turns of ping-pong consumers (both wgmma GEMMs): warpgroups 0 and 1
/// take a block's tiles i = w, w + 2, ..., and warpgroup w issues the
/// mainloop of its tile i > 0 only once the other has issued that of tile
/// i − 1, so the mainloops alternate on the tensor pipe while the other
/// warpgroup runs its epilogue. turn[w] is the 8-byte mbarrier at shared
/// address `turns` + 8w; it completes a phase per tile of the other
/// warpgroup (4 arrivals: its warps' lane 0).
struct PingpongTurns {
  KernelBuilder &kb;
  mlir::Value turns;

  mlir::Value turn(mlir::Value w) {
    return kb.add(turns, mlir::arith::ShLIOp::create(kb.b, kb.loc, w, kb.i32(3)));
  }
  /// Both mbarriers (one thread).
  void init() {
    for (int64_t w = 0; w < 2; ++w)
      mbarrierInit(kb, kb.add(turns, kb.i32(8 * w)), 4);
  }
  /// Before warpgroup `group`'s tile i: waits for the ((i − 1) / 2)-th
  /// phase of its turn.
  void wait(mlir::Value group, mlir::Value i) {
    kb.ifThen(kb.cmp(mlir::arith::CmpIPredicate::ugt, i, kb.i32(0)), [&] {
      mlir::Value phase =
          mlir::arith::ShRUIOp::create(kb.b, kb.loc, kb.sub(i, kb.i32(1)), kb.i32(1));
      mbarrierWaitParity(kb, turn(group), kb.andI(phase, kb.i32(1)));
    });
  }
  /// After warpgroup `group` issued a tile's mainloop: the other's turn.
  void pass(mlir::Value group, mlir::Value lane) {
    kb.ifThen(kb.eq(lane, 0), [&] { mbarrierArrive(kb, turn(kb.sub(kb.i32(1), group))); });
  }
};

/// Named barrier 1 + `group` over the 128 threads of warpgroup `group`
/// (barrier 0 is the block's).
inline void warpgroupBarrier(KernelBuilder &kb, mlir::Value group) {
  ptxStatement(kb, "bar.sync $0, 128;", {kb.add(group, kb.i32(1))}, "r,~{memory}");
}

/// One bulk copy of `bytes` (i32, a multiple of 16) from global `source` to
/// shared address `dest`, completing on the mbarrier at `bar`.
inline void bulkCopyToShared(KernelBuilder &kb, mlir::Value dest, mlir::Value source,
                             mlir::Value bytes, mlir::Value bar) {
  ptxStatement(kb,
               "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes "
               "[$0], [$1], $2, [$3];",
               {dest, source, bytes, bar}, "r,l,r,r,~{memory}");
}

/// `value` (i32) as lane 0 of the warp holds it, a value ptxas knows to be
/// warp-uniform: role tests on it keep the wgmmas unserialized (with a test
/// on %tid.x ptxas serializes every wgmma, "compiler-inserted WG.AR in
/// divergent path"), as CUTLASS does.
inline mlir::Value warpUniform(KernelBuilder &kb, mlir::Value value) {
  mlir::Type i32 = kb.b.getI32Type();
  return mlir::NVVM::ShflOp::create(
      kb.b, kb.loc, i32, kb.i32(-1), value, kb.i32(0), kb.i32(31),
      mlir::NVVM::ShflKindAttr::get(kb.b.getContext(), mlir::NVVM::ShflKind::idx),
      mlir::UnitAttr());
}

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_WGMMACOMMON_H
