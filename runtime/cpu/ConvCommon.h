// What the conv kernels (Conv.cpp, DepthwiseConv.cpp) apply after the bias:
// the flags' activation, residual and clamp, and the GEMM epilogue that
// applies them.
#ifndef TESSERA_RUNTIME_CONVCOMMON_H
#define TESSERA_RUNTIME_CONVCOMMON_H

#include "cpu/Activations.h"
#include "tessera_runtime.h"

#include <cstdint>

namespace tessera {

/// What a conv applies after its bias (tessera_conv2d_f32's flags): the
/// activation (TESSERA_LINEAR_ACT_*), then the residual, then the clamp
/// into [lo, hi] when `on` (a fused ReLU/Clip).
struct Clamp {
  bool on;
  float lo, hi;
  int activation = ActNone;
};

inline Clamp clampOf(int64_t flags, float lo, float hi) {
  Clamp c{false, -__builtin_inff(), __builtin_inff(),
          int(flags & TESSERA_LINEAR_ACT_MASK)};
  if (flags & TESSERA_CONV_CLAMP_MIN) {
    c.on = true;
    c.lo = lo;
  }
  if (flags & TESSERA_CONV_CLAMP_MAX) {
    c.on = true;
    c.hi = hi;
  }
  return c;
}

/// The epilogue of a conv's GEMM: its bias by rows (output channels as
/// rows) or by columns (positions as rows), then the activation and the
/// clamp.
inline Epilogue convEpilogue(const float *bias, int64_t biasStride, bool byRows,
                             const Clamp &clamp) {
  Epilogue e;
  (byRows ? e.rowBias : e.bias) = bias;
  (byRows ? e.rowBiasStride : e.biasStride) = biasStride;
  e.activation = clamp.activation;
  e.clamp = clamp.on;
  e.clampMin = clamp.lo;
  e.clampMax = clamp.hi;
  return e;
}

/// NaN stays NaN (both comparisons are false).
inline float clampValue(const Clamp &c, float v) {
  v = v < c.lo ? c.lo : v;
  return v > c.hi ? c.hi : v;
}

} // namespace tessera

#endif
