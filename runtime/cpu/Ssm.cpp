// Kernels of Mamba blocks: the selective scan (the S6 recurrence) and the
// causal depthwise conv1d before it. Linear attention is in
// LinearAttention.cpp.
//
// Both vectorise over 16 channels (or, for conv1d on time-contiguous rows,
// 16 timesteps) and copy strided operands into small contiguous tiles: the
// copies are a few loads per element where the scan spends N exps and the
// convolution is bound by memory anyway.
#include "cpu/Activations.h"
#include "cpu/SsmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include "cpu/ExpAvx512.h"

#include <immintrin.h>
// Function-level target, as in Attention.cpp: the portable kernels must stay
// runnable on any x86-64.
#define TESSERA_AVX512 __attribute__((target("avx512f,fma")))
#endif

namespace tessera {
namespace {

constexpr int lanes = ssmLanes;
// The scan works in chunks of scanChunk steps of up to maxGroup blocks of
// 16 channels (16 KiB tiles; one block's share of them stays in L1). A
// conv1d task covers convTile steps (long streams along time rows), in
// sub-tiles of convRows steps when the lanes run over channels.
constexpr int scanChunk = 64, maxGroup = 4;
constexpr int convTile = 512, convRows = 64;

thread_local Scratch scratch;

// TESSERA_SSM_PORTABLE=1 (or TESSERA_GEMM_PORTABLE=1) selects the portable
// kernels, to test them here; TESSERA_GEMM_ISA=avx2 the AVX2 ones on an
// AVX-512 CPU.
bool selectAvx512() {
  if (envSwitch("TESSERA_SSM_PORTABLE", false) ||
      envSwitch("TESSERA_GEMM_PORTABLE", false) || gemmAvx2Forced())
    return false;
#ifdef TESSERA_AVX512
  __builtin_cpu_init(); // we run from a static initializer
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

const bool useAvx512 = selectAvx512();
const bool useAvx2 = !useAvx512 && !envSwitch("TESSERA_SSM_PORTABLE", false) &&
                     avx2KernelsUsable();
const EpilogueFn epilogue = useAvx512 ? applyEpilogueAvx512
#if defined(__x86_64__)
                            : useAvx2 ? applyEpilogueAvx2
#endif
                                      : applyEpiloguePortable;

int64_t roundUp16(int64_t n) { return (n + 15) / 16 * 16; }

template <typename Memref> const float *base(const Memref *m) {
  return m->aligned + m->offset;
}

// dst[r*ld + l] = src[r*rowStride + l*laneStride] for r < rows, l < cols,
// and 0 for l from cols to ld.
void gatherTile(float *dst, int ld, const float *src, int64_t rowStride,
                int64_t laneStride, int64_t rows, int cols) {
  if (laneStride == 1 && cols == lanes && ld == lanes) {
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(dst + r * lanes, src + r * rowStride, lanes * sizeof(float));
    return;
  }
  if (laneStride == 1) {
    for (int64_t r = 0; r < rows; ++r) {
      std::copy(src + r * rowStride, src + r * rowStride + cols, dst + r * ld);
      std::fill(dst + r * ld + cols, dst + (r + 1) * ld, 0.0f);
    }
    return;
  }
  for (int l = 0; l < ld; ++l)
    for (int64_t r = 0; r < rows; ++r)
      dst[r * ld + l] = l < cols ? src[r * rowStride + l * laneStride] : 0;
}

// dst[r*rowStride + l*laneStride] = src[r*ldSrc + l*laneSrc], r < rows,
// l < cols; the loop order follows dst's unit stride.
void scatterTile(float *dst, int64_t rowStride, int64_t laneStride,
                 const float *src, int64_t ldSrc, int64_t laneSrc, int64_t rows,
                 int cols) {
  if (laneStride == 1 && laneSrc == 1 && cols == lanes)
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(dst + r * rowStride, src + r * ldSrc, lanes * sizeof(float));
  else if (laneStride == 1 && laneSrc == 1)
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src + r * ldSrc, src + r * ldSrc + cols, dst + r * rowStride);
  else if (rowStride == 1 && ldSrc == 1)
    for (int l = 0; l < cols; ++l)
      std::copy(src + l * laneSrc, src + l * laneSrc + rows,
                dst + l * laneStride);
  else if (laneStride == 1)
    for (int64_t r = 0; r < rows; ++r)
      for (int l = 0; l < cols; ++l)
        dst[r * rowStride + l] = src[r * ldSrc + l * laneSrc];
  else
    for (int l = 0; l < cols; ++l)
      for (int64_t r = 0; r < rows; ++r)
        dst[r * rowStride + l * laneStride] = src[r * ldSrc + l * laneSrc];
}

// ---- Selective scan --------------------------------------------------------

float softplusPortable(float x) {
  return x > 20.0f ? x : std::log1p(std::exp(x));
}

void prepPortable(int tc, int width, float *dt, float *x, float *y,
                  const float *bias, const float *dskip, bool softplus) {
  for (int i = 0; i < tc * width; ++i) {
    float d = bias ? dt[i] + bias[i % width] : dt[i];
    dt[i] = softplus ? softplusPortable(d) : d;
    y[i] = dskip ? dskip[i % width] * x[i] : 0.0f;
    x[i] *= dt[i];
  }
}

void scanPortable(const ScanTile &s, int64_t N, bool bPerChannel,
                  bool cPerChannel) {
  for (int t = 0; t < s.tc; ++t)
    for (int64_t n = 0; n < N; ++n) {
      float b = bPerChannel ? 0.0f : s.B[t * s.ldb + n];
      float c = cPerChannel ? 0.0f : s.C[t * s.ldc + n];
      for (int l = 0; l < lanes; ++l) {
        float *h = s.h + n * lanes + l;
        float bl = bPerChannel ? s.B[n * lanes + l] : b;
        float cl = cPerChannel ? s.C[n * lanes + l] : c;
        *h = std::exp(s.dt[t * s.ld + l] * s.A[n * lanes + l]) * *h +
             s.dtx[t * s.ld + l] * bl;
        s.y[t * s.ld + l] += *h * cl;
      }
    }
}

const ScanKernels scanPortableKernels = {prepPortable, scanPortable};

#ifdef TESSERA_AVX512

TESSERA_AVX512 inline __m512 splat(float v) { return _mm512_set1_ps(v); }

// Cephes logf for positive finite x: x = m 2^e with m in [sqrt(1/2),
// sqrt(2)], log(m) by a degree-9 polynomial in m - 1, 1 ulp.
TESSERA_AVX512 inline __m512 log512(__m512 x) {
  __m512 e = _mm512_getexp_ps(x);
  __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  __mmask16 big = _mm512_cmp_ps_mask(m, splat(1.41421356f), _CMP_GT_OQ);
  m = _mm512_mask_mul_ps(m, big, m, splat(0.5f));
  e = _mm512_mask_add_ps(e, big, e, splat(1.0f));
  __m512 f = _mm512_sub_ps(m, splat(1.0f)), z = _mm512_mul_ps(f, f);
  __m512 p = splat(7.0376836292e-2f);
  p = _mm512_fmadd_ps(p, f, splat(-1.1514610310e-1f));
  p = _mm512_fmadd_ps(p, f, splat(1.1676998740e-1f));
  p = _mm512_fmadd_ps(p, f, splat(-1.2420140846e-1f));
  p = _mm512_fmadd_ps(p, f, splat(1.4249322787e-1f));
  p = _mm512_fmadd_ps(p, f, splat(-1.6668057665e-1f));
  p = _mm512_fmadd_ps(p, f, splat(2.0000714765e-1f));
  p = _mm512_fmadd_ps(p, f, splat(-2.4999993993e-1f));
  p = _mm512_fmadd_ps(p, f, splat(3.3333331174e-1f));
  __m512 y = _mm512_mul_ps(_mm512_mul_ps(p, f), z);
  y = _mm512_fmadd_ps(e, splat(-2.12194440e-4f), y);
  y = _mm512_fnmadd_ps(splat(0.5f), z, y);
  return _mm512_fmadd_ps(e, splat(0.693359375f), _mm512_add_ps(f, y));
}

// torch's softplus: x above 20, else log1p(e^x), computed as
// log(w) * u / (w - 1) with u = e^x, w = 1 + u (the classic log1p trick:
// accurate also when w rounds to 1 + tiny; w == 1 gives u).
TESSERA_AVX512 inline __m512 softplus512(__m512 x) {
  __m512 u = exp512(x), w = _mm512_add_ps(splat(1.0f), u);
  __m512 wm1 = _mm512_sub_ps(w, splat(1.0f));
  __m512 r = _mm512_mul_ps(log512(w), _mm512_div_ps(u, wm1));
  r = _mm512_mask_mov_ps(
      r, _mm512_cmp_ps_mask(wm1, _mm512_setzero_ps(), _CMP_EQ_OQ), u);
  return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, splat(20.0f), _CMP_GT_OQ),
                            x);
}

