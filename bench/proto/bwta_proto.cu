// BWTA linear-layer GEMM prototypes for the H200 (sm_90a): ternary activations
// (planes p = [x=+1], n = [x=-1]) x binary weights (plane b = [w=+1]), fused
// BTC epilogue  y[m,n] = (f32(2(Ppb - Pnb) - xsum[m]) * sx[m]) * sw[n] + bias[n]
// (f16 out).  Packed operands use the compiler's layout [P][RT][KT][R][8] u32
// (R = 16 for the activation, 8 for the weight), padding bits/rows zero.
//
// Variants (see FINDINGS.md):
//   k_mma    : mma.sync m16n8k256 b1 and.popc, cp.async multi-stage smem pipeline,
//              fragment-native smem order (the packed tiles copied verbatim),
//              LDS.64 fragment loads; KD = "K-doubled": the n plane is
//              complemented in registers so both planes accumulate into ONE
//              accumulator (S = Ppb + P(~n)b = Ppb - Pnb + popc(b)).
//   k_wgmma  : wgmma m64nNk256 b1 and.popc (sm_90a), 1-2 consumer warpgroups,
//              cp.async multi-stage pipeline, SS (A = q plane = ~n precomputed)
//              or RS (A fragments loaded to registers, n complemented there).
//   k_decode : M = 1 GEMV: one warp per 8-column weight tile, all loads issued
//              up front (LDG.128), popc on CUDA cores or one MMA per K tile.
#include <cuda.h>
#include <cudaTypedefs.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cublas_v2.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>
#include <string>
#include <vector>

#include "proto_util.cuh"

#define CKB(x)                                                                              \
  do {                                                                                      \
    cublasStatus_t s_ = (x);                                                                \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                                      \
      fprintf(stderr, "cuBLAS error %d at %s:%d\n", (int)s_, __FILE__, __LINE__);           \
      exit(2);                                                                              \
    }                                                                                       \
  } while (0)

struct Prob {
  int M, N, K, KT, RTa, RTb;
  const uint32_t* lhs;   // [2][RTa][KT][16][8]: planes p, n
  const uint32_t* lhsq;  // same, planes p, q = ~n on valid bits (what a pack kernel could emit)
  const uint32_t* rhs;   // [RTb][KT][8][8]: plane b
  const int* xsum;       // [M] sum_k x = popc(p) - popc(n)
  const float* sx;       // [M]
  const int* bcnt;       // [N] popc(b) of the weight row (weight-side constant)
  const float* sw;       // [N]
  const float* bias;     // [N]
  __half* out;           // [M][N]
};

// ---------------------------------------------------------------------------
// Small device helpers
// ---------------------------------------------------------------------------
__device__ __forceinline__ float epi(int dot, float sx, float sw, float bias) {
  // Semantics.md btc_epilogue: y = -0.0 + (f32(acc)*sx)*sw; y = y + bias  (no contraction)
  return __fadd_rn(__fmul_rn(__fmul_rn(__int2float_rn(dot), sx), sw), bias);
}

// Writes y[m][n], y[m][n+1] (n even) from v = (Ppb - Pnb) (+ bcnt when KD).
template <bool KD>
__device__ __forceinline__ void epi_store(const Prob& p, int m, int xs, float sx, int n, int v0,
                                          int v1) {
  if (m >= p.M || n >= p.N) return;
  const bool two = n + 1 < p.N;
  const int n1 = two ? n + 1 : n;
  if (KD) {
    v0 -= __ldg(p.bcnt + n);
    v1 -= __ldg(p.bcnt + n1);
  }
  const float y0 = epi(2 * v0 - xs, sx, __ldg(p.sw + n), __ldg(p.bias + n));
  const float y1 = epi(2 * v1 - xs, sx, __ldg(p.sw + n1), __ldg(p.bias + n1));
  __half* o = p.out + (size_t)m * p.N + n;
  if (two && (p.N & 1) == 0) {
    *reinterpret_cast<__half2*>(o) = __floats2half2_rn(y0, y1);
  } else {
    o[0] = __float2half_rn(y0);
    if (two) o[1] = __float2half_rn(y1);
  }
}

__device__ __forceinline__ void fence_reg(uint32_t& r) { asm volatile("" : "+r"(r)::"memory"); }

