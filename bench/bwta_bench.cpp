//===- bwta_bench.cpp - bwta-bench: bwta bundles vs cuBLAS FP16 and INT8 --===//
//
// Times, for each M × N × K linear layer y = x · Wᵀ (x [M, K], W [N, K]):
//
//   fp16  cublasGemmEx, f16 inputs and output, f32 accumulation
//         (CUBLAS_COMPUTE_32F), default algorithm;
//   int8  cublasLtMatmul, s8 × s8 → s32 (CUBLAS_COMPUTE_32I; --int8-out s8:
//         s8 output with an f32 scale), "TN" (W transposed, x not, both
//         K-contiguous), the fastest of the heuristic's candidates;
//   ours  one whole run of a .bwtab bundle's schedule (activation quantize,
//         pack, GEMM, epilogue: packing included), as stream launches and as
//         CUDA-graph replays.
//
// Every operand gets fresh random data. Each side rotates over enough copies
// that their weights total more than --rotate-mib (default 512 MiB, the H200
// has 60 MB of L2), so every timed launch finds its weights cold in L2:
// baselines rotate whole (x, W, y) sets, bundles whole sessions (each has its
// own x, y, buffers and weights; the bundle's weights are overwritten with
// random data in device memory). Timing (--timing): "each" records CUDA
// events around every launch and waits for it (the launch starts on an idle
// GPU, so its launch latency counts, as in bench/RESULTS.md); "batch" records
// events around --batch back-to-back launches and divides. Medians of
// --iters timed launches after --warmup untimed ones. bench/README.md says
// how to build and run it.
//
//===----------------------------------------------------------------------===//
#include "common.h"
#include "fill.h"

#include "bwta/runtime/Bundle.h"
#include "bwta_runtime.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>

using namespace bwta::bench;
using namespace bwta::runtime;
using json = nlohmann::json;

namespace {

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

struct Options {
  std::vector<int64_t> ms = {1, 8, 64, 512, 2048, 8192};
  std::vector<std::pair<int64_t, int64_t>> nks = {
      {4096, 4096}, {11008, 4096}, {4096, 11008}};
  bool shapesGiven = false;
  std::vector<std::string> schemes; // empty: every scheme found
  std::vector<std::string> bundleFiles;
  std::string bundleDir;
  bool fp16 = true, int8 = true;
  int warmup = 20, iters = 200, batch = 50;
  double rotateMiB = 512;
  bool timeEach = true, timeBatch = true;
  int spinupMs = 500;
  bool int8S32 = true;
  int int8Algos = 8;
  std::string jsonPath;
  int device = 0;
  uint64_t seed = 0;
  bool check = true;
  int maxSessions = 4096;
};

const char *const kUsage = R"(usage: bwta-bench [options]

Shapes (default: every M × every N×K):
  --m LIST              M values (default 1,8,64,512,2048,8192)
  --nk LIST             NxK pairs (default 4096x4096,11008x4096,4096x11008)
Our bundles (none: baselines only):
  --bundle-dir DIR      bundles named bwta_<scheme>_M<m>_N<n>_K<k>.bwtab
  --schemes LIST        only these schemes from --bundle-dir (default: all)
  --bundle FILE         one bundle (repeatable); its shape comes from its
                        manifest (x [M, K] in, y [M, N] out); without --m/--nk
                        only the bundles' shapes are run
Baselines:
  --baselines LIST      fp16,int8 (default), fp16, int8 or none
  --int8-out s32|s8     cuBLASLt INT8 output type (default s32)
  --int8-algos N        heuristic candidates timed to pick the fastest (8)
Timing:
  --timing each|batch|both   events around each launch, around --batch
                        back-to-back launches, or both (default)
  --iters N             timed launches (200); --warmup N untimed (20)
  --batch N             launches per batch (50)
  --rotate-mib X        weights rotated per side (512 MiB; keep > 2 × L2;
                        0: one copy, weights stay warm in L2)
  --max-sessions N      cap on sessions per bundle (4096)
  --spinup-ms N         FP16 GEMMs for this long first, so the clocks are up
                        (500; 0: none)
Other:
  --json FILE           write every number (and the method) as JSON
  --device N            CUDA device (0)
  --seed N              random seed (default: from the clock; printed)
  --no-check            skip the layout checks of the baselines and the
                        output checks of the bundles
)";

