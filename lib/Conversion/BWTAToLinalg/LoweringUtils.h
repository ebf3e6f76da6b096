//===- LoweringUtils.h - building blocks of the CPU reference ---*- C++ -*-===//
//
// The reference lowering computes every output element from its indices with
// plain scalar loops: slow, but each op's code reads like its definition in
// docs/Semantics.md.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOLINALG_LOWERINGUTILS_H
#define BWTA_LIB_CONVERSION_BWTATOLINALG_LOWERINGUTILS_H

#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bwta {
class SafetensorsFile;
} // namespace bwta

namespace bwta::lowering {

using IndexBody = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, llvm::ArrayRef<mlir::Value>)>;
using LoopBody = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::ValueRange)>;

/// tensor.empty + an all-parallel linalg.generic that computes each element
/// of `type` from its indices.
mlir::Value buildTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type, IndexBody body);

/// scf.for from `lb` to `ub` (step 1) carrying `inits`; returns the results.
llvm::SmallVector<mlir::Value> buildLoop(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::Value lb, mlir::Value ub,
                                         mlir::ValueRange inits, LoopBody body);

mlir::Value indexConst(mlir::OpBuilder &b, mlir::Location loc, int64_t value);
mlir::Value f32Const(mlir::OpBuilder &b, mlir::Location loc, double value);
mlir::Value intConst(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                     int64_t value);

/// Row-major linear index of `indices` within `shape`.
mlir::Value linearize(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<mlir::Value> indices,
                      llvm::ArrayRef<int64_t> shape);
/// Inverse of linearize.
llvm::SmallVector<mlir::Value> delinearize(mlir::OpBuilder &b,
                                           mlir::Location loc,
                                           mlir::Value linear,
                                           llvm::ArrayRef<int64_t> shape);

/// Element of a scale or zero-point tensor for the value row `rowIndices` and
/// group `group`: the tensor's rank tells per tensor, per row or per group.
mlir::Value extractParam(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value param, llvm::ArrayRef<mlir::Value> rowIndices,
                         mlir::Value group);

/// Reads a float element and extends it to f32.
mlir::Value extractF32(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value tensor, mlir::ValueRange indices);
/// Reads an i8 level (or i1 bit) element and extends it to i32.
mlir::Value extractI32(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value tensor, mlir::ValueRange indices);

/// Bit `plane` (i1) of the level `level` (i32) of `type`.
mlir::Value emitPlaneBit(mlir::OpBuilder &b, mlir::Location loc,
                         QuantizedType type, mlir::Value level,
                         mlir::Value plane);
/// offset + Σ c_i·bit_i clamped into the type's levels, as i32.
mlir::Value emitCombinePlanes(mlir::OpBuilder &b, mlir::Location loc,
                              QuantizedType type,
                              llvm::ArrayRef<mlir::Value> bits);

/// Storage geometry of a tensor with a #bwta.packed encoding.
struct PackedGeometry {
  PackedLayoutAttr layout;
  int64_t planes, rows, k, tileRows, tileWords, rowTiles, kTiles, wordsPerRow;
  /// tensor<P x rowTiles x kTiles x tileRows x tileWords x iW>.
  mlir::RankedTensorType storageType(mlir::MLIRContext *ctx) const;
  /// The storage word that holds (plane, row, wordIndex).
  mlir::Value loadWord(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value storage, mlir::Value plane, mlir::Value row,
                       mlir::Value wordIndex) const;
  /// Bit position of column k (mod word size) inside its word.
  mlir::Value bitPosition(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value kInWord) const;
};
std::optional<PackedGeometry> getPackedGeometry(mlir::RankedTensorType type);

/// The packed storage of `unpacked`, the converted (i8/i16 levels or i1)
/// value of the unpacked bwta tensor type `logicalType`.
mlir::Value buildPackedStorage(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::RankedTensorType logicalType,
                               const PackedGeometry &geometry,
                               mlir::Value unpacked);

/// Bit `plane` of `level` for `type` (host-side twin of emitPlaneBit).
bool getLevelBit(QuantizedType type, int64_t level, unsigned plane);

/// Populates the patterns of each op family.
void populateQuantizeLoweringPatterns(const mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
void populateMatmulLoweringPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
void populatePlaneLoweringPatterns(const mlir::TypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);
void populateWeightLoweringPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns,
                                    const SafetensorsFile *file,
                                    llvm::StringRef path);

/// Reports, on the op, anything that keeps a weight from being resolved.
mlir::LogicalResult checkWeight(WeightOp op, const SafetensorsFile *file,
                                llvm::StringRef path);

} // namespace bwta::lowering

#endif // BWTA_LIB_CONVERSION_BWTATOLINALG_LOWERINGUTILS_H
