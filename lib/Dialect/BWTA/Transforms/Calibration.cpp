//===- Calibration.cpp - calibration data for distribution correction -----===//
#include "bwta/Dialect/BWTA/Transforms/Calibration.h"

#include "bwta/Support/Json.h"

#include <cmath>

using namespace bwta;
using json = nlohmann::json;

std::optional<Calibration> Calibration::load(const std::string &path,
                                             std::string &error) {
  std::optional<json> file = readJsonObject("calibration", path, error);
  if (!file)
    return std::nullopt;
  const json &root = *file;
  auto fail = [&](const std::string &what) -> std::optional<Calibration> {
    error = "calibration '" + path + "': " + what;
    return std::nullopt;
  };
  auto version = root.find("version");
  if (version == root.end() || !version->is_number_unsigned() ||
      version->get<unsigned>() != kVersion)
    return fail("\"version\" must be " + std::to_string(kVersion));

  Calibration calibration;
  for (auto &[key, value] : root.items()) {
    if (key == "version")
      continue;
    if (key == "alpha") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1)
        return fail("\"alpha\" must be a number in [0, 1], got " + value.dump());
      calibration.alpha = value.get<double>();
      continue;
    }
    if (key != "layers")
      return fail("unknown field \"" + key + "\" (expected version, alpha, layers)");
    if (!value.is_object())
      return fail("\"layers\" must map weight names to layer entries");
    for (auto &[name, entry] : value.items()) {
      std::string where = "layer '" + name + "'";
      if (!entry.is_object())
        return fail(where + ": entry must be an object");
      LayerCalibration layer;
      // Reads a list of finite numbers; `positive` for smoothing scales.
      auto vector = [&](const json &list, const std::string &field,
                        std::vector<float> &out, bool positive) -> bool {
        if (!list.is_array()) {
          error = "calibration '" + path + "': " + where + ": \"" + field +
                  "\" must be a list of numbers";
          return false;
        }
        for (size_t i = 0; i < list.size(); ++i) {
          const json &number = list[i];
          double v = number.is_number() ? number.get<double>() : NAN;
          if (!std::isfinite(v) || (positive && !(v > 0))) {
            error = "calibration '" + path + "': " + where + ": \"" + field +
                    "\"[" + std::to_string(i) + "] must be a finite" +
                    (positive ? " positive" : "") + " number, got " + number.dump();
            return false;
          }
          out.push_back(static_cast<float>(v));
        }
        return true;
      };
      for (auto &[field, list] : entry.items()) {
        bool ok;
        if (field == "smooth")
          ok = vector(list, field, layer.smooth, /*positive=*/true);
        else if (field == "shift")
          ok = vector(list, field, layer.shift, false);
        else if (field == "act_max")
          ok = vector(list, field, layer.actMax, false);
        else if (field == "bias_correction")
          ok = vector(list, field, layer.biasCorrection, false);
        else if (field == "rank1") {
          if (!list.is_object() || !list.contains("a") || !list.contains("b") ||
              list.size() != 2)
            return fail(where + ": \"rank1\" must be {\"a\": [N numbers], \"b\": [K numbers]}");
          ok = vector(list["a"], "rank1.a", layer.rank1A, false) &&
               vector(list["b"], "rank1.b", layer.rank1B, false);
        } else
          return fail(where + ": unknown field \"" + field +
                      "\" (expected smooth, shift, act_max, rank1, bias_correction)");
        if (!ok)
          return std::nullopt;
      }
      calibration.layers[name] = std::move(layer);
    }
  }
  return calibration;
}
