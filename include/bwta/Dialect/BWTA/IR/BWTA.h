//===- BWTA.h - The bwta dialect --------------------------------*- C++ -*-===//
//
// Umbrella header: dialect, enums, attributes, types and ops.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_DIALECT_BWTA_IR_BWTA_H
#define BWTA_DIALECT_BWTA_IR_BWTA_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TensorEncoding.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "bwta/Dialect/BWTA/IR/BWTAOpsDialect.h.inc"
#include "bwta/Dialect/BWTA/IR/BWTAEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAAttrs.h.inc"

#include "bwta/Dialect/BWTA/IR/BWTATypeInterfaces.h.inc"

#define GET_TYPEDEF_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "bwta/Dialect/BWTA/IR/BWTAOps.h.inc"

namespace bwta {

/// The packed layout of `type`, or null if it is not packed.
PackedLayoutAttr getPackedLayout(mlir::Type type);

/// Number of bit planes a tensor holds: the element type's plane count for a
/// quantized tensor, the first dimension for an i1 plane tensor.
std::optional<unsigned> getNumPlanes(mlir::RankedTensorType type);

/// The signless integer type that holds one level of `type` unpacked: i8
/// where the levels fit in [-128, 127], i16 otherwise (8-bit unsigned and
/// balanced types).
mlir::IntegerType getLevelStorageType(QuantizedType type);

/// Number of scale groups along K: ceil(K / groupSize), or 1 without groups.
int64_t getNumGroups(int64_t k, std::optional<int64_t> groupSize);

/// Checks that a scale or zero-point tensor of shape `paramShape` fits a
/// quantized operand of shape `valueShape`: `[]` (per tensor), the value
/// shape without K (per row) or, if `groupSize` is set, that plus
/// ceil(K / groupSize). Returns an explanation on mismatch.
std::optional<std::string>
checkParamShape(llvm::ArrayRef<int64_t> paramShape,
                llvm::ArrayRef<int64_t> valueShape,
                std::optional<int64_t> groupSize);

} // namespace bwta

#endif // BWTA_DIALECT_BWTA_IR_BWTA_H
