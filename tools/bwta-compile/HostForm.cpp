//===- HostForm.cpp - a host function as a bundle manifest ----------------===//
//
// One pass over the entry block in order: every value a launch may take is
// recorded with the manifest name of the memory it addresses (its root:
// an argument, an alloc or a weight global, seen through views), every
// launch becomes a schedule entry, every launched gpu.func a kernel.
//
//===----------------------------------------------------------------------===//
#include "HostForm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace bwta;
using namespace bwta::compile;
using runtime::DType;

namespace {

constexpr StringLiteral kNumOutputs = "bwta.num_outputs";
constexpr StringLiteral kName = "bwta.name";

/// Why `type` cannot be the memref of a bundle tensor, or nullopt.
std::optional<std::string> checkTensorType(MemRefType type) {
  if (!type.hasStaticShape())
    return std::string("has a dynamic shape");
  if (!type.getLayout().isIdentity())
    return std::string("has a non-identity layout");
  if (type.getMemorySpace())
    return std::string("is not in the default memory space");
  if (!getDType(type.getElementType()))
    return std::string("has an element type no bundle tensor can have");
  return std::nullopt;
}

Json shapeOf(MemRefType type) {
  return Json(type.getShape().vec());
}

/// The manifest type of a kernel parameter, or empty.
std::string getParamType(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return checkTensorType(memref) ? "" : "ptr";
  if (type.isIndex()) // lowered to i64 (the NVVM data layout)
    return "i64";
  if (type.isF32())
    return "f32";
  if (type.isF64())
    return "f64";
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer || (integer.getWidth() != 32 && integer.getWidth() != 64))
    return "";
  return (integer.isUnsigned() ? "u" : "i") + std::to_string(integer.getWidth());
}

class HostReader {
public:
  explicit HostReader(func::FuncOp entry) : entry(entry) {}

  FailureOr<HostProgram> read() {
    if (failed(readSignature()))
      return failure();
    for (Operation &op : entry.getBody().front())
      if (failed(readOp(op)))
        return failure();
    if (!program.kernelModule)
      return entry.emitOpError() << "launches no kernel: nothing would "
                                    "compute its outputs";
    for (auto [index, output] : llvm::enumerate(program.outputs))
      if (!launchedNames.contains(output["name"].get<std::string>()))
        return entry.emitOpError()
               << "output " << index << " ('"
               << output["name"].get<std::string>()
               << "') is passed to no launch: nothing would write it";
    return std::move(program);
  }

private:
  /// Claims `name` in the one namespace of inputs, outputs, buffers and
  /// weights; `what` says whose it is.
  LogicalResult claimName(Operation *op, const std::string &name,
                          const std::string &what) {
    if (name.empty())
      return op->emitOpError() << what << " has an empty name";
    auto [it, inserted] = names.try_emplace(name, what);
    if (!inserted)
      return op->emitOpError()
             << what << " is named '" << name << "' like " << it->second
             << " (inputs, outputs, buffers and weights share one namespace)";
    return success();
  }

  LogicalResult readSignature() {
    auto numOutputs = entry->getAttrOfType<IntegerAttr>(kNumOutputs);
    unsigned numArgs = entry.getNumArguments();
    if (!numOutputs || numOutputs.getInt() < 1 ||
        numOutputs.getInt() > numArgs)
      return entry.emitOpError()
             << kNumOutputs << " must be an integer in [1, " << numArgs
             << "] (the trailing arguments that are outputs)";
    if (entry.getNumResults())
      return entry.emitOpError() << "returns values: a host function writes "
                                    "its outputs into its trailing arguments";
    if (entry.isDeclaration() || !entry.getBody().hasOneBlock())
      return entry.emitOpError() << "must have a body of one block";
    unsigned firstOutput = numArgs - numOutputs.getInt();
    for (unsigned i = 0; i < numArgs; ++i) {
      bool isOutput = i >= firstOutput;
      unsigned index = isOutput ? i - firstOutput : i;
      auto type = dyn_cast<MemRefType>(entry.getArgument(i).getType());
      if (!type)
        return entry.emitOpError()
               << "argument " << i << " is " << entry.getArgument(i).getType()
               << ", not a memref: the function is not in host form";
      if (std::optional<std::string> why = checkTensorType(type))
        return entry.emitOpError()
               << "argument " << i << " (" << type << ") " << *why;
      std::string name = (isOutput ? "output" : "input") + std::to_string(index);
      if (auto attr = entry.getArgAttrOfType<StringAttr>(i, kName))
        name = attr.str();
      if (failed(claimName(entry, name, "argument " + std::to_string(i))))
        return failure();
      roots[entry.getArgument(i)] = name;
      Json tensor{{"name", name},
                  {"dtype", getDTypeName(*getDType(type.getElementType()))},
                  {"shape", shapeOf(type)}};
      (isOutput ? program.outputs : program.inputs).push_back(tensor);
      if (isOutput)
        outputNames.insert(name);
    }
    return success();
  }

