//===- Session.cpp - run a bundle with the CUDA driver API -----------------===//
//
// One session = the device's primary context (shared with the CUDA runtime
// and frameworks, pushed around every call so any thread may call), one
// module, one stream, one allocation per input/output/buffer and one for
// the WEIGHTS section. Launch arguments are prepared once at creation; the
// schedule is replayed as launched or as a captured CUDA graph.
//
//===----------------------------------------------------------------------===//
#include "bwta/runtime/Session.h"

#include <cuda.h>

#include <algorithm>
#include <cstring>

using namespace bwta::runtime;

// Launch arguments and weights are passed as little-endian bytes.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the bwta runtime needs a little-endian host"
#endif

namespace {

std::string describe(CUresult result) {
  // The stub cannot name its own error.
  if (result == CUDA_ERROR_STUB_LIBRARY)
    return "CUDA_ERROR_STUB_LIBRARY (the CUDA stub library was loaded instead "
           "of the driver's libcuda.so.1)";
  const char *name = nullptr, *text = nullptr;
  cuGetErrorName(result, &name);
  cuGetErrorString(result, &text);
  return std::string(name ? name : "CUDA error " + std::to_string(int(result))) +
         " (" + (text ? text : "no description") + ")";
}

/// Fills `failure` when `result` is an error: "<what>: <CUDA error>".
bool check(CUresult result, const std::string &what, Failure &failure,
           bwta_status status = BWTA_ERROR_CUDA) {
  if (result == CUDA_SUCCESS)
    return true;
  failure = {status, what + " failed: " + describe(result)};
  return false;
}

bool fail(Failure &failure, bwta_status status, std::string message) {
  failure = {status, std::move(message)};
  return false;
}

/// Makes `context` current for the lifetime of the scope.
class ContextScope {
public:
  explicit ContextScope(CUcontext context) : result(cuCtxPushCurrent(context)) {}
  ~ContextScope() {
    CUcontext popped;
    if (result == CUDA_SUCCESS)
      cuCtxPopCurrent(&popped);
  }
  bool ok(Failure &failure) const {
    return check(result, "making the device context current", failure);
  }

private:
  CUresult result;
};

/// A device and its name, after cuInit.
bool getDevice(int ordinal, CUdevice &device, std::string &name,
               Failure &failure) {
  if (!check(cuInit(0), "cuInit", failure, BWTA_ERROR_DEVICE))
    return false;
  int count = 0;
  if (!check(cuDeviceGetCount(&count), "cuDeviceGetCount", failure,
             BWTA_ERROR_DEVICE))
    return false;
  if (ordinal < 0 || ordinal >= count)
    return fail(failure, BWTA_ERROR_DEVICE,
                "CUDA device " + std::to_string(ordinal) + " does not exist (" +
                    std::to_string(count) + " devices)");
  if (!check(cuDeviceGet(&device, ordinal), "cuDeviceGet", failure))
    return false;
  char text[256] = {0};
  if (cuDeviceGetName(text, sizeof(text) - 1, device) != CUDA_SUCCESS)
    std::strcpy(text, "unknown");
  name = "CUDA device " + std::to_string(ordinal) + " (" + text + ")";
  return true;
}

bool getCapability(CUdevice device, int &major, int &minor, Failure &failure) {
  return check(cuDeviceGetAttribute(
                   &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
               "reading the compute capability", failure) &&
         check(cuDeviceGetAttribute(
                   &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
               "reading the compute capability", failure);
}

/// cuFuncGetParamInfo (driver 12.4+), looked up at run time so that older
/// drivers still load the library; they skip the parameter check.
using ParamInfoFn = CUresult (*)(CUfunction, size_t, size_t *, size_t *);
ParamInfoFn getParamInfoFn() {
  void *fn = nullptr;
  CUdriverProcAddressQueryResult status;
  if (cuGetProcAddress("cuFuncGetParamInfo", &fn, 12040,
                       CU_GET_PROC_ADDRESS_DEFAULT, &status) != CUDA_SUCCESS ||
      status != CU_GET_PROC_ADDRESS_SUCCESS)
    return nullptr;
  return reinterpret_cast<ParamInfoFn>(fn);
}

class CudaSession final : public Session {
public:
  CudaSession(std::shared_ptr<const Bundle> bundle, CUdevice device)
      : Session(std::move(bundle)), manifest(bundlePtr->manifest()),
        device(device) {}
  ~CudaSession() override;

  bool init(const std::string &deviceName, Failure &failure);
  bool setInput(size_t index, const void *data, size_t size,
                Failure &failure) override;
  bool getOutput(size_t index, void *data, size_t size,
                 Failure &failure) override;
  bool devicePointer(const std::string &name, uint64_t &address,
                     Failure &failure) override;
  bool run(Failure &failure) override;
  bool runGraph(Failure &failure) override;
  bool launch(void *stream, bool graph, Failure &failure) override;
  bool benchmark(int warmup, int iterations, bool graph,
                 std::vector<float> &times, Failure &failure) override;

private:
  struct Launch {
    CUfunction function = nullptr;
    std::vector<uint64_t> values; // one 8-byte slot per argument
    std::vector<void *> params;   // &values[i], what cuLaunchKernel reads
  };

  bool loadModule(Failure &failure);
  bool prepareKernels(std::vector<CUfunction> &functions, Failure &failure);
  bool allocate(Failure &failure);
  bool allocateOne(const std::string &what, uint64_t bytes, CUdeviceptr &ptr,
                   Failure &failure);
  bool checkInputsSet(Failure &failure) const;
  bool enqueue(CUstream target, Failure &failure);
  bool ensureGraph(Failure &failure);
  bool enqueueOnce(bool graph, Failure &failure, CUstream target = nullptr);
  bool synchronize(const char *what, Failure &failure);

  const Manifest &manifest;
  CUdevice device;
  bool retained = false;
  CUcontext context = nullptr;
  CUmodule module = nullptr;
  CUstream stream = nullptr;
  std::vector<CUdeviceptr> inputs, outputs, buffers;
  std::vector<bool> inputSet;
  CUdeviceptr weights = 0;
  std::vector<Launch> launches;
  CUgraph graph = nullptr;
  CUgraphExec graphExec = nullptr;
};

CudaSession::~CudaSession() {
  if (!retained)
    return;
  {
    ContextScope scope(context);
    if (stream)
      cuStreamSynchronize(stream);
    if (graphExec)
      cuGraphExecDestroy(graphExec);
    if (graph)
      cuGraphDestroy(graph);
    for (auto *list : {&inputs, &outputs, &buffers})
      for (CUdeviceptr ptr : *list)
        if (ptr)
          cuMemFree(ptr);
    if (weights)
      cuMemFree(weights);
    if (module)
      cuModuleUnload(module);
    if (stream)
      cuStreamDestroy(stream);
  }
  cuDevicePrimaryCtxRelease(device);
}

bool CudaSession::init(const std::string &deviceName, Failure &failure) {
  if (!check(cuDevicePrimaryCtxRetain(&context, device),
             "retaining the primary context of " + deviceName, failure))
    return false;
  retained = true;
  ContextScope scope(context);
  std::vector<CUfunction> functions;
  if (!scope.ok(failure) ||
      !check(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate",
             failure) ||
      !loadModule(failure) || !prepareKernels(functions, failure) ||
      !allocate(failure))
    return false;

  for (const LaunchStep &step : manifest.schedule) {
    Launch launch;
    launch.function = functions[step.kernel];
    for (const LaunchArg &arg : step.args) {
      switch (arg.kind) {
      case LaunchArg::Kind::Input: launch.values.push_back(inputs[arg.index]); break;
      case LaunchArg::Kind::Output: launch.values.push_back(outputs[arg.index]); break;
      case LaunchArg::Kind::Buffer: launch.values.push_back(buffers[arg.index]); break;
      case LaunchArg::Kind::Weight:
        launch.values.push_back(weights + manifest.weights[arg.index].offset);
        break;
      case LaunchArg::Kind::Scalar: launch.values.push_back(arg.scalar); break;
      }
    }
    launches.push_back(std::move(launch));
  }
  // Only now that no vector grows any more may we take addresses.
  for (Launch &launch : launches)
    for (uint64_t &value : launch.values)
      launch.params.push_back(&value);
  return true;
}

bool CudaSession::loadModule(Failure &failure) {
  std::string_view cubin = bundlePtr->payload(SectionKind::Cubin);
  std::string_view ptxPayload = bundlePtr->payload(SectionKind::Ptx);
  if (cubin.empty() && ptxPayload.empty())
    return true; // no kernels (Bundle::read refuses kernels without code)
  std::string cubinError;
  if (!cubin.empty()) {
    CUresult result = cuModuleLoadData(&module, cubin.data());
    if (result == CUDA_SUCCESS)
      return true;
    cubinError = "cuModuleLoadData on the CUBIN failed: " + describe(result);
  }
  if (ptxPayload.empty())
    return fail(failure, BWTA_ERROR_CUDA,
                "cannot load the kernels: " + cubinError);
  std::string ptx(ptxPayload); // the driver wants it NUL-terminated
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log) - 1))};
  CUresult result = cuModuleLoadDataEx(&module, ptx.c_str(), 2, options, values);
  if (result == CUDA_SUCCESS)
    return true;
  std::string message = "cannot load the kernels: ";
  if (!cubinError.empty())
    message += cubinError + "; then ";
  message += "JIT-compiling the PTX failed: " + describe(result);
  if (log[0])
    message += "\n" + std::string(log);
  return fail(failure, BWTA_ERROR_CUDA, message);
}