TESSERA_AVX512 void prepAvx512(int tc, int width, float *dt, float *x, float *y,
                               const float *bias, const float *dskip,
                               bool softplus) {
  for (int c = 0; c < width; c += lanes) {
    __m512 vb = bias ? _mm512_load_ps(bias + c) : _mm512_setzero_ps();
    __m512 vd = dskip ? _mm512_load_ps(dskip + c) : _mm512_setzero_ps();
    for (int i = c; i < tc * width; i += width) {
      __m512 d = _mm512_add_ps(_mm512_load_ps(dt + i), vb);
      if (softplus)
        d = softplus512(d);
      __m512 xv = _mm512_load_ps(x + i);
      _mm512_store_ps(dt + i, d);
      _mm512_store_ps(y + i,
                      dskip ? _mm512_mul_ps(vd, xv) : _mm512_setzero_ps());
      _mm512_store_ps(x + i, _mm512_mul_ps(d, xv));
    }
  }
}

// States n0..n0+NB-1 over the whole tile, held in registers; the y partial
// sums of the block go to s.y. Two y accumulators halve the add chain.
template <int NB, bool BVec, bool CVec>
TESSERA_AVX512 void scanStates(const ScanTile &s, int64_t n0) {
  __m512 h[NB], a[NB];
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j) {
    h[j] = _mm512_load_ps(s.h + (n0 + j) * lanes);
    a[j] = _mm512_load_ps(s.A + (n0 + j) * lanes);
  }
  const float *brow = s.B + n0, *crow = s.C + n0;
  for (int t = 0; t < s.tc; ++t, brow += s.ldb, crow += s.ldc) {
    __m512 dt = _mm512_load_ps(s.dt + t * s.ld);
    __m512 dtx = _mm512_load_ps(s.dtx + t * s.ld);
    __m512 y0 = _mm512_setzero_ps(), y1 = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) {
      __m512 b = BVec ? _mm512_load_ps(s.B + (n0 + j) * lanes)
                      : _mm512_set1_ps(brow[j]);
      __m512 c = CVec ? _mm512_load_ps(s.C + (n0 + j) * lanes)
                      : _mm512_set1_ps(crow[j]);
      __m512 decay = exp512(_mm512_mul_ps(dt, a[j]));
      h[j] = _mm512_fmadd_ps(decay, h[j], _mm512_mul_ps(dtx, b));
      if (j % 2)
        y1 = _mm512_fmadd_ps(h[j], c, y1);
      else
        y0 = _mm512_fmadd_ps(h[j], c, y0);
    }
    float *y = s.y + t * s.ld;
    _mm512_store_ps(y, _mm512_add_ps(_mm512_load_ps(y), _mm512_add_ps(y0, y1)));
  }
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
    _mm512_store_ps(s.h + (n0 + j) * lanes, h[j]);
}