  LogicalResult readOp(Operation &op) {
    return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
        .Case([&](arith::ConstantOp) { return success(); })
        .Case([&](func::ReturnOp) { return success(); })
        .Case([&](memref::DeallocOp dealloc) -> LogicalResult {
          if (!dealloc.getMemref().getDefiningOp<memref::AllocOp>())
            return dealloc.emitOpError()
                   << "frees memory no memref.alloc of the host function "
                      "allocated";
          return success();
        })
        .Case([&](memref::AllocOp alloc) { return readAlloc(alloc); })
        .Case([&](memref::GetGlobalOp get) { return readGetGlobal(get); })
        .Case([&](memref::CollapseShapeOp view) {
          return readView(view, view.getSrc());
        })
        .Case([&](memref::ExpandShapeOp view) {
          return readView(view, view.getSrc());
        })
        .Case([&](gpu::LaunchFuncOp launch) { return readLaunch(launch); })
        .Default([&](Operation *other) {
          return other->emitOpError()
                 << "is not allowed in a host function, which only allocates, "
                    "takes views, gets weights and launches kernels "
                    "(docs/GPU.md, host form)";
        });
  }

  LogicalResult readAlloc(memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    if (std::optional<std::string> why = checkTensorType(type))
      return alloc.emitOpError() << "allocates " << type << ", which " << *why;
    std::string name = "buffer" + std::to_string(program.buffers.size());
    if (auto attr = alloc->getAttrOfType<StringAttr>(kName))
      name = attr.str();
    if (failed(claimName(alloc, name,
                         "buffer " + std::to_string(program.buffers.size()))))
      return failure();
    roots[alloc] = name;
    DType dtype = *getDType(type.getElementType());
    program.buffers.push_back(
        {{"name", name},
         {"bytes", type.getNumElements() * getDTypeSize(dtype)}});
    return success();
  }