__device__ __forceinline__ void mma_b1(int (&d)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                       uint32_t a3, uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k256.row.col.s32.b1.b1.s32.and.popc {%0,%1,%2,%3}, "
      "{%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// ---------------------------------------------------------------------------
// Staged epilogue (all kernels): per-row (xsum, sx) and per-column (bcnt, sw, bias)
// parameters are copied to shared memory before the mainloop; after it, each thread
// converts its accumulator fragments to f16 into a padded smem tile
// [BM][BN + 8] (row stride = 4 banks mod 32: the fragment writes are
// conflict-free), and the CTA writes the tile with coalesced 16-byte stores.
// (Loading the parameters from global memory between the stores serializes one
// L2 round trip per fragment: the compiler cannot hoist loads above stores.)
// ---------------------------------------------------------------------------
template <int BM, int BN>
struct EpiParams {
  int xs[BM];
  float sx[BM];
  int bc[BN];
  float sw[BN];
  float bias[BN];
};
template <int BM, int BN, int NT>
__device__ __forceinline__ void epi_params_load(EpiParams<BM, BN>& e, const Prob& p, int m0, int n0,
                                                int tid) {
  for (int i = tid; i < BM; i += NT) {
    const int m = min(m0 + i, p.M - 1);
    e.xs[i] = __ldg(p.xsum + m);
    e.sx[i] = __ldg(p.sx + m);
  }
  for (int i = tid; i < BN; i += NT) {
    const int n = min(n0 + i, p.N - 1);
    e.bc[i] = __ldg(p.bcnt + n);
    e.sw[i] = __ldg(p.sw + n);
    e.bias[i] = __ldg(p.bias + n);
  }
}
// v = (Ppb - Pnb), or S = Ppb + P(~n)b when KD (then bcnt is subtracted here).
template <bool KD, int BM, int BN>
__device__ __forceinline__ void epi_stage(const EpiParams<BM, BN>& e, __half* so, int r, int c,
                                          int v0, int v1) {
  const int xs = e.xs[r];
  const float sx = e.sx[r];
  if (KD) {
    v0 -= e.bc[c];
    v1 -= e.bc[c + 1];
  }
  const float y0 = epi(2 * v0 - xs, sx, e.sw[c], e.bias[c]);
  const float y1 = epi(2 * v1 - xs, sx, e.sw[c + 1], e.bias[c + 1]);
  *reinterpret_cast<__half2*>(so + r * (BN + 8) + c) = __floats2half2_rn(y0, y1);
}
template <int BM, int BN, int NT>
__device__ __forceinline__ void epi_store_tile(const Prob& p, const __half* so, int m0, int n0,
                                               int tid) {
  constexpr int CPR = BN / 8;  // 16-byte chunks per row
  const bool vec = (p.N & 7) == 0;
#pragma unroll 4
  for (int id = tid; id < BM * CPR; id += NT) {
    const int r = id / CPR, ch = id % CPR;
    const int m = m0 + r, n = n0 + ch * 8;
    if (m >= p.M || n >= p.N) continue;
    const __half* src = so + r * (BN + 8) + ch * 8;
    __half* dst = p.out + (size_t)m * p.N + n;
    if (vec) {
      *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(src);
    } else {
      for (int e = 0; e < 8 && n + e < p.N; ++e) dst[e] = src[e];
    }
  }
}
template <int BM, int BN>
__host__ __device__ constexpr int epi_tile_bytes() { return BM * (BN + 8) * 2; }

// ---------------------------------------------------------------------------
// mma.sync kernel.  CTA tile BM x BN = (16*WM*WGM) x (8*WN*WGN), warps WGM x WGN,
// warp tile WM x WN MMA tiles (x 2 planes).  Stage = BK K tiles.
// smem stage: A [plane][rt][kk][16][8] words (the packed tiles verbatim, 512 B each),
//             B [ct][kk][8][8] words (256 B each).
// Fragment loads: lane (g, t) reads words 2t, 2t+1 of rows g and g+8 (LDS.64 each);
// the MMA sees word 2t as "k word t" and 2t+1 as "k word t+4" on both operands,
// a consistent K permutation, so the popcount sum is unchanged.  A warp's LDS.64
// covers 256 contiguous bytes: bank-conflict free without swizzle.
// ---------------------------------------------------------------------------
template <int WM, int WN, int WGM, int WGN, int BK, int ST, bool KD, int MINB>
__global__ void __launch_bounds__(WGM* WGN * 32, MINB) k_mma(Prob p) {
  constexpr int NT = WGM * WGN * 32;
  constexpr int BM = 16 * WM * WGM, BN = 8 * WN * WGN;
  constexpr int ART = BM / 16, BCT = BN / 8;
  constexpr int A_STAGE = 2 * ART * BK * 512;
  constexpr int B_STAGE = BCT * BK * 256;
  constexpr int STAGE = A_STAGE + B_STAGE;
  extern __shared__ __align__(128) uint8_t smem[];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
  const int wm = warp / WGN, wn = warp % WGN;
  const int mb = blockIdx.y, nb = blockIdx.x;
  const int KT = p.KT;
  const uint32_t sbase = smem_u32(smem);
  constexpr int MAIN = ST * STAGE > epi_tile_bytes<BM, BN>() ? ST * STAGE : epi_tile_bytes<BM, BN>();
  EpiParams<BM, BN>& ep = *reinterpret_cast<EpiParams<BM, BN>*>(smem + MAIN);

  auto load = [&](int st, int kt0) {
    const uint32_t s = sbase + st * STAGE;
    constexpr int ACH = 2 * ART * BK * 32;  // 16-B chunks of A per stage
#pragma unroll
    for (int i = 0; i < (ACH + NT - 1) / NT; ++i) {
      const int id = tid + i * NT;
      if (ACH % NT == 0 || id < ACH) {
        const int c = id % (BK * 32), seg = id / (BK * 32);
        const int pl = seg / ART, rtl = seg % ART;
        const int rt = min(mb * ART + rtl, p.RTa - 1);
        const int kt = kt0 + c / 32;
        const bool v = kt < KT;
        const uint32_t* src =
            p.lhs + (size_t)((pl * p.RTa + rt) * KT + (v ? kt : 0)) * 128 + (c % 32) * 4;
        cp16(s + seg * (BK * 512) + c * 16, src, v);
      }
    }
    constexpr int BCH = BCT * BK * 16;
#pragma unroll
    for (int i = 0; i < (BCH + NT - 1) / NT; ++i) {
      const int id = tid + i * NT;
      if (BCH % NT == 0 || id < BCH) {
        const int c = id % (BK * 16), ctl = id / (BK * 16);
        const int ct = min(nb * BCT + ctl, p.RTb - 1);
        const int kt = kt0 + c / 16;
        const bool v = kt < KT;
        const uint32_t* src = p.rhs + (size_t)(ct * KT + (v ? kt : 0)) * 64 + (c % 16) * 4;
        cp16(s + A_STAGE + ctl * (BK * 256) + c * 16, src, v);
      }
    }
  };

  int acc[KD ? 1 : 2][WM][WN][4];
#pragma unroll
  for (int a = 0; a < (KD ? 1 : 2); ++a)
#pragma unroll
    for (int i = 0; i < WM; ++i)
#pragma unroll
      for (int j = 0; j < WN; ++j)
#pragma unroll
        for (int r = 0; r < 4; ++r) acc[a][i][j][r] = 0;

  const int numIt = (KT + BK - 1) / BK;
#pragma unroll
  for (int s = 0; s < ST - 1; ++s) {
    if (s < numIt) load(s, s * BK);
    cp_commit();
  }
  epi_params_load<BM, BN, NT>(ep, p, mb * BM, nb * BN, tid);
  for (int it = 0; it < numIt; ++it) {
    cp_wait<ST - 2>();
    __syncthreads();
    {
      const int nx = it + ST - 1;
      if (nx < numIt) load(nx % ST, nx * BK);
      cp_commit();
    }
    const uint8_t* s = smem + (it % ST) * STAGE;
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      uint2 bf[WN];
#pragma unroll
      for (int nt = 0; nt < WN; ++nt)
        bf[nt] = *reinterpret_cast<const uint2*>(s + A_STAGE + ((wn * WN + nt) * BK + kk) * 256 +
                                                 g * 32 + t * 8);
#pragma unroll
      for (int pl = 0; pl < 2; ++pl) {
#pragma unroll
        for (int mt = 0; mt < WM; ++mt) {
          const uint8_t* at = s + ((pl * ART + wm * WM + mt) * BK + kk) * 512 + g * 32 + t * 8;
          uint2 lo = *reinterpret_cast<const uint2*>(at);
          uint2 hi = *reinterpret_cast<const uint2*>(at + 256);
          if (KD && pl == 1) {
            lo.x = ~lo.x; lo.y = ~lo.y; hi.x = ~hi.x; hi.y = ~hi.y;
          }
#pragma unroll
          for (int nt = 0; nt < WN; ++nt)
            mma_b1(acc[KD ? 0 : pl][mt][nt], lo.x, hi.x, lo.y, hi.y, bf[nt].x, bf[nt].y);
        }
      }
    }
  }

  // Epilogue: fragments (c0,c1: row g; c2,c3: row g+8) -> f16 smem tile -> 16-B stores.
  cp_wait<0>();
  __syncthreads();
  __half* so = reinterpret_cast<__half*>(smem);
#pragma unroll
  for (int mt = 0; mt < WM; ++mt)
#pragma unroll
    for (int h = 0; h < 2; ++h)
#pragma unroll
      for (int nt = 0; nt < WN; ++nt) {
        const int r = (wm * WM + mt) * 16 + g + 8 * h, c = (wn * WN + nt) * 8 + 2 * t;
        if (KD)
          epi_stage<true, BM, BN>(ep, so, r, c, acc[0][mt][nt][2 * h], acc[0][mt][nt][2 * h + 1]);
        else
          epi_stage<false, BM, BN>(ep, so, r, c,
                                   acc[0][mt][nt][2 * h] - acc[KD ? 0 : 1][mt][nt][2 * h],
                                   acc[0][mt][nt][2 * h + 1] - acc[KD ? 0 : 1][mt][nt][2 * h + 1]);
      }
  __syncthreads();
  epi_store_tile<BM, BN, NT>(p, so, mb * BM, nb * BN, tid);
}

// ---------------------------------------------------------------------------
// wgmma kernel.  CTA tile BM = 64*NWG rows x BN columns; warpgroup w owns rows
// 64w..64w+63 and all BN columns (m64nBNk256, accumulators BN/2 regs/thread).
// Per K tile: 2 wgmmas (plane p, then q = ~n) into the same accumulators.
// smem stage: A [plane][BM rows][W bytes], B [BN rows][W bytes], W = 32*BK: a
// row holds the BK K tiles of the stage side by side (K-major), with the
// canonical W-byte swizzle (Swizzle<log2(W/16),4,3>: 16-B chunk ch of row r is
// stored at chunk ch ^ ((r*W >> 7) & (W/16 - 1))).  W = 32/64/128 -> descriptor
// layout 3/2/1, SBO = 8*W (8-row group stride), LBO unused; the descriptor of
// K tile kk starts kk*32 bytes into the row (as CUTLASS advances K inside an atom).
// The 16-B chunks are placed by cp.async (the packed global layout has 32-B rows
// per K tile; any placement is one address computation per chunk).
// ---------------------------------------------------------------------------
// wgmma epilogue: accumulators (d[4j+0/1]: row rowA, cols 8j+2t+0/1; d[4j+2/3]: row rowA+8)
// -> f16 smem tile -> 16-B stores.  NBAR = 0: CTA barrier; else named barrier 1 over NBAR threads.
template <int BM, int BN, int NT, int NBAR>
__device__ __forceinline__ void wg_epilogue(const Prob& p, const EpiParams<BM, BN>& ep, uint8_t* smem,
                                            const int (&acc)[BN / 2], int rowA, int t, int tid) {
  auto bar = [] {
    if (NBAR) asm volatile("bar.sync 1, %0;\n" ::"n"(NBAR) : "memory");
    else __syncthreads();
  };
  bar();  // every warpgroup is done with the stage buffers: reuse them for the output tile
  __half* so = reinterpret_cast<__half*>(smem);
#pragma unroll
  for (int h = 0; h < 2; ++h)
#pragma unroll
    for (int j = 0; j < BN / 8; ++j)
      epi_stage<true, BM, BN>(ep, so, rowA + 8 * h, 8 * j + 2 * t, acc[4 * j + 2 * h],
                              acc[4 * j + 2 * h + 1]);
  bar();
  epi_store_tile<BM, BN, NT>(p, so, blockIdx.y * BM, blockIdx.x * BN, tid);
}
// Dynamic smem base rounded up to 1024 B (swizzle atoms), and the epilogue parameters after MAIN.
__device__ __forceinline__ uint8_t* aligned_smem(uint8_t* raw, uint32_t& sbase) {
  const uint32_t r = smem_u32(raw);
  sbase = (r + 1023u) & ~1023u;
  return raw + (sbase - r);
}

// RS: 0 = SS (A = p and q planes from smem); 2 = RS (A fragments loaded with LDS,
// n complemented in registers; wait_group 0 each stage: with wait_group 1 the
// next stage's fragment loads overwrite registers an in-flight wgmma still reads,
// and ptxas does not stop it -- measured wrong results).
template <int NWG, int BN, int BK, int ST, int RS, int MINB, int NOFENCE = 0, int WQ = 1>
__global__ void __launch_bounds__(NWG * 128, MINB) k_wgmma(Prob p) {
  static_assert(ST >= 2 + WQ, "needs >= 2 + WQ stages (WQ wgmma groups in flight)");
  constexpr int NT = NWG * 128, BM = 64 * NWG;
  constexpr int W = 32 * BK;
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK;
  constexpr int B_STAGE = BN * W;
  constexpr int STAGE = A_STAGE + B_STAGE;
  constexpr int PF = ST - 1 - WQ;  // K stages in flight ahead of the consumer
  constexpr int MAIN = ST * STAGE > epi_tile_bytes<BM, BN>() ? ST * STAGE : epi_tile_bytes<BM, BN>();
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  uint32_t sbase;
  uint8_t* smem = aligned_smem(smem_raw, sbase);
  EpiParams<BM, BN>& ep = *reinterpret_cast<EpiParams<BM, BN>*>(smem + MAIN);
  const int tid = threadIdx.x, wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2,
            t = lane & 3;
  const int mb = blockIdx.y, nb = blockIdx.x, KT = p.KT;
  const uint32_t* A = RS ? p.lhs : p.lhsq;

  auto load = [&](int st, int kt0) {
    load_stage_ss<BM, BN, BK, NT>(sbase + st * STAGE, A, p.rhs, p.RTa, p.RTb, KT, mb, nb, kt0,
                                  tid);
  };

  int acc[BN / 2];
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) acc[i] = 0;

  const int numIt = (KT + BK - 1) / BK;
