//===- CostModel.cpp - BTC vs int8 tensor-core cost model -----------------===//
#include "bwta/Dialect/BWTA/Transforms/CostModel.h"

#include <algorithm>

using namespace bwta;

MatmulCost bwta::estimateMatmulCost(const MatmulShape &shape,
                                    const HardwareRates &rates) {
  double b = shape.batch, m = shape.m, n = shape.n, k = shape.k;
  double macs = b * m * n * k;
  double outputBytes = b * m * n * 4;
  // The BTC path reads the weights' planes; the int8 path byte tiles
  // derived at compile time (int8_tiles, int8_wgmma_tiles).
  double weightBytes = b * n * k * shape.rhsPlanes / 8;
  double int8WeightBytes = b * n * k;

  double btcCompute = 2 * macs * shape.lhsPlanes * shape.rhsPlanes /
                      rates.binaryOpsPerSecond;
  double btcBytes = b * m * k * shape.lhsPlanes / 8 + weightBytes + outputBytes;
  double int8Compute = 2 * macs / rates.int8OpsPerSecond;
  double int8Bytes = b * m * k + int8WeightBytes + outputBytes;

  return {std::max(btcCompute, btcBytes / rates.bytesPerSecond),
          std::max(int8Compute, int8Bytes / rates.bytesPerSecond)};
}
