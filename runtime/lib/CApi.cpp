//===- CApi.cpp - the C API over Bundle and Session -----------------------===//
#include "bwta_runtime.h"

#include "bwta/runtime/Session.h"

#include <cstring>

using namespace bwta::runtime;

struct bwta_bundle {
  std::shared_ptr<const Bundle> bundle;
};

struct bwta_session {
  std::unique_ptr<Session> session;
};

static_assert(int(DType::F64) == BWTA_DTYPE_F64 &&
                  int(DType::BF16) == BWTA_DTYPE_BF16 &&
                  int(DType::F8E5M2) == BWTA_DTYPE_F8E5M2 &&
                  int(DType::I8) == BWTA_DTYPE_I8 &&
                  int(DType::U8) == BWTA_DTYPE_U8 &&
                  int(DType::Bool) == BWTA_DTYPE_BOOL,
              "bwta_dtype and bwta::runtime::DType differ");

namespace {

thread_local std::string lastError;

bwta_status failWith(bwta_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

bwta_status failWith(const Failure &failure) {
  return failWith(failure.status, failure.message);
}

bwta_status openWith(std::unique_ptr<Bundle> bundle, const std::string &error,
                     bwta_bundle **out) {
  if (!bundle) {
    // Bundle::read's I/O failures start with "cannot open"/"cannot read".
    bool io = error.rfind("cannot ", 0) == 0;
    return failWith(io ? BWTA_ERROR_IO : BWTA_ERROR_BUNDLE, error);
  }
  *out = new bwta_bundle{std::move(bundle)};
  return BWTA_OK;
}

bwta_status tensorInfo(const std::vector<TensorDecl> &list, size_t index,
                       const char *what, bwta_tensor_info *info) {
  if (!info)
    return failWith(BWTA_ERROR_INVALID_ARGUMENT, std::string(what) +
                                                     ": info is null");
  if (index >= list.size())
    return failWith(BWTA_ERROR_NOT_FOUND,
                    std::string(what) + ": index " + std::to_string(index) +
                        " is out of range (the bundle has " +
                        std::to_string(list.size()) + ")");
  const TensorDecl &tensor = list[index];
  info->name = tensor.name.c_str();
  info->dtype = bwta_dtype(tensor.dtype);
  info->dtype_name = getDTypeName(tensor.dtype);
  info->rank = tensor.shape.size();
  info->shape = tensor.shape.data();
  info->bytes = tensor.bytes;
  return BWTA_OK;
}

/// The index of the tensor called `name` in `list`, or a NotFound failure.
bool findTensor(const std::vector<TensorDecl> &list, const char *name,
                const char *kind, const Bundle &bundle, size_t &index) {
  for (index = 0; index < list.size(); ++index)
    if (list[index].name == name)
      return true;
  std::string known;
  for (const TensorDecl &tensor : list)
    known += (known.empty() ? "" : ", ") + tensor.name;
  failWith(BWTA_ERROR_NOT_FOUND, "bundle '" + bundle.name() + "' has no " +
                                     kind + " '" + name + "' (its " + kind +
                                     "s: " + (known.empty() ? "none" : known) +
                                     ")");
  return false;
}

#define BWTA_REQUIRE(condition, message)                                       \
  if (!(condition))                                                            \
    return failWith(BWTA_ERROR_INVALID_ARGUMENT, message);

} // namespace

extern "C" {

int bwta_runtime_api_version(void) { return BWTA_RUNTIME_API_VERSION; }

const char *bwta_last_error(void) { return lastError.c_str(); }

const char *bwta_status_name(bwta_status status) {
  switch (status) {
  case BWTA_OK: return "BWTA_OK";
  case BWTA_ERROR_INVALID_ARGUMENT: return "BWTA_ERROR_INVALID_ARGUMENT";
  case BWTA_ERROR_BUNDLE: return "BWTA_ERROR_BUNDLE";
  case BWTA_ERROR_IO: return "BWTA_ERROR_IO";
  case BWTA_ERROR_NOT_FOUND: return "BWTA_ERROR_NOT_FOUND";
  case BWTA_ERROR_DEVICE: return "BWTA_ERROR_DEVICE";
  case BWTA_ERROR_CUDA: return "BWTA_ERROR_CUDA";
  case BWTA_ERROR_UNSUPPORTED: return "BWTA_ERROR_UNSUPPORTED";
  }
  return "unknown bwta_status";
}

int bwta_runtime_has_cuda(void) { return Session::hasCuda() ? 1 : 0; }

bwta_status bwta_bundle_open(const char *path, bwta_bundle **bundle) {
  BWTA_REQUIRE(path && bundle, "bwta_bundle_open: path and bundle must not be null");
  std::string error;
  return openWith(Bundle::read(std::string(path), error), error, bundle);
}

bwta_status bwta_bundle_open_memory(const void *data, size_t size,
                                    bwta_bundle **bundle) {
  BWTA_REQUIRE((data || size == 0) && bundle,
               "bwta_bundle_open_memory: data and bundle must not be null");
  std::string error;
  return openWith(Bundle::read(data, size, "<memory>", error), error, bundle);
}

void bwta_bundle_destroy(bwta_bundle *bundle) { delete bundle; }

size_t bwta_bundle_num_inputs(const bwta_bundle *bundle) {
  return bundle ? bundle->bundle->manifest().inputs.size() : 0;
}

size_t bwta_bundle_num_outputs(const bwta_bundle *bundle) {
  return bundle ? bundle->bundle->manifest().outputs.size() : 0;
}

bwta_status bwta_bundle_input(const bwta_bundle *bundle, size_t index,
                              bwta_tensor_info *info) {
  BWTA_REQUIRE(bundle, "bwta_bundle_input: bundle is null");
  return tensorInfo(bundle->bundle->manifest().inputs, index,
                    "bwta_bundle_input", info);
}

bwta_status bwta_bundle_output(const bwta_bundle *bundle, size_t index,
                               bwta_tensor_info *info) {
  BWTA_REQUIRE(bundle, "bwta_bundle_output: bundle is null");
  return tensorInfo(bundle->bundle->manifest().outputs, index,
                    "bwta_bundle_output", info);
}

const char *bwta_bundle_target(const bwta_bundle *bundle) {
  return bundle ? bundle->bundle->manifest().target.chip.c_str() : "";
}

const char *bwta_bundle_manifest_json(const bwta_bundle *bundle) {
  return bundle ? bundle->bundle->manifest().text.c_str() : "";
}

bwta_status bwta_device_compute_capability(int device, int *major, int *minor) {
  BWTA_REQUIRE(major && minor,
               "bwta_device_compute_capability: major and minor must not be null");
  Failure failure;
  if (!Session::getComputeCapability(device, *major, *minor, failure))
    return failWith(failure);
  return BWTA_OK;
}

bwta_status bwta_session_create(const bwta_bundle *bundle, int device,
                                bwta_session **session) {
  BWTA_REQUIRE(bundle && session,
               "bwta_session_create: bundle and session must not be null");
  Failure failure;
  std::unique_ptr<Session> created =
      Session::create(bundle->bundle, device, failure);
  if (!created)
    return failWith(failure);
  *session = new bwta_session{std::move(created)};
  return BWTA_OK;
}

void bwta_session_destroy(bwta_session *session) { delete session; }

bwta_status bwta_session_set_input(bwta_session *session, const char *name,
                                   const void *data, size_t bytes) {
  BWTA_REQUIRE(session && name && (data || bytes == 0),
               "bwta_session_set_input: session, name and data must not be null");
  Session &s = *session->session;
  size_t index;
  if (!findTensor(s.bundle().manifest().inputs, name, "input", s.bundle(), index))
    return BWTA_ERROR_NOT_FOUND;
  Failure failure;
  return s.setInput(index, data, bytes, failure) ? BWTA_OK : failWith(failure);
}

bwta_status bwta_session_get_output(bwta_session *session, const char *name,
                                    void *data, size_t bytes) {
  BWTA_REQUIRE(session && name && (data || bytes == 0),
               "bwta_session_get_output: session, name and data must not be null");
  Session &s = *session->session;
  size_t index;
  if (!findTensor(s.bundle().manifest().outputs, name, "output", s.bundle(),
                  index))
    return BWTA_ERROR_NOT_FOUND;
  Failure failure;
  return s.getOutput(index, data, bytes, failure) ? BWTA_OK : failWith(failure);
}

bwta_status bwta_session_device_pointer(bwta_session *session, const char *name,
                                        uint64_t *address) {
  BWTA_REQUIRE(session && name && address,
               "bwta_session_device_pointer: arguments must not be null");
  Failure failure;
  return session->session->devicePointer(name, *address, failure)
             ? BWTA_OK
             : failWith(failure);
}

bwta_status bwta_session_run(bwta_session *session) {
  BWTA_REQUIRE(session, "bwta_session_run: session is null");
  Failure failure;
  return session->session->run(failure) ? BWTA_OK : failWith(failure);
}

bwta_status bwta_session_run_graph(bwta_session *session) {
  BWTA_REQUIRE(session, "bwta_session_run_graph: session is null");
  Failure failure;
  return session->session->runGraph(failure) ? BWTA_OK : failWith(failure);
}

bwta_status bwta_session_launch(bwta_session *session, void *stream,
                                int use_graph) {
  BWTA_REQUIRE(session, "bwta_session_launch: session is null");
  Failure failure;
  return session->session->launch(stream, use_graph != 0, failure)
             ? BWTA_OK
             : failWith(failure);
}

bwta_status bwta_session_benchmark(bwta_session *session, int warmup,
                                   int iterations, int use_graph,
                                   float *times_ms) {
  BWTA_REQUIRE(session && times_ms,
               "bwta_session_benchmark: session and times_ms must not be null");
  Failure failure;
  std::vector<float> times;
  if (!session->session->benchmark(warmup, iterations, use_graph != 0, times,
                                   failure))
    return failWith(failure);
  std::memcpy(times_ms, times.data(), times.size() * sizeof(float));
  return BWTA_OK;
}

} // extern "C"
