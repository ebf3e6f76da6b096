// BGMMA (wgmma .b1 .and.popc) rate on the H200: why the GEMM loop of
// WgmmaGemmKernel.cpp reached ~5.9 POPS while HARDWARE.md measured 13.8-15.5
// (answer in FINDINGS.md, "BGMMA rate": the instruction loop runs at 15 POPS;
// the cp.async fill is what the GEMM waits for).
//
// Part 1, `CO`: compute-only loops over smem filled with random bits, one
// factor at a time between a HARDWARE.md-like loop (one warpgroup, fixed
// descriptors, no barrier) and the GEMM's loop (2 warpgroups x 2 CTAs/SM,
// 2 wgmmas per commit group, wait_group 1, CTA barrier per K tile, 6 slots
// of 32-byte-swizzled K tiles).
// Part 2, `GM`: the GEMM with real cp.async data movement (S = sum
// popc(p&b) + popc(q&b), the int32 of the K-doubled BWTA GEMM), checked
// bit-exactly against a plain popc kernel on 3 odd shapes, timed at M = 512,
// 2048, 8192 (N = K = 4096, inputs rotated over > 100 MB: cold L2; WARM_L2=1:
// one buffer). Two timings: `f16-epi` (f16(S) through a staged smem tile and
// 16-byte stores, the generated kernel's epilogue without its parameters)
// and `mainloop` (one word per thread stored). Variants: `gm` one pipeline
// per tile (every thread copies), `gp` persistent, `ws` warp-specialized
// (producer warps copy, mbarrier handoff), `diag` timing-only diagnostics.
//
// Build (on the development machine; carried to the H200):
//   nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Xptxas -v \
//        -o build-proto/bgmma_rate bench/proto/bgmma_rate.cu
// Run: bgmma_rate [co|gm|all] [name filter]
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "proto_util.cuh"

// ---------------------------------------------------------------------------
// Part 1: compute-only loops.
// N: wgmma n; NWG warpgroups per CTA; NACC accumulators used round robin;
// GRP wgmmas per commit group, then wait_group WQ; SW: swizzle bytes (0 =
// none); NSLOT: smem slots cycled (1 = the same descriptors every time); each
// slot row holds SW/32 K tiles, stepped through by +32 B on the descriptor;
// BAR: CTA barrier per group; SD: scale-d (0: no accumulate); RS: A from regs.
// ---------------------------------------------------------------------------
template <int N, int NWG, int NACC, int GRP, int WQ, int SW, int NSLOT, int BAR, int SD, int RS>
__global__ void __launch_bounds__(NWG * 128) k_co(int iters, int* sink) {
  static_assert(GRP % NACC == 0, "accumulators are picked at compile time");
  constexpr int W = SW ? SW : 32, KSUB = W / 32;
  constexpr int A_BYTES = NWG * 64 * W, SLOT = A_BYTES + N * W, NPOS = NSLOT * KSUB;
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t raw = smem_u32(smem_raw);
  const uint32_t base = (raw + 1023u) & ~1023u;
  uint32_t* words = reinterpret_cast<uint32_t*>(smem_raw + (base - raw));
  for (int i = threadIdx.x; i < NSLOT * SLOT / 4; i += blockDim.x)
    words[i] = hash32(((uint64_t)blockIdx.x << 32) + i);
  fence_proxy_async();
  __syncthreads();
  const int wg = threadIdx.x >> 7;
  int acc[NACC][N / 2];
#pragma unroll
  for (int a = 0; a < NACC; ++a)
#pragma unroll
    for (int i = 0; i < N / 2; ++i) acc[a][i] = 0;
  uint32_t areg[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) areg[i] = hash32(threadIdx.x * 4 + i);
  int pos = 0;
  for (int it = 0; it < iters; ++it) {
    if (BAR) __syncthreads();
    wg_fence();
#pragma unroll
    for (int g = 0; g < GRP; ++g) {
      const uint32_t s = base + (pos / KSUB) * SLOT + (pos % KSUB) * (SW == 0 ? 256 : 32);
      const uint64_t db = mkdesc<SW>(s + A_BYTES);
      if (RS) wgmma_rs<N>(acc[g % NACC], areg, db, SD);
      else wgmma_ss<N>(acc[g % NACC], mkdesc<SW>(s + wg * 64 * W), db, SD);
      if (NPOS > 1) pos = pos + 1 == NPOS ? 0 : pos + 1;
    }
    wg_commit();
    wg_wait<WQ>();
  }
  wg_wait<0>();
  int x = 0;
#pragma unroll
  for (int a = 0; a < NACC; ++a) {
    fence_regs(acc[a]);
#pragma unroll
    for (int i = 0; i < N / 2; ++i) x ^= acc[a][i];
  }
  sink[blockIdx.x * blockDim.x + threadIdx.x] = x;
}

// ---------------------------------------------------------------------------
// Part 2: the GEMM mainloop with data movement.
// Tile (64 NWG) x BN; warpgroup w owns rows 64w..64w+63. NSUB wgmmas of
// n = BN / NSUB per plane and K tile, each into its own accumulator; PQ = 1
// gives plane q accumulators of its own (p and q summed at the end). Stage =
// BK K tiles side by side in rows of W = 32 BK bytes (swizzle W), ST slots,
// cp.async PF = ST - 1 - WQ stages ahead, wait_group WQ. ORD = 1 issues the
// n-blocks outermost (consecutive wgmmas into the same accumulator when PQ = 0).
// ---------------------------------------------------------------------------
struct Prob {
  int M, N, K, KT, RTa, RTb;
  const uint32_t* lhsq;  // [2][RTa][KT][16][8]: planes p, q
  const uint32_t* rhs;   // [RTb][KT][8][8]
  int* out;              // [M][N] int32 (check = 1) or one word per thread (check = 2)
  __half* outh;          // [M][N] f16(S) through a staged smem tile (check = 0)
  int check;
};