template <bool BVec, bool CVec>
TESSERA_AVX512 void scanAll(const ScanTile &s, int64_t N) {
  int64_t n = 0;
  for (; n + 8 <= N; n += 8)
    scanStates<8, BVec, CVec>(s, n);
  if (n + 4 <= N) {
    scanStates<4, BVec, CVec>(s, n);
    n += 4;
  }
  if (n + 2 <= N) {
    scanStates<2, BVec, CVec>(s, n);
    n += 2;
  }
  if (n < N)
    scanStates<1, BVec, CVec>(s, n);
}

TESSERA_AVX512 void scanAvx512(const ScanTile &s, int64_t N, bool bPerChannel,
                               bool cPerChannel) {
  if (bPerChannel)
    cPerChannel ? scanAll<true, true>(s, N) : scanAll<true, false>(s, N);
  else
    cPerChannel ? scanAll<false, true>(s, N) : scanAll<false, false>(s, N);
}

const ScanKernels scanAvx512Kernels = {prepAvx512, scanAvx512};
#endif // TESSERA_AVX512

const ScanKernels &scanKernels() {
#ifdef TESSERA_AVX512
  if (useAvx512)
    return scanAvx512Kernels;
#endif
#if defined(__x86_64__)
  if (useAvx2)
    return scanAvx2Kernels;
#endif
  return scanPortableKernels;
}

