// Linear attention with a decaying state (GLA, RetNet, Mamba-2 style),
// chunkwise. For a chunk of steps t0..t0+c-1 (local index u) and the state S
// carried into it:
//   inter:  O  = Q~ S                    Q~[u] = scale * q_u * G_u
//   intra:  O += tril(Q~ K~^T) V         K~[u] = k_u / G_u
//   state:  S  = diag(G_end) S + K^^T V   K^[u] = k_u * G_end / G_u
// with G_u = g_{t0} ... g_{t0+u} the decay accumulated within the chunk, so
// that Q~[t]·K~[s] carries exactly the decay g_{s+1} ... g_t. These are
// small GEMMs, run by one register-blocked kernel (the state's decay is a
// row scale of the last one).
//
// Per step the chunks cost 2 Dk Dv + c (Dk + Dv) / 2 multiply-adds against
// the recurrence's 2 Dk Dv (3 with a gate), but as GEMMs they never load or
// store the state. Measured on Zen 4 (B=1, H=4, T=1024..4096, one thread,
// tessera-ssm-bench): with Dk = Dv = 64 the 16 KiB state stays in L1 and
// the recurrence is as fast or up to 30% faster; at 128 x 128 the chunks
// are 1.1-1.5x faster, at 256 x 256 1.35-1.4x. So short sequences and
// states up to 64 x 64 take the recurrence, the rest chunks of 32 (16 and
// 64 measured no faster).
//
// Stability: 1/G_u overflows once the gates have decayed far. Rather than
// switching the per-key-dim gate to the sequential recurrence, a chunk ends
// early where some |G_u[i]| would leave [2^-40, 2^40]: every factor then
// stays within 2^40 of the inputs, and strong (or zero) decay only shortens
// the chunks, down to single steps (a first gate outside the range is
// applied to the carried state directly). Scalar and per-key-dim gates take
// the same path (a scalar gate is broadcast over i).
#include "cpu/LinearAttentionKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include "cpu/ExpAvx512.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>
// Function-level target, as in Attention.cpp.
#define TESSERA_AVX512 __attribute__((target("avx512f,fma")))
#define TESSERA_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace tessera {
namespace {

using Kernels = LinearAttentionKernels;

// The largest state (floats) run step by step.
constexpr int64_t recurrenceMaxState = 64 * 64;
// A chunk ends where some cumulative gate leaves [1/gateRange, gateRange].
constexpr float gateRange = 0x1p40f;

thread_local Scratch scratch;

void prepPortable(int c, int64_t Dk, int64_t ldK, const float *q, int64_t ldq,
                  const float *k, int64_t ldk, const float *G,
                  const float *gEnd, float scale, float *Qt, float *Kr,
                  float *Kt, float *Ke) {
  prepRows(c, Dk, ldK, q, ldq, k, ldk, G, gEnd, scale, Qt, Kr, Ke);
  for (int64_t i = 0; i < Dk; ++i)
    for (int u = 0; u < c; ++u)
      Kt[i * chunk + u] = Kr[u * ldK + i];
}

void gemmPortable(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
                  int64_t acs, const float *B, int64_t ldb, float *C,
                  int64_t ldc, bool accumulate, const float *rowScale) {
  for (int64_t i = 0; i < m; ++i) {
    float *c = C + i * ldc;
    if (!accumulate)
      std::fill(c, c + n, 0.0f);
    else if (rowScale)
      for (int64_t j = 0; j < n; ++j)
        c[j] *= rowScale[i];
    for (int64_t p = 0; p < k; ++p) {
      float a = A[i * lda + p * acs];
      const float *b = B + p * ldb;
      for (int64_t j = 0; j < n; ++j)
        c[j] += a * b[j];
    }
  }
}

void stepPortable(float *S, int64_t ldS, int64_t Dk, const float *q,
                  const float *k, const float *g, const float *v, float *o) {
  std::fill(o, o + ldS, 0.0f);
  for (int64_t i = 0; i < Dk; ++i, S += ldS) {
    float gi = g ? g[i] : 1.0f;
    for (int64_t j = 0; j < ldS; ++j) {
      S[j] = gi * S[j] + k[i] * v[j];
      o[j] += q[i] * S[j];
    }
  }
}

const Kernels portableKernels = {gemmPortable, stepPortable, prepPortable};

#ifdef TESSERA_AVX512


// MR rows x NV vectors of C; the last vector takes the columns in `last`.
template <int MR, int NV>
TESSERA_AVX512 void gemmTile(int64_t k, const float *A, int64_t lda,
                             int64_t acs, const float *B, int64_t ldb, float *C,
                             int64_t ldc, __mmask16 last, bool accumulate,
                             const float *rowScale) {
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    mask[v] = v == NV - 1 ? last : (__mmask16)0xffff;
  __m512 acc[MR][NV];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = accumulate
                      ? _mm512_maskz_loadu_ps(mask[v], C + r * ldc + 16 * v)
                      : _mm512_setzero_ps();
      if (rowScale)
        acc[r][v] = _mm512_mul_ps(acc[r][v], _mm512_set1_ps(rowScale[r]));
    }
  for (int64_t p = 0; p < k; ++p, A += acs, B += ldb) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      b[v] = _mm512_maskz_loadu_ps(mask[v], B + 16 * v);
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      __m512 a = _mm512_set1_ps(A[r * lda]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm512_mask_storeu_ps(C + r * ldc + 16 * v, mask[v], acc[r][v]);
}

template <int MR>
TESSERA_AVX512 void gemmRows(int nv, int64_t k, const float *A, int64_t lda,
                             int64_t acs, const float *B, int64_t ldb, float *C,
                             int64_t ldc, __mmask16 last, bool accumulate,
                             const float *rowScale) {
  switch (nv) {
  case 1:
    gemmTile<MR, 1>(k, A, lda, acs, B, ldb, C, ldc, last, accumulate, rowScale);
    break;
  case 2:
    gemmTile<MR, 2>(k, A, lda, acs, B, ldb, C, ldc, last, accumulate, rowScale);
    break;
  case 3:
    gemmTile<MR, 3>(k, A, lda, acs, B, ldb, C, ldc, last, accumulate, rowScale);
    break;
  default:
    gemmTile<MR, 4>(k, A, lda, acs, B, ldb, C, ldc, last, accumulate, rowScale);
    break;
  }
}

// Panels of 64 columns (B's k x 64 panel stays in L1), 4 rows at a time.
TESSERA_AVX512 void gemmAvx512(int64_t m, int64_t n, int64_t k, const float *A,
                               int64_t lda, int64_t acs, const float *B,
                               int64_t ldb, float *C, int64_t ldc,
                               bool accumulate, const float *rowScale) {
  for (int64_t j = 0; j < n; j += 64) {
    int64_t cols = std::min<int64_t>(64, n - j);
    int nv = (int)(cols + 15) / 16;
    __mmask16 last = tailMask(cols - 16 * (nv - 1));
    int64_t i = 0;
    for (; i < m; i += 4) {
      const float *scale = rowScale ? rowScale + i : nullptr;
      if (i + 4 <= m)
        gemmRows<4>(nv, k, A + i * lda, lda, acs, B + j, ldb, C + i * ldc + j,
                    ldc, last, accumulate, scale);
      else
        for (int64_t r = i; r < m; ++r)
          gemmRows<1>(nv, k, A + r * lda, lda, acs, B + j, ldb, C + r * ldc + j,
                      ldc, last, accumulate, scale ? scale + (r - i) : nullptr);
    }
  }
}

// Columns of NV vectors: v and the output sums held in registers while the
// S rows stream through.
template <int NV, bool Gated>
TESSERA_AVX512 void stepColumns(float *S, int64_t ldS, int64_t Dk,
                                const float *q, const float *k, const float *g,
                                const float *v, float *o) {
  __m512 vv[NV], acc[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    vv[j] = _mm512_load_ps(v + 16 * j);
    acc[j] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < Dk; ++i, S += ldS) {
    __m512 ki = _mm512_set1_ps(k[i]), qi = _mm512_set1_ps(q[i]);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 s = _mm512_load_ps(S + 16 * j);
      if (Gated)
        s = _mm512_mul_ps(_mm512_set1_ps(g[i]), s);
      s = _mm512_fmadd_ps(ki, vv[j], s);
      _mm512_store_ps(S + 16 * j, s);
      acc[j] = _mm512_fmadd_ps(qi, s, acc[j]);
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j)
    _mm512_store_ps(o + 16 * j, acc[j]);
}

template <bool Gated>
TESSERA_AVX512 void stepAll(float *S, int64_t ldS, int64_t Dk, const float *q,
                            const float *k, const float *g, const float *v,
                            float *o) {
  int64_t j = 0;
  for (; j + 64 <= ldS; j += 64)
    stepColumns<4, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
  switch ((ldS - j) / 16) {
  case 3:
    stepColumns<3, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
    break;
  case 2:
    stepColumns<2, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
    break;
  case 1:
    stepColumns<1, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
    break;
  default:
    break;
  }
}

TESSERA_AVX512 void stepAvx512(float *S, int64_t ldS, int64_t Dk,
                               const float *q, const float *k, const float *g,
                               const float *v, float *o) {
  if (g)
    stepAll<true>(S, ldS, Dk, q, k, g, v, o);
  else
    stepAll<false>(S, ldS, Dk, q, k, g, v, o);
}

// dst[j*ldd + i] = src[i*lds + j] for i, j < 16, in registers: pairs of
// rows interleaved by 1, 2, then 4 and 8 lanes.
TESSERA_AVX512 inline void transpose16(const float *src, int64_t lds,
                                       float *dst, int64_t ldd) {
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    r[i] = _mm512_loadu_ps(src + i * lds);
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
    __m512d a0 = _mm512_castps_pd(t[i]), a1 = _mm512_castps_pd(t[i + 1]);
    __m512d b0 = _mm512_castps_pd(t[i + 2]), b1 = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, b0));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, b0));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, b1));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, b1));
  }
  // Block x (128 bits) of r[4m + n] is now column 4x + n of rows 4m..4m+3;
  // output row 4x + n is block x of r[n], r[4 + n], r[8 + n], r[12 + n].
