//===- bwta-bundle-info.cpp - validate a bundle and summarize it ----------===//
//
// Usage: bwta-bundle-info [--manifest] BUNDLE
// Exits 0 and prints the sections, target, tensors, kernels and schedule of
// a valid bundle; exits 1 with the reader's message otherwise. No GPU needed.
//
//===----------------------------------------------------------------------===//
#include "bwta/runtime/Bundle.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

using namespace bwta::runtime;

namespace {

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string dimText(const Dim3 &dims) {
  return "[" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ", " +
         std::to_string(dims[2]) + "]";
}

std::string argText(const Manifest &manifest, const LaunchStep &step,
                    size_t index) {
  const LaunchArg &arg = step.args[index];
  switch (arg.kind) {
  case LaunchArg::Kind::Input: return manifest.inputs[arg.index].name;
  case LaunchArg::Kind::Output: return manifest.outputs[arg.index].name;
  case LaunchArg::Kind::Buffer: return manifest.buffers[arg.index].name;
  case LaunchArg::Kind::Weight: return manifest.weights[arg.index].name;
  case LaunchArg::Kind::Scalar: break;
  }
  ArgType type = manifest.kernels[step.kernel].params[index].type;
  if (type == ArgType::F32 || type == ArgType::F64) {
    double value;
    if (type == ArgType::F32) {
      float narrow;
      uint32_t bits = uint32_t(arg.scalar);
      std::memcpy(&narrow, &bits, sizeof(narrow));
      value = narrow;
    } else {
      std::memcpy(&value, &arg.scalar, sizeof(value));
    }
    char text[32];
    std::snprintf(text, sizeof(text), "%g", value);
    return text;
  }
  if (type == ArgType::I32)
    return std::to_string(int32_t(uint32_t(arg.scalar)));
  if (type == ArgType::I64)
    return std::to_string(int64_t(arg.scalar));
  return std::to_string(arg.scalar);
}

void printTensors(const char *title, const std::vector<TensorDecl> &tensors) {
  std::printf("%s (%zu):\n", title, tensors.size());
  for (const TensorDecl &tensor : tensors)
    std::printf("  %-24s %-6s %-20s %" PRIu64 " bytes\n", tensor.name.c_str(),
                getDTypeName(tensor.dtype), shapeText(tensor.shape).c_str(),
                tensor.bytes);
}

void print(const Bundle &bundle) {
  const Manifest &manifest = bundle.manifest();
  std::printf("bundle '%s': valid, format version %u, %" PRIu64 " bytes\n",
              bundle.name().c_str(), bundle.version(), bundle.fileSize());
  std::printf("producer: %s\ntarget: %s\n", manifest.producer.c_str(),
              manifest.target.chip.c_str());
  std::printf("sections (%zu):\n", bundle.sections().size());
  std::printf("  %-3s %-9s %12s %12s  %s\n", "#", "kind", "offset", "size",
              "checksum (FNV-1a 64)");
  for (size_t i = 0; i < bundle.sections().size(); ++i) {
    const Section &section = bundle.sections()[i];
    std::printf("  %-3zu %-9s %12" PRIu64 " %12" PRIu64 "  0x%016" PRIx64 "\n",
                i, getSectionKindName(uint32_t(section.kind)), section.offset,
                section.size, section.checksum);
  }
  printTensors("inputs", manifest.inputs);
  printTensors("outputs", manifest.outputs);
  std::printf("buffers (%zu):\n", manifest.buffers.size());
  for (const BufferDecl &buffer : manifest.buffers)
    std::printf("  %-24s %" PRIu64 " bytes\n", buffer.name.c_str(), buffer.bytes);
  std::printf("weights (%zu):\n", manifest.weights.size());
  for (const WeightDecl &weight : manifest.weights)
    std::printf("  %-24s %-6s %-20s offset %" PRIu64 ", %" PRIu64 " bytes, %s\n",
                weight.name.c_str(), getDTypeName(weight.dtype),
                shapeText(weight.shape).c_str(), weight.offset, weight.bytes,
                weight.layout.c_str());
  std::printf("kernels (%zu):\n", manifest.kernels.size());
  for (const KernelDecl &kernel : manifest.kernels) {
    std::string params;
    for (const KernelParam &param : kernel.params)
      params += (params.empty() ? "" : ", ") + std::string(getArgTypeName(param.type)) +
                " " + param.name;
    std::printf("  %s(%s) grid %s block %s shared %u\n", kernel.name.c_str(),
                params.c_str(), dimText(kernel.grid).c_str(),
                dimText(kernel.block).c_str(), kernel.sharedBytes);
  }
  std::printf("schedule (%zu launches):\n", manifest.schedule.size());
  for (size_t s = 0; s < manifest.schedule.size(); ++s) {
    const LaunchStep &step = manifest.schedule[s];
    std::string args;
    for (size_t a = 0; a < step.args.size(); ++a)
      args += (a ? ", " : "") + argText(manifest, step, a);
    std::printf("  %zu: %s(%s) grid %s block %s shared %u\n", s,
                manifest.kernels[step.kernel].name.c_str(), args.c_str(),
                dimText(step.grid).c_str(), dimText(step.block).c_str(),
                step.sharedBytes);
  }
  std::printf("quantization: %s\n", manifest.quantization.c_str());
}

} // namespace

int main(int argc, char **argv) {
  bool printManifest = false;
  const char *path = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--manifest") == 0) {
      printManifest = true;
    } else if (argv[i][0] == '-' || path) {
      std::fprintf(stderr, "usage: bwta-bundle-info [--manifest] BUNDLE\n"
                           "  --manifest  print the manifest JSON as stored\n");
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    std::fprintf(stderr, "usage: bwta-bundle-info [--manifest] BUNDLE\n");
    return 2;
  }
  std::string error;
  std::unique_ptr<Bundle> bundle = Bundle::read(std::string(path), error);
  if (!bundle) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return 1;
  }
  if (printManifest)
    std::printf("%s\n", bundle->manifest().text.c_str());
  else
    print(*bundle);
  return 0;
}
