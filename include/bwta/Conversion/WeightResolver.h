//===- WeightResolver.h - bwta.weight values from safetensors ---*- C++ -*-===//
//
// One implementation of "what a weight holds" for every consumer: the CPU
// reference folds it into constants, bwta-compile writes it into a bundle's
// WEIGHTS section. Sharing it means the two can never disagree on a bit of
// a packed word or on a derived popcount (docs/Semantics.md "bwta.weight",
// "bwta.pack", "bwta.plane_popcount"; docs/GPU.md "Weight globals").
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_CONVERSION_WEIGHTRESOLVER_H
#define BWTA_CONVERSION_WEIGHTRESOLVER_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace bwta {

struct SafetensorsTensor;
class SafetensorsFile;

using EmitErrorFn = llvm::function_ref<mlir::InFlightDiagnostic()>;

/// The safetensors dtype a weight of `elementType` is stored as: F32, F16,
/// BF16 for floats, I8 or I16 for the levels of a quantized type; empty if a
/// weight cannot have that element type.
std::string getWeightDtype(mlir::Type elementType);

/// Looks up weight `name` of bwta type `type` in `file` (read from `path`)
/// and checks its dtype, shape and, for quantized types, every level.
/// Reports what is wrong through `emitError` (which names the op) and
/// returns null.
const SafetensorsTensor *findWeight(const SafetensorsFile *file,
                                    llvm::StringRef path, llvm::StringRef name,
                                    mlir::RankedTensorType type,
                                    EmitErrorFn emitError);

/// The type the CPU reference holds a value of bwta tensor type `type` in
/// (a weight's constant included): packed words `[P][RT][KT][R][T] x iW` for
/// a packed type, levels (i8, i16 for 8-bit unsigned/balanced) for an
/// unpacked quantized type, the type itself otherwise.
mlir::RankedTensorType getReferenceStorageType(mlir::RankedTensorType type);

/// The value of a weight that findWeight accepted, as little-endian bytes
/// of getReferenceStorageType(type), row-major. Packing happens here, at
/// compile time, instead of at inference time.
std::vector<char> getWeightStorage(mlir::RankedTensorType type,
                                   const SafetensorsTensor &tensor);

/// `bwta.plane_popcount` (with `groupSize`, if set) of a weight of `type`
/// whose storage getWeightStorage returned: i32 `[P]([G])[rows...]`.
/// `type` must be quantized, and with a group size on a packed type the
/// group size must be a multiple of the word size (what the op's verifier
/// requires); otherwise returns nullopt.
std::optional<std::vector<int32_t>>
getPlanePopcounts(mlir::RankedTensorType type, llvm::ArrayRef<char> storage,
                  std::optional<int64_t> groupSize);

/// The shape of getPlanePopcounts' result.
llvm::SmallVector<int64_t> getPlanePopcountShape(mlir::RankedTensorType type,
                                                 std::optional<int64_t> groupSize);

/// The int8 path's weight operand (`bwta.derive = "int8_tiles"`): the levels
/// of an unpacked quantized weight of `type` (storage from getWeightStorage)
/// as bytes (their low 8 bits) in tiles [RT][KT][tileRows][32] over rows and
/// K (KT = ⌈K/32⌉), zeros as padding. nullopt if `type` is packed, not
/// quantized or has levels that fit neither u8 nor s8.
std::optional<std::vector<char>> getInt8Tiles(mlir::RankedTensorType type,
                                              llvm::ArrayRef<char> storage,
                                              int64_t tileRows);

/// The same bytes in the wgmma int8 GEMM's layout (`bwta.derive =
/// "int8_wgmma_tiles"`): [⌈rows/R⌉][⌈K/64⌉][R][64] with R = `blockRows`,
/// each (row block, 64-byte K slot) chunk 64-byte swizzled (16-byte chunk c
/// of row r at r·64 + ((c ^ (r >> 1 & 3)) << 4)), zeros as padding; nullopt
/// where getInt8Tiles gives nullopt.
std::optional<std::vector<char>> getInt8WgmmaTiles(mlir::RankedTensorType type,
                                                   llvm::ArrayRef<char> storage,
                                                   int64_t blockRows);

/// The packed bit planes of a weight of `type` (lsb_first 32-bit words in K
/// tiles of 8 words, storage from getWeightStorage) in the b1 wgmma GEMM's layout
/// (`bwta.derive = "b1_wgmma_tiles"`): [⌈rows/R⌉][KT][P][R][32 B] with R =
/// `blockRows`, each (row block, K tile, plane) chunk 32-byte swizzled (the
/// 16-byte half c of row r at r·32 + ((c ^ (r >> 2 & 1)) << 4)), zero rows
/// as padding; one bulk copy moves a chunk into shared memory as wgmma reads
/// it. nullopt if `type` is not packed that way.
std::optional<std::vector<char>> getB1WgmmaTiles(mlir::RankedTensorType type,
                                                 llvm::ArrayRef<char> storage,
                                                 int64_t blockRows);

/// Σ_k of each row's levels (`bwta.derive = "level_sum"`), i32 [rows...],
/// for an unpacked quantized weight; nullopt otherwise.
std::optional<std::vector<int32_t>> getLevelSums(mlir::RankedTensorType type,
                                                 llvm::ArrayRef<char> storage);

} // namespace bwta

#endif // BWTA_CONVERSION_WEIGHTRESOLVER_H
