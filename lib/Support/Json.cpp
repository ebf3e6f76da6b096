//===- Json.cpp - reading JSON files without exceptions -------------------===//
#include "bwta/Support/Json.h"
#include "bwta/Support/FileIO.h"


std::optional<nlohmann::json> bwta::readJsonObject(const std::string &what,
                                                   const std::string &path,
                                                   std::string &error) {
  std::vector<char> text;
  if (!readWholeFile(path, text)) {
    error = what + " '" + path + "': cannot open the file";
    return std::nullopt;
  }
  nlohmann::json root = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                              /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    error = what + " '" + path + "': not a JSON object";
    return std::nullopt;
  }
  return root;
}
