//===- BWTAToGPU.cpp - the bwta-lower-to-gpu pass -------------------------===//
//
// Turns every function holding bwta ops into the host form of docs/GPU.md:
// buffers, weight globals and launches of kernels generated into
// `gpu.module @bwta_kernels`. Activation quantizers become quantize+pack
// kernels, btc_epilogues fuse with the plane matmul that feeds them.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "bwta/Conversion/Passes.h"
#include "bwta/Conversion/WeightResolver.h"
#include "bwta/Dialect/BWTA/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace bwta {
#define GEN_PASS_DEF_CONVERTBWTATOGPUPASS
#include "bwta/Conversion/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {

constexpr StringLiteral kModuleName = "bwta_kernels";

/// The SM number of an "sm_NN[a|f]" chip name, or nullopt.
std::optional<unsigned> smVersion(StringRef chip) {
  unsigned version;
  if (!chip.consume_front("sm_"))
    return std::nullopt;
  if (!chip.consume_back("a"))
    chip.consume_back("f");
  if (chip.getAsInteger(10, version))
    return std::nullopt;
  return version;
}

/// The 1-D buffer type holding a value of `type`: the storage the CPU
/// reference and bwta-compile use (packed words, levels or the elements).
MemRefType getBufferType(RankedTensorType type) {
  RankedTensorType storage = getReferenceStorageType(type);
  return MemRefType::get({storage.getNumElements()}, storage.getElementType());
}

/// Checks the packed operands of a plane matmul against the m16n8k256
/// fragments the GEMM kernel reads.
LogicalResult checkGemmOperands(PlaneMatmulOp op) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  RankedTensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  PackedLayoutAttr lhsLayout = getPackedLayout(lhs), rhsLayout = getPackedLayout(rhs);
  if (!lhsLayout || !rhsLayout)
    return fail("operands must be packed (run bwta-pack-layout first)");
  if (op.getGroupSize())
    return fail("grouped plane matmuls are not supported yet");
  for (PackedLayoutAttr layout : {lhsLayout, rhsLayout})
    if (layout.getWord() != 32 || layout.getTileWords() != 8)
      return fail("needs 32-bit words in K tiles of 8 words (256 bits), got " +
                  Twine(layout.getWord()) + "-bit words in tiles of " +
                  Twine(layout.getTileWords()));
  if (lhsLayout.getTileRows() != 16 || rhsLayout.getTileRows() != 8)
    return fail("needs lhs rows in tiles of 16 and rhs rows in tiles of 8 "
                "(the m16n8k256 fragments)");
  if (lhsLayout.getKOrder() != KOrder::LsbFirst || rhsLayout.getKOrder() != KOrder::LsbFirst)
    return fail("needs lsb_first K order (bit k % 32 of each word)");
  return success();
}

/// The GEMM shape of a plane matmul ([P, (B,) M, K] × [P, (B,) N, K]).
PlaneGemmSpec gemmSpec(PlaneMatmulOp op) {
  ArrayRef<int64_t> lhs = op.getLhs().getType().getShape();
  ArrayRef<int64_t> rhs = op.getRhs().getType().getShape();
  int64_t batch = lhs.size() == 4 ? lhs[1] : 1;
  PlaneGemmSpec spec{lhs[0], rhs[0], batch, lhs[lhs.size() - 2], rhs[rhs.size() - 2],
                     lhs.back(), std::nullopt};
  Value rhsRoot = op.getRhs();
  while (auto split = rhsRoot.getDefiningOp<SplitPlanesOp>())
    rhsRoot = split.getInput();
  spec.rhsIsWeight = isa_and_nonnull<WeightOp>(rhsRoot.getDefiningOp());
  return spec;
}

ParamKind paramKind(Value param) {
  if (!param)
    return ParamKind::None;
  auto type = cast<RankedTensorType>(param.getType());
  return type.getRank() == 0 ? ParamKind::PerTensor : ParamKind::PerRow;
}

/// Whether every use of `value` is operand `operand` of an int8-path
/// qmatmul.
bool readOnlyByInt8Matmuls(Value value, unsigned operand) {
  return !value.use_empty() && llvm::all_of(value.getUses(), [&](OpOperand &use) {
    auto matmul = dyn_cast<QMatmulOp>(use.getOwner());
    return matmul && use.getOperandNumber() == operand && matmul.getPath() == MatmulPath::Int8;
  });
}

/// The GEMM of an epilogue fused with the plane matmul that feeds it.
PlaneGemmSpec epilogueSpec(BTCEpilogueOp op, PlaneMatmulOp matmul) {
  PlaneGemmSpec spec = gemmSpec(matmul);
  spec.epilogue = EpilogueSpec{cast<QuantizedType>(op.getLhsType()),
                               cast<QuantizedType>(op.getRhsType()),
                               int64_t(op.getK()),
                               paramKind(op.getLhsScale()),
                               paramKind(op.getRhsScale()),
                               paramKind(op.getLhsZeroPoint()),
                               paramKind(op.getRhsZeroPoint()),
                               bool(op.getBias()),
                               op.getResult().getType().getElementType()};
  return spec;
}

/// Raises the PTX ISA version of the kernel module's target to at least
/// `version` (e.g. 84 for wgmma on mixed u8/s8 operands).
void requirePtxVersion(gpu::GPUModuleOp kernels, unsigned version) {
  auto target = cast<NVVM::NVVMTargetAttr>(kernels.getTargetsAttr()[0]);
  SmallVector<StringRef> features;
  StringRef(target.getFeatures()).split(features, ',', -1, /*KeepEmpty=*/false);
  std::string updated = "+ptx" + std::to_string(version);
  for (StringRef feature : features) {
    unsigned have;
    if (feature.consume_front("+ptx") && !feature.getAsInteger(10, have)) {
      version = std::max(version, have);
      updated = "+ptx" + std::to_string(version);
      continue;
    }
    updated += "," + feature.str();
  }
  kernels.setTargetsAttr(ArrayAttr::get(
      kernels.getContext(),
      NVVM::NVVMTargetAttr::get(kernels.getContext(), target.getO(),
                                target.getTriple(), target.getChip(), updated,
                                target.getFlags(), target.getLink(),
                                target.getVerifyTarget())));
}

