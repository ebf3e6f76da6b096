// Device helpers shared by the BWTA GEMM prototypes (bwta_proto.cu,
// bgmma_rate.cu): CUDA error check, shared addresses, cp.async and wgmma
// synchronization, swizzled K-major layouts and their descriptors, wgmma b1
// wrappers, hashing and valid-bit masks for the generators.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wgmma_b1.inc"

#define CK(x)                                                                             \
  do {                                                                                    \
    cudaError_t e_ = (x);                                                                 \
    if (e_ != cudaSuccess) {                                                              \
      fprintf(stderr, "CUDA error %s at %s:%d: %s\n", #x, __FILE__, __LINE__,             \
              cudaGetErrorString(e_));                                                    \
      exit(2);                                                                            \
    }                                                                                     \
  } while (0)

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ uint32_t hash32(uint64_t x) {
  x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
  return (uint32_t)x;
}
__device__ __forceinline__ void cp16(uint32_t dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(valid ? 16 : 0)
               : "memory");
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
__device__ __forceinline__ void fence_proxy_async() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
__device__ __forceinline__ void wg_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wg_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wg_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
template <int R>
__device__ __forceinline__ void fence_regs(int (&d)[R]) {
#pragma unroll
  for (int i = 0; i < R; ++i) asm volatile("" : "+r"(d[i])::"memory");
}

// Swizzled K-major block: rows of W bytes (W = 32/64/128: Swizzle<log2(W/16),4,3>;
// W = 0: no swizzle, 8-row x 16-byte core matrices, [row group][chunk][8][16 B]).
template <int W>
__device__ __forceinline__ uint32_t swz_off(int r, int ch) {
  if constexpr (W == 0) return (r >> 3) * 256 + ch * 128 + (r & 7) * 16;
  else return r * W + ((ch ^ ((r * W >> 7) & (W / 16 - 1))) << 4);
}
template <int W>
__device__ __forceinline__ uint64_t mkdesc(uint32_t start) {
  constexpr uint32_t mode = W == 128 ? 1 : W == 64 ? 2 : W == 32 ? 3 : 0;
  constexpr uint32_t lbo = W == 0 ? 128 : 16;  // K-direction core-matrix stride (no swizzle)
  constexpr uint32_t sbo = W == 0 ? 256 : 8 * W;
  return (uint64_t)((start & 0x3FFFF) >> 4) | ((uint64_t)(lbo >> 4) << 16) |
         ((uint64_t)((sbo >> 4) & 0x3FFF) << 32) | ((uint64_t)mode << 62);
}
template <int BN>
__device__ __forceinline__ void wgmma_ss(int (&d)[BN / 2], uint64_t da, uint64_t db, int sd = 1) {
  if constexpr (BN == 256) wgmma_b1_ss_n256(d, da, db, sd);
  else if constexpr (BN == 128) wgmma_b1_ss_n128(d, da, db, sd);
  else if constexpr (BN == 64) wgmma_b1_ss_n64(d, da, db, sd);
  else wgmma_b1_ss_n32(d, da, db, sd);
}
template <int BN>
__device__ __forceinline__ void wgmma_rs(int (&d)[BN / 2], const uint32_t (&a)[4], uint64_t db,
                                         int sd = 1) {
  if constexpr (BN == 256) wgmma_b1_rs_n256(d, a[0], a[1], a[2], a[3], db, sd);
  else if constexpr (BN == 128) wgmma_b1_rs_n128(d, a[0], a[1], a[2], a[3], db, sd);
  else if constexpr (BN == 64) wgmma_b1_rs_n64(d, a[0], a[1], a[2], a[3], db, sd);
  else wgmma_b1_rs_n32(d, a[0], a[1], a[2], a[3], db, sd);
}

__device__ __forceinline__ uint32_t vmask(int row, int rows, int kword, int K) {
  if (row >= rows) return 0u;
  const int k0 = kword * 32;
  if (k0 >= K) return 0u;
  const int r = K - k0;
  return r >= 32 ? 0xffffffffu : ((1u << r) - 1u);
}

