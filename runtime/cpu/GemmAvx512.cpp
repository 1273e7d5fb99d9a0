// The AVX-512 GEMM micro-kernel: MR x 32 accumulators held in zmm registers.
// This file alone is compiled with -mavx512f -mfma; it includes no C++
// library headers so that no AVX-512 copy of an inline function can leak
// into code that runs on older CPUs.
#include "cpu/GemmKernels.h"

#include <immintrin.h>

namespace tessera {

void gemmMicroKernelAvx512(int64_t kc, const float *__restrict Ap,
                           const float *__restrict Bp, float *C, int64_t ldc,
                           int m, int n) {
  constexpr int MR = gemmMR;
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
    c0[r] = c1[r] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(Bp);
    __m512 b1 = _mm512_load_ps(Bp + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      __m512 a = _mm512_set1_ps(Ap[r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
    Ap += MR;
    Bp += gemmNR;
  }
  if (m == MR && n == gemmNR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      float *row = C + r * ldc;
      _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), c0[r]));
      _mm512_storeu_ps(row + 16,
                       _mm512_add_ps(_mm512_loadu_ps(row + 16), c1[r]));
    }
    return;
  }
  __mmask16 mask0 = n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1);
  __mmask16 mask1 = n >= 32   ? 0xffff
                    : n > 16 ? (__mmask16)((1u << (n - 16)) - 1)
                             : 0;
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    if (r >= m)
      break;
    float *row = C + r * ldc;
    _mm512_mask_storeu_ps(
        row, mask0, _mm512_add_ps(_mm512_maskz_loadu_ps(mask0, row), c0[r]));
    _mm512_mask_storeu_ps(
        row + 16, mask1,
        _mm512_add_ps(_mm512_maskz_loadu_ps(mask1, row + 16), c1[r]));
  }
}

namespace {

inline __mmask16 tailMask(int64_t remaining) {
  return remaining >= 16  ? (__mmask16)0xffff
         : remaining > 0 ? (__mmask16)((1u << remaining) - 1)
                         : (__mmask16)0;
}

// M rows, 64 columns at a time, B streamed straight from memory.
template <int M>
void smallM(int64_t n, int64_t k, const float *A, int64_t lda, int64_t acs,
            const float *B, int64_t ldb, float *C, int64_t ldc) {
  for (int64_t j = 0; j < n; j += 64) {
    __mmask16 mask[4];
    for (int q = 0; q < 4; ++q)
      mask[q] = tailMask(n - j - 16 * q);
    __m512 acc[M][4];
#pragma GCC unroll 4
    for (int r = 0; r < M; ++r)
      for (int q = 0; q < 4; ++q)
        acc[r][q] = _mm512_setzero_ps();
    const float *b = B + j;
    for (int64_t kk = 0; kk < k; ++kk, b += ldb) {
      __m512 bq[4];
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q)
        bq[q] = _mm512_maskz_loadu_ps(mask[q], b + 16 * q);
#pragma GCC unroll 4
      for (int r = 0; r < M; ++r) {
        __m512 a = _mm512_set1_ps(A[r * lda + kk * acs]);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q)
          acc[r][q] = _mm512_fmadd_ps(a, bq[q], acc[r][q]);
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) {
        float *c = C + r * ldc + j + 16 * q;
        _mm512_mask_storeu_ps(
            c, mask[q],
            _mm512_add_ps(_mm512_maskz_loadu_ps(mask[q], c), acc[r][q]));
      }
  }
}

} // namespace

void gemmPackBAvx512(const float *B, int64_t ldb, int64_t kc, int n,
                     float *Bp) {
  __mmask16 mask0 = tailMask(n), mask1 = tailMask(n - 16);
  for (int64_t k = 0; k < kc; ++k, B += ldb, Bp += gemmNR) {
    _mm512_store_ps(Bp, _mm512_maskz_loadu_ps(mask0, B));
    _mm512_store_ps(Bp + 16, _mm512_maskz_loadu_ps(mask1, B + 16));
  }
}

void gemmSmallMAvx512(int m, int64_t n, int64_t k, const float *A,
                      int64_t lda, int64_t acs, const float *B, int64_t ldb,
                      float *C, int64_t ldc) {
  switch (m) {
  case 1: smallM<1>(n, k, A, lda, acs, B, ldb, C, ldc); break;
  case 2: smallM<2>(n, k, A, lda, acs, B, ldb, C, ldc); break;
  case 3: smallM<3>(n, k, A, lda, acs, B, ldb, C, ldc); break;
  default: smallM<4>(n, k, A, lda, acs, B, ldb, C, ldc); break;
  }
}

} // namespace tessera