#pragma unroll
  for (int s = 0; s < PF; ++s) {
    if (s < numIt) load(s, s * BK);
    cp_commit();
  }
  epi_params_load<BM, BN, NT>(ep, p, mb * BM, nb * BN, tid);
  const int rowA = wg * 64 + (warp & 3) * 16 + g;  // this thread's fragment row (and +8)
  for (int it = 0; it < numIt; ++it) {
    cp_wait<PF - 1>();
    if (!NOFENCE) fence_proxy_async();  // SASS: MEMBAR.ALL.CTA + FENCE.VIEW.ASYNC.S
    __syncthreads();
    {
      const int nx = it + PF;
      if (nx < numIt) load(nx % ST, nx * BK);
      cp_commit();
    }
    const uint32_t s = sbase + (it % ST) * STAGE;
    if constexpr (RS) {
      const uint8_t* sp = smem + (it % ST) * STAGE;
      uint32_t a[BK][2][4];
#pragma unroll
      for (int kk = 0; kk < BK; ++kk)
#pragma unroll
        for (int pl = 0; pl < 2; ++pl) {
          const uint8_t* b = sp + pl * A_BLK + 4 * t;
          a[kk][pl][0] = *reinterpret_cast<const uint32_t*>(b + swz_off<W>(rowA, 2 * kk));
          a[kk][pl][1] = *reinterpret_cast<const uint32_t*>(b + swz_off<W>(rowA + 8, 2 * kk));
          a[kk][pl][2] = *reinterpret_cast<const uint32_t*>(b + swz_off<W>(rowA, 2 * kk + 1));
          a[kk][pl][3] = *reinterpret_cast<const uint32_t*>(b + swz_off<W>(rowA + 8, 2 * kk + 1));
          if (pl == 1)
#pragma unroll
            for (int r = 0; r < 4; ++r) a[kk][pl][r] = ~a[kk][pl][r];
        }
      wg_fence();
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        const uint64_t db = mkdesc<W>(s + A_STAGE + kk * 32);
#pragma unroll
        for (int pl = 0; pl < 2; ++pl) wgmma_rs<BN>(acc, a[kk][pl], db);
      }
      wg_commit();
      wg_wait<0>();
    } else {
      wg_fence();
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        const uint64_t db = mkdesc<W>(s + A_STAGE + kk * 32);
#pragma unroll
        for (int pl = 0; pl < 2; ++pl) {
          const uint64_t da = mkdesc<W>(s + pl * A_BLK + wg * 64 * W + kk * 32);
          wgmma_ss<BN>(acc, da, db);
        }
      }
      wg_commit();
      wg_wait<WQ>();
    }
  }
  wg_wait<0>();
  fence_regs(acc);
  cp_wait<0>();
  wg_epilogue<BM, BN, NT, 0>(p, ep, smem, acc, rowA, t, tid);
}

// ---------------------------------------------------------------------------
// wgmma + TMA kernel (the recommended large-M structure).  Same tile/smem layout as
// k_wgmma with BK = 1 (SW32: [BM rows][32 B] per plane, [BN rows][32 B] for B), but
// the stage is filled by three cp.async.bulk.tensor.4d loads (TMA, SWIZZLE_32B)
// issued by one thread and completing on a per-stage mbarrier (expect_tx = STAGE
// bytes).  TMA writes through the async proxy, so no fence.proxy.async (whose
// MEMBAR.ALL.CTA waits for every cp.async still in flight) is needed.
// Tensor maps (4D, u32 elements, fastest first):
//   A (q-plane input): dims {8 words, 16 rows, KT, 2*RTa}, strides {32, 512, KT*512} B,
//                      box {8, 16, 1, BM/16}; plane p = d3 in [0,RTa), q = RTa + rt
//   B: dims {8, 8, KT, RTb}, strides {32, 256, KT*256} B, box {8, 8, 1, BN/8}
// Out-of-bounds K tiles / column tiles are zero-filled by TMA (complete_tx still
// counts the full box).
// ---------------------------------------------------------------------------
__device__ __forceinline__ void mbar_init(uint32_t a, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(a), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t a, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(a), "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void mbar_wait(uint32_t a, uint32_t parity) {
  asm volatile(
      "{\n.reg .pred P1;\nLAB_WAIT:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 P1, [%0], %1;\n"
      "@!P1 bra LAB_WAIT;\n}\n" ::"r"(a),
      "r"(parity)
      : "memory");
}
__device__ __forceinline__ void tma_load4(uint32_t dst, const CUtensorMap* tm, int c0, int c1,
                                          int c2, int c3, uint32_t mbar) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, "
      "%3, %4, %5}], [%6];\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(tm)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(mbar)
      : "memory");
}

template <int NWG, int BN, int ST, int MINB, int WQ = 1>
__global__ void __launch_bounds__(NWG * 128, MINB)
    k_wgmma_tma(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
                Prob p) {
  static_assert(ST >= 2 + WQ, "needs >= 2 + WQ stages");
  constexpr int NT = NWG * 128, BM = 64 * NWG, ART = BM / 16, BCT = BN / 8;
  constexpr int W = 32;
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK, B_STAGE = BN * W;
  constexpr int STAGE = A_STAGE + B_STAGE;
  constexpr int PF = ST - 1 - WQ;
  constexpr int MAIN = ST * STAGE > epi_tile_bytes<BM, BN>() ? ST * STAGE : epi_tile_bytes<BM, BN>();
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  __shared__ __align__(8) uint64_t full[ST];
  uint32_t sbase;
  uint8_t* smem = aligned_smem(smem_raw, sbase);
  EpiParams<BM, BN>& ep = *reinterpret_cast<EpiParams<BM, BN>*>(smem + MAIN);
  const int tid = threadIdx.x, wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2,
            t = lane & 3;
  const int mb = blockIdx.y, nb = blockIdx.x, KT = p.KT;

  if (tid == 0) {
    for (int i = 0; i < ST; ++i) mbar_init(smem_u32(&full[i]), 1);
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();
  auto issue = [&](int st, int kt) {
    const uint32_t s = sbase + st * STAGE, bar = smem_u32(&full[st]);
    mbar_expect_tx(bar, STAGE);
    tma_load4(s, &tmA, 0, 0, kt, mb * ART, bar);                   // plane p
    tma_load4(s + A_BLK, &tmA, 0, 0, kt, p.RTa + mb * ART, bar);   // plane q = ~n
    tma_load4(s + A_STAGE, &tmB, 0, 0, kt, nb * BCT, bar);         // weights
  };
  const int numIt = KT;
  if (tid == 0)
    for (int s = 0; s < PF && s < numIt; ++s) issue(s, s);

  int acc[BN / 2];
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) acc[i] = 0;
  epi_params_load<BM, BN, NT>(ep, p, mb * BM, nb * BN, tid);
  const int rowA = wg * 64 + (warp & 3) * 16 + g;
  for (int it = 0; it < numIt; ++it) {
    const int st = it % ST;
    mbar_wait(smem_u32(&full[st]), (it / ST) & 1);
    // All warpgroups passed wait_group<1> of iteration it-1, so wgmma(it-2) is done
    // everywhere and stage (it+PF)%ST = (it-2)%ST is free.
    __syncthreads();
    if (tid == 0 && it + PF < numIt) issue((it + PF) % ST, it + PF);
    const uint32_t s = sbase + st * STAGE;
    wg_fence();
    const uint64_t db = mkdesc<W>(s + A_STAGE);
    wgmma_ss<BN>(acc, mkdesc<W>(s + wg * 64 * W), db);
    wgmma_ss<BN>(acc, mkdesc<W>(s + A_BLK + wg * 64 * W), db);
    wg_commit();
    wg_wait<WQ>();
  }
  wg_wait<0>();
  fence_regs(acc);
  wg_epilogue<BM, BN, NT, 0>(p, ep, smem, acc, rowA, t, tid);
}

