// The depthwise convolution's per-plane loop (see DepthwiseConv.cpp),
// included by DepthwiseConv.cpp (portable) and DepthwiseConvAvx2.cpp (compiled
// with -mavx2 -mfma): the same source, vectorized for each.
#ifndef TESSERA_RUNTIME_DEPTHWISECONV_H
#define TESSERA_RUNTIME_DEPTHWISECONV_H

#include <cstdint>

namespace tessera {

/// One channel's geometry (planes of a depthwise convolution,
/// DepthwiseConv.cpp): y[oh, ow] = bias + sum over (r, s) of w[r*KW + s]
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
/// weights stay in registers); 0 reads kh, kw, sw and dw. SW == 2 reads
/// rows split into even and odd columns (depthwiseSplitRow; the odd ones
/// `half` floats on): tap s is unit-stride from base + (s & 1) * half +
/// s / 2, no shuffles.
template <int KH, int KW, int SW, int V>
__attribute__((always_inline)) inline void
depthwiseVectors(const float *base, int64_t rowStep, int64_t dw, int64_t sw,
                 int64_t half, const float *w, int64_t kh, int64_t kw,
                 float bias, float lo, float hi, float *yr) {
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
      if (SW == 2) {
        const float *in = base + r * rowStep + (s & 1) * half + (s >> 1);
        for (int v = 0; v < V; ++v)
          acc[v] += wv * depthwiseLoad(in + 8 * v, 1);
        continue;
      }
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
  width += 16 + (width & 1);
}

/// Most taps of a depthwise kernel (more: the plain loops of
/// DepthwiseConv.cpp).
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
  int64_t rowStep = g.dh * width, sw = SW > 0 ? SW : g.sw, half = width / 2;
  // Output column ow starts at column ow * sw, or ow in split rows.
  int64_t step = SW == 2 ? 1 : sw;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    float *yr = y + oh * g.ldy;
    const float *base = padded + oh * g.sh * width;
    if (g.OW < 8) {
      float tmp[8];
      depthwiseVectors<KH, KW, SW, 1>(base, rowStep, g.dw, sw, half, w, g.KH,
                                      g.KW, bias, g.lo, g.hi, tmp);
      for (int64_t ow = 0; ow < g.OW; ++ow)
        yr[ow] = tmp[ow];
      continue;
    }
    int64_t ow = 0;
    for (; ow + 32 <= g.OW; ow += 32)
      depthwiseVectors<KH, KW, SW, 4>(base + ow * step, rowStep, g.dw, sw, half,
                                      w, g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    for (; ow + 16 <= g.OW; ow += 16)
      depthwiseVectors<KH, KW, SW, 2>(base + ow * step, rowStep, g.dw, sw, half,
                                      w, g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    for (; ow < g.OW; ow += 8) {
      if (ow + 8 > g.OW)
        ow = g.OW - 8;
      depthwiseVectors<KH, KW, SW, 1>(base + ow * step, rowStep, g.dw, sw, half,
                                      w, g.KH, g.KW, bias, g.lo, g.hi, yr + ow);
    }
  }
}

/// One plane: copied zero-padded into `padded` (a few KiB, in cache), then
/// its output rows (depthwiseRows, specialized for the common kernel
/// sizes). At most depthwiseMaxTaps taps. The specialized stride-2 kernels
/// read rows split into their even columns, then their odd ones (width / 2
/// on).
inline void depthwisePlaneImpl(const DepthwisePlane &g, const float *x,
                               const float *w, float bias, float *y,
                               float *padded) {
  int64_t rows, width;
  depthwisePaddedSize(g, rows, width);
  bool plain = g.dh == 1 && g.dw == 1;
  auto is = [&](int64_t k, int64_t stride) {
    return plain && g.KH == k && g.KW == k && g.sw == stride;
  };
  if (is(3, 2) || is(5, 2)) {
    // Padded column j = iw + padL goes to half j & 1 at j / 2: with padL =
    // 2a + p, the image's even columns 2m land in half p at a + m, its odd
    // ones in half 1 - p at a + p + m; 16 at a time through two shuffles.
    int64_t half = width / 2, a = g.padL >> 1, p = g.padL & 1;
    for (int64_t i = 0; i < rows; ++i) {
      float *row = padded + i * width;
      for (int64_t j = 0; j < width; ++j)
        row[j] = 0.0f;
      int64_t ih = i - g.padT;
      if (ih < 0 || ih >= g.H)
        continue;
      const float *src = x + ih * g.ldx;
      float *evens = row + p * half + a, *odds = row + (1 - p) * half + a + p;
      int64_t iw = 0;
      for (; iw + 16 <= g.W; iw += 16) {
        DepthwiseVec lo, hi;
        __builtin_memcpy(&lo, src + iw, sizeof lo);
        __builtin_memcpy(&hi, src + iw + 8, sizeof hi);
        DepthwiseVec e = __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12,
                                                 14),
                     o = __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13,
                                                 15);
        __builtin_memcpy(evens + iw / 2, &e, sizeof e);
        __builtin_memcpy(odds + iw / 2, &o, sizeof o);
      }
      for (; iw < g.W; ++iw) {
        int64_t j = iw + g.padL;
        row[(j & 1) * half + (j >> 1)] = src[iw];
      }
    }
    if (g.KH == 3)
      depthwiseRows<3, 3, 2>(g, padded, width, w, bias, y);
    else
      depthwiseRows<5, 5, 2>(g, padded, width, w, bias, y);
    return;
  }
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
  if (is(3, 1))
    depthwiseRows<3, 3, 1>(g, padded, width, w, bias, y);
  else if (is(5, 1))
    depthwiseRows<5, 5, 1>(g, padded, width, w, bias, y);
  else if (is(7, 1))
    depthwiseRows<7, 7, 1>(g, padded, width, w, bias, y);
  else
    depthwiseRows<0, 0, 0>(g, padded, width, w, bias, y);
}