bool CudaSession::prepareKernels(std::vector<CUfunction> &functions,
                                 Failure &failure) {
  ParamInfoFn paramInfo = getParamInfoFn();
  int optIn = 0;
  if (!check(cuDeviceGetAttribute(
                 &optIn, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                 device),
             "reading the shared memory limit", failure))
    return false;
  for (size_t k = 0; k < manifest.kernels.size(); ++k) {
    const KernelDecl &kernel = manifest.kernels[k];
    std::string what = "kernel '" + kernel.name + "'";
    CUfunction function;
    if (!check(cuModuleGetFunction(&function, module, kernel.name.c_str()),
               "looking up " + what + " in the module", failure))
      return false;
    functions.push_back(function);

    // The module's parameter list must be the manifest's, or the launch
    // would read garbage. The probe one past the last parameter fails by
    // design; compute-sanitizer lists that as an API error (docs/Bundle.md).
    size_t offset, size;
    for (size_t p = 0; paramInfo && p < kernel.params.size(); ++p) {
      CUresult result = paramInfo(function, p, &offset, &size);
      const KernelParam &param = kernel.params[p];
      if (result == CUDA_ERROR_INVALID_VALUE)
        return fail(failure, BWTA_ERROR_CUDA,
                    what + " has " + std::to_string(p) +
                        " parameters in the module, but the manifest declares " +
                        std::to_string(kernel.params.size()));
      if (!check(result, "cuFuncGetParamInfo for " + what, failure))
        return false;
      if (size != getArgTypeSize(param.type))
        return fail(failure, BWTA_ERROR_CUDA,
                    what + " parameter " + std::to_string(p) + " ('" +
                        param.name + "') is " + std::to_string(size) +
                        " bytes in the module, but the manifest declares " +
                        getArgTypeName(param.type));
    }
    if (paramInfo &&
        paramInfo(function, kernel.params.size(), &offset, &size) == CUDA_SUCCESS)
      return fail(failure, BWTA_ERROR_CUDA,
                  what + " has more parameters in the module than the " +
                      std::to_string(kernel.params.size()) +
                      " the manifest declares");

    // Shared memory (static and dynamic) above 48 KiB must be opted into
    // per function.
    uint32_t shared = 0;
    for (const LaunchStep &step : manifest.schedule)
      if (step.kernel == k)
        shared = std::max(shared, step.sharedBytes);
    int staticShared = 0;
    if (!check(cuFuncGetAttribute(&staticShared,
                                  CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function),
               "reading the static shared memory of " + what, failure))
      return false;
    if (uint64_t(shared) + uint64_t(staticShared) > uint64_t(optIn))
      return fail(failure, BWTA_ERROR_DEVICE,
                  what + " needs " + std::to_string(shared) +
                      " bytes of dynamic shared memory (plus " +
                      std::to_string(staticShared) +
                      " static), more than the device's " +
                      std::to_string(optIn) + " bytes per block");
    if (uint64_t(shared) + uint64_t(staticShared) > 48 * 1024 &&
        !check(cuFuncSetAttribute(function,
                                  CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                  int(shared)),
               "allowing " + std::to_string(shared) +
                   " bytes of dynamic shared memory for " + what,
               failure))
      return false;
  }
  return true;
}