#pragma GCC unroll 4
  for (int n = 0; n < 4; ++n) {
    __m512 lo01 = _mm512_shuffle_f32x4(r[n], r[4 + n], 0x44);
    __m512 hi01 = _mm512_shuffle_f32x4(r[n], r[4 + n], 0xee);
    __m512 lo23 = _mm512_shuffle_f32x4(r[8 + n], r[12 + n], 0x44);
    __m512 hi23 = _mm512_shuffle_f32x4(r[8 + n], r[12 + n], 0xee);
    t[n] = _mm512_shuffle_f32x4(lo01, lo23, 0x88);
    t[4 + n] = _mm512_shuffle_f32x4(lo01, lo23, 0xdd);
    t[8 + n] = _mm512_shuffle_f32x4(hi01, hi23, 0x88);
    t[12 + n] = _mm512_shuffle_f32x4(hi01, hi23, 0xdd);
  }
#pragma GCC unroll 16
  for (int j = 0; j < 16; ++j)
    _mm512_storeu_ps(dst + j * ldd, t[j]);
}

TESSERA_AVX512 void prepAvx512(int c, int64_t Dk, int64_t ldK, const float *q,
                               int64_t ldq, const float *k, int64_t ldk,
                               const float *G, const float *gEnd, float scale,
                               float *Qt, float *Kr, float *Kt, float *Ke) {
  prepRows(c, Dk, ldK, q, ldq, k, ldk, G, gEnd, scale, Qt, Kr, Ke);
  // Whole 16 x 16 blocks: Kr has chunk rows of ldK floats, Kt ldK of chunk.
  for (int64_t i = 0; i < Dk; i += 16)
    for (int u = 0; u < c; u += 16)
      transpose16(Kr + u * ldK + i, ldK, Kt + i * chunk + u, chunk);
}

