//===- SessionNoCuda.cpp - sessions in a build without CUDA ---------------===//
//
// Built instead of Session.cpp when CMake found no CUDA toolkit: bundles can
// still be read and inspected, but nothing can run.
//
//===----------------------------------------------------------------------===//
#include "bwta/runtime/Session.h"

using namespace bwta::runtime;

static const char *const kNoCuda =
    "this bwta runtime was built without CUDA (no CUDA toolkit at configure "
    "time, or BWTA_RUNTIME_CUDA=OFF), so it cannot run bundles";

bool Session::hasCuda() { return false; }

bool Session::getComputeCapability(int, int &, int &, Failure &failure) {
  failure = {BWTA_ERROR_UNSUPPORTED, kNoCuda};
  return false;
}

std::unique_ptr<Session> Session::create(std::shared_ptr<const Bundle>, int,
                                         Failure &failure) {
  failure = {BWTA_ERROR_UNSUPPORTED, kNoCuda};
  return nullptr;
}
