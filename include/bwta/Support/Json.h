//===- Json.h - reading JSON files without exceptions -----------*- C++ -*-===//
#ifndef BWTA_SUPPORT_JSON_H
#define BWTA_SUPPORT_JSON_H

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace bwta {

/// Reads `path` as a JSON object. On failure returns nullopt and sets
/// `error` to "<what> '<path>': cannot open the file" or "...: not a JSON
/// object". Never throws: bwta is built without exceptions.
std::optional<nlohmann::json> readJsonObject(const std::string &what,
                                             const std::string &path,
                                             std::string &error);

} // namespace bwta

#endif // BWTA_SUPPORT_JSON_H
