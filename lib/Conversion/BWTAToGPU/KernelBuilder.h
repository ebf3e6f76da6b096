//===- KernelBuilder.h - terse construction of kernel bodies ----*- C++ -*-===//
//
// Kernel bodies are long sequences of index and integer arithmetic; these
// helpers keep the generators readable. Everything is emitted at the
// builder's insertion point.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_KERNELBUILDER_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace bwta::gpu_kernels {

struct KernelBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value idx(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  mlir::Value i32(int64_t v) {
    return mlir::arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  mlir::Value f32(double v) {
    return mlir::arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                                llvm::APFloat(float(v)));
  }
  mlir::Value add(mlir::Value x, mlir::Value y) {
    return mlir::arith::AddIOp::create(b, loc, x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) {
    return mlir::arith::SubIOp::create(b, loc, x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) {
    return mlir::arith::MulIOp::create(b, loc, x, y);
  }
  mlir::Value add(mlir::Value x, int64_t y) { return add(x, constLike(x, y)); }
  mlir::Value mul(mlir::Value x, int64_t y) { return mul(x, constLike(x, y)); }
  mlir::Value divu(mlir::Value x, int64_t y) {
    return mlir::arith::DivUIOp::create(b, loc, x, constLike(x, y));
  }
  mlir::Value remu(mlir::Value x, int64_t y) {
    return mlir::arith::RemUIOp::create(b, loc, x, constLike(x, y));
  }
  mlir::Value minu(mlir::Value x, int64_t y) {
    return mlir::arith::MinUIOp::create(b, loc, x, constLike(x, y));
  }
  mlir::Value cmp(mlir::arith::CmpIPredicate p, mlir::Value x, mlir::Value y) {
    return mlir::arith::CmpIOp::create(b, loc, p, x, y);
  }
  mlir::Value ult(mlir::Value x, int64_t y) {
    return cmp(mlir::arith::CmpIPredicate::ult, x, constLike(x, y));
  }
  mlir::Value eq(mlir::Value x, int64_t y) {
    return cmp(mlir::arith::CmpIPredicate::eq, x, constLike(x, y));
  }
  mlir::Value andI(mlir::Value x, mlir::Value y) {
    return mlir::arith::AndIOp::create(b, loc, x, y);
  }
  mlir::Value select(mlir::Value c, mlir::Value x, mlir::Value y) {
    return mlir::arith::SelectOp::create(b, loc, c, x, y);
  }
  mlir::Value fadd(mlir::Value x, mlir::Value y) {
    return mlir::arith::AddFOp::create(b, loc, x, y);
  }
  mlir::Value fmul(mlir::Value x, mlir::Value y) {
    return mlir::arith::MulFOp::create(b, loc, x, y);
  }
  mlir::Value fdiv(mlir::Value x, mlir::Value y) {
    return mlir::arith::DivFOp::create(b, loc, x, y);
  }
  mlir::Value fcmp(mlir::arith::CmpFPredicate p, mlir::Value x, mlir::Value y) {
    return mlir::arith::CmpFOp::create(b, loc, p, x, y);
  }
  mlir::Value toF32(mlir::Value integer) {
    return mlir::arith::SIToFPOp::create(b, loc, b.getF32Type(), integer);
  }
  mlir::Value indexToI32(mlir::Value v) {
    return mlir::arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
  }
  mlir::Value load(mlir::Value memref, mlir::Value offset) {
    return mlir::memref::LoadOp::create(b, loc, memref, mlir::ValueRange{offset});
  }
  void store(mlir::Value value, mlir::Value memref, mlir::Value offset) {
    mlir::memref::StoreOp::create(b, loc, value, memref, mlir::ValueRange{offset});
  }
  /// The row-major indices of `flat` (< the product of `sizes`) in an array
  /// of `sizes`; the outermost is what remains after the others.
  llvm::SmallVector<mlir::Value> delinearize(mlir::Value flat,
                                             llvm::ArrayRef<int64_t> sizes) {
    llvm::SmallVector<mlir::Value> indices(sizes.size());
    for (size_t d = sizes.size(); d-- > 1;) {
      indices[d] = remu(flat, sizes[d]);
      flat = divu(flat, sizes[d]);
    }
    if (!sizes.empty())
      indices[0] = flat;
    return indices;
  }
  /// Emits `body` under `scf.if cond` and returns to the current point.
  template <typename Fn> void ifThen(mlir::Value cond, Fn body) {
    auto ifOp = mlir::scf::IfOp::create(b, loc, cond, /*withElseRegion=*/false);
    mlir::OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }
  /// Waits until the grid launched before this one has completed and its
  /// memory is visible (programmatic dependent launch; returns at once
  /// when the kernel was launched without it).
  void waitForPredecessor() {
    mlir::NVVM::GriddepcontrolOp::create(
        b, loc, mlir::NVVM::GridDepActionKind::wait);
  }
  /// The data of kernel argument `memref` as an LLVM global-space pointer
  /// (for loads and copies MLIR's memref ops cannot express).
  mlir::Value globalPointer(mlir::Value memref) {
    mlir::MLIRContext *ctx = b.getContext();
    mlir::Value address = mlir::arith::IndexCastOp::create(
        b, loc, b.getI64Type(),
        mlir::memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
    mlir::Value generic =
        mlir::LLVM::IntToPtrOp::create(b, loc, mlir::LLVM::LLVMPointerType::get(ctx), address);
    return mlir::LLVM::AddrSpaceCastOp::create(
        b, loc, mlir::LLVM::LLVMPointerType::get(ctx, 1), generic);
  }
  /// `base` + `offset` (i64) bytes.
  mlir::Value byteOffset(mlir::Value base, mlir::Value offset) {
    return mlir::LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                                     mlir::ValueRange{offset});
  }
  /// A shared-memory pointer from a 32-bit shared address.
  mlir::Value sharedPointer(mlir::Value address) {
    return mlir::LLVM::IntToPtrOp::create(
        b, loc, mlir::LLVM::LLVMPointerType::get(b.getContext(), 3), address);
  }
  mlir::Value threadId() {
    return mlir::gpu::ThreadIdOp::create(b, loc, mlir::gpu::Dimension::x);
  }
  mlir::Value blockId(mlir::gpu::Dimension d) {
    return mlir::gpu::BlockIdOp::create(b, loc, d);
  }

private:
  mlir::Value constLike(mlir::Value like, int64_t v) {
    if (like.getType().isIndex())
      return idx(v);
    return mlir::arith::ConstantIntOp::create(b, loc, like.getType(), v);
  }
};

/// Inline PTX with side effects and no results (mbarriers, bulk copies,
/// cluster barriers: their NVVM ops print other spellings across LLVM
/// versions).
inline void ptxStatement(KernelBuilder &kb, llvm::StringRef text, mlir::ValueRange operands,
                         llvm::StringRef constraints) {
  mlir::LLVM::InlineAsmOp::create(
      kb.b, kb.loc, mlir::Type(), operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      mlir::LLVM::tailcallkind::TailCallKind::None,
      mlir::LLVM::AsmDialectAttr::get(kb.b.getContext(), mlir::LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/mlir::ArrayAttr());
}

/// Inline PTX with one 32-bit result ($0), kept in place.
inline mlir::Value ptxValue(KernelBuilder &kb, llvm::StringRef text, llvm::StringRef constraints,
                            mlir::ValueRange operands) {
  auto op = mlir::LLVM::InlineAsmOp::create(
      kb.b, kb.loc, kb.b.getI32Type(), operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      mlir::LLVM::tailcallkind::TailCallKind::None,
      mlir::LLVM::AsmDialectAttr::get(kb.b.getContext(), mlir::LLVM::AsmDialect::AD_ATT),
      /*operand_attrs=*/mlir::ArrayAttr());
  return op.getResult(0);
}

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_KERNELBUILDER_H
