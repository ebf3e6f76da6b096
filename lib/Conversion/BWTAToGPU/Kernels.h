//===- Kernels.h - the kernels bwta-lower-to-gpu generates ------*- C++ -*-===//
//
// Each generator appends one shape-specialized gpu.func to the kernel module
// and says how to launch it. The argument order documented here is the ABI
// the host form (docs/GPU.md) and bundles rely on.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_CONVERSION_BWTATOGPU_KERNELS_H
#define BWTA_LIB_CONVERSION_BWTATOGPU_KERNELS_H

#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <array>
#include <optional>

namespace bwta::gpu_kernels {

/// A generated kernel and its launch.
struct Kernel {
  mlir::gpu::GPUFuncOp func;
  std::array<int64_t, 3> grid, block;
  /// Dynamic shared memory of each launch (gpu.dynamic_shared_memory).
  int64_t dynamicSharedBytes = 0;
};

/// The kernel attribute that says a kernel may be launched with
/// programmatic dependent launch (the bundle's `grid_dependency`).
constexpr llvm::StringLiteral kGridDependencyAttr = "bwta.grid_dependency";

/// Makes `func` safe to launch while the kernel before it still runs: it
/// lets the next kernel launch at once (griddepcontrol.launch_dependents)
/// unless it does so itself, and waits for the one before
/// (griddepcontrol.wait) at its start, unless
/// its generator placed the wait later itself (after loads of weights,
/// which no kernel writes); then marks it with kGridDependencyAttr.
void enableGridDependency(mlir::gpu::GPUFuncOp func);

/// How a plane GEMM is cut: each warp computes warpRows × warpCols m16n8
/// MMA tiles for every plane pair over 1/splitK of K; a block holds
/// blockWarpsM × blockWarpsN × splitK warps, and the splitK partial sums
/// of an output tile are added in shared memory before the epilogue.
struct Tiling {
  int64_t warpRows, warpCols, blockWarpsM, blockWarpsN, splitK = 1;
  int64_t blockRowTiles() const { return warpRows * blockWarpsM; }
  int64_t blockColTiles() const { return warpCols * blockWarpsN; }
  int64_t threads() const { return 32 * blockWarpsM * blockWarpsN * splitK; }
};

struct QuantizePackSpec;

/// A parameter of the epilogue: absent, one value, or one per row/column.
enum class ParamKind { None, PerTensor, PerRow };

/// The btc_epilogue fused into a plane GEMM (one group).
struct EpilogueSpec {
  QuantizedType lhsType, rhsType;
  int64_t k;
  ParamKind lhsScale, rhsScale, lhsZeroPoint, rhsZeroPoint;
  bool bias;
  mlir::Type outType; // f32 or f16
};

/// AND-popcount GEMM of packed planes, per batch b: lhs rows b·M + m of
/// [Pa][RT][KT][16][8] words, rhs rows b·N + n of [Pb][NT][KT][8][8] words
/// (rows of all batches are packed one after another, so a tile may hold
/// rows of two batches: fragments are addressed row by row).
///
/// Arguments: lhs, rhs, then
///  - without epilogue: out i32 [Pa][Pb][B][M][N];
///  - with epilogue: lhs popcounts i32 [Pa][B·M], rhs popcounts i32
///    [Pb][B·N], lhs scale f32, rhs scale f32 ([B·M] / [B·N] or one value),
///    [lhs zero point i32], [rhs zero point i32] (likewise), [bias f32 [N]],
///    out [B][M][N] (f32 or f16).
struct PlaneGemmSpec {
  int64_t lhsPlanes, rhsPlanes, batch, m, n, k;
  int64_t kTiles() const { return llvm::divideCeil(k, 256); }
  int64_t lhsRowTiles() const { return llvm::divideCeil(batch * m, 16); }
  int64_t rhsRowTiles() const { return llvm::divideCeil(batch * n, 8); }
  int64_t lhsWords() const { return lhsPlanes * lhsRowTiles() * kTiles() * 128; }
  int64_t rhsWords() const { return rhsPlanes * rhsRowTiles() * kTiles() * 64; }
  std::optional<EpilogueSpec> epilogue;
  /// The rhs is a weight (no kernel writes it): it may be read before the
  /// kernel waits for its predecessor (enableGridDependency).
  bool rhsIsWeight = false;
};

Kernel buildPlaneGemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::StringRef name, const PlaneGemmSpec &spec,
                            const Tiling &tiling);

