// The AVX2 + FMA GEMM micro-kernel, for x86-64 CPUs without AVX-512 (AMD
// Zen 1-3, Intel before Skylake-SP, many cloud VMs): a 6 x NR packed tile
// (A panels of gemmMRAvx2 = 6 rows), computed as two 6x16 blocks (see
// gemmMicroKernelAvx2); and the packing of A and B panels.
// This file alone is compiled with -mavx2 -mfma; like GemmAvx512.cpp it
// includes no C++ library headers.
#include "cpu/ActivationsAvx2.h"
#include "cpu/GemmKernels.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

namespace tessera {
namespace {

static_assert(gemmNR == 32, "the blocks below tile 6x32");
constexpr int MR = gemmMRAvx2;

/// One R x (8 V) block of the tile: rows r0.. of the packed A panel (zero
/// padded, so rows past `m` read zeros), columns c0.. of the packed B panel;
/// `m` rows and `n` columns of it are stored. R * V accumulators stay in
/// registers (at most 12 of the 16 ymm, so that FMA latency is hidden).
template <int R, int V>
inline void block(int64_t kc, const float *__restrict Ap,
                  const float *__restrict Bp, float *C, int64_t ldc, int m,
                  int n, bool overwrite, const TileStore *store) {
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
    // The B panel 64 k ahead: its first pass streams it from L2 or memory
    // (a line per 16 columns: a block of 4 vectors, 1 or 2 rows, reads two;
    // with only the first prefetched, a batch-1 classifier's 1280 x 1000
    // weights streamed at 15 rather than 20 GB/s).
    _mm_prefetch(reinterpret_cast<const char *>(Bp + 64 * gemmNR), _MM_HINT_T0);
    if constexpr (V > 2)
      _mm_prefetch(reinterpret_cast<const char *>(Bp + 64 * gemmNR + 16),
                   _MM_HINT_T0);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      __m256 a = _mm256_broadcast_ss(Ap + r);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
    }
    Ap += MR;
    Bp += gemmNR;
  }
  // The activation inlined under one switch per tile: through a call per
  // vector, which clobbers every ymm register, the accumulators spilled.
  dispatchActivation(
      store ? store->activation : ActNone, [&](auto tag) __attribute__((
                                               always_inline)) {
        constexpr int Act = decltype(tag)::value;
        // The row bias, bias, activation, residual and clamp; max/min
        // return their second operand on NaN, so NaN stays.
        const float *res = store ? store->residual : nullptr;
        auto finish = [&](int r, int v, __m256 x, auto load) {
          if (!store)
            return x;
          if (store->rowBias && r < m)
            x = _mm256_add_ps(
                x, _mm256_set1_ps(store->rowBias[r * store->rowBiasStride]));
          if (store->bias)
            x = _mm256_add_ps(x, store->biasStride
                                     ? load(store->bias + 8 * v)
                                     : _mm256_set1_ps(*store->bias));
          x = avx2::activate<Act>(x);
          if (res)
            x = _mm256_add_ps(x, load(res + r * store->residualStride + 8 * v));
          return store->clamp ? _mm256_min_ps(
                                    _mm256_set1_ps(store->hi),
                                    _mm256_max_ps(_mm256_set1_ps(store->lo), x))
                              : x;
        };
        if (m >= R && n >= 8 * V) {
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) {
            float *row = C + r * ldc;
#pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
              if (!overwrite)
                acc[r][v] =
                    _mm256_add_ps(_mm256_loadu_ps(row + 8 * v), acc[r][v]);
              _mm256_storeu_ps(row + 8 * v,
                               finish(r, v, acc[r][v], [](const float *p) {
                                 return _mm256_loadu_ps(p);
                               }));
            }
          }
          return;
        }
        __m256i mask[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          mask[v] = laneMask(n - 8 * v);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          if (r >= m)
            break;
          float *row = C + r * ldc;
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) {
            int64_t left = n - 8 * v;
            if (!overwrite)
              acc[r][v] = _mm256_add_ps(loadLanes(row + 8 * v, left, mask[v]),
                                        acc[r][v]);
            storeLanes(row + 8 * v, left, mask[v],
                       finish(r, v, acc[r][v], [&](const float *p) {
                         return loadLanes(p, left, mask[v]);
                       }));
          }
        }
      });
}

} // namespace

