//===- GPUBinary.cpp - the bwta-gpu-binary pipeline -----------------------===//
#include "bwta/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

/// The CUDA toolkit: the option, else the directory above the `ptxas` on
/// PATH. MLIR itself only looks at CUDA_ROOT/CUDA_HOME/CUDA_PATH; without a
/// toolkit, libdevice (math.exp in float ops) is not linked and ptxas
/// fails on an undefined __nv_expf.
static std::string findToolkit(StringRef option) {
  if (!option.empty())
    return option.str();
  for (const char *variable : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(variable); value && *value)
      return value;
  if (llvm::ErrorOr<std::string> ptxas = llvm::sys::findProgramByName("ptxas"))
    return llvm::sys::path::parent_path(llvm::sys::path::parent_path(*ptxas)).str();
  return "";
}

void bwta::buildGPUBinaryPipeline(OpPassManager &pm,
                                  const GPUBinaryOptions &options) {
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  // One pointer per memref argument: what the runtime passes.
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = findToolkit(options.toolkit);
  pm.addPass(createGpuModuleToBinaryPass(binary));
}
