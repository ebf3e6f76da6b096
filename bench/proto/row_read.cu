// How fast can the activation quantizer read its rows? (H200, cold L2.)
// Reads X [M][K] f16 (M = 2048, K = 4096: 16 MiB) row by row into shared
// memory, sums each row's words (so the data is used) and writes one word
// per row, as the lane walker (QuantizeLaneRows.cpp) does before its
// arithmetic. Variants:
//   lane: 16-byte cp.async per lane (the lane walker's copies), R rows per
//     block of 256 threads, grid-stride over rows;
//   bulk: one cp.async.bulk per row (the whole row, mbarrier complete_tx),
//     issued by one thread, the row's warps waiting on the mbarrier;
//   ldg: 16-byte global loads into registers (no shared memory), a warp
//     per row, U loads in flight per lane.
// Each at B blocks per SM (grid = B·132, shared memory sized so B fit).
// Inputs rotate over copies (256 MiB) so every launch reads DRAM; time per
// launch in batches of 16 back-to-back launches.
//
// Build: nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a \
//          -o row_read bench/proto/row_read.cu
// Run:   row_read [M] [K]
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                                   \
  do {                                                                             \
    cudaError_t e = (x);                                                           \
    if (e != cudaSuccess) {                                                        \
      std::fprintf(stderr, "%s:%d %s\n", __FILE__, __LINE__, cudaGetErrorString(e)); \
      std::exit(1);                                                                \
    }                                                                              \
  } while (0)

__device__ __forceinline__ uint32_t smemAddr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Sum of a row's 32-bit words in shared memory by the row's warps.
__device__ __forceinline__ uint32_t sumRow(const uint32_t* row, int words, int lane) {
  uint32_t s = 0;
  for (int i = lane; i < words; i += 32) s += row[i];
  for (int o = 16; o; o >>= 1) s += __shfl_xor_sync(~0u, s, o);
  return s;
}

// R rows per block, one warp group of 8/R warps per row; row bytes RB.
__global__ void __launch_bounds__(256) k_lane(const uint4* x, uint32_t* out, int m, int rowBytes,
                                              int rowsPerBlock) {
  extern __shared__ __align__(128) uint8_t smem[];
  const int warpsPerRow = 8 / rowsPerBlock;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int r = warp / warpsPerRow, w = warp % warpsPerRow;
  const int tpr = 32 * warpsPerRow, t = w * 32 + lane;
  uint8_t* buf = smem + r * rowBytes;
  const int chunks = rowBytes / 16;
  for (int row = blockIdx.x * rowsPerBlock + r; row < m; row += gridDim.x * rowsPerBlock) {
    const uint4* src = x + size_t(row) * chunks;
    for (int c = t; c < chunks; c += tpr)
      asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(smemAddr(buf + 16 * c)),
                   "l"(src + c)
                   : "memory");
    asm volatile("cp.async.wait_all;" ::: "memory");
    asm volatile("bar.sync %0, %1;" ::"r"(1 + r), "r"(tpr) : "memory");
    uint32_t s = sumRow(reinterpret_cast<uint32_t*>(buf) + w * (rowBytes / 4 / warpsPerRow),
                        rowBytes / 4 / warpsPerRow, lane);
    if (lane == 0) atomicAdd(out + row, s);
    asm volatile("bar.sync %0, %1;" ::"r"(1 + r), "r"(tpr) : "memory");
  }
}

__global__ void __launch_bounds__(256) k_bulk(const uint8_t* x, uint32_t* out, int m,
                                              int rowBytes, int rowsPerBlock) {
  extern __shared__ __align__(128) uint8_t smem[];
  const int warpsPerRow = 8 / rowsPerBlock;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int r = warp / warpsPerRow, w = warp % warpsPerRow;
  const int tpr = 32 * warpsPerRow;
  uint8_t* buf = smem + 64 + r * rowBytes;
  uint64_t* bar = reinterpret_cast<uint64_t*>(smem) + r;
  const uint32_t barA = smemAddr(bar);
  if (threadIdx.x % tpr == 0)
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(barA) : "memory");
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  __syncthreads();
  uint32_t phase = 0;
  for (int row = blockIdx.x * rowsPerBlock + r; row < m; row += gridDim.x * rowsPerBlock) {
    if (threadIdx.x % tpr == 0) {
      asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(barA),
                   "r"(rowBytes)
                   : "memory");
      asm volatile(
          "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, "
          "[%3];" ::"r"(smemAddr(buf)),
          "l"(x + size_t(row) * rowBytes), "r"(rowBytes), "r"(barA)
          : "memory");
    }
    asm volatile(
        "{ .reg .pred p; W: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1; @!p bra W; }" ::"r"(
            barA),
        "r"(phase)
        : "memory");
    phase ^= 1;
    uint32_t s = sumRow(reinterpret_cast<uint32_t*>(buf) + w * (rowBytes / 4 / warpsPerRow),
                        rowBytes / 4 / warpsPerRow, lane);
    if (lane == 0) atomicAdd(out + row, s);
    // The buffer is refilled only after every warp of the row has read it.
    asm volatile("bar.sync %0, %1;" ::"r"(1 + r), "r"(tpr) : "memory");
  }
}

