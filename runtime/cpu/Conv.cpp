// f32 convolutions without an im2col matrix. One group (tessera_conv2d_f32),
// per image: where the GEMM is the AVX2 one, the direct kernel of
// ConvAvx2.cpp (positions x 16 channels, on the image copied zero-padded
// once); otherwise the packed GEMM with the weight as A (packed once when
// constant) and B's panels packed straight from the image (padding read as
// zeros), a 1x1 conv of stride 1 as a plain GEMM on the image, or small maps
// with the positions as the GEMM's rows (depthwise convs: DepthwiseConv.cpp;
// the direct kernel's driver: ConvDirect.cpp; Winograd: Winograd.cpp).
// Every path adds the bias, a fused activation and ReLU/Clip as it stores.
// docs/runtime.md has the measurements.
#include "cpu/Activations.h"
#include "cpu/ChannelsLast.h"
#include "cpu/ConvCommon.h"
#include "cpu/ConvDirect.h"
#include "cpu/ConvKernels.h"
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "cpu/Winograd.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

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

// The runs are short (a few to 32 floats): plain loops, which this file's
// -fno-builtin keeps from becoming memcpy/memset calls (those calls were 8%
// of ResNet-18's time).
inline void zeroRun(float *dst, int64_t len) {
  for (int64_t t = 0; t < len; ++t)
    dst[t] = 0.0f;
}

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
  int64_t step = g.sw * g.strideW;
  int64_t c = k0 / (g.KH * g.KW), r = k0 / g.KW % g.KH, s = k0 % g.KW;
  for (int64_t k = 0; k < kc; ++k, Bp += gemmNR) {
    const float *plane = g.x + c * g.strideC;
    int64_t rowOffset = r * g.dh - g.padT, colOffset = s * g.dw - g.padL;
    for (int q = 0; q < numRuns; ++q) {
      const Run &run = runs[q];
      float *dst = Bp + run.j;
      int64_t ih = run.oh * g.sh + rowOffset;
      if (ih < 0 || ih >= g.H) {
        zeroRun(dst, run.len);
        continue;
      }
      // The run's t in [lo, hi) read iw = (ow + t)*sw + colOffset in [0, W).
      int64_t first = run.ow * g.sw + colOffset;
      int64_t lo = first >= 0 ? 0 : (-first + g.sw - 1) / g.sw;
      int64_t hi = first >= g.W ? 0 : (g.W - 1 - first) / g.sw + 1;
      lo = std::min<int64_t>(lo, run.len);
      hi = std::max(lo, std::min<int64_t>(hi, run.len));
      zeroRun(dst, lo);
      const float *src =
          plane + ih * g.strideH + (first + lo * g.sw) * g.strideW;
      float *out = dst + lo;
      if (step == 1)
        for (int64_t t = 0; t < hi - lo; ++t)
          out[t] = src[t];
      else
        for (int64_t t = 0; t < hi - lo; ++t)
          out[t] = src[t * step];
      zeroRun(dst + hi, run.len - hi);
    }
    zeroRun(Bp + n, gemmNR - n);
    if (++s == g.KW) {
      s = 0;
      if (++r == g.KH) {
        r = 0;
        ++c;
      }
    }
  }
}

/// Whether a conv of `positions` outputs per image and F channels runs
/// faster with the positions as the GEMM's rows (convRows) than as its
/// columns: the GEMM computes tiles of gemmRowsPerTile() rows by blocks of
/// 16 columns, and the estimate compares the padding each form computes in
/// vain; large maps keep the usual form (their patches would not stay in
/// cache). Measured on ResNet-18 (Zen 2, AVX2 GEMM, 2 threads): its 7x7
/// layer4 GEMMs ran at 150 instead of 94 GFLOP/s, its 14x14 layer3 at 172
/// instead of 154, its 28x28 layer2 slower (154 against 182).
bool convRowsBetter(int64_t positions, int64_t F) {
  int64_t mr = gemmRowsPerTile();
  auto padded = [](int64_t extent, int64_t unit) {
    return double((extent + unit - 1) / unit * unit) / double(extent);
  };
  return positions <= 256 && padded(positions, 16) * padded(F, mr) >
                                 1.02 * padded(positions, mr) * padded(F, 16);
}