bool CudaSession::allocateOne(const std::string &what, uint64_t bytes,
                              CUdeviceptr &ptr, Failure &failure) {
  // cuMemAlloc refuses 0 bytes; an empty tensor still gets an address.
  size_t size = size_t(std::max<uint64_t>(bytes, 1));
  return check(cuMemAlloc(&ptr, size),
               "cuMemAlloc of " + std::to_string(bytes) + " bytes for " + what,
               failure) &&
         check(cuMemsetD8(ptr, 0, size), "zeroing " + what, failure);
}

bool CudaSession::allocate(Failure &failure) {
  inputs.assign(manifest.inputs.size(), 0);
  outputs.assign(manifest.outputs.size(), 0);
  buffers.assign(manifest.buffers.size(), 0);
  inputSet.assign(manifest.inputs.size(), false);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!allocateOne("input '" + manifest.inputs[i].name + "'",
                     manifest.inputs[i].bytes, inputs[i], failure))
      return false;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!allocateOne("output '" + manifest.outputs[i].name + "'",
                     manifest.outputs[i].bytes, outputs[i], failure))
      return false;
  for (size_t i = 0; i < buffers.size(); ++i)
    if (!allocateOne("buffer '" + manifest.buffers[i].name + "'",
                     manifest.buffers[i].bytes, buffers[i], failure))
      return false;
  std::string_view blob = bundlePtr->payload(SectionKind::Weights);
  if (blob.empty())
    return true;
  return check(cuMemAlloc(&weights, blob.size()),
               "cuMemAlloc of " + std::to_string(blob.size()) +
                   " bytes for the WEIGHTS section",
               failure) &&
         check(cuMemcpyHtoD(weights, blob.data(), blob.size()),
               "uploading the WEIGHTS section", failure);
}