// f16(S) of a 128 x BN tile: fragments to a padded smem tile, then coalesced
// 16-byte stores (the shape of the generated kernel's epilogue, without the
// scale/bias parameters).
template <int BM, int BN, int NSUB, int NT>
__device__ __forceinline__ void epi_f16(const Prob& p, __half* so, const int (&acc)[NSUB][BN / NSUB / 2],
                                        int rowL, int t, int tid, int m0, int n0) {
  constexpr int WN = BN / NSUB;
#pragma unroll
  for (int sub = 0; sub < NSUB; ++sub)
#pragma unroll
    for (int i = 0; i < WN / 2; i += 2) {
      const int j = i / 4, h = (i / 2) & 1;
      const int r = rowL + 8 * h, c = sub * WN + 8 * j + 2 * t;
      *reinterpret_cast<__half2*>(so + r * (BN + 8) + c) =
          __floats2half2_rn((float)acc[sub][i], (float)acc[sub][i + 1]);
    }
  __syncthreads();
  constexpr int CPR = BN / 8;
#pragma unroll 4
  for (int id = tid; id < BM * CPR; id += NT) {
    const int r = id / CPR, ch = id % CPR;
    const int m = m0 + r, n = n0 + ch * 8;
    if (m < p.M && n < p.N)
      *reinterpret_cast<uint4*>(p.outh + (size_t)m * p.N + n) =
          *reinterpret_cast<const uint4*>(so + r * (BN + 8) + ch * 8);
  }
}

// DIAG (timing only): 1 = no wgmma (the loads alone), 2 = every CTA loads the
// tiles of block (0, 0) (a 16-96 KB hot set in L2: the L2-to-SM path alone).
template <int NWG, int BN, int NSUB, int PQ, int BK, int ST, int WQ, int MINB, int ORD = 0,
          int DIAG = 0>
__global__ void __launch_bounds__(NWG * 128, MINB) k_gm(Prob p) {
  constexpr int NT = NWG * 128, BM = 64 * NWG;
  constexpr int W = 32 * BK, WN = BN / NSUB, NA = NSUB * (PQ ? 2 : 1);
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK, STAGE = A_STAGE + BN * W;
  constexpr int PF = ST - 1 - WQ;
  static_assert(PF >= 1, "stages");
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t sbase = (smem_u32(smem_raw) + 1023u) & ~1023u;
  const int tid = threadIdx.x, wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2,
            t = lane & 3;
  const int mb = blockIdx.y, nb = blockIdx.x, KT = p.KT;
  const int lmb = DIAG == 2 ? 0 : mb, lnb = DIAG == 2 ? 0 : nb;

  auto load = [&](int st, int kt0) {
    load_stage_ss<BM, BN, BK, NT>(sbase + st * STAGE, p.lhsq, p.rhs, p.RTa, p.RTb, KT, lmb, lnb, kt0,
                                  tid);
  };

  int acc[NA][WN / 2];
#pragma unroll
  for (int a = 0; a < NA; ++a)
#pragma unroll
    for (int i = 0; i < WN / 2; ++i) acc[a][i] = 0;

  const int numIt = (KT + BK - 1) / BK;
#pragma unroll
  for (int s = 0; s < PF; ++s) {
    if (s < numIt) load(s, s * BK);
    cp_commit();
  }
  for (int it = 0; it < numIt; ++it) {
    cp_wait<PF - 1>();
    fence_proxy_async();
    __syncthreads();
    {
      const int nx = it + PF;
      if (nx < numIt) load(nx % ST, nx * BK);
      cp_commit();
    }
    const uint32_t s = sbase + (it % ST) * STAGE;
    if (DIAG == 1) continue;
    wg_fence();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      // Past K (BK > 1), the zero-filled tiles add nothing: the loop stays uniform.
#pragma unroll
      for (int o = 0; o < 2 * NSUB; ++o) {
        const int pl = ORD ? o % 2 : o / NSUB, sub = ORD ? o / 2 : o % NSUB;
        const uint64_t da = mkdesc<W>(s + pl * A_BLK + wg * 64 * W + kk * 32);
        const uint64_t db = mkdesc<W>(s + A_STAGE + sub * WN * W + kk * 32);
        wgmma_ss<WN>(acc[(PQ ? pl * NSUB : 0) + sub], da, db);
      }
    }
    wg_commit();
    wg_wait<WQ>();
  }
  wg_wait<0>();
#pragma unroll
  for (int a = 0; a < NA; ++a) fence_regs(acc[a]);
  cp_wait<0>();
  const int rowA = mb * BM + wg * 64 + (warp & 3) * 16 + g;
  if (p.check == 0) {
    if constexpr (!PQ) {
      __syncthreads();  // every warpgroup is done with the slots: they hold the tile now
      epi_f16<BM, BN, NSUB, NT>(p, reinterpret_cast<__half*>(smem_raw + (sbase - smem_u32(smem_raw))),
                                acc, rowA - mb * BM, t, tid, mb * BM, nb * BN);
    }
    return;
  }
  if (p.check == 2) {
    int x = 0;
#pragma unroll
    for (int a = 0; a < NA; ++a)
#pragma unroll
      for (int i = 0; i < WN / 2; ++i) x ^= acc[a][i];
    p.out[((size_t)blockIdx.y * gridDim.x + blockIdx.x) * NT + tid] = x;
    return;
  }
#pragma unroll
  for (int sub = 0; sub < NSUB; ++sub)
