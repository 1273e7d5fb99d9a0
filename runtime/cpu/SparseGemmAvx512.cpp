// AVX-512 kernels of the sparse linear layer, one per SparseForm (see
// SparseGemmKernels.h), and the transposes around them.
// This file alone is compiled with -mavx512f -mfma; like GemmAvx512.cpp it
// includes no C++ library headers, so no AVX-512 copy of an inline function
// can leak into code that runs on older CPUs.
#include "cpu/ExpAvx512.h"
#include "cpu/SparseGemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {


template <int N> struct Count { static constexpr int value = N; };

/// body(Count<n>()) for a runtime n in [First, Last] (Last for any larger n),
/// so that a kernel is compiled once per row count.
template <int First, int Last, typename Body> void forCount(int n, Body body) {
  if constexpr (First < Last)
    if (n != First)
      return forCount<First + 1, Last>(n, body);
  body(Count<First>());
}

/// The same for n in First, 2 First, 4 First, ... Last.
template <int First, int Last, typename Body>
void forPowerOfTwo(int n, Body body) {
  if constexpr (First < Last)
    if (n > First)
      return forPowerOfTwo<2 * First, Last>(n, body);
  body(Count<First>());
}

// In place: v[i] lane j becomes v[j] lane i (rows of a 16x16 block).
inline void transpose16(__m512 v[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      __m512d a = _mm512_castps_pd(t[i + h]),
              b = _mm512_castps_pd(t[i + 2 + h]);
      v[i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      v[i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  }
  // v[4q + j] now holds, in its 128-bit lane c, column 4c + j of rows
  // 4q..4q+3: for each j, a 4x4 transpose of 128-bit lanes remains. t[2j],
  // t[2j+1]: lanes (0, 2) and (1, 3) of rows 0-7; t[8 + ...]: of rows 8-15.
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    int q = i / 4 * 8 + i % 4;
    t[2 * i] = _mm512_shuffle_f32x4(v[q], v[q + 4], 0x88);
    t[2 * i + 1] = _mm512_shuffle_f32x4(v[q], v[q + 4], 0xdd);
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    int j = i % 4, odd = i / 4; // odd: columns 4c + j with c = 1, 3
    __m512 lo = t[2 * j + odd], hi = t[8 + 2 * j + odd];
    v[j + 4 * odd] = _mm512_shuffle_f32x4(lo, hi, 0x88);
    v[j + 4 * (odd + 2)] = _mm512_shuffle_f32x4(lo, hi, 0xdd);
  }
}

// At[k*ldt + i] = A[i*lda + k*acs] for k < K, i < ldt (a multiple of 16),
// zero for m <= i.
void packTransposed(const float *A, int64_t lda, int64_t acs, int m, int64_t K,
                    float *At, int64_t ldt) {
  for (int i0 = 0; i0 < ldt; i0 += 16) {
    int rows = m - i0 < 16 ? (m - i0 > 0 ? m - i0 : 0) : 16;
    int64_t k = 0;
    if (acs == 1)
      for (; k + 16 <= K; k += 16) {
        __m512 v[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i)
          v[i] = i < rows ? _mm512_loadu_ps(A + (i0 + i) * lda + k)
                          : _mm512_setzero_ps();
        transpose16(v);
#pragma GCC unroll 16
        for (int j = 0; j < 16; ++j)
          _mm512_store_ps(At + (k + j) * ldt + i0, v[j]);
      }
    for (; k < K; ++k)
      for (int i = 0; i < 16; ++i)
        At[k * ldt + i0 + i] = i < rows ? A[(i0 + i) * lda + k * acs] : 0.0f;
  }
}

// y[i*ldy + j] = yT[j*ldt + i] for i < m, j < n.
void storeTransposed(const float *yT, int64_t ldt, int m, int64_t n, float *y,
                     int64_t ldy) {
  // Along the rows of y: 16 of them at a time stay in the TLB.
  for (int i0 = 0; i0 < m; i0 += 16) {
    int rows = m - i0 < 16 ? m - i0 : 16;
    for (int64_t j0 = 0; j0 < n; j0 += 16) {
      __mmask16 mask = tailMask(n - j0);
      __m512 v[16];
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j)
        v[j] = j0 + j < n ? _mm512_load_ps(yT + (j0 + j) * ldt + i0)
                          : _mm512_setzero_ps();
      transpose16(v);
      if (mask == 0xffff)
        for (int i = 0; i < rows; ++i)
          _mm512_storeu_ps(y + (i0 + i) * ldy + j0, v[i]);
      else
        for (int i = 0; i < rows; ++i)
          _mm512_mask_storeu_ps(y + (i0 + i) * ldy + j0, mask, v[i]);
    }
  }
}

// ---- NVec: y vectorized over 16 rows of W ---------------------------------

