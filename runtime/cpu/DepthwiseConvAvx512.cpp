// The depthwise convolution's channel-interleaved path with AVX-512: 16
// channels per vector (DepthwiseConv.h's depthwiseInterleavedImpl runs 8).
// Compiled with -mavx512f -mfma; called only on CPUs that have AVX-512F.
#include "cpu/DepthwiseConv.h"
#include "cpu/TransposeAvx512.h"

#include <immintrin.h>

namespace tessera {
namespace {

/// One output row of 16 channels from the interleaved padded input `in`
/// (positions of 16 channels, `cols` per row) into `out` (positions of 16
/// channels): 4 positions per step, KH x KW fixed (weights in registers for
/// 3x3) or 0 (g's).
template <int KH, int KW>
void row16(const DepthwisePlane &g, const float *in, int64_t cols,
           const float *w, __m512 bias, __m512 lo, __m512 hi, float *out) {
  int64_t kh = KH > 0 ? KH : g.KH, kw = KW > 0 ? KW : g.KW;
  int64_t dh = KH > 0 ? 1 : g.dh, dw = KH > 0 ? 1 : g.dw, sw = g.sw;
  auto at = [&](int64_t r, int64_t col) {
    return _mm512_loadu_ps(in + 16 * (r * dh * cols + col));
  };
  // max/min with the bound first return a NaN of the sum: NaN stays.
  auto finish = [&](__m512 a, float *o) {
    _mm512_storeu_ps(o, _mm512_min_ps(hi, _mm512_max_ps(lo, a)));
  };
  int64_t ow = 0;
  for (; ow + 4 <= g.OW; ow += 4) {
    __m512 acc[4] = {bias, bias, bias, bias};
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s) {
        __m512 wv = _mm512_loadu_ps(w + 16 * (r * kw + s));
        for (int u = 0; u < 4; ++u)
          acc[u] = _mm512_fmadd_ps(wv, at(r, (ow + u) * sw + s * dw), acc[u]);
      }
    for (int u = 0; u < 4; ++u)
      finish(acc[u], out + 16 * (ow + u));
  }
  for (; ow < g.OW; ++ow) {
    __m512 acc = bias;
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(w + 16 * (r * kw + s)),
                              at(r, ow * sw + s * dw), acc);
    finish(acc, out + 16 * ow);
  }
}

} // namespace

void depthwiseInterleaved16Avx512(const DepthwisePlane &g, const float *x,
                                  int64_t ldcx, const float *w,
                                  const float *bias, float *y, int64_t ldcy,
                                  float *scratch) {
  int64_t rows, cols;
  depthwiseInterleavedSize(g, rows, cols);
  float *in = scratch, *out = scratch + 16 * rows * cols;
  // The padded copy: zeros, then the plane's positions 16 at a time through
  // 16x16 transposes (flat over the contiguous planes).
  for (int64_t i = 0; i < 16 * rows * cols; i += 16)
    _mm512_storeu_ps(in + i, _mm512_setzero_ps());
  int64_t n = g.H * g.W;
  for (int64_t p = 0; p < n; p += 16) {
    __mmask16 mask =
        n - p >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - p)) - 1);
    __m512 v[16];
    for (int k = 0; k < 16; ++k)
      v[k] = _mm512_maskz_loadu_ps(mask, x + k * ldcx + p);
    transpose16(v);
    for (int j = 0; j < 16 && p + j < n; ++j) {
      int64_t r = (p + j) / g.W + g.padT, c = (p + j) % g.W + g.padL;
      if (r < rows && c < cols)
        _mm512_storeu_ps(in + 16 * (r * cols + c), v[j]);
    }
  }
  __m512 b = _mm512_loadu_ps(bias), lo = _mm512_set1_ps(g.lo),
         hi = _mm512_set1_ps(g.hi);
  bool plain = g.dh == 1 && g.dw == 1;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float *base = in + 16 * oh * g.sh * cols;
    float *o = out + 16 * oh * g.OW;
    if (plain && g.KH == 3 && g.KW == 3)
      row16<3, 3>(g, base, cols, w, b, lo, hi, o);
    else if (plain && g.KH == 5 && g.KW == 5)
      row16<5, 5>(g, base, cols, w, b, lo, hi, o);
    else
      row16<0, 0>(g, base, cols, w, b, lo, hi, o);
  }
  // Back to 16 planes, 16 positions at a time.
  int64_t m = g.OH * g.OW;
  for (int64_t p = 0; p < m; p += 16) {
    int64_t left = m - p;
    __mmask16 mask =
        left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
    __m512 v[16];
    for (int j = 0; j < 16; ++j)
      v[j] =
          j < left ? _mm512_loadu_ps(out + 16 * (p + j)) : _mm512_setzero_ps();
    transpose16(v);
    for (int k = 0; k < 16; ++k)
      _mm512_mask_storeu_ps(y + k * ldcy + p, mask, v[k]);
  }
}

} // namespace tessera