#pragma unroll
    for (int i = 0; i < WN / 2; ++i) {
      const int j = i / 4, h = (i / 2) & 1, e = i & 1;
      const int m = rowA + 8 * h, n = nb * BN + sub * WN + 8 * j + 2 * t + e;
      int v = acc[sub][i];
      if (PQ) v += acc[NSUB + sub][i];
      if (m < p.M && n < p.N) p.out[(size_t)m * p.N + n] = v;
    }
}


// Persistent version of k_gm (2 warpgroups, 128 x BN tiles, one K tile per
// stage): CTA b takes tiles b, b + grid, ... and runs ONE cp.async pipeline over
// all their (tile, K tile) steps, so the next tile's first stages load while
// this tile's epilogue runs. The first plane's wgmma of a tile's first K tile
// has scale-d = 0 (no accumulator reset). The f16 tile has smem of its own.
template <int BN, int NSUB, int ST, int WQ, int MINB>
__global__ void __launch_bounds__(256, MINB) k_gp(Prob p) {
  constexpr int NT = 256, BM = 128, ART = BM / 16, BCT = BN / 8, W = 32, WN = BN / NSUB;
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK, STAGE = A_STAGE + BN * W;
  constexpr int PF = ST - 1 - WQ;
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t sbase = (smem_u32(smem_raw) + 1023u) & ~1023u;
  __half* so = reinterpret_cast<__half*>(smem_raw + (sbase - smem_u32(smem_raw)) + ST * STAGE);
  const int tid = threadIdx.x, wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2,
            t = lane & 3;
  const int KT = p.KT, tilesN = (p.N + BN - 1) / BN, numTiles = tilesN * ((p.M + BM - 1) / BM);
  const int myTiles = (int)blockIdx.x < numTiles ? (numTiles - 1 - blockIdx.x) / gridDim.x + 1 : 0;
  const int total = myTiles * KT;

  auto load = [&](int st, int tile, int kt) {
    const int mb = tile / tilesN, nb = tile % tilesN;
    const uint32_t s = sbase + st * STAGE;
#pragma unroll
    for (int i = 0; i < 2 * ART * 32 / NT; ++i) {
      const int id = tid + i * NT;
      const int c = id & 1, rr = (id >> 1) & 15, seg = id >> 5;
      const int pl = seg / ART, rtl = seg % ART;
      const int rt = min(mb * ART + rtl, p.RTa - 1);
      cp16(s + pl * A_BLK + swz_off<W>(rtl * 16 + rr, c),
           p.lhsq + ((size_t)((pl * p.RTa + rt) * KT + kt) * 16 + rr) * 8 + c * 4, true);
    }
#pragma unroll
    for (int i = 0; i < BCT * 16 / NT; ++i) {
      const int id = tid + i * NT;
      const int c = id & 1, rr = (id >> 1) & 7, ctl = id >> 4;
      const int ct = min(nb * BCT + ctl, p.RTb - 1);
      cp16(s + A_STAGE + swz_off<W>(ctl * 8 + rr, c),
           p.rhs + ((size_t)(ct * KT + kt) * 8 + rr) * 8 + c * 4, true);
    }
  };
  int pTile = blockIdx.x, pK = 0;  // the next step to load
  auto produce = [&](int step) {
    if (step < total) {
      load(step % ST, pTile, pK);
      if (++pK == KT) { pK = 0; pTile += gridDim.x; }
    }
    cp_commit();
  };
#pragma unroll
  for (int s = 0; s < PF; ++s) produce(s);

  int acc[NSUB][WN / 2];
#pragma unroll
  for (int a = 0; a < NSUB; ++a)
#pragma unroll
    for (int i = 0; i < WN / 2; ++i) acc[a][i] = 0;
  int cTile = blockIdx.x, cK = 0;  // the step being computed
  const int rowL = wg * 64 + (warp & 3) * 16 + g;
  for (int s = 0; s < total; ++s) {
    cp_wait<PF - 1>();
    fence_proxy_async();
    __syncthreads();
    produce(s + PF);
    const uint32_t sl = sbase + (s % ST) * STAGE;
    wg_fence();
#pragma unroll
    for (int pl = 0; pl < 2; ++pl)
#pragma unroll
      for (int sub = 0; sub < NSUB; ++sub)
        wgmma_ss<WN>(acc[sub], mkdesc<W>(sl + pl * A_BLK + wg * 64 * W),
                     mkdesc<W>(sl + A_STAGE + sub * WN * W), pl == 0 ? cK != 0 : 1);
    wg_commit();
    wg_wait<WQ>();
    if (++cK == KT) {
      wg_wait<0>();
#pragma unroll
      for (int a = 0; a < NSUB; ++a) fence_regs(acc[a]);
      const int mb = cTile / tilesN, nb = cTile % tilesN;
      if (p.check == 1) {
#pragma unroll
        for (int sub = 0; sub < NSUB; ++sub)
#pragma unroll
          for (int i = 0; i < WN / 2; ++i) {
            const int j = i / 4, h = (i / 2) & 1, e = i & 1;
            const int m = mb * BM + rowL + 8 * h, n = nb * BN + sub * WN + 8 * j + 2 * t + e;
            if (m < p.M && n < p.N) p.out[(size_t)m * p.N + n] = acc[sub][i];
          }
      } else {
        epi_f16<BM, BN, NSUB, NT>(p, so, acc, rowL, t, tid, mb * BM, nb * BN);
      }
      cK = 0;
      cTile += gridDim.x;
    }
  }
  cp_wait<0>();
}