/// One image's conv with the positions as rows: patches [P, K] gathered
/// into a scratch, times the weight [F, K] read transposed (packed once when
/// constant) plus the bias (null: none) into [P, F], then stored transposed
/// into y [F, P] (row stride ldy). The gather and the transposed store run
/// on the pool: serial, they kept ResNet-18's 14x14 and 7x7 convs from
/// running any faster on two threads than on one.
void convRows(const ConvPatches &g, int64_t K, const tessera_memref2d_f32 *Wt,
              bool constantW, const float *bias, int64_t biasStride,
              const Clamp &clamp, float *y, int64_t ldy, int64_t P, int64_t F) {
  static thread_local Scratch patchScratch, outScratch;
  float *patches = patchScratch.get(P * K), *c = outScratch.get(P * F);
  parallelForRows(P, K, [&](int64_t p) {
    int64_t ih0 = p / g.OW * g.sh - g.padT, iw0 = p % g.OW * g.sw - g.padL;
    float *row = patches + p * K;
    for (int64_t ch = 0; ch < K / (g.KH * g.KW); ++ch) {
      const float *plane = g.x + ch * g.strideC;
      for (int64_t r = 0; r < g.KH; ++r, row += g.KW) {
        int64_t ih = ih0 + r * g.dh;
        if (ih < 0 || ih >= g.H) {
          zeroRun(row, g.KW);
          continue;
        }
        const float *src = plane + ih * g.strideH;
        for (int64_t s = 0, iw = iw0; s < g.KW; ++s, iw += g.dw)
          row[s] = iw >= 0 && iw < g.W ? src[iw * g.strideW] : 0.0f;
      }
    }
  });
  Epilogue epilogue = convEpilogue(bias, biasStride, /*byRows=*/false, clamp);
  gemmAccumulate(P, F, K, patches, K, 1, false, Wt->aligned + Wt->offset,
                 Wt->strides[1], Wt->strides[0], constantW, c, F, 1, &epilogue);
  parallelForRows(F, P, [&](int64_t f) {
    for (int64_t p = 0; p < P; ++p)
      y[f * ldy + p] = c[p * F + f];
  });
}

