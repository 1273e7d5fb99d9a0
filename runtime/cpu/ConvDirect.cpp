// The direct convolution's driver (ConvDirect.h): the weight packed into the
// kernels' panels, the image padded once, the tiles (ConvAvx512.cpp,
// ConvAvx2.cpp) on the pool. docs/runtime.md has the measurements.
#include "cpu/ConvDirect.h"
#include "cpu/ConvKernels.h"
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tessera {
namespace {

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

/// Whether packed grouped convs of 3-wide windows take the row tiles
/// (ConvDirect::rowReuse); TESSERA_CONV_ROWS=0 turns them off.
bool rowReuse() {
  static const bool on = [] {
    const char *env = getenv("TESSERA_CONV_ROWS");
    return !env || atoi(env) != 0;
  }();
  return on;
}

} // namespace

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
/// weights, so convs whose weights outweigh their input image several
/// times keep the channel split (ResNet's last stages). A grouped conv's
/// channel split also splits its input (each block reads its group's channels),
/// so there it costs each thread half the weights against reading about half
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
  // An ungrouped conv reads the weights from its L2 chunk after chunk, but
  // half its input from the other core: up to 4 times the input's size
  // the positions split still wins (DeepLabV3-ResNet-50's 28x28 stages,
  // 256 -> 1024 channels 1.06 -> 0.96 ms, the model 110 -> 105 ms; the
  // 7x7 stages, weights 14-94 times the input, ran 1.3-1.6x as long split
  // by positions).
  if (groups > 1)
    return 2 * weightElems <= inputElems;
  return weightElems <= 4 * inputElems;
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
  // The AVX2 kernel packs groups of 4, 8 or 16 channels in and out
  // (ConvAvx2.cpp's packedTile).
  bool packed = X->strides[1] == 1 && (noPad || channelsLast) && groups > 1 &&
                Y->strides[1] == 1 && (!R || R->strides[1] == 1) &&
                (avx512 ? groupF <= 16 && 16 % groupF == 0 && groupC <= groupF
                        : groupC == groupF &&
                              (groupF == 4 || groupF == 8 || groupF == 16));
  // Their 3-wide windows of stride 1 or 2 take the row tiles (the AVX-512
  // kernel's), which read the image in place and skip the taps in its
  // padding themselves.
  bool rows = packed && avx512 && kw == 3 && dw == 1 && (sw == 1 || sw == 2) &&
              kh * kw <= 64 && rowReuse();
  // The AVX2 kernel's packed groups read the image in place too, each tap
  // outside it from zeros (ConvDirect::tapDy).
  bool selectTaps =
      packed && !avx512 && !noPad && kh * kw <= 64 && Y->strides[1] == 1;
  bool inPlace = rows || noPad || selectTaps;
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
  bool liveRows = false, sparseTaps = false;
  if (avx512 && (!inPlace || rows) && channelsInner && kh <= 32 && kw <= 32 &&
      kh * kw <= 64) {
    // The window taps each output row (column) reads from the image, and the
    // share of (row, tap) pairs that do.
    auto reads = [](std::vector<uint32_t> &taps, int64_t out, int64_t k,
                    int64_t stride, int64_t dilation, int64_t pad,
                    int64_t size) {
      taps.assign(out, 0);
      int64_t live = 0;
      for (int64_t o = 0; o < out; ++o)
        for (int64_t t = 0; t < k; ++t) {
          int64_t i = o * stride - pad + t * dilation;
          if (i >= 0 && i < size) {
            taps[o] |= uint32_t(1) << t;
            ++live;
          }
        }
      return double(live) / double(out * k);
    };
    double rowShare = reads(rowTaps, OH, kh, sh, dh, padT, H);
    double colShare = reads(colTaps, OW, kw, sw, dw, padL, W);
    liveRows = rowShare < 1.0 || colShare < 1.0;
    // Under 60% of the (position, tap) pairs read the image (DeepLabV3's
    // ASPP convs of dilation 12 and 24 over 28x28: 51%, 18%; an ordinary
    // padded 3x3 conv at 7x7: 82%).
    sparseTaps = rowShare * colShare < 0.6;
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
      d.sparseTaps = sparseTaps;
    }
    if (packed) {
      d.packedGroupF = groupF;
      d.packedGroupC = groupC;
      d.rowReuse = rows;
    }
    if (rows || selectTaps) {
      d.padT = padT;
      d.padL = padL;
      d.W = W;
    }
    static thread_local std::vector<int32_t> tapDy, tapDx;
    if (selectTaps) {
      tapDy.resize(kh * kw);
      tapDx.resize(kh * kw);
      for (int64_t t = 0; t < kh * kw; ++t) {
        tapDy[t] = int32_t(t / kw * dh);
        tapDx[t] = int32_t(t % kw * dw);
      }
      d.tapDy = tapDy.data();
      d.tapDx = tapDx.data();
      d.H = H;
    }
    // The AVX2 kernel takes each chunk of positions under all the blocks,
    // computing their offsets once, on one thread and where the threads
    // split the positions (1 thread, 16 -> 48 channels at 112x112 510 ->
    // 430 us; 2 threads, TESSERA_PROFILE medians of 4 alternating runs:
    // MnasNet-1.0's 40 -> 120 expansions at 28x28 134 -> 110 us,
    // MobileNetV2's 24 -> 144 at 56x56 251-258 -> 194-197).
    bool allBlocks = !avx512 && (!parallel || byPositions);
    auto task = [&](int64_t t) {
      if (allBlocks) {
        int64_t p0 = t * perChunk;
        if (p0 < positions)
          convDirectAvx2(d, 0, blocks, p0, std::min(positions, p0 + perChunk));
        return;
      }
      int64_t fb = byPositions ? t % blocks : t / chunks,
              p0 = (byPositions ? t / blocks : t % chunks) * perChunk;
      if (p0 >= positions)
        return;
      int64_t p1 = std::min(positions, p0 + perChunk);
      if (avx512) {
        static thread_local Scratch sums;
        convDirectAvx512(d, nv, fb, p0, p1, sums.get(convMaxPositions512 * cw));
      } else {
        convDirectAvx2(d, fb, fb + 1, p0, p1);
      }
    };
    int64_t tasks = allBlocks ? chunks : blocks * chunks;
    if (parallel)
      parallelFor(tasks, task);
    else
      for (int64_t t = 0; t < tasks; ++t)
        task(t);
  }
}

} // namespace tessera