// ---------------------------------------------------------------------------
// Warp-specialized wgmma + TMA: warps 0-7 = 2 consumer warpgroups (64 rows x BN each),
// warp 8 = producer (lane 0 issues the 3 TMA loads of a stage once the stage's
// "empty" mbarrier says all 8 consumer warps are done with it).  Consumers wait on
// "full[st]", issue 2 wgmmas, commit, wait_group<WQ>, and then release the stage read
// by the group that just completed (one arrive per warp, empty count = 8).  No CTA
// barrier in the mainloop.  DIAG = 1: only the first ST stages are loaded and the
// consumers loop over them without waiting (wgmma + issue cost alone; wrong results).
// ---------------------------------------------------------------------------
__device__ __forceinline__ void mbar_arrive(uint32_t a) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(a) : "memory");
}
template <int BN, int ST, int MINB, int WQ, int DIAG>
__global__ void __launch_bounds__(288, MINB)
    k_wgmma_ws(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB,
               Prob p) {
  static_assert(ST >= 1 + WQ, "stages");
  constexpr int BM = 128, ART = 8, BCT = BN / 8, W = 32;
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK, B_STAGE = BN * W;
  constexpr int STAGE = A_STAGE + B_STAGE;
  constexpr int MAIN = ST * STAGE > epi_tile_bytes<BM, BN>() ? ST * STAGE : epi_tile_bytes<BM, BN>();
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  __shared__ __align__(8) uint64_t full[ST], empty[ST];
  uint32_t sbase;
  uint8_t* smem = aligned_smem(smem_raw, sbase);
  EpiParams<BM, BN>& ep = *reinterpret_cast<EpiParams<BM, BN>*>(smem + MAIN);
  const int tid = threadIdx.x, wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2,
            t = lane & 3;
  const int mb = blockIdx.y, nb = blockIdx.x, KT = p.KT;
  if (tid == 0) {
    for (int i = 0; i < ST; ++i) {
      mbar_init(smem_u32(&full[i]), 1);
      mbar_init(smem_u32(&empty[i]), 8);
    }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  epi_params_load<BM, BN, 288>(ep, p, mb * BM, nb * BN, tid);
  __syncthreads();
  const int numIt = KT;
  if (warp == 8) {  // producer
    if (lane == 0) {
      for (int it = 0; it < numIt; ++it) {
        const int st = it % ST, n = it / ST;
        if (DIAG && it >= ST) break;
        if (it >= ST) mbar_wait(smem_u32(&empty[st]), (n - 1) & 1);
        const uint32_t s = sbase + st * STAGE, bar = smem_u32(&full[st]);
        mbar_expect_tx(bar, STAGE);
        tma_load4(s, &tmA, 0, 0, it, mb * ART, bar);
        tma_load4(s + A_BLK, &tmA, 0, 0, it, p.RTa + mb * ART, bar);
        tma_load4(s + A_STAGE, &tmB, 0, 0, it, nb * BCT, bar);
      }
    }
    return;
  }
  int acc[BN / 2];
#pragma unroll
  for (int i = 0; i < BN / 2; ++i) acc[i] = 0;
  const int rowA = wg * 64 + (warp & 3) * 16 + g;
  for (int it = 0; it < numIt; ++it) {
    const int st = it % ST;
    if (!DIAG || it < ST) mbar_wait(smem_u32(&full[st]), (it / ST) & 1);
    const uint32_t s = sbase + st * STAGE;
    wg_fence();
    const uint64_t db = mkdesc<W>(s + A_STAGE);
    wgmma_ss<BN>(acc, mkdesc<W>(s + wg * 64 * W), db);
    wgmma_ss<BN>(acc, mkdesc<W>(s + A_BLK + wg * 64 * W), db);
    wg_commit();
    wg_wait<WQ>();
    if (it >= WQ && lane == 0) mbar_arrive(smem_u32(&empty[(it - WQ) % ST]));
  }
  wg_wait<0>();
  fence_regs(acc);
  wg_epilogue<BM, BN, 256, 256>(p, ep, smem, acc, rowA, t, tid);
}

// ---------------------------------------------------------------------------
// Decode (M = 1).  One warp per 8-column weight tile (KT*256 contiguous bytes).
// Lane (g, t) loads, for K-tile pair i, the 16 B at  kt = 2i + (t>>1),
// row g, words 4(t&1)..4(t&1)+3  — a permutation of the warp's 512 contiguous
// bytes, so each LDG.128 is fully coalesced; all NIT loads are issued up front.
//   popc: acc += popc(w & p) - popc(w & n), reduced over the 4 lanes of row g.
//   mma : B fragment = the loaded words (2 per MMA), A row 0 = p, row 1 = n,
//         rows 2..15 zero; 2 MMAs per K-tile pair, two accumulator chains.
// ---------------------------------------------------------------------------
__device__ __forceinline__ uint4 ldg_stream(const uint4* ptr) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(ptr));
  return v;
}
// popc(w & p) - popc(w & n) over one 16-byte chunk.
__device__ __forceinline__ int dot16(const uint4& w, const uint4& xp, const uint4& xn) {
  return __popc(w.x & xp.x) - __popc(w.x & xn.x) + __popc(w.y & xp.y) - __popc(w.y & xn.y) +
         __popc(w.z & xp.z) - __popc(w.z & xn.z) + __popc(w.w & xp.w) - __popc(w.w & xn.w);
}
// Reduces a lane's partial over the 4 lanes of row g, then over the SPLIT warps of the
// tile (smem), and writes y[tile*8 + g].  Warps with sp != 0 only contribute.
template <int SPLIT>
__device__ __forceinline__ void decode_finish(const Prob& p, int acc, int (*red)[8], int warpInBlk,
                                              int sp, int tile, bool live, int g, int t, int xs,
                                              float sx) {
  acc += __shfl_xor_sync(0xffffffffu, acc, 1);
  acc += __shfl_xor_sync(0xffffffffu, acc, 2);
  if constexpr (SPLIT > 1) {
    if (t == 0) red[warpInBlk][g] = acc;
    __syncthreads();
    if (sp != 0) return;
    for (int j = 1; j < SPLIT; ++j) acc += red[warpInBlk + j][g];
  }
  const int n = tile * 8 + g;
  if (live && t == 0 && n < p.N)
    p.out[n] = __float2half_rn(epi(2 * acc - xs, sx, __ldg(p.sw + n), __ldg(p.bias + n)));
}
// SPLIT warps share one weight tile (K split), partials reduced through smem.
// Weight loads are volatile asm issued in one burst before any use (unconditional,
// clamped K index; a K tile past the end is zeroed after the load).  Without that
// the compiler interleaves loads with the popcounts and serializes DRAM latencies.
template <int NIT, bool USE_MMA, int SPLIT, int TPB>
__global__ void __launch_bounds__(TPB) k_decode(Prob p) {
  constexpr int NI = NIT / SPLIT;
  __shared__ int red[TPB / 32][8];
  const int warpInBlk = threadIdx.x >> 5;
  const int gw = blockIdx.x * (blockDim.x >> 5) + warpInBlk;
  const int tile = gw / SPLIT, sp = gw % SPLIT;
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const bool live = tile < p.RTb;
  const int tc = live ? tile : p.RTb - 1;
  const int KT = p.KT;
  const uint4* W = reinterpret_cast<const uint4*>(p.rhs) + (size_t)tc * KT * 16;
  const uint4* Xp = reinterpret_cast<const uint4*>(p.lhs);  // plane 0, row tile 0, row 0
  const uint4* Xn = Xp + (size_t)p.RTa * KT * 32;           // plane 1
  uint4 w[NI];
#pragma unroll
  for (int i = 0; i < NI; ++i) {
    const int kt = min(2 * (sp * NI + i) + (t >> 1), KT - 1);
    w[i] = ldg_stream(W + kt * 16 + g * 2 + (t & 1));
  }
#pragma unroll
  for (int i = 0; i < NI; ++i)
    if (2 * (sp * NI + i) + (t >> 1) >= KT) w[i] = make_uint4(0, 0, 0, 0);
  const int xs = __ldg(p.xsum);
  const float sx = __ldg(p.sx);
  if constexpr (!USE_MMA) {
    uint4 xp[NI], xn[NI];
#pragma unroll
    for (int i = 0; i < NI; ++i) {
      const int kt = min(2 * (sp * NI + i) + (t >> 1), KT - 1);
      xp[i] = __ldg(Xp + kt * 32 + (t & 1));
      xn[i] = __ldg(Xn + kt * 32 + (t & 1));
    }
    int acc = 0;
#pragma unroll
    for (int i = 0; i < NI; ++i) acc += dot16(w[i], xp[i], xn[i]);
    decode_finish<SPLIT>(p, acc, red, warpInBlk, sp, tile, live, g, t, xs, sx);
  } else {
    static_assert(SPLIT == 1, "mma decode: no split");
    int c0[4] = {0, 0, 0, 0}, c1[4] = {0, 0, 0, 0};
    const uint4* X = g == 0 ? Xp : Xn;
    uint4 x[NI];
#pragma unroll
    for (int i = 0; i < NI; ++i) {
      const int kt = min(2 * i + (t >> 1), KT - 1);
      x[i] = g < 2 ? __ldg(X + kt * 32 + (t & 1)) : make_uint4(0, 0, 0, 0);
    }
#pragma unroll
    for (int i = 0; i < NI; ++i) {
      mma_b1(c0, x[i].x, 0u, x[i].y, 0u, w[i].x, w[i].y);
      mma_b1(c1, x[i].z, 0u, x[i].w, 0u, w[i].z, w[i].w);
    }
    const int s0 = c0[0] + c1[0], s1 = c0[1] + c1[1];
    const int n0 = __shfl_down_sync(0xffffffffu, s0, 4), n1 = __shfl_down_sync(0xffffffffu, s1, 4);
    if (live && lane < 4) epi_store<false>(p, 0, xs, sx, tile * 8 + 2 * t, s0 - n0, s1 - n1);
  }
}
// Same as k_decode (popc), but the weight tile goes through cp.async into shared
// memory: cp.async is fire-and-forget, so all of a warp's loads leave in one burst
// (ptxas sinks plain loads next to their uses, serializing DRAM latencies).
template <int NIT, int SPLIT>
__global__ void __launch_bounds__(128) k_decode_cp(Prob p) {
  constexpr int NI = NIT / SPLIT;
  __shared__ __align__(16) uint4 buf[4][NI * 32];
  __shared__ int red[4][8];
  const int warpInBlk = threadIdx.x >> 5;
  const int gw = blockIdx.x * (blockDim.x >> 5) + warpInBlk;
  const int tile = gw / SPLIT, sp = gw % SPLIT;
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const bool live = tile < p.RTb;
  const int tc = live ? tile : p.RTb - 1;
  const int KT = p.KT;
  const uint4* W = reinterpret_cast<const uint4*>(p.rhs) + (size_t)tc * KT * 16;
  const uint4* Xp = reinterpret_cast<const uint4*>(p.lhs);
  const uint4* Xn = Xp + (size_t)p.RTa * KT * 32;
#pragma unroll
  for (int i = 0; i < NI; ++i) {
    const int kt = 2 * (sp * NI + i) + (t >> 1);
    cp16(smem_u32(&buf[warpInBlk][i * 32 + lane]), W + min(kt, KT - 1) * 16 + g * 2 + (t & 1),
         kt < KT);
  }
  cp_commit();
  uint4 xp[NI], xn[NI];
#pragma unroll
  for (int i = 0; i < NI; ++i) {
    const int kt = min(2 * (sp * NI + i) + (t >> 1), KT - 1);
    xp[i] = __ldg(Xp + kt * 32 + (t & 1));
    xn[i] = __ldg(Xn + kt * 32 + (t & 1));
  }
  const int xs = __ldg(p.xsum);
  const float sx = __ldg(p.sx);
  cp_wait<0>();
  int acc = 0;
#pragma unroll
  for (int i = 0; i < NI; ++i) acc += dot16(buf[warpInBlk][i * 32 + lane], xp[i], xn[i]);
  decode_finish<SPLIT>(p, acc, red, warpInBlk, sp, tile, live, g, t, xs, sx);
}
__global__ void k_empty(Prob p) {}

