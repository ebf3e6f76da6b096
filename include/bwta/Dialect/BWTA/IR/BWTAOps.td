//===- BWTAOps.td - bwta operations ------------------------*- tablegen -*-===//
#ifndef BWTA_OPS_TD
#define BWTA_OPS_TD

include "bwta/Dialect/BWTA/IR/BWTADialect.td"
include "bwta/Dialect/BWTA/IR/BWTAAttrs.td"
include "bwta/Dialect/BWTA/IR/BWTATypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

/// A ranked, statically shaped tensor whose element type satisfies
/// `elementCond`, a C++ condition on `$elem`.
class BWTA_StaticTensor<string elementCond, string summary> : Type<
    And<[CPred<"::llvm::isa<::mlir::RankedTensorType>($_self)">,
         CPred<"::llvm::cast<::mlir::RankedTensorType>($_self).hasStaticShape()">,
         CPred<!subst("$elem",
                      "::llvm::cast<::mlir::RankedTensorType>($_self).getElementType()",
                      elementCond)>]>,
    "statically shaped tensor of " # summary, "::mlir::RankedTensorType">;

def BWTA_QuantizedTensor : BWTA_StaticTensor<
    "::llvm::isa<::bwta::QuantizedType>($elem)", "bwta quantized values">;
def BWTA_StaticFloatTensor : BWTA_StaticTensor<
    "::llvm::isa<::mlir::FloatType>($elem)", "floats">;
def BWTA_ScaleTensor : BWTA_StaticTensor<"$elem.isF32()", "f32 scales">;
def BWTA_BiasTensor : BWTA_StaticTensor<"$elem.isF32()", "f32 biases">;
def BWTA_ZeroPointTensor : BWTA_StaticTensor<
    "$elem.isSignlessInteger(32)", "i32 zero points">;
def BWTA_PlaneTensor : BWTA_StaticTensor<
    "$elem.isSignlessInteger(1)", "i1 bit planes">;
def BWTA_AccumulatorTensor : BWTA_StaticTensor<
    "$elem.isSignlessInteger(32)", "i32 accumulators">;
def BWTA_ResultFloatTensor : BWTA_StaticTensor<
    "($elem.isF32() || $elem.isF16())", "f16 or f32">;

//===----------------------------------------------------------------------===//
// Quantize / dequantize
//===----------------------------------------------------------------------===//

def BWTA_QuantizeOp : BWTA_Op<"quantize", [Pure, AttrSizedOperandSegments,
                                           AttrSizedResultSegments]> {
  let summary = "quantize a float tensor to binary, ternary or k-bit levels";
  let description = [{
    Quantizes along the last dimension (K) with the granularity of `scheme`.
    Without `scale` operands the parameters are computed from the data
    (dynamic quantization) and returned as extra results: the scale and, for
    an asymmetric scheme, the zero point. With `scale` (and `zero_point`)
    operands (static quantization) only the quantized tensor is returned.

    Scale shapes: `[]` per tensor, the input shape without its last dimension
    per token/channel, and that shape with `ceil(K / group_size)` appended per
    group. Exact rounding rules: docs/Semantics.md. Symmetric quantization
    to `!bwta.int<1>` (levels {-1, 0}, no positive level) is rejected.

    ```mlir
    %t, %a = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
        threshold = #bwta.threshold<mean_abs, 0.7>>}
        : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
    ```
  }];
  let arguments = (ins BWTA_StaticFloatTensor:$input,
                       Optional<BWTA_ScaleTensor>:$scale,
                       Optional<BWTA_ZeroPointTensor>:$zero_point,
                       BWTA_SchemeAttr:$scheme);
  let results = (outs BWTA_QuantizedTensor:$result,
                      Optional<BWTA_ScaleTensor>:$result_scale,
                      Optional<BWTA_ZeroPointTensor>:$result_zero_point);
  let assemblyFormat = [{
    $input (`scale` `(` $scale^ `:` type($scale) `)`)?
    (`zero_point` `(` $zero_point^ `:` type($zero_point) `)`)?
    attr-dict `:` type($input) `->` type($result)
    (`,` type($result_scale)^)? (`,` type($result_zero_point)^)?
  }];
  let hasVerifier = 1;
}

