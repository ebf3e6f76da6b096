//===- gpu_smoke.cpp - end-to-end check of the runtime on a real GPU ------===//
//
// Not run by CI (it needs a GPU): see docs/Bundle.md, "GPU smoke test".
// Builds bundles around a hand-written PTX kernel
//   axpy(x, y, out, alpha, n): out[i] = x[i] + alpha * y[i]
// scheduled twice (c = a + 2b - w, through a scratch buffer and a weight),
// and runs them through the C API: PTX JIT, a corrupt CUBIN falling back to
// PTX, a real CUBIN made by ptxas when BWTA_PTXAS names one, plain runs,
// graph replays, a benchmark, and the errors a session must report.
// With DIR given, also writes DIR/axpy.bwtab and its inputs as .npy files.
//
//===----------------------------------------------------------------------===//
#include "bwta_runtime.h"

#include "bwta/runtime/Bundle.h"
#include "bwta/runtime/Npy.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace bwta::runtime;
using json = nlohmann::json;

namespace {

int failures = 0;

void expect(bool ok, const std::string &what) {
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  if (!ok) {
    ++failures;
    std::printf("     last error: %s\n", bwta_last_error());
  }
}

std::string axpyPtx(int major, int minor) {
  std::string isa = major >= 10 ? "8.7" : "8.0";
  return ".version " + isa + "\n.target sm_" + std::to_string(major * 10 + minor) +
         R"(
.address_size 64

.visible .entry axpy(.param .u64 x, .param .u64 y, .param .u64 out,
                     .param .f32 alpha, .param .u32 n)
{
  .reg .pred %p<2>;
  .reg .b32 %r<6>;
  .reg .f32 %f<5>;
  .reg .b64 %rd<11>;
  ld.param.u64 %rd1, [x];
  ld.param.u64 %rd2, [y];
  ld.param.u64 %rd3, [out];
  ld.param.f32 %f1, [alpha];
  ld.param.u32 %r1, [n];
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mov.u32 %r4, %tid.x;
  mad.lo.s32 %r5, %r2, %r3, %r4;
  setp.ge.u32 %p1, %r5, %r1;
  @%p1 bra $L_done;
  cvta.to.global.u64 %rd4, %rd1;
  cvta.to.global.u64 %rd5, %rd2;
  cvta.to.global.u64 %rd6, %rd3;
  mul.wide.u32 %rd7, %r5, 4;
  add.s64 %rd8, %rd4, %rd7;
  add.s64 %rd9, %rd5, %rd7;
  add.s64 %rd10, %rd6, %rd7;
  ld.global.f32 %f2, [%rd8];
  ld.global.f32 %f3, [%rd9];
  fma.rn.f32 %f4, %f1, %f3, %f2;
  st.global.f32 [%rd10], %f4;
$L_done:
  ret;
}
)";
}

constexpr uint32_t kN = 1000; // not a multiple of the block size

struct Case {
  std::string chip;
  std::string cubin, ptx;
  bool dropAlpha = false; // declare 4 parameters instead of the kernel's 5
};

std::vector<char> makeBundle(const Case &c, const std::vector<float> &w) {
  BundleWriter writer;
  uint64_t offset = writer.addWeight(w.data(), w.size() * sizeof(float));
  json params = json::array({{{"name", "x"}, {"type", "ptr"}},
                             {{"name", "y"}, {"type", "ptr"}},
                             {{"name", "out"}, {"type", "ptr"}},
                             {{"name", "alpha"}, {"type", "f32"}},
                             {{"name", "n"}, {"type", "u32"}}});
  json first = {"a", "b", "tmp", 2.0, kN}, second = {"tmp", "w", "c", -1.0, kN};
  if (c.dropAlpha) {
    params.erase(3);
    first.erase(3);
    second.erase(3);
  }
  json manifest = {
      {"format_version", 1},
      {"producer", "bwta gpu_smoke"},
      {"target", {{"chip", c.chip}}},
      {"inputs", {{{"name", "a"}, {"dtype", "f32"}, {"shape", {kN}}},
                  {{"name", "b"}, {"dtype", "f32"}, {"shape", {kN}}}}},
      {"outputs", {{{"name", "c"}, {"dtype", "f32"}, {"shape", {kN}}}}},
      {"buffers", {{{"name", "tmp"}, {"bytes", kN * 4}}}},
      {"weights", {{{"name", "w"}, {"dtype", "f32"}, {"shape", {kN}},
                    {"offset", offset}, {"bytes", kN * 4},
                    {"layout", "row_major"}}}},
      {"kernels", {{{"name", "axpy"}, {"grid", {(kN + 255) / 256, 1, 1}},
                    {"block", {256, 1, 1}}, {"shared_bytes", 0},
                    {"args", params}}}},
      {"schedule", {{{"kernel", "axpy"}, {"args", first}},
                    {{"kernel", "axpy"}, {"args", second},
                     {"grid", {(kN + 127) / 128, 1, 1}}, {"block", {128, 1, 1}}}}},
      {"quantization", {{"scheme", "none"}}}};
  writer.setManifest(manifest.dump(2));
  writer.setCubin(c.cubin);
  writer.setPtx(c.ptx);
  return writer.build();
}