template <int U>
__global__ void __launch_bounds__(256) k_ldg(const uint4* x, uint32_t* out, int m, int rowBytes) {
  const int lane = threadIdx.x & 31;
  const int warps = gridDim.x * 8;
  const int chunks = rowBytes / 16;
  for (int row = blockIdx.x * 8 + (threadIdx.x >> 5); row < m; row += warps) {
    const uint4* src = x + size_t(row) * chunks;
    uint32_t s = 0;
    for (int c0 = lane; c0 < chunks; c0 += 32 * U) {
      uint4 v[U];
#pragma unroll
      for (int u = 0; u < U; ++u)
        v[u] = c0 + 32 * u < chunks ? __ldcs(src + c0 + 32 * u) : make_uint4(0, 0, 0, 0);
#pragma unroll
      for (int u = 0; u < U; ++u) s += v[u].x + v[u].y + v[u].z + v[u].w;
    }
    for (int o = 16; o; o >>= 1) s += __shfl_xor_sync(~0u, s, o);
    if (lane == 0) out[row] = s;
  }
}

int main(int argc, char** argv) {
  const int m = argc > 1 ? std::atoi(argv[1]) : 2048;
  const int k = argc > 2 ? std::atoi(argv[2]) : 4096;
  const int rowBytes = 2 * k;
  const size_t bytes = size_t(m) * rowBytes;
  const int copies = int(std::max<size_t>(2, (256u << 20) / bytes));
  std::vector<uint8_t*> xs(copies);
  for (auto& p : xs) {
    CHECK(cudaMalloc(&p, bytes));
    CHECK(cudaMemset(p, 1, bytes));
  }
  uint32_t* out;
  CHECK(cudaMalloc(&out, m * 4));
  int sms;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  auto time = [&](const char* name, auto launch) {
    std::vector<float> t;
    // Batches of 16 back-to-back launches (as in a model run), per launch.
    for (int i = 0; i < 24; ++i) {
      CHECK(cudaEventRecord(a));
      for (int j = 0; j < 16; ++j) launch(xs[(16 * i + j) % copies]);
      CHECK(cudaEventRecord(b));
      CHECK(cudaEventSynchronize(b));
      float ms;
      CHECK(cudaEventElapsedTime(&ms, a, b));
      if (i >= 4) t.push_back(ms * 1000 / 16);
    }
    CHECK(cudaGetLastError());
    std::sort(t.begin(), t.end());
    std::printf("%-28s %8.2f us  %6.2f TB/s\n", name, t[t.size() / 2],
                bytes / (t[t.size() / 2] * 1e-6) / 1e12);
  };
  const int maxShared = 227 * 1024;
  for (int rows : {1, 2, 4, 8}) {
    for (int perSm : {1, 2, 3, 4}) {
      int shared = rows * rowBytes;
      if (shared * perSm > maxShared) continue;
      CHECK(cudaFuncSetAttribute(k_lane, cudaFuncAttributeMaxDynamicSharedMemorySize, shared));
      char name[64];
      std::snprintf(name, sizeof name, "lane R%d B%d", rows, perSm);
      time(name, [&](uint8_t* x) {
        k_lane<<<sms * perSm, 256, shared>>>(reinterpret_cast<const uint4*>(x), out, m, rowBytes,
                                             rows);
      });
      shared += 64;
      CHECK(cudaFuncSetAttribute(k_bulk, cudaFuncAttributeMaxDynamicSharedMemorySize, shared));
      std::snprintf(name, sizeof name, "bulk R%d B%d", rows, perSm);
      time(name, [&](uint8_t* x) { k_bulk<<<sms * perSm, 256, shared>>>(x, out, m, rowBytes, rows); });
    }
  }
  for (int perSm : {1, 2, 4, 8}) {
    char name[64];
    std::snprintf(name, sizeof name, "ldg U4 B%d", perSm);
    time(name, [&](uint8_t* x) {
      k_ldg<4><<<sms * perSm, 256>>>(reinterpret_cast<const uint4*>(x), out, m, rowBytes);
    });
    std::snprintf(name, sizeof name, "ldg U8 B%d", perSm);
    time(name, [&](uint8_t* x) {
      k_ldg<8><<<sms * perSm, 256>>>(reinterpret_cast<const uint4*>(x), out, m, rowBytes);
    });
  }
  return 0;
}
