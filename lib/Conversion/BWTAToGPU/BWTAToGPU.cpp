//===- BWTAToGPU.cpp - the bwta-lower-to-gpu pass -------------------------===//
//
// Binary tensor-core kernels for packed plane matmuls: gpu.func + nvvm ops,
// one m16n8k256 b1 AND-popcount MMA per K tile, bounds-guarded stores.
//
//===----------------------------------------------------------------------===//
#include "bwta/Conversion/Passes.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"

namespace bwta {
#define GEN_PASS_DEF_CONVERTBWTATOGPUPASS
#include "bwta/Conversion/Passes.h.inc"
} // namespace bwta

using namespace mlir;
using namespace bwta;

namespace {

constexpr StringLiteral kModuleName = "bwta_kernels";

/// Tile geometry the kernel is specialized to.
struct PlaneMatmulShape {
  int64_t lhsPlanes, rhsPlanes, m, n, kTiles, lhsRowTiles, rhsRowTiles;
  int64_t lhsWords() const { return lhsPlanes * lhsRowTiles * kTiles * 16 * 8; }
  int64_t rhsWords() const { return rhsPlanes * rhsRowTiles * kTiles * 8 * 8; }
  int64_t outElements() const { return lhsPlanes * rhsPlanes * m * n; }
};

/// The SM number of an "sm_NN[a]" chip name, or nullopt.
std::optional<unsigned> smVersion(StringRef chip) {
  unsigned version;
  if (!chip.consume_front("sm_"))
    return std::nullopt;
  chip.consume_back("a");
  if (chip.getAsInteger(10, version))
    return std::nullopt;
  return version;
}

FailureOr<PlaneMatmulShape> matchPlaneMatmul(PlaneMatmulOp op) {
  auto fail = [&](const Twine &why) {
    return op.emitOpError() << "bwta-lower-to-gpu: " << why;
  };
  RankedTensorType lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
  PackedLayoutAttr lhsLayout = getPackedLayout(lhs), rhsLayout = getPackedLayout(rhs);
  if (!lhsLayout || !rhsLayout)
    return fail("operands must be packed (run bwta-pack-layout first)");
  if (lhs.getRank() != 3)
    return fail("batched plane matmuls are not supported yet");
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
  if (lhsLayout.getKOrder() != rhsLayout.getKOrder())
    return fail("operands need the same K order");
  int64_t m = lhs.getDimSize(1), n = rhs.getDimSize(1), k = lhs.getDimSize(2);
  int64_t kTiles = llvm::divideCeil(llvm::divideCeil(k, 32), 8);
  return PlaneMatmulShape{lhs.getDimSize(0), rhs.getDimSize(0), m, n, kTiles,
                          llvm::divideCeil(m, 16), llvm::divideCeil(n, 8)};
}

/// How the output is cut: each warp computes warpRows × warpCols MMA tiles
/// (16×8 each), reusing every A fragment warpCols times and every B fragment
/// warpRows times; a block holds blockWarpsM × blockWarpsN warps.
struct Tiling {
  int64_t warpRows, warpCols, blockWarpsM, blockWarpsN;
  int64_t blockRowTiles() const { return warpRows * blockWarpsM; }
  int64_t blockColTiles() const { return warpCols * blockWarpsN; }
  int64_t threads() const { return 32 * blockWarpsM * blockWarpsN; }
};

/// Builds the kernel body. Block (bx, by, pair) covers a block of MMA tiles
/// of plane pair (pair / Pr, pair % Pr); each warp a warpRows × warpCols
/// sub-block of it.
void buildKernelBody(OpBuilder &b, Location loc, gpu::GPUFuncOp func,
                     const PlaneMatmulShape &shape, const Tiling &tiling) {
  Value lhs = func.getArgument(0), rhs = func.getArgument(1),
        out = func.getArgument(2);
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
  auto mul = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y).getResult(); };
  auto minIndex = [&](Value x, int64_t y) {
    return arith::MinUIOp::create(b, loc, x, idx(y)).getResult();
  };

  Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Value lane = arith::RemUIOp::create(b, loc, thread, idx(32));
  Value warp = arith::DivUIOp::create(b, loc, thread, idx(32));
  Value warpM = arith::DivUIOp::create(b, loc, warp, idx(tiling.blockWarpsN));
  Value warpN = arith::RemUIOp::create(b, loc, warp, idx(tiling.blockWarpsN));
  Value bx = gpu::BlockIdOp::create(b, loc, gpu::Dimension::x);
  Value by = gpu::BlockIdOp::create(b, loc, gpu::Dimension::y);
  Value pair = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  Value g = arith::ShRUIOp::create(b, loc, lane, idx(2));
  Value t = arith::AndIOp::create(b, loc, lane, idx(3));
  Value i = arith::DivUIOp::create(b, loc, pair, idx(shape.rhsPlanes));
  Value j = arith::RemUIOp::create(b, loc, pair, idx(shape.rhsPlanes));
  Type i32 = b.getI32Type();
  Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);

  // First MMA tile row / column of this warp.
  Value tileM0 = add(mul(bx, idx(tiling.blockRowTiles())), mul(warpM, idx(tiling.warpRows)));
  Value tileN0 = add(mul(by, idx(tiling.blockColTiles())), mul(warpN, idx(tiling.warpCols)));
  // Tiles past the edge read the last real tile (its results are never
  // stored), so every load stays inside the storage.
  SmallVector<Value> rowTiles, colTiles;
  for (int64_t r = 0; r < tiling.warpRows; ++r)
    rowTiles.push_back(minIndex(add(tileM0, idx(r)), shape.lhsRowTiles - 1));
  for (int64_t c = 0; c < tiling.warpCols; ++c)
    colTiles.push_back(minIndex(add(tileN0, idx(c)), shape.rhsRowTiles - 1));

  // Word offsets of this lane inside an A tile [16][8] and a B tile [8][8].
  Value row0 = add(mul(g, idx(8)), t);
  Value row8 = add(mul(add(g, idx(8)), idx(8)), t);
  int64_t numAcc = 4 * tiling.warpRows * tiling.warpCols;
  auto loop = scf::ForOp::create(
      b, loc, idx(0), idx(shape.kTiles), idx(1),
      SmallVector<Value>(numAcc, zero),
      [&](OpBuilder &nb, Location nl, Value kt, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(nb.getInsertionBlock());
        auto load = [&](Value memref, Value offset) {
          return memref::LoadOp::create(b, loc, memref, ValueRange{offset}).getResult();
        };
        SmallVector<std::array<Value, 4>> a;
        for (Value mt : rowTiles) {
          Value tile = mul(add(mul(add(mul(i, idx(shape.lhsRowTiles)), mt),
                                   idx(shape.kTiles)), kt), idx(128));
          a.push_back({load(lhs, add(tile, row0)), load(lhs, add(tile, row8)),
                       load(lhs, add(tile, add(row0, idx(4)))),
                       load(lhs, add(tile, add(row8, idx(4))))});
        }
        SmallVector<std::array<Value, 2>> bf;
        for (Value nt : colTiles) {
          Value tile = mul(add(mul(add(mul(j, idx(shape.rhsRowTiles)), nt),
                                   idx(shape.kTiles)), kt), idx(64));
          bf.push_back({load(rhs, add(tile, row0)), load(rhs, add(tile, add(row0, idx(4))))});
        }
        auto resultType = LLVM::LLVMStructType::getLiteral(
            b.getContext(), SmallVector<Type>(4, i32));
        SmallVector<Value> next;
        for (int64_t r = 0; r < tiling.warpRows; ++r)
          for (int64_t c = 0; c < tiling.warpCols; ++c) {
            ValueRange c4 = acc.slice(4 * (r * tiling.warpCols + c), 4);
            Value d = NVVM::MmaOp::create(
                b, loc, resultType, ValueRange(a[r]), ValueRange(bf[c]), c4,
                ArrayRef<int64_t>{16, 8, 256}, NVVM::MMAB1Op::and_popc, std::nullopt,
                std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::b1, NVVM::MMATypes::b1},
                std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
            for (int64_t e = 0; e < 4; ++e)
              next.push_back(LLVM::ExtractValueOp::create(b, loc, d, e));
          }
        scf::YieldOp::create(b, loc, next);
      });

  // Per MMA tile: c0, c1 at row g, columns 2t, 2t+1; c2, c3 at row g + 8.
  // Stores are guarded by m < M and n < N (tile indices unclamped here).
  Value pairBase = mul(pair, idx(shape.m * shape.n));
  for (int64_t r = 0; r < tiling.warpRows; ++r)
    for (int64_t c = 0; c < tiling.warpCols; ++c) {
      Value mBase = add(mul(add(tileM0, idx(r)), idx(16)), g);
      Value nBase = add(mul(add(tileN0, idx(c)), idx(8)), mul(t, idx(2)));
      for (int64_t e = 0; e < 4; ++e) {
        Value row = e < 2 ? mBase : add(mBase, idx(8));
        Value col = (e % 2) ? add(nBase, idx(1)) : nBase;
        Value inRows = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, idx(shape.m));
        Value inCols = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, col, idx(shape.n));
        Value inside = arith::AndIOp::create(b, loc, inRows, inCols);
        auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(ifOp.thenBlock());
        Value offset = add(pairBase, add(mul(row, idx(shape.n)), col));
        Value value = loop.getResult(4 * (r * tiling.warpCols + c) + e);
        memref::StoreOp::create(b, loc, value, out, ValueRange{offset});
      }
    }
  gpu::ReturnOp::create(b, loc);
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
         blockWarpsM * blockWarpsN > 32 || warpRows * warpCols > 16))
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: tiles must be all 0 (by shape) or all "
                "positive, with at most 32 warps per block and 16 MMA tiles "
                "per warp";
    if (*sm < 80)
      return emitError(UnknownLoc::get(context))
             << "bwta-lower-to-gpu: " << chip
             << " cannot run binary AND-popcount MMA (mma.sync m16n8k256 .b1 "
                ".and.popc needs sm_80 or newer)";
    return success();
  }

  /// The tiling of the options, or the measured best for the shape.
  Tiling tilingFor(const PlaneMatmulShape &shape) const {
    if (warpRows)
      return {warpRows, warpCols, blockWarpsM, blockWarpsN};
    if (shape.lhsRowTiles == 1) // decode: parallelism comes from N
      return {1, 1, 1, 4};
    return {2, 8, 2, 2};
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

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<PlaneMatmulOp> matmuls;
    module.walk([&](PlaneMatmulOp op) { matmuls.push_back(op); });
    if (matmuls.empty())
      return;
    gpu::GPUModuleOp kernels = getOrCreateKernelModule(module);
    SymbolTable symbols(kernels);
    for (PlaneMatmulOp op : matmuls) {
      FailureOr<PlaneMatmulShape> shape = matchPlaneMatmul(op);
      if (failed(shape))
        return signalPassFailure();
      OpBuilder b(kernels.getBodyRegion());
      b.setInsertionPointToEnd(kernels.getBody());
      Type i32 = b.getI32Type();
      auto funcType = b.getFunctionType(
          {MemRefType::get({shape->lhsWords()}, i32),
           MemRefType::get({shape->rhsWords()}, i32),
           MemRefType::get({shape->outElements()}, i32)},
          {});
      auto func = gpu::GPUFuncOp::create(b, op.getLoc(), "plane_matmul", funcType);
      func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
      symbols.insert(func); // uniquifies the name
      b.setInsertionPointToStart(&func.getBody().front());
      Tiling tiling = tilingFor(*shape);
      buildKernelBody(b, op.getLoc(), func, *shape, tiling);

      op->setAttr("bwta.kernel",
                  SymbolRefAttr::get(kernels.getNameAttr(),
                                     {FlatSymbolRefAttr::get(func.getNameAttr())}));
      op->setAttr("bwta.grid",
                  b.getDenseI64ArrayAttr(
                      {llvm::divideCeil(shape->lhsRowTiles, tiling.blockRowTiles()),
                       llvm::divideCeil(shape->rhsRowTiles, tiling.blockColTiles()),
                       shape->lhsPlanes * shape->rhsPlanes}));
      op->setAttr("bwta.block", b.getDenseI64ArrayAttr({tiling.threads(), 1, 1}));
      ++numKernels;
    }
  }
};

} // namespace
