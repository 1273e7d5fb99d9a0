// AVX-512 kernels of the quantized linear layer: the VNNI int8 GEMM
// (vpdpbusd, u8 x s8 into int32), row quantization, and the weight-only
// GEMV and panel dequantization with the weights dequantized in registers.
// This file alone is compiled with -mavx512f -mavx512bw -mavx512vnni
// -mavx512vl -mavx512dq -mfma; like GemmAvx512.cpp it includes no C++
// library headers, so no AVX-512 copy of an inline function can leak into
// code that runs on older CPUs.
#include "cpu/EpilogueAvx512.h"
#include "cpu/QGemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {


inline int32_t load32(const uint8_t *p) {
  int32_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// acc += the u8 x s8 dot products of a and b, 4 bytes per lane. In asm:
// through the intrinsic GCC 12 copied every accumulator each step of the
// micro-kernel (and spilled some), which cost a third of its speed.
inline void dpbusd(__m512i &acc, __m512i a, __m512i b) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
}

// R rows x P panels (2P zmm of 16 columns each): R*2P int32 accumulators.
// Few rows take several panels at once, so that enough independent
// vpdpbusd chains hide their latency.
// A non-null `e` (its operands at y's first element; epilogueVectorizable)
// is applied to the dequantized accumulators before they are stored.
template <int R, int P, int Act>
void vnniTile(const QRows &a, int64_t i0, const QWeights &w, int64_t j0,
              int64_t n, float *y, int64_t ldy, const Epilogue *e) {
  __m512i acc[R][2 * P];
  const uint8_t *rows[R];
  const int8_t *panels[P];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    rows[r] = a.q + (i0 + r) * a.ld;
#pragma GCC unroll 8
    for (int c = 0; c < 2 * P; ++c)
      acc[r][c] = _mm512_setzero_si512();
  }
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
    panels[p] = w.packed + (j0 / qPanel + p) * w.K4 * qPanel;
  // The panels after these (the next call's) are fetched into L2 while
  // these compute: at small M (a ViT at batch 1) the weights stream from
  // memory, and without this each panel's first pass waited on it.
  const int8_t *next = panels[0] + P * w.K4 * qPanel;
  for (int64_t k = 0; k < w.K4; k += 4) {
    __m512i b[2 * P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      b[2 * p] = _mm512_load_si512(panels[p] + k * qPanel);
      b[2 * p + 1] = _mm512_load_si512(panels[p] + k * qPanel + 64);
      _mm_prefetch(reinterpret_cast<const char *>(next + p * w.K4 * qPanel +
                                                  k * qPanel),
                   _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char *>(next + p * w.K4 * qPanel +
                                                  k * qPanel + 64),
                   _MM_HINT_T1);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      __m512i av = _mm512_set1_epi32(load32(rows[r] + k));
#pragma GCC unroll 8
      for (int c = 0; c < 2 * P; ++c)
        dpbusd(acc[r][c], av, b[c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    __m512i zp = _mm512_set1_epi32(a.zp[i0 + r]);
    __m512 s = _mm512_set1_ps(a.s[i0 + r]);
#pragma GCC unroll 8
    for (int c = 0; c < 2 * P; ++c) {
      int64_t col = j0 + 16 * c;
      __m512i d = _mm512_sub_epi32(
          acc[r][c], _mm512_mullo_epi32(zp, _mm512_loadu_si512(w.colsum + col)));
      __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(d),
                               _mm512_mul_ps(s, _mm512_loadu_ps(w.scale + col)));
      __mmask16 mask = tailMask(n - 16 * c);
      if (e)
        v = epilogueVector<Act>(*e, v, r, 16 * c, mask);
      _mm512_mask_storeu_ps(y + r * ldy + 16 * c, mask, v);
    }
  }
}

template <int P, int Act>
void vnniRows(int rows, const QRows &a, int64_t i0, const QWeights &w,
              int64_t j0, int64_t n, float *y, int64_t ldy, const Epilogue *e) {
  switch (rows) {
  case 1:
    vnniTile<1, P, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 2:
    vnniTile<2, P, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 3:
    vnniTile<3, P, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 4:
    vnniTile<4, P, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 5:
    vnniTile<5, 1, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 6:
    vnniTile<6, 1, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  case 7:
    vnniTile<7, 1, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  default:
    vnniTile<8, 1, Act>(a, i0, w, j0, n, y, ldy, e);
    break;
  }
}

template <int Act>
void qgemmVnniAct(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
                  int64_t j0, int64_t n, float *y, int64_t ldy,
                  const Epilogue *e) {
  // A panel of W (K4 x 32 bytes) stays in L1 while the row tiles pass.
  int64_t step = m <= 2 ? 4 : m <= 4 ? 2 : 1;
  for (int64_t j = 0; j < n; j += step * qPanel) {
    int64_t width = n - j < step * qPanel ? n - j : step * qPanel;
    int64_t panels = (width + qPanel - 1) / qPanel;
    for (int64_t r = 0; r < m; r += 8) {
      int rows = m - r < 8 ? int(m - r) : 8;
      float *out = y + r * ldy + j;
      Epilogue at, *tileE = nullptr;
      if (e) {
        at = epilogueMoved(*e, r, j);
        tileE = &at;
      }
      if (panels == 4)
        vnniRows<4, Act>(rows, a, i0 + r, w, j0 + j, width, out, ldy, tileE);
      else if (panels >= 2)
        vnniRows<2, Act>(rows, a, i0 + r, w, j0 + j,
                         panels == 2 ? width : 2 * qPanel, out, ldy, tileE);
      else
        vnniRows<1, Act>(rows, a, i0 + r, w, j0 + j, width, out, ldy, tileE);
      if (panels == 3) {
        if (e)
          at = epilogueMoved(*e, r, j + 2 * qPanel);
        vnniRows<1, Act>(rows, a, i0 + r, w, j0 + j + 2 * qPanel,
                         width - 2 * qPanel, out + 2 * qPanel, ldy, tileE);
      }
    }
  }
}

} // namespace