  LogicalResult readGetGlobal(memref::GetGlobalOp get) {
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        get, get.getNameAttr());
    if (!global)
      return get.emitOpError() << "names no memref.global";
    auto [it, inserted] = weightNames.try_emplace(global, global.getSymName());
    if (inserted) {
      if (failed(claimName(get, global.getSymName().str(),
                           "weight global @" + global.getSymName().str())))
        return failure();
      program.weights.push_back(global);
    }
    roots[get] = it->second;
    return success();
  }

  LogicalResult readView(Operation *view, Value source) {
    auto type = cast<MemRefType>(view->getResult(0).getType());
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return view->emitOpError() << "makes the view " << type
                                 << ": views must be static and contiguous";
    roots[view->getResult(0)] = roots.lookup(source);
    return success();
  }

  /// A positive launch dimension from an arith.constant.
  FailureOr<int64_t> readConstantIndex(gpu::LaunchFuncOp launch, Value value,
                                       const Twine &what, int64_t min) {
    auto constant = value.getDefiningOp<arith::ConstantOp>();
    auto attr = constant ? dyn_cast<IntegerAttr>(constant.getValue()) : nullptr;
    if (!attr)
      return launch.emitOpError()
             << what << " is not an arith.constant: the host form launches "
                        "with constant sizes";
    int64_t size = attr.getValue().getSExtValue();
    if (size < min || size > UINT32_MAX)
      return launch.emitOpError() << what << " is " << size
                                  << ", not in [" << min << ", 2^32 - 1]";
    return size;
  }

  FailureOr<Json> readScalar(gpu::LaunchFuncOp launch, Value value,
                             unsigned index) {
    auto constant = value.getDefiningOp<arith::ConstantOp>();
    if (!constant)
      return launch.emitOpError()
             << "argument " << index
             << " is neither a memref nor an arith.constant";
    if (auto attr = dyn_cast<IntegerAttr>(constant.getValue())) {
      if (value.getType().isUnsignedInteger())
        return Json(attr.getValue().getZExtValue());
      return Json(attr.getValue().getSExtValue());
    }
    auto attr = cast<FloatAttr>(constant.getValue());
    double number = attr.getValueAsDouble();
    if (!std::isfinite(number))
      return launch.emitOpError() << "argument " << index << " is " << number
                                  << ", which a JSON manifest cannot carry";
    return Json(number);
  }

  /// The kernels entry of `func` (added on its first launch with this
  /// launch's sizes as the kernel's defaults).
  FailureOr<size_t> readKernel(gpu::LaunchFuncOp launch, gpu::GPUFuncOp func,
                               const Json &grid, const Json &block,
                               int64_t shared) {
    if (auto it = kernelIndex.find(func); it != kernelIndex.end())
      return it->second;
    if (!func.isKernel())
      return launch.emitOpError()
             << "launches @" << func.getName() << ", which is not a kernel";
    auto module = func->getParentOfType<gpu::GPUModuleOp>();
    if (program.kernelModule && module != program.kernelModule)
      return launch.emitOpError()
             << "launches a kernel of gpu.module @" << module.getName()
             << " after kernels of @" << program.kernelModule.getName()
             << ": a bundle holds one kernel module";
    if (!program.kernelModule && failed(readTarget(launch, module)))
      return failure();
    program.kernelModule = module;
    Json params = Json::array();
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
      std::string paramType = getParamType(type);
      if (paramType.empty())
        return func.emitOpError()
               << "argument " << i << " has type " << type
               << ": kernel arguments are static, identity-layout memrefs or "
                  "i32, i64, index, f32, f64 scalars";
      params.push_back({{"name", "arg" + std::to_string(i)},
                        {"type", paramType}});
    }
    kernelIndex[func] = program.kernels.size();
    Json kernel = {{"name", func.getName().str()},
                   {"grid", grid},
                   {"block", block},
                   {"shared_bytes", shared},
                   {"args", params}};
    // Generated kernels wait for their predecessor themselves
    // (bwta.grid_dependency, docs/GPU.md).
    if (func->hasAttr("bwta.grid_dependency"))
      kernel["grid_dependency"] = true;
    program.kernels.push_back(std::move(kernel));
    return program.kernels.size() - 1;
  }

  LogicalResult readTarget(gpu::LaunchFuncOp launch, gpu::GPUModuleOp module) {
    ArrayAttr targets = module.getTargetsAttr();
    auto nvvm = targets && targets.size() == 1
                    ? dyn_cast<NVVM::NVVMTargetAttr>(targets[0])
                    : nullptr;
    if (!nvvm)
      return module.emitOpError()
             << "needs exactly one #nvvm.target (the chip the bundle is for)";
    program.chip = nvvm.getChip().str();
    return success();
  }

  LogicalResult readLaunch(gpu::LaunchFuncOp launch) {
    if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken() ||
        launch.getAsyncObject())
      return launch.emitOpError()
             << "is asynchronous: the runtime orders launches itself";
    if (launch.hasClusterSize())
      return launch.emitOpError() << "has a cluster size, which bundles do "
                                     "not support";
    auto func = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
        launch, launch.getKernel());
    if (!func)
      return launch.emitOpError() << "launches " << launch.getKernel()
                                  << ", which is no gpu.func";
    gpu::KernelDim3 gridValues = launch.getGridSizeOperandValues(),
                    blockValues = launch.getBlockSizeOperandValues();
    Json grid = Json::array(), block = Json::array();
    const char *axes[] = {"x", "y", "z"};
    Value gridDims[] = {gridValues.x, gridValues.y, gridValues.z};
    Value blockDims[] = {blockValues.x, blockValues.y, blockValues.z};
    for (int axis = 0; axis < 3; ++axis) {
      FailureOr<int64_t> g = readConstantIndex(
          launch, gridDims[axis], Twine("grid size ") + axes[axis], 1);
      if (failed(g))
        return failure();
      FailureOr<int64_t> b = readConstantIndex(
          launch, blockDims[axis], Twine("block size ") + axes[axis], 1);
      if (failed(b))
        return failure();
      grid.push_back(*g);
      block.push_back(*b);
    }
    int64_t shared = 0;
    if (Value size = launch.getDynamicSharedMemorySize()) {
      FailureOr<int64_t> bytes =
          readConstantIndex(launch, size, "dynamic_shared_memory_size", 0);
      if (failed(bytes))
        return failure();
      shared = *bytes;
    }
    FailureOr<size_t> kernel = readKernel(launch, func, grid, block, shared);
    if (failed(kernel))
      return failure();
    const Json &decl = program.kernels[*kernel];
    Json args = Json::array();
    for (auto [i, value] : llvm::enumerate(launch.getKernelOperands())) {
      if (isa<MemRefType>(value.getType())) {
        std::string root = roots.lookup(value);
        if (root.empty())
          return launch.emitOpError()
                 << "argument " << i << " is a memref of unknown origin";
        if (outputNames.contains(root))
          launchedNames.insert(root);
        args.push_back(root);
        continue;
      }
      FailureOr<Json> scalar = readScalar(launch, value, i);
      if (failed(scalar))
        return failure();
      args.push_back(*scalar);
    }
    Json step{{"kernel", decl["name"]}, {"args", args}};
    if (grid != decl["grid"])
      step["grid"] = grid;
    if (block != decl["block"])
      step["block"] = block;
    if (shared != decl["shared_bytes"].get<int64_t>())
      step["shared_bytes"] = shared;
    program.schedule.push_back(step);
    return success();
  }

  func::FuncOp entry;
  HostProgram program;
  llvm::StringMap<std::string> names;
  llvm::DenseMap<Value, std::string> roots;
  llvm::DenseMap<Operation *, std::string> weightNames;
  llvm::DenseMap<Operation *, size_t> kernelIndex;
  llvm::StringSet<> outputNames, launchedNames;
};

} // namespace

