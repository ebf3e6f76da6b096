//===- LinalgMatmul.h - float linalg matmuls as linear layers ---*- C++ -*-===//
//
// Shared by the passes that work on the float model (bwta-quantize,
// bwta-distribution-correction): which linalg matmuls are linear layers or
// attention products, and the name of a layer's weight.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_LIB_DIALECT_BWTA_TRANSFORMS_LINALGMATMUL_H
#define BWTA_LIB_DIALECT_BWTA_TRANSFORMS_LINALGMATMUL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace bwta {

/// The operands of a float matmul in bwta's K-last form.
struct MatmulForm {
  mlir::Value lhs, rhs; // [.., M, K] and [.., N, K] (or [.., K, N] if rhsIsKN)
  bool rhsIsKN = false;
  bool batched = false;
};

/// Matches a linalg.matmul / linalg.batch_matmul on static f32/f16 tensors
/// whose accumulator is a zero fill; otherwise fails and says why.
mlir::FailureOr<MatmulForm> matchMatmul(mlir::linalg::LinalgOp op,
                                        std::string &why);

/// The bwta.weight name behind `value`, looking through transposes; "" if
/// there is none.
std::string weightNameOf(mlir::Value value);

} // namespace bwta

#endif // BWTA_LIB_DIALECT_BWTA_TRANSFORMS_LINALGMATMUL_H
