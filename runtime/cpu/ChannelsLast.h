// Depthwise convolution and max pooling on channels-last images ([N, H, W,
// C] in memory, the channel stride 1): each output position is a run of C
// contiguous channels, so the kernels vectorize along the channels with no
// transposes and no padded copy; taps outside the image are skipped. The
// compiler's channels-last layout (tessera-channels-last) hands the conv
// and pool kernels such images as transposed views (Conv.cpp, Pool.cpp).
#ifndef TESSERA_RUNTIME_CHANNELSLAST_H
#define TESSERA_RUNTIME_CHANNELSLAST_H

#include "tessera_runtime.h"

#include <cstdint>
#include <type_traits>

namespace tessera {

/// A channels-last [N, H, W, C] memref as the [N, C, H, W] view of the same
/// elements (the conv and pool kernels take any strides).
inline tessera_memref4d_f32 channelsFirstView(const tessera_memref4d_f32 &m) {
  tessera_memref4d_f32 v = m;
  const int dims[4] = {0, 3, 1, 2};
  for (int i = 0; i < 4; ++i) {
    v.sizes[i] = m.sizes[dims[i]];
    v.strides[i] = m.strides[dims[i]];
  }
  return v;
}

/// With TESSERA_CONV_CHANNELS_LAST in `flags`, points `m` (unless null) at
/// its channel-first view, kept in `view` (the kernels' entry points).
inline void viewChannelsFirst(int64_t flags, tessera_memref4d_f32 *&m,
                              tessera_memref4d_f32 &view) {
  if (!(flags & TESSERA_CONV_CHANNELS_LAST) || !m)
    return;
  view = channelsFirstView(*m);
  m = &view;
}

/// A batch of channels-last images [N, C, H, W] (channel stride 1) whose
/// positions are evenly spaced across rows and images as one image [1, C,
/// 1, N*H*W] of all of them in `view`; false (and `view` unset) otherwise.
inline bool mergedImages(const tessera_memref4d_f32 &m,
                         tessera_memref4d_f32 &view) {
  int64_t n = m.sizes[0], h = m.sizes[2], w = m.sizes[3];
  if (m.strides[1] != 1 || (h > 1 && m.strides[2] != w * m.strides[3]) ||
      (n > 1 && m.strides[0] != h * w * m.strides[3]))
    return false;
  view = m;
  view.sizes[0] = 1;
  view.sizes[2] = 1;
  view.sizes[3] = n * h * w;
  view.strides[2] = view.strides[0] = n * h * w * m.strides[3];
  return true;
}

/// X, Y and R (when not null) of a pointwise op (position p of Y from
/// position p of X and R) as one image each (mergedImages), where there
/// are several images, X and Y have the same positions and all three can
/// be merged.
inline bool mergeImages(const tessera_memref4d_f32 *X,
                        const tessera_memref4d_f32 *Y,
                        const tessera_memref4d_f32 *R, tessera_memref4d_f32 &xm,
                        tessera_memref4d_f32 &ym, tessera_memref4d_f32 &rm) {
  return Y->sizes[0] > 1 && X->sizes[2] == Y->sizes[2] &&
         X->sizes[3] == Y->sizes[3] && mergedImages(*X, xm) &&
         mergedImages(*Y, ym) && (!R || mergedImages(*R, rm));
}

/// The depthwise conv (tessera_depthwise_conv2d_f32) of X [N, C, H, W] into
/// Y [N, C, OH, OW], both with channel stride 1 (channels-last views): the
/// weights [kh*kw][C] and bias [C] (zeros without one) repacked, the
/// activation (TESSERA_LINEAR_ACT_*) applied, then the output clamped into
/// [lo, hi]. Threads split the images' output rows in order, or the
/// channels of small maps (ChannelsLast.cpp, forEachRows).
void depthwiseNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                   int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                   int64_t dw, int64_t padT, int64_t padL, const float *w,
                   const float *bias, float lo, float hi, int activation);
/// The max pool (tessera_max_pool2d_f32) on such views.
void maxPoolNhwc(const tessera_memref4d_f32 *X, tessera_memref4d_f32 *Y,
                 int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
                 int64_t dw, int64_t padT, int64_t padL);

