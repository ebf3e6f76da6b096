//===- QuantizePackRows.h - how quantize_pack threads walk a row -*- C++ -*-===//
//
// The quantizer arithmetic of quantize_pack (QuantizePackKernel.cpp) is
// written once against RowWalker; the two walkers differ in how many
// threads share a row:
//  - a block of 256 threads per row (BlockRows): thread t holds elements
//    t, t + 256, ... in registers; reductions go through shared memory.
//    Few rows (decode) finish soonest this way.
//  - W = 1, 2 or 4 warps per row, 8 / W consecutive lane-tree lanes per
//    lane (LaneRows, QuantizeLaneRows.cpp: ternary f16/f32 rows, K a
//    multiple of 8, the default for many rows): the row's warps copy their
//    parts of every K tile into shared memory and read them back; plane
//    bits are built in registers, whole words per warp.
//  - W warps per row (WarpRows, W = 1, 2, 4, 8): the row is copied into
//    shared memory with cp.async; lane l of warp ω then reads the elements
//    of the lane-tree lanes l + 32r (r ≡ ω mod W) from there, so most of
//    each reduction stays inside a thread. Many rows are in flight per SM
//    (shared memory, not registers, holds them).
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_QUANTIZEPACKROWS_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_QUANTIZEPACKROWS_H

#include "KernelBuilder.h"
#include "Kernels.h"

#include <functional>
#include <memory>

namespace bwta::gpu_kernels {

using CombineFn = llvm::function_ref<mlir::Value(mlir::Value, mlir::Value)>;
/// A per-element value from the element x (f32).
using TermFn = llvm::function_ref<mlir::Value(mlir::Value)>;
/// The plane bits (i1, one per plane) of element x (f32).
using BitsFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::Value)>;

/// One real row (row < M) of a quantize_pack kernel, as its threads see it.
class RowWalker {
public:
  virtual ~RowWalker() = default;
  /// The fold of term(x) over the row's elements in the lane-tree order of
  /// docs/Semantics.md (each lane-tree lane sequentially, `identity` in
  /// place of elements past K, then the tree): every thread gets it.
  virtual mlir::Value fold(double identity, TermFn term, CombineFn combine) = 0;
  /// Writes the row's packed words (bits(x) of each element, 0 past K) and
  /// returns each plane's popcount over the row (in every thread).
  virtual llvm::SmallVector<mlir::Value> pack(BitsFn bits) = 0;
  /// pack(bits), and in `folded` the fold(identity, term, combine) of the
  /// same row, bit for bit: a walker may compute both in one pass over the
  /// row (WarpRows does; by default the fold comes first, then the pack).
  virtual llvm::SmallVector<mlir::Value>
  packFolding(BitsFn bits, double identity, TermFn term, CombineFn combine,
              mlir::Value &folded) {
    folded = fold(identity, term, combine);
    return pack(bits);
  }
  /// The ternary planes for threshold `delta` (Δ ≥ 0 or NaN): what
  /// packFolding(bits, 0, kept, fsum, keptSum) returns, `bits` being
  /// p = [x > Δ], n = [x < −Δ] (q = ¬n with spec.notNegative) and `kept`
  /// |x| where |x| > Δ, else 0. A walker may compare against Δ its own way
  /// (LaneRows: packed f16 compares); by default it is packFolding.
  virtual llvm::SmallVector<mlir::Value> packTernary(mlir::Value delta, BitsFn bits,
                                                     TermFn kept, CombineFn fsum,
                                                     mlir::Value &keptSum) {
    (void)delta;
    return packFolding(bits, 0.0, kept, fsum, keptSum);
  }
  /// True in the one thread that writes the row's parameters.
  virtual mlir::Value leader() = 0;
  /// Syncs the row's threads after its last use of shared memory.
  virtual void finishRow() = 0;
};

/// Where the words of a quantize_pack kernel go: [P][RT][KT][R][8], or in
/// wgmma tiles (QuantizePackSpec::wgmmaTiles) [RT][KT][P][R][8] with the
/// 16-byte halves of row r swapped when r & 4 — the 32-byte swizzle of the
/// b1 wgmma GEMM, which copies a K tile of a row block, all planes, as one
/// contiguous chunk.
struct PackedRowLayout {
  mlir::Value words;
  int64_t rowTiles, kTiles, tileRows;
  int64_t planes = 1;
  bool wgmmaTiles = false;
  /// Words from K tile j of a row to K tile j + 1.
  int64_t kTileStride() const { return (wgmmaTiles ? planes : 1) * tileRows * 8; }
  /// Offset in `words` of word `word` (index) of plane `plane` of `row`.
  mlir::Value offset(KernelBuilder &kb, mlir::Value row, int64_t plane,
                     mlir::Value word) const;
};