struct ConvertBWTAToGPUPass
    : bwta::impl::ConvertBWTAToGPUPassBase<ConvertBWTAToGPUPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *context) override {
    std::optional<unsigned> sm = smVersion(chip);
    if (!sm)
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: chip must look like sm_90a, got '" << chip << "'";
    bool automatic = !warpRows && !warpCols && !blockWarpsM && !blockWarpsN;
    if (!automatic &&
        (warpRows < 1 || warpCols < 1 || blockWarpsM < 1 || blockWarpsN < 1 ||
         splitK < 1 || blockWarpsM * blockWarpsN * splitK > 32 ||
         warpRows * warpCols > 16))
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: tiles must be all 0 (by shape) or all "
                "positive, with at most 32 warps per block (M × N × K warps) "
                "and 16 MMA tiles per warp";
    if (!llvm::is_contained({0, 1, 2, 4, 8}, int64_t(quantizeWarpsPerRow)))
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: quantize-warps-per-row must be 0 (by M), 1, "
                "2, 4 or 8, got "
             << int64_t(quantizeWarpsPerRow);
    if (!llvm::is_contained({0, 1, 2, 4}, int64_t(quantizeLaneWarps)))
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: quantize-lane-warps must be 0 (by shape), 1, 2 or 4, got "
             << int64_t(quantizeLaneWarps);
    if (smCount < 1 || smCount > 1024)
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: sm-count must be 1..1024, got " << int64_t(smCount);
    if (*sm < 80)
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: " << chip
             << " cannot run binary AND-popcount MMA (mma.sync m16n8k256 .b1 "
                ".and.popc needs sm_80 or newer)";
    return success();
  }

  /// The tiling of the options, or one by shape: a warp keeps about 128
  /// accumulators (its MMA tiles × plane pairs × 4).
  Tiling tilingFor(int64_t pairs, int64_t rowTiles, int64_t kTiles) const {
    if (warpRows)
      return {warpRows, warpCols, blockWarpsM, blockWarpsN, splitK};
    int64_t tiles = std::max<int64_t>(1, 32 / pairs);
    // Decode: one output tile per block, its K split over up to 8 warps,
    // so that the weight loads of a block are in flight at once.
    if (rowTiles == 1)
      return {1, 1, 1, 1, std::min<int64_t>(8, kTiles)};
    if (tiles >= 4)
      return {2, std::min<int64_t>(8, tiles / 2), 2, 2};
    return {1, tiles, 2, 2};
  }

  /// Whether the GEMV computes `spec` (decode-sized M) rather than
  /// mma.sync tiles; the default thresholds are measured on the H200
  /// (docs/GPU.md): M ≤ 4, and M ≤ 12 where the tensor-core dot takes 8
  /// or more plane pair products per weight word and row (W2A8, W4A4).
  bool useGemv(const PlaneGemmSpec &spec) const {
    constexpr int64_t kDefaultGemvMaxM = 4, kDefaultManyPlanesGemvMaxM = 12;
    if (warpRows)
      return false;
    bool manyPlanes = spec.lhsPlanes * spec.rhsPlanes >= 8 && gemvDot() != GemvDot::Popc;
    int64_t maxM = gemvMaxM >= 0 ? gemvMaxM
                   : manyPlanes  ? kDefaultManyPlanesGemvMaxM
                                 : kDefaultGemvMaxM;
    return spec.m <= maxM && gemvShape(spec, gemvRows, nullptr, gemvDot()).sharedBytes() <= 48 * 1024;
  }
  int64_t gemvRowsPerBlock() const { return gemvRows; }
  bool gemvQuantizeAllowed() const { return gemvQuantize; }
  int64_t gemvQuantizeRows() const { return gemvQuantizeMaxRows; }
  GemvDot gemvDot() const {
    return gemvMma < 0 ? GemvDot::Measured : gemvMma ? GemvDot::TensorCores : GemvDot::Popc;
  }

  /// Whether the wgmma kernel computes `spec`: a BWTA linear layer on
  /// sm_90a (wgmma exists on no other chip) with at least wgmma-min-m rows;
  /// explicit tiles select mma.sync.
  bool useWgmma(const PlaneGemmSpec &spec) const {
    // bench/RESULTS.md (2026-11-22, wgmma port), H200 at N = K = 4096:
    // mma.sync's split-K decode tiling (M ≤ 16) wins at M = 16, wgmma from
    // M = 32 on; M in 17..31 has the same grids as M = 32 in both kernels.
    constexpr int64_t kDefaultWgmmaMinM = 17;
    int64_t minM = wgmmaMinM < 0 ? kDefaultWgmmaMinM : wgmmaMinM;
    return chip == "sm_90a" && !warpRows && minM > 0 && spec.m >= minM &&
           wgmmaGemmApplies(spec);
  }

  /// Whether the wgmma int8 GEMM computes `spec` (sm_90a, M ≥
  /// int8-wgmma-min-m) rather than mma.sync m16n8k32.
  bool useInt8Wgmma(int64_t m) const {
    // bench/RESULTS.md (2026-11-23, int8 paths at M = 16-256), H200 W2A8
    // layers: the bulk-copy wgmma kernel beats mma.sync at every M from 16.
    constexpr int64_t kDefaultInt8WgmmaMinM = 16;
    int64_t minM = int8WgmmaMinM < 0 ? kDefaultInt8WgmmaMinM : int8WgmmaMinM;
    return chip == "sm_90a" && minM > 0 && m >= minM;
  }
  /// The wgmma int8 GEMM's configuration for `spec` (tile width, cluster
  /// size, ping-pong). H200 W2A8 layers (bench/RESULTS.md session 9):
  /// ping-pong 128 × 128 tiles hide the epilogue and balance small grids
  /// (−4 to −9 % with 172-512 such tiles at K = 4096), but their m64n128
  /// wgmmas do less per tensor-pipe cycle than the cooperative m64n256
  /// ones, which win where the mainloop dominates (K = 11008 at 512
  /// tiles: +10 % with ping-pong; 688 tiles and more: +3 to +14 %); so
  /// ping-pong for K ≤ 4096 with 1.25-4 such tiles per SM. Otherwise 256
  /// columns unless fewer than 132 such tiles (then 128: at M = 512 the
  /// 128 × 256 grid leaves half the SMs idle).
  struct Int8WgmmaShape {
    int64_t blockN, cluster;
    bool pingpong;
  };
  /// SMs of the target GPU (sm-count).
  int64_t sms() const { return smCount; }
  Int8WgmmaShape int8WgmmaShape(const Int8GemmSpec &spec) const {
    constexpr int64_t kMaxPingpongK = 4096;
    int64_t tilesM = llvm::divideCeilSigned(spec.m, int64_t(128));
    int64_t tiles128 = tilesM * llvm::divideCeilSigned(spec.n, int64_t(128));
    // Clusters of 2 (multicast weight tiles) took twice as long on the
    // H200 (bench/RESULTS.md, 2026-11-23): one block per cluster by default.
    int64_t cluster = int8WgmmaCluster == 2 ? 2 : 1;
    bool pingpong = int8WgmmaPingpong < 0
                        ? spec.k <= kMaxPingpongK && 4 * tiles128 >= 5 * sms() &&
                              tiles128 <= 4 * sms()
                        : int8WgmmaPingpong > 0;
    if (pingpong && cluster == 1 && int8WgmmaN != 256 && tilesM >= 2)
      return {128, 1, true};
    int64_t blockN = int8WgmmaN;
    if (blockN != 128 && blockN != 256) // 128 where 256-wide tiles leave SMs idle
      blockN = tilesM * llvm::divideCeilSigned(spec.n, int64_t(256)) < sms() ? 128 : 256;
    return {blockN, cluster, false};
  }

  bool overlapsWgmma() const { return wgmmaOverlap; }

  WgmmaGemmOptions wgmmaGemmOptions() const {
    return {wgmmaSpecialized, wgmmaSpecializedMinTiles, wgmmaSpecializedN, wgmmaPingpong,
            smCount};
  }

  /// Warps per row of such a quantizer (0: by M).
  int64_t quantizeRowWarps() const { return quantizeWarpsPerRow; }
  int64_t quantizeRowLaneWarps() const { return quantizeLaneWarps; }

  /// Smallest M whose activation quantizer takes a warp per row (-1:
  /// never).
  int64_t quantizeWarpRowsMinM() const {
    constexpr int64_t kDefaultQuantizeWarpMinM = 512;
    if (quantizeWarpMinM == 0)
      return -1;
    return quantizeWarpMinM < 0 ? kDefaultQuantizeWarpMinM : quantizeWarpMinM;
  }

  gpu::GPUModuleOp getOrCreateKernelModule(ModuleOp module) {
    if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kModuleName))
      return existing;
    MLIRContext *ctx = module.getContext();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), UnitAttr::get(ctx));
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto target = NVVM::NVVMTargetAttr::get(ctx, /*optLevel=*/3,
                                            "nvptx64-nvidia-cuda", chip, features);
    return gpu::GPUModuleOp::create(b, module.getLoc(), kModuleName,
                                    b.getArrayAttr({target}));
  }

  void runOnOperation() override;
};