/// How the popcount GEMV (buildPlaneGemvKernel) covers a plane GEMM: one
/// block per 8 columns and `rowsPerBlock` lhs rows, `warps` warps over K
/// (K tile pairs dealt round robin), `loadsPerLane` 16-byte weight loads
/// per lane and weight plane; `terms` column sums per row (1: the plane
/// pairs combined by the epilogue's coefficients; else one per pair);
/// `colTiles` 8-column tiles per block; `quantizerBytes` of shared memory
/// for rows quantized in the block.
struct GemvShape {
  int64_t warps, loadsPerLane, rowsPerBlock, terms, colTiles = 1, quantizerBytes = 0;
  /// The dot on the binary tensor cores (mma.sync) rather than popc.
  bool tensorCores = false;
  int64_t sharedBytes() const {
    return warps * terms * colTiles * rowsPerBlock * 8 * 4 + quantizerBytes;
  }
  /// The launch grid for `spec`: column tile groups × row blocks × batch.
  std::array<int64_t, 3> grid(const PlaneGemmSpec &spec) const {
    return {llvm::divideCeilSigned(llvm::divideCeilSigned(spec.n, int64_t(8)), colTiles),
            llvm::divideCeilSigned(spec.m, rowsPerBlock), spec.batch};
  }
};

/// The GEMV shape for `spec` (rowsPerBlock < 1: all M rows in one block),
/// with room for `lhsQuantizer` (buildQuantizingGemvKernel) if given.
/// How a GEMV computes its dot; Measured picks by shape (gemvShape).
enum class GemvDot { Measured, TensorCores, Popc };

GemvShape gemvShape(const PlaneGemmSpec &spec, int64_t rowsPerBlock,
                    const QuantizePackSpec *lhsQuantizer = nullptr,
                    GemvDot dot = GemvDot::Measured);

/// The same GEMM (arguments and results of buildPlaneGemmKernel) for a few
/// lhs rows, the weights streamed once with one wide load per lane and K
/// tile pair issued before any arithmetic; the dot on the binary tensor
/// cores (the block's rows and planes as A rows of mma.sync m16n8k256) or
/// as AND + popcount on the CUDA cores (`dot`).
/// Grid: ⌈N/8⌉ × ⌈M/rowsPerBlock⌉ × batch (⌈N/8/colTiles⌉ for more column
/// tiles per block, GemvShape). The packed lhs and rhs must be
/// 16-byte aligned (every bundle buffer and weight is).
Kernel buildPlaneGemvKernel(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::StringRef name, const PlaneGemmSpec &spec,
                            int64_t rowsPerBlock, GemvDot dot);

/// Whether buildQuantizingGemvKernel can compute `spec` (with an epilogue)
/// with `lhsQuantizer`, the quantize_pack of its lhs (and its producer):
/// the block's weight loads, the quantizer's 256 threads and the rows'
/// planes in shared memory must fit, with at most `maxRows` rows per block
/// (-1: the measured default).
bool quantizingGemvApplies(const PlaneGemmSpec &spec,
                           const QuantizePackSpec &lhsQuantizer,
                           int64_t rowsPerBlock, GemvDot dot, int64_t maxRows = -1);

/// The GEMV of buildPlaneGemvKernel with the lhs quantizer inside (decode:
/// one kernel per layer instead of two). Each block issues its weight
/// loads, waits for the kernel before, quantizes its lhs rows of x exactly
/// as quantize_pack does (the block-per-row walker, so 8 warps) into
/// shared memory, then runs the popcounts and the epilogue on them.
///
/// Arguments: x [B·M·K] (the quantizer's input; with a fused producer its
/// reads instead, as quantize_pack takes them), rhs, rhs popcounts, rhs
/// scale, [rhs zero point], [bias], out — buildPlaneGemvKernel's without
/// the lhs parameters, which the block computes.
Kernel buildQuantizingGemvKernel(mlir::OpBuilder &b, mlir::Location loc,
                                 llvm::StringRef name, const PlaneGemmSpec &spec,
                                 const QuantizePackSpec &lhsQuantizer,
                                 int64_t rowsPerBlock, GemvDot dot);