// ---------------------------------------------------------------------------
// Data generation and reference
// ---------------------------------------------------------------------------
__global__ void k_gen_f(float* f, int n, float lo, float hi, uint64_t seed) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) f[i] = lo + (hi - lo) * (hash32(seed * 0x94D049BB133111EBULL + i) >> 8) * (1.0f / 16777216.0f);
}
__global__ void k_gen_h(__half* h, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    h[i] = __float2half_rn(-1.0f + 2.0f * (hash32(seed * 0x94D049BB133111EBULL + i) >> 8) * (1.0f / 16777216.0f));
}
__global__ void k_sums(Prob p, int* xsum, int* bcnt) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < p.M) {
    const uint32_t* xp = p.lhs + (size_t)(i / 16) * p.KT * 128 + (i % 16) * 8;
    const uint32_t* xn = xp + (size_t)p.RTa * p.KT * 128;
    int s = 0;
    for (int kt = 0; kt < p.KT; ++kt)
      for (int j = 0; j < 8; ++j) s += __popc(xp[kt * 128 + j]) - __popc(xn[kt * 128 + j]);
    xsum[i] = s;
  }
  if (i < p.N) {
    const uint32_t* w = p.rhs + (size_t)(i / 8) * p.KT * 64 + (i % 8) * 8;
    int s = 0;
    for (int kt = 0; kt < p.KT; ++kt)
      for (int j = 0; j < 8; ++j) s += __popc(w[kt * 64 + j]);
    bcnt[i] = s;
  }
}
// Reference: rows m = row0 + blockIdx.y * rowStep.
__global__ void k_ref(Prob p, float* yf, __half* yh, int rowStep) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x;
  const int m = blockIdx.y * rowStep;
  if (n >= p.N || m >= p.M) return;
  const uint32_t* xp = p.lhs + (size_t)(m / 16) * p.KT * 128 + (m % 16) * 8;
  const uint32_t* xn = xp + (size_t)p.RTa * p.KT * 128;
  const uint32_t* w = p.rhs + (size_t)(n / 8) * p.KT * 64 + (n % 8) * 8;
  int cp = 0, cn = 0;
  for (int kt = 0; kt < p.KT; ++kt)
    for (int j = 0; j < 8; ++j) {
      const uint32_t ww = w[kt * 64 + j];
      cp += __popc(xp[kt * 128 + j] & ww);
      cn += __popc(xn[kt * 128 + j] & ww);
    }
  const float y = epi(2 * (cp - cn) - p.xsum[m], p.sx[m], p.sw[n], p.bias[n]);
  yf[(size_t)m * p.N + n] = y;
  yh[(size_t)m * p.N + n] = __float2half_rn(y);
}

// ---------------------------------------------------------------------------
// Host side
// ---------------------------------------------------------------------------
struct Variant {
  std::string name;
  int bm, bn;                  // CTA tile (for the grid); bm = 0: decode
  int threads, smem;
  std::function<void(const Prob&, cudaStream_t)> launch;
  bool large;                  // meant for large M
  bool nocheck = false;        // timing-only diagnostic (wrong results by design)
};
static std::vector<Variant> g_variants;

template <int WM, int WN, int WGM, int WGN, int BK, int ST, bool KD, int MINB>
void add_mma(const char* name, bool large) {
  constexpr int BM = 16 * WM * WGM, BN = 8 * WN * WGN, NT = WGM * WGN * 32;
  constexpr int STAGE = 2 * (BM / 16) * BK * 512 + (BN / 8) * BK * 256;
  constexpr int SMEM = std::max(ST * STAGE, epi_tile_bytes<BM, BN>()) + (int)sizeof(EpiParams<BM, BN>);
  auto kern = k_mma<WM, WN, WGM, WGN, BK, ST, KD, MINB>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_variants.push_back({name, BM, BN, NT, SMEM,
                        [kern](const Prob& p, cudaStream_t s) {
                          dim3 grid((p.N + BN - 1) / BN, (p.M + BM - 1) / BM);
                          kern<<<grid, NT, SMEM, s>>>(p);
                        },
                        large});
}
template <int NWG, int BN, int BK, int ST, int RS, int MINB, int NOFENCE = 0, int WQ = 1>
void add_wgmma(const char* name, bool large) {
  constexpr int BM = 64 * NWG, NT = NWG * 128;
  constexpr int STAGE = 2 * BK * BM * 32 + BK * BN * 32;
  constexpr int SMEM = std::max(ST * STAGE, epi_tile_bytes<BM, BN>()) + (int)sizeof(EpiParams<BM, BN>) + 1024;
  auto kern = k_wgmma<NWG, BN, BK, ST, RS, MINB, NOFENCE, WQ>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_variants.push_back({name, BM, BN, NT, SMEM,
                        [kern](const Prob& p, cudaStream_t s) {
                          dim3 grid((p.N + BN - 1) / BN, (p.M + BM - 1) / BM);
                          kern<<<grid, NT, SMEM, s>>>(p);
                        },
                        large});
}
template <int NIT, bool MMA, int TPB, int SPLIT, bool CP = false>
void add_decode(const char* name) {
  static_assert(!CP || TPB == 128, "k_decode_cp uses 4 warps");
  auto kern = CP ? k_decode_cp<NIT, SPLIT> : k_decode<NIT, MMA, SPLIT, TPB>;
  g_variants.push_back({name, 0, 8, TPB, 0,
                        [kern](const Prob& p, cudaStream_t s) {
                          const int warps = p.RTb * SPLIT, wpb = TPB / 32;
                          kern<<<(warps + wpb - 1) / wpb, TPB, 0, s>>>(p);
                        },
                        false});
}

static PFN_cuTensorMapEncodeTiled_v12000 g_encode = nullptr;
static std::map<std::tuple<const void*, int, int, int, int>, CUtensorMap> g_maps;
// 4D map over a packed plane array [d3][KT][rows][8] of u32 (see k_wgmma_tma).
static const CUtensorMap& get_map(const void* base, int rows, int KT, int d3, int boxD3) {
  auto key = std::make_tuple(base, rows, KT, d3, boxD3);
  auto it = g_maps.find(key);
  if (it != g_maps.end()) return it->second;
  if (!g_encode) {
    cudaDriverEntryPointQueryResult q;
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", (void**)&g_encode, 12000,
                                        cudaEnableDefault, &q));
    if (!g_encode) { fprintf(stderr, "no cuTensorMapEncodeTiled\n"); exit(2); }
  }
  CUtensorMap m;
  cuuint64_t dims[4] = {8, (cuuint64_t)rows, (cuuint64_t)KT, (cuuint64_t)d3};
  cuuint64_t strides[3] = {32, (cuuint64_t)rows * 32, (cuuint64_t)KT * rows * 32};
  cuuint32_t box[4] = {8, (cuuint32_t)rows, 1, (cuuint32_t)boxD3};
  cuuint32_t es[4] = {1, 1, 1, 1};
  CUresult r = g_encode(&m, CU_TENSOR_MAP_DATA_TYPE_UINT32, 4, const_cast<void*>(base), dims, strides,
                        box, es, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_32B,
                        CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) { fprintf(stderr, "cuTensorMapEncodeTiled failed: %d\n", (int)r); exit(2); }
  return g_maps.emplace(key, m).first->second;
}
template <int NWG, int BN, int ST, int MINB, int WQ = 1>
void add_tma(const char* name, bool large) {
  constexpr int BM = 64 * NWG, NT = NWG * 128;
  constexpr int STAGE = 2 * BM * 32 + BN * 32;
  constexpr int SMEM = std::max(ST * STAGE, epi_tile_bytes<BM, BN>()) + (int)sizeof(EpiParams<BM, BN>) + 1024;
  auto kern = k_wgmma_tma<NWG, BN, ST, MINB, WQ>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_variants.push_back({name, BM, BN, NT, SMEM,
                        [kern](const Prob& p, cudaStream_t s) {
                          const CUtensorMap& ma = get_map(p.lhsq, 16, p.KT, 2 * p.RTa, BM / 16);
                          const CUtensorMap& mb = get_map(p.rhs, 8, p.KT, p.RTb, BN / 8);
                          dim3 grid((p.N + BN - 1) / BN, (p.M + BM - 1) / BM);
                          kern<<<grid, NT, SMEM, s>>>(ma, mb, p);
                        },
                        large});
}