/// Rewrites one function into host form.
class HostLowering {
public:
  HostLowering(const ConvertBWTAToGPUPass &pass, ModuleOp module,
               gpu::GPUModuleOp kernels)
      : pass(pass), module(module), kernels(kernels), kernelSymbols(kernels),
        moduleSymbols(module) {}

  LogicalResult run(func::FuncOp func);

private:
  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerWeight(WeightOp op);
  /// `producer`: an elementwise op fused into the quantize kernel.
  LogicalResult lowerQuantize(QuantizeOp op, linalg::LinalgOp producer = {});
  LogicalResult lowerFusion(FusionOp op);
  LogicalResult lowerPopcount(PlanePopcountOp op);
  LogicalResult lowerPlaneMatmul(PlaneMatmulOp op);
  LogicalResult lowerEpilogue(BTCEpilogueOp op);
  LogicalResult lowerLinalg(linalg::LinalgOp op);
  /// Walks the readers of the packed quantizer result `packed` through
  /// split_planes and out of bwta.fusion groups: popcounts go to `popcount`; every other reader must be a plane matmul taking it as
  /// lhs, read only by ungrouped epilogues, each given to `epilogue`. False
  /// if a reader does not fit, a value is returned, a callback says no, or
  /// there is no such matmul.
  bool forEachLhsEpilogue(Value packed, function_ref<bool(PlanePopcountOp)> popcount,
                          function_ref<bool(BTCEpilogueOp, PlaneMatmulOp)> epilogue);
  /// Whether the wgmma GEMM is the only reader of the packed words of
  /// quantizer result `packed` (then they are packed as p and ¬n).
  bool onlyWgmmaReads(Value packed);
  /// Whether every reader of quantizer `op`'s results (spec `spec`) is the
  /// epilogue of a GEMV that can quantize its rows itself, taking them as
  /// its lhs side (then the quantizer runs inside those GEMVs).
  bool onlyQuantizingGemvsRead(QuantizeOp op, const QuantizePackSpec &spec);
  // The int8 path (#bwta.path<int8>): activation levels as bytes, weights
  // as byte tiles derived at compile time, one int8 GEMM.
  LogicalResult lowerQuantizeLevels(QuantizeOp op);
  LogicalResult lowerInt8Matmul(QMatmulOp op);

  /// The 1-D buffer holding `value` (a view of an argument if needed).
  FailureOr<Value> buffer(Operation *user, Value value);
  /// The buffer `value` is computed into: its output argument if the
  /// function returns it, else a new allocation (also for a null value).
  Value destination(Value value, Type elementType, int64_t size);
  Value flatten(Value memref);
  /// `derivedType`: the memref of a derivation other than plane_popcount.
  Value weightGlobal(WeightOp op, StringRef derive, MemRefType derivedType = {});
  /// Appends the kernel `build` makes to the kernel module (uniquely named).
  Kernel addKernel(function_ref<Kernel(OpBuilder &)> build);
  /// A plane GEMM kernel with the tiling of the pass options or the shape.
  Kernel addGemmKernel(Location at, StringRef name, const PlaneGemmSpec &spec);
  void launch(const Kernel &kernel, ValueRange args);
  /// Launches `kernel` on `args` followed by the buffer it computes the
  /// tensor `result` into.
  void launchInto(const Kernel &kernel, SmallVector<Value> args, Value result);
  Value root(Value value);

  const ConvertBWTAToGPUPass &pass;
  ModuleOp module;
  gpu::GPUModuleOp kernels;
  SymbolTable kernelSymbols, moduleSymbols;
  std::optional<OpBuilder> host;
  Location loc = UnknownLoc::get(module.getContext());
  DenseMap<Value, Value> buffers;      // tensor value -> 1-D memref
  DenseMap<Value, Value> outputs;      // returned value -> output argument
  DenseMap<Value, Value> rowPopcounts; // quantize result -> its popcounts
  DenseSet<Value> notNegative;         // quantize results packed as p, ¬n
  DenseMap<Value, Value> levelSums;    // int8-path quantize result -> Σ_k q
  /// A quantizer run inside the GEMVs that read it: its spec and input.
  struct GemvQuantizer {
    QuantizePackSpec spec;
    SmallVector<Value> inputs; // x, or the fused producer's reads
  };
  DenseMap<Value, GemvQuantizer> quantizedInGemv; // by packed result
  // Quantizers overlapped with their wgmma GEMM (RowBlockSignals.h), by
  // packed result: the row-block signals and the quantizer block's shared
  // memory.
  struct RowSignals {
    Value ready;
    int64_t sharedBytes;
  };
  DenseMap<Value, RowSignals> rowSignals;
  DenseSet<Value> paramsInGemv; // their scales and zero points
  llvm::StringMap<Value> globals;      // weight name + derivation -> get_global
  DenseMap<int64_t, Value> indexConstants;
};

Value HostLowering::flatten(Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getRank() == 1)
    return memref;
  if (type.getRank() == 0)
    return memref::ExpandShapeOp::create(
        *host, loc, MemRefType::get({1}, type.getElementType()), memref,
        ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return memref::CollapseShapeOp::create(*host, loc, memref,
                                         ArrayRef<ReassociationIndices>{all});
}

FailureOr<Value> HostLowering::buffer(Operation *user, Value value) {
  auto it = buffers.find(value);
  if (it != buffers.end())
    return it->second;
  // A weight becomes a global where it is first read as stored: weights
  // that only GEMMs with derived layouts read (int8 tiles, b1 wgmma tiles)
  // have no global of their own.
  if (auto weight = root(value).getDefiningOp<WeightOp>())
    return weightGlobal(weight, "");
  InFlightDiagnostic diag = user->emitOpError()
                            << "bwta-lower-to-gpu: operand is computed by ";
  if (Operation *def = value.getDefiningOp())
    diag << "'" << def->getName() << "', which has no GPU lowering yet";
  else
    diag << "an unsupported value";
  return failure();
}