bool parseOptions(int argc, char **argv, Options &o) {
  auto fail = [](const std::string &message) {
    std::fprintf(stderr, "bwta-bench: %s\n\n%s", message.c_str(), kUsage);
    return false;
  };
  o.seed = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg == "--no-check") {
      o.check = false;
      continue;
    }
    if (i + 1 >= argc)
      return fail("missing value after " + arg);
    std::string value = argv[++i];
    // Integer options: positive, or also 0 where allowed.
    struct IntOption {
      const char *name;
      int *target;
      bool zeroOk;
    };
    const IntOption intOptions[] = {
        {"--int8-algos", &o.int8Algos, false}, {"--iters", &o.iters, false},
        {"--warmup", &o.warmup, true},         {"--batch", &o.batch, false},
        {"--spinup-ms", &o.spinupMs, true},    {"--max-sessions", &o.maxSessions, false},
        {"--device", &o.device, true}};
    const IntOption *intOption = nullptr;
    for (const IntOption &option : intOptions)
      if (arg == option.name)
        intOption = &option;
    if (intOption) {
      char *stop = nullptr;
      long long number = std::strtoll(value.c_str(), &stop, 10);
      if (value.empty() || *stop || number < (intOption->zeroOk ? 0 : 1) ||
          number > INT32_MAX)
        return fail("bad " + arg + " '" + value + "'");
      *intOption->target = int(number);
      continue;
    }
    if (arg == "--m") {
      if (!parseIntList(value, o.ms))
        return fail("bad --m list '" + value + "'");
      o.shapesGiven = true;
    } else if (arg == "--nk") {
      if (!parseNKList(value, o.nks))
        return fail("bad --nk list '" + value + "' (e.g. 4096x4096,11008x4096)");
      o.shapesGiven = true;
    } else if (arg == "--schemes") {
      o.schemes = splitList(value);
    } else if (arg == "--bundle") {
      o.bundleFiles.push_back(value);
    } else if (arg == "--bundle-dir") {
      o.bundleDir = value;
    } else if (arg == "--baselines") {
      o.fp16 = o.int8 = false;
      for (const std::string &name : splitList(value)) {
        if (name == "fp16")
          o.fp16 = true;
        else if (name == "int8")
          o.int8 = true;
        else if (name != "none")
          return fail("unknown baseline '" + name + "'");
      }
    } else if (arg == "--int8-out") {
      if (value != "s32" && value != "s8")
        return fail("--int8-out takes s32 or s8");
      o.int8S32 = value == "s32";
    } else if (arg == "--timing") {
      o.timeEach = value == "each" || value == "both";
      o.timeBatch = value == "batch" || value == "both";
      if (!o.timeEach && !o.timeBatch)
        return fail("--timing takes each, batch or both");
    } else if (arg == "--rotate-mib") {
      char *end = nullptr;
      o.rotateMiB = std::strtod(value.c_str(), &end);
      if (*end || !(o.rotateMiB >= 0))
        return fail("bad --rotate-mib");
    } else if (arg == "--json") {
      o.jsonPath = value;
    } else if (arg == "--seed") {
      char *end = nullptr;
      o.seed = std::strtoull(value.c_str(), &end, 0);
      if (*end)
        return fail("bad --seed");
    } else {
      return fail("unknown option " + arg);
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// CUDA helpers
//===----------------------------------------------------------------------===//

/// Returns false with `error` = "<what>: <name> (<description>)" when
/// `call` does not give `ok`.
#define BENCH_TRY(call, what, ok, name, describe)                              \
  do {                                                                         \
    auto result_ = (call);                                                     \
    if (result_ != (ok)) {                                                     \
      error = std::string(what) + ": " + name(result_) + " (" +                \
              describe(result_) + ")";                                         \
      return false;                                                            \
    }                                                                          \
  } while (0)
#define CUDA_TRY(call, what)                                                   \
  BENCH_TRY(call, what, cudaSuccess, cudaGetErrorName, cudaGetErrorString)
#define CUBLAS_TRY(call, what)                                                 \
  BENCH_TRY(call, what, CUBLAS_STATUS_SUCCESS, cublasGetStatusName,            \
            cublasGetStatusString)

/// Device allocations freed together.
class DeviceMemory {
public:
  DeviceMemory() = default;
  DeviceMemory(const DeviceMemory &) = delete;
  DeviceMemory &operator=(const DeviceMemory &) = delete;
  ~DeviceMemory() {
    for (void *ptr : ptrs)
      cudaFree(ptr);
  }
  bool allocate(size_t bytes, void *&ptr, std::string &error) {
    ptr = nullptr;
    cudaError_t result = cudaMalloc(&ptr, std::max<size_t>(bytes, 1));
    if (result != cudaSuccess) {
      size_t freeBytes = 0, total = 0;
      cudaMemGetInfo(&freeBytes, &total);
      error = "cudaMalloc of " + std::to_string(bytes) + " bytes failed (" +
              cudaGetErrorString(result) + "; " +
              std::to_string(freeBytes >> 20) + " MiB free): lower --rotate-mib?";
      return false;
    }
    ptrs.push_back(ptr);
    return true;
  }

private:
  std::vector<void *> ptrs;
};

class Events {
public:
  Events() {
    cudaEventCreate(&start);
    cudaEventCreate(&stop);
  }
  ~Events() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  cudaEvent_t start = nullptr, stop = nullptr;
};

struct Context {
  Options options;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  cublasLtHandle_t lt = nullptr;
  void *workspace = nullptr;
  size_t workspaceBytes = 32u << 20;
  uint64_t seedCounter = 0;
  size_t l2Bytes = 0;

  uint64_t nextSeed() {
    return options.seed * 0x100000001b3ull + ++seedCounter * 0x9e3779b97f4a7c15ull;
  }
  size_t rotateBytes() const { return size_t(options.rotateMiB * 1048576.0); }
  /// Copies of `bytes` of weights so that together they exceed the rotation
  /// size (at least 2, so no two consecutive launches share weights; 1 with
  /// --rotate-mib 0, to see what a warm L2 gives).
  size_t copiesFor(size_t bytes) const {
    if (rotateBytes() == 0)
      return 1;
    if (bytes == 0)
      return 2;
    return std::max<size_t>(2, rotateBytes() / bytes + 1);
  }
};

/// Fills `bytes` at `ptr`, of element type `dtype`: floats uniform in
/// [lo, hi), integers random bits, booleans 0/1, f8 in [1, 2).
bool fillTensor(Context &ctx, void *ptr, DType dtype, size_t bytes, float lo,
                float hi, std::string &error) {
  size_t count = bytes / std::max<size_t>(1, getDTypeSize(dtype));
  uint64_t seed = ctx.nextSeed();
  cudaError_t result;
  switch (dtype) {
  case DType::F32: result = fillUniformF32(ptr, count, lo, hi, seed, ctx.stream); break;
  case DType::F64: result = fillUniformF64(ptr, count, lo, hi, seed, ctx.stream); break;
  case DType::F16: result = fillUniformF16(ptr, count, lo, hi, seed, ctx.stream); break;
  case DType::BF16: result = fillUniformBF16(ptr, count, lo, hi, seed, ctx.stream); break;
  case DType::F8E4M3: result = fillF8(ptr, count, true, seed, ctx.stream); break;
  case DType::F8E5M2: result = fillF8(ptr, count, false, seed, ctx.stream); break;
  case DType::Bool: result = fillBool(ptr, count, seed, ctx.stream); break;
  default: result = fillBits(ptr, bytes, seed, ctx.stream); break;
  }
  CUDA_TRY(result, "filling a buffer with random data");
  return true;
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

struct Stats {
  double median = NAN, min = NAN, mean = NAN, p10 = NAN, p90 = NAN;
  int runs = 0;
  bool valid() const { return runs > 0; }
};

Stats summarize(std::vector<double> us) {
  Stats s;
  if (us.empty())
    return s;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    double pos = q * double(us.size() - 1);
    size_t lo = size_t(pos);
    size_t hi = std::min(lo + 1, us.size() - 1);
    return us[lo] + (us[hi] - us[lo]) * (pos - double(lo));
  };
  s.median = at(0.5);
  s.p10 = at(0.1);
  s.p90 = at(0.9);
  s.min = us.front();
  double sum = 0;
  for (double v : us)
    sum += v;
  s.mean = sum / double(us.size());
  s.runs = int(us.size());
  return s;
}

json toJson(const Stats &s) {
  if (!s.valid())
    return nullptr;
  return {{"median_us", s.median}, {"min_us", s.min}, {"mean_us", s.mean},
          {"p10_us", s.p10},       {"p90_us", s.p90}, {"runs", s.runs}};
}

/// Enqueues one launch on copy `copy` of the operands.
using Launch = std::function<bool(size_t copy, std::string &error)>;

struct Timed {
  Stats each, batch;
};

/// Times `launch` rotating over `copies` as the options say.
bool timeLaunches(Context &ctx, size_t copies, const Launch &launch,
                  Timed &timed, std::string &error, int iters = -1,
                  int warmup = -1, bool onlyEach = false) {
  const Options &o = ctx.options;
  if (iters < 0)
    iters = o.iters;
  if (warmup < 0)
    warmup = o.warmup;
  size_t next = 0;
  for (int i = 0; i < warmup; ++i)
    if (!launch(next++ % copies, error))
      return false;
  CUDA_TRY(cudaStreamSynchronize(ctx.stream), "the warm-up launches");
  // `samples` times: events around `perSample` launches, divided.
  Events events;
  auto measure = [&](int samples, int perSample, Stats &stats) {
    std::vector<double> us;
    for (int i = 0; i < samples; ++i) {
      CUDA_TRY(cudaEventRecord(events.start, ctx.stream), "cudaEventRecord");
      for (int r = 0; r < perSample; ++r)
        if (!launch(next++ % copies, error))
          return false;
      CUDA_TRY(cudaEventRecord(events.stop, ctx.stream), "cudaEventRecord");
      CUDA_TRY(cudaEventSynchronize(events.stop), "the timed launches");
      float ms = 0;
      CUDA_TRY(cudaEventElapsedTime(&ms, events.start, events.stop),
               "cudaEventElapsedTime");
      us.push_back(double(ms) * 1000.0 / perSample);
    }
    stats = summarize(us);
    return true;
  };
  if ((o.timeEach || onlyEach) && !measure(iters, 1, timed.each))
    return false;
  if (o.timeBatch && !onlyEach &&
      !measure(std::max(5, (iters + o.batch - 1) / o.batch), o.batch,
               timed.batch))
    return false;
  return true;
}

json toJson(const Timed &t) {
  json j = json::object();
  if (t.each.valid())
    j["each"] = toJson(t.each);
  if (t.batch.valid())
    j["batch"] = toJson(t.batch);
  return j;
}

/// The positions (m, n) the layout checks look at.
std::vector<std::pair<int64_t, int64_t>> checkPoints(const Shape &s) {
  return {{0, 0}, {s.m - 1, s.n - 1}, {s.m / 2, s.n / 3}, {s.m - 1, 0}};
}

//===----------------------------------------------------------------------===//
// Baselines
//===----------------------------------------------------------------------===//

struct BaselineResult {
  bool ran = false;
  std::string unsupported; // why not, if it did not run
  Timed timed;
  json info = json::object();
};

/// Copies of a baseline's operands, rotated over: x and W random (floats
/// uniform in [-1, 1)), y poisoned; enough copies for the rotation size.
struct Operands {
  DeviceMemory memory;
  std::vector<void *> x, w, y;

  bool make(Context &ctx, size_t xBytes, size_t wBytes, size_t yBytes,
            DType dtype, std::string &error) {
    size_t copies = ctx.copiesFor(wBytes);
    x.assign(copies, nullptr);
    w.assign(copies, nullptr);
    y.assign(copies, nullptr);
    for (size_t c = 0; c < copies; ++c) {
      if (!memory.allocate(xBytes, x[c], error) ||
          !memory.allocate(wBytes, w[c], error) ||
          !memory.allocate(yBytes, y[c], error) ||
          !fillTensor(ctx, x[c], dtype, xBytes, -1.0f, 1.0f, error) ||
          !fillTensor(ctx, w[c], dtype, wBytes, -1.0f, 1.0f, error))
        return false;
      CUDA_TRY(cudaMemsetAsync(y[c], 0xff, yBytes, ctx.stream), "poisoning y");
    }
    return true;
  }
};

/// cuBLAS FP16: C = X·Wᵀ as Cᵀ[N, M] = W[N, K] · Xᵀ in cuBLAS's column-major
/// view (W op T, X op N, both with leading dimension K).
bool benchFp16(Context &ctx, const Shape &s, BaselineResult &out,
               std::string &error) {
  size_t xBytes = size_t(s.m * s.k) * 2, wBytes = size_t(s.n * s.k) * 2,
         yBytes = size_t(s.m * s.n) * 2;
  Operands ops;
  if (!ops.make(ctx, xBytes, wBytes, yBytes, DType::F16, error))
    return false;
  size_t copies = ops.x.size();
  const std::vector<void *> &x = ops.x, &w = ops.w, &y = ops.y;
  const float alpha = 1.0f, beta = 0.0f;
  Launch launch = [&](size_t c, std::string &error) {
    CUBLAS_TRY(cublasGemmEx(ctx.blas, CUBLAS_OP_T, CUBLAS_OP_N, int(s.n),
                            int(s.m), int(s.k), &alpha, w[c], CUDA_R_16F,
                            int(s.k), x[c], CUDA_R_16F, int(s.k), &beta, y[c],
                            CUDA_R_16F, int(s.n), CUBLAS_COMPUTE_32F,
                            CUBLAS_GEMM_DEFAULT),
               "cublasGemmEx");
    return true;
  };
  if (ctx.options.check) {
    if (!launch(0, error))
      return false;
    CUDA_TRY(cudaStreamSynchronize(ctx.stream), "the FP16 check launch");
    double worst = 0;
    for (auto [m, n] : checkPoints(s)) {
      std::vector<uint16_t> xr(size_t(s.k)), wr(size_t(s.k));
      uint16_t yv = 0;
      CUDA_TRY(cudaMemcpy(xr.data(), static_cast<char *>(x[0]) + m * s.k * 2,
                          size_t(s.k) * 2, cudaMemcpyDeviceToHost),
               "reading x");
      CUDA_TRY(cudaMemcpy(wr.data(), static_cast<char *>(w[0]) + n * s.k * 2,
                          size_t(s.k) * 2, cudaMemcpyDeviceToHost),
               "reading W");
      CUDA_TRY(cudaMemcpy(&yv, static_cast<char *>(y[0]) + (m * s.n + n) * 2, 2,
                          cudaMemcpyDeviceToHost),
               "reading y");
      double ref = 0, mag = 0;
      for (int64_t k = 0; k < s.k; ++k) {
        double p = double(halfToFloat(xr[size_t(k)])) * halfToFloat(wr[size_t(k)]);
        ref += p;
        mag += std::fabs(p);
      }
      double got = halfToFloat(yv), diff = std::fabs(got - ref);
      worst = std::max(worst, diff / (std::fabs(ref) + 1e-3 * mag));
      if (!(diff <= 2e-3 * std::fabs(ref) + 1e-4 * mag)) {
        error = "FP16 layout check failed at y[" + std::to_string(m) + ", " +
                std::to_string(n) + "]: got " + std::to_string(got) +
                ", x·Wᵀ is " + std::to_string(ref);
        return false;
      }
    }
    out.info["check"] = "y = x·Wᵀ at 4 points (f64 reference), worst relative "
                        "error " + std::to_string(worst);
  }
  if (!timeLaunches(ctx, copies, launch, out.timed, error))
    return false;
  out.ran = true;
  out.info["copies"] = copies;
  out.info["rotated_mib"] = double(copies * (xBytes + wBytes + yBytes)) / 1048576.0;
  out.info["weights_rotated_mib"] = double(copies * wBytes) / 1048576.0;
  return true;
}

/// RAII for the cuBLASLt descriptors.
struct LtDescriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~LtDescriptors() {
    if (pref)
      cublasLtMatmulPreferenceDestroy(pref);
    if (c)
      cublasLtMatrixLayoutDestroy(c);
    if (b)
      cublasLtMatrixLayoutDestroy(b);
    if (a)
      cublasLtMatrixLayoutDestroy(a);
    if (op)
      cublasLtMatmulDescDestroy(op);
  }
};

