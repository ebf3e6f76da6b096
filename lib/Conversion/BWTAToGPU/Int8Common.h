//===- Int8Common.h - pointer helpers of the int8-path kernels --*- C++ -*-===//
//
// The int8-path kernels address bytes: global memory through LLVM pointers
// (wide loads and stores need their alignment stated), shared memory by
// 32-bit address.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_INT8COMMON_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_INT8COMMON_H

#include "KernelBuilder.h"
#include "Kernels.h"

namespace bwta::gpu_kernels {

struct BytePointers {
  KernelBuilder &kb;

  mlir::OpBuilder &b() { return kb.b; }
  mlir::Type i64() { return kb.b.getI64Type(); }
  mlir::Value toI64(mlir::Value v) {
    if (v.getType().isIndex())
      return mlir::arith::IndexCastOp::create(b(), kb.loc, i64(), v);
    return mlir::arith::ExtUIOp::create(b(), kb.loc, i64(), v);
  }
  mlir::Value toI32(mlir::Value v) {
    return mlir::arith::IndexCastOp::create(b(), kb.loc, b().getI32Type(), v);
  }
  mlir::Value shl(mlir::Value x, int64_t s) {
    return mlir::arith::ShLIOp::create(b(), kb.loc, x, kb.i32(s));
  }
  mlir::Value shr(mlir::Value x, int64_t s) {
    return mlir::arith::ShRUIOp::create(b(), kb.loc, x, kb.i32(s));
  }
  mlir::Value bitAnd(mlir::Value x, int64_t m) { return kb.andI(x, kb.i32(m)); }
  mlir::Value bitOr(mlir::Value x, mlir::Value y) {
    return mlir::arith::OrIOp::create(b(), kb.loc, x, y);
  }

  /// One PTX instruction on an f32 (`$0` result, `$1` operand): exact
  /// operations the GPU lowering would otherwise turn into libdevice calls
  /// (llvm.intr.roundeven, fabs).
  mlir::Value f32Asm(llvm::StringRef text, mlir::Value v) {
    return mlir::LLVM::InlineAsmOp::create(
               b(), kb.loc, b().getF32Type(), mlir::ValueRange{v}, text, "=f,f",
               /*has_side_effects=*/false, /*is_align_stack=*/false,
               mlir::LLVM::tailcallkind::TailCallKind::None,
               mlir::LLVM::AsmDialectAttr::get(b().getContext(),
                                               mlir::LLVM::AsmDialect::AD_ATT),
               /*operand_attrs=*/mlir::ArrayAttr())
        .getResult(0);
  }
  mlir::Value load(mlir::Type type, mlir::Value ptr, unsigned align) {
    return mlir::LLVM::LoadOp::create(b(), kb.loc, type, ptr, align);
  }
  void store(mlir::Value value, mlir::Value ptr, unsigned align) {
    mlir::LLVM::StoreOp::create(b(), kb.loc, value, ptr, align);
  }
  /// The 32-bit shared address of the dynamic shared memory, rounded up to
  /// `align` bytes.
  mlir::Value dynamicShared(int64_t align) {
    auto workgroup = mlir::gpu::AddressSpaceAttr::get(b().getContext(),
                                                      mlir::gpu::AddressSpace::Workgroup);
    mlir::Value dynamic = mlir::gpu::DynamicSharedMemoryOp::create(
        b(), kb.loc,
        mlir::MemRefType::get({mlir::ShapedType::kDynamic}, b().getI8Type(),
                              mlir::MemRefLayoutAttrInterface{}, workgroup));
    mlir::Value raw = toI32(
        mlir::memref::ExtractAlignedPointerAsIndexOp::create(b(), kb.loc, dynamic));
    return bitAnd(kb.add(raw, kb.i32(align - 1)), -align);
  }
  /// Byte offset of 16-byte chunk `c` of row `r` in a block of 32-byte rows
  /// with the 32-byte swizzle (the halves swapped in rows 4..7 of every 8:
  /// ldmatrix and wgmma descriptors read it without bank conflicts).
  mlir::Value swizzle32(mlir::Value r, mlir::Value c) {
    mlir::Value half = mlir::arith::XOrIOp::create(b(), kb.loc, c, bitAnd(shr(r, 2), 1));
    return kb.add(shl(r, 5), shl(half, 4));
  }
};

/// The arguments of an int8 GEMM kernel (Int8GemmSpec) by role; absent
/// ones null.
struct Int8GemmArgs {
  mlir::Value lhs, rhs, lhsScale, rhsScale, lhsZeroPoint, rhsZeroPoint,
      lhsSums, rhsSums, bias, out;
};

/// The gpu.func of an int8 GEMM with the arguments of Int8GemmSpec.
mlir::gpu::GPUFuncOp createInt8GemmFunc(mlir::OpBuilder &b, mlir::Location loc,
                                        llvm::StringRef name,
                                        const Int8GemmSpec &spec,
                                        Int8GemmArgs &args);

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_INT8COMMON_H
