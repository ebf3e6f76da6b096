//===- fill.h - fresh random data in device memory for bwta-bench ---------===//
//
// Every fill is a counter-based hash of (seed, element index), so any buffer
// can be filled in one pass at memory speed, and each call with a new seed
// gives new data. Nothing here is ever zero by construction except where a
// random bit pattern happens to be.
//
//===----------------------------------------------------------------------===//
#ifndef BWTA_BENCH_FILL_H
#define BWTA_BENCH_FILL_H

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace bwta::bench {

/// Random bits over `bytes` bytes (any size and alignment).
cudaError_t fillBits(void *data, size_t bytes, uint64_t seed,
                     cudaStream_t stream);
/// Uniform values in [lo, hi) of the given element type.
cudaError_t fillUniformF32(void *data, size_t count, float lo, float hi,
                           uint64_t seed, cudaStream_t stream);
cudaError_t fillUniformF64(void *data, size_t count, float lo, float hi,
                           uint64_t seed, cudaStream_t stream);
cudaError_t fillUniformF16(void *data, size_t count, float lo, float hi,
                           uint64_t seed, cudaStream_t stream);
cudaError_t fillUniformBF16(void *data, size_t count, float lo, float hi,
                            uint64_t seed, cudaStream_t stream);
/// FP8 values in [1, 2): exponent of 1.0, random mantissa bits.
cudaError_t fillF8(void *data, size_t count, bool e4m3, uint64_t seed,
                   cudaStream_t stream);
/// Bytes 0 or 1.
cudaError_t fillBool(void *data, size_t count, uint64_t seed,
                     cudaStream_t stream);

} // namespace bwta::bench

#endif // BWTA_BENCH_FILL_H
