// The sparse linear layer's MVec kernel and A transpose for AVX2 + FMA (CPUs
// without AVX-512): the portable kernel's walk over the stored weights, with
// the outputs of a group of W's rows held in registers instead of memory. The
// portable loops add every product into memory (a load, an FMA and a store
// each), which made 90%-sparse layers no faster than the dense GEMM on a
// Zen 2. This file alone is compiled with -mavx2 -mfma; like GemmAvx2.cpp it
// includes no C++ library headers.
#include "cpu/SimdAvx2.h"
#include "cpu/SparseGemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {

// One group of R rows of W in K block kb, on CV vectors (8 rows of A each)
// of the panel starting at lane x0: the group's entries in order, each
// column j of an entry one row of At times R broadcast weights; then the
// sums are added to yT's rows. R * CV + CV + 1 <= 16 registers.
template <int R, int CV>
void group(const SparseWeights &w, const float *At, int ldt, int x0, int64_t e0,
           int64_t e1, float *acc) {
  __m256 sum[R][CV];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < CV; ++v)
      sum[i][v] = _mm256_setzero_ps();
  const int BC = w.cols;
  for (int64_t e = e0; e < e1; ++e)
    for (int j = 0; j < BC; ++j) {
      const float *a = At + (int64_t(w.col[e]) + j) * ldt + x0;
      const float *wv = w.w + (e * BC + j) * R;
      __m256 av[CV];
#pragma GCC unroll 4
      for (int v = 0; v < CV; ++v)
        av[v] = _mm256_loadu_ps(a + 8 * v);
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        __m256 wi = _mm256_broadcast_ss(wv + i);
#pragma GCC unroll 4
        for (int v = 0; v < CV; ++v)
          sum[i][v] = _mm256_fmadd_ps(wi, av[v], sum[i][v]);
      }
    }
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < CV; ++v) {
      float *row = acc + i * ldt + x0 + 8 * v;
      _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), sum[i][v]));
    }
}

template <int R>
void rows(const SparseWeights &w, const float *At, int ldt, int64_t r0,
          int64_t r1, float *yT) {
  // Vectors per pass: the most that fit beside the loaded row of At.
  constexpr int CV = R <= 2 ? 4 : 2;
  int64_t groups = w.N / R;
  for (int64_t kb = 0; kb < w.kBlocks; ++kb)
    for (int64_t g = r0 / R; g < r1 / R; ++g) {
      float *acc = yT + (g * R - r0) * ldt;
      const int32_t *range = w.begin + kb * groups + g;
      if (ldt < 8 * CV) { // ldt = 16: two vectors in one pass
        group<R, 2>(w, At, ldt, 0, range[0], range[1], acc);
        continue;
      }
      for (int x0 = 0; x0 < ldt; x0 += 8 * CV)
        group<R, CV>(w, At, ldt, x0, range[0], range[1], acc);
    }
}

} // namespace

void sparsePackAvx2(const SparseWeights &w, const float *A, int64_t lda,
                    int64_t acs, int m, int64_t K, float *At) {
  if (acs != 1) {
    sparsePackPortable(w, A, lda, acs, m, K, At);
    return;
  }
  // 8 rows of A at a time through 8x8 transposes; rows past m read row
  // m - 1 and are masked to zero.
  int ldt = sparsePanelWidth(w, m);
  for (int i0 = 0; i0 < ldt; i0 += 8) {
    int valid = m - i0 < 0 ? 0 : m - i0 > 8 ? 8 : m - i0;
    __m256 keep = _mm256_castsi256_ps(laneMask(valid));
    const float *r[8];
    for (int x = 0; x < 8; ++x)
      r[x] = A + (i0 + x < m ? i0 + x : (m > 0 ? m - 1 : 0)) * lda;
    int64_t k = 0;
    if (valid > 0)
      for (; k + 8 <= K; k += 8) {
        __m256 col[8];
        transpose8(r, k, col);
        for (int j = 0; j < 8; ++j)
          _mm256_storeu_ps(At + (k + j) * ldt + i0,
                           _mm256_and_ps(col[j], keep));
      }
    for (; k < K; ++k)
      for (int x = 0; x < 8; ++x)
        At[k * ldt + i0 + x] = x < valid ? r[x][k] : 0.0f;
  }
}

void sparseRowsAvx2(const SparseWeights &w, const float *At, int m, int64_t r0,
                    int64_t r1, float *y, int64_t ldy, float *yT) {
  int ldt = sparsePanelWidth(w, m);
  for (int64_t x = 0; x < (r1 - r0) * ldt; x += 8)
    _mm256_storeu_ps(yT + x, _mm256_setzero_ps());
  switch (w.rows) {
  case 1:
    rows<1>(w, At, ldt, r0, r1, yT);
    break;
  case 2:
    rows<2>(w, At, ldt, r0, r1, yT);
    break;
  case 3:
    rows<3>(w, At, ldt, r0, r1, yT);
    break;
  default:
    rows<4>(w, At, ldt, r0, r1, yT);
    break;
  }
  for (int64_t r = r0; r < r1; ++r)
    for (int x = 0; x < m; ++x)
      y[x * ldy + r - r0] = yT[(r - r0) * ldt + x];
}

} // namespace tessera
