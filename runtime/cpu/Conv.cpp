// f32 convolutions without an im2col matrix. One group (tessera_conv2d_f32),
// per image: where the GEMM is the AVX2 one, the direct kernel of
// ConvAvx2.cpp (positions x 16 channels, on the image copied zero-padded
// once); otherwise the packed GEMM with the weight as A (packed once when
// constant) and B's panels packed straight from the image (padding read as
// zeros), a 1x1 conv of stride 1 as a plain GEMM on the image, or small maps
// with the positions as the GEMM's rows (depthwise convs: DepthwiseConv.cpp).
// Every path adds the bias, a fused activation and ReLU/Clip as it stores.
// docs/runtime.md has the measurements.
#include "cpu/Activations.h"
#include "cpu/ChannelsLast.h"
#include "cpu/ConvCommon.h"
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

/// The tap (c*taps + t, channel c, window tap t) that the direct kernel
/// takes i-th: in order, or with `channelsInner` channel by channel within
/// each window tap (i = t*C + c).
inline int64_t directTap(int64_t i, int64_t C, int64_t taps,
                         bool channelsInner) {
  return channelsInner ? i % C * taps + i / C : i;
}

/// The weight [F, K] as the direct kernel's panels [blocks][K][cw], a
/// block the output channels of one group (groupF of them, directBlock; zero
/// past them): packed once and kept when constant (keyed like the GEMM's
/// pre-packed operands), else into a per-thread scratch. The taps in
/// directTap's order (`channelsInner` for a channels-last image:
/// consecutive taps read consecutive channels).
const float *directWeights(const tessera_memref2d_f32 *Wt, bool constant,
                           int64_t cw, int64_t taps, bool channelsInner,
                           int64_t groupF) {
  int64_t F = Wt->sizes[0], K = Wt->sizes[1];
  int64_t blocks = F / groupF * ((groupF + cw - 1) / cw);
  int64_t C = K / taps;
  const float *w = Wt->aligned + Wt->offset;
  // Block by block, on the pool when the weight is large. Each channel's
  // row is read in order: in chunks of 16 input channels x every window tap
  // (tap k = c*taps + t goes to i = t*C + c) when `channelsInner`, else of 64
  // taps, the chunk's outputs (36 KiB at 9 taps and 64 output channels)
  // written from L1. (Element by element in directTap's order, across the
  // rows, ResNet-50's first run spent 0.2 s packing.)
  auto pack = [&](float *dst) {
    auto packBlock = [&](int64_t fb) {
      DirectBlock blk = directBlock(groupF, 0, cw, fb);
      float *out = dst + fb * K * cw;
      int64_t extent = channelsInner ? C : K, chunk = channelsInner ? 16 : 64;
      for (int64_t c0 = 0; c0 < extent; c0 += chunk) {
        int64_t c1 = std::min(extent, c0 + chunk);
        for (int64_t j = 0; j < cw; ++j) {
          const float *row =
              j < blk.nf ? w + (blk.f0 + j) * Wt->strides[0] : nullptr;
          for (int64_t c = c0; c < c1; ++c) {
            if (!channelsInner) {
              out[c * cw + j] = row ? row[c * Wt->strides[1]] : 0.0f;
              continue;
            }
            for (int64_t t = 0; t < taps; ++t)
              out[(t * C + c) * cw + j] =
                  row ? row[(c * taps + t) * Wt->strides[1]] : 0.0f;
          }
        }
      }
    };
    if (blocks > 1 && blocks * K * cw >= (int64_t(1) << 18))
      parallelFor(blocks, packBlock);
    else
      for (int64_t fb = 0; fb < blocks; ++fb)
        packBlock(fb);
  };
  if (!constant) {
    static thread_local Scratch scratch;
    float *dst = scratch.get(blocks * K * cw);
    pack(dst);
    return dst;
  }
  return packOnce({reinterpret_cast<intptr_t>(w), F, K, Wt->strides[0],
                   Wt->strides[1], cw, channelsInner, groupF},
                  size_t(blocks * K * cw), pack);
}

