//===- bwta-run.cpp - run a bundle on inputs from .npy/.safetensors -------===//
//
// bwta-run BUNDLE [--input NAME=FILE.npy]... [--input NAME=FILE.safetensors[:TENSOR]]...
//                 [--inputs FILE.safetensors] [--output-dir DIR] [--device N]
//                 [--graph] [--runs N] [--bench N] [--warmup N]
// Runs the bundle through the C API and writes each output to DIR/NAME.npy.
// bf16 and f8 tensors travel as their raw bits (.npy u2 / u1).
//
//===----------------------------------------------------------------------===//
#include "bwta_runtime.h"

#include "bwta/Support/Safetensors.h"
#include "bwta/runtime/Npy.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <optional>

using namespace bwta::runtime;

namespace {

const char *const kUsage =
    "usage: bwta-run BUNDLE [options]\n"
    "  --input NAME=FILE.npy             input NAME from a .npy file\n"
    "  --input NAME=FILE.safetensors[:T] input NAME from tensor T (default NAME)\n"
    "  --inputs FILE.safetensors         every input from the tensor of its name\n"
    "  --output-dir DIR                  write outputs as DIR/NAME.npy (default .)\n"
    "  --device N                        CUDA device (default 0)\n"
    "  --graph                           run as a CUDA graph replay\n"
    "  --runs N                          run N times back to back, outputs of the\n"
    "                                    last (default 1)\n"
    "  --bench N                         time N runs (CUDA events), print median\n"
    "  --warmup N                        untimed runs before timing (default 10)\n";

struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<char> data;
  std::string source;
};

int die(const std::string &message) {
  std::fprintf(stderr, "bwta-run: error: %s\n", message.c_str());
  return 1;
}

bool endsWith(const std::string &text, const char *suffix) {
  size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::optional<DType> fromSafetensorsDtype(const std::string &name) {
  static const std::map<std::string, DType> kTypes = {
      {"F64", DType::F64}, {"F32", DType::F32}, {"F16", DType::F16},
      {"BF16", DType::BF16}, {"I64", DType::I64}, {"I32", DType::I32},
      {"I16", DType::I16}, {"I8", DType::I8}, {"U64", DType::U64},
      {"U32", DType::U32}, {"U16", DType::U16}, {"U8", DType::U8},
      {"BOOL", DType::Bool}};
  auto it = kTypes.find(name);
  return it == kTypes.end() ? std::nullopt : std::optional<DType>(it->second);
}

/// Types numpy lacks travel as unsigned integers of their width.
DType npyStorage(DType type) {
  if (type == DType::BF16)
    return DType::U16;
  if (type == DType::F8E4M3 || type == DType::F8E5M2)
    return DType::U8;
  return type;
}

bool loadSafetensor(const std::string &path, const std::string &tensorName,
                    HostTensor &out, std::string &error) {
  // The shared reader must not be handed a directory: libstdc++ throws when
  // it reads one, which aborts this exception-free build.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = "cannot read '" + path + "': not a regular file";
    return false;
  }
  std::unique_ptr<bwta::SafetensorsFile> file =
      bwta::SafetensorsFile::open(path, error);
  if (!file)
    return false;
  const bwta::SafetensorsTensor *tensor = file->find(tensorName);
  if (!tensor) {
    error = "'" + path + "' has no tensor '" + tensorName + "'";
    return false;
  }
  std::optional<DType> type = fromSafetensorsDtype(tensor->dtype);
  if (!type) {
    error = "'" + path + "': tensor '" + tensorName + "' has dtype " +
            tensor->dtype + ", which bundles do not use";
    return false;
  }
  out = {*type, tensor->shape,
         std::vector<char>(tensor->data, tensor->data + tensor->size),
         path + ":" + tensorName};
  return true;
}

bool loadInput(const std::string &spec, const std::string &inputName,
               HostTensor &out, std::string &error) {
  if (endsWith(spec, ".npy")) {
    std::optional<NpyArray> array = readNpy(spec, error);
    if (!array)
      return false;
    out = {array->dtype, array->shape, std::move(array->data), spec};
    return true;
  }
  size_t colon = spec.rfind(':');
  if (colon != std::string::npos && endsWith(spec.substr(0, colon), ".safetensors"))
    return loadSafetensor(spec.substr(0, colon), spec.substr(colon + 1), out,
                          error);
  if (endsWith(spec, ".safetensors"))
    return loadSafetensor(spec, inputName, out, error);
  error = "input '" + inputName + "': '" + spec +
          "' is neither a .npy nor a .safetensors file";
  return false;
}

std::string fileNameFor(const std::string &name) {
  std::string file = name;
  for (char &c : file)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      c = '_';
  return file + ".npy";
}

void printTimes(const char *label, std::vector<float> times) {
  std::sort(times.begin(), times.end());
  double mean = std::accumulate(times.begin(), times.end(), 0.0) / times.size();
  size_t n = times.size();
  double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  std::printf("  %-16s median %.4f ms  min %.4f  mean %.4f  max %.4f\n", label,
              median, times.front(), mean, times.back());
}

bool parseCount(const char *text, long min, long &out) {
  char *end = nullptr;
  out = std::strtol(text, &end, 10);
  return end && *end == '\0' && end != text && out >= min && out <= 1000000;
}

} // namespace

