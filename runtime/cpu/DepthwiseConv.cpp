// The depthwise convolution (tessera_depthwise_conv2d_f32): channels-last
// images along the channels (ChannelsLast.h); channel-first ones per channel
// plane, a zero-padded copy in cache and 8-output vectors (DepthwiseConv.h),
// or small planes 8 or 16 channels at a time, one per vector lane. Every
// path adds the bias and a fused ReLU/Clip as it stores; a fused activation
// runs on the channels-last rows, or after the channel-first paths.
#include "cpu/DepthwiseConv.h"
#include "cpu/Activations.h"
#include "cpu/ChannelsLast.h"
#include "cpu/ConvCommon.h"
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>

/// Whether the depthwise kernel may take its channel-interleaved path
/// (DepthwiseConv.h); TESSERA_DEPTHWISE_INTERLEAVED=0 keeps every plane on
/// the per-plane path.
static const bool kDepthwiseInterleaved =
    tessera::envSwitch("TESSERA_DEPTHWISE_INTERLEAVED", true);

extern "C" void _mlir_ciface_tessera_depthwise_conv2d_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_f32 *Wt,
    tessera_memref1d_f32 *bias, tessera_memref4d_f32 *Y, int64_t flags,
    int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
    int64_t padT, int64_t padL, float lo, float hi, int64_t constMask) {
  tessera_memref4d_f32 xv, yv;
  tessera::viewChannelsFirst(flags, X, xv);
  tessera::viewChannelsFirst(flags, Y, yv);
  tessera::Clamp clamp = tessera::clampOf(flags, lo, hi);
  int64_t batch = Y->sizes[0], C = Y->sizes[1], OH = Y->sizes[2],
          OW = Y->sizes[3], taps = kh * kw;
  const float *b =
      flags & TESSERA_LINEAR_BIAS ? bias->aligned + bias->offset : nullptr;
  tessera::DepthwisePlane g{X->sizes[2], X->sizes[3], X->strides[2],
                            OH,          OW,          Y->strides[2],
                            kh,          kw,          sh,
                            sw,          dh,          dw,
                            padT,        padL,        clamp.lo,
                            clamp.hi};
  static const bool avx2 = tessera::avx2KernelsUsable();
  // A channel-first view in, channels-last out: the input copied
  // channels-last first.
  tessera_memref4d_f32 xLast;
  tessera::channelsLastInput(X, Y, xLast);
  if (X->strides[1] == 1 && Y->strides[1] == 1) {
    // Channels-last images (ChannelsLast.h): the weights as [tap][C] and
    // the bias (zeros without one) after them; packed once when both are
    // constant.
    const float *wt = Wt->aligned + Wt->offset;
    auto pack = [&](float *w) {
      for (int64_t c = 0; c < C; ++c) {
        for (int64_t t = 0; t < taps; ++t)
          w[t * C + c] = wt[c * Wt->strides[0] + t * Wt->strides[1]];
        w[taps * C + c] = b ? b[c * bias->strides[0]] : 0.0f;
      }
    };
    const float *w;
    if ((constMask & 2) && (!b || (constMask & 4))) {
      w = tessera::packOnce(
          {reinterpret_cast<intptr_t>(wt), reinterpret_cast<intptr_t>(b), C,
           taps, Wt->strides[0], Wt->strides[1], b ? bias->strides[0] : 0},
          size_t(taps * C + C), pack);
    } else {
      static thread_local tessera::Scratch weights;
      float *packed = weights.get(taps * C + C);
      pack(packed);
      w = packed;
    }
    tessera::depthwiseNhwc(X, Y, kh, kw, sh, sw, dh, dw, padT, padL, w,
                           w + taps * C, clamp.lo, clamp.hi, clamp.activation);
    return;
  }
  if (clamp.activation != tessera::ActNone) {
    // The channel-first paths: the conv with the bias, then the activation
    // and the clamp, a row of a plane at a time.
    // (X and Y are channel-first views already.)
    int64_t plain =
        flags & ~(TESSERA_LINEAR_ACT_MASK | TESSERA_CONV_CLAMP_MIN |
                  TESSERA_CONV_CLAMP_MAX | TESSERA_CONV_CHANNELS_LAST);
    _mlir_ciface_tessera_depthwise_conv2d_f32(X, Wt, bias, Y, plain, kh, kw, sh,
                                              sw, dh, dw, padT, padL, lo, hi,
                                              constMask);
    tessera::Epilogue e = tessera::convEpilogue(nullptr, 0, false, clamp);
    tessera::parallelForRows(batch * C, OH * OW, [&](int64_t p) {
      float *y = Y->aligned + Y->offset + p / C * Y->strides[0] +
                 p % C * Y->strides[1];
      int64_t step = Y->strides[3];
      for (int64_t i = 0; i < OH; ++i)
        tessera::applyLinearEpilogue(e, y + i * Y->strides[2], step,
                                     step == 1 ? 1 : OW, step == 1 ? OW : 1);
    });
    return;
  }
  // The fast path: unit column strides and at most depthwiseMaxTaps taps.
  bool fast = X->strides[3] == 1 && Y->strides[3] == 1 &&
              taps <= tessera::depthwiseMaxTaps;
  int64_t rows, width;
  tessera::depthwisePaddedSize(g, rows, width);
  auto plane = [&](int64_t p) {
    int64_t n = p / C, c = p % C;
    const float *x =
        X->aligned + X->offset + n * X->strides[0] + c * X->strides[1];
    float *y = Y->aligned + Y->offset + n * Y->strides[0] + c * Y->strides[1];
    const float *wt = Wt->aligned + Wt->offset + c * Wt->strides[0];
    float b0 = b ? b[c * bias->strides[0]] : 0.0f;
    if (fast) {
      // The channel's weights contiguous, and its padded plane.
      static thread_local tessera::Scratch padded;
      float w[tessera::depthwiseMaxTaps];
      for (int64_t t = 0; t < taps; ++t)
        w[t] = wt[t * Wt->strides[1]];
      float *pad = padded.get(rows * width);
      if (avx2)
        tessera::depthwisePlaneAvx2(g, x, w, b0, y, pad);
      else
        tessera::depthwisePlaneImpl(g, x, w, b0, y, pad);
      return;
    }
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float acc = b0;
        for (int64_t r = 0; r < kh; ++r)
          for (int64_t s = 0; s < kw; ++s) {
            int64_t ih = oh * sh + r * dh - padT, iw = ow * sw + s * dw - padL;
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
              acc += wt[(r * kw + s) * Wt->strides[1]] *
                     x[ih * X->strides[2] + iw * X->strides[3]];
          }
        y[oh * Y->strides[2] + ow * Y->strides[3]] =
            tessera::clampValue(clamp, acc);
      }
  };
  // Small planes go 8 channels at a time, one per vector lane
  // (depthwiseInterleavedImpl): row vectors along a narrow OW are mostly
  // overhead. It wins while its padded copy of 8 planes fits in L1 (32
  // KiB; measured at 1 thread: 7x7 planes 2.7x faster, 14x14 1.3x, 28x28 at
  // stride 1 1.1x; 56x56 inputs lose). Channels past the last full 8 take
  // the per-plane path.
  int64_t irows, icols;
  tessera::depthwiseInterleavedSize(g, irows, icols);
  bool interleaved = fast && kDepthwiseInterleaved &&
                     irows * icols * 8 * sizeof(float) <= 32 * 1024 &&
                     X->strides[2] == g.W && Y->strides[2] == OW;
  // With AVX-512, blocks of 16 channels first (one zmm per position), then
  // at most one of 8 (MobileNetV2's 14x14 and 7x7 depthwise convs ran
  // 1.6-1.9x as long as ONNX Runtime's with blocks of 8).
  static const bool avx512 = tessera::gemmUsesAvx512();
  int64_t blocks16 = interleaved && avx512 ? C / 16 : 0;
  int64_t blocks = interleaved ? (C - 16 * blocks16) / 8 : 0,
          tail = C - 16 * blocks16 - 8 * blocks;
  // Channels c0 to c0 + lanes (16 or 8) of image n, interleaved.
  auto block = [&](int64_t n, int64_t c0, int lanes) {
    const float *x =
        X->aligned + X->offset + n * X->strides[0] + c0 * X->strides[1];
    float *y = Y->aligned + Y->offset + n * Y->strides[0] + c0 * Y->strides[1];
    float w[16 * tessera::depthwiseMaxTaps], bl[16];
    for (int64_t k = 0; k < lanes; ++k) {
      const float *wt = Wt->aligned + Wt->offset + (c0 + k) * Wt->strides[0];
      for (int64_t t = 0; t < taps; ++t)
        w[lanes * t + k] = wt[t * Wt->strides[1]];
      bl[k] = b ? b[(c0 + k) * bias->strides[0]] : 0.0f;
    }
    static thread_local tessera::Scratch scratch;
    if (lanes == 16) {
      float *s = scratch.get(16 * (irows * icols + OH * OW));
      tessera::depthwiseInterleaved16Avx512(g, x, X->strides[1], w, bl, y,
                                            Y->strides[1], s);
      return;
    }
    float *s = scratch.get(8 * (irows * icols + OW + 8));
    if (avx2)
      tessera::depthwiseInterleavedAvx2(g, x, X->strides[1], w, bl, y,
                                        Y->strides[1], s);
    else
      tessera::depthwiseInterleavedImpl(g, x, X->strides[1], w, bl, y,
                                        Y->strides[1], s);
  };
  // Units of work: an image's block of 16 or 8 channels, or one plane of
  // its tail; in contiguous groups, a few per thread (small planes, 7x7,
  // are too little work for a task each).
  int64_t perImage = blocks16 + blocks + tail, units = batch * perImage;
  int64_t work = batch * C * OH * OW * taps;
  int64_t tasks = work < (1 << 16)
                      ? 1
                      : std::min<int64_t>(units, 4 * tessera::numThreads());
  auto run = [&](int64_t t) {
    for (int64_t u = t * units / tasks; u < (t + 1) * units / tasks; ++u) {
      int64_t n = u / perImage, i = u % perImage;
      if (i < blocks16)
        block(n, 16 * i, 16);
      else if (i < blocks16 + blocks)
        block(n, 16 * blocks16 + 8 * (i - blocks16), 8);
      else
        plane(n * C + 16 * blocks16 + 8 * blocks + (i - blocks16 - blocks));
    }
  };
  if (tasks == 1)
    run(0);
  else
    tessera::parallelFor(tasks, run);
}
