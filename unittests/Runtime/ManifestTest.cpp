//===- ManifestTest.cpp - manifest parsing, one error at a time -----------===//
#include "TestBundle.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

using namespace bwta::runtime;
using bwta::runtime::test::json;
using bwta::runtime::test::TestBundle;

namespace {

constexpr uint64_t kWeightsSize = 384;

std::optional<Manifest> parse(const json &manifest, std::string &error) {
  return parseManifest(manifest.dump(), kWeightsSize, error);
}

TEST(ManifestTest, ReadsEveryField) {
  std::string error;
  std::optional<Manifest> manifest = parse(TestBundle().manifest, error);
  ASSERT_TRUE(manifest) << error;
  EXPECT_EQ(manifest->target.major, 9u);
  EXPECT_EQ(manifest->target.minor, 0u);
  EXPECT_EQ(manifest->target.suffix, 'a');
  ASSERT_EQ(manifest->inputs.size(), 1u);
  EXPECT_EQ(manifest->inputs[0].dtype, DType::F16);
  EXPECT_EQ(manifest->inputs[0].shape, (std::vector<int64_t>{2, 64}));
  EXPECT_EQ(manifest->inputs[0].bytes, 256u);
  EXPECT_EQ(manifest->outputs[0].bytes, 256u);
  EXPECT_EQ(manifest->buffers[0].bytes, 256u);
  EXPECT_EQ(manifest->weights[1].offset, 256u);
  EXPECT_EQ(manifest->weights[1].layout, "row_major");
  ASSERT_EQ(manifest->kernels.size(), 2u);
  EXPECT_EQ(manifest->kernels[1].sharedBytes, 65536u);
  EXPECT_FALSE(manifest->kernels[0].gridDependency);
  EXPECT_TRUE(manifest->kernels[1].gridDependency);
  EXPECT_EQ(manifest->kernels[0].params[3].type, ArgType::I32);

  ASSERT_EQ(manifest->schedule.size(), 2u);
  const LaunchStep &gemm = manifest->schedule[0];
  EXPECT_EQ(gemm.kernel, 0u);
  EXPECT_EQ(gemm.grid, (Dim3{1, 2, 1}));
  EXPECT_EQ(gemm.args[0].kind, LaunchArg::Kind::Input);
  EXPECT_EQ(gemm.args[1].kind, LaunchArg::Kind::Weight);
  EXPECT_EQ(gemm.args[1].index, 0u);
  EXPECT_EQ(gemm.args[2].kind, LaunchArg::Kind::Buffer);
  EXPECT_EQ(gemm.args[3].kind, LaunchArg::Kind::Scalar);
  EXPECT_EQ(gemm.args[3].scalar, 0xfffffffeu); // i32 -2
  const LaunchStep &scale = manifest->schedule[1];
  EXPECT_EQ(scale.grid, (Dim3{8, 1, 1})); // overridden
  EXPECT_EQ(scale.block, (Dim3{64, 1, 1}));
  EXPECT_EQ(scale.sharedBytes, 65536u);
  EXPECT_EQ(scale.args[1].kind, LaunchArg::Kind::Weight);
  EXPECT_EQ(scale.args[1].index, 1u);
  EXPECT_EQ(scale.args[2].kind, LaunchArg::Kind::Output);
  EXPECT_EQ(scale.args[3].scalar, 0x3f000000u); // f32 0.5
  EXPECT_EQ(json::parse(manifest->quantization),
            json::parse(R"({"scheme": "bwta", "group_size": 32})"));
}

TEST(ManifestTest, EncodesScalars) {
  TestBundle test;
  json &kernel = test.manifest["kernels"][0];
  json &step = test.manifest["schedule"][0];
  struct Case {
    const char *type;
    json value;
    uint64_t bits;
  };
  for (const Case &c : std::vector<Case>{
           {"i32", -1, 0xffffffffu},
           {"i32", 2147483647, 0x7fffffffu},
           {"u32", 4294967295u, 0xffffffffu},
           {"i64", -1, ~uint64_t(0)},
           {"u64", 18446744073709551615ull, ~uint64_t(0)},
           {"f32", 1, 0x3f800000u},
           {"f64", -2.0, 0xc000000000000000ull}}) {
    kernel["args"][3]["type"] = c.type;
    step["args"][3] = c.value;
    std::string error;
    std::optional<Manifest> manifest = parse(test.manifest, error);
    ASSERT_TRUE(manifest) << c.type << ": " << error;
    EXPECT_EQ(manifest->schedule[0].args[3].scalar, c.bits) << c.type;
  }
}

struct ErrorCase {
  const char *what;
  std::function<void(json &)> edit;
  std::string message; // the whole error, after "manifest: "
};

// Each case breaks one thing of a valid manifest; the error must say what.
TEST(ManifestTest, ReportsEachError) {
  std::vector<ErrorCase> cases = {
      {"version", [](json &m) { m["format_version"] = 2; },
       "unsupported format_version 2 (this runtime reads 1)"},
      {"no version", [](json &m) { m.erase("format_version"); },
       "top level: missing field 'format_version'"},
      {"version type", [](json &m) { m["format_version"] = "1"; },
       "format_version: expected an unsigned integer, got string"},
      {"unknown field", [](json &m) { m["shedule"] = json::array(); },
       "top level: unknown field 'shedule'"},
      {"producer", [](json &m) { m["producer"] = 7; },
       "producer: expected a string, got number"},
      {"target", [](json &m) { m.erase("target"); },
       "top level: missing field 'target'"},
      {"chip", [](json &m) { m["target"]["chip"] = "gfx90a"; },
       "target.chip: 'gfx90a' is not a GPU chip name like sm_90, sm_90a or "
       "sm_100f"},
      {"inputs type", [](json &m) { m["inputs"] = json::object(); },
       "inputs: expected an array, got object"},
      {"input entry", [](json &m) { m["inputs"][0] = "x"; },
       "inputs[0]: expected an object, got string"},
      {"input dtype", [](json &m) { m["inputs"][0].erase("dtype"); },
       "inputs[0]: missing field 'dtype'"},
      {"unknown dtype", [](json &m) { m["inputs"][0]["dtype"] = "f4"; },
       "inputs[0].dtype: unknown dtype 'f4' (expected f64, f32, f16, bf16, "
       "f8e4m3, f8e5m2, i64, i32, i16, i8, u64, u32, u16, u8 or bool)"},
      {"negative dim", [](json &m) { m["inputs"][0]["shape"][1] = -64; },
       "inputs[0].shape[1]: expected an unsigned integer, got the negative "
       "integer -64"},
      {"float dim", [](json &m) { m["inputs"][0]["shape"][0] = 2.5; },
       "inputs[0].shape[0]: expected an unsigned integer, got number"},
      {"huge shape",
       [](json &m) {
         m["inputs"][0]["shape"] = {4294967296ull, 4294967296ull};
       },
       "inputs[0].shape: the tensor has more than 2^64 bytes"},
      {"empty name", [](json &m) { m["outputs"][0]["name"] = ""; },
       "outputs[0].name: must not be empty"},
      {"control character", [](json &m) { m["outputs"][0]["name"] = "y\n"; },
       "outputs[0].name: contains a control character"},
      {"duplicate name", [](json &m) { m["buffers"][0]["name"] = "x"; },
       "buffers[0].name: 'x' is already declared by inputs[0]"},
      {"buffer bytes", [](json &m) { m["buffers"][0]["bytes"] = -1; },
       "buffers[0].bytes: expected an unsigned integer, got the negative "
       "integer -1"},
      {"weight bytes", [](json &m) { m["weights"][1]["bytes"] = 64; },
       "weights[1] 'scale': 'bytes' is 64 but shape × dtype size is 128"},
      {"weight misaligned", [](json &m) { m["weights"][1]["offset"] = 260; },
       "weights[1] 'scale': offset 260 is not a multiple of 64"},
      {"weight out of range", [](json &m) { m["weights"][1]["offset"] = 320; },
       "weights[1] 'scale': bytes [320, 320 + 128) lie outside the WEIGHTS "
       "section of 384 bytes"},
      {"weight layout", [](json &m) { m["weights"][0].erase("layout"); },
       "weights[0]: missing field 'layout'"},
      {"grid length", [](json &m) { m["kernels"][0]["grid"] = {1, 1}; },
       "kernels[0].grid: expected 3 integers [x, y, z], got 2"},
      {"grid zero", [](json &m) { m["kernels"][0]["grid"][2] = 0; },
       "kernels[0].grid[2]: must be at least 1"},
      {"grid y limit", [](json &m) { m["kernels"][0]["grid"][1] = 65536; },
       "kernels[0].grid[1]: 65536 is larger than 65535"},
      {"block threads", [](json &m) { m["kernels"][0]["block"] = {64, 32, 1}; },
       "kernels[0].block: more than 1024 threads per block"},
      {"shared bytes", [](json &m) { m["kernels"][1]["shared_bytes"] = "64K"; },
       "kernels[1].shared_bytes: expected an unsigned integer, got string"},
      {"grid dependency", [](json &m) { m["kernels"][1]["grid_dependency"] = 1; },
       "kernels[1].grid_dependency: expected a boolean, got number"},
      {"param type",
       [](json &m) { m["kernels"][0]["args"][3]["type"] = "int"; },
       "kernels[0].args[3].type: unknown parameter type 'int' (expected ptr, "
       "i32, u32, i64, u64, f32 or f64)"},
      {"param entry", [](json &m) { m["kernels"][0]["args"][0] = "ptr"; },
       "kernels[0].args[0]: expected an object {\"name\", \"type\"}, got string"},
      {"duplicate kernel", [](json &m) { m["kernels"][1]["name"] = "gemm"; },
       "kernels[1].name: kernel 'gemm' is declared twice"},
      {"unknown kernel", [](json &m) { m["schedule"][1]["kernel"] = "gemv"; },
       "schedule[1].kernel 'gemv' is not a declared kernel"},
      {"argument count", [](json &m) { m["schedule"][0]["args"].erase(3); },
       "schedule[0].args: kernel 'gemm' takes 4 arguments, got 3"},
      {"unknown tensor", [](json &m) { m["schedule"][0]["args"][2] = "tmp2"; },
       "schedule[0].args[2] (ptr parameter 'out'): 'tmp2' is not a declared "
       "input, output, buffer or weight"},
      {"number for ptr", [](json &m) { m["schedule"][0]["args"][0] = 0; },
       "schedule[0].args[0] (ptr parameter 'x'): expected the name of an "
       "input, output, buffer or weight, got number"},
      {"i32 range",
       [](json &m) { m["schedule"][0]["args"][3] = 2147483648ull; },
       "schedule[0].args[3] (i32 parameter 'm'): 2147483648 does not fit in "
       "i32"},
      {"i32 float", [](json &m) { m["schedule"][0]["args"][3] = 1.5; },
       "schedule[0].args[3] (i32 parameter 'm'): expected an integer, got "
       "number"},
      {"f32 string", [](json &m) { m["schedule"][1]["args"][3] = "0.5"; },
       "schedule[1].args[3] (f32 parameter 'a'): expected a number, got "
       "string"},
      {"f32 range", [](json &m) { m["schedule"][1]["args"][3] = 1e39; },
       "schedule[1].args[3] (f32 parameter 'a'): 1e+39 does not fit in f32"},
      {"misspelt override", [](json &m) { m["schedule"][1]["grd"] = {1, 1, 1}; },
       "schedule[1]: unknown field 'grd'"},
      {"override block",
       [](json &m) { m["schedule"][1]["block"] = {2048, 1, 1}; },
       "schedule[1].block[0]: 2048 is larger than 1024"},
      {"output unwritten", [](json &m) { m["schedule"].erase(1); },
       "outputs[0] 'y' is passed to no kernel of the schedule"},
      {"quantization", [](json &m) { m["quantization"] = "bwta"; },
       "quantization: expected an object, got string"},
      {"metadata", [](json &m) { m["metadata"] = json::array(); },
       "metadata: expected an object, got array"},
  };
  for (const ErrorCase &c : cases) {
    json manifest = TestBundle().manifest;
    c.edit(manifest);
    std::string error;
    EXPECT_FALSE(parse(manifest, error)) << c.what;
    EXPECT_EQ(error, "manifest: " + c.message) << c.what;
  }
}

TEST(ManifestTest, IgnoresAStaleErrorString) {
  json manifest = TestBundle().manifest;
  manifest.erase("buffers");
  manifest["schedule"][0]["args"][2] = "y";
  manifest["schedule"][1]["args"][0] = "y";
  std::string error = "left over from an earlier call";
  EXPECT_TRUE(parse(manifest, error)) << error;
}

TEST(ManifestTest, WeightsNeedAWeightsSection) {
  std::string error;
  EXPECT_FALSE(parseManifest(TestBundle().manifest.dump(), std::nullopt, error));
  EXPECT_EQ(error, "manifest: weights[0] 'w': the bundle has no WEIGHTS section");
}

TEST(ManifestTest, RefusesBadJson) {
  std::string error;
  EXPECT_FALSE(parseManifest("{\"format_version\": 1,", kWeightsSize, error));
  EXPECT_EQ(error.rfind("manifest: not valid JSON: ", 0), 0u) << error;
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;

  EXPECT_FALSE(parseManifest("[1, 2]", kWeightsSize, error));
  EXPECT_EQ(error, "manifest: expected a JSON object, got array");

  EXPECT_FALSE(parseManifest("", kWeightsSize, error));
  EXPECT_EQ(error.rfind("manifest: not valid JSON", 0), 0u) << error;

  std::string deep = "{\"quantization\": " + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  EXPECT_FALSE(parseManifest(deep, kWeightsSize, error));
  EXPECT_EQ(error, "manifest: JSON nested deeper than 64 levels");

  EXPECT_FALSE(parseManifest("{\"a\": \"\xff\"}", kWeightsSize, error));
  EXPECT_EQ(error.rfind("manifest: not valid JSON", 0), 0u) << error;
}

// Corrupting the manifest text byte by byte never crashes the parser.
TEST(ManifestTest, CorruptTextNeverCrashes) {
  std::string text = TestBundle().manifest.dump();
  size_t refused = 0;
  for (size_t at = 0; at < text.size(); ++at)
    for (char replacement : {'\0', '"', '}', '9', '-', '\xc3'}) {
      std::string corrupt = text;
      corrupt[at] = replacement;
      std::string error;
      if (!parseManifest(corrupt, kWeightsSize, error)) {
        ++refused;
        EXPECT_EQ(error.rfind("manifest: ", 0), 0u) << error;
      }
    }
  EXPECT_GT(refused, text.size());
}

TEST(ManifestTest, ParsesTargets) {
  std::optional<Target> target = parseTarget("sm_100f");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->major, 10u);
  EXPECT_EQ(target->minor, 0u);
  EXPECT_EQ(target->suffix, 'f');
  target = parseTarget("sm_89");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->major, 8u);
  EXPECT_EQ(target->minor, 9u);
  EXPECT_EQ(target->suffix, 0);
  for (const char *bad : {"", "sm_", "sm_9", "sm_90b", "sm_090", "sm_9x",
                          "sm_1000", "compute_90", "SM_90"})
    EXPECT_FALSE(parseTarget(bad)) << bad;
}