/// cuBLASLt INT8, "TN": A = W (s8, K × N column-major, op T), B = X (s8,
/// K × M column-major, op N), C = D = Yᵀ (N × M column-major = y [M, N]
/// row-major), s32 with an s32 scale, or s8 with an f32 scale.
bool benchInt8(Context &ctx, const Shape &s, BaselineResult &out,
               std::string &error) {
  bool s32 = ctx.options.int8S32;
  size_t xBytes = size_t(s.m * s.k), wBytes = size_t(s.n * s.k),
         yBytes = size_t(s.m * s.n) * (s32 ? 4 : 1);
  LtDescriptors d;
  cudaDataType_t cType = s32 ? CUDA_R_32I : CUDA_R_8I;
  CUBLAS_TRY(cublasLtMatmulDescCreate(&d.op, CUBLAS_COMPUTE_32I,
                                      s32 ? CUDA_R_32I : CUDA_R_32F),
             "cublasLtMatmulDescCreate");
  cublasOperation_t opT = CUBLAS_OP_T, opN = CUBLAS_OP_N;
  CUBLAS_TRY(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA,
                                            &opT, sizeof(opT)),
             "setting TRANSA");
  CUBLAS_TRY(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB,
                                            &opN, sizeof(opN)),
             "setting TRANSB");
  CUBLAS_TRY(cublasLtMatrixLayoutCreate(&d.a, CUDA_R_8I, uint64_t(s.k),
                                        uint64_t(s.n), int64_t(s.k)),
             "layout of W");
  CUBLAS_TRY(cublasLtMatrixLayoutCreate(&d.b, CUDA_R_8I, uint64_t(s.k),
                                        uint64_t(s.m), int64_t(s.k)),
             "layout of x");
  CUBLAS_TRY(cublasLtMatrixLayoutCreate(&d.c, cType, uint64_t(s.n),
                                        uint64_t(s.m), int64_t(s.n)),
             "layout of y");
  CUBLAS_TRY(cublasLtMatmulPreferenceCreate(&d.pref),
             "cublasLtMatmulPreferenceCreate");
  CUBLAS_TRY(cublasLtMatmulPreferenceSetAttribute(
                 d.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                 &ctx.workspaceBytes, sizeof(ctx.workspaceBytes)),
             "setting the workspace size");
  int wanted = std::max(1, ctx.options.int8Algos), found = 0;
  std::vector<cublasLtMatmulHeuristicResult_t> heuristics(static_cast<size_t>(wanted));
  cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      ctx.lt, d.op, d.a, d.b, d.c, d.c, d.pref, wanted, heuristics.data(),
      &found);
  std::vector<cublasLtMatmulAlgo_t> algos;
  for (int i = 0; status == CUBLAS_STATUS_SUCCESS && i < found; ++i)
    if (heuristics[size_t(i)].state == CUBLAS_STATUS_SUCCESS &&
        heuristics[size_t(i)].workspaceSize <= ctx.workspaceBytes)
      algos.push_back(heuristics[size_t(i)].algo);
  if (algos.empty()) {
    out.unsupported = std::string("cuBLASLt has no INT8 algorithm for this "
                                  "shape (heuristic: ") +
                      cublasGetStatusName(status) + ", " +
                      std::to_string(found) + " candidates)";
    return true;
  }

  Operands ops;
  if (!ops.make(ctx, xBytes, wBytes, yBytes, DType::I8, error))
    return false;
  size_t copies = ops.x.size();
  const std::vector<void *> &x = ops.x, &w = ops.w, &y = ops.y;
  // s8 output: scale the s32 sums (about 74² · √K for random bytes) into range.
  const int32_t alphaI = 1, betaI = 0;
  const float alphaF = float(1.0 / (74.0 * 74.0 * std::sqrt(double(s.k)) / 32.0)),
              betaF = 0.0f;
  const void *alpha = s32 ? static_cast<const void *>(&alphaI) : &alphaF;
  const void *beta = s32 ? static_cast<const void *>(&betaI) : &betaF;
  size_t chosen = 0;
  Launch launch = [&](size_t c, std::string &error) {
    CUBLAS_TRY(cublasLtMatmul(ctx.lt, d.op, alpha, w[c], d.a, x[c], d.b, beta,
                              y[c], d.c, y[c], d.c, &algos[chosen],
                              ctx.workspace, ctx.workspaceBytes, ctx.stream),
               "cublasLtMatmul");
    return true;
  };
  // The fastest candidate, by a short timing of each.
  std::vector<double> candidateUs;
  for (size_t i = 0; i < algos.size(); ++i) {
    chosen = i;
    Timed probe;
    std::string probeError;
    if (timeLaunches(ctx, copies, launch, probe, probeError, 20, 3, true))
      candidateUs.push_back(probe.each.median);
    else
      candidateUs.push_back(INFINITY);
    cudaGetLastError();
  }
  chosen = size_t(std::min_element(candidateUs.begin(), candidateUs.end()) -
                  candidateUs.begin());
  if (std::isinf(candidateUs[chosen])) {
    out.unsupported = "every cuBLASLt INT8 candidate failed to run";
    return true;
  }
  if (ctx.options.check) {
    if (!launch(0, error))
      return false;
    CUDA_TRY(cudaStreamSynchronize(ctx.stream), "the INT8 check launch");
    for (auto [m, n] : checkPoints(s)) {
      std::vector<int8_t> xr(size_t(s.k)), wr(size_t(s.k));
      int32_t got = 0;
      CUDA_TRY(cudaMemcpy(xr.data(), static_cast<char *>(x[0]) + m * s.k,
                          size_t(s.k), cudaMemcpyDeviceToHost),
               "reading x");
      CUDA_TRY(cudaMemcpy(wr.data(), static_cast<char *>(w[0]) + n * s.k,
                          size_t(s.k), cudaMemcpyDeviceToHost),
               "reading W");
      if (s32) {
        CUDA_TRY(cudaMemcpy(&got, static_cast<char *>(y[0]) + (m * s.n + n) * 4,
                            4, cudaMemcpyDeviceToHost),
                 "reading y");
      } else {
        int8_t v = 0;
        CUDA_TRY(cudaMemcpy(&v, static_cast<char *>(y[0]) + (m * s.n + n), 1,
                            cudaMemcpyDeviceToHost),
                 "reading y");
        got = v;
      }
      int64_t ref = 0;
      for (int64_t k = 0; k < s.k; ++k)
        ref += int64_t(xr[size_t(k)]) * wr[size_t(k)];
      double expect = s32 ? double(ref)
                          : std::max(-128.0, std::min(127.0, double(ref) * alphaF));
      if (std::fabs(double(got) - expect) > (s32 ? 0.0 : 1.0)) {
        error = "INT8 layout check failed at y[" + std::to_string(m) + ", " +
                std::to_string(n) + "]: got " + std::to_string(got) +
                ", x·Wᵀ is " + std::to_string(expect);
        return false;
      }
    }
    out.info["check"] = s32 ? "y = x·Wᵀ exactly at 4 points"
                            : "y = sat(round(alpha · x·Wᵀ)) ± 1 at 4 points";
  }
  if (!timeLaunches(ctx, copies, launch, out.timed, error))
    return false;
  out.ran = true;
  out.info["copies"] = copies;
  out.info["output"] = s32 ? "s32" : "s8";
  out.info["algo_candidates"] = algos.size();
  out.info["algo_chosen"] = chosen;
  out.info["candidate_median_us"] = candidateUs;
  out.info["rotated_mib"] = double(copies * (xBytes + wBytes + yBytes)) / 1048576.0;
  out.info["weights_rotated_mib"] = double(copies * wBytes) / 1048576.0;
  return true;
}

