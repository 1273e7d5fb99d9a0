// Depthwise convolution and max pooling on channels-last images ([N, H, W,
// C] in memory, the channel stride 1): each output position is a run of C
// contiguous channels, so the kernels vectorize along the channels with no
// transposes and no padded copy; taps outside the image are skipped. The
// compiler's channels-last layout (tessera-channels-last) hands the conv
// and pool kernels such images as transposed views (Conv.cpp, Pool.cpp).
#ifndef TESSERA_RUNTIME_CHANNELSLAST_H
#define TESSERA_RUNTIME_CHANNELSLAST_H

#include "tessera_runtime.h"

#include <cstdint>
#include <type_traits>

namespace tessera {

/// A channels-last [N, H, W, C] memref as the [N, C, H, W] view of the same
/// elements (the conv and pool kernels take any strides).
inline tessera_memref4d_f32 channelsFirstView(const tessera_memref4d_f32 &m) {
  tessera_memref4d_f32 v = m;
  const int dims[4] = {0, 3, 1, 2};
  for (int i = 0; i < 4; ++i) {
    v.sizes[i] = m.sizes[dims[i]];
    v.strides[i] = m.strides[dims[i]];
  }
  return v;
}

/// With TESSERA_CONV_CHANNELS_LAST in `flags`, points `m` (unless null) at
/// its channel-first view, kept in `view` (the kernels' entry points).
inline void viewChannelsFirst(int64_t flags, tessera_memref4d_f32 *&m,
                              tessera_memref4d_f32 &view) {
  if (!(flags & TESSERA_CONV_CHANNELS_LAST) || !m)
    return;
  view = channelsFirstView(*m);
  m = &view;
}

/// The depthwise conv (tessera_depthwise_conv2d_f32) of X [N, C, H, W] into
/// Y [N, C, OH, OW], both with channel stride 1 (channels-last views): the
/// weights [kh*kw][C] and bias [C] (zeros without one) repacked, the output
/// clamped into [lo, hi]. Threads split the images' output rows in order.
void depthwiseNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                   int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                   int64_t dw, int64_t padT, int64_t padL, const float *w,
                   const float *bias, float lo, float hi);
/// The max pool (tessera_max_pool2d_f32) on such views.
void maxPoolNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                 int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                 int64_t dw, int64_t padT, int64_t padL);

/// One image's window op: output (oh, ow) reads input rows oh*sh + r*dh -
/// padT and columns ow*sw + s*dw - padL for taps (r, s) inside [H, W).
/// x[ih*xsH + iw*xsW + c], y[oh*ysH + ow*ysW + c].
struct NhwcWindow {
  int64_t C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, padT, padL;
  const float *x;
  int64_t xsH, xsW;
  float *y;
  int64_t ysH, ysW;
};

/// Output rows [oh0, oh1) of the depthwise conv: y = clamp(bias[c] + sum
/// over taps t = r*kw + s of w[t*C + c] * x) into [lo, hi] (NaN stays NaN).
/// Built per ISA (ChannelsLastAvx512.cpp, ChannelsLastAvx2.cpp, and the
/// portable copy in ChannelsLast.cpp).
void depthwiseNhwcAvx512(const NhwcWindow &g, const float *w, const float *bias,
                         float lo, float hi, int64_t oh0, int64_t oh1);
void depthwiseNhwcAvx2(const NhwcWindow &g, const float *w, const float *bias,
                       float lo, float hi, int64_t oh0, int64_t oh1);
void depthwiseNhwcPortable(const NhwcWindow &g, const float *w,
                           const float *bias, float lo, float hi, int64_t oh0,
                           int64_t oh1);
/// Output rows [oh0, oh1) of the max pool: the maximum over the taps inside
/// the image (-inf when none is), NaN when any of them is NaN.
void maxPoolNhwcAvx512(const NhwcWindow &g, int64_t oh0, int64_t oh1);
void maxPoolNhwcAvx2(const NhwcWindow &g, int64_t oh0, int64_t oh1);
void maxPoolNhwcPortable(const NhwcWindow &g, int64_t oh0, int64_t oh1);

