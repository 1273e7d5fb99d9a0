// The AVX2 + FMA GEMM micro-kernel, for x86-64 CPUs without AVX-512 (AMD
// Zen 1-3, Intel before Skylake-SP, many cloud VMs): the same MR x NR packed
// tile as the AVX-512 kernel, computed as two 6x16 blocks and one 2x32 block
// (see gemmMicroKernelAvx2).
// This file alone is compiled with -mavx2 -mfma; like GemmAvx512.cpp it
// includes no C++ library headers.
#include "cpu/GemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {

static_assert(gemmMR == 8 && gemmNR == 32, "the blocks below tile 8x32");

/// Lanes [0, n) of an 8-float vector (n in 0..8) as a maskload/store mask.
__m256i laneMask(int n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
}

/// One R x (8 V) block of the tile: rows r0.. of the packed A panel (zero
/// padded, so rows past `m` read zeros), columns c0.. of the packed B panel;
/// `m` rows and `n` columns of it are stored. R * V accumulators stay in
/// registers (at most 12 of the 16 ymm, so that FMA latency is hidden).
template <int R, int V>
inline void block(int64_t kc, const float *__restrict Ap,
                  const float *__restrict Bp, float *C, int64_t ldc, int m,
                  int n, bool overwrite) {
  __m256 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[r][v] = _mm256_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      b[v] = _mm256_load_ps(Bp + 8 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      __m256 a = _mm256_broadcast_ss(Ap + r);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
    }
    Ap += gemmMR;
    Bp += gemmNR;
  }
  if (m >= R && n >= 8 * V) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      float *row = C + r * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        if (!overwrite)
          acc[r][v] = _mm256_add_ps(_mm256_loadu_ps(row + 8 * v), acc[r][v]);
        _mm256_storeu_ps(row + 8 * v, acc[r][v]);
      }
    }
    return;
  }
  __m256i mask[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    int left = n - 8 * v;
    mask[v] = laneMask(left >= 8 ? 8 : left > 0 ? left : 0);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (r >= m)
      break;
    float *row = C + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      if (!overwrite)
        acc[r][v] =
            _mm256_add_ps(_mm256_maskload_ps(row + 8 * v, mask[v]), acc[r][v]);
      _mm256_maskstore_ps(row + 8 * v, mask[v], acc[r][v]);
    }
  }
}

} // namespace

// The 8x32 tile as rows 0-5 in two 6x16 blocks (12 accumulators each) and
// rows 6-7 in one 2x32 block (8): at most 12 live accumulators keep both FMA
// pipes busy through their latency, with 0.67-0.75 loads per FMA.
void gemmMicroKernelAvx2(int64_t kc, const float *Ap, const float *Bp, float *C,
                         int64_t ldc, int m, int n, bool overwrite) {
  int top = m < 6 ? m : 6;
  block<6, 2>(kc, Ap, Bp, C, ldc, top, n, overwrite);
  if (n > 16)
    block<6, 2>(kc, Ap, Bp + 16, C + 16, ldc, top, n - 16, overwrite);
  if (m > 6)
    block<2, 4>(kc, Ap + 6, Bp, C + 6 * ldc, ldc, m - 6, n, overwrite);
}

} // namespace tessera