Value HostLowering::destination(Value value, Type elementType, int64_t size) {
  if (Value output = outputs.lookup(value))
    return flatten(output);
  return memref::AllocOp::create(*host, loc, MemRefType::get({size}, elementType));
}

Value HostLowering::root(Value value) {
  while (auto split = value.getDefiningOp<SplitPlanesOp>())
    value = split.getInput();
  return value;
}

Value HostLowering::weightGlobal(WeightOp op, StringRef derive,
                                 MemRefType derivedType) {
  std::string key = (op.getName() + "#" + derive).str();
  if (Value existing = globals.lookup(key))
    return existing;
  RankedTensorType type = op.getResult().getType();
  MemRefType memrefType = getBufferType(type);
  if (!derive.empty()) {
    SmallVector<int64_t> shape = getPlanePopcountShape(type, std::nullopt);
    memrefType = MemRefType::get({ShapedType::getNumElements(shape)},
                                 IntegerType::get(op.getContext(), 32));
  }
  if (derivedType)
    memrefType = derivedType;
  OpBuilder b(module.getBodyRegion());
  std::string symbol = op.getName().str();
  if (!derive.empty())
    symbol += "." + derive.str();
  auto global = memref::GlobalOp::create(
      b, op.getLoc(), b.getStringAttr(symbol), b.getStringAttr("private"),
      TypeAttr::get(memrefType), /*initial_value=*/nullptr, b.getUnitAttr(),
      b.getI64IntegerAttr(64));
  global->setAttr("bwta.weight", op.getNameAttr());
  global->setAttr("bwta.weight_type", TypeAttr::get(type));
  if (!derive.empty())
    global->setAttr("bwta.derive", b.getStringAttr(derive));
  moduleSymbols.insert(global); // uniquifies the name
  Value result = memref::GetGlobalOp::create(*host, loc, memrefType,
                                             FlatSymbolRefAttr::get(global));
  globals[key] = result;
  return result;
}

Kernel HostLowering::addKernel(function_ref<Kernel(OpBuilder &)> build) {
  OpBuilder b(kernels.getBodyRegion());
  b.setInsertionPointToEnd(kernels.getBody());
  Kernel kernel = build(b);
  enableGridDependency(kernel.func);
  kernelSymbols.insert(kernel.func);
  return kernel;
}

Kernel HostLowering::addGemmKernel(Location at, StringRef name,
                                   const PlaneGemmSpec &spec) {
  if (pass.useGemv(spec))
    return addKernel([&](OpBuilder &b) {
      return buildPlaneGemvKernel(b, at, name, spec, pass.gemvRowsPerBlock(), pass.gemvDot());
    });
  Tiling tiling = pass.tilingFor(spec.lhsPlanes * spec.rhsPlanes,
                                 llvm::divideCeil(spec.m, 16), spec.kTiles());
  return addKernel(
      [&](OpBuilder &b) { return buildPlaneGemmKernel(b, at, name, spec, tiling); });
}

void HostLowering::launch(const Kernel &kernel, ValueRange args) {
  // Launch dimensions are constants shared by all launches.
  auto idx = [&](int64_t v) {
    Value &constant = indexConstants[v];
    if (!constant) {
      OpBuilder::InsertionGuard guard(*host);
      host->setInsertionPointToStart(host->getBlock());
      constant = arith::ConstantIndexOp::create(*host, loc, v);
    }
    return constant;
  };
  gpu::KernelDim3 grid{idx(kernel.grid[0]), idx(kernel.grid[1]), idx(kernel.grid[2])};
  gpu::KernelDim3 block{idx(kernel.block[0]), idx(kernel.block[1]), idx(kernel.block[2])};
  Value shared;
  if (kernel.dynamicSharedBytes) {
    OpBuilder::InsertionGuard guard(*host);
    host->setInsertionPointToStart(host->getBlock());
    shared = arith::ConstantIntOp::create(*host, loc, host->getI32Type(),
                                          kernel.dynamicSharedBytes);
  }
  gpu::LaunchFuncOp::create(*host, loc, kernel.func, grid, block, shared, args);
}

void HostLowering::launchInto(const Kernel &kernel, SmallVector<Value> args,
                              Value result) {
  auto type = cast<RankedTensorType>(result.getType());
  Value out = destination(result, type.getElementType(), type.getNumElements());
  args.push_back(out);
  launch(kernel, args);
  buffers[result] = out;
}

LogicalResult HostLowering::lowerWeight(WeightOp) {
  return success(); // a global once read (buffer)
}

LogicalResult HostLowering::lowerQuantize(QuantizeOp op, linalg::LinalgOp producer) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  RankedTensorType resultType = op.getResult().getType();
  PackedLayoutAttr layout = getPackedLayout(resultType);
  if (!layout && !producer && readOnlyByInt8Matmuls(op.getResult(), /*operand=*/0))
    return lowerQuantizeLevels(op);
  if (!layout)
    return fail("only quantizers with a packed result run on the GPU (run "
                "bwta-pack-layout first)");
  if (op.getScale())
    return fail("static quantization is not supported on the GPU yet");
  if (op.getScheme().getGranularity() != Granularity::PerToken &&
      op.getScheme().getGranularity() != Granularity::PerChannel)
    return fail("only per-token (per-row) dynamic quantization runs on the GPU yet");
  if (layout.getWord() != 32 || layout.getTileWords() != 8 ||
      (layout.getTileRows() != 16 && layout.getTileRows() != 8) ||
      layout.getKOrder() != KOrder::LsbFirst)
    return fail("the activation kernel writes tiles of 16 (lhs) or 8 (rhs) "
                "rows × 8 lsb_first 32-bit words");
  RankedTensorType inputType = op.getInput().getType();
  QuantizePackSpec spec{cast<QuantizedType>(resultType.getElementType()),
                        op.getScheme(), inputType.getElementType(),
                        inputType.getNumElements() / inputType.getShape().back(),
                        inputType.getShape().back(), layout.getTileRows()};
  spec.producer = producer;
  spec.warpRowsMinM = pass.quantizeWarpRowsMinM();
  spec.fixedWarpsPerRow = pass.quantizeRowWarps();
  spec.laneWarps = pass.quantizeRowLaneWarps();
  // The wgmma GEMM reads p, ¬n in wgmma tiles of 128 rows.
  spec.notNegative = spec.wgmmaTiles = onlyWgmmaReads(op.getResult());
  if (spec.notNegative) {
    spec.tileRows = 128;
    notNegative.insert(op.getResult());
  }
  // Overlapped with the one GEMM that reads the planes (one, since that
  // GEMM zeroes the signals), the quantizer on one block per SM.
  if (pass.overlapsWgmma() && spec.wgmmaTiles && spec.warpPerRow()) {
    int epilogues = 0;
    forEachLhsEpilogue(
        op.getResult(), [](PlanePopcountOp) { return true; },
        [&](BTCEpilogueOp, PlaneMatmulOp) { return ++epilogues, true; });
    spec.signalRows = epilogues == 1;
    spec.blocks = pass.sms();
  }
  SmallVector<Value> args, inputs{op.getInput()};
  if (producer)
    inputs = llvm::map_to_vector(linalgKernelReads(producer),
                                 [](OpOperand *input) { return input->get(); });
  for (Value input : inputs) {
    FailureOr<Value> buf = buffer(op, input);
    if (failed(buf))
      return failure();
    args.push_back(*buf);
  }
  if (onlyQuantizingGemvsRead(op, spec)) {
    quantizedInGemv.try_emplace(op.getResult(), GemvQuantizer{spec, args});
    paramsInGemv.insert(op.getResultScale());
    if (op.getResultZeroPoint())
      paramsInGemv.insert(op.getResultZeroPoint());
    return success();
  }
  Kernel kernel = addKernel([&](OpBuilder &b) {
    return buildQuantizePackKernel(b, op.getLoc(), "quantize_pack", spec);
  });

  Type i32 = host->getI32Type(), f32 = host->getF32Type();
  Value words = destination(op.getResult(), i32, spec.words());
  Value popcounts = memref::AllocOp::create(
      *host, loc, MemRefType::get({spec.planes() * spec.m}, i32));
  // The kernel writes the scale (and zero point) even if nothing reads it.
  Value scale = destination(op.getResultScale(), f32, spec.m);
  args.append({words, popcounts, scale});
  if (spec.asymmetric()) {
    Value zp = destination(op.getResultZeroPoint(), i32, spec.m);
    args.push_back(zp);
    if (op.getResultZeroPoint())
      buffers[op.getResultZeroPoint()] = zp;
  }
  if (spec.signalRows) {
    Value ready = memref::AllocOp::create(
        *host, loc, MemRefType::get({spec.rowTiles() + 1}, i32));
    args.push_back(ready);
    rowSignals[op.getResult()] = {ready, kernel.dynamicSharedBytes};
  }
  launch(kernel, args);
  buffers[op.getResult()] = words;
  rowPopcounts[op.getResult()] = popcounts;
  if (op.getResultScale())
    buffers[op.getResultScale()] = scale;
  return success();
}

