//===- Passes.td - bwta transformation passes --------------*- tablegen -*-===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD
#define BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

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
    Option<"binaryPops", "binary-pops", "double", /*default=*/"15.5",
           "binary AND-popcount tensor-core rate, peta bit-ops/s (H200 BGMMA)">,
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

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_PASSES_TD
