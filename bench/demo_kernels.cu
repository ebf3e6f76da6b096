//===- demo_kernels.cu - the kernels of bwta-bench's stand-in bundles -----===//
//
// A correct but naive BWTA linear layer, y = x · Wᵀ, for checking the bundle
// path of bwta-bench before bwta-compile writes real bundles (README.md):
//
//   demo_quantize_ternary  x f16 [M, K] -> ternary planes (pos, neg) as u32
//                          words [2][M][KW] and one scale per token: Δ = 0.7 ·
//                          mean |x|, t = sign(x) where |x| > Δ, α = mean |x|
//                          over those (0 if none)
//   demo_binary_linear     y[m, n] = α[m] · s[n] · Σ_k t[m, k] · w[n, k] + b[n]
//                          with w[n, k] = +1 where bit k of row n is set,
//                          else −1 (u32 words [N][KW], bit k % 32 of word
//                          k / 32); one warp per output element
//
// Compiled to a cubin (nvcc -cubin) and packed by bwta-bench-demo. Not our
// kernels: their speed says nothing about bwta's.
//
//===----------------------------------------------------------------------===//
#include <cuda_fp16.h>
#include <stdint.h>

namespace {

__device__ float blockSum(float value, float *scratch) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads(); // scratch may still be read by a previous call
  if (lane == 0)
    scratch[warp] = value;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < int(blockDim.x / 32); ++w)
    total += scratch[w];
  return total;
}

} // namespace

// One block per token; blockDim.x a multiple of 32, at most 1024.
extern "C" __global__ void demo_quantize_ternary(const __half *x,
                                                 uint32_t *planes, float *sx,
                                                 int M, int K, int KW) {
  __shared__ float scratch[32];
  int m = blockIdx.x;
  const __half *row = x + size_t(m) * K;
  float sum = 0.0f;
  for (int k = threadIdx.x; k < K; k += blockDim.x)
    sum += fabsf(__half2float(row[k]));
  float delta = 0.7f * blockSum(sum, scratch) / float(K);
  float kept = 0.0f, count = 0.0f;
  uint32_t *pos = planes + size_t(m) * KW;
  uint32_t *neg = planes + size_t(M) * KW + size_t(m) * KW;
  for (int word = threadIdx.x; word < KW; word += blockDim.x) {
    uint32_t p = 0, q = 0;
    for (int bit = 0; bit < 32; ++bit) {
      int k = word * 32 + bit;
      if (k >= K)
        break;
      float value = __half2float(row[k]);
      if (fabsf(value) > delta) {
        kept += fabsf(value);
        count += 1.0f;
        if (value > 0.0f)
          p |= 1u << bit;
        else
          q |= 1u << bit;
      }
    }
    pos[word] = p;
    neg[word] = q;
  }
  kept = blockSum(kept, scratch);
  count = blockSum(count, scratch);
  if (threadIdx.x == 0)
    sx[m] = count > 0.0f ? kept / count : 0.0f;
}

// grid = [ceil(N / (blockDim.x / 32)), M, 1].
extern "C" __global__ void demo_binary_linear(const uint32_t *planes,
                                              const uint32_t *w, const float *sx,
                                              const float *sw, const float *bias,
                                              __half *y, int M, int N, int KW) {
  int lane = threadIdx.x % 32;
  int n = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  int m = blockIdx.y;
  if (n >= N)
    return;
  const uint32_t *pos = planes + size_t(m) * KW;
  const uint32_t *neg = planes + size_t(M) * KW + size_t(m) * KW;
  const uint32_t *row = w + size_t(n) * KW;
  int acc = 0;
  for (int i = lane; i < KW; i += 32) {
    uint32_t bits = row[i], p = pos[i], q = neg[i];
    acc += 2 * __popc(p & bits) - __popc(p) - 2 * __popc(q & bits) + __popc(q);
  }
  for (int offset = 16; offset > 0; offset /= 2)
    acc += __shfl_xor_sync(0xffffffffu, acc, offset);
  if (lane == 0)
    y[size_t(m) * N + n] = __float2half_rn(sx[m] * sw[n] * float(acc) + bias[n]);
}
