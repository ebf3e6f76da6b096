//===- BWTAAttrs.td - bwta enums and attributes ------------*- tablegen -*-===//
#ifndef BWTA_ATTRS_TD
#define BWTA_ATTRS_TD

include "bwta/Dialect/BWTA/IR/BWTADialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/TensorEncoding.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def BWTA_Signedness : I32EnumAttr<"Signedness", "k-bit integer level set", [
    I32EnumAttrCase<"Signed", 0, "signed">,
    I32EnumAttrCase<"Unsigned", 1, "unsigned">,
    I32EnumAttrCase<"Balanced", 2, "balanced">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

def BWTA_Granularity : I32EnumAttr<"Granularity",
    "how many values share one scale", [
    I32EnumAttrCase<"PerTensor", 0, "per_tensor">,
    I32EnumAttrCase<"PerChannel", 1, "per_channel">,
    I32EnumAttrCase<"PerToken", 2, "per_token">,
    I32EnumAttrCase<"PerGroup", 3, "per_group">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

def BWTA_QuantMode : I32EnumAttr<"QuantMode", "zero point or not", [
    I32EnumAttrCase<"Symmetric", 0, "symmetric">,
    I32EnumAttrCase<"Asymmetric", 1, "asymmetric">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

def BWTA_ThresholdPolicy : I32EnumAttr<"ThresholdPolicy",
    "how the ternary threshold Δ is derived", [
    I32EnumAttrCase<"Fixed", 0, "fixed">,
    I32EnumAttrCase<"MeanAbs", 1, "mean_abs">,
    I32EnumAttrCase<"MaxAbs", 2, "max_abs">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

def BWTA_KOrder : I32EnumAttr<"KOrder",
    "where element k of the reduction dimension sits inside its word", [
    I32EnumAttrCase<"LsbFirst", 0, "lsb_first">,
    I32EnumAttrCase<"MsbFirst", 1, "msb_first">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

def BWTA_MatmulPath : I32EnumAttr<"MatmulPath",
    "how a quantized matmul is executed", [
    I32EnumAttrCase<"BTC", 0, "btc">,
    I32EnumAttrCase<"Int8", 1, "int8">]> {
  let cppNamespace = "::bwta";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class BWTA_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<BWTA_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def BWTA_FactorParameter : APFloatParameter<"a non-negative factor"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if (::mlir::failed($_parser.parseFloat(value)))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  // Shortest text that reads back to the same double (0.7, not 0.69999...),
  // as a float literal the parser accepts (5.0, 1.0e-10): see printFactor.
  let printer = [{ printFactor($_printer.getStream(), $_self.convertToDouble()) }];
}

def BWTA_MatmulPathAttr : EnumAttr<BWTA_Dialect, BWTA_MatmulPath, "path"> {
  let summary = "execution path of a quantized matmul: #bwta.path<btc|int8>";
  let assemblyFormat = "`<` $value `>`";
}

def BWTA_ThresholdAttr : BWTA_Attr<"Threshold", "threshold"> {
  let summary = "ternary threshold policy";
  let description = [{
    `#bwta.threshold<mean_abs, 0.7>`: Δ = 0.7 · mean|x| over the scale group;
    `max_abs`: Δ = factor · max|x|; `fixed`: Δ = factor. Values with
    |x| ≤ Δ become 0 (the zero-point-distortion fix of BWTA).
  }];
  let parameters = (ins EnumParameter<BWTA_ThresholdPolicy>:$policy,
                        BWTA_FactorParameter:$factor);
  let assemblyFormat = "`<` $policy `,` $factor `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    double getFactorValue() const { return getFactor().convertToDouble(); }
  }];
}

def BWTA_SchemeAttr : BWTA_Attr<"Scheme", "scheme"> {
  let summary = "quantization scheme: granularity, mode, ternary threshold";
  let description = [{
    `per_token` and `per_channel` both mean one scale per row of a tensor
    whose last dimension is the reduction dimension K (tokens for
    activations, output channels for weights); `per_group` uses one scale per
    `group_size` consecutive K elements of a row. `asymmetric` adds a zero
    point (k-bit results only). The threshold applies to ternary results
    only. Parameters with their default value are omitted when printed.

    ```mlir
    #bwta.scheme<granularity = per_token>
    #bwta.scheme<granularity = per_group, group_size = 64, mode = asymmetric>
    #bwta.scheme<granularity = per_token, threshold = #bwta.threshold<mean_abs, 0.7>>
    ```
  }];
  let parameters = (ins
    EnumParameter<BWTA_Granularity>:$granularity,
    DefaultValuedParameter<"int64_t", "0",
        "K elements per scale group (per_group only, > 0 there)">:$group_size,
    DefaultValuedParameter<"::bwta::QuantMode", "::bwta::QuantMode::Symmetric",
        "symmetric (default) or asymmetric (with a zero point)">:$mode,
    OptionalParameter<"::bwta::ThresholdAttr",
        "ternary threshold (absent: mean_abs 0.7 if dynamic, α/2 if static)">:$threshold);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def BWTA_PackedLayoutAttr : BWTA_Attr<"PackedLayout", "packed", [
    DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "bit-plane packed layout (a tensor encoding)";
  let description = [{
    Attached as the encoding of a tensor whose last dimension is the
    reduction dimension K. Storage is plane-major: for each of `planes` bit
    planes, the rows (all dimensions but the last, flattened) are grouped in
    tiles of `tile_rows` rows and the K dimension in tiles of `tile_words`
    words of `word` bits; tiles are stored row-tile-major, each tile
    row-major. Element k lands in word k / word at bit k % word
    (`lsb_first`) or word − 1 − k % word (`msb_first`). Padding bits are 0.

    On a quantized tensor `planes` must equal the element type's plane count;
    on an `i1` tensor the first dimension holds the planes and must equal
    `planes`.
  }];
  let parameters = (ins
    AttrParameter<"unsigned", "number of bit planes, 1..16">:$planes,
    DefaultValuedParameter<"unsigned", "32", "word size in bits: 32 (default) or 64">:$word,
    DefaultValuedParameter<"::bwta::KOrder", "::bwta::KOrder::LsbFirst",
        "bit of element k in its word: lsb_first (default) or msb_first">:$k_order,
    DefaultValuedParameter<"unsigned", "1", "rows per tile (default 1)">:$tile_rows,
    DefaultValuedParameter<"unsigned", "1", "words of K per tile (default 1)">:$tile_words);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // BWTA_ATTRS_TD
