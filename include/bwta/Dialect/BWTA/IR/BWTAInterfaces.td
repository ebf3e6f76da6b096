//===- BWTAInterfaces.td - bwta type interfaces ------------*- tablegen -*-===//
#ifndef BWTA_INTERFACES_TD
#define BWTA_INTERFACES_TD

include "mlir/IR/OpBase.td"

def BWTA_QuantizedTypeInterface : TypeInterface<"QuantizedType"> {
  let cppNamespace = "::bwta";
  let description = [{
    A quantized element type: a finite set of integer levels between
    `getMinLevel()` and `getMaxLevel()` (binary has no 0) that decomposes into
    bit planes as `value = offset + Σ_i c_i · bit_i`.
    The BTC decomposition and the packed layouts are written against this
    interface only, so a new element type needs no change to them.
  }];
  let methods = [
    InterfaceMethod<"Smallest integer level.", "int64_t", "getMinLevel">,
    InterfaceMethod<"Largest integer level.", "int64_t", "getMaxLevel">,
    InterfaceMethod<"Number of bit planes needed to store a value.",
                    "unsigned", "getNumPlanes">,
    InterfaceMethod<"Coefficient c_i of bit plane i.",
                    "int64_t", "getPlaneCoefficient", (ins "unsigned":$plane)>,
    InterfaceMethod<"Constant term of the plane decomposition.",
                    "int64_t", "getPlaneOffset">,
  ];
}

#endif // BWTA_INTERFACES_TD