void qgemmVnni(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
               int64_t j0, int64_t n, float *y, int64_t ldy,
               const Epilogue *e) {
  if (e && !epilogueVectorizable(*e)) {
    // Strided operands: the epilogue's own pass after the block.
    qgemmVnniAct<ActNone>(a, i0, m, w, j0, n, y, ldy, nullptr);
    applyLinearEpilogue(*e, y, ldy, m, n);
    return;
  }
  dispatchActivation(e ? e->activation : ActNone, [&](auto act) {
    qgemmVnniAct<decltype(act)::value>(a, i0, m, w, j0, n, y, ldy, e);
  });
}

void rowRangeAvx512(const float *a, int64_t K, float *min, float *max) {
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; k += 16) {
    __m512 v = _mm512_maskz_loadu_ps(tailMask(K - k), a + k);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  *min = _mm512_reduce_min_ps(lo);
  *max = _mm512_reduce_max_ps(hi);
}

namespace {
/// x * factor (or x / factor), rounded half to even, plus zp, clamped to
/// [0, 255]: one row's bytes, 16 at a time.
template <bool Divide>
void quantizeRowImpl(const float *a, int64_t K, float factor, float zp,
                     uint8_t *q) {
  __m512 vf = _mm512_set1_ps(factor), vzp = _mm512_set1_ps(zp);
  __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
  for (int64_t k = 0; k < K; k += 16) {
    __mmask16 mask = tailMask(K - k);
    __m512 v = _mm512_maskz_loadu_ps(mask, a + k);
    __m512 x = Divide ? _mm512_div_ps(v, vf) : _mm512_mul_ps(v, vf);
    x = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(x, vzp), zero), top);
    _mm512_mask_cvtusepi32_storeu_epi8(q + k, mask, _mm512_cvtps_epi32(x));
  }
}
} // namespace

void quantizeRowAvx512(const float *a, int64_t K, float inv, float zp,
                       uint8_t *q) {
  quantizeRowImpl<false>(a, K, inv, zp, q);
}

void quantizeRowDivAvx512(const float *a, int64_t K, float scale, float zp,
                          uint8_t *q) {
  quantizeRowImpl<true>(a, K, scale, zp, q);
}

// ---- Weight-only -------------------------------------------------------------
namespace {

// The 16 weights of row k (8-bit) at columns c..c+15 of the panel row.
inline __m512 int8Weights(const uint8_t *row) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(row))));
}

// 4-bit: the nibbles of 16 bytes as integers (the low nibble selects the
// table entry, so vpermps maps q + 8 to the float q).
inline __m512i nibbles(const uint8_t *row) {
  return _mm512_cvtepu8_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(row)));
}

inline __m512 nibbleTable() {
  return _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6,
                        7);
}