// One pipeline stage of the wgmma GEMMs: BK K tiles from kt0 of the CTA's
// 2 activation planes (BM rows from row tile mb·BM/16) and BN weight rows
// (column tile nb·BN/8) into the W = 32·BK-byte swizzled rows at smem
// address s (A plane pl at pl·BM·W, B after both planes), by NT threads.
// Packed layouts [P][RTa][KT][16][8] and [RTb][KT][8][8] u32; row tiles
// clamped, K tiles past KT zero-filled.
template <int BM, int BN, int BK, int NT>
__device__ __forceinline__ void load_stage_ss(uint32_t s, const uint32_t* A, const uint32_t* B,
                                              int RTa, int RTb, int KT, int mb, int nb, int kt0,
                                              int tid) {
  constexpr int W = 32 * BK, ART = BM / 16, BCT = BN / 8, A_BLK = BM * W;
  constexpr int ACH = 2 * ART * BK * 32;
#pragma unroll
  for (int i = 0; i < (ACH + NT - 1) / NT; ++i) {
    const int id = tid + i * NT;
    if (ACH % NT == 0 || id < ACH) {
      const int c = id & 1, rr = (id >> 1) & 15, kk = (id >> 5) % BK, seg = (id >> 5) / BK;
      const int pl = seg / ART, rtl = seg % ART;
      const int rt = min(mb * ART + rtl, RTa - 1);
      const int kt = kt0 + kk;
      const bool v = kt < KT;
      const uint32_t* src = A + ((size_t)((pl * RTa + rt) * KT + (v ? kt : 0)) * 16 + rr) * 8 + c * 4;
      cp16(s + pl * A_BLK + swz_off<W>(rtl * 16 + rr, kk * 2 + c), src, v);
    }
  }
  constexpr int BCH = BCT * BK * 16;
#pragma unroll
  for (int i = 0; i < (BCH + NT - 1) / NT; ++i) {
    const int id = tid + i * NT;
    if (BCH % NT == 0 || id < BCH) {
      const int c = id & 1, rr = (id >> 1) & 7, kk = (id >> 4) % BK, ctl = (id >> 4) / BK;
      const int ct = min(nb * BCT + ctl, RTb - 1);
      const int kt = kt0 + kk;
      const bool v = kt < KT;
      const uint32_t* src = B + ((size_t)(ct * KT + (v ? kt : 0)) * 8 + rr) * 8 + c * 4;
      cp16(s + 2 * A_BLK + swz_off<W>(ctl * 8 + rr, kk * 2 + c), src, v);
    }
  }
}

// lhs/lhsq: planes (p, n) and (p, ~n&valid); P(x=+1) = 1/2, P(-1) = 1/4, P(0) = 1/4.
__global__ void k_gen_lhs(uint32_t* lhs, uint32_t* lhsq, int M, int K, int RT, int KT, uint64_t seed) {
  const size_t per = (size_t)RT * KT * 128;
  for (size_t idx = blockIdx.x * (size_t)blockDim.x + threadIdx.x; idx < per;
       idx += (size_t)gridDim.x * blockDim.x) {
    const int w = idx % 8, r = (idx / 8) % 16, kt = (idx / 128) % KT, rt = idx / ((size_t)KT * 128);
    const uint32_t mask = vmask(rt * 16 + r, M, kt * 8 + w, K);
    const uint32_t h1 = hash32(seed * 0x9E3779B97F4A7C15ULL + 2 * idx);
    const uint32_t h2 = hash32(seed * 0x9E3779B97F4A7C15ULL + 2 * idx + 1);
    const uint32_t pw = h1 & mask, nw = h2 & ~h1 & mask;
    lhs[idx] = pw; lhs[per + idx] = nw;
    lhsq[idx] = pw; lhsq[per + idx] = ~nw & mask;
  }
}
__global__ void k_gen_rhs(uint32_t* rhs, size_t total, int N, int K, int RT, int KT, uint64_t seed) {
  const size_t per = (size_t)RT * KT * 64;
  for (size_t idx = blockIdx.x * (size_t)blockDim.x + threadIdx.x; idx < total;
       idx += (size_t)gridDim.x * blockDim.x) {
    const size_t j = idx % per;
    const int w = j % 8, r = (j / 8) % 8, kt = (j / 64) % KT, rt = j / ((size_t)KT * 64);
    rhs[idx] = hash32(seed * 0xD1B54A32D192ED03ULL + idx) & vmask(rt * 8 + r, N, kt * 8 + w, K);
  }
}