LogicalResult HostLowering::lowerPopcount(PlanePopcountOp op) {
  if (op.getGroupSize())
    return op.emitOpError() << "bwta-lower-to-gpu: grouped popcounts are not "
                               "supported yet";
  Value source = root(op.getInput());
  if (quantizedInGemv.count(source)) // computed where it is read
    return success();
  if (Value popcounts = rowPopcounts.lookup(source)) {
    buffers[op.getResult()] = popcounts;
    return success();
  }
  if (auto weight = source.getDefiningOp<WeightOp>()) {
    buffers[op.getResult()] = weightGlobal(weight, "plane_popcount");
    return success();
  }
  return op.emitOpError() << "bwta-lower-to-gpu: popcounts are computed by the "
                             "activation quantizer or at compile time for "
                             "weights; this operand is neither";
}

LogicalResult HostLowering::lowerPlaneMatmul(PlaneMatmulOp op) {
  if (failed(checkGemmOperands(op)))
    return failure();
  // Fused into the epilogues that read it; materialized only for others.
  if (llvm::all_of(op->getUsers(), [](Operation *user) { return isa<BTCEpilogueOp>(user); }))
    return success();
  FailureOr<Value> lhs = buffer(op, op.getLhs()), rhs = buffer(op, op.getRhs());
  if (failed(lhs) || failed(rhs))
    return failure();
  PlaneGemmSpec spec = gemmSpec(op);
  Kernel kernel = addGemmKernel(op.getLoc(), "plane_matmul", spec);
  Value out = destination(op.getResult(), host->getI32Type(),
                          op.getResult().getType().getNumElements());
  launch(kernel, {*lhs, *rhs, out});
  buffers[op.getResult()] = out;
  return success();
}

LogicalResult HostLowering::lowerEpilogue(BTCEpilogueOp op) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  auto matmul = op.getPlanes().getDefiningOp<PlaneMatmulOp>();
  if (!matmul)
    return fail("the plane products must come from a bwta.plane_matmul (fused)");
  if (op.getGroupSize())
    return fail("grouped epilogues are not supported yet");
  if (failed(checkGemmOperands(matmul)))
    return failure();
  PlaneGemmSpec spec = epilogueSpec(op, matmul);
  // A GEMV that quantizes its lhs rows itself reads the quantizer's
  // inputs in place of the lhs side (planes, popcounts, scale, zero point).
  auto quantizer = quantizedInGemv.find(root(matmul.getLhs()));
  bool quantizing = quantizer != quantizedInGemv.end();
  // The wgmma GEMM reads the quantizer's p, ¬n and the weight's b1 wgmma
  // tiles (derived at compile time).
  bool wgmma = !quantizing && notNegative.contains(root(matmul.getLhs()));
  SmallVector<Value> args, operands;
  if (quantizing)
    args.append(quantizer->second.inputs);
  auto lhsSide = [&](Value value) {
    if (!quantizing)
      operands.push_back(value);
  };
  lhsSide(matmul.getLhs());
  if (!wgmma)
    operands.push_back(matmul.getRhs());
  lhsSide(op.getLhsPopcount());
  operands.push_back(op.getRhsPopcount());
  lhsSide(op.getLhsScale());
  operands.push_back(op.getRhsScale());
  if (op.getLhsZeroPoint())
    lhsSide(op.getLhsZeroPoint());
  for (Value optional : {Value(op.getRhsZeroPoint()), Value(op.getBias())})
    if (optional)
      operands.push_back(optional);
  for (Value operand : operands) {
    FailureOr<Value> buf = buffer(op, operand);
    if (failed(buf))
      return failure();
    args.push_back(*buf);
  }
  if (wgmma) {
    int64_t words = wgmmaGemmRhsWords(spec);
    auto weight = root(matmul.getRhs()).getDefiningOp<WeightOp>();
    args.insert(args.begin() + 1,
                weightGlobal(weight, "b1_wgmma_tiles",
                             MemRefType::get({words}, host->getI32Type())));
  }
  Kernel kernel;
  if (quantizing)
    kernel = addKernel([&](OpBuilder &b) {
      return buildQuantizingGemvKernel(b, op.getLoc(), "linear", spec, quantizer->second.spec,
                                       pass.gemvRowsPerBlock(), pass.gemvDot());
    });
  else if (wgmma) {
    WgmmaGemmOptions options = pass.wgmmaGemmOptions();
    auto signals = rowSignals.find(root(matmul.getLhs()));
    if (signals != rowSignals.end()) {
      options.rowSignals = true;
      options.sharedBeside = signals->second.sharedBytes;
    }
    kernel = addKernel([&](OpBuilder &b) {
      return buildWgmmaGemmKernel(b, op.getLoc(), "linear", spec, options);
    });
    if (options.rowSignals) {
      auto type = cast<RankedTensorType>(op.getResult().getType());
      Value out = destination(op.getResult(), type.getElementType(), type.getNumElements());
      args.append({out, signals->second.ready});
      launch(kernel, args);
      buffers[op.getResult()] = out;
      return success();
    }
  } else
    kernel = addGemmKernel(op.getLoc(), "linear", spec);
  launchInto(kernel, args, op.getResult());
  return success();
}

