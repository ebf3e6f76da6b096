//===- TestBundle.h - a valid bundle for the runtime tests ------*- C++ -*-===//
#ifndef BWTA_UNITTESTS_RUNTIME_TESTBUNDLE_H
#define BWTA_UNITTESTS_RUNTIME_TESTBUNDLE_H

#include "bwta/runtime/Bundle.h"

#include <nlohmann/json.hpp>

namespace bwta::runtime::test {

using json = nlohmann::json;

/// A bundle image under test: its parts, so tests can change one of them.
struct TestBundle {
  json manifest;
  std::string cubin = std::string("\x7f" "ELF not really a cubin", 23);
  std::string ptx = "// a PTX module\n";
  std::vector<uint32_t> w = std::vector<uint32_t>(64, 0xa5a5a5a5u);
  std::vector<float> scale = std::vector<float>(32, 0.5f);
  bool withWeights = true;

  TestBundle() {
    manifest = json::parse(R"({
      "format_version": 1,
      "producer": "bwta unittest",
      "target": {"chip": "sm_90a"},
      "inputs": [{"name": "x", "dtype": "f16", "shape": [2, 64]}],
      "outputs": [{"name": "y", "dtype": "f32", "shape": [2, 32]}],
      "buffers": [{"name": "tmp", "bytes": 256}],
      "weights": [
        {"name": "w", "dtype": "u32", "shape": [32, 2], "offset": 0,
         "bytes": 256, "layout": "btc_planes"},
        {"name": "scale", "dtype": "f32", "shape": [32], "offset": 256,
         "bytes": 128, "layout": "row_major"}],
      "kernels": [
        {"name": "gemm", "grid": [1, 2, 1], "block": [128, 1, 1],
         "shared_bytes": 0,
         "args": [{"name": "x", "type": "ptr"}, {"name": "w", "type": "ptr"},
                  {"name": "out", "type": "ptr"}, {"name": "m", "type": "i32"}]},
        {"name": "scale", "grid": [4, 1, 1], "block": [64, 1, 1],
         "shared_bytes": 65536, "grid_dependency": true,
         "args": [{"name": "in", "type": "ptr"}, {"name": "s", "type": "ptr"},
                  {"name": "out", "type": "ptr"}, {"name": "a", "type": "f32"}]}],
      "schedule": [
        {"kernel": "gemm", "args": ["x", "w", "tmp", -2]},
        {"kernel": "scale", "args": ["tmp", "scale", "y", 0.5],
         "grid": [8, 1, 1]}],
      "quantization": {"scheme": "bwta", "group_size": 32}
    })");
  }

  std::vector<char> build() const {
    BundleWriter writer;
    writer.setManifest(manifest.dump(2));
    writer.setCubin(cubin);
    writer.setPtx(ptx);
    if (withWeights) {
      writer.addWeight(w.data(), w.size() * sizeof(uint32_t));
      writer.addWeight(scale.data(), scale.size() * sizeof(float));
    }
    return writer.build();
  }
};

} // namespace bwta::runtime::test

#endif // BWTA_UNITTESTS_RUNTIME_TESTBUNDLE_H