bool resultsMatch(const std::vector<float> &a, const std::vector<float> &b,
                  const std::vector<float> &w, const std::vector<float> &c) {
  for (uint32_t i = 0; i < kN; ++i)
    if (std::fabs(c[i] - (a[i] + 2.0f * b[i] - w[i])) > 1e-5f)
      return false;
  return true;
}

/// Opens, runs (plain and as a graph) and checks one bundle.
void runCase(const std::string &label, const std::vector<char> &bytes,
             const std::vector<float> &w) {
  bwta_bundle *bundle = nullptr;
  expect(bwta_bundle_open_memory(bytes.data(), bytes.size(), &bundle) == BWTA_OK,
         label + ": bundle opens");
  if (!bundle)
    return;
  bwta_session *session = nullptr;
  expect(bwta_session_create(bundle, 0, &session) == BWTA_OK,
         label + ": session created");
  bwta_bundle_destroy(bundle); // the session keeps what it needs
  if (!session)
    return;
  std::vector<float> a(kN), b(kN), c(kN);
  for (uint32_t i = 0; i < kN; ++i) {
    a[i] = float(i) * 0.5f;
    b[i] = 1.0f - float(i % 7);
  }
  expect(bwta_session_run(session) == BWTA_ERROR_INVALID_ARGUMENT,
         label + ": running with unset inputs is refused");
  bool ok = bwta_session_set_input(session, "a", a.data(), kN * 4) == BWTA_OK &&
            bwta_session_set_input(session, "b", b.data(), kN * 4) == BWTA_OK;
  expect(ok, label + ": inputs set");
  expect(bwta_session_set_input(session, "a", a.data(), 4) ==
             BWTA_ERROR_INVALID_ARGUMENT,
         label + ": a wrong input size is refused");
  expect(bwta_session_run(session) == BWTA_OK &&
             bwta_session_get_output(session, "c", c.data(), kN * 4) == BWTA_OK &&
             resultsMatch(a, b, w, c),
         label + ": run gives a + 2b - w");
  for (int replay = 0; replay < 2; ++replay) {
    for (float &value : a)
      value += 1.0f;
    std::fill(c.begin(), c.end(), 0.0f);
    expect(bwta_session_set_input(session, "a", a.data(), kN * 4) == BWTA_OK &&
               bwta_session_run_graph(session) == BWTA_OK &&
               bwta_session_get_output(session, "c", c.data(), kN * 4) == BWTA_OK &&
               resultsMatch(a, b, w, c),
           label + ": graph " + (replay ? "replay" : "capture") +
               " gives a + 2b - w for new inputs");
  }
  // bwta_session_launch enqueues on the caller's stream (here the legacy
  // default stream, which the output copy waits for), plain and as a graph.
  for (int graph = 0; graph < 2; ++graph) {
    for (float &value : a)
      value += 1.0f;
    std::fill(c.begin(), c.end(), 0.0f);
    expect(bwta_session_set_input(session, "a", a.data(), kN * 4) == BWTA_OK &&
               bwta_session_launch(session, nullptr, graph) == BWTA_OK &&
               bwta_session_get_output(session, "c", c.data(), kN * 4) == BWTA_OK &&
               resultsMatch(a, b, w, c),
           label + ": launch on a stream" + (graph ? " as a graph" : "") +
               " gives a + 2b - w");
  }
  float times[20];
  expect(bwta_session_benchmark(session, 3, 20, 1, times) == BWTA_OK &&
             times[0] > 0.0f,
         label + ": benchmark");
  uint64_t address = 0;
  expect(bwta_session_device_pointer(session, "w", &address) == BWTA_OK &&
             address % 64 == 0,
         label + ": weight address is 64-byte aligned");
  bwta_session_destroy(session);
}

