// AVX2 kernels of the quantized linear layer, for x86-64 CPUs without
// AVX-512 VNNI: the exact u8 x s8 -> int32 GEMM of int8 layers with vpmaddwd
// on 16-bit operands and their row quantization; the weight-only GEMV and
// panel dequantization with the weights dequantized in registers. AVX2's 8-bit
// multiply-add (vpmaddubsw) saturates its 16-bit pair sums (255 * 127 * 2 >
// 32767), so it cannot give the exact sums the reference semantics need;
// vpmaddwd on zero-extended activations and sign-extended weights can, at half
// its rate. This file alone is compiled with -mavx2 -mfma; like GemmAvx2.cpp it
// includes no C++ library headers.
#include "cpu/Activations.h"
#include "cpu/QGemmKernels.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

namespace tessera {
namespace {

inline int64_t load64(const uint16_t *p) {
  int64_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// R rows x 8 columns (c..c+7 of one 32-column VNNI panel). A 4-k group of
// the panel row holds 4 bytes per column; sign-extended to 16 bits, 16 of
// them are 4 columns x 4 k, i.e. 32-bit lanes (column, k pair). The row's 4
// activations broadcast as one 64-bit value line up with them, so vpmaddwd
// leaves two partial sums per column, added pairwise at the end.
template <int R>
void tile(const QRows &a, int64_t i0, const QWeights &w, int64_t col, int64_t n,
          float *y, int64_t ldy) {
  const int8_t *panel =
      w.packed + col / qPanel * w.K4 * qPanel + col % qPanel * 4;
  const uint16_t *rows[R];
  __m256i acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    rows[r] = a.q16 + (i0 + r) * a.ld16;
    acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  }
  for (int64_t k = 0; k < w.K4; k += 4) {
    const int8_t *group = panel + k * qPanel;
    __m256i w0 = _mm256_cvtepi8_epi16(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(group)));
    __m256i w1 = _mm256_cvtepi8_epi16(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(group + 16)));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      __m256i av = _mm256_set1_epi64x(load64(rows[r] + k));
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
    }
  }
  __m256i colsum =
      _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w.colsum + col));
  __m256 scale = _mm256_loadu_ps(w.scale + col);
  __m256i mask = laneMask(n);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    // Lanes c0 c1 c4 c5 | c2 c3 c6 c7, then the 64-bit pairs reordered.
    __m256i sum = _mm256_permute4x64_epi64(
        _mm256_hadd_epi32(acc[r][0], acc[r][1]), _MM_SHUFFLE(3, 1, 2, 0));
    __m256i d = _mm256_sub_epi32(
        sum, _mm256_mullo_epi32(_mm256_set1_epi32(a.zp[i0 + r]), colsum));
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(d),
                             _mm256_mul_ps(_mm256_set1_ps(a.s[i0 + r]), scale));
    storeLanes(y + r * ldy, n, mask, v);
  }
}

} // namespace

void qgemmAvx2(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
               int64_t j0, int64_t n, float *y, int64_t ldy,
               const Epilogue *e) {
  // Eight columns' weights (a quarter of a panel, K4 x 8 bytes) stay in L1
  // while the row tiles pass.
  for (int64_t j = 0; j < n; j += 8) {
    int64_t width = n - j < 8 ? n - j : 8;
    for (int64_t r = 0; r < m; r += 6) {
      float *out = y + r * ldy + j;
      switch (m - r < 6 ? m - r : 6) {
      case 1:
        tile<1>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      case 2:
        tile<2>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      case 3:
        tile<3>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      case 4:
        tile<4>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      case 5:
        tile<5>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      default:
        tile<6>(a, i0 + r, w, j0 + j, width, out, ldy);
        break;
      }
      if (e)
        applyLinearEpilogue(epilogueMoved(*e, r, j), out, ldy,
                            m - r < 6 ? m - r : 6, width);
    }
  }
}

void rowRangeAvx2(const float *a, int64_t K, float *min, float *max) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 8) {
    __m256 v = _mm256_maskload_ps(a + k, laneMask(K - k));
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
  }
  __m128 l =
      _mm_min_ps(_mm256_castps256_ps128(lo), _mm256_extractf128_ps(lo, 1));
  __m128 h =
      _mm_max_ps(_mm256_castps256_ps128(hi), _mm256_extractf128_ps(hi, 1));
  l = _mm_min_ps(l, _mm_movehl_ps(l, l));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  l = _mm_min_ss(l, _mm_shuffle_ps(l, l, 1));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  *min = _mm_cvtss_f32(l);
  *max = _mm_cvtss_f32(h);
}

