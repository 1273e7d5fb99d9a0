// The direct convolution's AVX2 + FMA micro-kernel (ConvKernels.h): a tile
// of 6 output positions x 16 output channels in 12 accumulators; per tap,
// two weight vectors and 6 broadcasts straight from the image, the same
// shape as the GEMM's 6x16 block with the image in place of a packed panel
// (up to 8 positions x 8 channels for a block of at most 8; packed groups
// of 4, 8 or 16 channels). Into a channels-last output the tiles store from
// their registers, the activation inlined. This file alone is compiled with
// -mavx2 -mfma.
#include "cpu/ActivationsAvx2.h"
#include "cpu/ConvKernels.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>
#include <type_traits>

namespace tessera {
namespace {

/// Where a tile's last block of taps stores its outputs itself: the
/// output (and residual) offsets of its positions (y and r at the block's
/// first channel), the block's channel count.
struct TileOut {
  float *y;
  const float *r;
  const int64_t *yOff, *rOff;
  int nf;
};

/// One output vector of n lanes (mask: the first n when n < 8): the
/// activation Act, the residual r (null: none), then the clamp to [lo, hi].
/// Inlined where r, n and clamp are constants, the unused steps fold away.
template <int Act>
__attribute__((always_inline)) inline __m256
finishVector(__m256 v, const float *r, int64_t n, __m256i mask, bool clamp,
             __m256 lo, __m256 hi) {
  v = avx2::activate<Act>(v);
  if (r)
    v = _mm256_add_ps(v, loadLanes(r, n, mask));
  // max/min with the bound first return a NaN of v.
  return clamp ? _mm256_min_ps(hi, _mm256_max_ps(lo, v)) : v;
}

/// Stores P positions' outputs [position][16 channels] (acc0: the first 8,
/// acc1: the next 8) into a channels-last output with activation Act, the
/// residual and clamp.
template <int Act, int P>
__attribute__((always_inline)) inline void
storeTile(const ConvDirect &d, const __m256 (&acc0)[P], const __m256 (&acc1)[P],
          const TileOut &out) {
  __m256 lo = _mm256_set1_ps(d.lo), hi = _mm256_set1_ps(d.hi);
  __m256i mask0 = laneMask(out.nf), mask1 = laneMask(out.nf - 8);
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    float *y = out.y + out.yOff[p];
    const float *r = out.r ? out.r + out.rOff[p] : nullptr;
    storeLanes(y, out.nf, mask0,
               finishVector<Act>(acc0[p], r, out.nf, mask0, d.clamp, lo, hi));
    if (out.nf > 8)
      storeLanes(y + 8, out.nf - 8, mask1,
                 finishVector<Act>(acc1[p], r ? r + 8 : nullptr, out.nf - 8,
                                   mask1, d.clamp, lo, hi));
  }
}

/// storeTile for d's activation, inlined with the switch in the tile: a
/// call per vector (or per tile) made the accumulators spill around it (a
/// 16 -> 48 channel 1x1 conv, whose 16 taps leave the tile little else to
/// do, spent half its time in the stores).
template <int P>
__attribute__((always_inline)) inline void
finishTile(const ConvDirect &d, const __m256 (&acc0)[P],
           const __m256 (&acc1)[P], const TileOut &out) {
  dispatchActivation(
      d.activation, [&](auto tag) __attribute__((always_inline)) {
        storeTile<decltype(tag)::value, P>(d, acc0, acc1, out);
      });
}

/// kc taps (image offsets off[k], weights w[16 k .. 16 k + 15]) of P
/// positions (x[p]) into their [position][16 channels] sums acc0, acc1.
template <int P>
__attribute__((always_inline)) inline void
accumulate(__m256 (&acc0)[P], __m256 (&acc1)[P], const float *const *x,
           const float *w, const int64_t *off, int64_t kc) {
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k, w += 16) {
    __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);
    int64_t o = off[k];
#pragma GCC unroll 6
    for (int p = 0; p < P; ++p) {
      __m256 a = _mm256_broadcast_ss(x[p] + o);
      acc0[p] = _mm256_fmadd_ps(a, w0, acc0[p]);
      acc1[p] = _mm256_fmadd_ps(a, w1, acc1[p]);
    }
  }
}