/// Transposes the 8x8 block r[0..7] in registers (unpack, shuffle, then
/// 128-bit lane permutes on AVX2).
inline void depthwiseTranspose8(DepthwiseVec r[8]) {
  DepthwiseVec t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] =
        __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int j = 0; j < 2; ++j) {
      u[i + 2 * j] = __builtin_shufflevector(t[i + j], t[i + j + 2], 0, 1, 8, 9,
                                             4, 5, 12, 13);
      u[i + 2 * j + 1] = __builtin_shufflevector(t[i + j], t[i + j + 2], 2, 3,
                                                 10, 11, 6, 7, 14, 15);
    }
  for (int i = 0; i < 4; ++i) {
    r[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[i + 4] =
        __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/// Rows and columns of the zero-padded input that depthwiseInterleavedImpl
/// reads.
inline void depthwiseInterleavedSize(const DepthwisePlane &g, int64_t &rows,
                                     int64_t &cols) {
  rows = (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  cols = (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1;
}

/// One output row of 8 channels from the interleaved padded input `in`
/// (positions of 8 channels, `cols` per row): 4 positions per step, the
/// weights `w` (taps x 8 channels) in registers for fixed KH, KW.
template <int KH, int KW>
void depthwiseInterleavedRow(const DepthwisePlane &g, const float *in,
                             int64_t cols, const float *w, DepthwiseVec bias,
                             DepthwiseVec lo, DepthwiseVec hi, float *out) {
  int64_t kh = KH > 0 ? KH : g.KH, kw = KW > 0 ? KW : g.KW;
  int64_t dh = KH > 0 ? 1 : g.dh, dw = KH > 0 ? 1 : g.dw, sw = g.sw;
  auto tap = [&](int64_t r, int64_t s) {
    DepthwiseVec v;
    __builtin_memcpy(&v, w + 8 * (r * kw + s), sizeof v);
    return v;
  };
  auto at = [&](int64_t r, int64_t col) {
    DepthwiseVec v;
    __builtin_memcpy(&v, in + 8 * (r * dh * cols + col), sizeof v);
    return v;
  };
  auto finish = [&](DepthwiseVec a, float *o) {
    a = a < lo ? lo : a;
    a = a > hi ? hi : a;
    __builtin_memcpy(o, &a, sizeof a);
  };
  int64_t ow = 0;
  for (; ow + 4 <= g.OW; ow += 4) {
    DepthwiseVec acc[4] = {bias, bias, bias, bias};
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s) {
        DepthwiseVec wv = tap(r, s);
        for (int u = 0; u < 4; ++u)
          acc[u] += wv * at(r, (ow + u) * sw + s * dw);
      }
    for (int u = 0; u < 4; ++u)
      finish(acc[u], out + 8 * (ow + u));
  }
  for (; ow < g.OW; ++ow) {
    DepthwiseVec acc = bias;
    for (int64_t r = 0; r < kh; ++r)
      for (int64_t s = 0; s < kw; ++s)
        acc += tap(r, s) * at(r, ow * sw + s * dw);
    finish(acc, out + 8 * ow);
  }
}

/// 8 channels at once, one per vector lane, for planes too narrow for
/// depthwisePlaneImpl's row vectors: channel k's plane at x + k * ldcx
/// (rows g.ldx == g.W apart, contiguous), its output at y + k * ldcy (rows
/// g.ldy == g.OW apart). The planes are transposed into a zero-padded
/// interleaved copy in `scratch` (rows x cols positions of 8 channels, then
/// one output row), every output position is taps FMAs of full vectors, and
/// the output rows are transposed back. `w` is taps x 8 (tap-major), `bias`
/// 8 values.
inline void depthwiseInterleavedImpl(const DepthwisePlane &g, const float *x,
                                     int64_t ldcx, const float *w,
                                     const float *bias, float *y, int64_t ldcy,
                                     float *scratch) {
  int64_t rows, cols;
  depthwiseInterleavedSize(g, rows, cols);
  float *in = scratch, *out = scratch + rows * cols * 8;
  // The padded copy: zeros around the plane, then its positions 8 at a time
  // through 8x8 transposes (flat over the contiguous plane, so narrow rows
  // still fill whole blocks).
  for (int64_t r = 0; r < rows; ++r) {
    bool inside = r >= g.padT && r < g.padT + g.H;
    for (int64_t c = 0; c < cols; ++c)
      if (!inside || c < g.padL || c >= g.padL + g.W)
        for (int k = 0; k < 8; ++k)
          in[8 * (r * cols + c) + k] = 0.0f;
  }
  int64_t n = g.H * g.W, ih = 0, iw = 0;
  auto put = [&](const float *v) {
    int64_t r = ih + g.padT, c = iw + g.padL;
    if (r < rows && c < cols)
      __builtin_memcpy(in + 8 * (r * cols + c), v, 8 * sizeof(float));
    if (++iw == g.W) {
      iw = 0;
      ++ih;
    }
  };
  int64_t p = 0;
  for (; p + 8 <= n; p += 8) {
    DepthwiseVec v[8];
    for (int k = 0; k < 8; ++k)
      __builtin_memcpy(&v[k], x + k * ldcx + p, sizeof v[k]);
    depthwiseTranspose8(v);
    for (int j = 0; j < 8; ++j)
      put((const float *)&v[j]);
  }
  for (; p < n; ++p) {
    float v[8];
    for (int k = 0; k < 8; ++k)
      v[k] = x[k * ldcx + p];
    put(v);
  }
  DepthwiseVec b, lo, hi;
  __builtin_memcpy(&b, bias, sizeof b);
  lo = g.lo - (DepthwiseVec){};
  hi = g.hi - (DepthwiseVec){};
  bool plain = g.dh == 1 && g.dw == 1;
  // Output positions flat over the plane (OH * OW), 8 per transpose; `flat`
  // counts those already stored.
  int64_t m = g.OH * g.OW, flat = 0;
  float *pending = out;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float *base = in + 8 * oh * g.sh * cols;
    float *row = out + 8 * (oh * g.OW - flat);
    if (plain && g.KH == 3 && g.KW == 3)
      depthwiseInterleavedRow<3, 3>(g, base, cols, w, b, lo, hi, row);
    else if (plain && g.KH == 5 && g.KW == 5)
      depthwiseInterleavedRow<5, 5>(g, base, cols, w, b, lo, hi, row);
    else
      depthwiseInterleavedRow<0, 0>(g, base, cols, w, b, lo, hi, row);
    int64_t ready = (oh + 1) * g.OW;
    for (; flat + 8 <= ready; flat += 8) {
      DepthwiseVec v[8];
      for (int j = 0; j < 8; ++j)
        __builtin_memcpy(&v[j], pending + 8 * j, sizeof v[j]);
      depthwiseTranspose8(v);
      for (int k = 0; k < 8; ++k)
        __builtin_memcpy(y + k * ldcy + flat, &v[k], sizeof v[k]);
      pending += 64;
    }
    // Positions not yet stored move to the front of the buffer.
    for (int64_t i = 0; i < 8 * (ready - flat); ++i)
      out[i] = pending[i];
    pending = out;
  }
  for (; flat < m; ++flat, pending += 8)
    for (int k = 0; k < 8; ++k)
      y[k * ldcy + flat] = pending[k];
}

} // namespace

/// The AVX2 + FMA build of depthwisePlaneImpl (DepthwiseConvAvx2.cpp).
void depthwisePlaneAvx2(const DepthwisePlane &g, const float *x, const float *w,
                        float bias, float *y, float *padded);
/// depthwiseInterleavedImpl's scheme 16 channels at a time with AVX-512
/// (DepthwiseConvAvx512.cpp): `w` is taps x 16, `bias` 16 values, and
/// `scratch` holds 16 * (rows * cols + OH * OW) floats.
void depthwiseInterleaved16Avx512(const DepthwisePlane &g, const float *x,
                                  int64_t ldcx, const float *w,
                                  const float *bias, float *y, int64_t ldcy,
                                  float *scratch);
/// The AVX2 + FMA build of depthwiseInterleavedImpl.
void depthwiseInterleavedAvx2(const DepthwisePlane &g, const float *x,
                              int64_t ldcx, const float *w, const float *bias,
                              float *y, int64_t ldcy, float *scratch);

} // namespace tessera

#endif
