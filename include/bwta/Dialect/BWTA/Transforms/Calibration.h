//===- Calibration.h - calibration data for distribution correction -*- C++ -*-===//
//
// The calibration JSON (docs/Calibration.md) that python/bwta writes and
// bwta-distribution-correction reads: per-layer smoothing scales and shifts,
// activation statistics, rank-1 compensation and bias correction, keyed by
// the layer's weight name.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_CALIBRATION_H
#define BWTA_DIALECT_BWTA_TRANSFORMS_CALIBRATION_H

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bwta {

struct LayerCalibration {
  std::vector<float> smooth;          // s[K]: X' = (X − δ)/s, W' = W·diag(s)
  std::vector<float> shift;           // δ[K]
  std::vector<float> actMax;          // max|X| per input channel [K]
  std::vector<float> rank1A, rank1B;  // W' += a·bᵀ, a[N], b[K]
  std::vector<float> biasCorrection;  // added to the output [N]
};

struct Calibration {
  static constexpr unsigned kVersion = 1;
  std::optional<double> alpha;        // migration strength for closed form
  std::map<std::string, LayerCalibration> layers;

  /// Reads and validates the file's structure; sizes are checked against
  /// the IR by the pass. On failure returns nullopt with `error` naming the
  /// file, the layer and the field.
  static std::optional<Calibration> load(const std::string &path,
                                         std::string &error);
};

} // namespace bwta

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_CALIBRATION_H
