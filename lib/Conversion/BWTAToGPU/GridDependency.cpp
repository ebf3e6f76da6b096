//===- GridDependency.cpp - programmatic dependent launch of kernels ------===//
//
// Back-to-back kernels of a bundle overlap a kernel's launch (and, in the
// GEMV, its weight loads) with the end of the kernel before: the runtime
// launches kernels marked here with programmatic stream serialization, and
// each waits for its predecessor's results with griddepcontrol.wait.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace bwta::gpu_kernels;

void bwta::gpu_kernels::enableGridDependency(gpu::GPUFuncOp func) {
  bool waits = false, launches = false;
  func.walk([&](NVVM::GriddepcontrolOp op) {
    waits |= op.getKind() == NVVM::GridDepActionKind::wait;
    launches |= op.getKind() == NVVM::GridDepActionKind::launch_dependents;
  });
  OpBuilder b(func.getBody());
  b.setInsertionPointToStart(&func.getBody().front());
  // The next kernel may start as soon as every block of this one has; it
  // waits for this one's results itself. (A kernel that lets it launch
  // later, RowBlockSignals.h, says where itself.)
  if (!launches)
    NVVM::GriddepcontrolOp::create(b, func.getLoc(),
                                   NVVM::GridDepActionKind::launch_dependents);
  if (!waits)
    NVVM::GriddepcontrolOp::create(b, func.getLoc(), NVVM::GridDepActionKind::wait);
  func->setAttr(kGridDependencyAttr, b.getUnitAttr());
}