std::optional<DType> compile::getDType(Type type) {
  if (type.isF64())
    return DType::F64;
  if (type.isF32())
    return DType::F32;
  if (type.isF16())
    return DType::F16;
  if (type.isBF16())
    return DType::BF16;
  if (isa<Float8E4M3FNType>(type))
    return DType::F8E4M3;
  if (isa<Float8E5M2Type>(type))
    return DType::F8E5M2;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return std::nullopt;
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return DType::Bool;
  case 8:
    return isUnsigned ? DType::U8 : DType::I8;
  case 16:
    return isUnsigned ? DType::U16 : DType::I16;
  case 32:
    return isUnsigned ? DType::U32 : DType::I32;
  case 64:
    return isUnsigned ? DType::U64 : DType::I64;
  default:
    return std::nullopt;
  }
}

func::FuncOp compile::findEntry(ModuleOp module, StringRef name) {
  if (!name.empty()) {
    auto func = module.lookupSymbol<func::FuncOp>(name);
    if (!func)
      module.emitError() << "no function @" << name << " (--entry)";
    else if (!func->hasAttr(kNumOutputs))
      func.emitOpError() << "has no " << kNumOutputs
                         << " attribute: it is not a host function (run "
                            "bwta-lower-to-gpu; docs/GPU.md)";
    else
      return func;
    return nullptr;
  }
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(kNumOutputs))
      entries.push_back(func);
  if (entries.size() == 1)
    return entries.front();
  if (entries.empty()) {
    module.emitError() << "no function has a " << kNumOutputs
                       << " attribute: the module is not in host form "
                          "(docs/GPU.md)";
    return nullptr;
  }
  InFlightDiagnostic diag = module.emitError()
                            << entries.size() << " functions have "
                            << kNumOutputs << " (";
  llvm::interleaveComma(entries, diag,
                        [&](func::FuncOp f) { diag << "@" << f.getName(); });
  diag << "): choose one with --entry";
  return nullptr;
}

FailureOr<HostProgram> compile::readHostFunction(func::FuncOp entry) {
  return HostReader(entry).read();
}