/// Taps [k0, k0 + kc) of P positions (image offsets `in`) into their
/// [position][16 channels] partial sums `acc`, which start at the bias for
/// the first block. With `out` (the last block, a channels-last output),
/// the tile applies the activation, residual and clamp and stores its
/// outputs, as the passes over `sums` below would.
template <int P>
inline void tile(const ConvDirect &d, const float *image, const float *w,
                 int64_t k0, int64_t kc, const int64_t *in, bool first,
                 __m256 b0, __m256 b1, float *sums, const TileOut *out) {
  __m256 acc0[P], acc1[P];
  const float *x[P];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    acc0[p] = first ? b0 : _mm256_load_ps(sums + 16 * p);
    acc1[p] = first ? b1 : _mm256_load_ps(sums + 16 * p + 8);
    x[p] = image + in[p];
  }
  accumulate<P>(acc0, acc1, x, w + k0 * 16, d.off + k0, kc);
  if (out) {
    finishTile<P>(d, acc0, acc1, *out);
    return;
  }
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    _mm256_store_ps(sums + 16 * p, acc0[p]);
    _mm256_store_ps(sums + 16 * p + 8, acc1[p]);
  }
}

/// tile for a block of at most 8 channels (F = 24 or 40 ends in one): P
/// positions of one vector each, up to 8, rather than 6 of two whose
/// second half would be padding. The weights keep the 16-wide panel (the
/// first 8 of each tap), the partial sums their 16 floats per position.
template <int P>
inline void narrowTile(const ConvDirect &d, const float *image, const float *w,
                       int64_t k0, int64_t kc, const int64_t *in, bool first,
                       __m256 b0, float *sums, const TileOut *out) {
  __m256 acc[P];
  const float *x[P];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    acc[p] = first ? b0 : _mm256_load_ps(sums + 16 * p);
    x[p] = image + in[p];
  }
  const int64_t *off = d.off + k0;
  w += k0 * 16;
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k, w += 16) {
    __m256 w0 = _mm256_load_ps(w);
    int64_t o = off[k];
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p)
      acc[p] = _mm256_fmadd_ps(_mm256_broadcast_ss(x[p] + o), w0, acc[p]);
  }
  if (out) {
    finishTile<P>(d, acc, acc, *out); // nf <= 8: the second half unused
    return;
  }
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
    _mm256_store_ps(sums + 16 * p, acc[p]);
}

/// Several groups per block (ConvDirect::packedGroupF, groups of G = 4 or
/// 16 input and output channels; groups of 8 take packedHalfTile): all
/// taps of P positions (x + in[p], at the block's first input channel;
/// window tap t at offset off[G t]) stored from the registers as tile's
/// last block does. Output lane j of the block takes input element (j / G)
/// * G + c for input channel c of its group: with G = 16 one broadcast
/// feeds both halves, with G = 4 a shuffle within the 128-bit lanes of the
/// half's 8 inputs (two groups). Loads and shuffles then keep pace with the
/// multiply-adds, where a block of 16 per group (the plain tile) computes
/// mostly padding.
template <int P, int G>
inline void packedTile(const ConvDirect &d, const float *image, const float *w,
                       const int64_t *in, const int64_t *off, __m256 b0,
                       __m256 b1, const TileOut &out) {
  __m256 acc0[P], acc1[P];
  const float *x[P];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    acc0[p] = b0;
    acc1[p] = b1;
    x[p] = image + in[p];
  }
  // Groups of 4: the block's nf inputs, the loads masked past them (a last
  // block of 4 or 12 channels, whose inputs end the image's positions).
  static_assert(G == 4 || G == 16, "groups of 8 take packedHalfTile");
  bool second = out.nf > 8;
  __m256i in0 = laneMask(out.nf), in1 = laneMask(out.nf - 8);
  const int64_t taps = d.K / G;
  for (int64_t t = 0; t < taps; ++t) {
    int64_t o = off[t * G];
#pragma GCC unroll 4
    for (int c = 0; c < G; ++c, w += 16) {
      __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);
#pragma GCC unroll 6
      for (int p = 0; p < P; ++p) {
        const float *xp = x[p] + o;
        __m256 v0, v1;
        if constexpr (G == 16) {
          v0 = v1 = _mm256_broadcast_ss(xp + c);
        } else {
          // Element c of each 128-bit lane (its group of 4).
          __m256i pick = _mm256_set1_epi32(c);
          v0 = _mm256_permutevar_ps(loadLanes(xp, out.nf, in0), pick);
          v1 = second ? _mm256_permutevar_ps(loadLanes(xp + 8, out.nf - 8, in1),
                                             pick)
                      : v0;
        }
        acc0[p] = _mm256_fmadd_ps(v0, w0, acc0[p]);
        acc1[p] = _mm256_fmadd_ps(v1, w1, acc1[p]);
      }
    }
  }
  finishTile<P>(d, acc0, acc1, out);
}