bool CudaSession::synchronize(const char *what, Failure &failure) {
  CUresult result = cuStreamSynchronize(stream);
  if (result == CUDA_SUCCESS)
    return true;
  return fail(failure, BWTA_ERROR_CUDA,
              std::string(what) + " failed: " + describe(result) +
                  " (rerun with CUDA_LAUNCH_BLOCKING=1 to see which kernel)");
}

bool CudaSession::setInput(size_t index, const void *data, size_t size,
                           Failure &failure) {
  const TensorDecl &input = manifest.inputs[index];
  if (size != input.bytes)
    return fail(failure, BWTA_ERROR_INVALID_ARGUMENT,
                "input '" + input.name + "' has " + std::to_string(input.bytes) +
                    " bytes, got " + std::to_string(size));
  ContextScope scope(context);
  if (!scope.ok(failure) ||
      (size != 0 &&
       !check(cuMemcpyHtoDAsync(inputs[index], data, size, stream),
              "copying input '" + input.name + "' to the device", failure)) ||
      !synchronize("copying an input", failure))
    return false;
  inputSet[index] = true;
  return true;
}

bool CudaSession::getOutput(size_t index, void *data, size_t size,
                            Failure &failure) {
  const TensorDecl &output = manifest.outputs[index];
  if (size != output.bytes)
    return fail(failure, BWTA_ERROR_INVALID_ARGUMENT,
                "output '" + output.name + "' has " +
                    std::to_string(output.bytes) + " bytes, got a buffer of " +
                    std::to_string(size));
  ContextScope scope(context);
  return scope.ok(failure) &&
         (size == 0 ||
          check(cuMemcpyDtoHAsync(data, outputs[index], size, stream),
                "copying output '" + output.name + "' to the host", failure)) &&
         synchronize("copying an output", failure);
}

