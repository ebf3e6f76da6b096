//===- Json.cpp - reading JSON files without exceptions -------------------===//
#include "bwta/Support/Json.h"

#include <fstream>
#include <sstream>

std::optional<nlohmann::json> bwta::readJsonObject(const std::string &what,
                                                   const std::string &path,
                                                   std::string &error) {
  std::ifstream stream(path);
  if (!stream) {
    error = what + " '" + path + "': cannot open the file";
    return std::nullopt;
  }
  std::stringstream text;
  text << stream.rdbuf();
  nlohmann::json root = nlohmann::json::parse(text.str(), nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    error = what + " '" + path + "': not a JSON object";
    return std::nullopt;
  }
  return root;
}