int main(int argc, char **argv) {
  std::string bundlePath, outputDir = ".", allInputs;
  std::vector<std::pair<std::string, std::string>> inputSpecs;
  long device = 0, bench = 0, warmup = 10, runs = 1;
  bool graph = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool hasValue = i + 1 < argc;
    if (arg == "--input" && hasValue) {
      std::string spec = argv[++i];
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0)
        return die("--input wants NAME=FILE, got '" + spec + "'");
      inputSpecs.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    } else if (arg == "--inputs" && hasValue) {
      allInputs = argv[++i];
    } else if (arg == "--output-dir" && hasValue) {
      outputDir = argv[++i];
    } else if (arg == "--device" && hasValue) {
      if (!parseCount(argv[++i], 0, device))
        return die("--device wants a device number");
    } else if (arg == "--bench" && hasValue) {
      if (!parseCount(argv[++i], 1, bench))
        return die("--bench wants a positive number of runs");
    } else if (arg == "--runs" && hasValue) {
      if (!parseCount(argv[++i], 1, runs))
        return die("--runs wants a positive number of runs");
    } else if (arg == "--warmup" && hasValue) {
      if (!parseCount(argv[++i], 0, warmup))
        return die("--warmup wants a number of runs");
    } else if (arg == "--graph") {
      graph = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else if (arg[0] != '-' && bundlePath.empty()) {
      bundlePath = arg;
    } else {
      std::fprintf(stderr, "bwta-run: unexpected argument '%s'\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
  }
  if (bundlePath.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }

  bwta_bundle *bundle = nullptr;
  if (bwta_bundle_open(bundlePath.c_str(), &bundle) != BWTA_OK)
    return die(bwta_last_error());
  std::unique_ptr<bwta_bundle, void (*)(bwta_bundle *)> bundleOwner(
      bundle, bwta_bundle_destroy);

  // Gather every input and check it against the manifest before the GPU.
  std::map<std::string, std::string> specs(inputSpecs.begin(), inputSpecs.end());
  std::vector<std::pair<std::string, HostTensor>> inputs;
  for (size_t i = 0; i < bwta_bundle_num_inputs(bundle); ++i) {
    bwta_tensor_info info;
    bwta_bundle_input(bundle, i, &info);
    std::string name = info.name;
    std::string spec = specs.count(name) ? specs[name] : allInputs;
    specs.erase(name);
    if (spec.empty())
      return die("input '" + name + "' (" + info.dtype_name + " " +
                 shapeText({info.shape, info.shape + info.rank}) +
                 ") not given: use --input " + name + "=FILE.npy");
    HostTensor tensor;
    std::string error;
    if (!loadInput(spec, name, tensor, error))
      return die(error);
    DType want = DType(info.dtype);
    std::vector<int64_t> shape(info.shape, info.shape + info.rank);
    if ((tensor.dtype != want && tensor.dtype != npyStorage(want)) ||
        tensor.shape != shape)
      return die("input '" + name + "': " + tensor.source + " holds " +
                 getDTypeName(tensor.dtype) + " " + shapeText(tensor.shape) +
                 " but the bundle wants " + info.dtype_name + " " +
                 shapeText(shape));
    inputs.emplace_back(name, std::move(tensor));
  }
  if (!specs.empty())
    return die("the bundle has no input '" + specs.begin()->first + "'");

  bwta_session *session = nullptr;
  if (bwta_session_create(bundle, int(device), &session) != BWTA_OK)
    return die(bwta_last_error());
  std::unique_ptr<bwta_session, void (*)(bwta_session *)> sessionOwner(
      session, bwta_session_destroy);
  for (auto &[name, tensor] : inputs)
    if (bwta_session_set_input(session, name.c_str(), tensor.data.data(),
                               tensor.data.size()) != BWTA_OK)
      return die(bwta_last_error());
  if ((graph ? bwta_session_run_graph(session) : bwta_session_run(session)) !=
      BWTA_OK)
    return die(bwta_last_error());
  // More runs back to back (as timed runs are: kernels of one run may
  // overlap the next's), each on the same inputs.
  if (runs > 1) {
    float lastTime = 0; // the warm-up runs are the back-to-back ones
    if (bwta_session_benchmark(session, int(runs - 2), 1, graph, &lastTime) != BWTA_OK)
      return die(bwta_last_error());
  }

  std::error_code ec;
  std::filesystem::create_directories(outputDir, ec);
  if (ec)
    return die("cannot create output directory '" + outputDir + "': " +
               ec.message());
  std::map<std::string, std::string> written;
  for (size_t i = 0; i < bwta_bundle_num_outputs(bundle); ++i) {
    bwta_tensor_info info;
    bwta_bundle_output(bundle, i, &info);
    std::vector<char> data(info.bytes);
    if (bwta_session_get_output(session, info.name, data.data(), data.size()) !=
        BWTA_OK)
      return die(bwta_last_error());
    std::string file = fileNameFor(info.name);
    if (written.count(file))
      file = std::to_string(i) + "_" + file; // names that sanitize alike
    written[file] = info.name;
    std::string path = (std::filesystem::path(outputDir) / file).string();
    std::vector<int64_t> shape(info.shape, info.shape + info.rank);
    std::string error;
    if (!writeNpy(path, npyStorage(DType(info.dtype)), shape, data.data(),
                  data.size(), error))
      return die(error);
    std::printf("output '%s' (%s %s) -> %s\n", info.name, info.dtype_name,
                shapeText(shape).c_str(), path.c_str());
  }

  if (bench > 0) {
    std::printf("bench: %ld runs after %ld warm-up runs (CUDA events)\n", bench,
                warmup);
    std::vector<float> times(size_t(bench), 0.0f);
    for (int useGraph : {0, 1}) {
      if (bwta_session_benchmark(session, int(warmup), int(bench), useGraph,
                                 times.data()) != BWTA_OK)
        return die(bwta_last_error());
      printTimes(useGraph ? "graph replay" : "stream launches", times);
    }
  }
  return 0;
}