const Kernels avx512Kernels = {gemmAvx512, stepAvx512, prepAvx512};
#endif // TESSERA_AVX512

// TESSERA_LINEAR_ATTENTION=sequential or =chunked overrides the choice
// (read per call), to test and benchmark both paths.
bool useRecurrence(int64_t T, int64_t Dk, int64_t Dv) {
  const char *env = getenv("TESSERA_LINEAR_ATTENTION");
  if (env && !strcmp(env, "sequential"))
    return true;
  if (env && !strcmp(env, "chunked"))
    return false;
  return T < 2 * chunk || Dk * roundUp16(Dv) <= recurrenceMaxState;
}

// TESSERA_SSM_PORTABLE=1 (or TESSERA_GEMM_PORTABLE=1) selects the portable
// kernels, to test them here; TESSERA_GEMM_ISA=avx2 the AVX2 ones on an
// AVX-512 CPU.
const Kernels *selectKernels() {
  if (envSwitch("TESSERA_SSM_PORTABLE", false) ||
      envSwitch("TESSERA_GEMM_PORTABLE", false))
    return &portableKernels;
#ifdef TESSERA_AVX512
  __builtin_cpu_init(); // we run from a static initializer
  if (__builtin_cpu_supports("avx512f") && !gemmAvx2Forced())
    return &avx512Kernels;
#endif
#ifdef TESSERA_AVX2
  if (avx2KernelsUsable())
    return &linearAttentionAvx2Kernels;
#endif
  return &portableKernels;
}