TEST(ManifestTest, ChecksDeviceCompatibility) {
  auto compatible = [](const char *chip, int major, int minor, bool ptx) {
    std::string error;
    return isDeviceCompatible(*parseTarget(chip), major, minor, ptx, error);
  };
  EXPECT_TRUE(compatible("sm_90a", 9, 0, false));
  EXPECT_FALSE(compatible("sm_90a", 10, 0, true)); // 'a' code runs only on 9.0
  EXPECT_FALSE(compatible("sm_90a", 8, 9, true));
  EXPECT_TRUE(compatible("sm_80", 8, 6, false)); // same major, newer minor
  EXPECT_FALSE(compatible("sm_86", 8, 0, true)); // older device
  EXPECT_FALSE(compatible("sm_80", 9, 0, false)); // CUBIN only: same major
  EXPECT_TRUE(compatible("sm_80", 9, 0, true));   // PTX is JIT-compiled
  EXPECT_TRUE(compatible("sm_100f", 10, 3, false));
  EXPECT_FALSE(compatible("sm_100f", 12, 0, true));

  std::string error;
  EXPECT_FALSE(isDeviceCompatible(*parseTarget("sm_100a"), 9, 0, true, error));
  EXPECT_EQ(error, "the bundle targets sm_100a, which runs only on compute "
                   "capability 10.0, but the device has 9.0");
}

} // namespace