/// Creating a session on `bytes` must fail with `status`.
void refuseCase(const std::string &label, const std::vector<char> &bytes,
                bwta_status status) {
  bwta_bundle *bundle = nullptr;
  bwta_session *session = nullptr;
  bool opened =
      bwta_bundle_open_memory(bytes.data(), bytes.size(), &bundle) == BWTA_OK;
  bwta_status got = opened ? bwta_session_create(bundle, 0, &session) : BWTA_OK;
  expect(opened && got == status, label + " (" + bwta_status_name(got) + ")");
  if (opened && got != BWTA_OK)
    std::printf("     message: %s\n", bwta_last_error());
  bwta_session_destroy(session);
  bwta_bundle_destroy(bundle);
}

std::string readFile(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(stream)),
                     std::istreambuf_iterator<char>());
}

} // namespace

int main(int argc, char **argv) {
  int major = 0, minor = 0;
  if (bwta_device_compute_capability(0, &major, &minor) != BWTA_OK) {
    std::printf("FAIL no usable CUDA device: %s\n", bwta_last_error());
    return 1;
  }
  std::string sm = "sm_" + std::to_string(major * 10 + minor);
  std::printf("device 0: compute capability %d.%d\n", major, minor);
  std::vector<float> w(kN);
  for (uint32_t i = 0; i < kN; ++i)
    w[i] = 0.25f * float(i % 11);
  std::string ptx = axpyPtx(major, minor);

  runCase("PTX only", makeBundle({sm, "", ptx}, w), w);
  runCase("corrupt CUBIN, PTX fallback",
          makeBundle({sm, "this is not an ELF file", ptx}, w), w);
  if (const char *ptxas = std::getenv("BWTA_PTXAS")) {
    std::string dir = argc > 1 ? argv[1] : ".";
    std::ofstream(dir + "/axpy.ptx") << ptx;
    std::string command = std::string(ptxas) + " -arch=" + sm + " " + dir +
                          "/axpy.ptx -o " + dir + "/axpy.cubin";
    bool built = std::system(command.c_str()) == 0;
    expect(built, "ptxas builds a CUBIN");
    if (built)
      runCase("CUBIN only", makeBundle({sm, readFile(dir + "/axpy.cubin"), ""}, w),
              w);
  }
  std::string other = major == 9 ? "sm_100a" : "sm_90a";
  refuseCase("a bundle for " + other + " is refused",
             makeBundle({other, "", ptx}, w), BWTA_ERROR_DEVICE);
  refuseCase("a manifest missing a kernel parameter is refused",
             makeBundle({sm, "", ptx, /*dropAlpha=*/true}, w), BWTA_ERROR_CUDA);
  refuseCase("PTX that does not compile is refused",
             makeBundle({sm, "", ptx.substr(0, ptx.size() / 2)}, w),
             BWTA_ERROR_CUDA);

  if (argc > 1) {
    std::string dir = argv[1], error;
    std::vector<float> a(kN), b(kN);
    for (uint32_t i = 0; i < kN; ++i) {
      a[i] = float(i) * 0.5f;
      b[i] = 1.0f - float(i % 7);
    }
    std::vector<char> bytes = makeBundle({sm, "", ptx}, w);
    std::ofstream(dir + "/axpy.bwtab", std::ios::binary)
        .write(bytes.data(), std::streamsize(bytes.size()));
    bool wrote =
        writeNpy(dir + "/a.npy", DType::F32, {kN}, a.data(), kN * 4, error) &&
        writeNpy(dir + "/b.npy", DType::F32, {kN}, b.data(), kN * 4, error) &&
        writeNpy(dir + "/w.npy", DType::F32, {kN}, w.data(), kN * 4, error);
    expect(wrote, "wrote " + dir + "/axpy.bwtab, a.npy, b.npy, w.npy " + error);
  }
  std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "OK", failures);
  return failures ? 1 : 0;
}
