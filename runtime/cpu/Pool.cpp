// 2-D max pooling (tessera_max_pool2d_f32): per (image, channel) plane on the
// pool, one output row at a time: the maxima down the window's rows that lie
// inside the image, one vectorizable pass along each, then across the
// columns for each output over the taps inside the image. No padded copy is
// made (ResNet-18's 3x3/2 pool spent 3/4 of its 0.7 ms filling and copying
// one).
#include "cpu/ChannelsLast.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <immintrin.h>

namespace {

/// max(acc, v), NaN when either is NaN (arith.maximumf up to the sign of a
/// zero).
inline float maxNaN(float acc, float v) {
  return acc > v || acc != acc ? acc : v;
}

/// The outputs [lo, hi) of a row whose tap at input offset `first + o *
/// stride` (o an output index) lies in [0, extent).
void insideRange(int64_t first, int64_t stride, int64_t extent, int64_t outs,
                 int64_t &lo, int64_t &hi) {
  // first + o * stride >= 0  and  first + o * stride <= extent - 1.
  lo = first >= 0 ? 0 : (-first + stride - 1) / stride;
  hi = extent - 1 - first < 0 ? 0 : (extent - 1 - first) / stride + 1;
  lo = std::min(lo, outs);
  hi = std::max(lo, std::min(hi, outs));
}

/// A pooling window's geometry over one plane (rows `xRow`, `yRow` floats
/// apart, unit column strides).
struct PoolPlane {
  int64_t H, W, OH, OW, kh, kw, sh, sw, dh, dw, padT, padL, xRow, yRow;
};

/// Floats of scratch maxPoolPlaneAvx512 needs.
int64_t maxPoolScratch(const PoolPlane &g) {
  int64_t wp =
      (std::max(g.padL + g.W, g.OW * g.sw + g.kw * g.dw) + 15) / 16 * 16 + 96;
  return wp + wp;
}

/// max(acc, v) per lane, NaN where either is (vmaxps alone returns v when
/// either is NaN).
__attribute__((target("avx512f"), always_inline)) inline __m512
maxNaN16(__m512 acc, __m512 v) {
  __m512 m = _mm512_max_ps(acc, v);
  return _mm512_mask_mov_ps(m, _mm512_cmp_ps_mask(acc, acc, _CMP_UNORD_Q), acc);
}

/// One plane with AVX-512, for strides 1 and 2 (stride 2 with dilation 1):
/// per output row, the maxima down the window's rows inside the image into
/// a row with -inf margins (the pads), then for stride 2 split into its
/// even and odd columns, so that every tap of 16 outputs is one unaligned
/// load. The scalar loops took ResNet's 3x3/2 pool (64 planes of 112x112)
/// 0.8 ms on one thread, mostly per-row overhead.
__attribute__((target("avx512f"))) void maxPoolPlaneAvx512(const PoolPlane &g,
                                                           const float *x,
                                                           float *y,
                                                           float *scratch) {
  int64_t wp = maxPoolScratch(g) / 2;
  float *row = scratch, *even = scratch + wp, *odd = even + wp / 2;
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  for (int64_t j = 0; j < wp; j += 16)
    _mm512_storeu_ps(row + j, ninf);
  auto tail = [](int64_t left) {
    return left >= 16 ? __mmask16(0xffff) : __mmask16((1u << left) - 1);
  };
  float *cols = row + g.padL;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t j = 0; j < g.W; j += 16) {
      __mmask16 m = tail(g.W - j);
      __m512 v = ninf;
      for (int64_t r = 0; r < g.kh; ++r) {
        int64_t ih = oh * g.sh + r * g.dh - g.padT;
        if (ih >= 0 && ih < g.H)
          v = maxNaN16(v, _mm512_maskz_loadu_ps(m, x + ih * g.xRow + j));
      }
      _mm512_mask_storeu_ps(cols + j, m, v);
    }
    float *out = y + oh * g.yRow;
    if (g.sw == 1) {
      for (int64_t o = 0; o < g.OW; o += 16) {
        __m512 v = ninf;
        for (int64_t s = 0; s < g.kw; ++s)
          v = maxNaN16(v, _mm512_loadu_ps(row + o + s * g.dw));
        _mm512_mask_storeu_ps(out + o, tail(g.OW - o), v);
      }
      continue;
    }
    // Column 2o + s of the padded row is even[o + s/2] (s even) or
    // odd[o + s/2] (s odd).
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                            20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
    int64_t halves = g.OW + g.kw / 2;
    for (int64_t j = 0; j < halves; j += 16) {
      __m512 lo = _mm512_loadu_ps(row + 2 * j),
             hi = _mm512_loadu_ps(row + 2 * j + 16);
      _mm512_storeu_ps(even + j, _mm512_permutex2var_ps(lo, evens, hi));
      _mm512_storeu_ps(odd + j, _mm512_permutex2var_ps(lo, odds, hi));
    }
    for (int64_t o = 0; o < g.OW; o += 16) {
      __m512 v = ninf;
      for (int64_t s = 0; s < g.kw; ++s)
        v = maxNaN16(v, _mm512_loadu_ps((s & 1 ? odd : even) + o + s / 2));
      _mm512_mask_storeu_ps(out + o, tail(g.OW - o), v);
    }
  }
}

} // namespace