/// Groups of 8 (ConvDirect::packedGroupF == 8): one group of the block
/// (half h, its lanes 8h..8h+7) for P positions, up to 8: per tap one
/// weight vector and a broadcast per position, in 8 accumulators. The
/// block's two groups in one tile of 6 positions took 12 accumulators, 2
/// weights and 2 inputs, all 16 registers, and the accumulators spilled
/// (ResNeXt's 3x3 convs of 8 channels per group at 40 GFLOP/s). Window tap
/// t of position p reads x + in[p] + off[8 t].
template <int P>
inline void packedHalfTile(const ConvDirect &d, const float *x, const float *w,
                           const int64_t *in, const int64_t *off, __m256 b,
                           int h, const TileOut &out) {
  __m256 acc[P];
  const float *xp[P];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
    acc[p] = b;
    xp[p] = x + in[p] + 8 * h;
  }
  w += 8 * h;
  const int64_t taps = d.K / 8;
  for (int64_t t = 0; t < taps; ++t) {
    int64_t o = off[t * 8];
#pragma GCC unroll 2
    for (int c = 0; c < 8; ++c, w += 16) {
      __m256 w0 = _mm256_load_ps(w);
#pragma GCC unroll 8
      for (int p = 0; p < P; ++p)
        acc[p] =
            _mm256_fmadd_ps(_mm256_broadcast_ss(xp[p] + o + c), w0, acc[p]);
    }
  }
  TileOut half = out;
  half.y += 8 * h;
  if (half.r)
    half.r += 8 * h;
  half.nf = out.nf - 8 * h < 8 ? out.nf - 8 * h : 8;
  finishTile<P>(d, acc, acc, half); // nf <= 8: the second half unused
}

/// packedHalfTile<P> by P, 1 to 8.
using PackedHalfFn = void (*)(const ConvDirect &, const float *, const float *,
                              const int64_t *, const int64_t *, __m256, int,
                              const TileOut &);
constexpr PackedHalfFn packedHalfTiles[9] = {
    nullptr,           packedHalfTile<1>, packedHalfTile<2>,
    packedHalfTile<3>, packedHalfTile<4>, packedHalfTile<5>,
    packedHalfTile<6>, packedHalfTile<7>, packedHalfTile<8>};