const Kernels *const kernels = selectKernels();

struct Operand {
  float *data;
  int64_t s[4];
  float *at(int64_t b, int64_t h, int64_t t) const {
    return data + b * s[0] + h * s[1] + t * s[2];
  }
};

Operand operand(const tessera_memref4d_f32 *m) {
  return {m->aligned + m->offset,
          {m->strides[0], m->strides[1], m->strides[2], m->strides[3]}};
}

struct Problem {
  Operand q, k, v, g, s0, out, sLast;
  int64_t H, T, Dk, Dv;
  float scale, eps;
  bool gated, scalarGate, normalize, hasS0, sequential;
};

// dst[i] = src[i * stride] for i < n, then zeros up to `padded`.
void loadRow(float *dst, const float *src, int64_t stride, int64_t n,
             int64_t padded) {
  if (stride == 1)
    std::copy(src, src + n, dst);
  else
    for (int64_t i = 0; i < n; ++i)
      dst[i] = src[i * stride];
  std::fill(dst + n, dst + padded, 0.0f);
}

// sum_i a[i] * b[i] in 16 partial sums, which the compiler can vectorise
// without reassociating.
float dot(const float *a, const float *b, int64_t n) {
  float part[16] = {}, sum = 0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; ++l)
      part[l] += a[i + l] * b[i + l];
  for (; i < n; ++i)
    sum += a[i] * b[i];
  for (float x : part)
    sum += x;
  return sum;
}

// The state and the per-step rows of one (batch, head) task, all in scratch.
struct Task {
  const Problem &p;
  int64_t b, h, ldK, ldS;
  float *S, *zn, *row0, *row1; // row0/row1: ldK floats each
  // Chunk operands: G, Qt, Kr, Ke [chunk][ldK] (Kr = k / G, row-major), Kt
  // [ldK][chunk] (Kr transposed), V and O [chunk][ldS], P [chunk][chunk];
  // Qs, Ks and Vp hold strided q, k and v rows.
  float *G, *Qt, *Kr, *Kt, *Ke, *Qs, *Ks, *Vp, *P, *O, *den;

  Task(const Problem &p, int64_t bh) : p(p), b(bh / p.H), h(bh % p.H) {
    ldK = roundUp16(p.Dk);
    ldS = roundUp16(p.Dv);
    int64_t rows = chunk * ldK;
    struct Part {
      float **ptr;
      int64_t size;
    } parts[] = {{&S, p.Dk * ldS},    {&zn, ldK},         {&row0, ldK},
                 {&row1, ldK},        {&G, rows},         {&Qt, rows},
                 {&Kr, rows},         {&Kt, ldK * chunk}, {&Ke, rows},
                 {&Qs, rows},         {&Ks, rows},        {&Vp, chunk * ldS},
                 {&P, chunk * chunk}, {&O, chunk * ldS},  {&den, chunk}};
    int64_t total = 0;
    for (const Part &part : parts)
      total += roundUp16(part.size);
    float *next = scratch.get(total);
    for (const Part &part : parts) {
      *part.ptr = next;
      next += roundUp16(part.size);
    }
  }

  // The gates of step t over the key dimensions (ldK floats).
  void gateRow(float *dst, int64_t t) const {
    const float *g = p.g.at(b, h, t);
    if (p.scalarGate) {
      std::fill(dst, dst + p.Dk, g[0]);
      std::fill(dst + p.Dk, dst + ldK, 0.0f);
    } else {
      loadRow(dst, g, p.g.s[3], p.Dk, ldK);
    }
  }

  // S[i,:] *= gate[i] and zn[i] *= gate[i].
  void decayState(const float *gate) {
    for (int64_t i = 0; i < p.Dk; ++i) {
      for (int64_t j = 0; j < p.Dv; ++j)
        S[i * ldS + j] *= gate[i];
      zn[i] *= gate[i];
    }
  }

