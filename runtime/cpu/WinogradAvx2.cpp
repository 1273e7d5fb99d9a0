// The AVX2 transforms of the Winograd conv (Winograd.h), 8 channels per
// vector; the GEMMs between them (36 or 16) run on the AVX2 direct conv's
// kernel (ConvAvx2.cpp) as 1x1 convs, U in its panels of 16 channels. The
// same formulas as WinogradAvx512.cpp, written once over an 8-lane vector.
// This file alone is compiled with -mavx2 -mfma.
#include "cpu/ActivationsAvx2.h"
#include "cpu/ConvKernels.h"
#include "cpu/SimdAvx2.h"
#include "cpu/Winograd.h"

#include <immintrin.h>

namespace tessera {
namespace {

typedef float V8 __attribute__((vector_size(32)));

/// F(4x4, 3x3): t = B^T d for one column of the 6x6 patch (and o = A^T m
/// back), Lavin and Gray's matrices as in WinogradAvx512.cpp.
inline void inputColumn4(const V8 d[6], V8 t[6]) {
  V8 e = d[3] - d[1], g = d[4] - d[2];
  t[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  t[1] = (d[3] + d[4]) - 4.0f * (d[1] + d[2]);
  t[2] = (d[4] - d[3]) + 4.0f * (d[1] - d[2]);
  t[3] = 2.0f * e + g;
  t[4] = g - 2.0f * e;
  t[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

inline void outputColumn4(const V8 m[6], V8 o[4]) {
  V8 a = m[1] + m[2], b = m[3] + m[4], c = m[1] - m[2], d = m[3] - m[4];
  o[0] = m[0] + a + b;
  o[1] = 2.0f * d + c;
  o[2] = 4.0f * b + a;
  o[3] = 8.0f * d + c + m[5];
}

/// F(2x2, 3x3).
inline void inputColumn2(const V8 d[4], V8 t[4]) {
  t[0] = d[0] - d[2];
  t[1] = d[1] + d[2];
  t[2] = d[2] - d[1];
  t[3] = d[1] - d[3];
}

inline void outputColumn2(const V8 m[4], V8 o[2]) {
  o[0] = m[0] + m[1] + m[2];
  o[1] = m[1] - m[2] - m[3];
}

template <int T> inline void inputColumn(const V8 *d, V8 *t) {
  if constexpr (T == 4)
    inputColumn4(d, t);
  else
    inputColumn2(d, t);
}

template <int T> inline void outputColumn(const V8 *m, V8 *o) {
  if constexpr (T == 4)
    outputColumn4(m, o);
  else
    outputColumn2(m, o);
}

/// The channels [c0, c0 + 8) at p, zero past `left` of them.
inline V8 loadChannels(const float *p, int64_t left) {
  return (V8)loadLanes(p, left, laneMask(left));
}

/// V[xi][tile][channel] of `count` tiles of side T from t0, stride
/// tiles*Cp per xi, zero past C; nonFinite[k] set where tile k's patch
/// holds an Inf or NaN (the sum of its V is then no finite number either).
template <int T>
void inputTransform(const WinogradConv &c, int64_t t0, int64_t count, float *v,
                    uint8_t *nonFinite) {
  int64_t Cp = (c.C + 15) / 16 * 16, plane = count * Cp;
  constexpr int N = T + 2;
  for (int64_t k = 0; k < count; ++k) {
    WinogradPatch<N> q = winogradPatch<N>(c, t0 + k);
    V8 sum = {};
    for (int64_t c0 = 0; c0 < Cp; c0 += 8) {
      int64_t left = c.C - c0;
      V8 t[N][N];
      for (int s = 0; s < N; ++s) {
        V8 d[N], col[N];
        for (int r = 0; r < N; ++r) {
          const float *src =
              q.x + (q.ih0 + r) * c.xsH + (q.iw0 + s) * c.xsW + c0;
          d[r] = left > 0 && (q.inside || (q.rowIn[r] && q.colIn[s]))
                     ? loadChannels(src, left)
                     : V8{};
        }
        inputColumn<T>(d, col);
        for (int r = 0; r < N; ++r)
          t[r][s] = col[r];
      }
      float *dst = v + k * Cp + c0;
      for (int r = 0; r < N; ++r) {
        V8 row[N];
        inputColumn<T>(t[r], row);
        for (int s = 0; s < N; ++s) {
          _mm256_store_ps(dst + (r * N + s) * plane, (__m256)row[s]);
          sum += row[s];
        }
      }
    }
    __m256 zero = _mm256_sub_ps((__m256)sum, (__m256)sum);
    nonFinite[k] =
        _mm256_movemask_ps(_mm256_cmp_ps(zero, zero, _CMP_UNORD_Q)) != 0;
  }
}

/// Channels [f0Begin, f0End) of Y of `count` tiles of side T from t0 from
/// M[xi][tile][channel]: bias, activation, residual and clamp applied, only
/// the positions inside the output and the channels below F stored; tiles
/// with a non-finite patch left alone. Activation Act (c's) inlined.
template <int T, int Act>
void outputTransform(const WinogradConv &c, int64_t t0, int64_t count,
                     int64_t f0Begin, int64_t f0End, const float *m,
                     const uint8_t *nonFinite) {
  constexpr int N = T + 2;
  int64_t Fp = (c.F + 15) / 16 * 16, plane = count * Fp;
  const __m256 lo = _mm256_set1_ps(c.lo), hi = _mm256_set1_ps(c.hi);
  for (int64_t k = 0; k < count; ++k) {
    if (nonFinite[k])
      continue;
    WinogradOut out = winogradOut(c, t0 + k);
    int rows = out.rows, cols = out.cols;
    float *y = out.y;
    const float *r = out.r;
    for (int64_t f0 = f0Begin; f0 < f0End && f0 < c.F; f0 += 8) {
      int64_t left = c.F - f0;
      __m256i mask = laneMask(left);
      const float *src = m + k * Fp + f0;
      V8 u[T][N];
      for (int s = 0; s < N; ++s) {
        V8 col[N], o[T];
        for (int i = 0; i < N; ++i)
          col[i] = (V8)_mm256_load_ps(src + (i * N + s) * plane);
        outputColumn<T>(col, o);
        for (int i = 0; i < T; ++i)
          u[i][s] = o[i];
      }
      V8 bias = (V8)_mm256_load_ps(c.bias + f0);
      for (int i = 0; i < rows; ++i) {
        V8 o[T];
        outputColumn<T>(u[i], o);
        for (int j = 0; j < cols; ++j) {
          __m256 val = (__m256)(o[j] + bias);
          val = avx2::activate<Act>(val);
          if (r)
            val = _mm256_add_ps(
                val, loadLanes(r + i * c.rsH + j * c.rsW + f0, left, mask));
          // max/min with the bound first return a NaN of val.
          if (c.clamp)
            val = _mm256_min_ps(hi, _mm256_max_ps(lo, val));
          storeLanes(y + i * c.ysH + j * c.ysW + f0, left, mask, val);
        }
      }
    }
  }
}

} // namespace

void winogradTilesAvx2(const WinogradConv &c, int64_t t0, int64_t t1,
                       int64_t fb0, int64_t fb1, float *v, float *m,
                       const float *zeros, const int64_t *taps,
                       uint8_t *nonFinite) {
  int64_t count = t1 - t0, groupC = c.C / c.groups, groupF = c.F / c.groups,
          points = winogradPoints(c.tile);
  if (c.tile == 4)
    inputTransform<4>(c, t0, count, v, nonFinite);
  else
    inputTransform<2>(c, t0, count, v, nonFinite);
  // M[xi] = V[xi] . U[xi]: a 1x1 conv over `count` positions.
  for (int64_t xi = 0; xi < points; ++xi) {
    ConvDirect d = winogradProduct(c, xi, count, v, m, zeros, taps);
    convDirectAvx2(d, fb0, fb1, 0, count);
  }
  DirectBlock first = directBlock(groupF, groupC, 16, fb0),
              last = directBlock(groupF, groupC, 16, fb1 - 1);
  dispatchActivation(c.activation, [&](auto tag) {
    constexpr int Act = decltype(tag)::value;
    if (c.tile == 4)
      outputTransform<4, Act>(c, t0, count, first.f0, last.f0 + last.nf, m,
                              nonFinite);
    else
      outputTransform<2, Act>(c, t0, count, first.f0, last.f0 + last.nf, m,
                              nonFinite);
  });
}

} // namespace tessera