/// The BWTA linear layer (ternary activations × binary weights, per-row
/// activation scales, no zero points, batch 1, the rhs a weight) on
/// sm_90a: wgmma m64nBNk256 b1 AND-popcount from shared memory, 128 × BN
/// output tiles per block of two warpgroups, stages moved by bulk copies
/// (WgmmaGemmKernel.cpp), the epilogue parameters staged in shared memory
/// and the output tile written with coalesced 16-byte stores.
///
/// Arguments as buildPlaneGemmKernel with an epilogue, except that the lhs
/// is in wgmma tiles (QuantizePackSpec::wgmmaTiles) with plane 1 holding
/// q = ¬n on the valid K bits (QuantizePackSpec::notNegative; its
/// popcounts are still those of n), and the rhs is the weight's
/// `b1_wgmma_tiles` (getB1WgmmaTiles, 256-row blocks): both planes
/// accumulate into one S = Σ popc(p∧b) + popc(q∧b), and
/// dot = 2(S − popc(b)) − (popc(p) − popc(n)).
bool wgmmaGemmApplies(const PlaneGemmSpec &spec);
/// The words of its lhs (wgmma tiles of 128 rows) and rhs (256 rows).
int64_t wgmmaGemmLhsWords(const PlaneGemmSpec &spec);
int64_t wgmmaGemmRhsWords(const PlaneGemmSpec &spec);
/// How the wgmma GEMM may configure itself (the pass's wgmma-specialized*
/// and wgmma-pingpong options, same defaults): `specialized` allows the
/// warp-specialized configuration with 128 × `specializedN` tiles from
/// `specializedMinTiles` such tiles on (< 0: the measured default);
/// `pingpong` (with specializedN = 128) makes it one block per SM whose two
/// consumer warpgroups take turns on 128 × 128 tiles of their own, else
/// both warpgroups share a tile (128: two blocks per SM; 256: one).
struct WgmmaGemmOptions {
  bool specialized = true;
  int64_t specializedMinTiles = -1;
  int64_t specializedN = 128;
  bool pingpong = true;
  /// SMs of the target GPU: the persistent grid's blocks (per SM).
  int64_t smCount = 132;
  /// Overlapped with its quantizer (QuantizePackSpec::signalRows): a last
  /// argument ready i32 [row blocks + 1]; the kernel copies a row block's
  /// planes once all its rows are signalled instead of waiting for the
  /// quantizer to end, zeroes the signals at its end, and leaves
  /// `sharedBeside` bytes of shared memory per SM to a quantizer block.
  bool rowSignals = false;
  int64_t sharedBeside = 0;
};
Kernel buildWgmmaGemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::StringRef name, const PlaneGemmSpec &spec,
                            const WgmmaGemmOptions &options);

/// Dynamic per-row quantization of a [rows, K] float tensor (f32, f16 or
/// bf16) into packed planes [P][RT][KT][R][8] (R = 16 for a GEMM lhs, 8 for
/// an rhs; padding rows and words written as zeros), grid-stride over the
/// rows: a block of 256 threads per row, or for M ≥ warpRowsMinM a warp
/// per row staged in dynamic shared memory (QuantizePackRows.h).
///
/// Arguments: x [rows·K] (or, with a producer, each of its shaped inputs
/// as a flat vector), planes, popcounts i32 [P][rows] (set bits per plane
/// and row), scale f32 [rows], [zero point i32 [rows]] (asymmetric).
struct QuantizePackSpec {
  QuantizedType type;
  SchemeAttr scheme;
  mlir::Type inputType;
  int64_t m, k, tileRows;
  /// An elementwise producer fused in front (bwta.fusion): the kernel reads
  /// its shaped inputs instead of x and computes each element with its
  /// body (null: x is read as is).
  mlir::linalg::LinalgOp producer;
  /// Ternary only: plane 1 holds q = ¬n = [x ≠ −1] on the valid K bits of
  /// real rows (padding stays 0) for the wgmma GEMM; the popcounts written
  /// are still those of p and n.
  bool notNegative = false;
  /// The planes in wgmma tiles (PackedRowLayout) of tileRows = 128 rows:
  /// what the b1 wgmma GEMM copies into shared memory as is.
  bool wgmmaTiles = false;
  /// Smallest M quantized with a warp per row (< 0: never); rows of fused
  /// producers, and rows too long for shared memory, always take a block.
  int64_t warpRowsMinM = -1;
  /// Warps per row of such a quantizer (0: by M).
  int64_t fixedWarpsPerRow = 0;
  /// Warps per row of the lane walker (laneRowsApply): 1, 2 or 4 (0: by
  /// shape).
  int64_t laneWarps = 0;
  /// Row-block signals for a GEMM that runs beside the quantizer
  /// (overlapped, RowBlockSignals.h): a last argument ready i32
  /// [rowTiles() + 1], each row's warps adding 1 to ready[row / tileRows]
  /// (release, GPU scope) once the row is written; at most `blocks` blocks
  /// (one per SM); the kernel waits for its predecessor before it lets the
  /// GEMM launch.
  bool signalRows = false;
  int64_t blocks = 0;
  int64_t planes() const { return type.getNumPlanes(); }
  int64_t rowTiles() const { return llvm::divideCeil(m, tileRows); }
  int64_t kTiles() const { return llvm::divideCeil(k, 256); }
  int64_t words() const { return planes() * rowTiles() * kTiles() * tileRows * 8; }
  bool asymmetric() const;
  int64_t rowBytes() const;
  bool warpPerRow() const;
  /// Warps sharing a row when warpPerRow() (1, 2, 4 or 8).
  int64_t warpsPerRow() const;
  /// Warps sharing a row in the lane walker (1, 2 or 4).
  int64_t laneWarpsPerRow() const;
};