  void storeOutput(int64_t t, const float *o, float factor) const {
    float *row = p.out.at(b, h, t);
    int64_t stride = p.out.s[3];
    if (stride == 1)
      for (int64_t j = 0; j < p.Dv; ++j)
        row[j] = o[j] * factor;
    else
      for (int64_t j = 0; j < p.Dv; ++j)
        row[j * stride] = o[j] * factor;
  }

  void runSequential(const Kernels &kern);
  int chunkLength(int64_t t0);
  void runChunk(const Kernels &kern, int64_t t0, int c);
};

void Task::runSequential(const Kernels &kern) {
  float *q = row0, *k = row1, *g = G, *v = Vp, *o = O;
  for (int64_t t = 0; t < p.T; ++t) {
    loadRow(q, p.q.at(b, h, t), p.q.s[3], p.Dk, ldK);
    for (int64_t i = 0; i < p.Dk; ++i)
      q[i] *= p.scale;
    loadRow(k, p.k.at(b, h, t), p.k.s[3], p.Dk, ldK);
    loadRow(v, p.v.at(b, h, t), p.v.s[3], p.Dv, ldS);
    if (p.gated)
      gateRow(g, t);
    kern.step(S, ldS, p.Dk, q, k, p.gated ? g : nullptr, v, o);
    if (p.normalize)
      for (int64_t i = 0; i < p.Dk; ++i)
        zn[i] = (p.gated ? g[i] * zn[i] : zn[i]) + k[i];
    storeOutput(t, o, p.normalize ? 1.0f / (dot(q, zn, p.Dk) + p.eps) : 1.0f);
  }
}

// Whether every |x[i]| (i < n) is in [1/gateRange, gateRange] (not NaN).
bool inGateRange(const float *x, int64_t n) {
  int64_t inside = 0;
  for (int64_t i = 0; i < n; ++i) {
    float a = std::fabs(x[i]);
    inside += (a >= 1.0f / gateRange) & (a <= gateRange);
  }
  return inside == n;
}

// The chunk length from t0, with G[u*ldK + i] = g_{t0}[i] ... g_{t0+u}[i]:
// the chunk ends before the step whose product would leave the safe range.
// A first gate outside it is applied to the carried state here (G_0 = 1).
int Task::chunkLength(int64_t t0) {
  int64_t maxLen = std::min<int64_t>(chunk, p.T - t0);
  if (!p.gated)
    return (int)maxLen;
  gateRow(G, t0);
  if (!inGateRange(G, p.Dk)) {
    decayState(G);
    std::fill(G, G + p.Dk, 1.0f);
  }
  int c = 1;
  for (; c < maxLen; ++c) {
    gateRow(row0, t0 + c);
    float *cur = G + c * ldK, *prev = cur - ldK;
    for (int64_t i = 0; i < ldK; ++i)
      cur[i] = prev[i] * row0[i];
    if (!inGateRange(cur, p.Dk))
      break;
  }
  return c;
}

// rows x width of an operand from row `data` on, as rows with unit column
// stride: the operand itself, or a copy into `rowsBuf` (rows ld apart).
const float *unitRows(const float *data, const int64_t *strides, int rows,
                      int64_t width, float *rowsBuf, int64_t ld,
                      int64_t &ldOut) {
  if (strides[3] == 1) {
    ldOut = strides[2];
    return data;
  }
  for (int u = 0; u < rows; ++u)
    loadRow(rowsBuf + u * ld, data + u * strides[2], strides[3], width, ld);
  ldOut = ld;
  return rowsBuf;
}