/// Where Y [N, C, OH, OW] is a channels-last view and X [N, C, H, W] is not
/// (a channel-first graph input that the compiler passed as a transposed
/// view), copies X channels-last into this thread's scratch, on the pool,
/// and points X at `view` of the copy, so the kernels above can take it
/// rather than the channel-first paths, which write such a Y a strided
/// element at a time (a 3x3 depthwise conv of 32 channels at 112x112 with a
/// SiLU, 2 threads: 5.5 -> 0.23 ms; a 3x3/2 max pool of 64 channels at
/// 112x112: 620 -> 290 us). Otherwise leaves X.
void channelsLastInput(tessera_memref4d_f32 *&X, const tessera_memref4d_f32 *Y,
                       tessera_memref4d_f32 &view);

/// One image's window op: output (oh, ow) reads input rows oh*sh + r*dh -
/// padT and columns ow*sw + s*dw - padL for taps (r, s) inside [H, W).
/// x[ih*xsH + iw*xsW + c], y[oh*ysH + ow*ysW + c]; the depthwise weight
/// of tap t, channel c at w[t*wsTap + c].
struct NhwcWindow {
  int64_t C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, padT, padL, wsTap;
  const float *x;
  int64_t xsH, xsW;
  float *y;
  int64_t ysH, ysW;
};

/// Output rows [oh0, oh1) of the depthwise conv: y = clamp(bias[c] + sum
/// over taps t = r*kw + s of w[t*C + c] * x) into [lo, hi] (NaN stays NaN).
/// Built per ISA (ChannelsLastAvx512.cpp, ChannelsLastAvx2.cpp, and the
/// portable copy in ChannelsLast.cpp).
void depthwiseNhwcAvx512(const NhwcWindow &g, const float *w, const float *bias,
                         float lo, float hi, int64_t oh0, int64_t oh1);
void depthwiseNhwcAvx2(const NhwcWindow &g, const float *w, const float *bias,
                       float lo, float hi, int64_t oh0, int64_t oh1);
void depthwiseNhwcPortable(const NhwcWindow &g, const float *w,
                           const float *bias, float lo, float hi, int64_t oh0,
                           int64_t oh1);
/// Output rows [oh0, oh1) of the max pool: the maximum over the taps inside
/// the image (-inf when none is), NaN when any of them is NaN.
void maxPoolNhwcAvx512(const NhwcWindow &g, int64_t oh0, int64_t oh1);
void maxPoolNhwcAvx2(const NhwcWindow &g, int64_t oh0, int64_t oh1);
void maxPoolNhwcPortable(const NhwcWindow &g, int64_t oh0, int64_t oh1);