template <int BN, int ST, int MINB, int WQ, int DIAG>
void add_ws(const char* name) {
  constexpr int BM = 128;
  constexpr int STAGE = 2 * BM * 32 + BN * 32;
  constexpr int SMEM = std::max(ST * STAGE, epi_tile_bytes<BM, BN>()) + (int)sizeof(EpiParams<BM, BN>) + 1024;
  auto kern = k_wgmma_ws<BN, ST, MINB, WQ, DIAG>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  Variant v{name, BM, BN, 288, SMEM,
            [kern](const Prob& p, cudaStream_t s) {
              const CUtensorMap& ma = get_map(p.lhsq, 16, p.KT, 2 * p.RTa, BM / 16);
              const CUtensorMap& mb = get_map(p.rhs, 8, p.KT, p.RTb, BN / 8);
              dim3 grid((p.N + BN - 1) / BN, (p.M + BM - 1) / BM);
              kern<<<grid, 288, SMEM, s>>>(ma, mb, p);
            },
            true};
  v.nocheck = DIAG != 0;
  g_variants.push_back(v);
}

static void register_all() {
  // ---- large M ----
  // mma.sync m16n8k256, cp.async: K-doubled (one accumulator) / M-doubled (two)
  add_mma<4, 8, 2, 4, 1, 4, true, 1>("mma_kd_128x256_bk1_s4", true);
  add_mma<4, 8, 2, 4, 2, 3, true, 1>("mma_kd_128x256_bk2_s3", true);
  add_mma<4, 8, 2, 2, 2, 4, true, 2>("mma_kd_128x128_bk2_s4_w4", true);
  add_mma<2, 8, 4, 2, 2, 4, true, 1>("mma_kd_128x128_bk2_s4_w8", true);
  add_mma<2, 8, 4, 2, 2, 4, false, 1>("mma_md_128x128_bk2_s4_w8", true);
  // wgmma SS (p and q = ~n planes), cp.async pipeline; swizzle width = 32 * BK bytes
  add_wgmma<2, 256, 1, 6, 0, 1>("wg_ss_128x256_bk1_s6_sw32", true);
  add_wgmma<2, 256, 2, 4, 0, 1>("wg_ss_128x256_bk2_s4_sw64", true);
  add_wgmma<2, 256, 4, 3, 0, 1>("wg_ss_128x256_bk4_s3_sw128", true);
  add_wgmma<2, 128, 1, 6, 0, 2>("wg_ss_128x128_bk1_s6_sw32", true);
  add_wgmma<2, 128, 2, 4, 0, 2>("wg_ss_128x128_bk2_s4_sw64", true);
  add_wgmma<2, 128, 4, 3, 0, 1>("wg_ss_128x128_bk4_s3_sw128", true);
  add_wgmma<2, 256, 1, 6, 0, 1, 1>("wg_ss_128x256_bk1_s6_sw32_nofence", true);
  add_wgmma<2, 128, 1, 6, 0, 2, 1>("wg_ss_128x128_bk1_s6_sw32_nofence", true);
  add_wgmma<2, 256, 1, 7, 0, 1, 0, 2>("wg_ss_128x256_bk1_s7_wq2", true);
  add_wgmma<2, 128, 1, 7, 0, 2, 0, 2>("wg_ss_128x128_bk1_s7_wq2", true);
  // wgmma RS (A fragments via LDS, n complemented in registers; wait_group 0)
  add_wgmma<2, 256, 2, 4, 2, 1>("wg_rs0_128x256_bk2_s4_sw64", true);
  // wgmma SS + TMA/mbarrier pipeline (one thread issues, CTA barrier per K tile)
  add_tma<2, 256, 4, 1>("wg_tma_128x256_s4", true);
  add_tma<2, 256, 6, 1>("wg_tma_128x256_s6", true);
  add_tma<2, 256, 8, 1>("wg_tma_128x256_s8", true);
  add_tma<2, 256, 7, 1, 2>("wg_tma_128x256_s7_wq2", true);
  add_tma<2, 128, 6, 2>("wg_tma_128x128_s6", true);
  add_tma<2, 128, 8, 2>("wg_tma_128x128_s8", true);
  // warp-specialized TMA producer + full/empty mbarriers
  add_ws<256, 4, 1, 1, 0>("wg_ws_128x256_s4");
  add_ws<256, 6, 1, 1, 0>("wg_ws_128x256_s6");
  add_ws<256, 8, 1, 1, 0>("wg_ws_128x256_s8");
  add_ws<256, 6, 1, 2, 0>("wg_ws_128x256_s6_wq2");
  add_ws<128, 6, 2, 1, 0>("wg_ws_128x128_s6");
  add_ws<128, 8, 2, 1, 0>("wg_ws_128x128_s8");
  add_ws<128, 8, 2, 2, 0>("wg_ws_128x128_s8_wq2");
  // diagnostics: the wgmma loop with no loads after the first ST stages (timing only)
  add_ws<256, 6, 1, 1, 1>("diag_ws_128x256_computeonly");
  add_ws<256, 6, 1, 2, 1>("diag_ws_128x256_computeonly_wq2");
  add_ws<128, 6, 2, 1, 1>("diag_ws_128x128_computeonly");
  // ---- small M ----
  add_mma<1, 4, 4, 1, 2, 4, true, 4>("mma_kd_64x32_bk2_s4", false);
  add_mma<2, 4, 2, 2, 2, 4, true, 4>("mma_kd_64x64_bk2_s4", false);
  add_mma<1, 2, 1, 2, 4, 3, true, 8>("mma_kd_16x32_bk4_s3", false);
  add_mma<1, 1, 1, 4, 4, 3, true, 8>("mma_kd_16x32_bk4_s3_w4", false);
  add_wgmma<1, 32, 2, 4, 0, 4>("wg_ss_64x32_bk2_s4_sw64", false);
  add_wgmma<1, 64, 2, 4, 0, 4>("wg_ss_64x64_bk2_s4_sw64", false);
  add_wgmma<1, 64, 4, 3, 0, 4>("wg_ss_64x64_bk4_s3_sw128", false);
  add_tma<1, 32, 6, 4>("wg_tma_64x32_s6", false);
  add_tma<1, 64, 6, 4>("wg_tma_64x64_s6", false);
  add_tma<1, 128, 6, 2>("wg_tma_64x128_s6", false);
  add_tma<1, 256, 6, 1>("wg_tma_64x256_s6", false);
  // ---- decode (M = 1) ----
  add_decode<8, false, 128, 1>("dec_popc_w4");
  add_decode<8, false, 128, 2>("dec_popc_w4_sk2");
  add_decode<8, false, 128, 4>("dec_popc_w4_sk4");
  add_decode<8, false, 256, 4>("dec_popc_w8_sk4");
  add_decode<8, false, 256, 8>("dec_popc_w8_sk8");
  add_decode<8, true, 128, 1>("dec_mma_w4");
  add_decode<8, false, 128, 1, true>("dec_cp_w4");
  add_decode<8, false, 128, 2, true>("dec_cp_w4_sk2");
  add_decode<8, false, 128, 4, true>("dec_cp_w4_sk4");
  add_decode<2, false, 128, 1>("dec_popc_w4_nit2");
  add_decode<2, false, 128, 2>("dec_popc_w4_sk2_nit2");
  add_decode<2, true, 128, 1>("dec_mma_w4_nit2");
  g_variants.push_back({"empty", -1, 8, 128, 0,
                        [](const Prob& p, cudaStream_t s) { k_empty<<<128, 128, 0, s>>>(p); }, false});
}
static bool decode_fits(const std::string& name, int KT) {
  const int nit = (KT + 1) / 2;
  if (name.find("_nit2") != std::string::npos) return nit == 2;
  return nit == 8;
}