// Warp-specialized cp.async: PW producer warps (threads 256..) issue every
// copy and signal full[slot] with cp.async.mbarrier.arrive.noinc; the two
// consumer warpgroups only wait, fence and issue wgmmas, and free a slot
// (empty[slot], one arrive per consumer warp) once wait_group 1 says its
// wgmmas are done. No consumer thread has copies in flight.
__device__ __forceinline__ void mbar_init(uint32_t a, int count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(a), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint32_t a, int parity) {
  asm volatile(
      "{\n.reg .pred p;\nW: mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n@!p bra W;\n}\n" ::"r"(a),
      "r"(parity)
      : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t a) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(a) : "memory");
}
__device__ __forceinline__ void cp_mbar_arrive(uint32_t a) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(a) : "memory");
}
template <int BN, int NSUB, int ST, int PW, int MINB>
__global__ void __launch_bounds__(256 + 32 * PW, MINB) k_ws(Prob p) {
  constexpr int BM = 128, ART = BM / 16, BCT = BN / 8, W = 32, WN = BN / NSUB;
  constexpr int A_BLK = BM * W, A_STAGE = 2 * A_BLK, STAGE = A_STAGE + BN * W;
  constexpr int MAIN = ST * STAGE > BM * (BN + 8) * 2 ? ST * STAGE : BM * (BN + 8) * 2;
  extern __shared__ __align__(1024) uint8_t smem_raw[];
  const uint32_t sbase = (smem_u32(smem_raw) + 1023u) & ~1023u;
  const uint32_t full = sbase + MAIN, empty = full + 8 * ST;
  const int tid = threadIdx.x, mb = blockIdx.y, nb = blockIdx.x, KT = p.KT;
  if (tid == 0)
    for (int i = 0; i < ST; ++i) {
      mbar_init(full + 8 * i, 32 * PW);
      mbar_init(empty + 8 * i, 8);
    }
  __syncthreads();
  if (tid >= 256) {  // producer
    const int pt = tid - 256;
    for (int it = 0; it < KT; ++it) {
      const int slot = it % ST;
      if (it >= ST) mbar_wait(empty + 8 * slot, ((it / ST) - 1) & 1);
      const uint32_t s = sbase + slot * STAGE;
#pragma unroll 8
      for (int i = 0; i < 2 * ART * 32 / (32 * PW); ++i) {
        const int id = pt + i * 32 * PW;
        const int c = id & 1, rr = (id >> 1) & 15, seg = id >> 5;
        const int pl = seg / ART, rtl = seg % ART;
        const int rt = min(mb * ART + rtl, p.RTa - 1);
        cp16(s + pl * A_BLK + swz_off<W>(rtl * 16 + rr, c),
             p.lhsq + ((size_t)((pl * p.RTa + rt) * KT + it) * 16 + rr) * 8 + c * 4, true);
      }
#pragma unroll 8
      for (int i = 0; i < BCT * 16 / (32 * PW); ++i) {
        const int id = pt + i * 32 * PW;
        const int c = id & 1, rr = (id >> 1) & 7, ctl = id >> 4;
        const int ct = min(nb * BCT + ctl, p.RTb - 1);
        cp16(s + A_STAGE + swz_off<W>(ctl * 8 + rr, c),
             p.rhs + ((size_t)(ct * KT + it) * 8 + rr) * 8 + c * 4, true);
      }
      cp_mbar_arrive(full + 8 * slot);
    }
    return;
  }
  const int wg = tid >> 7, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
  int acc[NSUB][WN / 2];
#pragma unroll
  for (int a = 0; a < NSUB; ++a)
#pragma unroll
    for (int i = 0; i < WN / 2; ++i) acc[a][i] = 0;
  for (int it = 0; it < KT; ++it) {
    const int slot = it % ST;
    mbar_wait(full + 8 * slot, (it / ST) & 1);
    fence_proxy_async();
    const uint32_t sl = sbase + slot * STAGE;
    wg_fence();
#pragma unroll
    for (int pl = 0; pl < 2; ++pl)
#pragma unroll
      for (int sub = 0; sub < NSUB; ++sub)
        wgmma_ss<WN>(acc[sub], mkdesc<W>(sl + pl * A_BLK + wg * 64 * W),
                     mkdesc<W>(sl + A_STAGE + sub * WN * W));
    wg_commit();
    wg_wait<1>();
    if (it > 0 && lane == 0) mbar_arrive(empty + 8 * ((it - 1) % ST));
  }
  wg_wait<0>();
#pragma unroll
  for (int a = 0; a < NSUB; ++a) fence_regs(acc[a]);
  const int rowL = wg * 64 + (warp & 3) * 16 + g;
  if (p.check == 1) {
#pragma unroll
    for (int sub = 0; sub < NSUB; ++sub)
#pragma unroll
      for (int i = 0; i < WN / 2; ++i) {
        const int j = i / 4, h = (i / 2) & 1, e = i & 1;
        const int m = mb * BM + rowL + 8 * h, n = nb * BN + sub * WN + 8 * j + 2 * t + e;
        if (m < p.M && n < p.N) p.out[(size_t)m * p.N + n] = acc[sub][i];
      }
    return;
  }
  if (p.check == 2) {
    int x = 0;
#pragma unroll
    for (int a = 0; a < NSUB; ++a)
#pragma unroll
      for (int i = 0; i < WN / 2; ++i) x ^= acc[a][i];
    p.out[((size_t)blockIdx.y * gridDim.x + blockIdx.x) * 256 + tid] = x;
    return;
  }
  asm volatile("bar.sync 1, 256;\n" ::: "memory");  // consumers done with the slots
  __half* so = reinterpret_cast<__half*>(smem_raw + (sbase - smem_u32(smem_raw)));
  // epi_f16's barrier is CTA-wide: the producer warps have left, so use the
  // consumer-only path inline.
#pragma unroll
  for (int sub = 0; sub < NSUB; ++sub)
#pragma unroll
    for (int i = 0; i < WN / 2; i += 2) {
      const int j = i / 4, h = (i / 2) & 1;
      const int r = rowL + 8 * h, c = sub * WN + 8 * j + 2 * t;
      *reinterpret_cast<__half2*>(so + r * (BN + 8) + c) =
          __floats2half2_rn((float)acc[sub][i], (float)acc[sub][i + 1]);
    }
  asm volatile("bar.sync 1, 256;\n" ::: "memory");
  constexpr int CPR = BN / 8;
#pragma unroll 4
  for (int id = tid; id < BM * CPR; id += 256) {
    const int r = id / CPR, ch = id % CPR;
    const int m = mb * BM + r, n = nb * BN + ch * 8;
    if (m < p.M && n < p.N)
      *reinterpret_cast<uint4*>(p.outh + (size_t)m * p.N + n) =
          *reinterpret_cast<const uint4*>(so + r * (BN + 8) + ch * 8);
  }
}

