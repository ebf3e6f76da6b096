//===- CostModel.h - BTC vs int8 tensor-core cost model ---------*- C++ -*-===//
//
// A roofline estimate per quantized matmul: time = max(compute, memory) on
// each path. BTC runs Pl·Pr binary GEMMs on packed planes; the int8 path runs
// one int8 GEMM on activations widened to int8 and weights read at their
// stored bit width and widened in registers.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_COSTMODEL_H
#define BWTA_DIALECT_BWTA_TRANSFORMS_COSTMODEL_H

#include "bwta/Dialect/BWTA/IR/BWTA.h"

namespace bwta {

/// Peak rates of the target. Defaults: H200 as measured (HARDWARE facts in
/// docs/Passes.md): mma.sync AND-popcount 10.3 POPS (what multi-plane
/// layers run on), IGMMA 1.93 POPS, 4.3 TB/s.
struct HardwareRates {
  double binaryOpsPerSecond = 10.3e15;
  double int8OpsPerSecond = 1.93e15;
  double bytesPerSecond = 4.3e12;
};

/// A matmul of batch × [M, K] · [N, K]ᵀ with Pl and Pr bit planes.
struct MatmulShape {
  int64_t batch, m, n, k;
  unsigned lhsPlanes, rhsPlanes;
};

struct MatmulCost {
  double btcSeconds, int8Seconds;
  MatmulPath cheaper() const {
    return btcSeconds <= int8Seconds ? MatmulPath::BTC : MatmulPath::Int8;
  }
};

MatmulCost estimateMatmulCost(const MatmulShape &shape,
                              const HardwareRates &rates);

} // namespace bwta

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_COSTMODEL_H
