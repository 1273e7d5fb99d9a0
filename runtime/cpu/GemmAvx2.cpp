// The AVX2 + FMA GEMM micro-kernel, for x86-64 CPUs without AVX-512 (AMD
// Zen 1-3, Intel before Skylake-SP, many cloud VMs): the same MR x NR packed
// tile as the AVX-512 kernel, computed as 4-row x 16-column blocks (8 ymm
// accumulators, two B vectors and one broadcast of A in registers).
// This file alone is compiled with -mavx2 -mfma; like GemmAvx512.cpp it
// includes no C++ library headers.
#include "cpu/GemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {

constexpr int kRows = 4, kCols = 16;
static_assert(gemmMR % kRows == 0 && gemmNR % kCols == 0,
              "the tile splits into 4x16 blocks");

/// Lanes [0, n) of an 8-float vector (n in 0..8) as a maskload/store mask.
__m256i laneMask(int n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
}

/// One 4x16 block: rows r0.. of the packed A panel, columns c0.. of the
/// packed B panel, `m` rows and `n` columns of it stored.
inline void block(int64_t kc, const float *__restrict Ap,
                  const float *__restrict Bp, float *C, int64_t ldc, int m,
                  int n, bool overwrite) {
  __m256 acc[kRows][2];
#pragma GCC unroll 4
  for (int r = 0; r < kRows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_load_ps(Bp), b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      __m256 a = _mm256_broadcast_ss(Ap + r);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
    Ap += gemmMR;
    Bp += gemmNR;
  }
  if (m == kRows && n == kCols) {
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      float *row = C + r * ldc;
      if (!overwrite) {
        acc[r][0] = _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]);
        acc[r][1] = _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]);
      }
      _mm256_storeu_ps(row, acc[r][0]);
      _mm256_storeu_ps(row + 8, acc[r][1]);
    }
    return;
  }
  __m256i mask0 = laneMask(n >= 8 ? 8 : n);
  __m256i mask1 = laneMask(n >= 16 ? 8 : (n > 8 ? n - 8 : 0));
#pragma GCC unroll 4
  for (int r = 0; r < kRows; ++r) {
    if (r >= m)
      break;
    float *row = C + r * ldc;
    if (!overwrite) {
      acc[r][0] = _mm256_add_ps(_mm256_maskload_ps(row, mask0), acc[r][0]);
      acc[r][1] = _mm256_add_ps(_mm256_maskload_ps(row + 8, mask1), acc[r][1]);
    }
    _mm256_maskstore_ps(row, mask0, acc[r][0]);
    _mm256_maskstore_ps(row + 8, mask1, acc[r][1]);
  }
}

} // namespace

void gemmMicroKernelAvx2(int64_t kc, const float *Ap, const float *Bp, float *C,
                         int64_t ldc, int m, int n, bool overwrite) {
  for (int r0 = 0; r0 < m; r0 += kRows)
    for (int c0 = 0; c0 < n; c0 += kCols) {
      int rows = m - r0 < kRows ? m - r0 : kRows;
      int cols = n - c0 < kCols ? n - c0 : kCols;
      block(kc, Ap + r0, Bp + c0, C + r0 * ldc + c0, ldc, rows, cols,
            overwrite);
    }
}

} // namespace tessera
