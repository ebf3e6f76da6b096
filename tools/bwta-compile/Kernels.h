//===- Kernels.h - the kernel module as PTX and CUBIN -----------*- C++ -*-===//
#ifndef BWTA_TOOLS_BWTA_COMPILE_KERNELS_H
#define BWTA_TOOLS_BWTA_COMPILE_KERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace bwta::runtime {
class BundleWriter;
} // namespace bwta::runtime

namespace bwta::compile {

enum class KernelFormat { Both, Isa, Bin };

/// Compiles `kernels` with the bwta-gpu-binary pipeline (on a copy: the
/// module is left as it is) and sets the PTX and/or CUBIN of `writer`.
/// Errors (ptxas not found, say) are reported on the module's context.
mlir::LogicalResult compileKernels(mlir::gpu::GPUModuleOp kernels,
                                   KernelFormat format, llvm::StringRef toolkit,
                                   runtime::BundleWriter &writer);

} // namespace bwta::compile

#endif // BWTA_TOOLS_BWTA_COMPILE_KERNELS_H