/// The output tile side of a conv that runs as Winograd F(4x4, 3x3) or
/// F(2x2, 3x3) (Winograd.h), 0 for one that does not: 3x3, stride and
/// dilation 1, channels-last images, on either direct kernel; one group, or
/// groups of at least 32 input channels, multiples of 16 in and out
/// (ResNeXt's and RegNetX's wider groups: their GEMMs over 32 or more
/// channels keep the direct kernel's tiles busy).
/// TESSERA_CONV_WINOGRAD=0 turns it off, =4 or =2 takes that tile for every
/// such conv (=1: 4).
int64_t winogradTile(const tessera_memref4d_f32 *X,
                     const tessera_memref4d_f32 *Y,
                     const tessera_memref4d_f32 *R, int64_t kh, int64_t kw,
                     int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                     int64_t groups) {
  static const int mode = [] {
    const char *env = getenv("TESSERA_CONV_WINOGRAD");
    return env ? atoi(env) : -1;
  }();
  int64_t groupC = X->sizes[1] / groups, groupF = Y->sizes[1] / groups;
  if (mode == 0 || directConvKernel() == DirectConv::None || kh != 3 ||
      kw != 3 || sh != 1 || sw != 1 || dh != 1 || dw != 1 ||
      X->strides[1] != 1 || Y->strides[1] != 1 || (R && R->strides[1] != 1) ||
      (groups > 1 && (groupC < 32 || groupC % 16 != 0 || groupF % 16 != 0)))
    return 0;
  if (mode == 1 || mode == 4)
    return 4;
  if (mode == 2)
    return 2;
  // Where it gains (2 threads; the layout bench's COLD=1, the operands
  // from memory as in a model): F(4x4) on maps of at least 49 tiles
  // (28x28), at any channel count (64 -> 128 channels at 112x112 6.0 ->
  // 2.8 ms, 256 at 56x56 10.6 -> 4.2, 512 at 28x28 10.7-13.7 -> 8.7-10.4).
  // On fewer tiles its U (36 x C x F, 4x the weight) and the transforms
  // outweigh the products: 64 channels at 14x14 99 -> 115 us, 128 -> 32
  // 126 -> 161, 512 at 14x14 3.0 -> 5.5 ms; 256 at 14x14 in a chain of 4
  // convs as in ResNet 660 -> 810 us. Thread-independent, so outputs do
  // not depend on the thread count.
  // Grouped (layout bench, DIRTY=2, 2 threads, direct -> Winograd): F(4x4)
  // for groups of 32 channels and up (2 groups of 48 at 56x56 738 -> 504
  // us, 4 of 48 at 28x28 466 -> 221, 8 of 32 at 28x28 375 -> 282); F(2x2)
  // for groups of 48 and up (9 of 48 at 14x14 255 -> 175, 21 of 48 530 ->
  // 417; RegNetX-3.2GF 21.6 -> 19.5 ms), not 32: ResNeXt-101 32x8d's 32
  // of 32 at 14x14 ran 439 -> 490 us, the model 97 -> 106 ms.
  int64_t C = X->sizes[1], N = Y->sizes[0], OH = Y->sizes[2], OW = Y->sizes[3];
  if (C < 16)
    return 0;
  if (N * ((OH + 3) / 4) * ((OW + 3) / 4) >= 49)
    return 4;
  int64_t tiles2 = N * ((OH + 1) / 2) * ((OW + 1) / 2);
  if (tiles2 >= 49 && (groups == 1 || groupC >= 48))
    return 2;
  // The AVX2 direct kernel (16 channels a tile) is slower than the AVX-512
  // one, so F(2x2) gains on smaller maps too (2 threads, a chain of 4
  // convs, direct -> F(2x2): 7x7 maps, 128 channels 104 -> 95 us, 256 441
  // -> 312, 512 1850 -> 1400; 1 thread 512 2920 -> 2210).
  return directConvKernel() == DirectConv::Avx2 && groups == 1 && C >= 128 &&
                 tiles2 >= 16
             ? 2
             : 0;
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_conv2d_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_f32 *Wt,
    tessera_memref1d_f32 *bias, tessera_memref4d_f32 *R,
    tessera_memref4d_f32 *Y, int64_t flags, int64_t kh, int64_t kw, int64_t sh,
    int64_t sw, int64_t dh, int64_t dw, int64_t padT, int64_t padL, float lo,
    float hi, int64_t constMask) {
  if (!(flags & TESSERA_CONV_RESIDUAL))
    R = nullptr;
  tessera_memref4d_f32 xv, yv, rv;
  tessera::viewChannelsFirst(flags, X, xv);
  tessera::viewChannelsFirst(flags, Y, yv);
  tessera::viewChannelsFirst(flags, R, rv);
  // A channel-first view in (a graph input), channels-last out: a 1x1 conv,
  // or one of up to 3x3 taps over 16 channels or more, copies the input
  // channels-last first for the channels-last paths below (2 threads, from
  // 112x112: 8 -> 32 channels 1x1 387 -> 99 us, 16 -> 96 1x1 1.41 -> 0.26
  // ms, 16 -> 32 3x3 322 -> 274); a stem's few channels and larger windows
  // take the channel-major padded copy (3 -> 32 3x3/2 at 224x224: 176
  // against 203 us with the copy; 64 -> 64 7x7/2 at 56x56: 853 against 899).
  tessera_memref4d_f32 xl;
  if (kh * kw == 1 || (X->sizes[1] >= 16 && kh * kw <= 9))
    tessera::channelsLastInput(X, Y, xl);
  // A 1x1 conv of stride 1 reads each position alone: a batch of
  // channels-last images whose positions are evenly spaced across the
  // images too is one image of all their positions, [1, C, 1, N*H*W], which
  // the kernels below run in one call rather than one per image, their
  // threads splitting all of them (2 threads, 3 alternating runs:
  // MobileNetV2 at batch 8 24.8 -> 22.3 ms, EfficientNet-B0 at batch 4
  // 17.5 -> 15.8, ResNet-50 at batch 4 80 -> 75). TESSERA_CONV_MERGE_IMAGES=0
  // keeps them image by image.
  static const bool mergeOn =
      tessera::envSwitch("TESSERA_CONV_MERGE_IMAGES", true);
  tessera_memref4d_f32 xm, ym, rm;
  if (mergeOn && kh == 1 && kw == 1 && sh == 1 && sw == 1 && padT == 0 &&
      padL == 0 && tessera::mergeImages(X, Y, R, xm, ym, rm)) {
    X = &xm;
    Y = &ym;
    if (R)
      R = &rm;
  }
  tessera::Clamp clamp = tessera::clampOf(flags, lo, hi);
  int64_t batch = Y->sizes[0], F = Y->sizes[1], OH = Y->sizes[2],
          OW = Y->sizes[3], K = Wt->sizes[1];
  // The weight is [F, C/G*kh*kw] for G groups.
  int64_t groups = X->sizes[1] * kh * kw / K;
  const float *b =
      flags & TESSERA_LINEAR_BIAS ? bias->aligned + bias->offset : nullptr;
  tessera::DirectConv direct = tessera::directConvKernel();
  bool byPositions = tessera::splitPositions(
      F * K, X->sizes[1] * X->sizes[2] * X->sizes[3], groups);
  if (int64_t tile =
          tessera::winogradTile(X, Y, R, kh, kw, sh, sw, dh, dw, groups)) {
    tessera::convWinograd(X, Wt, b, b ? bias->strides[0] : 0, R, Y, padT, padL,
                          clamp, constMask & 2, tile);
    return;
  }
  if (groups > 1) {
    // Grouped: the direct kernel's blocks each within one group (both
    // layouts); without it, each group as its own conv on views of its
    // channels.
    if (direct != tessera::DirectConv::None) {
      tessera::convDirect(X, Wt, b, b ? bias->strides[0] : 0, R, Y, kh, kw, sh,
                          sw, dh, dw, padT, padL, clamp, constMask & 2,
                          byPositions, groups);
      return;
    }
    int64_t groupC = X->sizes[1] / groups, groupF = F / groups;
    for (int64_t g = 0; g < groups; ++g) {
      tessera_memref4d_f32 xg = *X, yg = *Y, rg = R ? *R : *Y;
      tessera_memref2d_f32 wg = *Wt;
      tessera_memref1d_f32 bg = *bias;
      xg.sizes[1] = groupC;
      xg.offset += g * groupC * X->strides[1];
      for (tessera_memref4d_f32 *m : {&yg, &rg}) {
        m->sizes[1] = groupF;
        m->offset += g * groupF * m->strides[1];
      }
      wg.sizes[0] = groupF;
      wg.offset += g * groupF * Wt->strides[0];
      if (b)
        bg.offset += g * groupF * bias->strides[0];
      _mlir_ciface_tessera_conv2d_f32(
          &xg, &wg, &bg, R ? &rg : nullptr, &yg,
          flags & ~int64_t(TESSERA_CONV_CHANNELS_LAST), kh, kw, sh, sw, dh, dw,
          padT, padL, lo, hi, constMask);
    }
    return;
  }
  // 1x1 convs over many positions run faster as the packed GEMM (measured
  // on ResNet-50, AVX2: 127-176 against 75-146 GFLOP/s at 28x28 and 56x56),
  // unless they have few input channels (MobileNetV2's 16 to 96 at 112x112:
  // 0.39 against 0.45 ms; 24, 32 channels: 7%, 18% faster direct; 64: 13%
  // slower).
  // With AVX-512, also every 1x1 conv of stride 1 over fewer than 256
  // input channels: its GEMM reads the image in place (MobileNetV2's
  // expansions and projections ran 1.1-1.6x as long direct; 960 to 320 and
  // 320 to 1280 channels at 7x7, 1.15-1.2x faster direct).
  bool pointwiseGemm = kh == 1 && kw == 1 && sh == 1 && sw == 1 && padT == 0 &&
                       padL == 0 &&
                       ((OH * OW > 256 && K > 32) ||
                        (direct == tessera::DirectConv::Avx512 && K < 256));
  // Channels-last images take the direct kernel, 1x1 convs too except
  // projections (below): it reads the image in place, where the GEMM
  // packed it (2 threads, before the GEMM read A in place: ResNet-50's 64
  // -> 256 channels at 56x56: 376 against 419 us; ResNet-50 -2%,
  // EfficientNet-B0 -3%).
  bool channelsLast = X->strides[1] == 1 && Y->strides[1] == 1;
  // A 1x1 conv of stride 1 on channels-last images whose positions are
  // evenly spaced (each image [H*W, C]).
  auto evenRows = [](const tessera_memref4d_f32 *M) {
    return M->strides[1] == 1 &&
           (M->sizes[2] == 1 || M->strides[2] == M->sizes[3] * M->strides[3]);
  };
  bool pointwiseRows = kh == 1 && kw == 1 && sh == 1 && sw == 1 && padT == 0 &&
                       padL == 0 && OH == X->sizes[2] && OW == X->sizes[3] &&
                       evenRows(X) && evenRows(Y) && (!R || evenRows(R));
  // Channels-last 1x1 convs of stride 1 with at most half as many outputs
  // as inputs (projections) run faster as the GEMM below, positions as its
  // rows, A read in place and the weight pre-packed (2 threads, the layout
  // bench with DIRTY=2: 144 -> 24 channels at 56x56 153 -> 89 us, 192 -> 32
  // at 28x28 47 -> 30, 576 -> 96 at 14x14 72 -> 63, 256 -> 64 at 56x56 363
  // -> 300; 64 -> 32 at 56x56 equal). Expansions stay direct (24 -> 144 at
  // 56x56: 102 against 168 us), and so do square ones (equal alone, but
  // ResNeXt-101 32x8d's 1024 -> 1024 at 14x14 ran 8-10% slower in the
  // model, and the model 10%) and projections from fewer than 64 channels
  // (MobileNetV2's 32 -> 16 at 112x112 in the model: 101 against 141 us).
  // On AVX2 every one stays direct: with its 8-channel tiles for a last
  // block of 8 the direct kernel was as fast or faster (1 thread, same
  // bench: 72 -> 24 at 56x56 243 against 170 us, 144 -> 24 450 against
  // 320, 240 -> 40 at 28x28 250 against 195, 672 -> 112 at 14x14 345
  // against 336; ResNet-50's 256 -> 64 at 56x56 to 2048 -> 512 at 7x7 equal
  // within the noise).
  // TESSERA_CONV_POINTWISE_GEMM=0 keeps them all direct.
  static const bool pointwiseGemmOn =
      tessera::envSwitch("TESSERA_CONV_POINTWISE_GEMM", true);
  bool projection = pointwiseGemmOn && pointwiseRows && 2 * F <= K && K >= 64 &&
                    direct != tessera::DirectConv::Avx2;
  if (channelsLast && direct != tessera::DirectConv::None && !projection) {
    tessera::convDirect(X, Wt, b, b ? bias->strides[0] : 0, R, Y, kh, kw, sh,
                        sw, dh, dw, padT, padL, clamp, constMask & 2,
                        byPositions, 1);
    return;
  }
  // A channels-last projection, or without the direct kernel any
  // channels-last 1x1 conv of stride 1 (every image [H*W, C] with its
  // positions evenly spaced), is the GEMM with the positions as rows, Y [OH*OW,
  // F] = X [H*W, C] . W^T, the bias by columns and the residual in its
  // epilogue.
  if (pointwiseRows) {
    tessera::Epilogue epilogue = tessera::convEpilogue(
        b, b ? bias->strides[0] : 0, /*byRows=*/false, clamp);
    if (R) {
      epilogue.residualRowStride = R->strides[3];
      epilogue.residualColStride = 1;
    }
    for (int64_t n = 0; n < batch; ++n) {
      if (R)
        epilogue.residual = R->aligned + R->offset + n * R->strides[0];
      tessera::gemmAccumulate(OH * OW, F, K,
                              X->aligned + X->offset + n * X->strides[0],
                              X->strides[3], 1, false, Wt->aligned + Wt->offset,
                              Wt->strides[1], Wt->strides[0], constMask & 2,
                              Y->aligned + Y->offset + n * Y->strides[0],
                              Y->strides[3], 1, &epilogue);
    }
    return;
  }
  if (direct != tessera::DirectConv::None && !pointwiseGemm) {
    tessera::convDirect(X, Wt, b, b ? bias->strides[0] : 0, R, Y, kh, kw, sh,
                        sw, dh, dw, padT, padL, clamp, constMask & 2,
                        byPositions, 1);
    return;
  }
  // The output of one image as the GEMM's C [F, OH*OW]: in place when its
  // rows are contiguous (a fresh buffer), else through a scratch copy.
  bool flat = Y->strides[3] == 1 && Y->strides[2] == OW;
  static thread_local tessera::Scratch scratch;
  // A 1x1 conv of stride 1 without padding over rows that follow each other
  // (H*W positions one stride apart) is a plain GEMM on the image.
  bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && padT == 0 &&
                   padL == 0 && OH == X->sizes[2] && OW == X->sizes[3] &&
                   (OH == 1 || X->strides[2] == OW * X->strides[3]);
  float *tmp = flat ? nullptr : scratch.get(F * OH * OW);
  // Few positions and many channels fill the GEMM's tiles better as its
  // rows (tessera::convRows).
  bool rows = !pointwise && tessera::convRowsBetter(OH * OW, F);
  // A residual goes into the GEMM's epilogue when it and C have the same
  // dense [F, OH*OW] layout per image; otherwise it (and then the clamp) is
  // one more pass per image.
  bool residualInGemm =
      R && flat && !rows && R->strides[3] == 1 && R->strides[2] == OW;
  tessera::Clamp gemmClamp =
      R && !residualInGemm ? tessera::Clamp{false, -__builtin_inff(),
                                            __builtin_inff(), clamp.activation}
                           : clamp;
  // The GEMM writes y (no fill first): its epilogue adds the bias of each
  // output channel, a row.
  tessera::Epilogue epilogue = tessera::convEpilogue(
      b, b ? bias->strides[0] : 0, /*byRows=*/true, gemmClamp);
  if (residualInGemm) {
    epilogue.residualRowStride = R->strides[1];
    epilogue.residualColStride = 1;
  }
  for (int64_t n = 0; n < batch; ++n) {
    float *out = Y->aligned + Y->offset + n * Y->strides[0];
    float *y = flat ? out : tmp;
    int64_t ldy = flat ? Y->strides[1] : OH * OW;
    const float *x = X->aligned + X->offset + n * X->strides[0];
    if (residualInGemm)
      epilogue.residual = R->aligned + R->offset + n * R->strides[0];
    tessera::ConvPatches patches{x,
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
    if (pointwise) {
      // The patches are the image itself, [C, H*W].
      tessera::gemmAccumulate(F, OH * OW, K, Wt->aligned + Wt->offset,
                              Wt->strides[0], Wt->strides[1], constMask & 2, x,
                              X->strides[1], X->strides[3], false, y, ldy, 1,
                              &epilogue, byPositions);
    } else if (rows) {
      tessera::convRows(patches, K, Wt, constMask & 2, b,
                        b ? bias->strides[0] : 0, gemmClamp, y, ldy, OH * OW,
                        F);
    } else {
      tessera::gemmFromPanels(F, OH * OW, K, Wt->aligned + Wt->offset,
                              Wt->strides[0], Wt->strides[1], constMask & 2, y,
                              ldy, 1, {tessera::packPatches, &patches},
                              &epilogue, byPositions);
    }
    if (!flat)
      for (int64_t f = 0; f < F; ++f)
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j)
            out[f * Y->strides[1] + i * Y->strides[2] + j * Y->strides[3]] =
                tmp[f * OH * OW + i * OW + j];
    if (R && !residualInGemm) {
      const float *r = R->aligned + R->offset + n * R->strides[0];
      tessera::parallelForRows(F, OH * OW, [&](int64_t f) {
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j) {
            float &v =
                out[f * Y->strides[1] + i * Y->strides[2] + j * Y->strides[3]];
            v = tessera::clampValue(
                clamp, v + r[f * R->strides[1] + i * R->strides[2] +
                             j * R->strides[3]]);
          }
      });
    }
  }
}