// Internal linkage: each ISA's file keeps its own copy (DepthwiseConv.h).
namespace {

/// 16 channels (one zmm, two ymm, or four xmm registers).
typedef float NhwcVec __attribute__((vector_size(64)));

inline NhwcVec nhwcLoad(const float *p) {
  NhwcVec v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void nhwcStore(float *p, NhwcVec v) {
  __builtin_memcpy(p, &v, sizeof v);
}

inline NhwcVec nhwcSplat(float f) {
  NhwcVec v = {};
  return v + f;
}

/// max(m, x), NaN when either is.
inline NhwcVec nhwcMaxNaN(NhwcVec m, NhwcVec x) {
  return ((x > m) | (x != x)) ? x : m;
}

inline float nhwcMaxNaN(float m, float x) { return x > m || x != x ? x : m; }

/// The taps (r in [r0, r1)) of output row oh that lie inside the image.
inline void nhwcRows(const NhwcWindow &g, int64_t oh, int64_t &r0,
                     int64_t &r1) {
  r0 = 0;
  r1 = g.kh;
  int64_t first = oh * g.sh - g.padT;
  while (r0 < r1 && first + r0 * g.dh < 0)
    ++r0;
  while (r1 > r0 && first + (r1 - 1) * g.dh >= g.H)
    --r1;
}

/// The outputs [lo, hi) of a row whose every tap column lies inside [0, W)
/// (the others take the per-tap checks).
inline void nhwcInterior(const NhwcWindow &g, int64_t &lo, int64_t &hi) {
  // ow*sw - padL >= 0 and ow*sw - padL + (kw-1)*dw <= W - 1.
  lo = (g.padL + g.sw - 1) / g.sw;
  int64_t last = g.W - 1 - (g.kw - 1) * g.dw + g.padL;
  hi = last < 0 ? 0 : last / g.sw + 1;
  if (hi > g.OW)
    hi = g.OW;
  if (lo > hi)
    lo = hi;
}

/// A tile's accumulators at the bias of channels [c, c + 16*NB) (Depthwise)
/// or at -inf (the max pool).
template <bool Depthwise, int P, int NB>
__attribute__((always_inline)) inline void
nhwcTileStart(NhwcVec (&acc)[P][NB], const float *bias, int64_t c) {
  for (int v = 0; v < NB; ++v) {
    NhwcVec init =
        Depthwise ? nhwcLoad(bias + c + 16 * v) : nhwcSplat(-__builtin_inff());
    for (int p = 0; p < P; ++p)
      acc[p][v] = init;
  }
}

/// Stores a tile's outputs [ow0, ow0 + n) (n = P unless Checked), a
/// depthwise conv's clamped into [lo, hi] (NaN stays NaN).
template <bool Depthwise, int P, int NB, bool Checked>
__attribute__((always_inline)) inline void
nhwcTileFinish(const NhwcWindow &g, NhwcVec (&acc)[P][NB], float lo, float hi,
               int64_t oh, int64_t ow0, int64_t c, int n) {
  NhwcVec vlo = nhwcSplat(lo), vhi = nhwcSplat(hi);
  for (int p = 0; p < P && (!Checked || p < n); ++p)
    for (int v = 0; v < NB; ++v) {
      NhwcVec a = acc[p][v];
      if (Depthwise) {
        a = a < vlo ? vlo : a;
        a = a > vhi ? vhi : a;
      }
      nhwcStore(g.y + oh * g.ysH + (ow0 + p) * g.ysW + c + 16 * v, a);
    }
}

/// The window op of outputs [ow0, ow0 + n) (n <= P) for channels [c, c +
/// 16*NB): Depthwise selects the multiply-add (else the NaN-propagating
/// max). Unless Checked, n == P and every tap column lies inside the image;
/// Checked skips the taps outside it (a border tile) and the positions past
/// n (a row's last tile).
template <bool Depthwise, int P, int NB, bool Checked>
__attribute__((always_inline)) inline void
nhwcTile(const NhwcWindow &g, const float *w, const float *bias, float lo,
         float hi, int64_t oh, int64_t r0, int64_t r1, int64_t ow0, int64_t c,
         int n) {
  NhwcVec acc[P][NB];
  nhwcTileStart<Depthwise, P, NB>(acc, bias, c);
  for (int64_t r = r0; r < r1; ++r) {
    const float *row = g.x + (oh * g.sh + r * g.dh - g.padT) * g.xsH + c;
    for (int64_t s = 0; s < g.kw; ++s) {
      int64_t col = ow0 * g.sw + s * g.dw - g.padL;
      NhwcVec wv[NB];
      if (Depthwise)
        for (int v = 0; v < NB; ++v)
          wv[v] = nhwcLoad(w + (r * g.kw + s) * g.wsTap + c + 16 * v);
      for (int p = 0; p < P; ++p) {
        int64_t cp = col + p * g.sw;
        if (Checked && (p >= n || cp < 0 || cp >= g.W))
          continue;
        const float *xp = row + cp * g.xsW;
        for (int v = 0; v < NB; ++v) {
          NhwcVec xv = nhwcLoad(xp + 16 * v);
          if (Depthwise)
            acc[p][v] += xv * wv[v];
          else
            acc[p][v] = nhwcMaxNaN(acc[p][v], xv);
        }
      }
    }
  }
  nhwcTileFinish<Depthwise, P, NB, Checked>(g, acc, lo, hi, oh, ow0, c, n);
}

/// nhwcTile for stride 1 and KW taps per row, undilated: each input column
/// a row's taps read is loaded once and feeds every (position, tap) pair of
/// the tile that reads it, so a row of taps takes P + KW - 1 column loads of
/// NB vectors instead of P*KW. The loads, not the multiply-adds, bound the
/// plain tile (one 512-bit load per cycle here); 1 thread, in cache: 5x5
/// convs of 672 channels at 14x14 73 instead of 106 us, 3x3 of 576 at 14x14
/// 34 instead of 44 us.
template <bool Depthwise, int P, int NB, int KW, bool Checked>
__attribute__((always_inline)) inline void
nhwcTileReuse(const NhwcWindow &g, const float *w, const float *bias, float lo,
              float hi, int64_t oh, int64_t r0, int64_t r1, int64_t ow0,
              int64_t c, int n) {
  NhwcVec acc[P][NB];
  nhwcTileStart<Depthwise, P, NB>(acc, bias, c);
  int64_t col0 = ow0 - g.padL;
  for (int64_t r = r0; r < r1; ++r) {
    const float *row = g.x + (oh * g.sh + r * g.dh - g.padT) * g.xsH + c;
    NhwcVec wv[KW][NB];
    if (Depthwise)
      for (int s = 0; s < KW; ++s)
        for (int v = 0; v < NB; ++v)
          wv[s][v] = nhwcLoad(w + (r * KW + s) * g.wsTap + c + 16 * v);
#pragma GCC unroll 16
    for (int j = 0; j < P + KW - 1; ++j) {
      int64_t col = col0 + j;
      if (Checked && (col < 0 || col >= g.W))
        continue;
      for (int v = 0; v < NB; ++v) {
        NhwcVec xv = nhwcLoad(row + col * g.xsW + 16 * v);
        // Position p = j - s reads column j at tap s (positions past n
        // accumulate in vain: unstored).
#pragma GCC unroll 8
        for (int s = 0; s < KW; ++s) {
          if (j - s < 0 || j - s >= P)
            continue;
          if (Depthwise)
            acc[j - s][v] += xv * wv[s][v];
          else
            acc[j - s][v] = nhwcMaxNaN(acc[j - s][v], xv);
        }
      }
    }
  }
  nhwcTileFinish<Depthwise, P, NB, Checked>(g, acc, lo, hi, oh, ow0, c, n);
}

/// Channels [c0, C), one at a time (images of fewer than 16 channels).
template <bool Depthwise>
inline void nhwcScalarChannels(const NhwcWindow &g, const float *w,
                               const float *bias, float lo, float hi,
                               int64_t oh, int64_t r0, int64_t r1, int64_t c0) {
  for (int64_t ow = 0; ow < g.OW; ++ow)
    for (int64_t c = c0; c < g.C; ++c) {
      float acc = Depthwise ? bias[c] : -__builtin_inff();
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t s = 0; s < g.kw; ++s) {
          int64_t ih = oh * g.sh + r * g.dh - g.padT,
                  iw = ow * g.sw + s * g.dw - g.padL;
          if (iw < 0 || iw >= g.W)
            continue;
          float xv = g.x[ih * g.xsH + iw * g.xsW + c];
          if (Depthwise)
            acc += xv * w[(r * g.kw + s) * g.wsTap + c];
          else
            acc = nhwcMaxNaN(acc, xv);
        }
      if (Depthwise) {
        acc = acc < lo ? lo : acc;
        acc = acc > hi ? hi : acc;
      }
      g.y[oh * g.ysH + ow * g.ysW + c] = acc;
    }
}

/// Output rows [oh0, oh1) of chunks of NB vectors of 16 channels from
/// channel c on, P positions at a time (Tile: nhwcTile or nhwcTileReuse),
/// the tiles at the borders and a row's end checked; each chunk's rows in
/// turn.
template <int P, typename Tile>
void nhwcChunkRows(const NhwcWindow &g, int64_t oh0, int64_t oh1,
                   const Tile &tile) {
  int64_t in0, in1;
  nhwcInterior(g, in0, in1);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    int64_t r0, r1;
    nhwcRows(g, oh, r0, r1);
    for (int64_t ow = 0; ow < g.OW; ow += P) {
      int n = int(g.OW - ow < P ? g.OW - ow : P);
      if (n == P && ow >= in0 && ow + P <= in1)
        tile(std::false_type{}, oh, r0, r1, ow, P);
      else
        tile(std::true_type{}, oh, r0, r1, ow, n);
    }
  }
}

