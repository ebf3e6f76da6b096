/*===- bwta_runtime.h - C API of the bwta runtime -----------------*- C -*-===*
 *
 * Opens .bwtab bundles and runs them on a CUDA device through the driver API.
 * Plain C (for ctypes, cffi and other languages). Every function that can
 * fail returns a bwta_status; on failure bwta_last_error() says what failed
 * and where. Handles are opaque; a bundle can be destroyed while sessions
 * made from it live on. A session is not thread-safe: use one per thread or
 * serialize calls. docs/Bundle.md has a usage example.
 *
 *===----------------------------------------------------------------------===*/
#ifndef BWTA_RUNTIME_H
#define BWTA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define BWTA_API __declspec(dllexport)
#else
#define BWTA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on incompatible changes of this header. */
#define BWTA_RUNTIME_API_VERSION 1

typedef enum bwta_status {
  BWTA_OK = 0,
  BWTA_ERROR_INVALID_ARGUMENT = 1, /* null handle, wrong size, bad name */
  BWTA_ERROR_BUNDLE = 2,           /* malformed bundle or manifest */
  BWTA_ERROR_IO = 3,               /* cannot open or read a file */
  BWTA_ERROR_NOT_FOUND = 4,        /* no input/output/tensor of that name */
  BWTA_ERROR_DEVICE = 5,           /* no such device, or it cannot run the bundle */
  BWTA_ERROR_CUDA = 6,             /* a CUDA driver call failed */
  BWTA_ERROR_UNSUPPORTED = 7       /* this library was built without CUDA */
} bwta_status;

/* Element types; the manifest spells them "f64", "f32", ... */
typedef enum bwta_dtype {
  BWTA_DTYPE_F64 = 1,
  BWTA_DTYPE_F32 = 2,
  BWTA_DTYPE_F16 = 3,
  BWTA_DTYPE_BF16 = 4,
  BWTA_DTYPE_F8E4M3 = 5,
  BWTA_DTYPE_F8E5M2 = 6,
  BWTA_DTYPE_I64 = 7,
  BWTA_DTYPE_I32 = 8,
  BWTA_DTYPE_I16 = 9,
  BWTA_DTYPE_I8 = 10,
  BWTA_DTYPE_U64 = 11,
  BWTA_DTYPE_U32 = 12,
  BWTA_DTYPE_U16 = 13,
  BWTA_DTYPE_U8 = 14,
  BWTA_DTYPE_BOOL = 15
} bwta_dtype;

typedef struct bwta_bundle bwta_bundle;
typedef struct bwta_session bwta_session;

/* An input or output. The pointers stay valid while the bundle lives. */
typedef struct bwta_tensor_info {
  const char *name;
  bwta_dtype dtype;
  const char *dtype_name; /* "f32", "bf16", ... */
  size_t rank;
  const int64_t *shape; /* rank entries, row-major */
  uint64_t bytes;       /* product of shape × element size */
} bwta_tensor_info;

BWTA_API int bwta_runtime_api_version(void);
/* The message of the latest failure on the calling thread ("" if none);
 * valid until the next failing call on this thread. */
BWTA_API const char *bwta_last_error(void);
BWTA_API const char *bwta_status_name(bwta_status status);
/* Whether this library can run bundles (built with CUDA). */
BWTA_API int bwta_runtime_has_cuda(void);

/* Reads and validates a bundle file (memory-mapped where possible). */
BWTA_API bwta_status bwta_bundle_open(const char *path, bwta_bundle **bundle);
/* Validates a bundle image in memory (copied; `data` may be freed after). */
BWTA_API bwta_status bwta_bundle_open_memory(const void *data, size_t size,
                                             bwta_bundle **bundle);
BWTA_API void bwta_bundle_destroy(bwta_bundle *bundle);

BWTA_API size_t bwta_bundle_num_inputs(const bwta_bundle *bundle);
BWTA_API size_t bwta_bundle_num_outputs(const bwta_bundle *bundle);
BWTA_API bwta_status bwta_bundle_input(const bwta_bundle *bundle, size_t index,
                                       bwta_tensor_info *info);
BWTA_API bwta_status bwta_bundle_output(const bwta_bundle *bundle, size_t index,
                                        bwta_tensor_info *info);
/* The target chip ("sm_90a"), and the manifest as JSON text. */
BWTA_API const char *bwta_bundle_target(const bwta_bundle *bundle);
BWTA_API const char *bwta_bundle_manifest_json(const bwta_bundle *bundle);

/* The compute capability of CUDA device `device`. */
BWTA_API bwta_status bwta_device_compute_capability(int device, int *major,
                                                    int *minor);

/* Makes a session on CUDA device `device` (its primary context, shared with
 * the CUDA runtime and frameworks): checks that the device can run the
 * bundle's target, loads the CUBIN (or JIT-compiles the PTX), allocates
 * every input, output and buffer (zeroed) and uploads the weights. */
BWTA_API bwta_status bwta_session_create(const bwta_bundle *bundle, int device,
                                         bwta_session **session);
BWTA_API void bwta_session_destroy(bwta_session *session);

/* Copies `bytes` (exactly the input's size) from host memory. Every input
 * must be set (or its device pointer taken) before the first run. */
BWTA_API bwta_status bwta_session_set_input(bwta_session *session,
                                            const char *name, const void *data,
                                            size_t bytes);
/* Runs the schedule on the session's stream and waits for it. */
BWTA_API bwta_status bwta_session_run(bwta_session *session);
/* The same as a CUDA graph: captured on the first call, replayed after. */
BWTA_API bwta_status bwta_session_run_graph(bwta_session *session);
/* Copies an output (`bytes` must be its size) to host memory. */
BWTA_API bwta_status bwta_session_get_output(bwta_session *session,
                                             const char *name, void *data,
                                             size_t bytes);
/* The device address of an input, output, buffer or weight, for zero-copy
 * use with other CUDA code (taking an input's address counts as setting it). */
BWTA_API bwta_status bwta_session_device_pointer(bwta_session *session,
                                                 const char *name,
                                                 uint64_t *address);
/* Enqueues one run of the schedule on `stream` and returns without waiting
 * (use_graph: a replay of the CUDA graph, captured on the session's stream
 * on the first such call). `stream` is a CUstream / cudaStream_t of the
 * device's primary context; NULL means the session's own stream. For timing
 * with the caller's events and running many sessions back to back; a failing
 * kernel shows at the caller's next synchronization of that stream. */
BWTA_API bwta_status bwta_session_launch(bwta_session *session, void *stream,
                                         int use_graph);
/* Times `iterations` runs after `warmup` untimed ones with CUDA events;
 * times_ms receives one time per run, in milliseconds. */
BWTA_API bwta_status bwta_session_benchmark(bwta_session *session, int warmup,
                                            int iterations, int use_graph,
                                            float *times_ms);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BWTA_RUNTIME_H */