struct Data {
  Prob p{};
  int nbuf = 1;
  size_t rhsWords = 0;
  uint32_t *lhs = nullptr, *lhsq = nullptr, *rhs = nullptr;
  int *xsum = nullptr, *bcnt = nullptr;
  float *sx = nullptr, *sw = nullptr, *bias = nullptr;
  __half* out = nullptr;
  void alloc(int M, int N, int K, size_t rotateBytes, uint64_t seed) {
    p.M = M; p.N = N; p.K = K;
    p.KT = (K + 255) / 256; p.RTa = (M + 15) / 16; p.RTb = (N + 7) / 8;
    const size_t lw = (size_t)2 * p.RTa * p.KT * 128;
    rhsWords = (size_t)p.RTb * p.KT * 64;
    nbuf = std::max<size_t>(1, (rotateBytes + rhsWords * 4 - 1) / (rhsWords * 4));
    CK(cudaMalloc(&lhs, lw * 4)); CK(cudaMalloc(&lhsq, lw * 4));
    CK(cudaMalloc(&rhs, rhsWords * 4 * nbuf));
    CK(cudaMalloc(&xsum, M * 4)); CK(cudaMalloc(&sx, M * 4));
    CK(cudaMalloc(&bcnt, N * 4)); CK(cudaMalloc(&sw, N * 4)); CK(cudaMalloc(&bias, N * 4));
    CK(cudaMalloc(&out, (size_t)M * N * 2));
    k_gen_lhs<<<1024, 256>>>(lhs, lhsq, M, K, p.RTa, p.KT, seed);
    k_gen_rhs<<<4096, 256>>>(rhs, rhsWords * nbuf, N, K, p.RTb, p.KT, seed + 1);
    k_gen_f<<<(M + 255) / 256, 256>>>(sx, M, 0.5f, 2.0f, seed + 2);
    k_gen_f<<<(N + 255) / 256, 256>>>(sw, N, 1.0f / 256, 1.0f / 64, seed + 3);
    k_gen_f<<<(N + 255) / 256, 256>>>(bias, N, -1.0f, 1.0f, seed + 4);
    CK(cudaGetLastError());
    p.lhs = lhs; p.lhsq = lhsq; p.rhs = rhs; p.xsum = xsum; p.sx = sx; p.bcnt = bcnt;
    p.sw = sw; p.bias = bias; p.out = out;
    // DENSITY=zero|ones: overwrite the bit planes (timing experiments only)
    if (const char* dens = getenv("DENSITY")) {
      const int v = std::string(dens) == "zero" ? 0x00 : std::string(dens) == "ones" ? 0xFF : -1;
      if (v >= 0) {
        CK(cudaMemset(lhs, v, lw * 4)); CK(cudaMemset(lhsq, v, lw * 4));
        CK(cudaMemset(rhs, v, rhsWords * 4 * nbuf));
      }
    }
    k_sums<<<(std::max(M, N) + 255) / 256, 256>>>(p, xsum, bcnt);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
  }
  Prob with_buf(int b) const {
    Prob q = p;
    q.rhs = rhs + rhsWords * (size_t)(b % nbuf);
    return q;
  }
  void release() {
    cudaFree(lhs); cudaFree(lhsq); cudaFree(rhs); cudaFree(xsum); cudaFree(sx); cudaFree(bcnt);
    cudaFree(sw); cudaFree(bias); cudaFree(out);
  }
};

static float cpu_epi(int dot, float sx, float sw, float bias) {
  volatile float a = (float)dot;
  volatile float b = a * sx;
  volatile float c = b * sw;
  volatile float d = c + bias;
  return d;
}

