//===- RowReductions.h - warp pieces shared by the row walkers -*- C++ -*-===//
//
// Small building blocks of the quantize_pack row walkers (QuantizePackRows.cpp,
// QuantizeLaneRows.cpp): conversions, shuffles and the integer and float
// reductions whose order docs/Semantics.md fixes.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_ROWREDUCTIONS_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_ROWREDUCTIONS_H

#include "QuantizePackRows.h"

namespace bwta::gpu_kernels {

/// Lanes of the lane tree: element c of a row belongs to lane-tree lane
/// c mod 256; a K tile is 256 elements.
constexpr int64_t kTreeLanes = 256;

/// v as f32 (f16 extended).
mlir::Value toF32(KernelBuilder &kb, mlir::Value v);
/// The population count of an i32.
mlir::Value popc(KernelBuilder &kb, mlir::Value word);
/// v of lane (lane ^ s) of the warp.
mlir::Value shuffleXor(KernelBuilder &kb, mlir::Value v, int32_t s);
/// The warp butterfly of the tree's steps 16 ... 1: lanes l and l ^ s add
/// the same two values (addition commutes), so every lane ends with p₀.
mlir::Value warpTree(KernelBuilder &kb, mlir::Value v, CombineFn combine);
/// Per-plane integer sums over threads (`reduce`), two planes per
/// reduction in 16-bit halves while a row count fits (K < 65536).
llvm::SmallVector<mlir::Value> sumCounts(KernelBuilder &kb, llvm::ArrayRef<mlir::Value> counts,
                                         int64_t k,
                                         llvm::function_ref<mlir::Value(mlir::Value)> reduce);

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_ROWREDUCTIONS_H