// M rows x V vectors of 16 columns starting at column c of the panel. Each
// group's partial dot products accumulate in `part` (two sets for one row,
// over even and odd k, to have enough independent FMA chains), then
// total += part * scale.
template <int M, int V, bool Int4>
void gemvColumns(const WeightOnly &w, const uint8_t *panel, int c,
                 const float *A, int64_t lda, int64_t acs, int64_t j0,
                 int64_t n, float *y, int64_t ldy) {
  constexpr int P = M == 1 ? 2 : 1;
  __m512 total[M][V], lut = nibbleTable();
#pragma GCC unroll 4
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      total[m][v] = _mm512_setzero_ps();
  for (int64_t g0 = 0; g0 < w.K; g0 += w.groupSize) {
    __m512 part[P][M][V];
#pragma GCC unroll 4
    for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        part[0][m][v] = part[P - 1][m][v] = _mm512_setzero_ps();
    int64_t k = g0, end = g0 + w.groupSize;
    for (; k + 1 < end; k += 2) {
      __m512 even[V], odd[V];
      const uint8_t *row = panel + (Int4 ? k / 2 : k) * wPanel + c;
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        if (Int4) {
          __m512i u = nibbles(row + 16 * v);
          even[v] = _mm512_permutexvar_ps(u, lut);
          odd[v] = _mm512_permutexvar_ps(_mm512_srli_epi32(u, 4), lut);
        } else {
          even[v] = int8Weights(row + 16 * v);
          odd[v] = int8Weights(row + wPanel + 16 * v);
        }
      }
#pragma GCC unroll 4
      for (int m = 0; m < M; ++m) {
        __m512 a0 = _mm512_set1_ps(A[m * lda + k * acs]);
        __m512 a1 = _mm512_set1_ps(A[m * lda + (k + 1) * acs]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          part[0][m][v] = _mm512_fmadd_ps(a0, even[v], part[0][m][v]);
          part[P - 1][m][v] = _mm512_fmadd_ps(a1, odd[v], part[P - 1][m][v]);
        }
      }
    }
    if (k < end) // an odd group size (8-bit only)
#pragma GCC unroll 4
      for (int m = 0; m < M; ++m) {
        __m512 a0 = _mm512_set1_ps(A[m * lda + k * acs]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          part[0][m][v] = _mm512_fmadd_ps(
              a0, int8Weights(panel + k * wPanel + c + 16 * v), part[0][m][v]);
      }
    const float *scale = w.scale + g0 / w.groupSize * w.ldScale + j0 + c;
#pragma GCC unroll 4
    for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        __m512 sum = P == 2 ? _mm512_add_ps(part[0][m][v], part[1][m][v])
                            : part[0][m][v];
        total[m][v] = _mm512_fmadd_ps(
            sum, _mm512_loadu_ps(scale + 16 * v), total[m][v]);
      }
  }
#pragma GCC unroll 4
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      _mm512_mask_storeu_ps(y + m * ldy + c + 16 * v,
                            tailMask(n - c - 16 * v), total[m][v]);
}

// One panel (wPanel = 64 columns): all at once for up to 2 rows, in halves
// for 3 or 4 (register pressure).
template <int M, bool Int4>
void gemvPanel(const WeightOnly &w, const float *A, int64_t lda, int64_t acs,
               int64_t j0, int64_t n, float *y, int64_t ldy) {
  const uint8_t *panel =
      w.packed + j0 / wPanel * (Int4 ? w.K / 2 : w.K) * wPanel;
  if (M <= 2) {
    gemvColumns<M, 4, Int4>(w, panel, 0, A, lda, acs, j0, n, y, ldy);
    return;
  }
  for (int c = 0; c < n; c += 32)
    gemvColumns<M, 2, Int4>(w, panel, c, A, lda, acs, j0, n, y, ldy);
}

template <bool Int4>
void gemv(const WeightOnly &w, int m, const float *A, int64_t lda,
          int64_t acs, int64_t j0, int64_t n, float *y, int64_t ldy) {
  for (int64_t j = 0; j < n; j += wPanel) {
    int64_t width = n - j < wPanel ? n - j : wPanel;
    switch (m) {
    case 1: gemvPanel<1, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy); break;
    case 2: gemvPanel<2, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy); break;
    case 3: gemvPanel<3, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy); break;
    default: gemvPanel<4, Int4>(w, A, lda, acs, j0 + j, width, y + j, ldy); break;
    }
  }
}

} // namespace

void weightOnlyGemvAvx512(const WeightOnly &w, int m, const float *A,
                          int64_t lda, int64_t acs, int64_t j0, int64_t n,
                          float *y, int64_t ldy) {
  if (w.int4)
    gemv<true>(w, m, A, lda, acs, j0, n, y, ldy);
  else
    gemv<false>(w, m, A, lda, acs, j0, n, y, ldy);
}

void weightOnlyPanelAvx512(const void *ctx, int64_t k0, int64_t kc,
                           int64_t j0, int, float *Bp) {
  const WeightOnly &w = *static_cast<const WeightOnly *>(ctx);
  int64_t depth = w.int4 ? w.K / 2 : w.K;
  const uint8_t *panel = w.packed + j0 / wPanel * depth * wPanel + j0 % wPanel;
  __m512 lut = nibbleTable();
  for (int64_t k = 0; k < kc; k += w.int4 ? 2 : 1) {
    int64_t kk = k0 + k;
    const float *scale = w.scale + kk / w.groupSize * w.ldScale + j0;
    const float *scaleOdd = w.scale + (kk + 1) / w.groupSize * w.ldScale + j0;
    for (int v = 0; v < 2; ++v) {
      __m512 s = _mm512_loadu_ps(scale + 16 * v);
      if (!w.int4) {
        _mm512_store_ps(Bp + k * 32 + 16 * v,
                        _mm512_mul_ps(s, int8Weights(panel + kk * wPanel +
                                                     16 * v)));
        continue;
      }
      __m512i u = nibbles(panel + kk / 2 * wPanel + 16 * v);
      _mm512_store_ps(Bp + k * 32 + 16 * v,
                      _mm512_mul_ps(s, _mm512_permutexvar_ps(u, lut)));
      _mm512_store_ps(
          Bp + (k + 1) * 32 + 16 * v,
          _mm512_mul_ps(_mm512_loadu_ps(scaleOdd + 16 * v),
                        _mm512_permutexvar_ps(_mm512_srli_epi32(u, 4), lut)));
    }
  }
}

} // namespace tessera
