// The direct convolution kernel of Conv.cpp (see there): output positions
// as rows, 16 output channels as columns, the image read in place.
#ifndef TESSERA_RUNTIME_CONVKERNELS_H
#define TESSERA_RUNTIME_CONVKERNELS_H

#include <cstdint>

namespace tessera {

/// One image's conv for the direct kernel: y[f, oh, ow] = bias[f] + sum over
/// taps k of w(f, k) * x[off[k] + oh*sh*ldx + ow*sw], where x is the image
/// already padded (every tap of every output lies inside it) and off[k] =
/// c*ldc + r*dh*ldx + s*dw for k = (c, r, s).
struct ConvDirect {
  const float *x;
  int64_t ldx, sh, sw;
  int64_t OH, OW;
  int64_t K;
  const int64_t *off;
  /// Weights packed [ceil(F/16)][K][16] (zero past F), 32-byte aligned.
  const float *w;
  /// bias[0..ceil(F/16)*16) (zero past F, or all zero without a bias).
  const float *bias;
  int64_t F;
  float *y;
  int64_t ysF, ysH, ysW;
  /// Added to the output when not null (a fused residual): r[f*rsF +
  /// oh*rsH + ow*rsW].
  const float *r;
  int64_t rsF, rsH, rsW;
  /// Then the output clamped into [lo, hi] (a fused ReLU/Clip) when `clamp`.
  bool clamp;
  float lo, hi;
};

/// Output channels [16*fb, 16*fb + 16) of positions [p0, p1) (positions
/// oh*OW + ow in order), 6 at a time. Built with -mavx2 -mfma; call only on
/// CPUs with both.
void convDirectAvx2(const ConvDirect &d, int64_t fb, int64_t p0, int64_t p1);

} // namespace tessera

#endif