void Task::runChunk(const Kernels &kern, int64_t t0, int c) {
  const int64_t Dk = p.Dk, Dv = p.Dv;
  const float *gEnd = G + (c - 1) * ldK;
  int64_t ldq, ldk, ldv;
  const float *q = unitRows(p.q.at(b, h, t0), p.q.s, c, Dk, Qs, ldK, ldq);
  const float *k = unitRows(p.k.at(b, h, t0), p.k.s, c, Dk, Ks, ldK, ldk);
  const float *V = unitRows(p.v.at(b, h, t0), p.v.s, c, Dv, Vp, ldS, ldv);
  kern.prep(c, Dk, ldK, q, ldq, k, ldk, p.gated ? G : nullptr, gEnd, p.scale,
            Qt, Kr, Kt, Ke);

  kern.gemm(c, Dv, Dk, Qt, ldK, 1, S, ldS, O, ldS, false, nullptr);
  // The causal part, 4 query rows at a time: row t sees keys s <= t.
  for (int r0 = 0; r0 < c; r0 += 4) {
    int rows = std::min(4, c - r0), keys = r0 + rows;
    kern.gemm(rows, keys, Dk, Qt + r0 * ldK, ldK, 1, Kt, chunk, P + r0 * chunk,
              chunk, false, nullptr);
    for (int r = r0; r < keys; ++r)
      std::fill(P + r * chunk + r + 1, P + r * chunk + keys, 0.0f);
    kern.gemm(rows, Dv, keys, P + r0 * chunk, chunk, 1, V, ldv, O + r0 * ldS,
              ldS, true, nullptr);
  }
  if (p.normalize) {
    // scale q_t·zn_t = Qt[t]·zn + sum_{s<=t} P[t][s], zn from before.
    for (int u = 0; u < c; ++u) {
      float d = dot(Qt + u * ldK, zn, Dk) + p.eps;
      for (int s = 0; s <= u; ++s)
        d += P[u * chunk + s];
      den[u] = 1.0f / d;
    }
    for (int64_t i = 0; i < Dk; ++i)
      zn[i] *= p.gated ? gEnd[i] : 1.0f;
    for (int u = 0; u < c; ++u)
      for (int64_t i = 0; i < Dk; ++i)
        zn[i] += Ke[u * ldK + i];
  }
  for (int u = 0; u < c; ++u)
    storeOutput(t0 + u, O + u * ldS, p.normalize ? den[u] : 1.0f);
  // S = diag(G_end) S + Ke^T V, reading Ke [u][i] down its columns.
  kern.gemm(Dk, Dv, c, Ke, 1, ldK, V, ldv, S, ldS, true,
            p.gated ? gEnd : nullptr);
}

void runTask(const Problem &p, int64_t bh) {
  const Kernels &kern = *kernels;
  Task task(p, bh);
  int64_t Dk = p.Dk, Dv = p.Dv, ldS = task.ldS;
  float *S = task.S;
  std::fill(S, S + Dk * ldS, 0.0f);
  std::fill(task.zn, task.zn + task.ldK, 0.0f);
  if (p.hasS0)
    for (int64_t i = 0; i < Dk; ++i)
      loadRow(S + i * ldS, p.s0.at(task.b, task.h, i), p.s0.s[3], Dv, ldS);
  if (p.sequential) {
    task.runSequential(kern);
  } else {
    for (int64_t t0 = 0; t0 < p.T;) {
      int c = task.chunkLength(t0);
      task.runChunk(kern, t0, c);
      t0 += c;
    }
  }
  for (int64_t i = 0; i < Dk; ++i) {
    float *row = p.sLast.at(task.b, task.h, i);
    for (int64_t j = 0; j < Dv; ++j)
      row[j * p.sLast.s[3]] = S[i * ldS + j];
  }
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_linear_attention_f32(
    tessera_memref4d_f32 *q, tessera_memref4d_f32 *k, tessera_memref4d_f32 *v,
    tessera_memref4d_f32 *g, tessera_memref4d_f32 *s0,
    tessera_memref4d_f32 *out, tessera_memref4d_f32 *sLast, float scale,
    float eps, int64_t flags) {
  using namespace tessera;
  Problem p;
  int64_t B = q->sizes[0];
  p.H = q->sizes[1];
  p.T = q->sizes[2];
  p.Dk = q->sizes[3];
  p.Dv = v->sizes[3];
  if (B <= 0 || p.H <= 0)
    return;
  p.q = operand(q);
  p.k = operand(k);
  p.v = operand(v);
  p.out = operand(out);
  p.sLast = operand(sLast);
  p.gated = flags & TESSERA_LINATTN_GATE;
  p.normalize = flags & TESSERA_LINATTN_NORMALIZE;
  p.hasS0 = flags & TESSERA_LINATTN_S0;
  p.g = p.gated ? operand(g) : Operand{};
  p.scalarGate = p.gated && g->sizes[3] == 1;
  p.s0 = p.hasS0 ? operand(s0) : Operand{};
  p.scale = scale;
  p.eps = eps;
  p.sequential = useRecurrence(p.T, p.Dk, p.Dv);
  int64_t tasks = B * p.H;
  if (tasks > 1 && tasks * p.T * p.Dk * p.Dv >= (1 << 16))
    parallelFor(tasks, [&](int64_t bh) { runTask(p, bh); });
  else
    for (int64_t bh = 0; bh < tasks; ++bh)
      runTask(p, bh);
}