/// The block's input channels (nf of them, at most 16) of every window tap
/// of positions [i, i + m), from an image read in place
/// (ConvDirect::tapDy), into `buf` [position][tap][16], zero where a tap
/// lies outside the image; `bufIn` and offsets t * 16 (blockPass's
/// windowOff) then address it as `in` and ConvDirect::off do the image.
void gatherWindows(const ConvDirect &d, const float *image, const int64_t *in,
                   const int32_t (*origins)[2], int m, int nf, float *buf,
                   int64_t *bufIn) {
  const int G = d.packedGroupF;
  const int64_t taps = d.K / G;
  __m256i mask0 = laneMask(nf), mask1 = laneMask(nf - 8);
  for (int p = 0; p < m; ++p) {
    bufIn[p] = p * taps * 16;
    for (int64_t t = 0; t < taps; ++t) {
      float *dst = buf + (p * taps + t) * 16;
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      if (uint32_t(origins[p][0] + d.tapDy[t]) < uint32_t(d.H) &&
          uint32_t(origins[p][1] + d.tapDx[t]) < uint32_t(d.W)) {
        const float *src = image + in[p] + d.off[t * G];
        lo = loadLanes(src, nf, mask0);
        if (nf > 8)
          hi = loadLanes(src + 8, nf - 8, mask1);
      }
      _mm256_store_ps(dst, lo);
      _mm256_store_ps(dst + 8, hi);
    }
  }
}

/// packedTile<P, G> by P, 1 to 6.
using PackedFn = void (*)(const ConvDirect &, const float *, const float *,
                          const int64_t *, const int64_t *, __m256, __m256,
                          const TileOut &);
template <int G> struct PackedTiles {
  static constexpr PackedFn fns[7] = {
      nullptr,          packedTile<1, G>, packedTile<2, G>, packedTile<3, G>,
      packedTile<4, G>, packedTile<5, G>, packedTile<6, G>};
};

/// The tiles of 6 positions of a block's last pass of taps [k0, k0 + kc)
/// (blocks of more than 8 channels, a channels-last output): positions [0,
/// n / 6 * 6), each tile starting at the bias (the first pass) or its
/// partial sums and stored from its registers with activation Act. One call
/// for all of them, the residual and clamp decided once (Res, Clamp) and
/// whole vectors stored for blocks of 16 (Plain): with few taps a call,
/// an activation switch and masked stores per tile were a third of the
/// tile's time (16 -> 48 channel 1x1 conv at 112x112, 1 thread: 378 ->
/// 294 us).
template <int Act, bool Plain, bool Res, bool Clamp>
void storedTilesOf(const ConvDirect &d, const float *image, const float *w,
                   int64_t k0, int64_t kc, const int64_t *in, int64_t n,
                   __m256 b0, __m256 b1, const float *sums,
                   const TileOut &out) {
  __m256 lo = _mm256_set1_ps(d.lo), hi = _mm256_set1_ps(d.hi);
  __m256i all = _mm256_set1_epi32(-1);
  bool first = k0 == 0;
  for (int64_t i = 0; i + 6 <= n; i += 6) {
    __m256 acc0[6], acc1[6];
    const float *x[6];
#pragma GCC unroll 6
    for (int p = 0; p < 6; ++p) {
      acc0[p] = first ? b0 : _mm256_load_ps(sums + 16 * (i + p));
      acc1[p] = first ? b1 : _mm256_load_ps(sums + 16 * (i + p) + 8);
      x[p] = image + in[i + p];
    }
    accumulate<6>(acc0, acc1, x, w + k0 * 16, d.off + k0, kc);
    if constexpr (Plain) {
      // 16 channels: whole vectors, no masks, the residual and clamp
      // decided once for all the tiles.
#pragma GCC unroll 6
      for (int p = 0; p < 6; ++p) {
        float *yp = out.y + out.yOff[i + p];
        const float *rp = Res ? out.r + out.rOff[i + p] : nullptr;
        _mm256_storeu_ps(
            yp, finishVector<Act>(acc0[p], rp, 8, all, Clamp, lo, hi));
        _mm256_storeu_ps(yp + 8, finishVector<Act>(acc1[p], Res ? rp + 8 : nullptr,
                                                   8, all, Clamp, lo, hi));
      }
      continue;
    }
    TileOut at = out;
    at.yOff += i;
    at.rOff += i;
    storeTile<Act, 6>(d, acc0, acc1, at);
  }
}

