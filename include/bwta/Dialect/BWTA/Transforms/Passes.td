//===- Passes.td - bwta transformation passes --------------*- tablegen -*-===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD
#define BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QuantizePass : Pass<"bwta-quantize"> {
  let summary = "Rewrite float linear layers and attention matmuls into bwta ops";
  let description = [{
    The entry of the quantization pipeline. Each `linalg.matmul` on float
    tensors (a linear layer: activations [M, K] times weights, given as
    [N, K] through its indexing maps or as [K, N]) and each
    `linalg.batch_matmul` (attention: Q·Kᵀ and P·V, both operands
    activations) whose accumulator is a zero fill becomes dynamic
    `bwta.quantize` ops on both operands and a `bwta.qmatmul` /
    `bwta.batch_qmatmul` with their scales and zero points. [K, N] operands
    are transposed to the K-last form first.

    Schemes (per layer from `scheme`, or from a JSON `recipe` with
    per-layer overrides and skip lists, keyed by the `bwta.weight` name of
    the layer's weight):

    | scheme | activations | weights |
    |---|---|---|
    | `bwta` | ternary, per token, Δ = 0.7·mean|x| | binary, per channel, α = mean|w| |
    | `wPaQ` | `!bwta.int<Q, unsigned>`, per token, asymmetric | `!bwta.int<P, unsigned>`, per channel, asymmetric |
    | `wP*aQ` | as `wPaQ` | `!bwta.int<P, balanced>` (bit balance) |
    | `skip` | left in float | |

    Attention uses `attention-scheme` (default: the activations of
    `scheme`: ternary for `bwta`, `aQ` for `wPaQ`). Under `bwta` the
    softmax probabilities (the lhs of a P·V produced by `linalg.softmax`)
    become `!bwta.int<1, unsigned>` ({0, 1}); under `wPaQ` P·V stays in
    float, as in ABQ-LLM.

    ```mlir
    // before
    %y = linalg.matmul indexing_maps = [(m,n,k)->(m,k), (m,n,k)->(n,k), (m,n,k)->(m,n)]
        ins(%x, %w : tensor<4x64xf32>, tensor<32x64xf32>) outs(%zero : tensor<4x32xf32>)
    // after (scheme=bwta)
    %t, %st = bwta.quantize %x {scheme = #bwta.scheme<granularity = per_token,
        threshold = #bwta.threshold<mean_abs, 0.7>>} : ... -> tensor<4x64x!bwta.ternary>, tensor<4xf32>
    %b, %sb = bwta.quantize %w {scheme = #bwta.scheme<granularity = per_channel>}
        : ... -> tensor<32x64x!bwta.binary>, tensor<32xf32>
    %y = bwta.qmatmul %t, %b scales(%st, %sb) : (...) -> tensor<4x32xf32>
    ```
  }];
  let options = [
    Option<"scheme", "scheme", "std::string", /*default=*/"\"bwta\"",
           "scheme of linear layers: bwta, wPaQ, wP*aQ or skip">,
    Option<"attentionScheme", "attention-scheme", "std::string", /*default=*/"\"\"",
           "scheme of attention matmuls (default: the activations of `scheme`)">,
    Option<"recipe", "recipe", "std::string", /*default=*/"\"\"",
           "JSON recipe with per-layer schemes (overrides scheme/attention-scheme)">,
    ListOption<"skip", "skip", "std::string",
               "weight names of linear layers to leave in float">,
  ];
  let statistics = [
    Statistic<"numLinear", "linear", "Linear layers quantized">,
    Statistic<"numAttention", "attention", "Attention matmuls quantized">,
    Statistic<"numSkipped", "skipped", "Matmuls left in float">,
  ];
  let dependentDialects = ["::bwta::BWTADialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def BTCDecomposePass : Pass<"bwta-btc-decompose"> {
  let summary = "Decompose quantized matmuls into binary AND-popcount plane matmuls";
  let description = [{
    Rewrites each `bwta.qmatmul` / `bwta.batch_qmatmul` into
    `bwta.split_planes` of both operands, one `bwta.plane_matmul` over all
    plane pairs (AND-popcount only), `bwta.plane_popcount` row sums, and a
    `bwta.btc_epilogue` that recombines them with ±2^(i+j) coefficients,
    popcount corrections, zero points, scales and bias. The result equals the
    original op bit for bit. Ternary × binary costs 2 plane matmuls,
    ternary × ternary 4.

    A cost model (docs/Passes.md) estimates each op's time on the BTC path
    and on the int8 tensor-core path from the shape, the plane counts and a
    table of hardware rates (H200 by default) and picks the cheaper one. An
    op left on the int8 path keeps its form and gets `path = int8`; an op
    that already carries a `path` attribute keeps that choice. Matmuls with
    grouped scales stay on the int8 path (a group boundary splits the
    popcounts).

    Example: `(ternary 3×77) × (binary 5×77)ᵀ` becomes
    ```mlir
    %xp = bwta.split_planes %x : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
    %wp = bwta.split_planes %w : tensor<5x77x!bwta.binary> -> tensor<1x5x77xi1>
    %p = bwta.plane_matmul %xp, %wp : ... -> tensor<2x1x3x5xi32>
    %a = bwta.plane_popcount %xp : tensor<2x3x77xi1> -> tensor<2x3xi32>
    %b = bwta.plane_popcount %wp : tensor<1x5x77xi1> -> tensor<1x5xi32>
    %y = bwta.btc_epilogue %p, %a, %b scales(%sx, %sw) k = 77
        for !bwta.ternary, !bwta.binary : (...) -> tensor<3x5xf32>
    ```
  }];
  let options = [
    Option<"path", "path", "std::string", /*default=*/"\"auto\"",
           "auto (cost model), btc or int8 for every op without a path attribute">,
    Option<"binaryPops", "binary-pops", "double", /*default=*/"10.3",
           "binary AND-popcount tensor-core rate of the plane GEMMs, peta "
           "bit-ops/s (H200 mma.sync m16n8k256, which multi-plane layers run on)">,
    Option<"int8Pops", "int8-pops", "double", /*default=*/"1.93",
           "int8 tensor-core rate, peta ops/s (H200 IGMMA)">,
    Option<"bandwidthTBs", "bandwidth-tbs", "double", /*default=*/"4.3",
           "memory bandwidth, TB/s (H200)">,
    Option<"reportCosts", "report-costs", "bool", /*default=*/"false",
           "emit a remark with both estimates and the choice for each op">,
  ];
  let statistics = [
    Statistic<"numDecomposed", "decomposed", "Matmuls decomposed into plane matmuls">,
    Statistic<"numInt8", "int8-path", "Matmuls left on the int8 path">,
    Statistic<"numPlanePairs", "plane-pairs", "Binary plane-pair matmuls emitted">,
  ];
  let dependentDialects = ["::bwta::BWTADialect"];
}

def DistributionCorrectionPass : Pass<"bwta-distribution-correction"> {
  let summary = "LET smoothing, rank-1 compensation and bias correction of linear layers";
  let description = [{
    Runs on the float model, before `bwta-quantize`, so that what gets
    quantized has a friendlier distribution. For each linear layer (a
    `linalg.matmul` whose weight is a `bwta.weight`, see `bwta-quantize`)
    with calibration data:

    - **smoothing** (LET / SmoothQuant): `X' = (X − δ)/s`, `W' = W·diag(s)`,
      and the output gets `+ W·δ` back, so the float function is unchanged
      while activation outliers move into the weights. `X'` is folded into
      the producer of X when that is an elementwise `linalg.generic` (the
      last step of a norm, an activation function) used only here;
      otherwise it is a separate elementwise op.
    - **rank-1 compensation** (ABQ-LLM, for down-projections): `W' += a·bᵀ`.
    - **bias correction**: `+ c[n]` on the output.

    Parameters come from the calibration JSON (`calibration=FILE`,
    docs/Calibration.md, version 1) keyed by weight name. A layer with
    activation statistics (`act_max` in the file, or a `bwta.act_max`
    attribute on the matmul) but no `smooth` gets the closed form
    `s = max|X|^α / max|W|^(1−α)` (α from the file, else `alpha`), computed
    over the weight's input channels. Sizes that do not match the layer
    are errors naming the layer and the field.

    ```mlir
    // before: %y = linalg.matmul ins(%x, %w) ...   (w = bwta.weight "fc.weight")
    // after (smooth s, shift δ):
    %xs = linalg.generic ... (x − δ[k]) / s[k]
    %ws = linalg.generic ... w[n, k] · s[k]
    %y0 = linalg.matmul ins(%xs, %ws) ...
    %y  = linalg.generic ... y0[m, n] + Σ_k w[n, k]·δ[k]
    ```
  }];
  let options = [
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "calibration JSON (docs/Calibration.md)">,
    Option<"alpha", "alpha", "double", /*default=*/"0.5",
           "migration strength of the closed-form smoothing, in [0, 1]">,
  ];
  let statistics = [
    Statistic<"numSmoothed", "smoothed", "Layers smoothed">,
    Statistic<"numFolded", "folded", "Smoothing folded into a producer">,
    Statistic<"numRank1", "rank1", "Rank-1 compensations applied">,
    Statistic<"numBiasCorrected", "bias-corrected", "Output corrections added">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect"];
}

def BitBalancePass : Pass<"bwta-bit-balance"> {
  let summary = "Give <= 2-bit weights balanced levels (W2*: {-2..2})";
  let description = [{
    ABQ-LLM's bit balance: a b-bit weight quantizer with b <= 2 wastes its
    asymmetry (W2 has levels {-2..1} or {0..3} around a zero point); with one
    more level, symmetric around zero (2^b + 1 levels: W2* = {-2, ..., 2},
    W1* = {-1, 0, 1}), the same range is covered evenly. This pass switches
    the result type of each dynamic `bwta.quantize` that produces the weight
    operand (rhs) of a quantized matmul from `!bwta.int<b>` or
    `!bwta.int<b, unsigned>` to `!bwta.int<b, balanced>`. The scale then
    spans the range with 2^b steps (`(max − min) / 2^b` asymmetric,
    `max|w| / 2^(b−1)` symmetric), exactly as in docs/Semantics.md.

    Storage grows by one bit plane (b + 1 two's-complement planes): W2*A8
    costs 3 × 8 plane pairs instead of 2 × 8, which `bwta-btc-decompose`'s
    cost model sees.

    Per layer: a quantize whose input is `bwta.weight "NAME"` with NAME in
    `skip`, or a matmul with the unit attribute `bwta.no_bit_balance`, keeps
    its levels. Static quantization (a given scale) and quantized results
    with users other than matmuls and `bwta.dequantize` are left alone too,
    since their meaning would change.

    ```mlir
    // before
    %q, %s, %z = bwta.quantize %w {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>}
        : tensor<5x77xf32> -> tensor<5x77x!bwta.int<2, unsigned>>, tensor<5xf32>, tensor<5xi32>
    // after
    %q, %s, %z = bwta.quantize %w {scheme = #bwta.scheme<granularity = per_channel, mode = asymmetric>}
        : tensor<5x77xf32> -> tensor<5x77x!bwta.int<2, balanced>>, tensor<5xf32>, tensor<5xi32>
    ```
  }];
  let options = [
    ListOption<"skip", "skip", "std::string",
               "weight names (bwta.weight) whose quantizers keep their levels">,
    Option<"maxBits", "max-bits", "unsigned", /*default=*/"2",
           "balance weights of at most this many bits">,
  ];
  let statistics = [
    Statistic<"numBalanced", "balanced", "Weight quantizers switched to balanced levels">,
    Statistic<"numPlanesAdded", "planes-added", "Bit planes added by balancing">,
    Statistic<"numSkipped", "skipped", "Low-bit weight quantizers left alone">,
  ];
  let dependentDialects = ["::bwta::BWTADialect"];
}

def PackLayoutPass : Pass<"bwta-pack-layout"> {
  let summary = "Give bit planes a packed layout matching the MMA fragments";
  let description = [{
    Runs after `bwta-btc-decompose`. Every `bwta.split_planes` whose planes
    feed `bwta.plane_matmul` / `bwta.plane_popcount` is rewritten to split a
    *packed* tensor, so that the binary kernels read words, not bits:

    - planes of a quantized `bwta.weight` are packed when the weight is
      resolved, at compile time: the weight op itself gets the packed type
      and nothing runs at inference time;
    - planes of a `bwta.quantize` (activations) are packed by the quantizer:
      its result gets the packed type, so quantization and packing are one
      pass over the data (one kernel on the GPU);
    - anything else gets an explicit `bwta.pack`.

    The layout is plane-major with `word`-bit words, K in tiles of `tile-k`
    bits and rows in tiles of `lhs-tile-rows` (the M side, 16 for the
    m16n8k256 A fragment) or `rhs-tile-rows` (the N side, 8 for the B
    fragment). Both operands of a plane matmul share word size, K order and
    K tiling, so their bits line up; row tiling may differ.

    ```mlir
    // before
    %x, %s = bwta.quantize %a {...} : tensor<3x77xf32> -> tensor<3x77x!bwta.ternary>, tensor<3xf32>
    %xp = bwta.split_planes %x : tensor<3x77x!bwta.ternary> -> tensor<2x3x77xi1>
    // after
    %x, %s = bwta.quantize %a {...} : tensor<3x77xf32>
        -> tensor<3x77x!bwta.ternary, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>, tensor<3xf32>
    %xp = bwta.split_planes %x : tensor<3x77x!bwta.ternary, #bwta.packed<...>>
        -> tensor<2x3x77xi1, #bwta.packed<planes = 2, tile_rows = 16, tile_words = 8>>
    ```
  }];
  let options = [
    Option<"word", "word", "unsigned", /*default=*/"32", "word size in bits (32 or 64)">,
    Option<"kOrder", "k-order", "std::string", /*default=*/"\"lsb_first\"",
           "bit order of K inside a word: lsb_first or msb_first">,
    Option<"tileK", "tile-k", "unsigned", /*default=*/"256",
           "K elements per tile (the MMA k of m16n8k256)">,
    Option<"lhsTileRows", "lhs-tile-rows", "unsigned", /*default=*/"16",
           "rows per tile of the lhs (M) planes">,
    Option<"rhsTileRows", "rhs-tile-rows", "unsigned", /*default=*/"8",
           "rows per tile of the rhs (N) planes">,
  ];
  let statistics = [
    Statistic<"numWeightsPacked", "weights-packed", "Weights packed at compile time">,
    Statistic<"numQuantizersFused", "quantizers-fused", "Quantizers that now pack their result">,
    Statistic<"numPackOps", "pack-ops", "Explicit bwta.pack ops inserted">,
  ];
  let dependentDialects = ["::bwta::BWTADialect"];
}

def DecomposeAggregatesPass : Pass<"bwta-decompose-aggregates"> {
  let summary = "Decompose aggregated linalg ops (softmax) into linalg.generic";
  let description = [{
    Float ops between quantized layers reach the CPU reference and the GPU
    host lowering as structured ops; an aggregated op such as
    `linalg.softmax` has no loop form of its own, so it is rewritten into
    the generics of its definition (upstream's decomposition): a max
    reduction, `exp(x - max)`, a sum reduction and a division. Both
    back ends then see the same ops and run the reductions in the same
    order (along the reduced dimension, first to last).

    ```mlir
    %p = linalg.softmax dimension(1) ins(%s : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    // becomes linalg.fill + 4 linalg.generic ops (reduce max, sub+exp,
    // reduce add, div)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
                           "::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
}

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD
