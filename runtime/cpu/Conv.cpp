// f32 convolution as an implicit GEMM: y[n] (F x OH*OW) = W (F x C*KH*KW)
// times the image's patch matrix, whose panels are packed straight from the
// input (padding read as zeros) instead of from a materialized im2col
// matrix. That saves writing and re-reading the patches (9x the input for a
// 3x3 conv) and the padded copy of the input. The weight is the GEMM's A,
// packed once when constant.
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cstring>

namespace tessera {
namespace {

/// One image of the input and the conv's geometry: patch(k, p) =
/// x[c, oh*sh + r*dh - padT, ow*sw + s*dw - padL] for tap k = (c, r, s)
/// and position p = (oh, ow), zero outside the image.
struct ConvPatches {
  const float *x;
  int64_t strideC, strideH, strideW;
  int64_t H, W, KH, KW, sh, sw, dh, dw, padT, padL, OW;
};

/// Bp[k*NR + j] = patch(k0 + k, j0 + j) for j < n, zero up to NR. The
/// panel's positions are cut into runs within one output row; per tap, a
/// run reads one input row, contiguous when the stride is 1.
void packPatches(const void *ctx, int64_t k0, int64_t kc, int64_t j0, int n,
                 float *Bp) {
  const ConvPatches &g = *static_cast<const ConvPatches *>(ctx);
  struct Run {
    int j, len;
    int64_t oh, ow;
  };
  Run runs[gemmNR];
  int numRuns = 0;
  for (int j = 0; j < n;) {
    int64_t p = j0 + j, ow = p % g.OW;
    int len = (int)std::min<int64_t>(n - j, g.OW - ow);
    runs[numRuns++] = {j, len, p / g.OW, ow};
    j += len;
  }
  int64_t c = k0 / (g.KH * g.KW), r = k0 / g.KW % g.KH, s = k0 % g.KW;
  for (int64_t k = 0; k < kc; ++k, Bp += gemmNR) {
    const float *plane = g.x + c * g.strideC;
    int64_t rowOffset = r * g.dh - g.padT, colOffset = s * g.dw - g.padL;
    for (int q = 0; q < numRuns; ++q) {
      const Run &run = runs[q];
      float *dst = Bp + run.j;
      int64_t ih = run.oh * g.sh + rowOffset;
      if (ih < 0 || ih >= g.H) {
        std::fill(dst, dst + run.len, 0.0f);
        continue;
      }
      // The run's t in [lo, hi) read iw = (ow + t)*sw + colOffset in [0, W).
      int64_t first = run.ow * g.sw + colOffset;
      int64_t lo = first >= 0 ? 0 : (-first + g.sw - 1) / g.sw;
      int64_t hi = first >= g.W ? 0 : (g.W - 1 - first) / g.sw + 1;
      lo = std::min<int64_t>(lo, run.len);
      hi = std::max(lo, std::min<int64_t>(hi, run.len));
      std::fill(dst, dst + lo, 0.0f);
      const float *src =
          plane + ih * g.strideH + (first + lo * g.sw) * g.strideW;
      int64_t step = g.sw * g.strideW;
      if (step == 1)
        std::memcpy(dst + lo, src, (hi - lo) * sizeof(float));
      else
        for (int64_t t = lo; t < hi; ++t, src += step)
          dst[t] = *src;
      std::fill(dst + hi, dst + run.len, 0.0f);
    }
    std::fill(Bp + n, Bp + gemmNR, 0.0f);
    if (++s == g.KW) {
      s = 0;
      if (++r == g.KH) {
        r = 0;
        ++c;
      }
    }
  }
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_conv2d_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_f32 *Wt,
    tessera_memref1d_f32 *bias, tessera_memref4d_f32 *Y, int64_t flags,
    int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
    int64_t padT, int64_t padL, int64_t constMask) {
  int64_t batch = Y->sizes[0], F = Y->sizes[1], OH = Y->sizes[2],
          OW = Y->sizes[3], K = Wt->sizes[1];
  const float *b =
      flags & TESSERA_LINEAR_BIAS ? bias->aligned + bias->offset : nullptr;
  // The output of one image as the GEMM's C [F, OH*OW]: in place when its
  // rows are contiguous (a fresh buffer), else through a scratch copy.
  bool flat = Y->strides[3] == 1 && Y->strides[2] == OW;
  static thread_local tessera::Scratch scratch;
  float *tmp = flat ? nullptr : scratch.get(F * OH * OW);
  for (int64_t n = 0; n < batch; ++n) {
    float *out = Y->aligned + Y->offset + n * Y->strides[0];
    float *y = flat ? out : tmp;
    int64_t ldy = flat ? Y->strides[1] : OH * OW;
    // The GEMM accumulates: each output channel starts at its bias.
    for (int64_t f = 0; f < F; ++f)
      std::fill(y + f * ldy, y + f * ldy + OH * OW,
                b ? b[f * bias->strides[0]] : 0.0f);
    tessera::ConvPatches patches{X->aligned + X->offset + n * X->strides[0],
                                 X->strides[1],
                                 X->strides[2],
                                 X->strides[3],
                                 X->sizes[2],
                                 X->sizes[3],
                                 kh,
                                 kw,
                                 sh,
                                 sw,
                                 dh,
                                 dw,
                                 padT,
                                 padL,
                                 OW};
    tessera::gemmFromPanels(F, OH * OW, K, Wt->aligned + Wt->offset,
                            Wt->strides[0], Wt->strides[1], constMask & 2, y,
                            ldy, 1, {tessera::packPatches, &patches});
    if (!flat)
      for (int64_t f = 0; f < F; ++f)
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j)
            out[f * Y->strides[1] + i * Y->strides[2] + j * Y->strides[3]] =
                tmp[f * OH * OW + i * OW + j];
  }
}
