//===- demo_bundle.cpp - bwta-bench-demo: stand-in bundles for bwta-bench -===//
//
// Writes bundles around the naive kernels of demo_kernels.cu (a ternary ×
// binary linear layer, y = x · Wᵀ, f16 in and out) under bwta-bench's naming
// convention, scheme "demo", with constant weights (bwta-bench overwrites
// them with random data in device memory). They exist to check bwta-bench's
// bundle path (sessions, weight overwrite, stream and graph timing) until
// bwta-compile writes real bundles; their speed is not bwta's.
//
//   bwta-bench-demo [--cubin FILE] --out DIR [--m 1,8,64]
//                   [--nk 4096x4096,...] [--chip sm_90] [--check]
//
// (--cubin and --chip default to the cubin the build made next to it.)
//
// --check first runs a small bundle with random weights through the C API
// (plain run and graph replay) against a CPU reference (needs a GPU).
//
//===----------------------------------------------------------------------===//
#include "common.h"

#include "bwta/runtime/Bundle.h"
#include "bwta_runtime.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

using namespace bwta::bench;
using namespace bwta::runtime;
using json = nlohmann::json;

namespace {

struct DemoWeights {
  std::vector<uint32_t> w; // [N][KW]
  std::vector<float> scale, bias;
};

DemoWeights constantWeights(const Shape &s) {
  int64_t kw = (s.k + 31) / 32;
  return {std::vector<uint32_t>(size_t(s.n * kw), 0x55555555u),
          std::vector<float>(size_t(s.n), 0.01f),
          std::vector<float>(size_t(s.n), 0.0f)};
}

std::vector<char> makeBundle(const std::string &cubin, const std::string &chip,
                             const Shape &s, const DemoWeights &weights) {
  int64_t kw = (s.k + 31) / 32;
  BundleWriter writer;
  uint64_t wOffset = writer.addWeight(weights.w.data(), weights.w.size() * 4);
  uint64_t sOffset =
      writer.addWeight(weights.scale.data(), weights.scale.size() * 4);
  uint64_t bOffset =
      writer.addWeight(weights.bias.data(), weights.bias.size() * 4);
  auto ptr = [](const char *name) {
    return json{{"name", name}, {"type", "ptr"}};
  };
  auto i32 = [](const char *name) {
    return json{{"name", name}, {"type", "i32"}};
  };
  json manifest = {
      {"format_version", 1},
      {"producer", "bwta-bench-demo"},
      {"target", {{"chip", chip}}},
      {"inputs", {{{"name", "x"}, {"dtype", "f16"}, {"shape", {s.m, s.k}}}}},
      {"outputs", {{{"name", "y"}, {"dtype", "f16"}, {"shape", {s.m, s.n}}}}},
      {"buffers", {{{"name", "planes"}, {"bytes", 2 * s.m * kw * 4}},
                   {{"name", "sx"}, {"bytes", s.m * 4}}}},
      {"weights",
       {{{"name", "w"}, {"dtype", "u32"}, {"shape", {s.n, kw}},
         {"offset", wOffset}, {"bytes", s.n * kw * 4},
         {"layout", "demo_bits_row_major"}},
        {{"name", "scale"}, {"dtype", "f32"}, {"shape", {s.n}},
         {"offset", sOffset}, {"bytes", s.n * 4}, {"layout", "row_major"}},
        {{"name", "bias"}, {"dtype", "f32"}, {"shape", {s.n}},
         {"offset", bOffset}, {"bytes", s.n * 4}, {"layout", "row_major"}}}},
      {"kernels",
       {{{"name", "demo_quantize_ternary"},
         {"grid", {s.m, 1, 1}},
         {"block", {256, 1, 1}},
         {"shared_bytes", 0},
         {"args", {ptr("x"), ptr("planes"), ptr("sx"), i32("M"), i32("K"),
                   i32("KW")}}},
        {{"name", "demo_binary_linear"},
         {"grid", {(s.n + 7) / 8, s.m, 1}},
         {"block", {256, 1, 1}},
         {"shared_bytes", 0},
         {"args", {ptr("planes"), ptr("w"), ptr("sx"), ptr("sw"), ptr("bias"),
                   ptr("y"), i32("M"), i32("N"), i32("KW")}}}}},
      {"schedule",
       {{{"kernel", "demo_quantize_ternary"},
         {"args", {"x", "planes", "sx", s.m, s.k, kw}}},
        {{"kernel", "demo_binary_linear"},
         {"args", {"planes", "w", "sx", "scale", "bias", "y", s.m, s.n, kw}}}}},
      {"quantization",
       {{"scheme", "demo"},
        {"note", "stand-in kernels of bench/demo_kernels.cu, not bwta's"}}}};
  writer.setManifest(manifest.dump(2));
  writer.setCubin(cubin);
  return writer.build();
}

std::vector<float> reference(const Shape &s, const std::vector<uint16_t> &x,
                             const DemoWeights &weights) {
  int64_t kw = (s.k + 31) / 32;
  std::vector<float> y(size_t(s.m * s.n));
  for (int64_t m = 0; m < s.m; ++m) {
    std::vector<int> t(size_t(s.k));
    double sum = 0, kept = 0, count = 0;
    for (int64_t k = 0; k < s.k; ++k)
      sum += std::fabs(halfToFloat(x[size_t(m * s.k + k)]));
    double delta = 0.7 * sum / double(s.k);
    for (int64_t k = 0; k < s.k; ++k) {
      double v = halfToFloat(x[size_t(m * s.k + k)]);
      t[size_t(k)] = std::fabs(v) > delta ? (v > 0 ? 1 : -1) : 0;
      if (t[size_t(k)])
        kept += std::fabs(v), ++count;
    }
    double alpha = count ? kept / count : 0;
    for (int64_t n = 0; n < s.n; ++n) {
      long dot = 0;
      for (int64_t k = 0; k < s.k; ++k) {
        uint32_t word = weights.w[size_t(n * kw + k / 32)];
        dot += t[size_t(k)] * ((word >> (k % 32)) & 1 ? 1 : -1);
      }
      y[size_t(m * s.n + n)] =
          float(alpha * weights.scale[size_t(n)] * double(dot) +
                weights.bias[size_t(n)]);
    }
  }
  return y;
}

int check(const std::string &cubin, const std::string &chip) {
  Shape s{3, 70, 700}; // N not a multiple of 8, K not of 32
  std::mt19937_64 rng(20261122);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f), positive(0.5f, 2.0f);
  DemoWeights weights = constantWeights(s);
  for (uint32_t &word : weights.w)
    word = uint32_t(rng());
  for (float &v : weights.scale)
    v = positive(rng);
  for (float &v : weights.bias)
    v = uniform(rng);
  std::vector<uint16_t> x(size_t(s.m * s.k));
  for (uint16_t &v : x)
    v = floatToHalf(uniform(rng));
  std::vector<float> ref = reference(s, x, weights);
  std::vector<char> bytes = makeBundle(cubin, chip, s, weights);
  bwta_bundle *bundle = nullptr;
  bwta_session *session = nullptr;
  if (bwta_bundle_open_memory(bytes.data(), bytes.size(), &bundle) != BWTA_OK ||
      bwta_session_create(bundle, 0, &session) != BWTA_OK) {
    std::fprintf(stderr, "check: %s\n", bwta_last_error());
    return 1;
  }
  bwta_bundle_destroy(bundle);
  int bad = 0;
  for (int graph = 0; graph < 2; ++graph) {
    std::vector<uint16_t> y(size_t(s.m * s.n), 0xffff);
    if (bwta_session_set_input(session, "x", x.data(), x.size() * 2) != BWTA_OK ||
        (graph ? bwta_session_run_graph(session) : bwta_session_run(session)) !=
            BWTA_OK ||
        bwta_session_get_output(session, "y", y.data(), y.size() * 2) !=
            BWTA_OK) {
      std::fprintf(stderr, "check: %s\n", bwta_last_error());
      bwta_session_destroy(session);
      return 1;
    }
    int wrong = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      float got = halfToFloat(y[i]);
      if (!(std::fabs(got - ref[i]) <= 2e-3f * std::fabs(ref[i]) + 2e-3f))
        ++wrong;
    }
    std::printf("%s demo bundle %s (%lldx%lldx%lld): %d of %zu outputs differ "
                "from the CPU reference\n",
                wrong ? "FAIL" : "PASS", graph ? "graph replay" : "run",
                (long long)s.m, (long long)s.n, (long long)s.k, wrong, y.size());
    bad += wrong != 0;
  }
  bwta_session_destroy(session);
  return bad ? 1 : 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: bwta-bench-demo --cubin FILE --out DIR [--m LIST] "
               "[--nk LIST] [--chip sm_90] [--check]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  std::string cubinPath, out, chip = "sm_90";
