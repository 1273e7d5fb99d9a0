// The depthwise convolution's per-plane loop (see Conv.cpp), included by
// Conv.cpp (portable) and DepthwiseConvAvx2.cpp (compiled with -mavx2
// -mfma): the same source, vectorized for each.
#ifndef TESSERA_RUNTIME_DEPTHWISECONV_H
#define TESSERA_RUNTIME_DEPTHWISECONV_H

#include <cstdint>

namespace tessera {

/// One channel's geometry (planes of a depthwise convolution, Conv.cpp):
/// y[oh, ow] = bias + sum over (r, s) of w[r*KW + s]
/// * x[oh*sh + r*dh - padT, ow*sw + s*dw - padL], x read as 0 outside
/// [H, W]. x rows are `ldx` apart with unit column stride, y rows `ldy`.
struct DepthwisePlane {
  int64_t H, W, ldx, OH, OW, ldy, KH, KW, sh, sw, dh, dw, padT, padL;
  /// The output clamped into [lo, hi] (infinite bounds: no clamp; NaN
  /// stays NaN).
  float lo, hi;
};

// Internal linkage: each including file, compiled with its own target
// flags, keeps its own copy (as inline functions the linker would pick one
// for both).
namespace {

/// 8 floats in registers (two SSE registers in the portable build).
typedef float DepthwiseVec __attribute__((vector_size(32), aligned(4)));

/// 8 inputs from xr on, sw apart.
inline DepthwiseVec depthwiseLoad(const float *xr, int64_t sw) {
  DepthwiseVec v;
  if (sw == 1) {
    __builtin_memcpy(&v, xr, sizeof v);
  } else if (sw == 2) {
    DepthwiseVec a, b;
    __builtin_memcpy(&a, xr, sizeof a);
    __builtin_memcpy(&b, xr + 8, sizeof b);
    v = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
  } else {
    for (int i = 0; i < 8; ++i)
      v[i] = xr[i * sw];
  }
  return v;
}

/// V vectors of 8 outputs from yr[0] on, each the sum over the taps (r, s)
/// of w[r*kw + s] * the input at base + r*rowStep + s*dw (8 of them, sw
/// apart), V independent FMA chains. KH, KW, SW > 0 fix the kernel size
/// and stride, with dilation 1, at compile time (the taps unroll and their
/// weights stay in registers); 0 reads kh, kw, sw and dw.
template <int KH, int KW, int SW, int V>
__attribute__((always_inline)) inline void
depthwiseVectors(const float *base, int64_t rowStep, int64_t dw, int64_t sw,
                 const float *w, int64_t kh, int64_t kw, float bias, float lo,
                 float hi, float *yr) {
  if (KH > 0) {
    kh = KH;
    kw = KW;
    sw = SW;
    dw = 1;
  }
  DepthwiseVec acc[V];
  for (int v = 0; v < V; ++v)
    acc[v] = bias - (DepthwiseVec){};
  for (int64_t r = 0; r < kh; ++r)
    for (int64_t s = 0; s < kw; ++s) {
      float wv = w[r * kw + s];
      const float *in = base + r * rowStep + s * dw;
      for (int v = 0; v < V; ++v)
        acc[v] += wv * depthwiseLoad(in + 8 * v * sw, sw);
    }
  for (int v = 0; v < V; ++v) {
    // NaN < lo and NaN > hi are false: NaN stays.
    acc[v] = acc[v] < lo ? lo - (DepthwiseVec){} : acc[v];
    acc[v] = acc[v] > hi ? hi - (DepthwiseVec){} : acc[v];
    __builtin_memcpy(yr + 8 * v, &acc[v], sizeof acc[v]);
  }
}

/// The zero-padded copy of a plane that depthwisePlaneImpl reads: rows of
/// `width` floats (every column any 8-output vector loads, and slack for
/// stride-2 loads), `rows` rows.
inline void depthwisePaddedSize(const DepthwisePlane &g, int64_t &rows,
                                int64_t &width) {
  int64_t ow = g.OW < 8 ? 8 : g.OW;
  rows = (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  if (rows < g.H + g.padT)
    rows = g.H + g.padT;
  width = (ow - 1) * g.sw + (g.KW - 1) * g.dw + 1;
  if (width < g.W + g.padL)
    width = g.W + g.padL;
  width += 16;
}

/// Most taps of a depthwise kernel (more: the plain loops of Conv.cpp).
constexpr int64_t depthwiseMaxTaps = 128;

/// The output rows of a plane from its zero-padded copy, 8 outputs at a
/// time (32, 16, then 8 with a last vector that overlaps the one before).
template <int KH, int KW, int SW>
void depthwiseRows(const DepthwisePlane &g, const float *padded, int64_t width,
                   const float *weights, float bias, float *y) {
  // A local copy: stores to y cannot alias it, so the compiler keeps the
  // weights of a fixed-size kernel in registers across the row.
  float w[depthwiseMaxTaps];
  for (int64_t t = 0; t < g.KH * g.KW; ++t)
    w[t] = weights[t];
  int64_t rowStep = g.dh * width, sw = SW > 0 ? SW : g.sw;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    float *yr = y + oh * g.ldy;
    const float *base = padded + oh * g.sh * width;
    if (g.OW < 8) {
      float tmp[8];
      depthwiseVectors<KH, KW, SW, 1>(base, rowStep, g.dw, sw, w, g.KH, g.KW,
                                      bias, g.lo, g.hi, tmp);
      for (int64_t ow = 0; ow < g.OW; ++ow)
        yr[ow] = tmp[ow];
      continue;
    }
    int64_t ow = 0;
    for (; ow + 32 <= g.OW; ow += 32)
      depthwiseVectors<KH, KW, SW, 4>(base + ow * sw, rowStep, g.dw, sw, w,
                                      g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    for (; ow + 16 <= g.OW; ow += 16)
      depthwiseVectors<KH, KW, SW, 2>(base + ow * sw, rowStep, g.dw, sw, w,
                                      g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    for (; ow < g.OW; ow += 8) {
      if (ow + 8 > g.OW)
        ow = g.OW - 8;
      depthwiseVectors<KH, KW, SW, 1>(base + ow * sw, rowStep, g.dw, sw, w,
                                      g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    }
  }
}

/// One plane: copied zero-padded into `padded` (a few KiB, in cache), then
/// its output rows (depthwiseRows, specialized for the common kernel
/// sizes). At most depthwiseMaxTaps taps.
inline void depthwisePlaneImpl(const DepthwisePlane &g, const float *x,
                               const float *w, float bias, float *y,
                               float *padded) {
  int64_t rows, width;
  depthwisePaddedSize(g, rows, width);
  for (int64_t i = 0; i < rows; ++i) {
    float *row = padded + i * width;
    int64_t ih = i - g.padT;
    if (ih < 0 || ih >= g.H) {
      for (int64_t j = 0; j < width; ++j)
        row[j] = 0.0f;
      continue;
    }
    const float *src = x + ih * g.ldx;
    for (int64_t j = 0; j < g.padL; ++j)
      row[j] = 0.0f;
    for (int64_t j = 0; j < g.W; ++j)
      row[g.padL + j] = src[j];
    for (int64_t j = g.padL + g.W; j < width; ++j)
      row[j] = 0.0f;
  }
  bool plain = g.dh == 1 && g.dw == 1;
  auto is = [&](int64_t k, int64_t stride) {
    return plain && g.KH == k && g.KW == k && g.sw == stride;
  };
  if (is(3, 1))
    depthwiseRows<3, 3, 1>(g, padded, width, w, bias, y);
  else if (is(3, 2))
    depthwiseRows<3, 3, 2>(g, padded, width, w, bias, y);
  else if (is(5, 1))
    depthwiseRows<5, 5, 1>(g, padded, width, w, bias, y);
  else if (is(5, 2))
    depthwiseRows<5, 5, 2>(g, padded, width, w, bias, y);
  else if (is(7, 1))
    depthwiseRows<7, 7, 1>(g, padded, width, w, bias, y);
  else
    depthwiseRows<0, 0, 0>(g, padded, width, w, bias, y);
}

} // namespace

/// The AVX2 + FMA build of depthwisePlaneImpl (DepthwiseConvAvx2.cpp).
void depthwisePlaneAvx2(const DepthwisePlane &g, const float *x, const float *w,
                        float bias, float *y, float *padded);

} // namespace tessera

#endif