/// The direct kernel convolutions take: the AVX-512 one where the GEMM is
/// the AVX-512 one, the AVX2 one on other CPUs with AVX2 and FMA, none
/// elsewhere. TESSERA_CONV_DIRECT=0 turns both off (tests of the other
/// paths); TESSERA_CONV_DIRECT=avx2 takes the AVX2 one on AVX-512 CPUs.
enum class DirectConv { None, Avx2, Avx512 };
DirectConv directConvKernel() {
  static const DirectConv kernel = [] {
    const char *env = getenv("TESSERA_CONV_DIRECT");
    if (env && strcmp(env, "0") == 0)
      return DirectConv::None;
    if (gemmUsesAvx512() && !(env && strcmp(env, "avx2") == 0))
      return DirectConv::Avx512;
    return avx2KernelsUsable() ? DirectConv::Avx2 : DirectConv::None;
  }();
  return kernel;
}

/// How a conv's threads share its work: by output positions (thread t a
/// stretch of every channel's positions, in order) or by output channels.
/// The two cores of our Zen 5 machines share no cache, so a kernel runs
/// fastest on data its own thread wrote: split by positions, a chain of
/// convs (MobileNet's 1x1, depthwise, 1x1) reads almost only local data
/// (the 3x3 taps' halo rows aside), while a channel split reads half of
/// every input from the other core (measured: a 576-channel 14x14
/// depthwise conv took 134 us after a 1x1 conv split by channels, 62 us on
/// its own). Splitting by positions makes every thread read all the
/// weights, so convs whose weights outweigh their input image keep the
/// channel split (ResNet's last stages). A grouped conv's channel split
/// also splits its input (each block reads its group's channels), so
/// there it costs each thread half the weights against reading about half
/// its input from the other core, and pays from weights half the input's
/// size (2 threads, the layout bench's DIRTY=2, 3x3 convs: RegNetY-800MF's
/// 784 channels of 49 groups 14x14 -> 7x7 104-112 -> 67-77 us; 512 in 32
/// groups at 14x14 141 -> 133; 208 in 26 groups at 14x14, weights 0.37 of
/// the input, 50 against 55 split by positions). TESSERA_CONV_SPLIT=
/// positions or =channels forces one (measurements).
bool splitPositions(int64_t weightElems, int64_t inputElems, int64_t groups) {
  static const int forced = [] {
    const char *env = getenv("TESSERA_CONV_SPLIT");
    if (!env)
      return 0;
    return strcmp(env, "positions") == 0  ? 1
           : strcmp(env, "channels") == 0 ? -1
                                          : 0;
  }();
  if (numThreads() < 2)
    return false;
  if (forced)
    return forced > 0;
  return (groups > 1 ? 2 * weightElems : weightElems) <= inputElems;
}

/// Whether packed grouped convs of 3-wide windows take the row tiles
/// (ConvDirect::rowReuse); TESSERA_CONV_ROWS=0 turns them off.
bool rowReuse() {
  static const bool on = [] {
    const char *env = getenv("TESSERA_CONV_ROWS");
    return !env || atoi(env) != 0;
  }();
  return on;
}

/// Vectors of 16 output channels per block of the AVX-512 direct kernel for
/// groupF channels per group: of 4, 3 and 2, the most that computes the
/// fewest channels in vain.
int directVectors(int64_t groupF) {
  int64_t vectors = (groupF + 15) / 16;
  int nv = int(std::min<int64_t>(4, vectors));
  for (int n = 3; n >= 2 && vectors > 4; --n)
    if ((vectors + n - 1) / n * n < (vectors + nv - 1) / nv * nv)
      nv = n;
  return nv;
}

