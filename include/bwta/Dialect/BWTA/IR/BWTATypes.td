//===- BWTATypes.td - bwta element types -------------------*- tablegen -*-===//
#ifndef BWTA_TYPES_TD
#define BWTA_TYPES_TD

include "bwta/Dialect/BWTA/IR/BWTADialect.td"
include "bwta/Dialect/BWTA/IR/BWTAInterfaces.td"
include "bwta/Dialect/BWTA/IR/BWTAAttrs.td"
include "mlir/IR/AttrTypeBase.td"

class BWTA_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<BWTA_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def BWTA_BinaryType : BWTA_Type<"Binary", "binary", [
    DeclareTypeInterfaceMethods<BWTA_QuantizedTypeInterface>]> {
  let summary = "binary value in {-1, +1}";
  let description = [{
    One bit `b` per value; the value is `2·b − 1`. The real value is
    `α·(2b − 1)` with a scale `α` kept beside the tensor.
  }];
}

def BWTA_TernaryType : BWTA_Type<"Ternary", "ternary", [
    DeclareTypeInterfaceMethods<BWTA_QuantizedTypeInterface>]> {
  let summary = "ternary value in {-1, 0, +1}";
  let description = [{
    Two planes, `p = [t = +1]` and `n = [t = −1]`; the value is `p − n`.
  }];
}

def BWTA_IntType : BWTA_Type<"Int", "int", [
    DeclareTypeInterfaceMethods<BWTA_QuantizedTypeInterface>]> {
  let summary = "k-bit integer (k = 1..8): signed, unsigned or balanced";
  let description = [{
    `!bwta.int<4>` (signed, two's complement, [−8, 7]),
    `!bwta.int<4, unsigned>` ([0, 15]) and `!bwta.int<2, balanced>`
    (2^k+1 levels symmetric around zero: [−2, 2]). Signed and unsigned use k
    planes; balanced needs k+1 planes (two's complement of k+1 bits).
  }];
  let parameters = (ins
    TypeParameter<"unsigned", "bits per value k, 1..8">:$width,
    DefaultValuedParameter<"::bwta::Signedness", "::bwta::Signedness::Signed",
        "signed (default, omitted when printed), unsigned or balanced">:$signedness);
  let assemblyFormat = "`<` $width (`,` $signedness^)? `>`";
  let genVerifyDecl = 1;
}

def BWTA_AnyQuantized : Type<
    CPred<"::llvm::isa<::bwta::QuantizedType>($_self)">,
    "bwta quantized element type", "::bwta::QuantizedType">;

#endif // BWTA_TYPES_TD