#ifdef BWTA_BENCH_DEMO_CUBIN // the cubin this build made, and its chip
  cubinPath = BWTA_BENCH_DEMO_CUBIN;
  chip = BWTA_BENCH_DEMO_CHIP;
#endif
  std::vector<int64_t> ms = {1, 8, 64};
  std::vector<std::pair<int64_t, int64_t>> nks = {
      {4096, 4096}, {11008, 4096}, {4096, 11008}};
  bool doCheck = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--cubin")
      cubinPath = value();
    else if (arg == "--out")
      out = value();
    else if (arg == "--chip")
      chip = value();
    else if (arg == "--check")
      doCheck = true;
    else if (arg == "--m") {
      if (!parseIntList(value(), ms))
        return usage();
    } else if (arg == "--nk") {
      if (!parseNKList(value(), nks))
        return usage();
    } else
      return usage();
  }
  if (cubinPath.empty())
    return usage();
  std::ifstream stream(cubinPath, std::ios::binary);
  std::string cubin((std::istreambuf_iterator<char>(stream)),
                    std::istreambuf_iterator<char>());
  if (cubin.empty()) {
    std::fprintf(stderr, "bwta-bench-demo: cannot read the cubin '%s'\n",
                 cubinPath.c_str());
    return 1;
  }
  int status = doCheck ? check(cubin, chip) : 0;
  if (out.empty())
    return status;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::fprintf(stderr, "bwta-bench-demo: cannot create '%s': %s\n",
                 out.c_str(), ec.message().c_str());
    return 1;
  }
  for (const auto &[n, k] : nks)
    for (int64_t m : ms) {
      Shape s{m, n, k};
      std::string path = out + "/" + bundleFileName("demo", s), error;
      std::vector<char> bytes = makeBundle(cubin, chip, s, constantWeights(s));
      std::unique_ptr<Bundle> parsed = Bundle::read(bytes, path, error);
      std::ofstream file(path, std::ios::binary);
      if (!parsed || !file.write(bytes.data(), std::streamsize(bytes.size()))) {
        std::fprintf(stderr, "bwta-bench-demo: writing '%s' failed%s%s\n",
                     path.c_str(), error.empty() ? "" : ": ", error.c_str());
        return 1;
      }
      std::printf("wrote %s (%zu bytes)\n", path.c_str(), bytes.size());
    }
  return status;
}
