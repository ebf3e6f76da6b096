//===- bwta-compile.cpp - a bwta module into a .bwtab bundle --------------===//
//
//   bwta-compile INPUT.mlir --weights=W.safetensors -o OUT.bwtab
//       [--entry=FUNC] [--chip=sm_90a] [--format=both|isa|bin] [--toolkit=DIR]
//
// Lowers the module to the host form of docs/GPU.md if it is not in it yet
// (bwta-lower-to-gpu), reads the entry host function into a manifest,
// fills the weight globals from the safetensors file, compiles the kernels
// (bwta-gpu-binary: PTX, and a CUBIN unless --format=isa) and writes the
// bundle of docs/Bundle.md, validated as the runtime will read it.
//
//===----------------------------------------------------------------------===//
#include "HostForm.h"
#include "Kernels.h"
#include "WeightGlobals.h"

#include "bwta/Conversion/Passes.h"
#include "bwta/Dialect/BWTA/IR/BWTA.h"
#include "bwta/Pipelines/Pipelines.h"
#include "bwta/Support/Safetensors.h"
#include "bwta/runtime/Bundle.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace bwta;
using namespace bwta::compile;
namespace cl = llvm::cl;

namespace {

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<input .mlir>"));
cl::opt<std::string> outputPath("o", cl::Required,
                                cl::desc("the bundle to write (.bwtab)"),
                                cl::value_desc("file"));
cl::opt<std::string>
    weightsPath("weights",
                cl::desc("safetensors file the weight globals are filled from"),
                cl::value_desc("file"));
cl::opt<std::string>
    entryName("entry",
              cl::desc("the host function to compile (default: the only one "
                       "with bwta.num_outputs)"),
              cl::value_desc("name"));
cl::opt<std::string>
    chip("chip",
         cl::desc("GPU the kernels are generated for when the module is not "
                  "lowered yet (bwta-lower-to-gpu); else the one its "
                  "#nvvm.target names, which this must match if given"),
         cl::init("sm_90a"));
cl::opt<KernelFormat> format(
    "format", cl::desc("the kernel code the bundle carries"),
    cl::values(clEnumValN(KernelFormat::Both, "both",
                          "CUBIN (needs ptxas) and PTX (default)"),
               clEnumValN(KernelFormat::Isa, "isa",
                          "PTX only: the runtime JIT-compiles it"),
               clEnumValN(KernelFormat::Bin, "bin", "CUBIN only")),
    cl::init(KernelFormat::Both));
cl::opt<std::string> toolkit("toolkit",
                             cl::desc("CUDA toolkit directory (for ptxas)"),
                             cl::value_desc("dir"));
// For tests, as in mlir-opt.
cl::opt<bool> splitInputFile(
    "split-input-file",
    cl::desc("compile each chunk between '// -----' lines on its own"));
cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("check the errors against expected-error comments"));

int fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "bwta-compile") << message << "\n";
  return 1;
}

/// The manifest text: one line per field and per entry of a list, so that
/// it reads (and greps) like a table.
std::string formatManifest(const Json &manifest) {
  auto dump = [](const Json &value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  std::string text = "{";
  for (auto [i, item] : llvm::enumerate(manifest.items())) {
    text += (i ? ",\n  " : "\n  ") + dump(item.key()) + ": ";
    const Json &value = item.value();
    if (!value.is_array() || value.empty()) {
      text += dump(value);
      continue;
    }
    for (auto [j, entry] : llvm::enumerate(value))
      text += (j ? ",\n    " : "[\n    ") + dump(entry);
    text += "\n  ]";
  }
  return text + "\n}\n";
}

/// Lowers `module` to the host form unless it is in it already.
LogicalResult lowerToHostForm(ModuleOp module) {
  if (module->hasAttr(gpu::GPUDialect::getContainerModuleAttrName()))
    return success();
  PassManager pm(module.getContext());
  ConvertBWTAToGPUPassOptions options;
  options.chip = chip;
  pm.addPass(createConvertBWTAToGPUPass(options));
  return pm.run(module);
}

/// The manifest, once the weights have their offsets in `writer`.
FailureOr<Json> buildManifest(ModuleOp module, runtime::BundleWriter &writer,
                              HostProgram &program) {
  func::FuncOp entry = findEntry(module, entryName);
  if (!entry)
    return failure();
  FailureOr<HostProgram> read = readHostFunction(entry);
  if (failed(read))
    return failure();
  program = std::move(*read);
  if (chip.getNumOccurrences() && program.chip != chip)
    return program.kernelModule.emitOpError()
           << "targets " << program.chip << ", but --chip=" << chip
           << " was asked for";

  std::unique_ptr<SafetensorsFile> weights;
  if (!weightsPath.empty()) {
    std::string error;
    weights = SafetensorsFile::open(weightsPath, error);
    if (!weights)
      return module.emitError() << error;
  }
  Json quantization = Json::object();
  FailureOr<Json> weightEntries = writeWeights(
      program.weights, weights.get(), weightsPath, writer, quantization);
  if (failed(weightEntries))
    return failure();
  return Json{{"format_version", 1},
              {"producer", "bwta-compile 0.1"},
              {"target", {{"chip", program.chip}}},
              {"inputs", program.inputs},
              {"outputs", program.outputs},
              {"buffers", program.buffers},
              {"weights", *weightEntries},
              {"kernels", program.kernels},
              {"schedule", program.schedule},
              {"quantization", quantization},
              {"metadata",
               {{"entry", entry.getName().str()},
                {"source", llvm::sys::path::filename(inputPath).str()}}}};
}

/// Compiles one module (a chunk of the input with --split-input-file).
LogicalResult compileBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer,
                            const DialectRegistry &registry) {
  MLIRContext context(registry);
  // A failing pipeline would otherwise attach the whole kernel module.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  // Some passes report an error and carry on (gpu-module-to-binary with a
  // --toolkit that does not exist, say): any error fails the compile.
  bool sawError = false;
  auto run = [&]() -> LogicalResult {
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module || failed(lowerToHostForm(*module)))
      return failure();
    runtime::BundleWriter writer;
    HostProgram program;
    FailureOr<Json> manifest = buildManifest(*module, writer, program);
    if (failed(manifest) ||
        failed(compileKernels(program.kernelModule, format, toolkit, writer)))
      return failure();
    writer.setManifest(formatManifest(*manifest));
    if (sawError)
      return failure();
    std::string error;
    if (!writer.write(outputPath, error)) {
      fail(error);
      return failure();
    }
    return success();
  };
  if (!verifyDiagnostics) {
    SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
      sawError |= diag.getSeverity() == DiagnosticSeverity::Error;
      return failure(); // on to the handler that prints it
    });
    return run();
  }
  SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
  (void)run();
  return handler.verify();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "bwta-compile: a bwta module into a .bwtab "
                              "bundle (docs/GPU.md, docs/Bundle.md)\n");
  DialectRegistry registry;
  registry.insert<BWTADialect>();
  registerUpstreamDialects(registry);

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputPath, &error);
  if (!input)
    return fail(error);
  auto process = [&](std::unique_ptr<llvm::MemoryBuffer> chunk,
                     raw_ostream &) { return compileBuffer(std::move(chunk), registry); };
  if (!splitInputFile)
    return failed(compileBuffer(std::move(input), registry));
  return failed(splitAndProcessBuffer(std::move(input), process, llvm::nulls()));
}