/// Reads element `column` (index, < K) of the current row as stored (or as
/// the fused producer computes it).
using ElementReader = std::function<mlir::Value(mlir::Value)>;

/// The reader of row `row` of a quantize_pack input: `inputs` are x, or
/// the fused producer's reads (linalgKernelReads order), as flat memrefs.
ElementReader makeRowReader(KernelBuilder &kb, const QuantizePackSpec &spec,
                            llvm::ArrayRef<mlir::Value> inputs, mlir::Value row);

/// The block-per-row walker: loads the thread's elements now. `scratch`
/// holds two f32 and two i32 halves of 256 words each for the reductions.
std::unique_ptr<RowWalker>
makeBlockRows(KernelBuilder &kb, const QuantizePackSpec &spec,
              const PackedRowLayout &layout, mlir::Value row,
              const ElementReader &element, mlir::Value floatScratch,
              mlir::Value intScratch);

/// Shared memory and barrier of a row in the warp-per-row walker.
struct WarpRowsShared {
  /// The row's K elements (a workgroup memref of the input's element type).
  mlir::Value buffer;
  /// Warps sharing the row (1, 2, 4 or 8): warp ω takes lane-tree lanes
  /// l + 32r for r ≡ ω (mod W).
  int64_t warpsPerRow;
  /// With W > 1 (then the block is the row's warps): exchange space for
  /// the reductions, [2][W][32] f32 and i32.
  mlir::Value floatScratch, intScratch;
};

/// The warp-per-row walker: the row's warps copy row `row` of `x` into the
/// buffer and wait for it.
std::unique_ptr<RowWalker> makeWarpRows(KernelBuilder &kb,
                                        const QuantizePackSpec &spec,
                                        const PackedRowLayout &layout,
                                        mlir::Value row, mlir::Value x,
                                        const WarpRowsShared &shared);

/// Whether the lane walker (makeLaneRows) quantizes `spec`'s rows: warps
/// per row by default (warpPerRow(), no fixed quantize-warps-per-row),
/// ternary, f16 or f32 rows of K a multiple of 8 (each thread's elements of
/// a K tile are one aligned piece, wholly inside K or past it).
bool laneRowsApply(const QuantizePackSpec &spec);

/// Shared memory of a row in the lane walker.
struct LaneRowsShared {
  /// The row's K elements padded to whole K tiles (laneRowsBufferBytes).
  mlir::Value buffer;
  /// Warps sharing the row: W = 1, 2 or 4 (QuantizePackSpec::laneWarpsPerRow).
  int64_t warpsPerRow;
  /// With W > 1: i32 exchange space, laneRowsScratchBytes(W).
  mlir::Value scratch;
};

/// The lane walker (QuantizeLaneRows.cpp): W warps per row, lane t of warp
/// ω holding the E = 8 / W lane-tree lanes 256ω/W + E·t + e (elements
/// 256j + those): the row's warps copy it into `shared.buffer` by cp.async
/// (each warp its own part), sum in registers, and build their bits of each
/// word in registers (E bits per K tile, G = 32 / E lanes' fields
/// transposed into words by shuffles). The tree's steps across warps go
/// through `shared.scratch` and a named barrier per row (ids 1 + the row's
/// place in the block).
std::unique_ptr<RowWalker> makeLaneRows(KernelBuilder &kb, const QuantizePackSpec &spec,
                                        const PackedRowLayout &layout, mlir::Value row,
                                        mlir::Value x, const LaneRowsShared &shared);
/// Shared memory of a lane walker's row: its K elements padded to whole K
/// tiles (a lane reads its piece of the last tile even past K).
int64_t laneRowsBufferBytes(const QuantizePackSpec &spec);
/// Exchange space of a lane walker's row of W warps: [2][W][E + 2][32] i32.
int64_t laneRowsScratchBytes(int64_t warps);

/// Where quantizeRow writes a row's parameters: popcounts [P][spec.m],
/// scale [spec.m], zero point [spec.m] (asymmetric only); global or shared.
struct RowParams {
  mlir::Value popcounts, scale, zeroPoint;
};

/// The quantizer of row `row` (< spec.m) as `walker` sees it: its
/// parameters from lane-tree folds, then its packed planes, written through
/// the walker, and the parameters (by the walker's leader) into `out`.
void quantizeRow(KernelBuilder &kb, const QuantizePackSpec &spec,
                 RowWalker &walker, const RowParams &out, mlir::Value row);

/// Bytes of a row copied by one cp.async in the warp-per-row walker (16, 8
/// or 4), or 0 where K elements are not a whole number of 4-byte units.
int64_t warpRowCopyBytes(const QuantizePackSpec &spec);

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_QUANTIZEPACKROWS_H