struct ScanProblem {
  const tessera_memref3d_f32 *x, *delta, *B, *C, *z, *h0;
  const tessera_memref2d_f32 *A;
  const tessera_memref1d_f32 *Dskip, *deltaBias;
  tessera_memref3d_f32 *y, *hLast;
  int64_t D = 0, L = 0, N = 0, flags = 0;
  int64_t group = 1; // blocks of 16 channels per task, <= maxGroup
};

// A time-varying B or C for steps t0.. of batch b: rows with unit state
// stride, the operand itself or a copy into `packed`.
const float *stateRows(const tessera_memref3d_f32 *m, int64_t b, int64_t t0,
                       int tc, int64_t N, float *packed, int64_t &ld) {
  const int64_t *s = m->strides;
  const float *rows = base(m) + b * s[0] + t0 * s[1];
  if (s[2] == 1) {
    ld = s[1];
    return rows;
  }
  for (int t = 0; t < tc; ++t)
    for (int64_t n = 0; n < N; ++n)
      packed[t * N + n] = rows[t * s[1] + n * s[2]];
  ld = N;
  return packed;
}

// The per-channel operands and the state of one block of 16 channels.
struct ScanBlock {
  int64_t d0;
  int cols;
  float *A, *Bv, *Cv, *h; // [N][16]
};