// Internal linkage: each ISA's file keeps its own copy (DepthwiseConv.h).
namespace {

/// 16 channels (one zmm, two ymm, or four xmm registers).
typedef float NhwcVec __attribute__((vector_size(64)));

inline NhwcVec nhwcLoad(const float *p) {
  NhwcVec v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void nhwcStore(float *p, NhwcVec v) {
  __builtin_memcpy(p, &v, sizeof v);
}

inline NhwcVec nhwcSplat(float f) {
  NhwcVec v = {};
  return v + f;
}

/// max(m, x), NaN when either is.
inline NhwcVec nhwcMaxNaN(NhwcVec m, NhwcVec x) {
  return ((x > m) | (x != x)) ? x : m;
}

inline float nhwcMaxNaN(float m, float x) { return x > m || x != x ? x : m; }

/// The taps (r in [r0, r1)) of output row oh that lie inside the image.
inline void nhwcRows(const NhwcWindow &g, int64_t oh, int64_t &r0,
                     int64_t &r1) {
  r0 = 0;
  r1 = g.kh;
  int64_t first = oh * g.sh - g.padT;
  while (r0 < r1 && first + r0 * g.dh < 0)
    ++r0;
  while (r1 > r0 && first + (r1 - 1) * g.dh >= g.H)
    --r1;
}

/// The outputs [lo, hi) of a row whose every tap column lies inside [0, W)
/// (the others take the per-tap checks).
inline void nhwcInterior(const NhwcWindow &g, int64_t &lo, int64_t &hi) {
  // ow*sw - padL >= 0 and ow*sw - padL + (kw-1)*dw <= W - 1.
  lo = (g.padL + g.sw - 1) / g.sw;
  int64_t last = g.W - 1 - (g.kw - 1) * g.dw + g.padL;
  hi = last < 0 ? 0 : last / g.sw + 1;
  if (hi > g.OW)
    hi = g.OW;
  if (lo > hi)
    lo = hi;
}

/// The window op of P outputs from ow0 on (every tap column inside the
/// image unless P == 1, which checks each) for channels [c, c + 16*NB):
/// Depthwise selects the multiply-add (else the NaN-propagating max).
template <bool Depthwise, int P, int NB>
__attribute__((always_inline)) inline void
nhwcTile(const NhwcWindow &g, const float *w, const float *bias, float lo,
         float hi, int64_t oh, int64_t r0, int64_t r1, int64_t ow0, int64_t c) {
  NhwcVec acc[P][NB];
  for (int v = 0; v < NB; ++v) {
    NhwcVec init =
        Depthwise ? nhwcLoad(bias + c + 16 * v) : nhwcSplat(-__builtin_inff());
    for (int p = 0; p < P; ++p)
      acc[p][v] = init;
  }
  for (int64_t r = r0; r < r1; ++r) {
    const float *row = g.x + (oh * g.sh + r * g.dh - g.padT) * g.xsH + c;
    for (int64_t s = 0; s < g.kw; ++s) {
      int64_t col = ow0 * g.sw + s * g.dw - g.padL;
      if (P == 1 && (col < 0 || col >= g.W))
        continue;
      NhwcVec wv[NB];
      if (Depthwise)
        for (int v = 0; v < NB; ++v)
          wv[v] = nhwcLoad(w + (r * g.kw + s) * g.C + c + 16 * v);
      for (int p = 0; p < P; ++p) {
        const float *xp = row + (col + p * g.sw) * g.xsW;
        for (int v = 0; v < NB; ++v) {
          NhwcVec xv = nhwcLoad(xp + 16 * v);
          if (Depthwise)
            acc[p][v] += xv * wv[v];
          else
            acc[p][v] = nhwcMaxNaN(acc[p][v], xv);
        }
      }
    }
  }
  NhwcVec vlo = nhwcSplat(lo), vhi = nhwcSplat(hi);
  for (int p = 0; p < P; ++p)
    for (int v = 0; v < NB; ++v) {
      NhwcVec a = acc[p][v];
      if (Depthwise) {
        a = a < vlo ? vlo : a; // NaN stays
        a = a > vhi ? vhi : a;
      }
      nhwcStore(g.y + oh * g.ysH + (ow0 + p) * g.ysW + c + 16 * v, a);
    }
}

/// Channels [c0, C) past the last whole vector, one at a time.
template <bool Depthwise>
inline void nhwcScalarChannels(const NhwcWindow &g, const float *w,
                               const float *bias, float lo, float hi,
                               int64_t oh, int64_t r0, int64_t r1, int64_t c0) {
  for (int64_t ow = 0; ow < g.OW; ++ow)
    for (int64_t c = c0; c < g.C; ++c) {
      float acc = Depthwise ? bias[c] : -__builtin_inff();
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t s = 0; s < g.kw; ++s) {
          int64_t ih = oh * g.sh + r * g.dh - g.padT,
                  iw = ow * g.sw + s * g.dw - g.padL;
          if (iw < 0 || iw >= g.W)
            continue;
          float xv = g.x[ih * g.xsH + iw * g.xsW + c];
          if (Depthwise)
            acc += xv * w[(r * g.kw + s) * g.C + c];
          else
            acc = nhwcMaxNaN(acc, xv);
        }
      if (Depthwise) {
        acc = acc < lo ? lo : acc;
        acc = acc > hi ? hi : acc;
      }
      g.y[oh * g.ysH + ow * g.ysW + c] = acc;
    }
}

/// Output rows [oh0, oh1): chunks of 16*NB channels P positions at a time
/// inside, one at a time at the borders; then single vectors; then the
/// channels past the last vector.
template <bool Depthwise, int P, int NB>
void nhwcRowsImpl(const NhwcWindow &g, const float *w, const float *bias,
                  float lo, float hi, int64_t oh0, int64_t oh1) {
  int64_t in0, in1;
  nhwcInterior(g, in0, in1);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    int64_t r0, r1;
    nhwcRows(g, oh, r0, r1);
    int64_t c = 0;
    auto chunk = [&](auto nb) {
      constexpr int N = decltype(nb)::value;
      int64_t ow = 0;
      for (; ow < in0 && ow < g.OW; ++ow)
        nhwcTile<Depthwise, 1, N>(g, w, bias, lo, hi, oh, r0, r1, ow, c);
      for (; ow + P <= in1; ow += P)
        nhwcTile<Depthwise, P, N>(g, w, bias, lo, hi, oh, r0, r1, ow, c);
      for (; ow < g.OW; ++ow)
        nhwcTile<Depthwise, 1, N>(g, w, bias, lo, hi, oh, r0, r1, ow, c);
    };
    for (; c + 16 * NB <= g.C; c += 16 * NB)
      chunk(std::integral_constant<int, NB>{});
    for (; c + 16 <= g.C; c += 16)
      chunk(std::integral_constant<int, 1>{});
    if (c < g.C)
      nhwcScalarChannels<Depthwise>(g, w, bias, lo, hi, oh, r0, r1, c);
  }
}

} // namespace
} // namespace tessera

#endif
