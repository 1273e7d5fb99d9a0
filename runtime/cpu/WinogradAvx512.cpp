// The AVX-512 transforms of the Winograd conv (Winograd.h), 16 channels
// per vector; the GEMMs between them (36 or 16) run on the direct conv's
// kernel as 1x1 convs. This file alone is compiled with -mavx512f -mfma.
#include "cpu/Activations.h"
#include "cpu/ConvKernels.h"
#include "cpu/EpilogueAvx512.h"
#include "cpu/GemmKernels.h"
#include "cpu/Winograd.h"

#include <immintrin.h>

namespace tessera {
namespace {

/// F(4x4, 3x3): t = B^T d for one column of the 6x6 patch:
///   t0 = 4 d0 - 5 d2 + d4        t3 = 2 (d3 - d1) + d4 - d2
///   t1 = d3 + d4 - 4 (d1 + d2)   t4 = 2 (d1 - d3) + d4 - d2
///   t2 = d4 - d3 + 4 (d1 - d2)   t5 = 4 d1 - 5 d3 + d5
inline void inputColumn4(const __m512 d[6], __m512 t[6]) {
  const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f),
               two = _mm512_set1_ps(2.0f);
  t[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  t[1] = _mm512_fnmadd_ps(four, _mm512_add_ps(d[1], d[2]),
                          _mm512_add_ps(d[3], d[4]));
  t[2] = _mm512_fmadd_ps(four, _mm512_sub_ps(d[1], d[2]),
                         _mm512_sub_ps(d[4], d[3]));
  __m512 e = _mm512_sub_ps(d[3], d[1]), g = _mm512_sub_ps(d[4], d[2]);
  t[3] = _mm512_fmadd_ps(two, e, g);
  t[4] = _mm512_fnmadd_ps(two, e, g);
  t[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

/// F(4x4, 3x3): o = A^T m for one column of the 6x6 product:
///   o0 = m0 + m1 + m2 + m3 + m4   o2 = m1 + m2 + 4 (m3 + m4)
///   o1 = m1 - m2 + 2 (m3 - m4)    o3 = m1 - m2 + 8 (m3 - m4) + m5
inline void outputColumn4(const __m512 m[6], __m512 o[4]) {
  __m512 a = _mm512_add_ps(m[1], m[2]), b = _mm512_add_ps(m[3], m[4]),
         c = _mm512_sub_ps(m[1], m[2]), d = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), b);
  o[1] = _mm512_fmadd_ps(_mm512_set1_ps(2.0f), d, c);
  o[2] = _mm512_fmadd_ps(_mm512_set1_ps(4.0f), b, a);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8.0f), d, c), m[5]);
}

/// F(2x2, 3x3): t = B^T d for one column of the 4x4 patch:
///   t0 = d0 - d2   t1 = d1 + d2   t2 = d2 - d1   t3 = d1 - d3
inline void inputColumn2(const __m512 d[4], __m512 t[4]) {
  t[0] = _mm512_sub_ps(d[0], d[2]);
  t[1] = _mm512_add_ps(d[1], d[2]);
  t[2] = _mm512_sub_ps(d[2], d[1]);
  t[3] = _mm512_sub_ps(d[1], d[3]);
}

/// F(2x2, 3x3): o = A^T m for one column of the 4x4 product:
///   o0 = m0 + m1 + m2   o1 = m1 - m2 - m3
inline void outputColumn2(const __m512 m[4], __m512 o[2]) {
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], m[1]), m[2]);
  o[1] = _mm512_sub_ps(_mm512_sub_ps(m[1], m[2]), m[3]);
}

template <int T> inline void inputColumn(const __m512 *d, __m512 *t) {
  if constexpr (T == 4)
    inputColumn4(d, t);
  else
    inputColumn2(d, t);
}

template <int T> inline void outputColumn(const __m512 *m, __m512 *o) {
  if constexpr (T == 4)
    outputColumn4(m, o);
  else
    outputColumn2(m, o);
}

inline __mmask16 tailMask(int64_t left) {
  return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}