/// The direct convolution (ConvKernels.h) of every image, its channels in
/// `groups` groups: each image is first copied zero-padded (unless every tap
/// already lies inside it and its columns are unit-strided), then tiles of 6
/// positions x 16 channels (AVX2) or up to 64 (AVX-512) of one group run on
/// the thread pool, channel block by channel block.
void convDirect(const tessera_memref4d_f32 *X, const tessera_memref2d_f32 *Wt,
                const float *bias, int64_t biasStride,
                const tessera_memref4d_f32 *R, tessera_memref4d_f32 *Y,
                int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                int64_t dw, int64_t padT, int64_t padL, const Clamp &clamp,
                bool constantW, bool byPositions, int64_t groups) {
  int64_t batch = Y->sizes[0], F = Y->sizes[1], OH = Y->sizes[2],
          OW = Y->sizes[3], C = X->sizes[1], H = X->sizes[2], W = X->sizes[3],
          K = Wt->sizes[1], groupF = F / groups, groupC = C / groups;
  // Channels per block: 16 for AVX2; with AVX-512 up to 4 vectors, each
  // broadcast of the image then feeding 4 multiply-adds.
  // Of 4, 3 and 2 vectors per block, the most that computes the fewest
  // channels in vain: padding costs more than the broadcasts fewer vectors
  // share (1 thread, 1x1 convs: 576 -> 96 channels at 14x14 as 2 blocks of 3
  // took 117 instead of 153 us as 2 of 4; 960 -> 160 at 7x7 as 5 of 2, 93
  // instead of 132 us as 3 of 4).
  // A grouped conv's blocks each hold channels of one group, so the group's
  // channel count sizes them (ResNeXt's and RegNet's 8 to 32).
  bool avx512 = directConvKernel() == DirectConv::Avx512;
  int64_t Hp = std::max(H + padT, (OH - 1) * sh + (kh - 1) * dh + 1);
  int64_t Wp = std::max(W + padL, (OW - 1) * sw + (kw - 1) * dw + 1);
  // Every tap inside the image: read in place through its strides.
  // Otherwise a zero-padded copy, channels-last ([Hp][Wp][C]) from a
  // channels-last image (rows copied whole), else channel-major; but the
  // row tiles below read in place whatever the padding.
  bool noPad = padT == 0 && padL == 0 && Hp == H && Wp == W;
  bool channelsLast = X->strides[1] == 1 && X->strides[3] == C;
  // Groups of up to 16 output channels (ResNeXt's first stages, RegNet):
  // blocks of 16 channels in order, several groups each, whose inputs are
  // one vector of the channels-last image spread over the groups' lanes by
  // a permute (ConvDirect::packedGroupF), rather than a block of 16 per
  // group computing mostly padding.
  bool packed = avx512 && X->strides[1] == 1 && (noPad || channelsLast) &&
                groups > 1 && groupF <= 16 && 16 % groupF == 0 &&
                groupC <= groupF && Y->strides[1] == 1 &&
                (!R || R->strides[1] == 1);
  // Their 3-wide windows of stride 1 or 2 take the row tiles, which read
  // the image in place and skip the taps in its padding themselves.
  bool rows = packed && kw == 3 && dw == 1 && (sw == 1 || sw == 2) &&
              kh * kw <= 64 && rowReuse();
  bool inPlace = rows || noPad;
  int64_t ldx = inPlace        ? X->strides[2]
                : channelsLast ? Wp * C
                               : Wp,
          ldw = inPlace        ? X->strides[3]
                : channelsLast ? C
                               : 1,
          ldc = inPlace        ? X->strides[1]
                : channelsLast ? 1
                               : Hp * Wp;
  // Tap offsets in the (padded) image, channels innermost where they are
  // contiguous (ResNet-18's 512-channel 3x3 convs at 7x7: 10% faster).
  bool channelsInner = ldc == 1;
  int nv = avx512 && !packed ? directVectors(groupF) : 1;
  // The blocks: of one group each, or with `packed` of F channels in order.
  int64_t blockGroupF = packed ? F : groupF;
  int64_t cw = 16 * nv,
          blocks = F / blockGroupF * ((blockGroupF + cw - 1) / cw);

  static thread_local Scratch biasScratch, padScratch;
  float *b16 = biasScratch.get(blocks * cw);
  for (int64_t fb = 0; fb < blocks; ++fb) {
    DirectBlock blk = directBlock(blockGroupF, 0, cw, fb);
    for (int64_t j = 0; j < cw; ++j)
      b16[fb * cw + j] =
          bias && j < blk.nf ? bias[(blk.f0 + j) * biasStride] : 0.0f;
  }
  float *padded = inPlace ? nullptr : padScratch.get(C * Hp * Wp);
  const float *w =
      directWeights(Wt, constantW, cw, kh * kw, channelsInner, blockGroupF);
  static thread_local std::vector<int64_t> off;
  off.resize(K);
  for (int64_t i = 0; i < K; ++i) {
    int64_t k = directTap(i, groupC, kh * kw, channelsInner);
    int64_t c = k / (kh * kw), r = k / kw % kh, s = k % kw;
    off[i] = c * ldc + r * dh * ldx + s * dw * ldw;
  }
  // Per output row and column, the window taps that read the image rather
  // than its padding: the AVX-512 tiles skip the taps that none of their
  // positions reads (taps channels-inner). DeepLabV3's ASPP conv of
  // dilation 12 over a 20x20 map reads the image with 36% of its taps;
  // a 3x3 conv's tiles on a border row skip a third.
  static thread_local std::vector<uint32_t> rowTaps, colTaps;
  bool liveRows = false;
  if (avx512 && (!inPlace || rows) && channelsInner && kh <= 32 && kw <= 32 &&
      kh * kw <= 64) {
    auto reads = [](std::vector<uint32_t> &taps, int64_t out, int64_t k,
                    int64_t stride, int64_t dilation, int64_t pad,
                    int64_t size) {
      taps.assign(out, 0);
      uint32_t all = k >= 32 ? ~uint32_t(0) : (uint32_t(1) << k) - 1;
      bool dead = false;
      for (int64_t o = 0; o < out; ++o) {
        for (int64_t t = 0; t < k; ++t) {
          int64_t i = o * stride - pad + t * dilation;
          if (i >= 0 && i < size)
            taps[o] |= uint32_t(1) << t;
        }
        dead |= taps[o] != all;
      }
      return dead;
    };
    bool deadRow = reads(rowTaps, OH, kh, sh, dh, padT, H);
    bool deadCol = reads(colTaps, OW, kw, sw, dw, padL, W);
    liveRows = deadRow || deadCol;
  }
  int64_t positions = OH * OW, tiles = (positions + 5) / 6;
  int threads = numThreads();
  bool parallel = F * positions * K >= (1 << 18) && threads > 1;
  // Split by positions: a few chunks per thread, each walking every channel
  // block, thread t's tasks the t-th stretch of positions. Split by
  // channels: chunks of positions under each block, enough for ~8 tasks per
  // thread; but each chunk streams its block's weights again, so where they
  // outgrow half the L2 and the blocks alone give every thread two, the
  // positions stay in one chunk (ResNet's last convs: -5%).
  byPositions = byPositions && parallel;
  int64_t chunks = 1;
  if (byPositions)
    chunks = std::min(tiles, 4 * int64_t(threads));
  else if (parallel && !(blocks >= 2 * threads &&
                         K * cw * int64_t(sizeof(float)) > (512 << 10)))
    chunks = std::min(tiles, (8 * int64_t(threads) + blocks - 1) / blocks);
  int64_t perChunk = (tiles + chunks - 1) / chunks * 6;
  for (int64_t n = 0; n < batch; ++n) {
    const float *x = X->aligned + X->offset + n * X->strides[0];
    if (!inPlace) {
      // The channels' padded planes, on the pool when they are large.
      auto copyRows = [&](int64_t c, int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          float *row = padded + (c * Hp + i) * Wp;
          int64_t ih = i - padT;
          if (ih < 0 || ih >= H) {
            std::fill(row, row + Wp, 0.0f);
            continue;
          }
          const float *src = x + c * X->strides[1] + ih * X->strides[2];
          std::fill(row, row + padL, 0.0f);
          if (X->strides[3] == 1)
            std::copy(src, src + W, row + padL);
          else
            for (int64_t j = 0; j < W; ++j)
              row[padL + j] = src[j * X->strides[3]];
          std::fill(row + padL + W, row + Wp, 0.0f);
        }
      };
      // Rows [i0, i1) of every channel of a channels-last image.
      auto copyRowsLast = [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          float *row = padded + i * Wp * C;
          int64_t ih = i - padT;
          if (ih < 0 || ih >= H) {
            std::fill(row, row + Wp * C, 0.0f);
            continue;
          }
          std::fill(row, row + padL * C, 0.0f);
          std::copy(x + ih * X->strides[2], x + ih * X->strides[2] + W * C,
                    row + padL * C);
          std::fill(row + (padL + W) * C, row + Wp * C, 0.0f);
        }
      };
      // Rows [i0, i1) of every channel, in either layout.
      auto copyBand = [&](int64_t i0, int64_t i1) {
        if (channelsLast)
          copyRowsLast(i0, i1);
        else
          for (int64_t c = 0; c < C; ++c)
            copyRows(c, i0, i1);
      };
      bool big = C * Hp * Wp >= (1 << 14);
      if (parallel && big && (channelsLast || byPositions)) {
        // Bands of rows of every channel, in order: thread t copies the
        // rows its stretch of positions reads (a channels-last row holds
        // every channel).
        int64_t bands = std::min<int64_t>(Hp, 4 * int64_t(threads));
        parallelFor(bands, [&](int64_t band) {
          copyBand(band * Hp / bands, (band + 1) * Hp / bands);
        });
      } else if (parallel && big) {
        parallelFor(C, [&](int64_t c) { copyRows(c, 0, Hp); });
      } else {
        copyBand(0, Hp);
      }
      x = padded;
    }
    ConvDirect d{x,
                 ldx,
                 ldw,
                 sh,
                 sw,
                 OH,
                 OW,
                 K,
                 off.data(),
                 w,
                 b16,
                 F,
                 blockGroupF,
                 packed ? 0 : groupC * ldc,
                 Y->aligned + Y->offset + n * Y->strides[0],
                 Y->strides[1],
                 Y->strides[2],
                 Y->strides[3],
                 R ? R->aligned + R->offset + n * R->strides[0] : nullptr,
                 R ? R->strides[1] : 0,
                 R ? R->strides[2] : 0,
                 R ? R->strides[3] : 0,
                 clamp.on,
                 clamp.lo,
                 clamp.hi,
                 clamp.activation};
    d.prefetch = constantW && prefetchWeights();
    if (liveRows || rows) {
      d.rowTaps = rowTaps.data();
      d.colTaps = colTaps.data();
      d.kw = int(kw);
      d.tapC = groupC;
    }
    if (packed) {
      d.packedGroupF = groupF;
      d.packedGroupC = groupC;
      d.rowReuse = rows;
    }
    if (rows) {
      d.padT = padT;
      d.padL = padL;
      d.W = W;
    }
    auto task = [&](int64_t t) {
      int64_t fb = byPositions ? t % blocks : t / chunks,
              p0 = (byPositions ? t / blocks : t % chunks) * perChunk;
      if (p0 >= positions)
        return;
      int64_t p1 = std::min(positions, p0 + perChunk);
      if (avx512) {
        static thread_local Scratch sums;
        convDirectAvx512(d, nv, fb, p0, p1, sums.get(convMaxPositions512 * cw));
      } else {
        convDirectAvx2(d, fb, p0, p1);
      }
    };
    if (parallel)
      parallelFor(blocks * chunks, task);
    else
      for (int64_t t = 0; t < blocks * chunks; ++t)
        task(t);
  }
}