/// Whether `op` can be computed inside the quantize kernel that reads it:
/// elementwise over exactly the quantizer's input, read by nothing else.
static bool isFusableProducer(linalg::LinalgOp op, QuantizeOp quantize) {
  return op && op->getNumResults() == 1 && op->getResult(0).hasOneUse() &&
         quantize.getInput() == op->getResult(0) &&
         op.getNumParallelLoops() == op.getNumLoops() &&
         op.getIndexingMapMatchingResult(op->getResult(0)).isIdentity() &&
         !op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)) &&
         succeeded(checkLinalgKernel(op));
}

LogicalResult HostLowering::lowerFusion(FusionOp op) {
  Block &body = op.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  // Inner values computed into the fusion's output arguments.
  for (auto [result, yielded] : llvm::zip(op.getResults(), yield.getValues()))
    if (Value output = outputs.lookup(result))
      outputs[yielded] = output;
  // The producer of a quantizer runs inside its kernel; other ops run as
  // they would outside the group.
  DenseMap<Operation *, linalg::LinalgOp> fusedInto;
  DenseSet<Operation *> fused;
  for (auto quantize : body.getOps<QuantizeOp>()) {
    auto producer = quantize.getInput().getDefiningOp<linalg::LinalgOp>();
    if (producer && producer->getBlock() == &body &&
        isFusableProducer(producer, quantize)) {
      fusedInto[quantize] = producer;
      fused.insert(producer);
    }
  }
  for (Operation &inner : body.without_terminator()) {
    if (fused.contains(&inner))
      continue;
    loc = inner.getLoc();
    if (auto quantize = dyn_cast<QuantizeOp>(inner)) {
      if (failed(lowerQuantize(quantize, fusedInto.lookup(quantize))))
        return failure();
      continue;
    }
    if (failed(lowerOp(&inner)))
      return failure();
  }
  for (auto [result, yielded] : llvm::zip(op.getResults(), yield.getValues())) {
    // A quantizer run inside its GEMVs has no buffers: its results pass on.
    if (auto deferred = quantizedInGemv.find(yielded); deferred != quantizedInGemv.end()) {
      GemvQuantizer quantizer = deferred->second;
      quantizedInGemv.try_emplace(result, std::move(quantizer));
      continue;
    }
    if (paramsInGemv.contains(yielded)) {
      paramsInGemv.insert(result);
      continue;
    }
    FailureOr<Value> buf = buffer(yield, yielded);
    if (failed(buf))
      return failure();
    buffers[result] = *buf;
    if (Value popcounts = rowPopcounts.lookup(yielded))
      rowPopcounts[result] = popcounts;
    if (notNegative.contains(yielded))
      notNegative.insert(result);
  }
  return success();
}

LogicalResult HostLowering::lowerLinalg(linalg::LinalgOp op) {
  if (failed(checkLinalgKernel(op)))
    return failure();
  SmallVector<Value> args;
  for (OpOperand *operand : linalgKernelReads(op)) {
    FailureOr<Value> buf = buffer(op, operand->get());
    if (failed(buf))
      return failure();
    args.push_back(*buf);
  }
  Kernel kernel = addKernel([&](OpBuilder &b) {
    return buildLinalgKernel(b, op.getLoc(), op->getName().stripDialect(), op);
  });
  SmallVector<Value> outs;
  for (OpResult result : op->getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    outs.push_back(destination(result, type.getElementType(), type.getNumElements()));
  }
  args.append(outs);
  launch(kernel, args);
  for (auto [result, out] : llvm::zip(op->getResults(), outs))
    buffers[result] = out;
  return success();
}

bool HostLowering::forEachLhsEpilogue(
    Value packed, function_ref<bool(PlanePopcountOp)> popcount,
    function_ref<bool(BTCEpilogueOp, PlaneMatmulOp)> epilogue) {
  bool any = false;
  SmallVector<Value> values{packed};
  while (!values.empty()) {
    Value value = values.pop_back_val();
    if (outputs.count(value))
      return false;
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto split = dyn_cast<SplitPlanesOp>(user)) {
        values.push_back(split.getResult());
        continue;
      }
      if (auto count = dyn_cast<PlanePopcountOp>(user)) {
        if (!popcount(count))
          return false;
        continue;
      }
      if (auto yield = dyn_cast<YieldOp>(user)) { // out of a bwta.fusion
        values.push_back(yield->getParentOp()->getResult(use.getOperandNumber()));
        continue;
      }
      auto matmul = dyn_cast<PlaneMatmulOp>(user);
      if (!matmul || use.getOperandNumber() != 0 || matmul.getRhs() == value ||
          matmul->use_empty() || matmul.getGroupSize())
        return false;
      for (Operation *reader : matmul->getUsers()) {
        auto readerEpilogue = dyn_cast<BTCEpilogueOp>(reader);
        if (!readerEpilogue || readerEpilogue.getGroupSize() ||
            !epilogue(readerEpilogue, matmul))
          return false;
      }
      any = true;
    }
  }
  return any;
}

bool HostLowering::onlyWgmmaReads(Value packed) {
  return forEachLhsEpilogue(
      packed,
      [](PlanePopcountOp) { return true; }, // they stay those of p and n
      [&](BTCEpilogueOp epilogue, PlaneMatmulOp matmul) {
        return pass.useWgmma(epilogueSpec(epilogue, matmul));
      });
}

