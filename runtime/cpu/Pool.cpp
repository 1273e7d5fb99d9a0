// 2-D max pooling (tessera_max_pool2d_f32): per (image, channel) plane on the
// pool, one output row at a time: the maxima down the window's rows that lie
// inside the image, one vectorizable pass along each, then across the
// columns for each output over the taps inside the image. No padded copy is
// made (ResNet-18's 3x3/2 pool spent 3/4 of its 0.7 ms filling and copying
// one).
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>

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

} // namespace

extern "C" void _mlir_ciface_tessera_max_pool2d_f32(
    tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y, int64_t kh, int64_t kw,
    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t padT,
    int64_t padL) {
  int64_t N = Y->sizes[0], C = Y->sizes[1], OH = Y->sizes[2], OW = Y->sizes[3],
          H = X->sizes[2], W = X->sizes[3];
  const int64_t *xs = X->strides, *ys = Y->strides;
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