Kernel buildQuantizePackKernel(mlir::OpBuilder &b, mlir::Location loc,
                               llvm::StringRef name,
                               const QuantizePackSpec &spec);

/// A float op between layers (a structured op on tensors with
/// projected-permutation maps and an arith/math body): one thread per point
/// of its parallel loops, reductions in loop order inside the thread.
///
/// Arguments: the shaped inputs, the inits its body reads, then one output
/// per init, each a flat row-major vector.
mlir::LogicalResult checkLinalgKernel(mlir::linalg::LinalgOp op);
/// The operands such a kernel reads, in argument order: the shaped inputs,
/// then the inits whose values the body uses.
llvm::SmallVector<mlir::OpOperand *> linalgKernelReads(mlir::linalg::LinalgOp op);
Kernel buildLinalgKernel(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::StringRef name, mlir::linalg::LinalgOp op);

struct KernelBuilder;
/// The body of structured op `op` at loop indices `ivs`, emitted at the
/// builder's point: `loadInput` gives each shaped input's element, `inits`
/// the values of the init block arguments; returns the yielded values.
llvm::SmallVector<mlir::Value>
emitPayload(KernelBuilder &kb, mlir::linalg::LinalgOp op,
            llvm::function_ref<mlir::Value(mlir::OpOperand *)> loadInput,
            mlir::ValueRange inits, llvm::ArrayRef<mlir::Value> ivs);
/// Offset of `map`'s element at loop indices `ivs` in a row-major buffer of
/// `shape` (the map's results are loop dimensions).
mlir::Value elementOffset(KernelBuilder &kb, mlir::AffineMap map,
                          llvm::ArrayRef<int64_t> shape,
                          llvm::ArrayRef<mlir::Value> ivs);

//===----------------------------------------------------------------------===//
// The int8 path (`#bwta.path<int8>` qmatmul): levels as bytes, IMMA/IGMMA.
//===----------------------------------------------------------------------===//

/// Levels of a quantized type as bytes: u8 if none is negative, s8 if all
/// fit [−128, 127]; nullopt if neither (8-bit balanced).
std::optional<bool> int8LevelsSigned(QuantizedType type);

/// Bytes of the int8 layout of `rows` × K levels: [RT][KT][R][32] with
/// R = `tileRows` (16 for a GEMM lhs, 8 for an rhs), KT = ⌈K/32⌉ (a K tile
/// of 32 bytes is 8 words, the m16n8k32 fragment's span), zeros as padding.
inline int64_t int8TileBytes(int64_t rows, int64_t k, int64_t tileRows) {
  return llvm::divideCeil(rows, tileRows) * llvm::divideCeil(k, 32) * tileRows * 32;
}

/// The wgmma int8 GEMM's operand layout ("wgmma tiles"): [⌈rows/R⌉][⌈K/64⌉]
/// [R][64] bytes, R = kInt8WgmmaLhsRows (lhs) or kInt8WgmmaRhsRows (rhs),
/// zeros as padding; each (row block, 64-byte K slot) chunk is the image
/// of its shared-memory slot, the 16-byte chunk c of row r at r·64 +
/// ((c ^ (r >> 1 & 3)) << 4) (the 64-byte swizzle of the descriptors), so
/// one bulk copy moves it.
constexpr int64_t kInt8WgmmaSlotBytes = 64;
constexpr int64_t kInt8WgmmaLhsRows = 128, kInt8WgmmaRhsRows = 256;
inline int64_t int8WgmmaTileBytes(int64_t rows, int64_t k, int64_t blockRows) {
  return llvm::divideCeil(rows, blockRows) * llvm::divideCeil(k, kInt8WgmmaSlotBytes) *
         blockRows * kInt8WgmmaSlotBytes;
}