__global__ void k_ref(Prob p, int* ref) {
  const int n = blockIdx.x * blockDim.x + threadIdx.x, m = blockIdx.y;
  if (n >= p.N) return;
  const uint32_t* xp = p.lhsq + (size_t)(m / 16) * p.KT * 128 + (m % 16) * 8;
  const uint32_t* xq = xp + (size_t)p.RTa * p.KT * 128;
  const uint32_t* w = p.rhs + (size_t)(n / 8) * p.KT * 64 + (n % 8) * 8;
  int s = 0;
  for (int kt = 0; kt < p.KT; ++kt)
    for (int j = 0; j < 8; ++j) {
      const uint32_t ww = w[kt * 64 + j];
      s += __popc(xp[kt * 128 + j] & ww) + __popc(xq[kt * 128 + j] & ww);
    }
  ref[(size_t)m * p.N + n] = s;
}

// ---------------------------------------------------------------------------
// Host
// ---------------------------------------------------------------------------
static int g_sms = 132;
static float time_ms(const std::function<void()>& f, int reps) {
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  std::vector<float> v;
  f();
  CK(cudaDeviceSynchronize());
  for (int r = 0; r < reps; ++r) {
    CK(cudaEventRecord(a));
    f();
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float ms;
    CK(cudaEventElapsedTime(&ms, a, b));
    v.push_back(ms);
  }
  std::sort(v.begin(), v.end());
  CK(cudaEventDestroy(a));
  CK(cudaEventDestroy(b));
  return v[v.size() / 2];
}

struct Co {
  std::string name;
  std::function<void(const char*)> run;
};
static std::vector<Co> g_co;
static int* g_sink;

// C: CTAs per SM wanted (dynamic smem sized so that no more fit).
template <int N, int NWG, int NACC, int GRP, int WQ, int SW, int NSLOT, int BAR, int SD, int RS>
void add_co(const char* name, int C) {
  g_co.push_back({name, [=](const char* nm) {
    auto kern = k_co<N, NWG, NACC, GRP, WQ, SW, NSLOT, BAR, SD, RS>;
    constexpr int W = SW ? SW : 32;
    const int need = NSLOT * (NWG * 64 * W + N * W) + 1024;
    const int smem = std::max(need, 229376 / C - 2048);
    CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    int occ = 0;
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, kern, NWG * 128, smem));
    cudaFuncAttributes fa;
    CK(cudaFuncGetAttributes(&fa, kern));
    const int grid = g_sms * C;
    const double perWg = 4.0e12 / (grid * NWG) / (2.0 * 64 * N * 256);  // ~4e12 ops a launch
    const int iters = std::max(1, (int)(perWg / GRP));
    const float ms = time_ms([&] { kern<<<grid, NWG * 128, smem>>>(iters, g_sink); }, 5);
    CK(cudaGetLastError());
    const double ops = 2.0 * 64 * N * 256 * (double)GRP * iters * NWG * grid;
    printf("CO %-34s n%-3d wg%d acc%d grp%-2d wq%d sw%-3d slots%d bar%d sd%d rs%d cta/sm %d (occ %d, %3d regs)"
           "  %8.3f ms  %6.2f POPS\n",
           nm, N, NWG, NACC, GRP, WQ, SW, NSLOT, BAR, SD, RS, C, occ, fa.numRegs, ms,
           ops / ms / 1e12);
    fflush(stdout);
  }});
}

struct Gm {
  std::string name;
  int bm, bn, nt, smem, minb;
  void (*kern)(Prob);
  bool persistent = false;
  bool diag = false;  // timing only
};
static std::vector<Gm> g_gm;
template <int NWG, int BN, int NSUB, int PQ, int BK, int ST, int WQ, int MINB, int ORD = 0,
          int DIAG = 0>
void add_gm(const char* name) {
  constexpr int BM = 64 * NWG, STAGE = 2 * BM * 32 * BK + BN * 32 * BK;
  constexpr int SMEM = std::max(ST * STAGE, BM * (BN + 8) * 2) + 1024;
  auto kern = k_gm<NWG, BN, NSUB, PQ, BK, ST, WQ, MINB, ORD, DIAG>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_gm.push_back({name, BM, BN, NWG * 128, SMEM, MINB, kern, false, DIAG != 0});
}
template <int BN, int NSUB, int ST, int PW, int MINB>
void add_ws(const char* name) {
  constexpr int STAGE = 2 * 128 * 32 + BN * 32;
  constexpr int SMEM = std::max(ST * STAGE, 128 * (BN + 8) * 2) + 16 * ST + 1024;
  auto kern = k_ws<BN, NSUB, ST, PW, MINB>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_gm.push_back({name, 128, BN, 256 + 32 * PW, SMEM, MINB, kern});
}
template <int BN, int NSUB, int ST, int WQ, int MINB>
void add_gp(const char* name) {
  constexpr int SMEM = ST * (2 * 128 * 32 + BN * 32) + 128 * (BN + 8) * 2 + 1024;
  auto kern = k_gp<BN, NSUB, ST, WQ, MINB>;
  CK(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM));
  g_gm.push_back({name, 128, BN, 256, SMEM, MINB, kern, true});
}