template <int MT>
void nvecTile(const SparseWeights &w, const float *At, int64_t r0, int64_t r1,
              float *y, int64_t ldy) {
  for (int64_t g = r0 / 16; g < r1 / 16; ++g) {
    __m512 acc[MT];
#pragma GCC unroll 16
    for (int m = 0; m < MT; ++m)
      acc[m] = _mm512_setzero_ps();
    for (int64_t e = w.begin[g]; e < w.begin[g + 1]; ++e) {
      __m512 wv = _mm512_load_ps(w.w + e * 16);
      const float *a = At + w.col[e] * 16;
#pragma GCC unroll 16
      for (int m = 0; m < MT; ++m)
        acc[m] = _mm512_fmadd_ps(_mm512_set1_ps(a[m]), wv, acc[m]);
    }
#pragma GCC unroll 16
    for (int m = 0; m < MT; ++m)
      _mm512_storeu_ps(y + m * ldy + g * 16 - r0, acc[m]);
  }
}

void nvecRows(const SparseWeights &w, const float *At, int m, int64_t r0,
              int64_t r1, float *y, int64_t ldy) {
  forCount<1, 16>(m, [&](auto mt) {
    nvecTile<decltype(mt)::value>(w, At, r0, r1, y, ldy);
  });
}

// ---- MVec: y^T vectorized over 16 V rows of A ------------------------------

// yT[(g*R + i - r0)*16V + 16v] for the groups g of [r0, r1), over K block
// kb, entries of BC columns. With few accumulators, S sets taking turns
// over the k of a group (in a fixed order: the tiling does not change it)
// hide the FMA latency; U entries a step make S k.
// - Narrow entries (BC < 8): a loop per group, its sum stored into yT in
//   K block 0 and added to it after.
// - Wide entries: one loop over all entries of the K block, each one's
//   products added to yT (zeroed before) as soon as they are done, so that
//   groups with few entries cost no loop of their own.
template <int R, int BC, int V>
void mvecTile(const SparseWeights &w, int64_t kb, const float *At, int64_t r0,
              int64_t r1, float *yT) {
  constexpr bool flat = BC >= 8;
  constexpr int64_t ldt = 16 * V;
  constexpr int S = R * V >= 8 ? 1 : 8 / (R * V);
  constexpr int U = S > BC ? S / BC : 1;
  const int32_t *begin = w.begin + kb * (w.N / R);
  __m512 acc[S][R][V];
  auto clear = [&] {
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s)
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          acc[s][i][v] = _mm512_setzero_ps();
  };
  auto step = [&](int64_t e, int u) {
    const float *a = At + w.col[e] * ldt, *wp = w.w + e * (R * BC);
#pragma GCC unroll 16
    for (int j = 0; j < BC; ++j) {
      int s = (u * BC + j) % S;
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        __m512 wi = _mm512_set1_ps(wp[j * R + i]);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          acc[s][i][v] = _mm512_fmadd_ps(
              wi, _mm512_load_ps(a + j * ldt + 16 * v), acc[s][i][v]);
      }
    }
  };
  auto finish = [&](int64_t g, bool add) {
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        __m512 sum = acc[0][i][v];
#pragma GCC unroll 8
        for (int s = 1; s < S; ++s)
          sum = _mm512_add_ps(sum, acc[s][i][v]);
        float *out = yT + (g * R + i - r0) * ldt + 16 * v;
        _mm512_store_ps(out,
                        add ? _mm512_add_ps(_mm512_load_ps(out), sum) : sum);
      }
  };
  if constexpr (flat) {
    for (int64_t e = begin[r0 / R]; e < begin[r1 / R]; ++e) {
      clear();
      step(e, 0);
      finish(w.group[e], true);
    }
    return;
  }
  for (int64_t g = r0 / R; g < r1 / R; ++g) {
    clear();
    int64_t e = begin[g], end = begin[g + 1];
    for (; e + U <= end; e += U)
#pragma GCC unroll 8
      for (int u = 0; u < U; ++u)
        step(e + u, u);
    for (; e < end; ++e)
      step(e, 0);
    finish(g, kb > 0);
  }
}

void mvecRows(const SparseWeights &w, const float *At, int m, int64_t r0,
              int64_t r1, float *y, int64_t ldy, float *yT) {
  int64_t ldt = sparsePanelWidth(w, m);
  int V = int(ldt / 16);
  if (w.cols >= 8)
    for (int64_t i = 0; i < (r1 - r0) * ldt; i += 16)
      _mm512_store_ps(yT + i, _mm512_setzero_ps());
  forCount<1, 4>(w.rows, [&](auto rows) {
    constexpr int R = decltype(rows)::value;
    forPowerOfTwo<1, 16>(w.cols, [&](auto cols) {
      forPowerOfTwo<1, mvecMaxVectors(R)>(V, [&](auto vectors) {
        for (int64_t kb = 0; kb < w.kBlocks; ++kb)
          mvecTile<R, decltype(cols)::value, decltype(vectors)::value>(
              w, kb, At, r0, r1, yT);
      });
    });
  });
  storeTransposed(yT, ldt, m, r1 - r0, y, ldy);
}

