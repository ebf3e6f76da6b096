//===- Recipe.cpp - quantization schemes and JSON recipes -----------------===//
#include "bwta/Dialect/BWTA/Transforms/Recipe.h"

#include "bwta/Support/Json.h"

#include <regex>

using namespace bwta;
using json = nlohmann::json;

std::optional<SchemeSpec> SchemeSpec::parse(const std::string &text) {
  SchemeSpec spec;
  if (text == "bwta") {
    spec.kind = Kind::BWTA;
    return spec;
  }
  if (text == "skip")
    return spec;
  static const std::regex pattern("w([1-8])(\\*?)a([1-8])");
  std::smatch match;
  if (!std::regex_match(text, match, pattern))
    return std::nullopt;
  spec.kind = Kind::WeightActivation;
  spec.weightBits = std::stoi(match[1]);
  spec.balancedWeights = match[2].length() == 1;
  spec.activationBits = std::stoi(match[3]);
  return spec;
}

std::string SchemeSpec::str() const {
  switch (kind) {
  case Kind::BWTA:
    return "bwta";
  case Kind::Skip:
    return "skip";
  case Kind::WeightActivation:
    return "w" + std::to_string(weightBits) + (balancedWeights ? "*" : "") +
           "a" + std::to_string(activationBits);
  }
  return "";
}

SchemeSpec QuantRecipe::forLinear(const std::string &weightName) const {
  if (skip.count(weightName))
    return SchemeSpec();
  auto it = layers.find(weightName);
  return it == layers.end() ? linear : it->second;
}

SchemeSpec QuantRecipe::forAttention() const {
  if (attention)
    return *attention;
  // Like the linear layers' activations: ternary for BWTA, aQ otherwise.
  SchemeSpec spec = linear;
  spec.weightBits = spec.activationBits;
  spec.balancedWeights = false;
  return spec;
}

std::optional<QuantRecipe> QuantRecipe::load(const std::string &path,
                                             std::string &error) {
  std::optional<json> file = readJsonObject("recipe", path, error);
  if (!file)
    return std::nullopt;
  const json &root = *file;
  auto fail = [&](const std::string &what) -> std::optional<QuantRecipe> {
    error = "recipe '" + path + "': " + what;
    return std::nullopt;
  };

  auto scheme = [&](const json &value, const std::string &where,
                    SchemeSpec &out) -> bool {
    std::optional<SchemeSpec> spec;
    if (value.is_string())
      spec = SchemeSpec::parse(value.get<std::string>());
    if (!spec) {
      error = "recipe '" + path + "': " + where +
              " must be a scheme name (bwta, skip, wPaQ or wP*aQ), got " +
              value.dump();
      return false;
    }
    out = *spec;
    return true;
  };

  QuantRecipe recipe;
  for (auto &[key, value] : root.items()) {
    if (key == "version") {
      if (!value.is_number_unsigned() || value.get<unsigned>() != 1)
        return fail("\"version\" must be 1, got " + value.dump());
    } else if (key == "default") {
      if (!scheme(value, "\"default\"", recipe.linear))
        return std::nullopt;
    } else if (key == "attention") {
      SchemeSpec spec;
      if (!scheme(value, "\"attention\"", spec))
        return std::nullopt;
      recipe.attention = spec;
    } else if (key == "layers") {
      if (!value.is_object())
        return fail("\"layers\" must map weight names to schemes");
      for (auto &[name, layer] : value.items()) {
        SchemeSpec spec;
        if (!scheme(layer, "\"layers\".\"" + name + "\"", spec))
          return std::nullopt;
        recipe.layers[name] = spec;
      }
    } else if (key == "skip") {
      if (!value.is_array())
        return fail("\"skip\" must be a list of weight names");
      for (const json &name : value) {
        if (!name.is_string())
          return fail("\"skip\" entries must be strings, got " + name.dump());
        recipe.skip.insert(name.get<std::string>());
      }
    } else {
      return fail("unknown field \"" + key +
                  "\" (expected version, default, attention, layers, skip)");
    }
  }
  if (!root.contains("version"))
    return fail("missing \"version\": 1");
  if (!root.contains("default"))
    return fail("missing \"default\" scheme");
  return recipe;
}