struct Data {
  int M, N, K, KT, RTa, RTb, nbuf;
  size_t lhsWords, rhsWords;
  uint32_t *lhsq, *rhs;
  int* out;
  __half* outh;
  Prob prob(int i, int check) const {
    return {M, N, K, KT, RTa, RTb, lhsq + (size_t)(i % nbuf) * lhsWords,
            rhs + (size_t)(i % nbuf) * rhsWords, out, outh, check};
  }
};
static Data make_data(int M, int N, int K, int nbuf, uint64_t seed) {
  Data d;
  d.M = M; d.N = N; d.K = K; d.KT = (K + 255) / 256; d.RTa = (M + 15) / 16; d.RTb = (N + 7) / 8;
  d.nbuf = nbuf;
  d.lhsWords = (size_t)2 * d.RTa * d.KT * 128;
  d.rhsWords = (size_t)d.RTb * d.KT * 64;
  CK(cudaMalloc(&d.lhsq, d.lhsWords * 4 * nbuf));
  CK(cudaMalloc(&d.rhs, d.rhsWords * 4 * nbuf));
  CK(cudaMalloc(&d.out, std::max((size_t)M * N, (size_t)64 << 20) * 4));
  CK(cudaMalloc(&d.outh, (size_t)M * N * 2));
  uint32_t* lhs;  // the p/n planes the generator also writes (unused here)
  CK(cudaMalloc(&lhs, d.lhsWords * 4));
  for (int i = 0; i < nbuf; ++i)
    k_gen_lhs<<<1024, 256>>>(lhs, d.lhsq + i * d.lhsWords, M, K, d.RTa, d.KT, seed + 17 * i);
  CK(cudaDeviceSynchronize());
  CK(cudaFree(lhs));
  k_gen_rhs<<<4096, 256>>>(d.rhs, d.rhsWords * nbuf, N, K, d.RTb, d.KT, seed);
  CK(cudaDeviceSynchronize());
  return d;
}
static void free_data(Data& d) {
  CK(cudaFree(d.lhsq));
  CK(cudaFree(d.rhs));
  CK(cudaFree(d.out));
  CK(cudaFree(d.outh));
}
static void launch(const Gm& v, const Prob& p) {
  dim3 grid((p.N + v.bn - 1) / v.bn, (p.M + v.bm - 1) / v.bm);
  if (v.persistent) grid = dim3(std::min<int>(grid.x * grid.y, g_sms * v.minb));
  v.kern<<<grid, v.nt, v.smem>>>(p);
}