template <int Act>
void storedTiles(const ConvDirect &d, const float *image, const float *w,
                 int64_t k0, int64_t kc, const int64_t *in, int64_t n,
                 __m256 b0, __m256 b1, const float *sums, const TileOut &out) {
  auto run = [&](auto plain, auto res, auto clamp) {
    storedTilesOf<Act, decltype(plain)::value, decltype(res)::value,
                  decltype(clamp)::value>(d, image, w, k0, kc, in, n, b0, b1,
                                          sums, out);
  };
  using Yes = std::true_type;
  using No = std::false_type;
  if (out.nf < 16)
    run(No{}, No{}, No{});
  else if (out.r && d.clamp)
    run(Yes{}, Yes{}, Yes{});
  else if (out.r)
    run(Yes{}, Yes{}, No{});
  else if (d.clamp)
    run(Yes{}, No{}, Yes{});
  else
    run(Yes{}, No{}, No{});
}

/// tile<P> by P, 1 to 6.
using TileFn = void (*)(const ConvDirect &, const float *, const float *,
                        int64_t, int64_t, const int64_t *, bool, __m256, __m256,
                        float *, const TileOut *);
constexpr TileFn tiles[7] = {nullptr, tile<1>, tile<2>, tile<3>,
                             tile<4>, tile<5>, tile<6>};

/// narrowTile<P> by P, 1 to 8.
using NarrowFn = void (*)(const ConvDirect &, const float *, const float *,
                          int64_t, int64_t, const int64_t *, bool, __m256,
                          float *, const TileOut *);
constexpr NarrowFn narrowTiles[9] = {
    nullptr,       narrowTile<1>, narrowTile<2>, narrowTile<3>, narrowTile<4>,
    narrowTile<5>, narrowTile<6>, narrowTile<7>, narrowTile<8>};

// Taps in blocks of 256 (16 KiB of weights, in L1) over all of the task's
// positions: at 7x7 maps with 4608 taps a whole panel (288 KiB) per tile
// of 6 streamed from L2.
constexpr int64_t convKC = 256;
constexpr int64_t convMaxPositions = 1536;
/// The most window taps of a conv read in place (ConvDirect::tapDy).
constexpr int64_t convMaxWindowTaps = 64;

