//===- PlaneGemmEpilogue.h - pieces shared by the plane GEMM kernels -*- C++ -*-===//
//
// The plane GEMM kernels (mma.sync tiles, popcount GEMV) share the ABI of
// Kernels.h (PlaneGemmSpec) and the fused btc_epilogue; both are built
// here so that every kernel computes the same bits.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_PLANEGEMMEPILOGUE_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_PLANEGEMMEPILOGUE_H

#include "KernelBuilder.h"
#include "Kernels.h"

namespace bwta::gpu_kernels {

/// The kernel's arguments, by role (lhs: the quantizer's input x when the
/// kernel quantizes its lhs itself; then the lhs parameters are not
/// arguments).
struct GemmArgs {
  mlir::Value lhs, rhs, lhsPopcount, rhsPopcount, lhsScale, rhsScale,
      lhsZeroPoint, rhsZeroPoint, bias, out;
  /// The quantizer's inputs (x, or its fused producer's reads; lhs is the
  /// first) when the kernel quantizes its lhs itself.
  llvm::SmallVector<mlir::Value> lhsInputs;
};

/// The gpu.func of a plane GEMM with the arguments of PlaneGemmSpec, or
/// with those of buildQuantizingGemvKernel when `lhsQuantizer` is given.
mlir::gpu::GPUFuncOp
createPlaneGemmFunc(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                    const PlaneGemmSpec &spec,
                    const QuantizePackSpec *lhsQuantizer = nullptr);
GemmArgs bindPlaneGemmArgs(mlir::gpu::GPUFuncOp func, const PlaneGemmSpec &spec,
                           const QuantizePackSpec *lhsQuantizer = nullptr);
/// A shared-memory i32 buffer of `size` elements (partial sums).
mlir::Value addSharedI32(mlir::gpu::GPUFuncOp func, int64_t size, mlir::Location loc);

/// d = a·b + c of one `mma.sync m16n8k256 .row.col .b1 .and.popc` (s32
/// accumulators): the fragments' registers in PTX order.
std::array<mlir::Value, 4> mmaAndPopc(KernelBuilder &kb, llvm::ArrayRef<mlir::Value> a,
                                      llvm::ArrayRef<mlir::Value> b,
                                      llvm::ArrayRef<mlir::Value> c);

/// `v` modulo 2^32 as a signed value: compile-time terms of the wrapping
/// int32 epilogue.
inline int64_t wrapToInt32(int64_t v) { return int32_t(uint32_t(uint64_t(v))); }

/// Integer and float terms of one output row (or column) of the epilogue:
/// Σ of the operand's values over K, its zero point and its scale.
struct SideTerms {
  mlir::Value sum, zeroPoint, scale, bias;
};

/// Σv = K·o + Σ_i c_i·popcount[i][row] for the operand row `row` (already
/// clamped into range: out-of-range lanes compute garbage that is never
/// stored) of `rows` (all batches).
SideTerms loadSide(KernelBuilder &kb, mlir::Value row, int64_t rows,
                   int64_t planes, QuantizedType type, int64_t k,
                   mlir::Value popcount, ParamKind scaleKind, mlir::Value scale,
                   ParamKind zpKind, mlir::Value zeroPoint);

/// c_i · c_j of plane pair (i, j), wrapped to int32.
int64_t planePairCoefficient(const EpilogueSpec &epi, int64_t i, int64_t j);

/// The plane-offset terms of the int32 dot (docs/Semantics.md,
/// bwta.btc_epilogue): −K·ox·ow + ox·Σw + ow·Σx; the plane products
/// Σ c_i·c_j·P_ij are added to it.
mlir::Value epilogueDotBase(KernelBuilder &kb, const EpilogueSpec &epi,
                            const SideTerms &x, const SideTerms &w);

/// The rest of the epilogue from the int32 dot: zero points (wrapping),
/// then f32 scales and bias, rounded to the output type.
mlir::Value finishEpilogue(KernelBuilder &kb, const EpilogueSpec &epi,
                           mlir::Value dot, const SideTerms &x,
                           const SideTerms &w);

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_PLANEGEMMEPILOGUE_H
