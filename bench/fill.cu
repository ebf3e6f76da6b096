//===- fill.cu - random fills for bwta-bench ------------------------------===//
#include "fill.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <type_traits>

namespace bwta::bench {
namespace {

__device__ __forceinline__ uint64_t mix(uint64_t seed, uint64_t index) {
  // splitmix64 of a per-element counter.
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Uniform in [0, 1) from the top 24 bits.
__device__ __forceinline__ float unit(uint64_t bits) {
  return float(bits >> 40) * (1.0f / 16777216.0f);
}

__global__ void bitsKernel(uint64_t *words, size_t count, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    words[i] = mix(seed, i);
}

__global__ void bytesKernel(uint8_t *bytes, size_t count, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    bytes[i] = uint8_t(mix(seed, i) >> 56);
}

template <typename T>
__global__ void uniformKernel(T *data, size_t count, float lo, float hi,
                              uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x) {
    float value = lo + (hi - lo) * unit(mix(seed, i));
    if constexpr (std::is_same_v<T, __half>)
      data[i] = __float2half_rn(value);
    else if constexpr (std::is_same_v<T, __nv_bfloat16>)
      data[i] = __float2bfloat16_rn(value);
    else
      data[i] = T(value);
  }
}

__global__ void f8Kernel(uint8_t *data, size_t count, bool e4m3,
                         uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x) {
    uint8_t bits = uint8_t(mix(seed, i) >> 56);
    // 1.0 is 0x38 in e4m3 (3 mantissa bits), 0x3c in e5m2 (2 bits).
    data[i] = e4m3 ? uint8_t(0x38 | (bits & 7)) : uint8_t(0x3c | (bits & 3));
  }
}

__global__ void boolKernel(uint8_t *data, size_t count, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < count;
       i += size_t(gridDim.x) * blockDim.x)
    data[i] = uint8_t(mix(seed, i) >> 63);
}

dim3 gridFor(size_t count) {
  size_t blocks = (count + 255) / 256;
  return dim3(unsigned(blocks < 65536 ? (blocks ? blocks : 1) : 65536));
}

} // namespace

cudaError_t fillBits(void *data, size_t bytes, uint64_t seed,
                     cudaStream_t stream) {
  auto address = reinterpret_cast<uintptr_t>(data);
  size_t head = std::min(bytes, size_t((8 - address % 8) % 8));
  size_t words = (bytes - head) / 8;
  size_t tail = bytes - head - words * 8;
  auto *bytePtr = static_cast<uint8_t *>(data);
  if (head)
    bytesKernel<<<1, 256, 0, stream>>>(bytePtr, head, seed ^ 0x1234);
  if (words)
    bitsKernel<<<gridFor(words), 256, 0, stream>>>(
        reinterpret_cast<uint64_t *>(bytePtr + head), words, seed);
  if (tail)
    bytesKernel<<<1, 256, 0, stream>>>(bytePtr + head + words * 8, tail,
                                       seed ^ 0x5678);
  return cudaGetLastError();
}

#define BWTA_UNIFORM(NAME, TYPE)                                               \
  cudaError_t NAME(void *data, size_t count, float lo, float hi,              \
                   uint64_t seed, cudaStream_t stream) {                       \
    if (count)                                                                 \
      uniformKernel<TYPE><<<gridFor(count), 256, 0, stream>>>(                 \
          static_cast<TYPE *>(data), count, lo, hi, seed);                     \
    return cudaGetLastError();                                                 \
  }
BWTA_UNIFORM(fillUniformF32, float)
BWTA_UNIFORM(fillUniformF64, double)
BWTA_UNIFORM(fillUniformF16, __half)
BWTA_UNIFORM(fillUniformBF16, __nv_bfloat16)
#undef BWTA_UNIFORM

cudaError_t fillF8(void *data, size_t count, bool e4m3, uint64_t seed,
                   cudaStream_t stream) {
  if (count)
    f8Kernel<<<gridFor(count), 256, 0, stream>>>(static_cast<uint8_t *>(data),
                                                 count, e4m3, seed);
  return cudaGetLastError();
}

cudaError_t fillBool(void *data, size_t count, uint64_t seed,
                     cudaStream_t stream) {
  if (count)
    boolKernel<<<gridFor(count), 256, 0, stream>>>(
        static_cast<uint8_t *>(data), count, seed);
  return cudaGetLastError();
}

} // namespace bwta::bench