/// Block fb of the n positions from q0 (image offsets `in`; with a
/// channels-last output their output and residual offsets yOff and rOff,
/// else yOff null).
void blockPass(const ConvDirect &d, int64_t fb, int64_t q0, int64_t n,
               const int64_t *in, const int32_t (*origins)[2], int64_t nInside,
               const int64_t *yOff, const int64_t *rOff, float *sums) {
  DirectBlock blk = directBlock(d, 16, fb);
  const float *image = d.x + blk.x;
  const float *w = d.w + fb * d.K * 16;
  __m256 b0 = _mm256_loadu_ps(d.bias + fb * 16),
         b1 = _mm256_loadu_ps(d.bias + fb * 16 + 8);
  int nf = blk.nf;
  float *y = d.y + blk.f0 * d.ysF;
  const float *r = d.r ? d.r + blk.f0 * d.rsF : nullptr;
  if (d.packedGroupF) {
    // The block's groups read the input channels from its first group's
    // on (a channels-last image and output: yOff is set).
    image = d.x + blk.f0 / d.packedGroupF * d.packedGroupC;
    // Read in place: the positions whose windows lie inside the image
    // come first (nInside of them, convDirectAvx2); the tiles of the
    // others gather their windows first, with zeros outside the image.
    const int G = d.packedGroupF;
    alignas(32) static thread_local float windows[8 * convMaxWindowTaps * 16];
    static thread_local int64_t windowOff[convMaxWindowTaps * 16];
    for (int64_t t = 0; d.tapDy && t < d.K / G; ++t)
      windowOff[t * G] = t * 16;
    // Groups of 8 one at a time, tiles of 8 positions; else tiles of 6.
    const int64_t step = G == 8 ? 8 : 6;
    const PackedFn *fns = G == 16  ? PackedTiles<16>::fns
                          : G == 8 ? nullptr
                                   : PackedTiles<4>::fns;
    auto tiles = [&](int64_t i0, int64_t i1, bool gather) {
      for (int64_t i = i0; i < i1; i += step) {
        int m = (int)(i1 - i < step ? i1 - i : step);
        TileOut to{y, r, yOff + i, rOff + i, nf};
        const float *x = image;
        const int64_t *pos = in + i, *off = d.off;
        int64_t bufIn[8];
        if (gather) {
          gatherWindows(d, image, in + i, origins + i, m, nf, windows, bufIn);
          x = windows;
          pos = bufIn;
          off = windowOff;
        }
        if (G != 8) {
          fns[m](d, x, w, pos, off, b0, b1, to);
          continue;
        }
        for (int h = 0; h < (nf > 8 ? 2 : 1); ++h)
          packedHalfTiles[m](d, x, w, pos, off, h ? b1 : b0, h, to);
      }
    };
    tiles(0, nInside, false);
    tiles(nInside, n, true);
    return;
  }
  // A channels-last output: the last block of taps stores each tile's
  // outputs from its registers (the partial sums of earlier blocks go
  // through `sums`).
  // Up to 1.5 blocks of taps in one rather than a block and a sliver,
  // whose tiles store and reload every partial sum (as the AVX-512 kernel).
  int64_t kcMax = d.K <= convKC * 3 / 2 ? d.K : convKC;
  // Tiles of 6 positions, the last ones of 5 where that leaves no shorter
  // one: a tile of 1 to 3 positions waits on the multiply-add latency (the
  // 49 positions of a 7x7 map as 8 x 6 + 1 rather than 4 x 6 + 5 x 5).
  int64_t tiles6 = (n + 5) / 6, fives = 6 * tiles6 - n;
  int64_t n6 = fives <= tiles6 ? (tiles6 - fives) * 6 : n / 6 * 6;
  for (int64_t k0 = 0; k0 < d.K; k0 += kcMax) {
    int64_t kc = d.K - k0 < kcMax ? d.K - k0 : kcMax;
    bool last = yOff && k0 + kc == d.K;
    if (nf <= 8) {
      for (int64_t i = 0; i < n; i += 8) {
        int m = (int)(n - i < 8 ? n - i : 8);
        TileOut at{y, r, yOff + i, rOff + i, nf};
        narrowTiles[m](d, image, w, k0, kc, in + i, k0 == 0, b0, sums + 16 * i,
                       last ? &at : nullptr);
      }
      continue;
    }
    int64_t i = 0;
    if (last) {
      TileOut at{y, r, yOff, rOff, nf};
      dispatchActivation(d.activation, [&](auto tag) {
        storedTiles<decltype(tag)::value>(d, image, w, k0, kc, in, n6, b0, b1,
                                          sums, at);
      });
      i = n6;
    }
    for (int m; i < n; i += m) {
      m = (int)(i < n6 ? 6 : fives <= tiles6 ? 5 : n - i);
      TileOut at{y, r, yOff + i, rOff + i, nf};
      tiles[m](d, image, w, k0, kc, in + i, k0 == 0, b0, b1, sums + 16 * i,
               last ? &at : nullptr);
    }
  }
  if (yOff)
    return;
  // The activation on the partial sums (bias + conv) while in cache.
  if (d.activation != ActNone) {
    Epilogue e;
    e.activation = d.activation;
    applyEpilogueAvx2(e, sums, 16, n, 16);
  }
  // [position][channel] -> the channel-major output: 8x8 transposes when
  // the positions are consecutive in memory (a dense output), then one
  // element at a time.
  int64_t i0 = 0;
  if (d.ysW == 1 && d.ysH == d.OW && (!r || (d.rsW == 1 && d.rsH == d.OW)))
    for (; i0 + 8 <= n; i0 += 8) {
      const float *rows[8];
      for (int i = 0; i < 8; ++i)
        rows[i] = sums + 16 * (i0 + i);
      for (int half = 0; half < 16 && half < nf; half += 8) {
        __m256 col[8];
        transpose8(rows, half, col);
        for (int j = 0; j < 8 && half + j < nf; ++j) {
          if (r)
            col[j] = _mm256_add_ps(
                col[j], _mm256_loadu_ps(r + (half + j) * d.rsF + q0 + i0));
          // max/min with the bound first return a NaN of col[j].
          if (d.clamp)
            col[j] = _mm256_min_ps(_mm256_set1_ps(d.hi),
                                   _mm256_max_ps(_mm256_set1_ps(d.lo), col[j]));
          _mm256_storeu_ps(y + (half + j) * d.ysF + q0 + i0, col[j]);
        }
      }
    }
  storeDirectTail(d, sums, 16, nf, y, r, q0, i0, n);
}

} // namespace