/// Dynamic per-row k-bit quantization (k ≤ 8, symmetric or asymmetric) of a
/// [rows, K] float tensor into the int8 layout with tiles of 16 rows (the
/// levels' low bytes; padding rows and K bytes zero), a warp per row; with
/// `wgmmaTiles`, into the wgmma tiles of an lhs instead.
///
/// Arguments: x [rows·K], levels i8 [bytes()], scale f32
/// [rows], [zero point i32 [rows]] (asymmetric), [level sums i32 [rows]]
/// (rowSums: Σ_k q, for a weight zero point).
struct QuantizeLevelsSpec {
  QuantizedType type;
  SchemeAttr scheme;
  mlir::Type inputType;
  int64_t m, k;
  bool rowSums = false;
  bool wgmmaTiles = false;
  bool asymmetric() const;
  int64_t bytes() const {
    return wgmmaTiles ? int8WgmmaTileBytes(m, k, kInt8WgmmaLhsRows) : int8TileBytes(m, k, 16);
  }
};

Kernel buildQuantizeLevelsKernel(mlir::OpBuilder &b, mlir::Location loc,
                                 llvm::StringRef name,
                                 const QuantizeLevelsSpec &spec);

/// y = (f32(Σ_k (x − zx)(w − zw))·sx)·sw + bias of lhs levels [M, K] (int8
/// layout, tiles of 16 rows) and rhs levels [N, K] (tiles of 8 rows; both
/// in wgmma tiles with `wgmmaTiles`), both
/// bytes whose signedness int8LevelsSigned gives; Σ(x − zx)(w − zw) is
/// formed from Σxw and the row sums in wrapping int32 (docs/Semantics.md,
/// bwta.qmatmul).
///
/// Arguments: lhs i8, rhs i8, lhs scale f32 [M], rhs scale f32 ([N] or one
/// value), [lhs zero point i32 [M]], [rhs zero point i32 ([N] or one)],
/// [lhs level sums i32 [M]] (with an rhs zero point), [rhs level sums i32
/// [N]] (with an lhs zero point), [bias f32 [N]], out [M][N] (f32 or f16).
struct Int8GemmSpec {
  int64_t m, n, k;
  EpilogueSpec epilogue; // lhsType/rhsType: the levels' types
  bool wgmmaTiles = false; // the wgmma kernel's layout (buildWgmmaInt8GemmKernel)
  int64_t kTiles() const { return llvm::divideCeil(k, 32); }
  int64_t lhsBytes() const {
    return wgmmaTiles ? int8WgmmaTileBytes(m, k, kInt8WgmmaLhsRows) : int8TileBytes(m, k, 16);
  }
  int64_t rhsBytes() const {
    return wgmmaTiles ? int8WgmmaTileBytes(n, k, kInt8WgmmaRhsRows) : int8TileBytes(n, k, 8);
  }
  bool lhsSums() const { return epilogue.rhsZeroPoint != ParamKind::None; }
  bool rhsSums() const { return epilogue.lhsZeroPoint != ParamKind::None; }
};

/// The int8 GEMM on mma.sync m16n8k32 (sm_80+): 128×128 output tiles per
/// block of 8 warps, a cp.async pipeline through 32-byte-swizzled shared
/// memory, ldmatrix fragments, the epilogue in registers.
Kernel buildInt8GemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                           llvm::StringRef name, const Int8GemmSpec &spec);

/// The same GEMM (arguments of buildInt8GemmKernel, both operands in wgmma
/// tiles) on sm_90a: wgmma m64n{blockN}k32 from 64-byte-swizzled shared
/// memory, 128 × blockN output tiles (blockN 128 or 256) per block of two
/// consumer warpgroups and a producer warp that moves each 64-byte K slot
/// of both operands with bulk copies (mbarrier pipeline); a persistent grid
/// of one block per SM walks the tiles; `cluster` 2: pairs of blocks (rows
/// 128 apart) share the rhs, each copying half of it to both; `pingpong`
/// (blockN 128, cluster 1): each consumer warpgroup computes whole 128 ×
/// 128 tiles of its own, the two taking turns on the tensor pipe.
Kernel buildWgmmaInt8GemmKernel(mlir::OpBuilder &b, mlir::Location loc,
                                llvm::StringRef name, const Int8GemmSpec &spec,
                                int64_t blockN, int64_t cluster, bool pingpong,
                                int64_t smCount);

} // namespace bwta::gpu_kernels

#endif // BWTA_LIB_CONVERSION_BWTATOGPU_KERNELS_H
