//===- Passes.td - bwta conversion passes ------------------*- tablegen -*-===//
#ifndef BWTA_CONVERSION_PASSES_TD
#define BWTA_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertBWTAToLinalgPass : Pass<"convert-bwta-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower bwta ops to linalg, tensor, arith and scf (the CPU reference)";
  let description = [{
    Implements the semantics of docs/Semantics.md with plain integer and
    float arithmetic, one output element at a time, so that the result is an
    obviously correct oracle rather than a fast kernel. Quantized tensors
    become `i8` tensors holding their levels (`i16` for 8-bit unsigned and
    balanced types); packed tensors become
    `tensor<P x rowTiles x kTiles x tileRows x tileWords x iW>` storage.
    `bwta.weight` ops are resolved from the safetensors file named by
    `weights`; without it, they are an error.

    This pass is the first step of the `bwta-cpu-reference` pipeline.
  }];
  let options = [
    Option<"weightsPath", "weights", "std::string", /*default=*/"",
           "safetensors file that bwta.weight ops are resolved from">,
  ];
  let statistics = [
    Statistic<"numLoweredOps", "lowered-ops", "Number of bwta ops lowered">,
    Statistic<"numWeightsLoaded", "weights-loaded", "Number of weights read from the weight file">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // BWTA_CONVERSION_PASSES_TD
