//===- Session.h - run a bundle on a CUDA device ----------------*- C++ -*-===//
//
// The C++ side of the C API's sessions. Session.cpp implements it with the
// CUDA driver API; SessionNoCuda.cpp, used when CUDA is absent at configure
// time, refuses to create sessions with a clear message.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_RUNTIME_SESSION_H
#define BWTA_RUNTIME_SESSION_H

#include "bwta/runtime/Bundle.h"
#include "bwta_runtime.h"

#include <memory>
#include <string>
#include <vector>

namespace bwta::runtime {

/// A failure: its C API status and its message.
struct Failure {
  bwta_status status = BWTA_ERROR_CUDA;
  std::string message;
};

class Session {
public:
  virtual ~Session() = default;

  /// Whether this build can create sessions.
  static bool hasCuda();
  static std::unique_ptr<Session> create(std::shared_ptr<const Bundle> bundle,
                                         int device, Failure &failure);
  static bool getComputeCapability(int device, int &major, int &minor,
                                   Failure &failure);

  const Bundle &bundle() const { return *bundlePtr; }

  virtual bool setInput(size_t index, const void *data, size_t size,
                        Failure &failure) = 0;
  virtual bool getOutput(size_t index, void *data, size_t size,
                         Failure &failure) = 0;
  /// The device address of the input, output, buffer or weight `name`.
  virtual bool devicePointer(const std::string &name, uint64_t &address,
                             Failure &failure) = 0;
  virtual bool run(Failure &failure) = 0;
  virtual bool runGraph(Failure &failure) = 0;
  /// Enqueues one run (or graph replay) on `stream`, a CUstream of the
  /// device's primary context (null: the session's own), without waiting.
  virtual bool launch(void *stream, bool graph, Failure &failure) = 0;
  /// Milliseconds of each of `iterations` runs after `warmup` runs.
  virtual bool benchmark(int warmup, int iterations, bool graph,
                         std::vector<float> &times, Failure &failure) = 0;

protected:
  explicit Session(std::shared_ptr<const Bundle> bundle)
      : bundlePtr(std::move(bundle)) {}
  std::shared_ptr<const Bundle> bundlePtr;
};

} // namespace bwta::runtime

#endif // BWTA_RUNTIME_SESSION_H