static bool check_gm(const Gm& v, const char* filter) {
  static const int shapes[][3] = {{2047, 4095, 4000}, {333, 1003, 700}, {130, 517, 256}};
  bool ok = true;
  for (auto& s : shapes) {
    Data d = make_data(s[0], s[1], s[2], 1, 1234 + s[0]);
    int* ref;
    CK(cudaMalloc(&ref, (size_t)s[0] * s[1] * 4));
    k_ref<<<dim3((s[1] + 127) / 128, s[0]), 128>>>(d.prob(0, 1), ref);
    CK(cudaMemset(d.out, 0xAB, (size_t)s[0] * s[1] * 4));
    launch(v, d.prob(0, 1));
    CK(cudaDeviceSynchronize());
    std::vector<int> a((size_t)s[0] * s[1]), b(a.size());
    CK(cudaMemcpy(a.data(), d.out, a.size() * 4, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(b.data(), ref, b.size() * 4, cudaMemcpyDeviceToHost));
    size_t bad = 0;
    for (size_t i = 0; i < a.size(); ++i) bad += a[i] != b[i];
    if (bad) {
      printf("CHECK %-30s %dx%dx%d FAIL %zu of %zu\n", v.name.c_str(), s[0], s[1], s[2], bad,
             a.size());
      ok = false;
    }
    CK(cudaFree(ref));
    free_data(d);
  }
  if (ok) printf("CHECK %-30s exact on 3 shapes\n", v.name.c_str());
  return ok;
}

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "all";
  const char* filter = argc > 2 ? argv[2] : "";
  CK(cudaDeviceGetAttribute(&g_sms, cudaDevAttrMultiProcessorCount, 0));
  CK(cudaMalloc(&g_sink, 8 << 20));

  // HARDWARE.md-like: one warpgroup, fixed descriptors, no barrier.
  add_co<256, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n256_g4", 1);
  add_co<256, 1, 1, 1, 0, 32, 1, 0, 1, 0>("hw_n256_g1_wait0", 1);
  add_co<256, 1, 1, 16, 1, 32, 1, 0, 1, 0>("hw_n256_g16", 1);
  add_co<256, 1, 1, 4, 0, 32, 1, 0, 1, 0>("hw_n256_g4_wait0", 1);
  add_co<256, 1, 1, 4, 1, 32, 1, 0, 0, 0>("hw_n256_g4_sd0", 1);
  add_co<256, 1, 1, 4, 1, 128, 1, 0, 1, 0>("hw_n256_g4_sw128", 1);
  add_co<256, 1, 1, 4, 1, 64, 1, 0, 1, 0>("hw_n256_g4_sw64", 1);
  add_co<256, 1, 1, 4, 1, 0, 1, 0, 1, 0>("hw_n256_g4_sw0", 1);
  add_co<256, 1, 1, 4, 1, 32, 1, 0, 1, 1>("hw_n256_g4_rs", 1);
  add_co<256, 1, 1, 4, 1, 32, 6, 0, 1, 0>("hw_n256_g4_slots6", 1);
  add_co<256, 1, 1, 4, 1, 128, 2, 0, 1, 0>("hw_n256_g4_slots2_sw128", 1);
  add_co<256, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n256_g4_cta2", 2);
  add_co<256, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n256_g4_cta3", 3);
  add_co<256, 2, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n256_g4_wg2", 1);
  add_co<128, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n128_g4", 1);
  add_co<128, 1, 2, 4, 1, 32, 1, 0, 1, 0>("hw_n128_g4_acc2", 1);
  add_co<128, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n128_g4_cta2", 2);
  add_co<128, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n128_g4_cta4", 4);
  add_co<128, 1, 1, 4, 1, 128, 1, 0, 1, 0>("hw_n128_g4_sw128", 1);
  add_co<64, 1, 4, 4, 1, 32, 1, 0, 1, 0>("hw_n64_g4_acc4", 1);
  add_co<64, 1, 1, 4, 1, 32, 1, 0, 1, 0>("hw_n64_g4", 1);
  // The GEMM's loop (WgmmaGemmKernel.cpp), then one factor changed at a time.
  add_co<128, 2, 1, 2, 1, 32, 6, 1, 1, 0>("loop", 2);
  add_co<128, 2, 1, 2, 1, 32, 6, 0, 1, 0>("loop_nobar", 2);
  add_co<128, 2, 1, 2, 1, 32, 1, 1, 1, 0>("loop_slots1", 2);
  add_co<128, 2, 1, 2, 1, 32, 1, 0, 1, 0>("loop_slots1_nobar", 2);
  add_co<128, 2, 2, 2, 1, 32, 6, 1, 1, 0>("loop_acc2", 2);
  add_co<128, 2, 2, 2, 1, 32, 6, 1, 1, 0>("loop_acc2_cta1", 1);
  add_co<128, 2, 1, 4, 1, 32, 6, 1, 1, 0>("loop_g4", 2);
  add_co<128, 2, 1, 8, 1, 32, 6, 1, 1, 0>("loop_g8", 2);
  add_co<128, 2, 1, 2, 0, 32, 6, 1, 1, 0>("loop_wait0", 2);
  add_co<128, 2, 1, 2, 1, 32, 6, 1, 0, 0>("loop_sd0", 2);
  add_co<128, 2, 1, 2, 1, 64, 3, 1, 1, 0>("loop_sw64", 2);
  add_co<128, 2, 1, 2, 1, 128, 2, 1, 1, 0>("loop_sw128", 2);
  add_co<128, 2, 1, 4, 1, 128, 2, 1, 1, 0>("loop_sw128_g4", 2);
  add_co<128, 2, 1, 2, 1, 0, 6, 1, 1, 0>("loop_sw0", 2);
  add_co<128, 2, 1, 2, 1, 32, 6, 1, 1, 0>("loop_cta1", 1);
  add_co<128, 1, 1, 2, 1, 32, 6, 1, 1, 0>("loop_wg1_cta2", 2);
  add_co<128, 1, 1, 2, 1, 32, 6, 1, 1, 0>("loop_wg1_cta4", 4);
  add_co<128, 2, 1, 2, 1, 32, 6, 1, 1, 1>("loop_rs", 2);
  add_co<256, 2, 1, 2, 1, 32, 6, 1, 1, 0>("loop_n256_cta1", 1);
  add_co<128, 2, 2, 4, 1, 32, 6, 1, 1, 0>("loop_acc2_g4", 2);
  add_co<64, 2, 2, 4, 1, 32, 6, 1, 1, 0>("loop_n64_acc2_g4", 2);

  // GEMM variants (every one measured, results/run6-10): NWG, BN, NSUB, PQ,
  // BK, ST, WQ, MINB, ORD, DIAG.
  add_gm<2, 128, 1, 0, 1, 6, 1, 2>("gm_128x128_n128_bk1_s6 (now)");
  add_gm<2, 128, 1, 0, 1, 6, 1, 2, 0, 1>("diag_128x128_s6_loadsonly");
  add_gm<2, 128, 1, 0, 1, 6, 1, 2, 0, 2>("diag_128x128_s6_hotL2");
  add_gm<2, 128, 1, 0, 1, 8, 1, 2>("gm_128x128_n128_bk1_s8");
  add_gm<2, 128, 1, 0, 1, 8, 2, 2>("gm_128x128_n128_bk1_s8_wq2");
  add_gm<2, 128, 2, 0, 1, 6, 1, 2>("gm_128x128_2xn64_bk1_s6");
  add_gm<2, 128, 1, 1, 1, 6, 1, 1>("gm_128x128_pq_bk1_s6");
  add_gm<2, 128, 1, 0, 2, 4, 1, 2>("gm_128x128_n128_bk2_sw64_s4");
  add_gm<2, 128, 1, 0, 4, 3, 1, 2>("gm_128x128_n128_bk4_sw128_s3");
  add_gm<2, 256, 1, 0, 1, 6, 1, 1>("gm_128x256_n256_bk1_s6");
  add_gm<2, 256, 1, 0, 1, 6, 1, 1, 0, 1>("diag_128x256_s6_loadsonly");
  add_gm<2, 256, 1, 0, 1, 6, 1, 1, 0, 2>("diag_128x256_s6_hotL2");
  add_gm<2, 256, 1, 0, 1, 8, 1, 1>("gm_128x256_n256_bk1_s8");
  add_gm<2, 256, 1, 0, 1, 10, 1, 1>("gm_128x256_n256_bk1_s10");
  add_gm<2, 256, 1, 0, 1, 12, 1, 1>("gm_128x256_n256_bk1_s12");
  add_gm<2, 256, 1, 0, 1, 12, 1, 1, 0, 1>("diag_128x256_s12_loadsonly");
  add_gm<2, 256, 2, 0, 1, 6, 1, 1>("gm_128x256_2xn128_bk1_s6");
  add_gm<2, 256, 2, 0, 1, 6, 1, 1, 1>("gm_128x256_2xn128_ord1");
  add_gm<2, 256, 2, 0, 1, 8, 2, 1>("gm_128x256_2xn128_bk1_s8_wq2");
  add_gm<2, 256, 2, 0, 2, 4, 1, 1>("gm_128x256_2xn128_bk2_sw64_s4");
  add_gm<2, 256, 2, 0, 4, 3, 1, 1>("gm_128x256_2xn128_bk4_sw128_s3");
  add_gm<1, 256, 2, 0, 1, 6, 1, 2>("gm_64x256_2xn128_bk1_s6");
  add_gm<1, 256, 2, 0, 1, 8, 1, 2>("gm_64x256_2xn128_bk1_s8");
  add_gm<1, 256, 2, 0, 1, 6, 1, 2, 0, 1>("diag_64x256_s6_loadsonly");
  add_gm<1, 256, 2, 0, 1, 6, 1, 2, 0, 2>("diag_64x256_s6_hotL2");
  add_gm<1, 256, 1, 0, 1, 5, 1, 2>("gm_64x256_n256_bk1_s5");
  add_gm<1, 256, 1, 0, 1, 6, 1, 2>("gm_64x256_n256_bk1_s6");
  add_gm<1, 256, 1, 0, 1, 7, 1, 2>("gm_64x256_n256_bk1_s7");
  add_gm<1, 128, 1, 0, 1, 6, 1, 3>("gm_64x128_n128_bk1_s6");
  add_gm<1, 128, 1, 0, 1, 6, 1, 3, 0, 1>("diag_64x128_s6_loadsonly");
  // Persistent (one pipeline across a CTA's tiles): BN, NSUB, ST, WQ, MINB.
  add_gp<256, 1, 6, 1, 1>("gp_128x256_n256_s6");
  add_gp<256, 1, 8, 1, 1>("gp_128x256_n256_s8");
  add_gp<256, 2, 6, 1, 1>("gp_128x256_2xn128_s6");
  add_gp<256, 1, 8, 2, 1>("gp_128x256_n256_s8_wq2");
  add_gp<128, 1, 6, 1, 2>("gp_128x128_n128_s6_2cta");
  add_gp<128, 1, 4, 1, 2>("gp_128x128_n128_s4_2cta");
  // Warp-specialized cp.async: BN, NSUB, ST, PW (producer warps), MINB.
  add_ws<256, 1, 6, 1, 1>("ws_128x256_n256_s6_pw1");
  add_ws<256, 1, 6, 2, 1>("ws_128x256_n256_s6_pw2");
  add_ws<256, 1, 8, 2, 1>("ws_128x256_n256_s8_pw2");
  add_ws<256, 1, 12, 2, 1>("ws_128x256_n256_s12_pw2");
  add_ws<256, 1, 6, 4, 1>("ws_128x256_n256_s6_pw4");
  add_ws<256, 1, 8, 4, 1>("ws_128x256_n256_s8_pw4 (ported)");
  add_ws<256, 1, 10, 4, 1>("ws_128x256_n256_s10_pw4");
  add_ws<256, 2, 8, 4, 1>("ws_128x256_2xn128_s8_pw4");
  add_ws<128, 1, 6, 1, 2>("ws_128x128_n128_s6_pw1");
  add_ws<128, 1, 6, 2, 2>("ws_128x128_n128_s6_pw2");
  add_ws<128, 1, 8, 2, 2>("ws_128x128_n128_s8_pw2");
  add_ws<128, 1, 8, 4, 1>("ws_128x128_n128_s8_pw4_1cta");

  bool doCo = mode == "co" || mode == "all", doGm = mode == "gm" || mode == "all";
  if (doCo)
    for (auto& c : g_co)
      if (strstr(c.name.c_str(), filter)) c.run(c.name.c_str());
  if (doGm) {
    std::vector<bool> ok;
    for (auto& v : g_gm)
      ok.push_back(strstr(v.name.c_str(), filter) && (v.diag || check_gm(v, filter)));
    const int warm = getenv("WARM_L2") != nullptr;
    for (int M : {512, 2048, 8192}) {
      const int N = 4096, K = 4096;
      // > 100 MB rotated: cold L2 (WARM_L2 set: one buffer)
      Data d = make_data(M, N, K, warm ? 1 : M == 8192 ? 12 : 48, 99);
      for (size_t i = 0; i < g_gm.size(); ++i) {
        if (!ok[i]) continue;
        const Gm& v = g_gm[i];
        int occ = 0;
        CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, v.kern, v.nt, v.smem));
        cudaFuncAttributes fa;
        CK(cudaFuncGetAttributes(&fa, v.kern));
        const int reps = 20;
        for (int mode : {0, 2}) {
          if (mode == 2 && v.persistent) continue;
          if (mode == 0 && v.diag) continue;
          int k = 0;
          const float ms = time_ms([&] {
            for (int r = 0; r < reps; ++r) launch(v, d.prob(k++, mode));
          }, 7);
          CK(cudaGetLastError());
          const double us = ms * 1000 / reps;
          const double ops = 2.0 * 2 * M * (double)N * K;  // both planes
          printf("GM %-34s M=%-5d %-9s %8.2f us  %6.2f POPS (bit ops, 2 planes)  occ %d, %d regs, smem %d\n",
                 v.name.c_str(), M, mode ? "mainloop" : "f16-epi", us, ops / us / 1e9, occ,
                 fa.numRegs, v.smem);
          fflush(stdout);
        }
      }
      free_data(d);
    }
  }
  return 0;
}