// Reference (GPU, every rowStep-th row) + CPU spot check of the reference.
struct Ref {
  std::vector<uint16_t> yh;  // f16 bits, rows 0, step, 2*step...
  int rowStep = 1, rows = 0;
};
static Ref make_ref(const Data& d, int rowStep) {
  const Prob& p = d.p;
  Ref r;
  r.rowStep = rowStep;
  r.rows = (p.M + rowStep - 1) / rowStep;
  float* yf; __half* yh;
  CK(cudaMalloc(&yf, (size_t)p.M * p.N * 4));
  CK(cudaMalloc(&yh, (size_t)p.M * p.N * 2));
  k_ref<<<dim3((p.N + 127) / 128, r.rows), 128>>>(p, yf, yh, rowStep);
  CK(cudaGetLastError());
  CK(cudaDeviceSynchronize());
  std::vector<float> hyf((size_t)p.M * p.N);
  std::vector<uint16_t> hyh((size_t)p.M * p.N);
  CK(cudaMemcpy(hyf.data(), yf, hyf.size() * 4, cudaMemcpyDeviceToHost));
  CK(cudaMemcpy(hyh.data(), yh, hyh.size() * 2, cudaMemcpyDeviceToHost));
  // CPU spot check of the reference kernel (indexing, popcounts, epilogue rounding)
  {
    const size_t lw = (size_t)2 * p.RTa * p.KT * 128;
    std::vector<uint32_t> L(lw), W(d.rhsWords);
    std::vector<float> sx(p.M), sw(p.N), bias(p.N);
    CK(cudaMemcpy(L.data(), d.lhs, lw * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(W.data(), d.rhs, d.rhsWords * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(sx.data(), d.sx, p.M * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(sw.data(), d.sw, p.N * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(bias.data(), d.bias, p.N * 4, cudaMemcpyDeviceToHost));
    uint64_t st = 12345;
    int bad = 0;
    for (int s = 0; s < 400; ++s) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      const int m = (int)((st >> 33) % (uint64_t)r.rows) * rowStep;
      const int n = (int)((st >> 13) % (uint64_t)p.N);
      int xs = 0, cp = 0, cn = 0;
      for (int k = 0; k < p.K; ++k) {
        const size_t wi = ((size_t)(m / 16) * p.KT + k / 256) * 128 + (m % 16) * 8 + (k / 32) % 8;
        const int xb = (L[wi] >> (k % 32)) & 1, nbit = (L[lw / 2 + wi] >> (k % 32)) & 1;
        const int x = xb - nbit;
        const size_t bi = ((size_t)(n / 8) * p.KT + k / 256) * 64 + (n % 8) * 8 + (k / 32) % 8;
        const int w = ((W[bi] >> (k % 32)) & 1) ? 1 : -1;
        xs += x;
        cp += xb & ((W[bi] >> (k % 32)) & 1);
        cn += nbit & ((W[bi] >> (k % 32)) & 1);
        (void)w;
      }
      int dotDirect = 0;  // sum x*w directly from the values
      for (int k = 0; k < p.K; ++k) {
        const size_t wi = ((size_t)(m / 16) * p.KT + k / 256) * 128 + (m % 16) * 8 + (k / 32) % 8;
        const int x = (int)((L[wi] >> (k % 32)) & 1) - (int)((L[lw / 2 + wi] >> (k % 32)) & 1);
        const size_t bi = ((size_t)(n / 8) * p.KT + k / 256) * 64 + (n % 8) * 8 + (k / 32) % 8;
        dotDirect += x * (((W[bi] >> (k % 32)) & 1) ? 1 : -1);
      }
      const int dot = 2 * (cp - cn) - xs;
      const float y = cpu_epi(dot, sx[m], sw[n], bias[n]);
      const float g = hyf[(size_t)m * p.N + n];
      if (dot != dotDirect || memcmp(&y, &g, 4) != 0) {
        if (bad < 5)
          fprintf(stderr, "  REF MISMATCH m=%d n=%d dot=%d direct=%d cpu=%.9g gpu=%.9g\n", m, n, dot,
                  dotDirect, y, g);
        ++bad;
      }
    }
    printf("  reference spot check (400 samples, CPU vs GPU ref): %s\n", bad ? "FAIL" : "ok");
    if (bad) exit(3);
  }
  r.yh.resize((size_t)r.rows * p.N);
  for (int i = 0; i < r.rows; ++i)
    memcpy(&r.yh[(size_t)i * p.N], &hyh[(size_t)i * rowStep * p.N], (size_t)p.N * 2);
  cudaFree(yf); cudaFree(yh);
  return r;
}

static long check(const Variant& v, const Data& d, const Ref& r, cudaStream_t s) {
  const Prob& p = d.p;
  CK(cudaMemsetAsync(d.out, 0xFF, (size_t)p.M * p.N * 2, s));  // poison (NaN pattern)
  v.launch(d.with_buf(0), s);
  CK(cudaGetLastError());
  CK(cudaStreamSynchronize(s));
  std::vector<uint16_t> h((size_t)p.M * p.N);
  CK(cudaMemcpy(h.data(), d.out, h.size() * 2, cudaMemcpyDeviceToHost));
  long bad = 0;
  for (int i = 0; i < r.rows; ++i) {
    const int m = i * r.rowStep;
    for (int n = 0; n < p.N; ++n) {
      const uint16_t a = h[(size_t)m * p.N + n], b = r.yh[(size_t)i * p.N + n];
      if (a != b) {
        if (bad < 3)
          fprintf(stderr, "  %s MISMATCH m=%d n=%d got %04x want %04x\n", v.name.c_str(), m, n, a, b);
        ++bad;
      }
    }
  }
  // any poisoned element left anywhere (all rows)
  long unwritten = 0;
  for (size_t i = 0; i < h.size(); ++i) unwritten += h[i] == 0xFFFF;
  if (unwritten) fprintf(stderr, "  %s: %ld elements unwritten\n", v.name.c_str(), unwritten);
  return bad + unwritten;
}

static float median(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
// Median per-launch time (us) over `reps` replays of a graph of `iters` launches
// (launch i uses weight buffer i: cold L2 once the buffers exceed the L2).
static float time_graph(const std::function<void(int, cudaStream_t)>& launch, int iters, int reps,
                        cudaStream_t s) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < iters; ++i) launch(i, s);
  CK(cudaStreamEndCapture(s, &graph));
  CK(cudaGraphInstantiate(&exec, graph, 0));
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
  CK(cudaGraphLaunch(exec, s));
  CK(cudaStreamSynchronize(s));
  std::vector<float> ts;
  for (int r = 0; r < reps; ++r) {
    CK(cudaEventRecord(e0, s));
    CK(cudaGraphLaunch(exec, s));
    CK(cudaEventRecord(e1, s));
    CK(cudaEventSynchronize(e1));
    float ms;
    CK(cudaEventElapsedTime(&ms, e0, e1));
    ts.push_back(ms * 1000.f / iters);
  }
  CK(cudaGraphExecDestroy(exec)); CK(cudaGraphDestroy(graph));
  CK(cudaEventDestroy(e0)); CK(cudaEventDestroy(e1));
  return median(ts);
}
// Median of single launches, each bracketed by events (includes per-launch gaps).
static float time_single(const std::function<void(int, cudaStream_t)>& launch, int n,
                         cudaStream_t s) {
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
  for (int i = 0; i < 5; ++i) launch(i, s);
  std::vector<float> ts;
  for (int i = 0; i < n; ++i) {
    CK(cudaEventRecord(e0, s));
    launch(i, s);
    CK(cudaEventRecord(e1, s));
    CK(cudaEventSynchronize(e1));
    float ms;
    CK(cudaEventElapsedTime(&ms, e0, e1));
    ts.push_back(ms * 1000.f);
  }
  CK(cudaEventDestroy(e0)); CK(cudaEventDestroy(e1));
  return median(ts);
}

struct Cublas {
  cublasHandle_t h;
  __half *x = nullptr, *w = nullptr, *y = nullptr;
  int nb = 1;
  size_t wElems = 0;
  void* ws = nullptr;
  float run(int M, int N, int K, cudaStream_t s, float* tSingle) {
    CKB(cublasCreate(&h));
    CKB(cublasSetStream(h, s));
    CK(cudaMalloc(&ws, 64 << 20));
    CKB(cublasSetWorkspace(h, ws, 64 << 20));
    wElems = (size_t)N * K;
    nb = (int)std::max<size_t>(2, ((size_t)640 << 20) / (wElems * 2) + 1);
    CK(cudaMalloc(&x, (size_t)M * K * 2));
    CK(cudaMalloc(&w, wElems * 2 * nb));
    CK(cudaMalloc(&y, (size_t)M * N * 2));
    k_gen_h<<<4096, 256>>>(x, (size_t)M * K, 77);
    k_gen_h<<<4096, 256>>>(w, wElems * nb, 78);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    const float alpha = 1.f, beta = 0.f;
    auto launch = [&](int i, cudaStream_t) {
      // y[M][N] = x[M][K] * w[N][K]^T  (column-major: y^T = w * x^T)
      CKB(cublasGemmEx(h, CUBLAS_OP_T, CUBLAS_OP_N, N, M, K, &alpha, w + wElems * (i % nb),
                       CUDA_R_16F, K, x, CUDA_R_16F, K, &beta, y, CUDA_R_16F, N,
                       CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    for (int i = 0; i < 3; ++i) launch(i, s);
    CK(cudaStreamSynchronize(s));
    // back-to-back stream launches between two events
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0)); CK(cudaEventCreate(&e1));
    std::vector<float> ts;
    const int iters = nb * 2;
    for (int r = 0; r < 7; ++r) {
      CK(cudaEventRecord(e0, s));
      for (int i = 0; i < iters; ++i) launch(i, s);
      CK(cudaEventRecord(e1, s));
      CK(cudaEventSynchronize(e1));
      float ms;
      CK(cudaEventElapsedTime(&ms, e0, e1));
      ts.push_back(ms * 1000.f / iters);
    }
    *tSingle = time_single(launch, 41, s);
    CK(cudaEventDestroy(e0)); CK(cudaEventDestroy(e1));
    cudaFree(x); cudaFree(w); cudaFree(y); cudaFree(ws);
    cublasDestroy(h);
    return median(ts);
  }
};

static std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
static bool wanted(const std::vector<std::string>& sel, const std::string& n) {
  if (const char* ex = getenv("EXCLUDE"))
    for (auto& e : split(ex))
      if (e == n) return false;
  if (sel.empty()) return true;
  for (auto& s : sel)
    if (s == n) return true;
  return false;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: %s list | check VARIANTS | bench M N K VARIANTS|all [rowStep]\n", argv[0]);
    return 1;
  }
  const std::string cmd = argv[1];
  CK(cudaSetDevice(0));
  register_all();
  cudaStream_t s;
  CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

  if (cmd == "list") {
    for (auto& v : g_variants) printf("%s\n", v.name.c_str());
    return 0;
  }
  if (cmd == "check") {
    // Odd shapes: tails in M (not /16, not /BM), N (not /8, not /BN), K (not /32, not /256),
    // and an odd K-tile count (tails of BK = 2, 4 stages).
    const std::vector<std::string> sel = argc > 2 ? split(argv[2]) : std::vector<std::string>{};
    struct S { int M, N, K; };
    const S shapes[] = {{333, 1003, 4000}, {130, 517, 700}, {1, 1003, 4000}, {1, 4095, 700}, {2047, 4095, 4000}};
    int fails = 0;
    for (const S& sh : shapes) {
      Data d;
      d.alloc(sh.M, sh.N, sh.K, 0, 1000 + sh.M + sh.N + sh.K);
      printf("check shape %dx%dx%d (KT=%d)\n", sh.M, sh.N, sh.K, d.p.KT);
      const Ref r = make_ref(d, 1);
      for (auto& v : g_variants) {
        if (!wanted(sel, v.name)) continue;
        const bool dec = v.bm == 0;
        if (v.bm < 0 || v.nocheck) continue;
        if (dec && (sh.M != 1 || !decode_fits(v.name, d.p.KT))) continue;
        if (!dec && sh.M == 1 && v.large) continue;
        printf("RUN %s\n", v.name.c_str());
        fflush(stdout);
        const long bad = check(v, d, r, s);
        printf("  %-32s %s (%ld bad)\n", v.name.c_str(), bad ? "FAIL" : "ok", bad);
        fflush(stdout);
        fails += bad != 0;
      }
      d.release();
    }
    return fails ? 4 : 0;
  }
  if (cmd == "bench") {
    const int M = atoi(argv[2]), N = atoi(argv[3]), K = atoi(argv[4]);
    std::vector<std::string> sel;
    if (argc > 5 && std::string(argv[5]) != "all") sel = split(argv[5]);
    const int rowStep = argc > 6 ? atoi(argv[6]) : 1;
    Data d;
    d.alloc(M, N, K, (size_t)600 << 20, 4242 + M);
    const double ops = 2.0 * 2.0 * M * (double)N * K;  // 2 plane pairs, 2 ops per bit-MAC
    printf("bench %dx%dx%d: %d weight buffers of %.2f MiB (%.0f MiB rotated)\n", M, N, K, d.nbuf,
           d.rhsWords * 4 / 1048576.0, d.rhsWords * 4.0 * d.nbuf / 1048576.0);
    float cbSingle = 0;
    Cublas cb;
    const float cbt = getenv("NOCUBLAS") ? 1.f : cb.run(M, N, K, s, &cbSingle);
    printf("  cuBLAS FP16 (GemmEx, f32 accumulate): %.2f us back-to-back, %.2f us single-event median\n",
           cbt, cbSingle);
    const Ref r = make_ref(d, rowStep);
    for (auto& v : g_variants) {
      if (!wanted(sel, v.name)) continue;
      const bool dec = v.bm == 0;
      if (dec && (M != 1 || !decode_fits(v.name, d.p.KT))) continue;
      if (!dec && M <= 16 && v.large) continue;
      if (v.bm < 0 && M != 1) continue;
      printf("RUN %s\n", v.name.c_str());
      fflush(stdout);
      const long bad = (v.bm < 0 || v.nocheck || getenv("NOCHECK")) ? 0 : check(v, d, r, s);
      auto launch = [&](int i, cudaStream_t st) { v.launch(d.with_buf(i), st); };
      const int iters = std::min(d.nbuf, M >= 4096 ? 100 : d.nbuf);
      const int reps = getenv("REPS") ? atoi(getenv("REPS")) : 9;
      const float tg = time_graph(launch, iters, reps, s);
      const float t1 = time_single(launch, 41, s);
      CK(cudaGetLastError());
      printf("RESULT %5d %5d %5d %-32s %s graph %8.2f us  single %8.2f us  %6.2f POPS  fp16/this %5.2fx  (cuBLAS %.2f)\n",
             M, N, K, v.name.c_str(), v.nocheck ? "diag " : bad ? "WRONG" : "exact", tg, t1, ops / (tg * 1e-6) / 1e15,
             cbt / tg, cbt);
      fflush(stdout);
    }
    return 0;
  }
  fprintf(stderr, "unknown command\n");
  return 1;
}