def BWTA_DequantizeOp : BWTA_Op<"dequantize", [Pure]> {
  let summary = "map quantized levels back to floats: (q − zero_point) · scale";
  let description = [{
    Scale and zero-point shapes follow `bwta.quantize`; `group_size` is
    required when they are per group.

    ```mlir
    %y = bwta.dequantize %q, %s : tensor<3x77x!bwta.int<4>>, tensor<3xf32> -> tensor<3x77xf32>
    ```
  }];
  let arguments = (ins BWTA_QuantizedTensor:$input, BWTA_ScaleTensor:$scale,
                       Optional<BWTA_ZeroPointTensor>:$zero_point,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$group_size);
  let results = (outs BWTA_StaticFloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`zero_point` `(` $zero_point^ `:` type($zero_point) `)`)?
    attr-dict `:` type($input) `,` type($scale) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized matmuls
//===----------------------------------------------------------------------===//

class BWTA_QMatmulBase<string mnemonic>
    : BWTA_Op<mnemonic, [Pure, AttrSizedOperandSegments]> {
  let arguments = (ins BWTA_QuantizedTensor:$lhs, BWTA_QuantizedTensor:$rhs,
                       BWTA_ScaleTensor:$lhs_scale, BWTA_ScaleTensor:$rhs_scale,
                       Optional<BWTA_ZeroPointTensor>:$lhs_zero_point,
                       Optional<BWTA_ZeroPointTensor>:$rhs_zero_point,
                       Optional<BWTA_BiasTensor>:$bias,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$group_size,
                       OptionalAttr<BWTA_MatmulPathAttr>:$path);
  let results = (outs BWTA_ResultFloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `scales` `(` $lhs_scale `,` $rhs_scale `)`
    (`lhs_zero_point` `(` $lhs_zero_point^ `)`)?
    (`rhs_zero_point` `(` $rhs_zero_point^ `)`)?
    (`bias` `(` $bias^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def BWTA_QMatmulOp : BWTA_QMatmulBase<"qmatmul"> {
  let summary = "quantized linear layer: lhs[M,K] · rhs[N,K]ᵀ → [M,N]";
  let description = [{
    `Y[m,n] = Σ_g sl[m,g]·sr[n,g]·Σ_{k∈g} (ql[m,k] − zl[m,g])·(qr[n,k] − zr[n,g]) + bias[n]`
    with int32 accumulation (wrapping) and f32 arithmetic, rounded to the
    result type at the end. Without `group_size` there is one group (all of
    K). Scales and zero points per tensor (`[]`), per row (`[M]`, `[N]`) or,
    with `group_size`, per group (`[M, G]`, `[N, G]`, G = ceil(K/group_size)).
    The weight operand is K-contiguous ("NT"), as stored by linear layers.

    ```mlir
    %y = bwta.qmatmul %x, %w scales(%sx, %sw) bias(%b)
        : (tensor<3x77x!bwta.ternary>, tensor<5x77x!bwta.binary>,
           tensor<3xf32>, tensor<5xf32>, tensor<5xf32>) -> tensor<3x5xf32>
    ```
  }];
}

def BWTA_BatchQMatmulOp : BWTA_QMatmulBase<"batch_qmatmul"> {
  let summary = "batched quantized matmul: lhs[B,M,K] · rhs[B,N,K]ᵀ → [B,M,N]";
  let description = [{
    The attention form: Q·Kᵀ with ternary Q and K, and P·V with {0,1}
    probabilities (`!bwta.int<1, unsigned>`) and ternary Vᵀ (V transposed so
    that the reduction dimension is last on both sides). Semantics as
    `bwta.qmatmul` per batch; scales are `[]`, `[B,M]`/`[B,N]` or per group
    `[B,M,G]`/`[B,N,G]`; the bias, if any, is `[N]`.

    ```mlir
    %s = bwta.batch_qmatmul %q, %k scales(%sq, %sk)
        : (tensor<4x7x16x!bwta.ternary>, tensor<4x7x16x!bwta.ternary>,
           tensor<4x7xf32>, tensor<4x7xf32>) -> tensor<4x7x7xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Bit planes and packing
//===----------------------------------------------------------------------===//

def BWTA_SplitPlanesOp : BWTA_Op<"split_planes", [Pure]> {
  let summary = "split quantized values into their bit planes";
  let description = [{
    Result `[P, d...]` of `i1`: plane i of the element type's decomposition
    `value = offset + Σ_i c_i·bit_i` (binary: b; ternary: p, n; k-bit: two's
    complement bits, least significant first).

    ```mlir
    %p = bwta.split_planes %t : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
    ```
  }];
  let arguments = (ins BWTA_QuantizedTensor:$input);
  let results = (outs BWTA_PlaneTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def BWTA_CombinePlanesOp : BWTA_Op<"combine_planes", [Pure]> {
  let summary = "recombine bit planes into quantized values";
  let description = [{
    Inverse of `bwta.split_planes`: `value = offset + Σ_i c_i·bit_i`. Bit
    patterns outside the type's level set (e.g. p = n = 1 for ternary, or
    3-bit patterns above 2 for `!bwta.int<2, balanced>`) are clamped into it.

    ```mlir
    %t = bwta.combine_planes %p : tensor<2x3x77xi1> -> tensor<3x77x!bwta.ternary>
    ```
  }];
  let arguments = (ins BWTA_PlaneTensor:$input);
  let results = (outs BWTA_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def BWTA_PackOp : BWTA_Op<"pack", [Pure]> {
  let summary = "pack bit planes into words (adds a #bwta.packed encoding)";
  let description = [{
    The result has the same shape and element type and carries a
    `#bwta.packed` encoding; its storage is described there.

    ```mlir
    %p = bwta.pack %t : tensor<3x77x!bwta.ternary>
                     -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def BWTA_UnpackOp : BWTA_Op<"unpack", [Pure]> {
  let summary = "unpack words back into unpacked values";
  let description = [{
    Inverse of `bwta.pack`: the result has the same shape and element type
    and no encoding. For a quantized tensor the planes are recombined as
    `bwta.combine_planes` does.

    ```mlir
    %t = bwta.unpack %p : tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2>>
                       -> tensor<3x77x!bwta.ternary>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def BWTA_PlaneMatmulOp : BWTA_Op<"plane_matmul", [Pure]> {
  let summary = "all-pairs binary plane matmul by AND-popcount";
  let description = [{
    `R[i, j, b..., m, n] = Σ_k lhs[i, b..., m, k] ∧ rhs[j, b..., n, k]`
    (popcount of the AND, int32). Operands are plane tensors `[P, M, K]` or
    batched `[P, B, M, K]`, both unpacked or both packed with the same layout
    (same word, K order and tiles), so that their bit orders agree. This is
    the only binary product bwta emits: XOR-popcount is emulated on sm_90.

    With `group_size`, K is cut into groups of that many elements counted
    separately: `R[i, j, g, b..., m, n]` (what grouped scales need). Packed
    operands then need groups of whole words.

    ```mlir
    %r = bwta.plane_matmul %x, %w : tensor<2x3x77xi1>, tensor<1x5x77xi1>
                                 -> tensor<2x1x3x5xi32>
    ```
  }];
  let arguments = (ins BWTA_PlaneTensor:$lhs, BWTA_PlaneTensor:$rhs,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$group_size);
  let results = (outs BWTA_AccumulatorTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def BWTA_PlanePopcountOp : BWTA_Op<"plane_popcount", [Pure]> {
  let summary = "set bits per row of each bit plane";
  let description = [{
    `R[i, r...] = Σ_k planes[i, r..., k]` (int32): the row sums the BTC
    epilogue needs (for a ternary tensor, `Σt = R[0] − R[1]`). The operand may
    be packed; the result does not depend on the layout. With `group_size`,
    one count per group of K: `R[i, g, r...]`.

    ```mlir
    %n = bwta.plane_popcount %p : tensor<2x3x77xi1> -> tensor<2x3xi32>
    ```
  }];
  let arguments = (ins BWTA_PlaneTensor:$input,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$group_size);
  let results = (outs BWTA_AccumulatorTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def BWTA_BTCEpilogueOp : BWTA_Op<"btc_epilogue", [Pure, AttrSizedOperandSegments]> {
  let summary = "recombine plane-pair popcounts into a quantized matmul result";
  let description = [{
    The second half of a Binary-TensorCore decomposition. With the plane
    decompositions `x = o_x + Σ_i c_i X_i` of `lhs_type` and
    `w = o_w + Σ_j d_j W_j` of `rhs_type`, the plane-pair counts
    `P[i, j] = popc(X_i ∧ W_j)` (`bwta.plane_matmul`) and the row popcounts
    `A[i] = popc(X_i)`, `B[j] = popc(W_j)` (`bwta.plane_popcount`):

    ```
    dot  = K·o_x·o_w + o_x·Σ_j d_j B[j] + o_w·Σ_i c_i A[i] + Σ_i Σ_j c_i d_j P[i, j]
    Σx   = K·o_x + Σ_i c_i A[i]          Σw = K·o_w + Σ_j d_j B[j]
    acc  = dot − z_w·Σx − z_x·Σw + K·z_x·z_w                     (int32, wrapping)
    Y    = (f32(acc) · s_x) · s_w + bias
    ```

    which equals `bwta.qmatmul` on the same operands bit for bit. With
    `group_size` the counts carry a group dimension (`P[i, j, g, ...]`,
    `A[i, g, ...]`, `B[j, g, ...]`), each group uses its own K, zero points
    and scales, and `Y = Σ_g (f32(acc_g)·s_x[g])·s_w[g] + bias` summed from
    −0.0 in group order, exactly as `bwta.qmatmul`. Only AND-popcounts
    appear: XOR is emulated on sm_90.

    ```mlir
    %y = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) k = 77
        for !bwta.ternary, !bwta.binary
        : (tensor<2x1x3x5xi32>, tensor<2x3xi32>, tensor<1x5xi32>,
           tensor<3xf32>, tensor<5xf32>) -> tensor<3x5xf32>
    ```
  }];
  let arguments = (ins BWTA_AccumulatorTensor:$planes,
                       BWTA_AccumulatorTensor:$lhs_popcount,
                       BWTA_AccumulatorTensor:$rhs_popcount,
                       BWTA_ScaleTensor:$lhs_scale, BWTA_ScaleTensor:$rhs_scale,
                       Optional<BWTA_ZeroPointTensor>:$lhs_zero_point,
                       Optional<BWTA_ZeroPointTensor>:$rhs_zero_point,
                       Optional<BWTA_BiasTensor>:$bias,
                       ConfinedAttr<I64Attr, [IntPositive]>:$k,
                       TypeAttrOf<BWTA_AnyQuantized>:$lhs_type,
                       TypeAttrOf<BWTA_AnyQuantized>:$rhs_type,
                       OptionalAttr<ConfinedAttr<I64Attr, [IntPositive]>>:$group_size);
  let results = (outs BWTA_ResultFloatTensor:$result);
  let assemblyFormat = [{
    $planes `,` $lhs_popcount `,` $rhs_popcount
    `scales` `(` $lhs_scale `,` $rhs_scale `)`
    (`lhs_zero_point` `(` $lhs_zero_point^ `)`)?
    (`rhs_zero_point` `(` $rhs_zero_point^ `)`)?
    (`bias` `(` $bias^ `)`)?
    `k` `=` $k `for` $lhs_type `,` $rhs_type
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fusion groups
//===----------------------------------------------------------------------===//

def BWTA_FusionOp : BWTA_Op<"fusion", [
    SingleBlockImplicitTerminator<"YieldOp">, RecursiveMemoryEffects]> {
  let summary = "ops that run as one kernel: a producer fused with its quantizer";
  let description = [{
    Groups a producer (an elementwise `linalg.generic`: the last step of a
    norm, an activation function) with the `bwta.quantize` that consumes it,
    so that code generation emits one kernel that computes, quantizes and
    packs the activations without a round trip through memory. The region
    may use values from above; its `bwta.yield` gives the results. Grouping
    changes no value: the CPU reference simply inlines the region.

    ```mlir
    %q, %s = bwta.fusion -> (tensor<4x64x!bwta.ternary, #bwta.packed<...>>, tensor<4xf32>) {
      %g = linalg.generic ... ins(%x) { math.tanh ... }
      %t, %a = bwta.quantize %g {...} : ...
      bwta.yield %t, %a : ...
    }
    ```
  }];
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "(`->` `(` type($results)^ `)`)? $body attr-dict";
  let hasVerifier = 1;
}

def BWTA_YieldOp : BWTA_Op<"yield", [Pure, Terminator, ReturnLike,
                                     HasParent<"FusionOp">]> {
  let summary = "results of a bwta.fusion";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ::mlir::ValueRange{}); }]>];
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def BWTA_WeightOp : BWTA_Op<"weight", [Pure]> {
  let summary = "reference to an external weight tensor, by name";
  let description = [{
    Weights are never inlined as constants: they are named, and resolved
    from a weight file (safetensors) by whatever consumes the IR
    (`bwta-cpu-reference` with its `weights` option; the bundle emitter).
    Float weights are stored with their own dtype; quantized weights as
    int8 levels.

    ```mlir
    %w = bwta.weight "layers.0.attn.q_proj.weight" : tensor<64x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // BWTA_OPS_TD