bool HostLowering::onlyQuantizingGemvsRead(QuantizeOp op,
                                           const QuantizePackSpec &spec) {
  if (!pass.gemvQuantizeAllowed() || spec.tileRows != 16)
    return false;
  // A value and what it is yielded as out of bwta.fusion groups.
  auto withFusionResults = [](Value value) {
    SmallVector<Value> all{value};
    for (size_t i = 0; i < all.size(); ++i)
      for (OpOperand &use : all[i].getUses())
        if (isa<YieldOp>(use.getOwner()))
          all.push_back(use.getOwner()->getParentOp()->getResult(use.getOperandNumber()));
    return all;
  };
  SmallVector<Value> planes = withFusionResults(op.getResult());
  SmallVector<Value> scales = withFusionResults(op.getResultScale());
  SmallVector<Value> zeroPoints;
  if (op.getResultZeroPoint())
    zeroPoints = withFusionResults(op.getResultZeroPoint());
  // The planes: into popcounts and the lhs of GEMVs that can quantize.
  DenseSet<Operation *> epilogues;
  SmallVector<Value> lhsSide(scales);
  lhsSide.append(zeroPoints);
  bool planesFit = forEachLhsEpilogue(
      op.getResult(),
      [&](PlanePopcountOp popcount) {
        lhsSide.push_back(popcount.getResult());
        return !popcount.getGroupSize();
      },
      [&](BTCEpilogueOp epilogue, PlaneMatmulOp matmul) {
        PlaneGemmSpec gemm = epilogueSpec(epilogue, matmul);
        epilogues.insert(epilogue);
        return pass.useGemv(gemm) &&
               quantizingGemvApplies(gemm, spec, pass.gemvRowsPerBlock(), pass.gemvDot(),
                                     pass.gemvQuantizeRows());
      });
  if (!planesFit)
    return false;
  // The popcounts, scale and zero point: only the lhs side of those
  // epilogues (which the GEMVs compute themselves), or yielded on.
  for (Value value : lhsSide) {
    if (outputs.count(value))
      return false;
    for (OpOperand &use : value.getUses()) {
      if (isa<YieldOp>(use.getOwner()))
        continue; // its fusion result is in lhsSide too
      auto epilogue = dyn_cast<BTCEpilogueOp>(use.getOwner());
      if (!epilogue || !epilogues.contains(epilogue) ||
          !llvm::is_contained({Value(epilogue.getLhsPopcount()),
                               Value(epilogue.getLhsScale()),
                               Value(epilogue.getLhsZeroPoint())},
                              value) ||
          llvm::is_contained({Value(epilogue.getRhsPopcount()),
                              Value(epilogue.getRhsScale()),
                              Value(epilogue.getRhsZeroPoint()), Value(epilogue.getBias())},
                             value))
        return false;
    }
  }
  // Each epilogue's lhs side is this quantizer's.
  return llvm::all_of(epilogues, [&](Operation *e) {
    auto epilogue = cast<BTCEpilogueOp>(e);
    auto popcount = epilogue.getLhsPopcount().getDefiningOp<PlanePopcountOp>();
    Value zeroPoint = epilogue.getLhsZeroPoint();
    return popcount && llvm::is_contained(planes, root(popcount.getInput())) &&
           llvm::is_contained(scales, Value(epilogue.getLhsScale())) &&
           (zeroPoint ? llvm::is_contained(zeroPoints, zeroPoint) : zeroPoints.empty());
  });
}

LogicalResult HostLowering::lowerQuantizeLevels(QuantizeOp op) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: int8 path: " << why;
  };
  auto type = dyn_cast<IntType>(op.getResult().getType().getElementType());
  if (!type || !int8LevelsSigned(type))
    return fail("the activation quantizer must give k-bit integer levels "
                "that fit a byte (u8 or s8), got ")
           << op.getResult().getType().getElementType();
  if (op.getScale())
    return fail("static quantization is not supported on the GPU yet");
  if (op.getScheme().getGranularity() != Granularity::PerToken &&
      op.getScheme().getGranularity() != Granularity::PerChannel)
    return fail("only per-token (per-row) dynamic quantization runs on the GPU yet");
  RankedTensorType inputType = op.getInput().getType();
  QuantizeLevelsSpec spec{type, op.getScheme(), inputType.getElementType(),
                          inputType.getNumElements() / inputType.getShape().back(),
                          inputType.getShape().back()};
  // Every reader is an int8-path qmatmul of the same M: the wgmma GEMM reads
  // wgmma tiles.
  spec.wgmmaTiles = pass.useInt8Wgmma(spec.m);
  spec.rowSums = llvm::any_of(op.getResult().getUsers(), [](Operation *user) {
    return bool(cast<QMatmulOp>(user).getRhsZeroPoint());
  });
  FailureOr<Value> x = buffer(op, op.getInput());
  if (failed(x))
    return failure();
  Kernel kernel = addKernel([&](OpBuilder &b) {
    return buildQuantizeLevelsKernel(b, op.getLoc(), "quantize_levels", spec);
  });
  Type i32 = host->getI32Type();
  Value levels = memref::AllocOp::create(
      *host, loc, MemRefType::get({spec.bytes()}, host->getI8Type()));
  Value scale = destination(op.getResultScale(), host->getF32Type(), spec.m);
  SmallVector<Value> args{*x, levels, scale};
  if (spec.asymmetric()) {
    Value zp = destination(op.getResultZeroPoint(), i32, spec.m);
    args.push_back(zp);
    if (op.getResultZeroPoint())
      buffers[op.getResultZeroPoint()] = zp;
  }
  if (spec.rowSums) {
    Value sums = memref::AllocOp::create(*host, loc, MemRefType::get({spec.m}, i32));
    args.push_back(sums);
    levelSums[op.getResult()] = sums;
  }
  launch(kernel, args);
  buffers[op.getResult()] = levels;
  if (op.getResultScale())
    buffers[op.getResultScale()] = scale;
  return success();
}

LogicalResult HostLowering::lowerInt8Matmul(QMatmulOp op) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  if (op.getPath() != MatmulPath::Int8)
    return fail("a qmatmul runs on the GPU on the int8 path only; decompose "
                "it into plane matmuls first (bwta-btc-decompose)");
  if (op.getGroupSize())
    return fail("int8 path: grouped scales are not supported on the GPU yet");
  auto quantize = op.getLhs().getDefiningOp<QuantizeOp>();
  if (!quantize || !buffers.count(op.getLhs()))
    return fail("int8 path: the lhs must come from a dynamic per-row "
                "bwta.quantize in the same function");
  auto weight = op.getRhs().getDefiningOp<WeightOp>();
  if (!weight || getPackedLayout(op.getRhs().getType()))
    return fail("int8 path: the rhs must be an unpacked bwta.weight (its "
                "byte tiles are derived at compile time)");
  auto lhsType = cast<QuantizedType>(op.getLhs().getType().getElementType());
  auto rhsType = cast<QuantizedType>(op.getRhs().getType().getElementType());
  if (!int8LevelsSigned(rhsType))
    return fail("int8 path: the weight levels of ")
           << rhsType << " do not fit a byte (u8 or s8)";
  RankedTensorType resultType = op.getResult().getType();
  int64_t m = op.getLhs().getType().getShape()[0], n = op.getRhs().getType().getShape()[0];
  int64_t k = op.getLhs().getType().getShape()[1];
  Int8GemmSpec spec{m, n, k,
                    EpilogueSpec{lhsType, rhsType, k, paramKind(op.getLhsScale()),
                                 paramKind(op.getRhsScale()),
                                 paramKind(op.getLhsZeroPoint()),
                                 paramKind(op.getRhsZeroPoint()), bool(op.getBias()),
                                 resultType.getElementType()},
                    pass.useInt8Wgmma(m)};
  if (spec.epilogue.lhsScale != ParamKind::PerRow)
    return fail("int8 path: the lhs scale must be per row");
  if (spec.epilogue.lhsZeroPoint == ParamKind::PerTensor)
    return fail("int8 path: the lhs zero point must be per row");
  MLIRContext *ctx = op.getContext();
  SmallVector<Value> args{buffers.lookup(op.getLhs()),
                          weightGlobal(weight, spec.wgmmaTiles ? "int8_wgmma_tiles" : "int8_tiles",
                                       MemRefType::get({spec.rhsBytes()},
                                                       IntegerType::get(ctx, 8)))};
  for (Value operand : {op.getLhsScale(), op.getRhsScale(), op.getLhsZeroPoint(),
                        op.getRhsZeroPoint()}) {
    if (!operand)
      continue;
    FailureOr<Value> buf = buffer(op, operand);
    if (failed(buf))
      return failure();
    args.push_back(*buf);
  }
  if (spec.lhsSums())
    args.push_back(levelSums.lookup(op.getLhs()));
  if (spec.rhsSums())
    args.push_back(weightGlobal(weight, "level_sum",
                                MemRefType::get({n}, IntegerType::get(ctx, 32))));
  if (op.getBias()) {
    FailureOr<Value> bias = buffer(op, op.getBias());
    if (failed(bias))
      return failure();
    args.push_back(*bias);
  }
  Kernel kernel = addKernel([&](OpBuilder &b) {
    if (spec.wgmmaTiles) {
      auto shape = pass.int8WgmmaShape(spec);
      return buildWgmmaInt8GemmKernel(b, op.getLoc(), "int8_linear", spec, shape.blockN,
                                      shape.cluster, shape.pingpong, pass.sms());
    }
    return buildInt8GemmKernel(b, op.getLoc(), "int8_linear", spec);
  });
  // wgmma on u8 × s8 needs PTX ISA 8.4 (mma.sync mixes them from 7.0).
  if (spec.wgmmaTiles && *int8LevelsSigned(lhsType) != *int8LevelsSigned(rhsType))
    requirePtxVersion(kernels, 84);
  launchInto(kernel, args, op.getResult());
  return success();
}