void quantizeRow16Avx2(const float *a, int64_t K, float factor, bool divide,
                       float zp, uint16_t *q) {
  __m256 vf = _mm256_set1_ps(factor), vzp = _mm256_set1_ps(zp);
  __m256 zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255.0f);
  for (int64_t k = 0; k < K; k += 8) {
    __m256i mask = laneMask(K - k);
    __m256 v = _mm256_maskload_ps(a + k, mask);
    __m256 x = divide ? _mm256_div_ps(v, vf) : _mm256_mul_ps(v, vf);
    x = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(x, vzp), zero), top);
    __m256i i = _mm256_cvtps_epi32(x);
    // 16-bit halves of the 8 lanes in order, then as many as the row has.
    __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(i),
                                      _mm256_extracti128_si256(i, 1));
    if (K - k >= 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i *>(q + k), packed);
    } else {
      alignas(16) uint16_t lanes[8];
      _mm_store_si128(reinterpret_cast<__m128i *>(lanes), packed);
      for (int64_t t = 0; t < K - k; ++t)
        q[k + t] = lanes[t];
    }
  }
}

// ---- Weight-only
// -------------------------------------------------------------
namespace {

// The 8 weights of a panel row at columns c..c+7 as floats.
inline __m256 int8Weights(const uint8_t *row) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
      _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row))));
}

// M rows x V vectors of 8 columns starting at column c of the panel: each
// group's dot products accumulate in `part`, then y (+)= part * scale, so
// that all 16 registers can go to wide strips (the weights stream from
// memory, and a strip reads whole cache lines of the panel's rows). 4-bit
// weights multiply as their unsigned nibbles u = q + 8, and each group
// subtracts 8 * (the sum of its activations) instead: AVX2 has no vpermps
// over 16 entries, and this leaves 5 instructions per 16 weights.
template <int M, int V, bool Int4>
void gemvColumns(const WeightOnly &w, const uint8_t *panel, int c,
                 const float *A, int64_t lda, int64_t acs, int64_t j0,
                 int64_t n, float *y, int64_t ldy) {
  __m256i mask[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v)
    mask[v] = laneMask(n - c - 8 * v);
  const __m256i low = _mm256_set1_epi32(15);
  for (int64_t g0 = 0; g0 < w.K; g0 += w.groupSize) {
    __m256 part[M][V];
    float sum[M];
#pragma GCC unroll 4
    for (int m = 0; m < M; ++m) {
      sum[m] = 0.0f;
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v)
        part[m][v] = _mm256_setzero_ps();
    }
    int64_t k = g0, end = g0 + w.groupSize;
    for (; k + 1 < end; k += 2) {
      const uint8_t *row = panel + (Int4 ? k / 2 : k) * wPanel + c;
      float a0[M], a1[M];
#pragma GCC unroll 4
      for (int m = 0; m < M; ++m) {
        a0[m] = A[m * lda + k * acs];
        a1[m] = A[m * lda + (k + 1) * acs];
        if (Int4)
          sum[m] += a0[m] + a1[m];
      }
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        __m256 even, odd;
        if (Int4) {
          __m256i u = _mm256_cvtepu8_epi32(
              _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row + 8 * v)));
          even = _mm256_cvtepi32_ps(_mm256_and_si256(u, low));
          odd = _mm256_cvtepi32_ps(_mm256_srli_epi32(u, 4));
        } else {
          even = int8Weights(row + 8 * v);
          odd = int8Weights(row + wPanel + 8 * v);
        }
#pragma GCC unroll 4
        for (int m = 0; m < M; ++m) {
          part[m][v] = _mm256_fmadd_ps(_mm256_set1_ps(a0[m]), even, part[m][v]);
          part[m][v] = _mm256_fmadd_ps(_mm256_set1_ps(a1[m]), odd, part[m][v]);
        }
      }
    }
    if (k < end) // an odd group size (8-bit only)
#pragma GCC unroll 4
      for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          part[m][v] = _mm256_fmadd_ps(
              _mm256_set1_ps(A[m * lda + k * acs]),
              int8Weights(panel + k * wPanel + c + 8 * v), part[m][v]);
    const float *scale = w.scale + g0 / w.groupSize * w.ldScale + j0 + c;