void gemmPackAAvx2(const float *const rows[8], int64_t kc, float *Ap) {
  const float *r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = rows[i];
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8, Ap += 64) {
    __m256 col[8];
    transpose8(r, k, col);
    for (int j = 0; j < 8; ++j)
      _mm256_storeu_ps(Ap + 8 * j, col[j]);
  }
  for (; k < kc; ++k, Ap += 8)
    for (int i = 0; i < 8; ++i)
      Ap[i] = r[i][k];
}

void gemmPackA6Avx2(const float *const rows[6], int64_t kc, float *Ap) {
  // Rows 6 and 7 of the transpose repeat row 5; each column is stored as 8
  // floats 6 apart, so the next column overwrites the two extra ones. The
  // last full block is left to the scalar loop, which never writes past the
  // panel.
  const float *r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = rows[i < 6 ? i : 5];
  int64_t k = 0;
  for (; k + 8 < kc; k += 8, Ap += 48) {
    __m256 col[8];
    transpose8(r, k, col);
    for (int j = 0; j < 8; ++j)
      _mm256_storeu_ps(Ap + 6 * j, col[j]);
  }
  for (; k < kc; ++k, Ap += 6)
    for (int i = 0; i < 6; ++i)
      Ap[i] = r[i][k];
}

void gemmPackBAvx2(const float *B, int64_t ldb, int64_t kc, int n, float *Bp) {
  __m256i mask[4];
  for (int v = 0; v < 4; ++v)
    mask[v] = laneMask(n - 8 * v);
  for (int64_t k = 0; k < kc; ++k, B += ldb, Bp += gemmNR)
    for (int v = 0; v < 4; ++v)
      _mm256_store_ps(Bp + 8 * v, _mm256_maskload_ps(B + 8 * v, mask[v]));
}

// The 6x32 tile as two 6x16 blocks of 12 accumulators: enough independent
// chains to keep both FMA pipes busy through their latency, with 0.67 loads
// per FMA. (An 8-row tile, as AVX-512 has, needed a third block of 2x32 for
// rows 6-7, whose 8 accumulators could not hide the latency.) A tile of at
// most 4 rows (the last of an M that is not a multiple of 6) computes only
// those: one 2x32 block, or two 4x16.
void gemmMicroKernelAvx2(int64_t kc, const float *Ap, const float *Bp, float *C,
                         int64_t ldc, int m, int n, bool overwrite,
                         const TileStore *store, Prefetch) {
  // The store of the right 16 columns: the residual and bias 16 further on.
  TileStore shifted;
  auto right = [&](const TileStore *s) {
    if (!s || (!s->residual && !s->bias))
      return s;
    shifted = *s;
    if (shifted.residual)
      shifted.residual += 16;
    if (shifted.bias)
      shifted.bias += 16 * shifted.biasStride;
    return static_cast<const TileStore *>(&shifted);
  };
  if (m == 1) {
    block<1, 4>(kc, Ap, Bp, C, ldc, m, n, overwrite, store);
    return;
  }
  if (m <= 2) {
    block<2, 4>(kc, Ap, Bp, C, ldc, m, n, overwrite, store);
    return;
  }
  if (m <= 4) {
    block<4, 2>(kc, Ap, Bp, C, ldc, m, n, overwrite, store);
    if (n > 16)
      block<4, 2>(kc, Ap, Bp + 16, C + 16, ldc, m, n - 16, overwrite,
                  right(store));
    return;
  }
  block<6, 2>(kc, Ap, Bp, C, ldc, m, n, overwrite, store);
  if (n > 16)
    block<6, 2>(kc, Ap, Bp + 16, C + 16, ldc, m, n - 16, overwrite,
                right(store));
}

} // namespace tessera