void convDirectAvx2(const ConvDirect &d, int64_t fb0, int64_t fb1, int64_t p0,
                    int64_t p1) {
  // At most convMaxPositions per pass: their partial sums stay in L2.
  for (int64_t q0 = p0; q0 < p1; q0 += convMaxPositions) {
    int64_t q1 = q0 + convMaxPositions < p1 ? q0 + convMaxPositions : p1;
    int64_t n = q1 - q0;
    alignas(32) static thread_local float sums[convMaxPositions * 16];
    // The positions' image offsets (and a channels-last output's and
    // residual's), once for all the blocks.
    int64_t in[convMaxPositions];
    directOffsets(d, q0, n, 0, in);
    // Read in place: the windows' origins, which may lie in the padding.
    int32_t origins[convMaxPositions][2];
    if (d.tapDy)
      for (int64_t i = 0, oh = q0 / d.OW, ow = q0 % d.OW; i < n; ++i) {
        in[i] -= d.padT * d.ldx + d.padL * d.ldw;
        origins[i][0] = int32_t(oh * d.sh - d.padT);
        origins[i][1] = int32_t(ow * d.sw - d.padL);
        if (++ow == d.OW) {
          ow = 0;
          ++oh;
        }
      }
    bool rowsOut = channelsLastOutput(d);
    int64_t yOff[convMaxPositions], rOff[convMaxPositions];
    if (rowsOut)
      for (int64_t i = 0, oh = q0 / d.OW, ow = q0 % d.OW; i < n; ++i) {
        yOff[i] = oh * d.ysH + ow * d.ysW;
        rOff[i] = oh * d.rsH + ow * d.rsW;
        if (++ow == d.OW) {
          ow = 0;
          ++oh;
        }
      }
    // Read in place (packed groups of 8, channels-last output): the
    // positions whose windows lie inside the image first, in order, then
    // the others.
    int64_t nInside = n;
    if (d.tapDy) {
      int64_t taps = d.K / d.packedGroupF;
      int32_t dyMax = d.tapDy[taps - 1], dxMax = d.tapDx[taps - 1];
      static thread_local int64_t rest[3][convMaxPositions];
      static thread_local int32_t restAt[convMaxPositions][2];
      int64_t k = 0, j = 0;
      for (int64_t i = 0; i < n; ++i) {
        const int32_t *o = origins[i];
        bool inside =
            o[0] >= 0 && o[0] + dyMax < d.H && o[1] >= 0 && o[1] + dxMax < d.W;
        int64_t a = in[i], b = yOff[i], c = rOff[i];
        int32_t oy = o[0], ox = o[1];
        if (inside) {
          in[k] = a;
          yOff[k] = b;
          rOff[k] = c;
          origins[k][0] = oy;
          origins[k][1] = ox;
          ++k;
        } else {
          rest[0][j] = a;
          rest[1][j] = b;
          rest[2][j] = c;
          restAt[j][0] = oy;
          restAt[j][1] = ox;
          ++j;
        }
      }
      nInside = k;
      for (int64_t i = 0; i < j; ++i) {
        in[k + i] = rest[0][i];
        yOff[k + i] = rest[1][i];
        rOff[k + i] = rest[2][i];
        origins[k + i][0] = restAt[i][0];
        origins[k + i][1] = restAt[i][1];
      }
    }
    for (int64_t fb = fb0; fb < fb1; ++fb)
      blockPass(d, fb, q0, n, in, origins, nInside, rowsOut ? yOff : nullptr,
                rOff, sums);
  }
}

} // namespace tessera