// One task: all timesteps of p.group blocks of 16 channels of batch b, a
// chunk of steps at a time: x, delta and z rows of the whole group are
// gathered into [chunk][width] tiles and y stored from one, so that each row
// visit reads 64 * group contiguous bytes (rows are typically a page apart,
// which the hardware prefetchers do not cross: measured 1.3-1.6x faster
// than separate blocks here and in conv1d); time-varying B and C rows serve
// the whole group.
void scanTask(const ScanProblem &p, const ScanKernels &kern, int64_t task) {
  int64_t blocks = (p.D + lanes - 1) / lanes, N = p.N;
  int64_t groups = (blocks + p.group - 1) / p.group;
  int64_t b = task / groups, d0 = task % groups * p.group * lanes;
  int cols = (int)std::min<int64_t>(p.group * lanes, p.D - d0);
  int numBlocks = (cols + lanes - 1) / lanes, width = numBlocks * lanes;
  bool bVec = p.flags & TESSERA_SSM_B_PER_CHANNEL;
  bool cVec = p.flags & TESSERA_SSM_C_PER_CHANNEL;
  int64_t nv = N * lanes, tileSize = scanChunk * maxGroup * lanes,
          packSize = roundUp16(scanChunk * N);
  float *dt = scratch.get(4 * tileSize + 2 * packSize + 2 * maxGroup * lanes +
                          4 * maxGroup * nv);
  float *x = dt + tileSize, *y = x + tileSize, *z = y + tileSize;
  float *bPack = z + tileSize, *cPack = bPack + packSize;
  float *bias = cPack + packSize, *dskip = bias + maxGroup * lanes;

  ScanBlock blk[maxGroup];
  for (int j = 0; j < numBlocks; ++j) {
    ScanBlock &k = blk[j];
    k.d0 = d0 + j * lanes;
    k.cols = std::min(lanes, cols - j * lanes);
    k.A = dskip + maxGroup * lanes + j * 4 * nv;
    k.Bv = k.A + nv, k.Cv = k.Bv + nv, k.h = k.Cv + nv;
    const int64_t *as = p.A->strides;
    gatherTile(k.A, lanes, base(p.A) + k.d0 * as[0], as[1], as[0], N, k.cols);
    if (bVec)
      gatherTile(k.Bv, lanes, base(p.B) + k.d0 * p.B->strides[1],
                 p.B->strides[2], p.B->strides[1], N, k.cols);
    if (cVec)
      gatherTile(k.Cv, lanes, base(p.C) + k.d0 * p.C->strides[1],
                 p.C->strides[2], p.C->strides[1], N, k.cols);
    if (p.flags & TESSERA_SSM_H0) {
      const int64_t *s = p.h0->strides;
      gatherTile(k.h, lanes, base(p.h0) + b * s[0] + k.d0 * s[1], s[2], s[1], N,
                 k.cols);
    } else {
      std::fill(k.h, k.h + nv, 0.0f);
    }
  }
  if (p.flags & TESSERA_SSM_DELTA_BIAS)
    gatherTile(bias, width, base(p.deltaBias) + d0 * p.deltaBias->strides[0], 0,
               p.deltaBias->strides[0], 1, cols);
  if (p.flags & TESSERA_SSM_D_SKIP)
    gatherTile(dskip, width, base(p.Dskip) + d0 * p.Dskip->strides[0], 0,
               p.Dskip->strides[0], 1, cols);

  // A [chunk][width] tile of a [Bt, L, D] operand from step t0.
  auto gather = [&](float *dst, const tessera_memref3d_f32 *m, int64_t t0,
                    int tc) {
    const int64_t *s = m->strides;
    gatherTile(dst, width, base(m) + b * s[0] + t0 * s[1] + d0 * s[2], s[1],
               s[2], tc, cols);
  };
  for (int64_t t0 = 0; t0 < p.L; t0 += scanChunk) {
    int tc = (int)std::min<int64_t>(scanChunk, p.L - t0);
    gather(dt, p.delta, t0, tc);
    gather(x, p.x, t0, tc);
    kern.prep(tc, width, dt, x, y,
              p.flags & TESSERA_SSM_DELTA_BIAS ? bias : nullptr,
              p.flags & TESSERA_SSM_D_SKIP ? dskip : nullptr,
              p.flags & TESSERA_SSM_DELTA_SOFTPLUS);
    ScanTile tile{};
    tile.tc = tc;
    tile.ld = width;
    if (!bVec)
      tile.B = stateRows(p.B, b, t0, tc, N, bPack, tile.ldb);
    if (!cVec)
      tile.C = stateRows(p.C, b, t0, tc, N, cPack, tile.ldc);
    for (int j = 0; j < numBlocks; ++j) {
      tile.dt = dt + j * lanes;
      tile.dtx = x + j * lanes;
      tile.y = y + j * lanes;
      tile.A = blk[j].A;
      tile.h = blk[j].h;
      if (bVec)
        tile.B = blk[j].Bv;
      if (cVec)
        tile.C = blk[j].Cv;
      kern.scan(tile, N, bVec, cVec);
    }
    if (p.flags & TESSERA_SSM_Z_GATE) {
      // y *= silu(z), with the activation of the GEMM epilogue.
      gather(z, p.z, t0, tc);
      Epilogue silu;
      silu.activation = ActSilu;
      epilogue(silu, z, width, tc, width);
      for (int i = 0; i < tc * width; ++i)
        y[i] *= z[i];
    }
    const int64_t *ys = p.y->strides;
    scatterTile(p.y->aligned + p.y->offset + b * ys[0] + t0 * ys[1] +
                    d0 * ys[2],
                ys[1], ys[2], y, width, 1, tc, cols);
  }
  const int64_t *hs = p.hLast->strides;
  for (int j = 0; j < numBlocks; ++j)
    scatterTile(p.hLast->aligned + p.hLast->offset + b * hs[0] +
                    blk[j].d0 * hs[1],
                hs[2], hs[1], blk[j].h, lanes, 1, N, blk[j].cols);
}

// ---- Causal depthwise conv1d -----------------------------------------------

