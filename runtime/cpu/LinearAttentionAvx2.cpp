// The linear-attention kernels' AVX2 + FMA steps (LinearAttentionKernels.h):
// the AVX-512 ones of LinearAttention.cpp on 8-float vectors. A
// function-level target rather than -mavx2 for the file, as in
// LinearAttention.cpp: no AVX2 copy of an inline library function may leak
// into code that runs on older CPUs.
#if defined(__x86_64__)
#include "cpu/LinearAttentionKernels.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

#define TESSERA_AVX2 __attribute__((target("avx2,fma")))

namespace tessera {
namespace {
// The AVX-512 kernels' steps on 8-float vectors (AVX2 CPUs ran the portable
// loops, which the compiler vectorized for SSE only).

// MR rows x NV vectors of C; the last vector takes the lanes in `last`.
template <int MR, int NV>
TESSERA_AVX2 void gemmTile8(int64_t k, const float *A, int64_t lda, int64_t acs,
                            const float *B, int64_t ldb, float *C, int64_t ldc,
                            __m256i last, bool accumulate,
                            const float *rowScale) {
  __m256i mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    mask[v] = v == NV - 1 ? last : _mm256_set1_epi32(-1);
  __m256 acc[MR][NV];
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = accumulate ? _mm256_maskload_ps(C + r * ldc + 8 * v, mask[v])
                             : _mm256_setzero_ps();
      if (accumulate && rowScale)
        acc[r][v] = _mm256_mul_ps(acc[r][v], _mm256_set1_ps(rowScale[r]));
    }
  for (int64_t p = 0; p < k; ++p, A += acs, B += ldb) {
    __m256 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      b[v] = _mm256_maskload_ps(B + 8 * v, mask[v]);
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      __m256 a = _mm256_set1_ps(A[r * lda]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm256_maskstore_ps(C + r * ldc + 8 * v, mask[v], acc[r][v]);
}

// Panels of 16 columns (B's k x 16 panel stays in L1), 4 rows at a time:
// 8 accumulators, 2 B vectors and the broadcast in the 16 registers.
TESSERA_AVX2 void gemmAvx2(int64_t m, int64_t n, int64_t k, const float *A,
                           int64_t lda, int64_t acs, const float *B,
                           int64_t ldb, float *C, int64_t ldc, bool accumulate,
                           const float *rowScale) {
  for (int64_t j = 0; j < n; j += 16) {
    int64_t cols = std::min<int64_t>(16, n - j);
    bool two = cols > 8;
    __m256i last = laneMask(two ? cols - 8 : cols);
    for (int64_t i = 0; i < m;) {
      int rows = m - i >= 4 ? 4 : 1;
      const float *scale = rowScale ? rowScale + i : nullptr;
      const float *a = A + i * lda;
      float *c = C + i * ldc + j;
      if (rows == 4)
        two ? gemmTile8<4, 2>(k, a, lda, acs, B + j, ldb, c, ldc, last,
                              accumulate, scale)
            : gemmTile8<4, 1>(k, a, lda, acs, B + j, ldb, c, ldc, last,
                              accumulate, scale);
      else
        two ? gemmTile8<1, 2>(k, a, lda, acs, B + j, ldb, c, ldc, last,
                              accumulate, scale)
            : gemmTile8<1, 1>(k, a, lda, acs, B + j, ldb, c, ldc, last,
                              accumulate, scale);
      i += rows;
    }
  }
}

// stepColumns on 8-float vectors: NV of them (v and the output sums in
// registers) while the S rows stream through.
template <int NV, bool Gated>
TESSERA_AVX2 void stepColumns8(float *S, int64_t ldS, int64_t Dk,
                               const float *q, const float *k, const float *g,
                               const float *v, float *o) {
  __m256 vv[NV], acc[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    vv[j] = _mm256_load_ps(v + 8 * j);
    acc[j] = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < Dk; ++i, S += ldS) {
    __m256 ki = _mm256_set1_ps(k[i]), qi = _mm256_set1_ps(q[i]);
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m256 s = _mm256_load_ps(S + 8 * j);
      if (Gated)
        s = _mm256_mul_ps(_mm256_set1_ps(g[i]), s);
      s = _mm256_fmadd_ps(ki, vv[j], s);
      _mm256_store_ps(S + 8 * j, s);
      acc[j] = _mm256_fmadd_ps(qi, s, acc[j]);
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j)
    _mm256_store_ps(o + 8 * j, acc[j]);
}

template <bool Gated>
TESSERA_AVX2 void stepAll8(float *S, int64_t ldS, int64_t Dk, const float *q,
                           const float *k, const float *g, const float *v,
                           float *o) {
  int64_t j = 0;
  for (; j + 32 <= ldS; j += 32)
    stepColumns8<4, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
  if (j + 16 <= ldS) {
    stepColumns8<2, Gated>(S + j, ldS, Dk, q, k, g, v + j, o + j);
    j += 16;
  }
  // ldS is a multiple of 16: nothing is left.
}

TESSERA_AVX2 void stepAvx2(float *S, int64_t ldS, int64_t Dk, const float *q,
                           const float *k, const float *g, const float *v,
                           float *o) {
  if (g)
    stepAll8<true>(S, ldS, Dk, q, k, g, v, o);
  else
    stepAll8<false>(S, ldS, Dk, q, k, g, v, o);
}

// prepRows vectorized for AVX2, then the transpose as the portable kernel.
TESSERA_AVX2 void prepAvx2(int c, int64_t Dk, int64_t ldK, const float *q,
                           int64_t ldq, const float *k, int64_t ldk,
                           const float *G, const float *gEnd, float scale,
                           float *Qt, float *Kr, float *Kt, float *Ke) {
  prepRows(c, Dk, ldK, q, ldq, k, ldk, G, gEnd, scale, Qt, Kr, Ke);
  for (int64_t i = 0; i < Dk; ++i)
    for (int u = 0; u < c; ++u)
      Kt[i * chunk + u] = Kr[u * ldK + i];
}

} // namespace

const LinearAttentionKernels linearAttentionAvx2Kernels = {gemmAvx2, stepAvx2,
                                                           prepAvx2};

} // namespace tessera
#endif
