//===- Kernels.cpp - the kernel module as PTX and CUBIN -------------------===//
//
// Each format compiles a fresh module that holds only a copy of the kernel
// module, so that the host function and the weights are never cloned.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "bwta/Pipelines/Pipelines.h"
#include "bwta/runtime/Bundle.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::compile;

namespace {

/// The object bwta-gpu-binary makes of `kernels` in `format` ("isa" or
/// "bin").
FailureOr<std::string> compileTo(gpu::GPUModuleOp kernels, StringRef format,
                               StringRef toolkit) {
  MLIRContext *context = kernels.getContext();
  OwningOpRef<ModuleOp> module = ModuleOp::create(kernels.getLoc());
  (*module)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                     UnitAttr::get(context));
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  builder.clone(*kernels);

  PassManager pm(context);
  GPUBinaryOptions options;
  options.format = format.str();
  options.toolkit = toolkit.str();
  buildGPUBinaryPipeline(pm, options);
  if (failed(pm.run(*module)))
    return failure();
  auto binary = module->lookupSymbol<gpu::BinaryOp>(kernels.getName());
  if (!binary || binary.getObjects().size() != 1)
    return kernels.emitOpError()
           << "did not compile to one " << format << " object";
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  StringRef bytes = object.getObject().getValue();
  if (format == "isa")
    bytes = bytes.rtrim('\0'); // PTX text; the bundle needs no terminator
  return bytes.str();
}

} // namespace

LogicalResult compile::compileKernels(gpu::GPUModuleOp kernels,
                                      KernelFormat format, StringRef toolkit,
                                      runtime::BundleWriter &writer) {
  if (format != KernelFormat::Bin) {
    FailureOr<std::string> ptx = compileTo(kernels, "isa", toolkit);
    if (failed(ptx))
      return failure();
    writer.setPtx(std::move(*ptx));
  }
  if (format != KernelFormat::Isa) {
    FailureOr<std::string> cubin = compileTo(kernels, "bin", toolkit);
    if (failed(cubin))
      return failure();
    writer.setCubin(std::move(*cubin));
  }
  return success();
}