void convRowPortable(const float *x, int64_t lo, int tt, const float *w,
                     int64_t K, int64_t dilation, float bias, float *out) {
  for (int t = 0; t < tt; ++t) {
    float acc = bias;
    for (int64_t k = 0; k < K; ++k) {
      int64_t src = t - (K - 1 - k) * dilation;
      if (src >= lo)
        acc += w[k] * x[src];
    }
    out[t] = acc;
  }
}

void convChannelsPortable(const float *x, int64_t ldt, int cols, int width,
                          int64_t lo, int tt, const float *wT, int64_t K,
                          int64_t dilation, const float *bias, float *out) {
  for (int t = 0; t < tt; ++t) {
    float *acc = out + t * width;
    std::copy(bias, bias + width, acc);
    for (int64_t k = 0; k < K; ++k) {
      int64_t src = t - (K - 1 - k) * dilation;
      if (src >= lo)
        for (int c = 0; c < cols; ++c)
          acc[c] += wT[k * width + c] * x[src * ldt + c];
    }
  }
}

const ConvKernels convPortableKernels = {convRowPortable, convChannelsPortable};

#ifdef TESSERA_AVX512


TESSERA_AVX512 void convRowAvx512(const float *x, int64_t lo, int tt,
                                  const float *w, int64_t K, int64_t dilation,
                                  float bias, float *out) {
  for (int t = 0; t < tt; t += lanes) {
    __mmask16 valid = tailMask(tt - t);
    __m512 acc = _mm512_set1_ps(bias);
    for (int64_t k = 0; k < K; ++k) {
      int64_t src = t - (K - 1 - k) * dilation;
      // Lanes l with src + l < lo read 0 (causal padding).
      __mmask16 m = src >= lo ? valid : valid & ~tailMask(lo - src);
      if (m)
        acc = _mm512_fmadd_ps(_mm512_set1_ps(w[k]),
                              _mm512_maskz_loadu_ps(m, x + src), acc);
    }
    _mm512_mask_storeu_ps(out + t, valid, acc);
  }
}

TESSERA_AVX512 void convChannelsAvx512(const float *x, int64_t ldt, int cols,
                                       int width, int64_t lo, int tt,
                                       const float *wT, int64_t K,
                                       int64_t dilation, const float *bias,
                                       float *out) {
  for (int t = 0; t < tt; ++t)
    for (int c = 0; c < width; c += lanes) {
      __mmask16 m = tailMask(cols - c);
      __m512 acc = _mm512_load_ps(bias + c);
      for (int64_t k = 0; k < K; ++k) {
        int64_t src = t - (K - 1 - k) * dilation;
        if (src >= lo && m)
          acc =
              _mm512_fmadd_ps(_mm512_load_ps(wT + k * width + c),
                              _mm512_maskz_loadu_ps(m, x + src * ldt + c), acc);
      }
      _mm512_store_ps(out + t * width + c, acc);
    }
}

const ConvKernels convAvx512Kernels = {convRowAvx512, convChannelsAvx512};
#endif // TESSERA_AVX512

const ConvKernels &convKernels() {
#ifdef TESSERA_AVX512
  if (useAvx512)
    return convAvx512Kernels;
#endif
#if defined(__x86_64__)
  if (useAvx2)
    return convAvx2Kernels;
#endif
  return convPortableKernels;
}

struct ConvProblem {
  const float *x, *w, *bias;
  float *y;
  int64_t xs[3], ws[2], biasStride, ys[3];
  int64_t Ch, L, K, dilation;
  int activation;
  int64_t group; // blocks of 16 channels per task, <= maxGroup
};

void activate(int activation, float *x, int64_t ld, int64_t rows, int64_t n) {
  if (activation == ActNone)
    return;
  Epilogue e;
  e.activation = activation;
  epilogue(e, x, ld, rows, n);
}

// convTile steps from t0 of p.group blocks of 16 channels.
struct ConvBlock {
  int64_t t0;
  int tt, cols;
  const float *x, *w, *bias; // x, w at (b, c0, t0) and c0; bias [cols]
  float *y;
};

