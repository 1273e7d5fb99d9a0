// The channels-last depthwise conv and max pool (ChannelsLast.h), the portable
// build, for CPUs without AVX2: tiles of 2 positions x 1 vector(s) of 16
// channels.
#include "cpu/ChannelsLast.h"
#include "cpu/Activations.h"
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"

#include <algorithm>
#include <cstdlib>

namespace tessera {

void depthwiseNhwcPortable(const NhwcWindow &g, const float *w,
                           const float *bias, float lo, float hi, int64_t oh0,
                           int64_t oh1) {
  nhwcRowsImpl<true, 2, 1>(g, w, bias, lo, hi, oh0, oh1);
}

void maxPoolNhwcPortable(const NhwcWindow &g, int64_t oh0, int64_t oh1) {
  nhwcRowsImpl<false, 2, 1>(g, nullptr, nullptr, 0.0f, 0.0f, oh0, oh1);
}

namespace {

enum class Isa { Portable, Avx2, Avx512 };

/// Input positions per image up to which forEachRows splits the channels
/// (TESSERA_NHWC_CHANNEL_SPLIT overrides; 0 never splits them).
const int64_t kChannelSplitPositions = [] {
  const char *env = getenv("TESSERA_NHWC_CHANNEL_SPLIT");
  return env ? int64_t(atoll(env)) : int64_t(256);
}();

Isa nhwcIsa() {
  static const Isa isa = gemmUsesAvx512()      ? Isa::Avx512
                         : avx2KernelsUsable() ? Isa::Avx2
                                               : Isa::Portable;
  return isa;
}

/// body(g, c0, oh0, oh1) over every image's output rows: pieces of whole
/// rows in order on the pool (thread t the t-th stretch of positions, as the
/// convs split theirs), or all on this thread when the op is small. Small
/// images with many channels split by channels instead (g then covers
/// channels [c0, c0 + g.C) of the image, its x and y pointing at channel
/// c0): a piece of rows re-reads the kh - sh input rows above it and every
/// weight, which at 7x7 and 14x14 is most of its traffic. Small by the
/// input's positions: a stride-2 conv from 28x28 to 14x14 reads an image
/// that the GEMM before it wrote split by positions, half of it from the
/// other core when split by channels (MobileNetV2's 192 channels, 2
/// threads: 36.9 -> 19.2 us).
template <typename Body>
void forEachRows(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                 int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                 int64_t dw, int64_t padT, int64_t padL, const Body &body) {
  int64_t N = Y->sizes[0], C = Y->sizes[1], OH = Y->sizes[2];
  NhwcWindow g{C,
               X->sizes[2],
               X->sizes[3],
               OH,
               Y->sizes[3],
               kh,
               kw,
               sh,
               sw,
               dh,
               dw,
               padT,
               padL,
               C,
               nullptr,
               X->strides[2],
               X->strides[3],
               nullptr,
               Y->strides[2],
               Y->strides[3]};
  int64_t rows = N * OH, work = rows * g.OW * C * kh * kw;
  int64_t threads = numThreads();
  bool small = work < (1 << 16) || threads == 1;
  // Channels [c0, c0 + count) of image n.
  auto image = [&](int64_t n, int64_t c0, int64_t count) {
    NhwcWindow at = g;
    at.C = count;
    at.x = X->aligned + X->offset + n * X->strides[0] + c0;
    at.y = Y->aligned + Y->offset + n * Y->strides[0] + c0;
    return at;
  };
  // Channel pieces of whole 16-channel vectors, at least two vectors each.
  int64_t vectors = C / 16;
  if (!small && g.H * g.W <= kChannelSplitPositions && vectors >= 2 * threads) {
    int64_t perImage = std::min<int64_t>(vectors / 2, 2 * threads);
    parallelFor(N * perImage, [&](int64_t t) {
      int64_t n = t / perImage, k = t % perImage;
      int64_t c0 = k * vectors / perImage * 16,
              c1 = k + 1 == perImage ? C : (k + 1) * vectors / perImage * 16;
      body(image(n, c0, c1 - c0), c0, 0, OH);
    });
    return;
  }
  int64_t pieces = small ? 1 : std::min<int64_t>(rows, 4 * threads);
  auto piece = [&](int64_t t) {
    for (int64_t i = t * rows / pieces, end = (t + 1) * rows / pieces;
         i < end;) {
      int64_t n = i / OH, oh0 = i % OH, oh1 = std::min(OH, oh0 + end - i);
      body(image(n, 0, C), 0, oh0, oh1);
      i += oh1 - oh0;
    }
  };
  if (pieces == 1)
    piece(0);
  else
    parallelFor(pieces, piece);
}

} // namespace

void channelsLastInput(tessera_memref4d_f32 *&X, const tessera_memref4d_f32 *Y,
                       tessera_memref4d_f32 &view) {
  int64_t N = X->sizes[0], C = X->sizes[1], H = X->sizes[2], W = X->sizes[3];
  if (Y->strides[1] != 1 || X->strides[1] == 1 || C <= 1)
    return;
  static thread_local Scratch copy;
  float *dst = copy.get(N * H * W * C);
  const float *src = X->aligned + X->offset;
  const int64_t *xs = X->strides;
  // Row by row of the image, in tiles of 16 channels x 16 positions: the
  // tile's 16 input lines stay in L1 while each position's 16 channels are
  // written as one line (channel by channel across the whole row, 2048
  // channels at 28x28 took 60% of a 1x1 conv's time).
  constexpr int64_t tile = 16;
  parallelForRows(N * H, W * C, [&](int64_t row) {
    const float *in = src + row / H * xs[0] + row % H * xs[2];
    float *out = dst + row * W * C;
    for (int64_t c0 = 0; c0 < C; c0 += tile) {
      int64_t c1 = std::min(C, c0 + tile);
      for (int64_t w0 = 0; w0 < W; w0 += tile) {
        int64_t w1 = std::min(W, w0 + tile);
        for (int64_t w = w0; w < w1; ++w)
          for (int64_t c = c0; c < c1; ++c)
            out[w * C + c] = in[c * xs[1] + w * xs[3]];
      }
    }
  });
  view = *X;
  view.allocated = view.aligned = dst;
  view.offset = 0;
  view.strides[0] = H * W * C;
  view.strides[1] = 1;
  view.strides[2] = W * C;
  view.strides[3] = C;
  X = &view;
}

void depthwiseNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                   int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                   int64_t dw, int64_t padT, int64_t padL, const float *w,
                   const float *bias, float lo, float hi, int activation) {
  Isa isa = nhwcIsa();
  // With an activation, the kernel stores bias + conv and the epilogue then
  // applies the activation and the clamp to each row while it is in cache.
  Epilogue e;
  e.activation = activation;
  e.clamp = true;
  e.clampMin = lo;
  e.clampMax = hi;
  if (activation != ActNone) {
    lo = -__builtin_inff();
    hi = __builtin_inff();
  }
  auto rows = [&](const NhwcWindow &g, int64_t c0, int64_t oh0, int64_t oh1) {
    if (isa == Isa::Avx512)
      depthwiseNhwcAvx512(g, w + c0, bias + c0, lo, hi, oh0, oh1);
    else if (isa == Isa::Avx2)
      depthwiseNhwcAvx2(g, w + c0, bias + c0, lo, hi, oh0, oh1);
    else
      depthwiseNhwcPortable(g, w + c0, bias + c0, lo, hi, oh0, oh1);
  };
  forEachRows(X, Y, kh, kw, sh, sw, dh, dw, padT, padL,
              [&](const NhwcWindow &g, int64_t c0, int64_t oh0, int64_t oh1) {
                if (activation == ActNone) {
                  rows(g, c0, oh0, oh1);
                  return;
                }
                // Row by row, the epilogue on each row while it is in L1;
                // a row of contiguous positions as one stretch of OW * C
                // (rows of C elements each ended in a masked vector: SiLU
                // on 40 channels at 150x150, 2 threads, 534 -> 376 us).
                bool dense = g.ysW == g.C;
                for (int64_t oh = oh0; oh < oh1; ++oh) {
                  rows(g, c0, oh, oh + 1);
                  if (dense)
                    applyLinearEpilogue(e, g.y + oh * g.ysH, 0, 1, g.OW * g.C);
                  else
                    applyLinearEpilogue(e, g.y + oh * g.ysH, g.ysW, g.OW, g.C);
                }
              });
}

void maxPoolNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                 int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                 int64_t dw, int64_t padT, int64_t padL) {
  Isa isa = nhwcIsa();
  forEachRows(X, Y, kh, kw, sh, sw, dh, dw, padT, padL,
              [&](const NhwcWindow &g, int64_t, int64_t oh0, int64_t oh1) {
                if (isa == Isa::Avx512)
                  maxPoolNhwcAvx512(g, oh0, oh1);
                else if (isa == Isa::Avx2)
                  maxPoolNhwcAvx2(g, oh0, oh1);
                else
                  maxPoolNhwcPortable(g, oh0, oh1);
              });
}

} // namespace tessera