// ---- A few rows of A, entries of 16 k of one row of W ----------------------
// Vectorized along k instead (MVec would fill a lane of 16 per row of A):
// each output a 16-lane dot product, reduced 16 outputs at a time. Up to 4
// rows (at 5 to 8, MVec was 1.5x as fast). Entries of one k would need
// gathers, which made 1x1 weights 1.3x to 6x slower than MVec's broadcasts
// at 1 to 8 rows.

constexpr int dotMaxRows = 4;

bool useDot(const SparseWeights &w, int m) {
  return w.form == SparseForm::MVec && w.rows == 1 && w.cols == 16 &&
         m <= dotMaxRows;
}

// Lane j of the result: the sum of the 16 lanes of v[16j..16j+15] (a fixed
// tree, the same for every j).
inline __m512 transposeAdd(const float *v) {
  __m512 t[8], u[4], x[2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    __m512 a = _mm512_load_ps(v + 32 * i), b = _mm512_load_ps(v + 32 * i + 16);
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    __m512d a = _mm512_castps_pd(t[2 * i]), b = _mm512_castps_pd(t[2 * i + 1]);
    u[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)
    x[i] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0x88),
                         _mm512_shuffle_f32x4(u[2 * i], u[2 * i + 1], 0xdd));
  return _mm512_add_ps(_mm512_shuffle_f32x4(x[0], x[1], 0x88),
                       _mm512_shuffle_f32x4(x[0], x[1], 0xdd));
}

// y[i*ldy + r - r0] for r0 <= r < r1 from the MT rows A[i*K ..]. Like
// MVec's wide entries, one loop over the entries of each K block (in memory
// order), each adding to its row's 16-lane sums in buf[(i*rows + r - r0)*16]
// (rows = r1 - r0 rounded up to 16; zero beyond r1): a loop per row and K
// block, with its unpredictable trip count, took twice as long.
template <int MT>
void dotTile(const SparseWeights &w, const float *A, int64_t r0, int64_t r1,
             float *y, int64_t ldy, float *buf) {
  int64_t rows = (r1 - r0 + 15) / 16 * 16;
  for (int64_t i = 0; i < MT * rows * 16; i += 16)
    _mm512_store_ps(buf + i, _mm512_setzero_ps());
  for (int64_t kb = 0; kb < w.kBlocks; ++kb) {
    const int32_t *begin = w.begin + kb * w.N;
    for (int64_t e = begin[r0]; e < begin[r1]; ++e) {
      __m512 wv = _mm512_load_ps(w.w + e * 16);
      const float *a = A + w.col[e];
      float *sums = buf + (w.group[e] - r0) * 16;
#pragma GCC unroll 8
      for (int i = 0; i < MT; ++i)
        _mm512_store_ps(sums + i * rows * 16,
                        _mm512_fmadd_ps(_mm512_loadu_ps(a + i * w.K), wv,
                                        _mm512_load_ps(sums + i * rows * 16)));
    }
  }
  for (int64_t g0 = r0; g0 < r1; g0 += 16)
#pragma GCC unroll 8
    for (int i = 0; i < MT; ++i)
      _mm512_mask_storeu_ps(y + i * ldy + g0 - r0, tailMask(r1 - g0),
                            transposeAdd(buf + (i * rows + g0 - r0) * 16));
}

void dotRows(const SparseWeights &w, const float *A, int m, int64_t r0,
             int64_t r1, float *y, int64_t ldy, float *buf) {
  forCount<1, dotMaxRows>(m, [&](auto mt) {
    dotTile<decltype(mt)::value>(w, A, r0, r1, y, ldy, buf);
  });
}

} // namespace

void sparsePackAvx512(const SparseWeights &w, const float *A, int64_t lda,
                      int64_t acs, int m, int64_t K, float *At) {
  if (!useDot(w, m)) {
    packTransposed(A, lda, acs, m, K, At, sparsePanelWidth(w, m));
    return;
  }
  for (int i = 0; i < m; ++i) // the rows, contiguous
    for (int64_t k = 0; k < K; ++k)
      At[i * K + k] = A[i * lda + k * acs];
}

void sparseRowsAvx512(const SparseWeights &w, const float *At, int m,
                      int64_t r0, int64_t r1, float *y, int64_t ldy,
                      float *yT) {
  if (w.form == SparseForm::NVec)
    nvecRows(w, At, m, r0, r1, y, ldy);
  else if (useDot(w, m))
    dotRows(w, At, m, r0, r1, y, ldy, yT);
  else
    mvecRows(w, At, m, r0, r1, y, ldy, yT);
}

} // namespace tessera