/// V[xi][tile][channel] of `count` tiles of side T from t0, stride
/// tiles*Cp per xi; nonFinite[k] set where tile k's patch holds an Inf or
/// NaN (every V of such a patch sums to one: the sum is no finite number
/// either).
template <int T>
void inputTransform(const WinogradConv &c, int64_t t0, int64_t count, float *v,
                    uint8_t *nonFinite) {
  int64_t Cp = (c.C + 15) / 16 * 16, plane = count * Cp;
  for (int64_t k = 0; k < count; ++k) {
    constexpr int N = T + 2;
    WinogradPatch<N> q = winogradPatch<N>(c, t0 + k);
    __m512 sum = _mm512_setzero_ps();
    for (int64_t c0 = 0; c0 < Cp; c0 += 16) {
      __mmask16 mask = tailMask(c.C - c0);
      __m512 t[N][N];
      for (int s = 0; s < N; ++s) {
        __m512 d[N], col[N];
        for (int r = 0; r < N; ++r) {
          const float *src =
              q.x + (q.ih0 + r) * c.xsH + (q.iw0 + s) * c.xsW + c0;
          d[r] = q.inside || (q.rowIn[r] && q.colIn[s])
                     ? _mm512_maskz_loadu_ps(mask, src)
                     : _mm512_setzero_ps();
        }
        inputColumn<T>(d, col);
        for (int r = 0; r < N; ++r)
          t[r][s] = col[r];
      }
      float *dst = v + k * Cp + c0;
      for (int r = 0; r < N; ++r) {
        __m512 row[N];
        inputColumn<T>(t[r], row);
        for (int s = 0; s < N; ++s) {
          _mm512_store_ps(dst + (r * N + s) * plane, row[s]);
          sum = _mm512_add_ps(sum, row[s]);
        }
      }
    }
    __m512 zero = _mm512_sub_ps(sum, sum); // NaN unless the sum is finite
    nonFinite[k] = _mm512_cmp_ps_mask(zero, zero, _CMP_UNORD_Q) != 0;
  }
}

/// Channels [f0Begin, f0End) of Y of `count` tiles of side T from t0 from
/// M[xi][tile][channel]: bias, activation, residual and clamp applied, only
/// the positions inside the output stored; tiles with a non-finite patch
/// left alone.
template <int T, int Act>
void outputTransform(const WinogradConv &c, int64_t t0, int64_t count,
                     int64_t f0Begin, int64_t f0End, const float *m,
                     const uint8_t *nonFinite) {
  constexpr int N = T + 2;
  int64_t Fp = (c.F + 15) / 16 * 16, plane = count * Fp;
  const __m512 lo = _mm512_set1_ps(c.lo), hi = _mm512_set1_ps(c.hi);
  for (int64_t k = 0; k < count; ++k) {
    if (nonFinite[k])
      continue;
    WinogradOut out = winogradOut(c, t0 + k);
    int rows = out.rows, cols = out.cols;
    float *y = out.y;
    const float *r = out.r;
    for (int64_t f0 = f0Begin; f0 < f0End; f0 += 16) {
      __mmask16 mask = tailMask(c.F - f0);
      const float *src = m + k * Fp + f0;
      __m512 u[T][N];
      for (int s = 0; s < N; ++s) {
        __m512 col[N], o[T];
        for (int i = 0; i < N; ++i)
          col[i] = _mm512_load_ps(src + (i * N + s) * plane);
        outputColumn<T>(col, o);
        for (int i = 0; i < T; ++i)
          u[i][s] = o[i];
      }
      __m512 bias = _mm512_load_ps(c.bias + f0);
      for (int i = 0; i < rows; ++i) {
        __m512 o[T];
        outputColumn<T>(u[i], o);
        for (int j = 0; j < cols; ++j) {
          __m512 val = activate<Act>(_mm512_add_ps(o[j], bias));
          if (r)
            val = _mm512_add_ps(val, _mm512_maskz_loadu_ps(
                                         mask, r + i * c.rsH + j * c.rsW + f0));
          // max/min with the bound first return a NaN of val.
          if (c.clamp)
            val = _mm512_min_ps(hi, _mm512_max_ps(lo, val));
          _mm512_mask_storeu_ps(y + i * c.ysH + j * c.ysW + f0, mask, val);
        }
      }
    }
  }
}

} // namespace

void winogradTilesAvx512(const WinogradConv &c, int64_t t0, int64_t t1,
                         int64_t fb0, int64_t fb1, float *v, float *m,
                         float *sums, const float *zeros, const int64_t *taps,
                         uint8_t *nonFinite) {
  int64_t count = t1 - t0, cw = 16 * c.nv, groupC = c.C / c.groups,
          groupF = c.F / c.groups, points = winogradPoints(c.tile);
  if (c.tile == 4)
    inputTransform<4>(c, t0, count, v, nonFinite);
  else
    inputTransform<2>(c, t0, count, v, nonFinite);
  // M[xi] = V[xi] . U[xi]: a 1x1 conv over `count` positions.
  for (int64_t xi = 0; xi < points; ++xi) {
    ConvDirect d = winogradProduct(c, xi, count, v, m, zeros, taps);
    d.prefetch = prefetchWeights();
    for (int64_t fb = fb0; fb < fb1; ++fb)
      convDirectAvx512(d, c.nv, fb, 0, count, sums);
  }
  // The blocks' channels: whole vectors (groupF is a multiple of 16).
  DirectBlock first = directBlock(groupF, groupC, cw, fb0),
              last = directBlock(groupF, groupC, cw, fb1 - 1);
  int64_t f0Begin = first.f0, f0End = last.f0 + last.nf;
  dispatchActivation(c.activation, [&](auto tag) {
    constexpr int Act = decltype(tag)::value;
    if (c.tile == 4)
      outputTransform<4, Act>(c, t0, count, f0Begin, f0End, m, nonFinite);
    else
      outputTransform<2, Act>(c, t0, count, f0Begin, f0End, m, nonFinite);
  });
}

} // namespace tessera