/// Output rows [oh0, oh1), chunk by chunk: with Reuse, undilated windows
/// 3 wide at stride 1 by nhwcTileReuse in tiles of 4 positions x 4 vectors
/// of 16 channels (6 x 2 for the last 32), 5 wide in tiles of 6 x 2 (the most
/// accumulators that leave the weights in registers; measured best of 4x4, 6x2
/// and 8x2); the others by nhwcTile, P positions x NB vectors (reuse at stride
/// 2 measured no faster); then single vectors (PSingle positions at a time,
/// 8 where they reuse), the last one ending at channel C.
///
/// With RowsOuter, one output row at a time, each under all the chunks: the
/// input rows it reads stay in cache across the chunks (the chunk-outer
/// order reads a large image once per chunk from L3: the AVX2 build's
/// chunks are 16 channels).
/// Narrow: the ISA has 16 vector registers of 8 lanes (AVX2), so the reuse
/// tiles are 4 positions x 1 vector (8 accumulators) for windows 3 and 5
/// wide (1 thread, DIRTY=2 layout bench, plain -> reuse: 3x3 of 72
/// channels at 56x56 200 -> 141 us, 144 at 56x56 370 -> 247, 576 at 14x14
/// 100 -> 67; 5x5 of 240 at 28x28 280-380 -> 190-210, 480 at 14x14
/// 150-240 -> 110-114).
template <bool Depthwise, int P, int NB, bool Reuse = false,
          bool RowsOuter = false, bool Narrow = false, int PSingle = P>
