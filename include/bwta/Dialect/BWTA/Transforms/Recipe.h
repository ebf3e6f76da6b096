//===- Recipe.h - quantization schemes and JSON recipes ---------*- C++ -*-===//
//
// What `bwta-quantize` does to each layer: a scheme name per layer ("bwta",
// "w4a4", "w2*a8", "skip", ...) from pass options or a JSON recipe.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_DIALECT_BWTA_TRANSFORMS_RECIPE_H
#define BWTA_DIALECT_BWTA_TRANSFORMS_RECIPE_H

#include <map>
#include <optional>
#include <set>
#include <string>

namespace bwta {

/// A parsed scheme name.
struct SchemeSpec {
  enum class Kind { BWTA, WeightActivation, Skip };
  Kind kind = Kind::Skip;
  unsigned weightBits = 0, activationBits = 0;
  bool balancedWeights = false; // the `*` of w2*a8

  /// "bwta", "skip", "wPaQ" or "wP*aQ" with P, Q in 1..8; nullopt otherwise.
  static std::optional<SchemeSpec> parse(const std::string &text);
  std::string str() const;
};

/// Per-layer schemes, keyed by the weight name of a linear layer.
struct QuantRecipe {
  SchemeSpec linear;                      // layers not listed
  std::optional<SchemeSpec> attention;    // unset: derived from `linear`
  std::map<std::string, SchemeSpec> layers;
  std::set<std::string> skip;

  /// Scheme of the linear layer whose weight is `weightName` (may be "").
  SchemeSpec forLinear(const std::string &weightName) const;
  /// Scheme of attention matmuls (both operands are activations).
  SchemeSpec forAttention() const;

  /// Reads a recipe (docs/Passes.md, "Recipe files"); on failure returns
  /// nullopt with `error` naming the file and the field.
  static std::optional<QuantRecipe> load(const std::string &path,
                                         std::string &error);
};

} // namespace bwta

#endif // BWTA_DIALECT_BWTA_TRANSFORMS_RECIPE_H