bool CudaSession::devicePointer(const std::string &name, uint64_t &address,
                                Failure &failure) {
  for (size_t i = 0; i < inputs.size(); ++i)
    if (manifest.inputs[i].name == name) {
      inputSet[i] = true; // the caller writes it
      address = inputs[i];
      return true;
    }
  for (size_t i = 0; i < outputs.size(); ++i)
    if (manifest.outputs[i].name == name)
      return address = outputs[i], true;
  for (size_t i = 0; i < buffers.size(); ++i)
    if (manifest.buffers[i].name == name)
      return address = buffers[i], true;
  for (size_t i = 0; i < manifest.weights.size(); ++i)
    if (manifest.weights[i].name == name)
      return address = weights + manifest.weights[i].offset, true;
  return fail(failure, BWTA_ERROR_NOT_FOUND,
              "the bundle has no input, output, buffer or weight '" + name + "'");
}

bool CudaSession::checkInputsSet(Failure &failure) const {
  for (size_t i = 0; i < inputSet.size(); ++i)
    if (!inputSet[i])
      return fail(failure, BWTA_ERROR_INVALID_ARGUMENT,
                  "input '" + manifest.inputs[i].name + "' was never set");
  return true;
}

bool CudaSession::enqueue(CUstream target, Failure &failure) {
  for (size_t s = 0; s < launches.size(); ++s) {
    const LaunchStep &step = manifest.schedule[s];
    Launch &launch = launches[s];
    // A kernel that waits for its predecessor itself may start while that
    // one finishes (programmatic dependent launch; in a captured graph this
    // becomes a programmatic edge). The first launch keeps stream order.
    CUlaunchAttribute overlap{};
    overlap.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    overlap.value.programmaticStreamSerializationAllowed = 1;
    CUlaunchConfig config{};
    config.gridDimX = step.grid[0];
    config.gridDimY = step.grid[1];
    config.gridDimZ = step.grid[2];
    config.blockDimX = step.block[0];
    config.blockDimY = step.block[1];
    config.blockDimZ = step.block[2];
    config.sharedMemBytes = step.sharedBytes;
    config.hStream = target;
    config.attrs = &overlap;
    config.numAttrs = s > 0 && manifest.kernels[step.kernel].gridDependency ? 1 : 0;
    CUresult result =
        cuLaunchKernelEx(&config, launch.function, launch.params.data(), nullptr);
    if (!check(result,
               "launching schedule[" + std::to_string(s) + "] (kernel '" +
                   manifest.kernels[step.kernel].name + "')",
               failure))
      return false;
  }
  return true;
}

bool CudaSession::ensureGraph(Failure &failure) {
  if (graphExec)
    return true;
  if (!check(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
             "beginning the graph capture", failure))
    return false;
  bool enqueued = enqueue(stream, failure);
  CUresult ended = cuStreamEndCapture(stream, &graph);
  if (!enqueued) {
    if (graph)
      cuGraphDestroy(graph);
    graph = nullptr;
    return false;
  }
  return check(ended, "capturing the schedule as a CUDA graph", failure) &&
         check(cuGraphInstantiate(&graphExec, graph, 0),
               "instantiating the CUDA graph", failure);
}