/// The output tile side of a conv that runs as Winograd F(4x4, 3x3) or
/// F(2x2, 3x3) (Winograd.h), 0 for one that does not: 3x3, stride and
/// dilation 1, channels-last images, on the AVX-512 kernel; one group, or
/// groups of at least 32 input channels and a multiple of 16 outputs
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
  if (mode == 0 || directConvKernel() != DirectConv::Avx512 || kh != 3 ||
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
  return N * ((OH + 1) / 2) * ((OW + 1) / 2) >= 49 &&
                 (groups == 1 || groupC >= 48)
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
  if (groups > 1) {
    // Grouped: Winograd where it applies, else the direct kernel's blocks
    // each within one group (both layouts); without it, each group as its
    // own conv on views of its channels.
    if (int64_t tile =
            tessera::winogradTile(X, Y, R, kh, kw, sh, sw, dh, dw, groups)) {
      tessera::convWinograd(X, Wt, b, b ? bias->strides[0] : 0, R, Y, padT,
                            padL, clamp, constMask & 2,
                            tessera::directVectors(F / groups), tile);
      return;
    }
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
  // Channels-last images take the direct kernel, 1x1 convs too: it reads
  // the image in place, where the GEMM packs it (2 threads, ResNet-50's
  // 1024 -> 256 channels at 14x14: 315 against 362 us; 64 -> 256 at 56x56:
  // 376 against 419; ResNet-50 -2%, EfficientNet-B0 -3%).
  if (int64_t tile =
          tessera::winogradTile(X, Y, R, kh, kw, sh, sw, dh, dw, groups)) {
    tessera::convWinograd(X, Wt, b, b ? bias->strides[0] : 0, R, Y, padT, padL,
                          clamp, constMask & 2,
                          tessera::directVectors(Y->sizes[1]), tile);
    return;
  }
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
  // TESSERA_CONV_POINTWISE_GEMM=0 keeps them all direct.
  static const bool pointwiseGemmOn = [] {
    const char *env = getenv("TESSERA_CONV_POINTWISE_GEMM");
    return !env || strcmp(env, "0") != 0;
  }();
  bool projection = pointwiseGemmOn && pointwiseRows && 2 * F <= K && K >= 64;
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