// Lanes over channels, for x with unit channel stride: sub-tiles of
// convRows steps of the whole group, activated and stored while in L1.
void convChannelLanes(const ConvProblem &p, const ConvKernels &kern,
                      const ConvBlock &c, float *tile, float *wT) {
  int width = (int)p.group * lanes;
  for (int64_t k = 0; k < p.K; ++k)
    for (int l = 0; l < width; ++l)
      wT[k * width + l] = l < c.cols ? c.w[l * p.ws[0] + k * p.ws[1]] : 0.0f;
  for (int s = 0; s < c.tt; s += convRows) {
    int n = std::min(convRows, c.tt - s);
    kern.channels(c.x + s * p.xs[2], p.xs[2], c.cols, width, -(c.t0 + s), n, wT,
                  p.K, p.dilation, c.bias, tile);
    activate(p.activation, tile, width, n, width);
    scatterTile(c.y + s * p.ys[2], p.ys[2], p.ys[1], tile, width, 1, n, c.cols);
  }
}

// Lanes over time, one channel row at a time: x rows with unit time stride
// are read in place, others copied to `row` first; results go straight to
// y rows with unit time stride, else through `tile` [16][convTile].
void convTimeLanes(const ConvProblem &p, const ConvKernels &kern,
                   const ConvBlock &c, float *tile, float *w, float *row) {
  int64_t halo = std::min((p.K - 1) * p.dilation, c.t0);
  bool direct = p.ys[2] == 1;
  for (int l = 0; l < c.cols; ++l) {
    const float *xr = c.x + l * p.xs[1];
    int64_t lo = -c.t0;
    if (p.xs[2] != 1) {
      for (int64_t t = -halo; t < c.tt; ++t)
        row[halo + t] = xr[t * p.xs[2]];
      xr = row + halo;
      lo = -halo;
    }
    for (int64_t k = 0; k < p.K; ++k)
      w[k] = c.w[l * p.ws[0] + k * p.ws[1]];
    float *out = direct ? c.y + l * p.ys[1] : tile + l % lanes * convTile;
    kern.row(xr, lo, c.tt, w, p.K, p.dilation, c.bias[l], out);
    activate(p.activation, out, c.tt, 1, c.tt);
    if (!direct && (l % lanes == lanes - 1 || l == c.cols - 1)) {
      int l0 = l / lanes * lanes;
      scatterTile(c.y + l0 * p.ys[1], p.ys[2], p.ys[1], tile, 1, convTile, c.tt,
                  l - l0 + 1);
    }
  }
}