LogicalResult HostLowering::lowerOp(Operation *op) {
  loc = op->getLoc();
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case<WeightOp>([&](auto w) { return lowerWeight(w); })
      .Case<QuantizeOp>([&](auto q) { return lowerQuantize(q); })
      .Case<FusionOp>([&](auto f) { return lowerFusion(f); })
      .Case<SplitPlanesOp>([&](SplitPlanesOp split) -> LogicalResult {
        if (quantizedInGemv.count(root(split.getInput())))
          return success(); // packed inside the GEMVs that read it
        if (!getPackedLayout(split.getInput().getType()))
          return split.emitOpError() << "bwta-lower-to-gpu: operands must be "
                                        "packed (run bwta-pack-layout first)";
        if (root(split.getInput()).getDefiningOp<WeightOp>())
          return success(); // the weight's global where it is read
        FailureOr<Value> input = buffer(split, split.getInput());
        if (failed(input))
          return failure();
        buffers[split.getResult()] = *input; // same storage
        return success();
      })
      .Case<PlanePopcountOp>([&](auto p) { return lowerPopcount(p); })
      .Case<PlaneMatmulOp>([&](auto p) { return lowerPlaneMatmul(p); })
      .Case<BTCEpilogueOp>([&](auto e) { return lowerEpilogue(e); })
      .Case<QMatmulOp>([&](auto q) { return lowerInt8Matmul(q); })
      .Case<linalg::LinalgOp>([&](auto l) { return lowerLinalg(l); })
      // Storage is allocated by the op that fills it; scalar constants are
      // cloned into the kernels that read them.
      .Case<tensor::EmptyOp, arith::ConstantOp>([](Operation *) { return success(); })
      .Default([&](Operation *other) {
        return other->emitOpError()
               << "bwta-lower-to-gpu: has no GPU lowering yet (functions "
                  "with bwta ops must consist of quantizers, weights, plane "
                  "matmuls, popcounts, epilogues and structured float ops)";
      });
}

LogicalResult HostLowering::run(func::FuncOp func) {
  auto fail = [&](const Twine &why) {
    return func.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  if (!func.getBody().hasOneBlock())
    return fail("host functions must be a single block");
  if (!SymbolTable::symbolKnownUseEmpty(func, module))
    return fail("is called from elsewhere; a host function is an entry point "
                "and cannot be called");
  // Signature: tensors become memrefs; results become output arguments.
  SmallVector<Type> argTypes;
  for (Type type : llvm::concat<const Type>(func.getArgumentTypes(), func.getResultTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (tensor && tensor.hasStaticShape() && getPackedLayout(tensor)) {
      // Packed planes travel as their storage words.
      argTypes.push_back(getBufferType(tensor));
      continue;
    }
    if (!tensor || !tensor.hasStaticShape() || isa<QuantizedType>(tensor.getElementType()) ||
        tensor.getEncoding())
      return fail("arguments and results must be static float or integer "
                  "tensors or packed planes, got ") << type;
    argTypes.push_back(MemRefType::get(tensor.getShape(), tensor.getElementType()));
  }
  OpBuilder b(func);
  auto hostFunc = func::FuncOp::create(b, func.getLoc(), (func.getName() + ".host").str(),
                                       b.getFunctionType(argTypes, {}));
  hostFunc.setVisibility(func.getVisibility());
  hostFunc->setAttr("bwta.num_outputs", b.getI64IntegerAttr(func.getNumResults()));
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (Attribute name = func.getArgAttr(i, "bwta.name"))
      hostFunc.setArgAttr(i, "bwta.name", name);
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (Attribute name = func.getResultAttr(i, "bwta.name"))
      hostFunc.setArgAttr(func.getNumArguments() + i, "bwta.name", name);
  Block *entry = hostFunc.addEntryBlock();
  host.emplace(entry, entry->begin());
  for (auto [arg, memref] : llvm::zip(func.getArguments(), entry->getArguments()))
    buffers[arg] = flatten(memref);

  auto returnOp = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands())) {
    Value output = entry->getArgument(func.getNumArguments() + i);
    if (!value.getDefiningOp() || isa<WeightOp>(value.getDefiningOp()) ||
        outputs.count(value))
      return returnOp.emitOpError()
             << "bwta-lower-to-gpu: result " << i
             << " must be computed by the function and returned once";
    outputs[value] = output;
  }
  for (Operation &op : func.getBody().front().without_terminator())
    if (failed(lowerOp(&op))) {
      hostFunc.erase();
      return failure();
    }
  loc = returnOp.getLoc();
  func::ReturnOp::create(*host, loc);
  StringAttr name = func.getNameAttr();
  func.erase();
  hostFunc.setName(name);
  return success();
}

void ConvertBWTAToGPUPass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<func::FuncOp> funcs;
  for (auto func : module.getOps<func::FuncOp>()) {
    bool hasBWTA = false;
    func.walk([&](Operation *op) {
      hasBWTA |= isa<BWTADialect>(op->getDialect());
    });
    if (hasBWTA)
      funcs.push_back(func);
  }
  if (funcs.empty())
    return;
  gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
  for (func::FuncOp func : funcs) {
    // Softmax reaches the GPU as the generics the CPU reference runs.
    if (failed(decomposeAggregatedOps(func)))
      return signalPassFailure();
    HostLowering lowering(*this, module, kernels);
    if (failed(lowering.run(func)))
      return signalPassFailure();
  }
  numKernels = llvm::range_size(kernels.getOps<gpu::GPUFuncOp>());
}

} // namespace
