//===- BWTADialect.td - The bwta dialect -------------------*- tablegen -*-===//
#ifndef BWTA_DIALECT_TD
#define BWTA_DIALECT_TD

include "mlir/IR/OpBase.td"

def BWTA_Dialect : Dialect {
  let name = "bwta";
  let cppNamespace = "::bwta";
  let summary = "Binary, ternary and arbitrary-bit quantized tensors and ops";
  let description = [{
    The `bwta` dialect expresses ultra-low-bit quantized computation:
    binary weights × ternary activations (BWTA) and arbitrary p-bit × q-bit
    (WpAq) matmuls, together with the bit-plane machinery that maps them onto
    binary tensor cores (AND-popcount).

    Quantized values live in tensors whose element type is one of
    `!bwta.binary` ({-1,+1}), `!bwta.ternary` ({-1,0,+1}) or
    `!bwta.int<k, signed|unsigned|balanced>`. Every such type decomposes into
    bit planes with known coefficients (`value = offset + Σ_i c_i·bit_i`),
    which is what the plane ops and the BTC decomposition rely on. A tensor
    may carry a `#bwta.packed<...>` encoding that describes how its bit planes
    are packed into machine words.

    The exact semantics of every op are given in `docs/Semantics.md`; the
    `bwta-cpu-reference` pipeline implements them on the CPU and is the
    oracle every transformation and kernel is checked against.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
    void registerAttributes();
  }];
}

class BWTA_Op<string mnemonic, list<Trait> traits = []>
    : Op<BWTA_Dialect, mnemonic, traits>;

#endif // BWTA_DIALECT_TD