#pragma GCC unroll 4
    for (int m = 0; m < M; ++m)
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) {
        __m256 p = part[m][v];
        if (Int4)
          p = _mm256_sub_ps(p, _mm256_set1_ps(8.0f * sum[m]));
        float *out = y + m * ldy + c + 8 * v;
        int64_t left = n - c - 8 * v;
        __m256 prev = g0 ? loadLanes(out, left, mask[v]) : _mm256_setzero_ps();
        storeLanes(out, left, mask[v],
                   _mm256_fmadd_ps(p, _mm256_loadu_ps(scale + 8 * v), prev));
      }
  }
}

// One panel (wPanel = 64 columns) in strips of 64, 32 or 16 columns by row
// count (register pressure: M x V accumulators; measured on a Zen 2).
template <int M, bool Int4>
void gemvPanel(const WeightOnly &w, const float *A, int64_t lda, int64_t acs,
               int64_t j0, int64_t n, float *y, int64_t ldy) {
  // 4-bit unpacking takes registers of its own.
  constexpr int V = Int4 ? (M == 1 ? 4 : 2) : M == 1 ? 8 : M == 2 ? 4 : 2;
  const uint8_t *panel =
      w.packed + j0 / wPanel * (Int4 ? w.K / 2 : w.K) * wPanel;
  for (int c = 0; c < n; c += 8 * V)
    gemvColumns<M, V, Int4>(w, panel, c, A, lda, acs, j0, n, y, ldy);
}

template <bool Int4>
void gemv(const WeightOnly &w, int m, const float *A, int64_t lda, int64_t acs,
          int64_t j0, int64_t n, float *y, int64_t ldy) {
  for (int64_t j = 0; j < n; j += wPanel) {
    int64_t width = n - j < wPanel ? n - j : wPanel;
    switch (m) {
    case 1:
      gemvPanel<1, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy);
      break;
    case 2:
      gemvPanel<2, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy);
      break;
    case 3:
      gemvPanel<3, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy);
      break;
    default:
      gemvPanel<4, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy);
      break;
    }
  }
}

} // namespace

void weightOnlyGemvAvx2(const WeightOnly &w, int m, const float *A, int64_t lda,
                        int64_t acs, int64_t j0, int64_t n, float *y,
                        int64_t ldy) {
  if (w.int4)
    gemv<true>(w, m, A, lda, acs, j0, n, y, ldy);
  else
    gemv<false>(w, m, A, lda, acs, j0, n, y, ldy);
}

void weightOnlyPanelAvx2(const void *ctx, int64_t k0, int64_t kc, int64_t j0,
                         int, float *Bp) {
  const WeightOnly &w = *static_cast<const WeightOnly *>(ctx);
  int64_t depth = w.int4 ? w.K / 2 : w.K;
  const uint8_t *panel = w.packed + j0 / wPanel * depth * wPanel + j0 % wPanel;
  for (int64_t k = 0; k < kc; k += w.int4 ? 2 : 1) {
    int64_t kk = k0 + k;
    const float *scale = w.scale + kk / w.groupSize * w.ldScale + j0;
    const float *scaleOdd = w.scale + (kk + 1) / w.groupSize * w.ldScale + j0;
    for (int v = 0; v < 4; ++v) {
      __m256 s = _mm256_loadu_ps(scale + 8 * v);
      if (!w.int4) {
        _mm256_store_ps(
            Bp + k * 32 + 8 * v,
            _mm256_mul_ps(s, int8Weights(panel + kk * wPanel + 8 * v)));
        continue;
      }
      __m256i u = _mm256_cvtepu8_epi32(_mm_loadl_epi64(
          reinterpret_cast<const __m128i *>(panel + kk / 2 * wPanel + 8 * v)));
      const __m256i low = _mm256_set1_epi32(15), eight = _mm256_set1_epi32(8);
      __m256 even =
          _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(u, low), eight));
      __m256 odd =
          _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(u, 4), eight));
      _mm256_store_ps(Bp + k * 32 + 8 * v, _mm256_mul_ps(s, even));
      _mm256_store_ps(Bp + (k + 1) * 32 + 8 * v,
                      _mm256_mul_ps(_mm256_loadu_ps(scaleOdd + 8 * v), odd));
    }
  }
}

} // namespace tessera