bool CudaSession::enqueueOnce(bool useGraph, Failure &failure,
                              CUstream target) {
  if (!target)
    target = stream;
  if (!useGraph)
    return enqueue(target, failure);
  return check(cuGraphLaunch(graphExec, target), "cuGraphLaunch", failure);
}

bool CudaSession::run(Failure &failure) {
  ContextScope scope(context);
  return scope.ok(failure) && checkInputsSet(failure) &&
         enqueue(stream, failure) &&
         synchronize("running the schedule", failure);
}

bool CudaSession::runGraph(Failure &failure) {
  ContextScope scope(context);
  return scope.ok(failure) && checkInputsSet(failure) &&
         ensureGraph(failure) && enqueueOnce(true, failure) &&
         synchronize("replaying the CUDA graph", failure);
}

bool CudaSession::launch(void *target, bool useGraph, Failure &failure) {
  ContextScope scope(context);
  return scope.ok(failure) && checkInputsSet(failure) &&
         (!useGraph || ensureGraph(failure)) &&
         enqueueOnce(useGraph, failure, static_cast<CUstream>(target));
}

bool CudaSession::benchmark(int warmup, int iterations, bool useGraph,
                            std::vector<float> &times, Failure &failure) {
  if (warmup < 0 || iterations < 1)
    return fail(failure, BWTA_ERROR_INVALID_ARGUMENT,
                "benchmark needs warmup >= 0 and iterations >= 1");
  ContextScope scope(context);
  if (!scope.ok(failure) || !checkInputsSet(failure) ||
      (useGraph && !ensureGraph(failure)))
    return false;
  for (int i = 0; i < warmup; ++i)
    if (!enqueueOnce(useGraph, failure))
      return false;
  if (!synchronize("the warm-up runs", failure))
    return false;
  CUevent start = nullptr, stop = nullptr;
  bool ok = check(cuEventCreate(&start, CU_EVENT_DEFAULT), "cuEventCreate",
                  failure) &&
            check(cuEventCreate(&stop, CU_EVENT_DEFAULT), "cuEventCreate",
                  failure);
  times.clear();
  for (int i = 0; ok && i < iterations; ++i) {
    float ms = 0;
    ok = check(cuEventRecord(start, stream), "cuEventRecord", failure) &&
         enqueueOnce(useGraph, failure) &&
         check(cuEventRecord(stop, stream), "cuEventRecord", failure) &&
         synchronize("a timed run", failure) &&
         check(cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime",
               failure);
    times.push_back(ms);
  }
  if (start)
    cuEventDestroy(start);
  if (stop)
    cuEventDestroy(stop);
  return ok;
}

} // namespace

bool Session::hasCuda() { return true; }

bool Session::getComputeCapability(int ordinal, int &major, int &minor,
                                   Failure &failure) {
  CUdevice device;
  std::string name;
  return getDevice(ordinal, device, name, failure) &&
         getCapability(device, major, minor, failure);
}

std::unique_ptr<Session> Session::create(std::shared_ptr<const Bundle> bundle,
                                         int ordinal, Failure &failure) {
  CUdevice device;
  std::string name;
  int major = 0, minor = 0;
  if (!getDevice(ordinal, device, name, failure) ||
      !getCapability(device, major, minor, failure))
    return nullptr;
  std::string why;
  if (!isDeviceCompatible(bundle->manifest().target, major, minor,
                          bundle->has(SectionKind::Ptx), why)) {
    fail(failure, BWTA_ERROR_DEVICE, name + " cannot run bundle '" +
                                            bundle->name() + "': " + why);
    return nullptr;
  }
  auto session = std::make_unique<CudaSession>(std::move(bundle), device);
  if (!session->init(name, failure))
    return nullptr;
  return session;
}