extern "C" void _mlir_ciface_tessera_max_pool2d_f32(
    tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y, int64_t kh, int64_t kw,
    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t padT, int64_t padL,
    int64_t flags) {
  tessera_memref4d_f32 xv, yv;
  tessera::viewChannelsFirst(flags, X, xv);
  tessera::viewChannelsFirst(flags, Y, yv);
  int64_t N = Y->sizes[0], C = Y->sizes[1], OH = Y->sizes[2], OW = Y->sizes[3],
          H = X->sizes[2], W = X->sizes[3];
  // A channel-first view in, channels-last out: the input copied
  // channels-last first.
  tessera_memref4d_f32 xLast;
  tessera::channelsLastInput(X, Y, xLast);
  const int64_t *xs = X->strides, *ys = Y->strides;
  if (xs[1] == 1 && ys[1] == 1) {
    tessera::maxPoolNhwc(X, Y, kh, kw, sh, sw, dh, dw, padT, padL);
    return;
  }
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512 && xs[3] == 1 && ys[3] == 1 && (sw == 1 || (sw == 2 && dw == 1))) {
    PoolPlane g{H, W, OH, OW, kh, kw, sh, sw, dh, dw, padT, padL, xs[2], ys[2]};
    int64_t floats = maxPoolScratch(g);
    tessera::parallelForRows(N * C, OH * OW * kh * kw, [&](int64_t plane) {
      int64_t n = plane / C, c = plane % C;
      static thread_local tessera::Scratch scratch;
      maxPoolPlaneAvx512(g, X->aligned + X->offset + n * xs[0] + c * xs[1],
                         Y->aligned + Y->offset + n * ys[0] + c * ys[1],
                         scratch.get(floats));
    });
    return;
  }
  tessera::parallelForRows(N * C, OH * OW * kh * kw, [&](int64_t plane) {
    int64_t n = plane / C, c = plane % C;
    const float *x = X->aligned + X->offset + n * xs[0] + c * xs[1];
    float *y = Y->aligned + Y->offset + n * ys[0] + c * ys[1];
    static thread_local tessera::Scratch scratch;
    float *col = scratch.get(W + OW), *acc = col + W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      // The column maxima of the window's rows inside the image (a pass
      // along each row), then the row maxima of those columns.
      std::fill(col, col + W, -INFINITY);
      for (int64_t r = 0; r < kh; ++r) {
        int64_t ih = oh * sh + r * dh - padT;
        if (ih < 0 || ih >= H)
          continue;
        const float *row = x + ih * xs[2];
        if (xs[3] == 1)
          for (int64_t j = 0; j < W; ++j)
            col[j] = maxNaN(col[j], row[j]);
        else
          for (int64_t j = 0; j < W; ++j)
            col[j] = maxNaN(col[j], row[j * xs[3]]);
      }
      std::fill(acc, acc + OW, -INFINITY);
      for (int64_t s = 0; s < kw; ++s) {
        int64_t first = s * dw - padL, lo, hi;
        insideRange(first, sw, W, OW, lo, hi);
        if (sw == 1)
          for (int64_t o = lo; o < hi; ++o)
            acc[o] = maxNaN(acc[o], col[first + o]);
        else
          for (int64_t o = lo; o < hi; ++o)
            acc[o] = maxNaN(acc[o], col[first + o * sw]);
      }
      float *out = y + oh * ys[2];
      if (ys[3] == 1)
        std::copy(acc, acc + OW, out);
      else
        for (int64_t o = 0; o < OW; ++o)
          out[o * ys[3]] = acc[o];
    }
  });
}