/// Keeps the GPU busy with 4096³ FP16 GEMMs for `ms` milliseconds, so that
/// the first shapes are not timed while the clocks still ramp up from idle.
bool spinUp(Context &ctx, int ms, std::string &error) {
  const int n = 4096;
  size_t bytes = size_t(n) * n * 2;
  DeviceMemory memory;
  void *a, *b, *c;
  if (!memory.allocate(bytes, a, error) || !memory.allocate(bytes, b, error) ||
      !memory.allocate(bytes, c, error) ||
      !fillTensor(ctx, a, DType::F16, bytes, -1.0f, 1.0f, error) ||
      !fillTensor(ctx, b, DType::F16, bytes, -1.0f, 1.0f, error))
    return false;
  const float alpha = 1.0f, beta = 0.0f;
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start <
         std::chrono::milliseconds(ms)) {
    for (int i = 0; i < 20; ++i)
      CUBLAS_TRY(cublasGemmEx(ctx.blas, CUBLAS_OP_T, CUBLAS_OP_N, n, n, n,
                              &alpha, a, CUDA_R_16F, n, b, CUDA_R_16F, n,
                              &beta, c, CUDA_R_16F, n, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx (spin-up)");
    CUDA_TRY(cudaStreamSynchronize(ctx.stream), "the spin-up GEMMs");
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Bundles
//===----------------------------------------------------------------------===//

struct BundleCase {
  std::string path, scheme;
  Shape shape;
};

struct BundleResult {
  bool ran = false;
  Timed stream, graph;
  json info = json::object();
};

const std::regex &bundleNamePattern() {
  static const std::regex pattern(R"(^bwta_(.+)_M(\d+)_N(\d+)_K(\d+)\.bwtab$)");
  return pattern;
}

/// M, N, K of a bundle from its manifest: input 0 is x [..., K] (M the
/// product of the rest), output 0 is y [..., N].
bool shapeOf(const Manifest &manifest, Shape &shape, std::string &error) {
  if (manifest.inputs.empty() || manifest.outputs.empty() ||
      manifest.inputs[0].shape.empty() || manifest.outputs[0].shape.empty()) {
    error = "the bundle needs an input x [M, K] and an output y [M, N]";
    return false;
  }
  const std::vector<int64_t> &x = manifest.inputs[0].shape,
                             &y = manifest.outputs[0].shape;
  shape.k = x.back();
  shape.n = y.back();
  shape.m = 1;
  for (size_t i = 0; i + 1 < x.size(); ++i)
    shape.m *= x[i];
  int64_t ym = 1;
  for (size_t i = 0; i + 1 < y.size(); ++i)
    ym *= y[i];
  if (ym != shape.m) {
    error = "input '" + manifest.inputs[0].name + "' has " +
            std::to_string(shape.m) + " rows but output '" +
            manifest.outputs[0].name + "' has " + std::to_string(ym);
    return false;
  }
  return true;
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 ||
         t == DType::BF16;
}

/// How many elements of a float output are not finite (poisoned with NaN
/// before the run, so unwritten elements count too).
size_t countNonFinite(DType dtype, const std::vector<char> &bytes) {
  size_t bad = 0, size = getDTypeSize(dtype);
  for (size_t i = 0; i + size <= bytes.size(); i += size) {
    double v = 0;
    if (dtype == DType::F32) {
      float f;
      std::memcpy(&f, &bytes[i], 4);
      v = f;
    } else if (dtype == DType::F64) {
      std::memcpy(&v, &bytes[i], 8);
    } else if (dtype == DType::F16) {
      uint16_t h;
      std::memcpy(&h, &bytes[i], 2);
      v = halfToFloat(h);
    } else if (dtype == DType::BF16) {
      uint16_t h;
      std::memcpy(&h, &bytes[i], 2);
      uint32_t bits = uint32_t(h) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      v = f;
    }
    bad += !std::isfinite(v);
  }
  return bad;
}

struct SessionList {
  std::vector<bwta_session *> sessions;
  bwta_bundle *bundle = nullptr;
  ~SessionList() {
    for (bwta_session *s : sessions)
      bwta_session_destroy(s);
    bwta_bundle_destroy(bundle);
  }
};

/// The device address of input, output, buffer or weight `name`.
bool addressOf(bwta_session *session, const std::string &name, void *&ptr,
               std::string &error) {
  uint64_t address = 0;
  if (bwta_session_device_pointer(session, name.c_str(), &address) != BWTA_OK) {
    error = bwta_last_error();
    return false;
  }
  ptr = reinterpret_cast<void *>(address);
  return true;
}

bool benchBundle(Context &ctx, const BundleCase &bc, BundleResult &out,
                 std::string &error) {
  std::unique_ptr<Bundle> parsed = Bundle::read(bc.path, error);
  if (!parsed)
    return false;
  const Manifest &manifest = parsed->manifest();
  Shape shape;
  if (!shapeOf(manifest, shape, error))
    return false;
  if (shape.m != bc.shape.m || shape.n != bc.shape.n || shape.k != bc.shape.k) {
    error = "its manifest says M×N×K = " + std::to_string(shape.m) + "×" +
            std::to_string(shape.n) + "×" + std::to_string(shape.k) +
            ", not the shape of its name";
    return false;
  }
  size_t weightBytes = parsed->payload(SectionKind::Weights).size();
  size_t copies = ctx.copiesFor(weightBytes);
  if (copies > size_t(ctx.options.maxSessions)) {
    std::printf("  note: %s: %zu sessions wanted for %.0f MiB of weights, "
                "capped at %zu (--max-sessions): L2 may not be cold\n",
                bc.path.c_str(), copies, ctx.options.rotateMiB,
                size_t(ctx.options.maxSessions));
    copies = size_t(ctx.options.maxSessions);
  }
  SessionList list;
  if (bwta_bundle_open(bc.path.c_str(), &list.bundle) != BWTA_OK) {
    error = bwta_last_error();
    return false;
  }
  auto started = std::chrono::steady_clock::now();
  for (size_t c = 0; c < copies; ++c) {
    bwta_session *session = nullptr;
    if (bwta_session_create(list.bundle, ctx.options.device, &session) !=
        BWTA_OK) {
      error = "session " + std::to_string(c) + ": " + bwta_last_error();
      return false;
    }
    list.sessions.push_back(session);
  }
  // Session creation zeroes and uploads outside our stream: wait for it.
  CUDA_TRY(cudaDeviceSynchronize(), "creating the sessions");
  auto fill = [&](bwta_session *session, const TensorDecl &tensor, float lo,
                  float hi) {
    void *ptr = nullptr;
    return addressOf(session, tensor.name, ptr, error) &&
           fillTensor(ctx, ptr, tensor.dtype, tensor.bytes, lo, hi, error);
  };
  // Row sums derived from the weights (plane popcounts, level sums) get
  // small counts: random 32-bit values would push every output past the
  // f16 range and make the finiteness check below vacuous.
  auto isRowSum = [](const WeightDecl &weight) {
    return weight.dtype == DType::I32 && (weight.layout.rfind("plane_popcount", 0) == 0 ||
                                          weight.layout.rfind("level_sum", 0) == 0);
  };
  auto fillCounts = [&](bwta_session *session, const WeightDecl &weight) {
    void *ptr = nullptr;
    if (!addressOf(session, weight.name, ptr, error))
      return false;
    std::mt19937_64 random(ctx.nextSeed());
    std::vector<int32_t> counts(weight.bytes / sizeof(int32_t));
    for (int32_t &count : counts)
      count = int32_t(random() % 256);
    CUDA_TRY(cudaMemcpy(ptr, counts.data(), counts.size() * sizeof(int32_t),
                        cudaMemcpyHostToDevice),
             "filling the row sums of '" + weight.name + "'");
    return true;
  };
  for (bwta_session *session : list.sessions) {
    for (const TensorDecl &input : manifest.inputs)
      if (!fill(session, input, -1.0f, 1.0f))
        return false;
    for (const WeightDecl &weight : manifest.weights)
      if (isRowSum(weight) ? !fillCounts(session, weight) : !fill(session, weight, 0.5f, 2.0f))
        return false;
  }
  CUDA_TRY(cudaStreamSynchronize(ctx.stream), "filling the sessions");
  double setupS = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - started)
                      .count();

  // The weights in device memory are no longer the bundle's.
  for (size_t i = 0; i < manifest.weights.size(); ++i) {
    const WeightDecl &weight = manifest.weights[i];
    size_t n = size_t(std::min<uint64_t>(weight.bytes, 64));
    if (n < 16)
      continue;
    void *address = nullptr;
    if (!addressOf(list.sessions[0], weight.name, address, error))
      return false;
    std::vector<char> back(n);
    CUDA_TRY(cudaMemcpy(back.data(), address, n,
                        cudaMemcpyDeviceToHost),
             "reading a weight back");
    if (std::memcmp(back.data(), parsed->weightData(i), n) == 0) {
      error = "weight '" + weight.name + "' still holds the bundle's data";
      return false;
    }
  }

  // One run of each kind on poisoned outputs: every float output element
  // must be written and finite, and the graph must compute what the launches do.
  std::vector<std::vector<char>> plain;
  for (int graph = 0; graph < 2; ++graph) {
    size_t nonFinite = 0;
    bool same = true;
    for (const TensorDecl &output : manifest.outputs) {
      void *address = nullptr;
      if (!addressOf(list.sessions[0], output.name, address, error))
        return false;
      CUDA_TRY(cudaMemsetAsync(address, 0xff, output.bytes, ctx.stream),
               "poisoning an output");
    }
    if (bwta_session_launch(list.sessions[0], ctx.stream, graph) != BWTA_OK) {
      error = bwta_last_error();
      return false;
    }
    CUDA_TRY(cudaStreamSynchronize(ctx.stream),
             graph ? "the first graph replay" : "the first run");
    if (!ctx.options.check)
      continue;
    for (size_t o = 0; o < manifest.outputs.size(); ++o) {
      const TensorDecl &output = manifest.outputs[o];
      void *address = nullptr;
      if (!addressOf(list.sessions[0], output.name, address, error))
        return false;
      std::vector<char> bytes(output.bytes);
      CUDA_TRY(cudaMemcpy(bytes.data(), address, output.bytes,
                          cudaMemcpyDeviceToHost),
               "reading an output");
      if (isFloat(output.dtype))
        nonFinite += countNonFinite(output.dtype, bytes);
      if (graph)
        same = same && bytes == plain[o];
      else
        plain.push_back(std::move(bytes));
    }
    if (graph) {
      out.info["graph_output_equals_run"] = same;
    } else {
      out.info["nonfinite_outputs"] = nonFinite;
      if (nonFinite)
        std::printf("  WARNING: %s: %zu output elements not written or not "
                    "finite after a run on random data\n",
                    bc.path.c_str(), nonFinite);
    }
  }

  for (int graph = 0; graph < 2; ++graph) {
    if (graph) // capture every session's graph before the clock runs
      for (bwta_session *session : list.sessions)
        if (bwta_session_launch(session, ctx.stream, 1) != BWTA_OK) {
          error = bwta_last_error();
          return false;
        }
    Launch launch = [&](size_t c, std::string &error) {
      if (bwta_session_launch(list.sessions[c], ctx.stream, graph) != BWTA_OK) {
        error = bwta_last_error();
        return false;
      }
      return true;
    };
    if (!timeLaunches(ctx, copies, launch, graph ? out.graph : out.stream,
                      error))
      return false;
  }
  out.ran = true;
  out.info["sessions"] = copies;
  out.info["kernels_per_run"] = manifest.schedule.size();
  out.info["weight_bytes"] = weightBytes;
  out.info["weights_rotated_mib"] = double(copies * weightBytes) / 1048576.0;
  out.info["setup_s"] = setupS;
  out.info["target"] = manifest.target.chip;
  out.info["producer"] = manifest.producer;
  if (!manifest.quantization.empty()) {
    json q = json::parse(manifest.quantization, nullptr, false);
    if (!q.is_discarded())
      out.info["quantization"] = q;
  }
  return true;
}

/// The bundles to run and the shapes to run them (and the baselines) at.
bool collectCases(const Options &o, std::vector<BundleCase> &cases,
                  std::vector<Shape> &shapes, std::string &error) {
  std::set<std::tuple<int64_t, int64_t, int64_t>> selected, all;
  if (o.shapesGiven || o.bundleFiles.empty())
    for (const auto &[n, k] : o.nks)
      for (int64_t m : o.ms)
        selected.insert({m, n, k});
  all = selected;
  std::set<std::string> wanted(o.schemes.begin(), o.schemes.end());
  if (!o.bundleDir.empty()) {
    std::error_code ec;
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(o.bundleDir, ec))
      names.push_back(entry.path().filename().string());
    if (ec) {
      error = "cannot list --bundle-dir '" + o.bundleDir + "': " + ec.message();
      return false;
    }
    std::sort(names.begin(), names.end());
    std::set<std::string> seen;
    for (const std::string &name : names) {
      std::smatch match;
      if (!std::regex_match(name, match, bundleNamePattern()))
        continue;
      BundleCase bc{o.bundleDir + "/" + name, match[1].str(),
                    {std::stoll(match[2].str()), std::stoll(match[3].str()),
                     std::stoll(match[4].str())}};
      seen.insert(bc.scheme);
      if ((!wanted.empty() && !wanted.count(bc.scheme)) ||
          !selected.count({bc.shape.m, bc.shape.n, bc.shape.k}))
        continue;
      cases.push_back(bc);
    }
    for (const std::string &scheme : wanted)
      if (!seen.count(scheme))
        std::printf("note: no bundle of scheme '%s' in %s\n", scheme.c_str(),
                    o.bundleDir.c_str());
  }
  for (const std::string &path : o.bundleFiles) {
    std::unique_ptr<Bundle> parsed = Bundle::read(path, error);
    if (!parsed)
      return false;
    BundleCase bc{path, "bundle", {}};
    if (!shapeOf(parsed->manifest(), bc.shape, error)) {
      error = path + ": " + error;
      return false;
    }
    std::string name = std::filesystem::path(path).filename().string();
    std::smatch match;
    json q = json::parse(parsed->manifest().quantization, nullptr, false);
    if (std::regex_match(name, match, bundleNamePattern()))
      bc.scheme = match[1].str();
    else if (q.is_object() && q.contains("scheme") && q["scheme"].is_string())
      bc.scheme = q["scheme"].get<std::string>();
    cases.push_back(bc);
    all.insert({bc.shape.m, bc.shape.n, bc.shape.k});
  }
  // Shapes in the order N×K as given, then M.
  for (const auto &[m, n, k] : all)
    shapes.push_back({m, n, k});
  std::stable_sort(shapes.begin(), shapes.end(), [&](const Shape &a, const Shape &b) {
    auto rank = [&](const Shape &s) {
      for (size_t i = 0; i < o.nks.size(); ++i)
        if (o.nks[i].first == s.n && o.nks[i].second == s.k)
          return i;
      return o.nks.size();
    };
    return std::make_tuple(rank(a), a.n, a.k, a.m) <
           std::make_tuple(rank(b), b.n, b.k, b.m);
  });
  return true;
}

//===----------------------------------------------------------------------===//
// Report
//===----------------------------------------------------------------------===//

double tops(const Shape &s, double us) {
  return std::isfinite(us) && us > 0
             ? 2.0 * double(s.m) * double(s.n) * double(s.k) / us / 1e6
             : NAN;
}

struct Row {
  std::string scheme; // "-" for baselines only
  Shape shape;
  const BaselineResult *fp16 = nullptr, *int8 = nullptr;
  const BundleResult *ours = nullptr;
  std::string error;
};

double pick(const Timed &t, bool batch) {
  const Stats &s = batch ? t.batch : t.each;
  return s.valid() ? s.median : NAN;
}

std::string cell(double v, const char *format = "%.2f") {
  if (!std::isfinite(v))
    return "-";
  char text[64];
  std::snprintf(text, sizeof(text), format, v);
  return text;
}

void printTable(const std::vector<Row> &rows, bool batch) {
  std::printf("\n%s timing: median µs per launch (%s); TOPS = 2·M·N·K / time; "
              "speedups from our graph replays\n",
              batch ? "batch" : "each",
              batch ? "events around back-to-back launches, divided"
                    : "CUDA events around each launch, GPU idle before it");
  std::printf("%-8s %6s %6s %6s | %10s %10s | %10s %10s | %8s %8s %8s | %7s %7s\n",
              "scheme", "M", "N", "K", "ours", "ours graph", "FP16", "INT8",
              "TOPS", "FP16", "INT8", "xFP16", "xINT8");
  for (const Row &r : rows) {
    double ours = r.ours && r.ours->ran ? pick(r.ours->stream, batch) : NAN;
    double graph = r.ours && r.ours->ran ? pick(r.ours->graph, batch) : NAN;
    double fp16 = r.fp16 && r.fp16->ran ? pick(r.fp16->timed, batch) : NAN;
    double int8 = r.int8 && r.int8->ran ? pick(r.int8->timed, batch) : NAN;
    std::string int8Cell = r.int8 && !r.int8->unsupported.empty() ? "n/a" : cell(int8);
    std::printf("%-8s %6lld %6lld %6lld | %10s %10s | %10s %10s | %8s %8s %8s | "
                "%7s %7s%s%s\n",
                r.scheme.c_str(), (long long)r.shape.m, (long long)r.shape.n,
                (long long)r.shape.k, cell(ours).c_str(), cell(graph).c_str(),
                cell(fp16).c_str(), int8Cell.c_str(),
                cell(tops(r.shape, graph), "%.1f").c_str(),
                cell(tops(r.shape, fp16), "%.1f").c_str(),
                cell(tops(r.shape, int8), "%.1f").c_str(),
                cell(fp16 / graph, "%.2fx").c_str(),
                cell(int8 / graph, "%.2fx").c_str(),
                r.error.empty() ? "" : "  ERROR: ", r.error.c_str());
  }
}

json rowJson(const Row &r) {
  json j = {{"scheme", r.scheme}, {"M", r.shape.m}, {"N", r.shape.n},
            {"K", r.shape.k}};
  auto baseline = [](const BaselineResult *b) -> json {
    if (!b)
      return nullptr;
    json out = b->info;
    if (!b->unsupported.empty())
      out["unsupported"] = b->unsupported;
    if (b->ran)
      out["time"] = toJson(b->timed);
    return out;
  };
  j["fp16"] = baseline(r.fp16);
  j["int8"] = baseline(r.int8);
  if (r.ours) {
    json ours = r.ours->info;
    if (r.ours->ran) {
      ours["stream"] = toJson(r.ours->stream);
      ours["graph"] = toJson(r.ours->graph);
    }
    j["ours"] = ours;
  }
  for (bool batch : {false, true}) {
    const char *mode = batch ? "batch" : "each";
    double graph = r.ours && r.ours->ran ? pick(r.ours->graph, batch) : NAN;
    double fp16 = r.fp16 && r.fp16->ran ? pick(r.fp16->timed, batch) : NAN;
    double int8 = r.int8 && r.int8->ran ? pick(r.int8->timed, batch) : NAN;
    json derived = json::object();
    auto put = [&](const char *key, double v) {
      if (std::isfinite(v))
        derived[key] = v;
    };
    put("tops_ours_graph", tops(r.shape, graph));
    put("tops_fp16", tops(r.shape, fp16));
    put("tops_int8", tops(r.shape, int8));
    put("speedup_vs_fp16", fp16 / graph);
    put("speedup_vs_int8", int8 / graph);
    if (!derived.empty())
      j[mode] = derived;
  }
  if (!r.error.empty())
    j["error"] = r.error;
  return j;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

} // namespace

int main(int argc, char **argv) {
  Context ctx;
  if (!parseOptions(argc, argv, ctx.options))
    return 2;
  const Options &o = ctx.options;
  std::string error;
  std::vector<BundleCase> cases;
  std::vector<Shape> shapes;
  if (!collectCases(o, cases, shapes, error)) {
    std::fprintf(stderr, "bwta-bench: %s\n", error.c_str());
    return 1;
  }

  auto die = [&](const std::string &what) {
    std::fprintf(stderr, "bwta-bench: %s\n", what.c_str());
    return 1;
  };
  auto setup = [&]() {
    CUDA_TRY(cudaSetDevice(o.device), "cudaSetDevice");
    CUDA_TRY(cudaFree(nullptr), "initializing CUDA");
    CUDA_TRY(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking),
             "cudaStreamCreate");
    CUBLAS_TRY(cublasCreate(&ctx.blas), "cublasCreate");
    CUBLAS_TRY(cublasSetStream(ctx.blas, ctx.stream), "cublasSetStream");
    CUBLAS_TRY(cublasLtCreate(&ctx.lt), "cublasLtCreate");
    CUDA_TRY(cudaMalloc(&ctx.workspace, ctx.workspaceBytes),
             "allocating the cuBLASLt workspace");
    return true;
  };
  if (!setup())
    return die(error);

  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, o.device);
  ctx.l2Bytes = size_t(prop.l2CacheSize);
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  std::printf("bwta-bench: %s (sm_%d%d, %d SMs, %.0f MB L2), driver %d, "
              "runtime %d, cuBLASLt %zu; seed %llu\n",
              prop.name, prop.major, prop.minor, prop.multiProcessorCount,
              double(prop.l2CacheSize) / 1e6, driver, runtime,
              cublasLtGetVersion(), (unsigned long long)o.seed);
  std::printf("  %zu shapes, %zu bundles; rotation %.0f MiB per side; %d "
              "warm-up + %d timed launches%s\n",
              shapes.size(), cases.size(), o.rotateMiB, o.warmup, o.iters,
              o.timeBatch ? (", batches of " + std::to_string(o.batch)).c_str()
                          : "");
  if (ctx.rotateBytes() < 2 * ctx.l2Bytes)
    std::printf("  WARNING: --rotate-mib %.0f is under twice the L2: weights "
                "may stay in L2\n",
                o.rotateMiB);
  if (!bwta_runtime_has_cuda())
    std::printf("  WARNING: the bwta runtime was built without CUDA: bundles "
                "cannot run\n");

  if (o.spinupMs && !spinUp(ctx, o.spinupMs, error))
    return die(error);

  std::map<std::tuple<int64_t, int64_t, int64_t>, BaselineResult> fp16, int8;
  std::vector<BundleResult> ours(cases.size());
  std::vector<Row> rows;
  bool anyError = false;
  for (const Shape &s : shapes) {
    auto key = std::make_tuple(s.m, s.n, s.k);
    std::printf("M=%lld N=%lld K=%lld\n", (long long)s.m, (long long)s.n,
                (long long)s.k);
    std::fflush(stdout);
    std::string baselineError;
    if (o.fp16 && !benchFp16(ctx, s, fp16[key], error)) {
      baselineError = "FP16: " + error;
      std::printf("  FP16 failed: %s\n", error.c_str());
    }
    if (o.int8) {
      if (!benchInt8(ctx, s, int8[key], error)) {
        baselineError += (baselineError.empty() ? "" : "; ") + ("INT8: " + error);
        std::printf("  INT8 failed: %s\n", error.c_str());
      } else if (!int8[key].unsupported.empty()) {
        std::printf("  INT8 unsupported: %s\n", int8[key].unsupported.c_str());
      }
    }
    cudaGetLastError();
    anyError |= !baselineError.empty();
    bool hasBundle = false;
    for (size_t i = 0; i < cases.size(); ++i) {
      const BundleCase &bc = cases[i];
      if (bc.shape.m != s.m || bc.shape.n != s.n || bc.shape.k != s.k)
        continue;
      hasBundle = true;
      Row row{bc.scheme, s, o.fp16 ? &fp16[key] : nullptr,
              o.int8 ? &int8[key] : nullptr, &ours[i], baselineError};
      ours[i].info["bundle"] = bc.path;
      if (!benchBundle(ctx, bc, ours[i], error)) {
        row.error += (row.error.empty() ? "" : "; ") + bc.path + ": " + error;
        std::printf("  %s failed: %s\n", bc.path.c_str(), error.c_str());
        anyError = true;
        cudaGetLastError();
      }
      rows.push_back(row);
    }
    if (!hasBundle)
      rows.push_back({"-", s, o.fp16 ? &fp16[key] : nullptr,
                      o.int8 ? &int8[key] : nullptr, nullptr, baselineError});
  }

  if (o.timeEach)
    printTable(rows, false);
  if (o.timeBatch)
    printTable(rows, true);

  if (!o.jsonPath.empty()) {
    std::string command;
    for (int i = 0; i < argc; ++i)
      command += (i ? " " : "") + std::string(argv[i]);
    json doc = {
        {"tool", "bwta-bench"},
        {"date_utc", utcNow()},
        {"command", command},
        {"device",
         {{"name", prop.name},
          {"sm", std::to_string(prop.major) + std::to_string(prop.minor)},
          {"multiprocessors", prop.multiProcessorCount},
          {"l2_bytes", prop.l2CacheSize},
          {"memory_bytes", prop.totalGlobalMem},
          {"driver_version", driver},
          {"runtime_version", runtime},
          {"cublaslt_version", cublasLtGetVersion()}}},
        {"options",
         {{"warmup", o.warmup},
          {"iters", o.iters},
          {"batch", o.batch},
          {"rotate_mib", o.rotateMiB},
          {"timing", o.timeEach && o.timeBatch ? "both"
                     : o.timeEach              ? "each"
                                               : "batch"},
          {"int8_out", o.int8S32 ? "s32" : "s8"},
          {"spinup_ms", o.spinupMs},
          {"seed", o.seed}}},
        {"method",
         "y = x·Wᵀ, x [M, K], W [N, K]. fp16: cublasGemmEx f16 in/out, "
         "CUBLAS_COMPUTE_32F, default algorithm. int8: cublasLtMatmul s8×s8, "
         "CUBLAS_COMPUTE_32I, TN, the fastest of the heuristic's candidates. "
         "ours: one run of the bundle's schedule (stream launches, or CUDA-graph "
         "replays) on random inputs with its weights overwritten by random data. "
         "Each side rotates over copies whose weights exceed rotate_mib (cold "
         "L2). each: CUDA events around every launch on an idle GPU; batch: "
         "events around back-to-back launches, divided. Medians over the timed "
         "launches; TOPS = 2·M·N·K/time."}};
    json results = json::array();
    for (const Row &r : rows)
      results.push_back(rowJson(r));
    doc["results"] = results;
    std::ofstream file(o.jsonPath);
    file << doc.dump(2) << "\n";
    if (!file)
      return die("cannot write " + o.jsonPath);
    std::printf("\nwrote %s\n", o.jsonPath.c_str());
  }

  cudaFree(ctx.workspace);
  cublasLtDestroy(ctx.lt);
  cublasDestroy(ctx.blas);
  cudaStreamDestroy(ctx.stream);
  return anyError ? 1 : 0;
}