// One task: convTile steps of p.group blocks of 16 channels.
void convTask(const ConvProblem &p, const ConvKernels &kern, int64_t task) {
  int64_t width = p.group * lanes;
  int64_t tBlocks = (p.L + convTile - 1) / convTile;
  int64_t cBlocks = (p.Ch + width - 1) / width;
  int64_t t0 = task % tBlocks * convTile, c0 = task / tBlocks % cBlocks * width;
  int64_t b = task / tBlocks / cBlocks;
  ConvBlock c{t0,
              (int)std::min<int64_t>(convTile, p.L - t0),
              (int)std::min<int64_t>(width, p.Ch - c0),
              p.x + b * p.xs[0] + c0 * p.xs[1] + t0 * p.xs[2],
              p.w + c0 * p.ws[0],
              nullptr,
              p.y + b * p.ys[0] + c0 * p.ys[1] + t0 * p.ys[2]};
  int64_t halo = std::min((p.K - 1) * p.dilation, t0);
  int64_t wSize = roundUp16(p.K * width), rowSize = roundUp16(halo + c.tt);
  // The tile holds [convRows][width] or [16][convTile] floats.
  float *tile = scratch.get(convTile * lanes + wSize + rowSize + width);
  float *w = tile + convTile * lanes, *row = w + wSize, *bias = row + rowSize;
  for (int l = 0; l < width; ++l)
    bias[l] = p.bias && l < c.cols ? p.bias[(c0 + l) * p.biasStride] : 0.0f;
  c.bias = bias;
  if (p.xs[1] == 1 && p.xs[2] != 1)
    convChannelLanes(p, kern, c, tile, w);
  else
    convTimeLanes(p, kern, c, tile, w, row);
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_selective_scan_f32(
    tessera_memref3d_f32 *x, tessera_memref3d_f32 *delta,
    tessera_memref2d_f32 *A, tessera_memref3d_f32 *B, tessera_memref3d_f32 *C,
    tessera_memref1d_f32 *Dskip, tessera_memref3d_f32 *z,
    tessera_memref1d_f32 *deltaBias, tessera_memref3d_f32 *h0,
    tessera_memref3d_f32 *y, tessera_memref3d_f32 *hLast, int64_t flags) {
  using namespace tessera;
  ScanProblem p{x, delta, B, C, z, h0, A, Dskip, deltaBias, y, hLast};
  p.D = x->sizes[2];
  p.L = x->sizes[1];
  p.N = A->sizes[1];
  p.flags = flags;
  p.group = maxGroup;
  int64_t batch = x->sizes[0];
  if (batch <= 0 || p.D <= 0)
    return;
  const ScanKernels &kern = scanKernels();
  // Narrower groups while there would be fewer than 4 tasks per thread.
  int64_t blocks = (p.D + lanes - 1) / lanes;
  auto tasksFor = [&](int64_t group) {
    return batch * ((blocks + group - 1) / group);
  };
  while (p.group > 1 && tasksFor(p.group) < 4 * numThreads())
    p.group /= 2;
  int64_t tasks = tasksFor(p.group);
  // Below ~64K state updates waking the pool costs more than it saves.
  if (tasks > 1 && batch * p.D * p.L * std::max<int64_t>(p.N, 1) >= (1 << 16))
    parallelFor(tasks, [&](int64_t task) { scanTask(p, kern, task); });
  else
    for (int64_t task = 0; task < tasks; ++task)
      scanTask(p, kern, task);
}

extern "C" void _mlir_ciface_tessera_causal_conv1d_f32(
    tessera_memref3d_f32 *x, tessera_memref2d_f32 *w,
    tessera_memref1d_f32 *bias, tessera_memref3d_f32 *y, int64_t dilation,
    int64_t flags) {
  using namespace tessera;
  // TESSERA_CONV_CHANNELS_LAST: x and y are [Bt, L, Ch] buffers, viewed as
  // [Bt, Ch, L] (the channel-contiguous fast case).
  tessera_memref3d_f32 xv, yv;
  if (flags & TESSERA_CONV_CHANNELS_LAST) {
    for (auto [m, v] : {std::pair{x, &xv}, std::pair{y, &yv}}) {
      *v = *m;
      std::swap(v->sizes[1], v->sizes[2]);
      std::swap(v->strides[1], v->strides[2]);
    }
    x = &xv;
    y = &yv;
  }
  ConvProblem p;
  p.x = base(x);
  p.w = base(w);
  p.bias = flags & TESSERA_LINEAR_BIAS ? base(bias) : nullptr;
  p.biasStride = p.bias ? bias->strides[0] : 0;
  p.y = y->aligned + y->offset;
  std::copy(x->strides, x->strides + 3, p.xs);
  std::copy(w->strides, w->strides + 2, p.ws);
  std::copy(y->strides, y->strides + 3, p.ys);
  p.Ch = x->sizes[1];
  p.L = x->sizes[2];
  p.K = w->sizes[1];
  p.dilation = dilation;
  p.activation = (int)(flags & TESSERA_LINEAR_ACT_MASK);
  int64_t batch = x->sizes[0];
  if (batch <= 0 || p.Ch <= 0 || p.L <= 0)
    return;
  const ConvKernels &kern = convKernels();
  int64_t tBlocks = (p.L + convTile - 1) / convTile;
  auto tasksFor = [&](int64_t group) {
    return batch * ((p.Ch + group * lanes - 1) / (group * lanes)) * tBlocks;
  };
  p.group = maxGroup;
  while (p.group > 1 && tasksFor(p.group) < 4 * numThreads())
    p.group /= 2;
  int64_t tasks = tasksFor(p.group);
  if (tasks > 1 && batch * p.Ch * p.L * p.K >= (1 << 16))
    parallelFor(tasks, [&](int64_t task) { convTask(p, kern, task); });
  else
    for (int64_t task = 0; task < tasks; ++task)
      convTask(p, kern, task);
}
