//===- PlaneGemmEpilogue.cpp - pieces shared by the plane GEMM kernels ----===//
#include "PlaneGemmEpilogue.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::gpu_kernels;

namespace {
int64_t paramSize(ParamKind kind, int64_t rows) {
  return kind == ParamKind::PerRow ? rows : 1;
}
} // namespace

gpu::GPUFuncOp gpu_kernels::createPlaneGemmFunc(OpBuilder &b, Location loc,
                                                StringRef name,
                                                const PlaneGemmSpec &spec,
                                                const QuantizePackSpec *lhsQuantizer) {
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto vec = [](int64_t size, Type type) { return MemRefType::get({size}, type); };
  int64_t rows = spec.batch * spec.m, cols = spec.batch * spec.n;
  SmallVector<Type> args;
  if (!lhsQuantizer)
    args.push_back(vec(spec.lhsWords(), i32));
  else if (!lhsQuantizer->producer)
    args.push_back(vec(rows * spec.k, lhsQuantizer->inputType));
  else
    for (OpOperand *input : linalgKernelReads(lhsQuantizer->producer)) {
      auto type = cast<ShapedType>(input->get().getType());
      args.push_back(vec(type.getNumElements(), type.getElementType()));
    }
  args.push_back(vec(spec.rhsWords(), i32));
  if (const std::optional<EpilogueSpec> &e = spec.epilogue) {
    if (!lhsQuantizer)
      args.push_back(vec(spec.lhsPlanes * rows, i32));
    args.push_back(vec(spec.rhsPlanes * cols, i32));
    if (!lhsQuantizer)
      args.push_back(vec(paramSize(e->lhsScale, rows), f32));
    args.push_back(vec(paramSize(e->rhsScale, cols), f32));
    if (e->lhsZeroPoint != ParamKind::None && !lhsQuantizer)
      args.push_back(vec(paramSize(e->lhsZeroPoint, rows), i32));
    if (e->rhsZeroPoint != ParamKind::None)
      args.push_back(vec(paramSize(e->rhsZeroPoint, cols), i32));
    if (e->bias)
      args.push_back(vec(spec.n, f32));
    args.push_back(vec(rows * spec.n, e->outType));
  } else {
    args.push_back(vec(spec.lhsPlanes * spec.rhsPlanes * spec.batch * spec.m * spec.n, i32));
  }
  auto func = gpu::GPUFuncOp::create(b, loc, name, b.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  return func;
}

GemmArgs gpu_kernels::bindPlaneGemmArgs(gpu::GPUFuncOp func,
                                        const PlaneGemmSpec &spec,
                                        const QuantizePackSpec *lhsQuantizer) {
  GemmArgs a;
  unsigned next = 0;
  auto arg = [&] { return func.getArgument(next++); };
  unsigned lhsArgs = 1;
  if (lhsQuantizer && lhsQuantizer->producer)
    lhsArgs = linalgKernelReads(lhsQuantizer->producer).size();
  for (unsigned i = 0; i < lhsArgs; ++i)
    a.lhsInputs.push_back(arg());
  a.lhs = a.lhsInputs.front();
  a.rhs = arg();
  if (const std::optional<EpilogueSpec> &e = spec.epilogue) {
    if (!lhsQuantizer)
      a.lhsPopcount = arg();
    a.rhsPopcount = arg();
    if (!lhsQuantizer)
      a.lhsScale = arg();
    a.rhsScale = arg();
    if (e->lhsZeroPoint != ParamKind::None && !lhsQuantizer)
      a.lhsZeroPoint = arg();
    if (e->rhsZeroPoint != ParamKind::None)
      a.rhsZeroPoint = arg();
    if (e->bias)
      a.bias = arg();
  }
  a.out = arg();
  return a;
}

Value gpu_kernels::addSharedI32(gpu::GPUFuncOp func, int64_t size, Location loc) {
  MLIRContext *ctx = func.getContext();
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  return func.addWorkgroupAttribution(
      MemRefType::get({size}, IntegerType::get(ctx, 32), MemRefLayoutAttrInterface{},
                      workgroup),
      loc);
}

SideTerms gpu_kernels::loadSide(KernelBuilder &kb, Value row, int64_t rows,
                                int64_t planes, QuantizedType type, int64_t k,
                                Value popcount, ParamKind scaleKind,
                                Value scale, ParamKind zpKind,
                                Value zeroPoint) {
  Value sum = kb.i32(wrapToInt32(k * type.getPlaneOffset()));
  for (int64_t i = 0; i < planes; ++i) {
    Value count = kb.load(popcount, kb.add(row, i * rows));
    sum = kb.add(sum, kb.mul(count, wrapToInt32(type.getPlaneCoefficient(i))));
  }
  auto param = [&](ParamKind kind, Value memref) -> Value {
    if (kind == ParamKind::None)
      return {};
    return kb.load(memref, kind == ParamKind::PerRow ? row : kb.idx(0));
  };
  return {sum, param(zpKind, zeroPoint), param(scaleKind, scale), {}};
}

std::array<Value, 4> gpu_kernels::mmaAndPopc(KernelBuilder &kb, ArrayRef<Value> a,
                                             ArrayRef<Value> b, ArrayRef<Value> c) {
  Type i32 = kb.b.getI32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(kb.b.getContext(), SmallVector<Type>(4, i32));
  Value d = NVVM::MmaOp::create(
      kb.b, kb.loc, resultType, ValueRange(a), ValueRange(b), ValueRange(c),
      ArrayRef<int64_t>{16, 8, 256}, NVVM::MMAB1Op::and_popc, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::b1, NVVM::MMATypes::b1},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
  std::array<Value, 4> result;
  for (int64_t e = 0; e < 4; ++e)
    result[e] = LLVM::ExtractValueOp::create(kb.b, kb.loc, d, e);
  return result;
}

int64_t gpu_kernels::planePairCoefficient(const EpilogueSpec &epi, int64_t i,
                                          int64_t j) {
  return wrapToInt32(epi.lhsType.getPlaneCoefficient(i) *
                     epi.rhsType.getPlaneCoefficient(j));
}

Value gpu_kernels::epilogueDotBase(KernelBuilder &kb, const EpilogueSpec &epi,
                                   const SideTerms &x, const SideTerms &w) {
  int64_t ox = epi.lhsType.getPlaneOffset(), ow = epi.rhsType.getPlaneOffset();
  Value dot = kb.i32(wrapToInt32(-epi.k * ox * ow));
  if (ox)
    dot = kb.add(dot, kb.mul(w.sum, wrapToInt32(ox)));
  if (ow)
    dot = kb.add(dot, kb.mul(x.sum, wrapToInt32(ow)));
  return dot;
}

Value gpu_kernels::finishEpilogue(KernelBuilder &kb, const EpilogueSpec &epi,
                                  Value dot, const SideTerms &x,
                                  const SideTerms &w) {
  Value acc = dot;
  if (w.zeroPoint)
    acc = kb.sub(acc, kb.mul(w.zeroPoint, x.sum));
  if (x.zeroPoint)
    acc = kb.sub(acc, kb.mul(x.zeroPoint, w.sum));
  if (x.zeroPoint && w.zeroPoint)
    acc = kb.add(acc, kb.mul(kb.mul(x.zeroPoint, w.zeroPoint), wrapToInt32(epi.k)));
  Value y = kb.fmul(kb.fmul(kb.toF32(acc), x.scale), w.scale);
  if (w.bias)
    y = kb.fadd(y, w.bias);
  if (!epi.outType.isF32())
    y = arith::TruncFOp::create(kb.b, kb.loc, epi.outType, y);
  return y;
}
