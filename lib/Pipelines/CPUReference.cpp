//===- CPUReference.cpp - the bwta-cpu-reference pipeline -----------------===//
//
// bwta → linalg/tensor/arith/scf → one-shot bufferization → loops → LLVM.
// The output runs under mlir-runner and is the semantic oracle of bwta.
//
//===----------------------------------------------------------------------===//
#include "bwta/Conversion/Passes.h"
#include "bwta/Dialect/BWTA/Transforms/Passes.h"
#include "bwta/Pipelines/Pipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void bwta::buildCPUReferencePipeline(OpPassManager &pm,
                                     const CPUReferenceOptions &options) {
  ConvertBWTAToLinalgPassOptions lowering;
  lowering.weightsPath = options.weights;
  pm.addPass(createConvertBWTAToLinalgPass(lowering));
  // Softmax has no loop form: its generics do.
  pm.addPass(createDecomposeAggregatesPass());
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);

  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}