void nhwcRowsImpl(const NhwcWindow &g, const float *w, const float *bias,
                  float lo, float hi, int64_t oh0, int64_t oh1) {
  if constexpr (RowsOuter) {
    for (int64_t oh = oh0; oh < oh1; ++oh)
      nhwcRowsImpl<Depthwise, P, NB, Reuse, false, Narrow, PSingle>(
          g, w, bias, lo, hi, oh, oh + 1);
    return;
  }
  auto plainTiles = [&](auto np, auto nb, int64_t c) {
    constexpr int TP = decltype(np)::value, N = decltype(nb)::value;
    nhwcChunkRows<TP>(g, oh0, oh1,
                      [&](auto checked, int64_t oh, int64_t r0, int64_t r1,
                          int64_t ow, int n) {
                        nhwcTile<Depthwise, TP, N, decltype(checked)::value>(
                            g, w, bias, lo, hi, oh, r0, r1, ow, c, n);
                      });
  };
  auto reuse = [&](auto rp, auto rnb, auto kw, int64_t c) {
    constexpr int RP = decltype(rp)::value, RNB = decltype(rnb)::value,
                  KW = decltype(kw)::value;
    nhwcChunkRows<RP>(
        g, oh0, oh1,
        [&](auto checked, int64_t oh, int64_t r0, int64_t r1, int64_t ow,
            int n) {
          nhwcTileReuse<Depthwise, RP, RNB, KW, decltype(checked)::value>(
              g, w, bias, lo, hi, oh, r0, r1, ow, c, n);
        });
  };
  using One = std::integral_constant<int, 1>;
  using Two = std::integral_constant<int, 2>;
  using Three = std::integral_constant<int, 3>;
  using Four = std::integral_constant<int, 4>;
  using Five = std::integral_constant<int, 5>;
  using Six = std::integral_constant<int, 6>;
  using Eight = std::integral_constant<int, 8>;
  // The single vectors past the last chunk end with the last 16 channels
  // when C is no multiple of 16: they overlap the vector before, whose
  // outputs they store again with the same values (this thread's rows
  // only). MnasNet's 72 channels at 56x56, 3x3: 129 instead of 42 us with
  // the 8 past 64 one channel at a time; 120 at 28x28, 5x5: 91 instead of
  // 33.
  int64_t c = 0;
  auto vectorAt = [&](int64_t c) { return c + 16 <= g.C ? c : g.C - 16; };
  if (Reuse && Narrow) {
    auto narrow = [&](auto kw) {
      for (; c < g.C && g.C >= 16; c += 16)
        reuse(Four{}, One{}, kw, vectorAt(c));
    };
    if (g.dw == 1 && g.sw == 1 && g.kw == 3)
      narrow(Three{});
    else if (g.dw == 1 && g.sw == 1 && g.kw == 5)
      narrow(Five{});
  } else if (Reuse && g.dw == 1 && g.sw == 1 && g.kw == 3) {
    for (; c + 64 <= g.C; c += 64)
      reuse(Four{}, Four{}, Three{}, c);
    for (; c + 32 <= g.C; c += 32)
      reuse(Six{}, Two{}, Three{}, c);
    for (; c < g.C && g.C >= 16; c += 16)
      reuse(Eight{}, One{}, Three{}, vectorAt(c));
  } else if (Reuse && g.dw == 1 && g.sw == 1 && g.kw == 5) {
    for (; c + 32 <= g.C; c += 32)
      reuse(Six{}, Two{}, Five{}, c);
    for (; c < g.C && g.C >= 16; c += 16)
      reuse(Eight{}, One{}, Five{}, vectorAt(c));
  }
  for (; c + 16 * NB <= g.C; c += 16 * NB)
    plainTiles(std::integral_constant<int, P>{},
               std::integral_constant<int, NB>{}, c);
  for (; c < g.C && g.C >= 16; c += 16)
    plainTiles(std::integral_constant<int, PSingle>{}, One{}, vectorAt(c));
  // Fewer than 16 channels in all: one at a time.
  if (c < g.C)
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      int64_t r0, r1;
      nhwcRows(g, oh, r0, r1);
      nhwcScalarChannels<Depthwise>(g, w, bias, lo, hi, oh, r0, r1, c);
    }
}

} // namespace
} // namespace tessera

#endif
