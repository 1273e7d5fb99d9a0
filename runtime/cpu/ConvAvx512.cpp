// The direct convolution's AVX-512 micro-kernel (ConvKernels.h): a tile of
// up to 6 output positions x 16*NV output channels (NV <= 4) in 6*NV zmm
// accumulators; per tap, NV weight vectors and one broadcast from the image
// per position, so each broadcast feeds NV multiply-adds (the layout of
// ONNX Runtime's NCHWc kernels, with the image left in NCHW). This file
// alone is compiled with -mavx512f -mfma.
#include "cpu/Activations.h"
#include "cpu/ConvKernels.h"
#include "cpu/EpilogueAvx512.h"
#include "cpu/GemmKernels.h"
#include "cpu/TransposeAvx512.h"

#include <immintrin.h>

#include <algorithm>
#include <utility>

namespace tessera {
namespace {

/// acc[p] += taps [k0, k0 + kc) of position p (image offset in[p]).
template <int P, int NV>
inline void accumulate(__m512 (&acc)[P][NV], const ConvDirect &d,
                       const float *w, int64_t k0, int64_t kc,
                       const int64_t *in, Prefetch pf = {}) {
  constexpr int CW = 16 * NV;
  const float *x[P];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
    x[p] = d.x + in[p];
  const int64_t *off = d.off + k0;
  w += k0 * CW;
  if constexpr (NV == 1) {
    // One vector: P <= 6 accumulators are fewer chains than the FMA
    // latency times its throughput (4 x 2) needs; odd taps go to a second
    // set, added in at the end.
    __m512 odd[P];
#pragma GCC unroll 6
    for (int p = 0; p < P; ++p)
      odd[p] = _mm512_setzero_ps();
    int64_t k = 0;
    for (; k + 1 < kc; k += 2, w += 2 * CW) {
      __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + CW);
      int64_t o0 = off[k], o1 = off[k + 1];
#pragma GCC unroll 6
      for (int p = 0; p < P; ++p) {
        acc[p][0] = _mm512_fmadd_ps(_mm512_set1_ps(x[p][o0]), w0, acc[p][0]);
        odd[p] = _mm512_fmadd_ps(_mm512_set1_ps(x[p][o1]), w1, odd[p]);
      }
    }
    if (k < kc) {
      __m512 w0 = _mm512_load_ps(w);
      int64_t o0 = off[k];
#pragma GCC unroll 6
      for (int p = 0; p < P; ++p)
        acc[p][0] = _mm512_fmadd_ps(_mm512_set1_ps(x[p][o0]), w0, acc[p][0]);
    }
#pragma GCC unroll 6
    for (int p = 0; p < P; ++p)
      acc[p][0] = _mm512_add_ps(acc[p][0], odd[p]);
    return;
  }
  for (int64_t k = 0; k < kc; ++k, w += CW) {
    if (k < pf.lines)
      _mm_prefetch(pf.at + 64 * k, _MM_HINT_T0);
    __m512 wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm512_load_ps(w + 16 * v);
    int64_t o = off[k];
#pragma GCC unroll 6
    for (int p = 0; p < P; ++p) {
      __m512 a = _mm512_set1_ps(x[p][o]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[p][v] = _mm512_fmadd_ps(a, wv[v], acc[p][v]);
    }
  }
}

/// Taps [k0, k0 + kc) of P positions (image offsets `in`) into their
/// [position][16*NV channels] partial sums, which start at the bias for the
/// first block; `pf` prefetched on the way.
template <int P, int NV>
void tile(const ConvDirect &d, const float *w, int64_t k0, int64_t kc,
          const int64_t *in, bool first, const float *bias, float *sums,
          Prefetch pf) {
  constexpr int CW = 16 * NV;
  __m512 acc[P][NV];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[p][v] = _mm512_load_ps((first ? bias : sums + CW * p) + 16 * v);
  accumulate<P, NV>(acc, d, w, k0, kc, in, pf);
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm512_store_ps(sums + CW * p + 16 * v, acc[p][v]);
}

/// The direct kernel's tiles over positions [q0, q0 + n): 6 at a time; where
/// most taps read padding (d.sparseTaps), cut also between two positions
/// whose live taps differ while neither reads them all, so that no tile
/// takes the union of two such regions' taps. DeepLabV3's ASPP conv of
/// dilation 24 over 28x28: columns 4 to 23 read only their centre tap,
/// those before and after two, and tiles across those bounds ran two or
/// three for all their positions (2 threads, 6.9 -> 6.4 ms; dilation 12
/// 13.0 -> 11.9). Ordinary padded convs keep whole tiles: cut at every
/// row's ends, ResNet-18's 512-channel 3x3 convs at 7x7 took 1.3x as
/// long. tileAt[t] is tile t's first position, tileAt[count] = n.
int directTiles(const ConvDirect &d, int64_t q0, int64_t n, int64_t *tileAt) {
  int count = 0;
  if (!d.sparseTaps) {
    for (int64_t i = 0; i < n; i += 6)
      tileAt[count++] = i;
    tileAt[count] = n;
    return count;
  }
  int64_t start = 0;
  uint64_t prev = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t live = liveTaps(d, q0 + i, 1);
    bool cut = i == start + 6 || (i > start && live != prev &&
                                  live != ~uint64_t(0) && prev != ~uint64_t(0));
    if (i == 0 || cut) {
      tileAt[count++] = i;
      start = i;
    }
    prev = live;
  }
  tileAt[count] = n;
  return count;
}

/// All taps of P positions (those in `live`, liveTaps) stored from the
/// registers into a channel-contiguous output (y[p], the first nf
/// channels): bias, activation Act, residual r[p] (when r) and clamp
/// applied.
template <int P, int NV, int Act>
void tileOut(const ConvDirect &d, const float *w, const int64_t *in,
             uint64_t live, const float *bias, float *const *y,
             const float *const *r, int nf) {
  __m512 acc[P][NV];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[p][v] = _mm512_load_ps(bias + 16 * v);
  forLiveTaps(d, live, 0, d.K, [&](int64_t k, int64_t n) {
    accumulate<P, NV>(acc, d, w, k, n, in);
  });
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    int left = nf - 16 * v;
    mask[v] = left >= 16 ? (__mmask16)0xffff
              : left > 0 ? (__mmask16)((1u << left) - 1)
                         : (__mmask16)0;
  }
  const __m512 lo = _mm512_set1_ps(d.lo), hi = _mm512_set1_ps(d.hi);
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 val = activate<Act>(acc[p][v]);
      if (r)
        val = _mm512_add_ps(val, _mm512_maskz_loadu_ps(mask[v], r[p] + 16 * v));
      // max/min with the bound first return a NaN of val.
      if (d.clamp)
        val = _mm512_min_ps(hi, _mm512_max_ps(lo, val));
      _mm512_mask_storeu_ps(y[p] + 16 * v, mask[v], val);
    }
}

/// The P accumulators of a packed tile (one vector each, the block's nf
/// channels) into the channel-contiguous output y[p]: activation, residual
/// r[p] (when r) and clamp applied. Always inlined: through a call, the
/// accumulators it takes by reference were kept in memory all along the
/// tile (its multiply-adds 1.2-1.9x as long).
template <int P>
__attribute__((always_inline)) inline void
storePacked(const ConvDirect &d, const __m512 (&acc)[P], float *const *y,
            const float *const *r, int nf) {
  __mmask16 mask = nf >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nf) - 1);
  const __m512 lo = _mm512_set1_ps(d.lo), hi = _mm512_set1_ps(d.hi);
#pragma GCC unroll 12
  for (int p = 0; p < P; ++p) {
    __m512 val =
        d.activation != ActNone ? activateAny(d.activation, acc[p]) : acc[p];
    if (r)
      val = _mm512_add_ps(val, _mm512_maskz_loadu_ps(mask, r[p]));
    // max/min with the bound first return a NaN of val.
    if (d.clamp)
      val = _mm512_min_ps(hi, _mm512_max_ps(lo, val));
    _mm512_mask_storeu_ps(y[p], mask, val);
  }
}

/// Several groups per block (ConvDirect::packedGroupF): all taps of P
/// positions (image offsets `in`, at the block's first input channel),
/// stored from the registers into a channel-contiguous output (y[p], the
/// block's nf channels) with the bias, activation, residual (r[p], when r)
/// and clamp. Per window tap, each position's inputs of the block's groups
/// are one vector (the `span` lanes, the rest zero); for input channel c of
/// a group, output lane j takes its element (j / groupF) * groupC + c, one
/// permute (Mode PackedPermute; PackedLanes4 for groups of 4 inputs and 4
/// outputs, whose permutes stay within 128-bit lanes), or with one group
/// per block a broadcast (PackedBroadcast). P up to 12: the accumulators
/// are the only chains, 12 of them. Window taps not in `live` (liveTaps)
/// are skipped.
enum PackedMode { PackedPermute, PackedLanes4, PackedBroadcast };

/// A packed block's mode: one group of 16 broadcasts, groups of 4 inputs
/// and 4 outputs permute within 128-bit lanes, the others permute.
inline PackedMode packedMode(const ConvDirect &d) {
  return d.packedGroupF == 16                         ? PackedBroadcast
         : d.packedGroupF == 4 && d.packedGroupC == 4 ? PackedLanes4
                                                      : PackedPermute;
}

/// The permute indices of a packed block's first input channel: lane j
/// takes element (j / packedGroupF) * packedGroupC (packedGroupF a power
/// of two); input channel c's are these plus c.
inline __m512i packedFirst(const ConvDirect &d) {
  const __m512i lane =
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  return _mm512_mullo_epi32(
      _mm512_srlv_epi32(lane, _mm512_set1_epi32(__builtin_ctz(d.packedGroupF))),
      _mm512_set1_epi32(d.packedGroupC));
}

template <int P, int Mode>
void packedTile(const ConvDirect &d, const float *w, const int64_t *in,
                uint64_t live, __mmask16 span, const float *bias,
                float *const *y, const float *const *r, int nf) {
  const int gc = d.packedGroupC;
  const int64_t taps = d.K / gc;
  const float *x[P];
  __m512 acc[P];
#pragma GCC unroll 12
  for (int p = 0; p < P; ++p) {
    x[p] = d.x + in[p];
    acc[p] = _mm512_load_ps(bias);
  }
  const __m512i first = packedFirst(d), one = _mm512_set1_epi32(1);
  for (int64_t t = 0; t < taps; ++t) {
    // A window tap none of the positions reads (liveTaps): its gc vectors
    // of weights skipped.
    if (!(live >> t & 1)) {
      w += 16 * gc;
      continue;
    }
    int64_t o = d.off[t * gc];
    __m512 v[P];
    if constexpr (Mode != PackedBroadcast)
#pragma GCC unroll 12
      for (int p = 0; p < P; ++p)
        v[p] = _mm512_maskz_loadu_ps(span, x[p] + o);
    if constexpr (Mode == PackedLanes4) {
      __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + 16),
             w2 = _mm512_load_ps(w + 32), w3 = _mm512_load_ps(w + 48);
      w += 64;
#pragma GCC unroll 12
      for (int p = 0; p < P; ++p) {
        acc[p] = _mm512_fmadd_ps(_mm512_permute_ps(v[p], 0x00), w0, acc[p]);
        acc[p] = _mm512_fmadd_ps(_mm512_permute_ps(v[p], 0x55), w1, acc[p]);
        acc[p] = _mm512_fmadd_ps(_mm512_permute_ps(v[p], 0xaa), w2, acc[p]);
        acc[p] = _mm512_fmadd_ps(_mm512_permute_ps(v[p], 0xff), w3, acc[p]);
      }
    } else if constexpr (Mode == PackedBroadcast) {
      // One group per block: every lane takes the same input, broadcast
      // from memory (12 positions: 1 thread, ResNeXt's 16-channel groups
      // at 14x14, 225-234 against 245-355 us half broadcast and half
      // permuted and 275-296 all permuted).
      for (int c = 0; c < gc; ++c, w += 16) {
        __m512 wv = _mm512_load_ps(w);
#pragma GCC unroll 12
        for (int p = 0; p < P; ++p)
          acc[p] = _mm512_fmadd_ps(_mm512_set1_ps(x[p][o + c]), wv, acc[p]);
      }
    } else {
      __m512i idx = first;
      for (int c = 0; c < gc; ++c, w += 16) {
        __m512 wv = _mm512_load_ps(w);
#pragma GCC unroll 12
        for (int p = 0; p < P; ++p)
          acc[p] =
              _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, v[p]), wv, acc[p]);
        idx = _mm512_add_epi32(idx, one);
      }
    }
  }
  storePacked<P>(d, acc, y, r, nf);
}

using PackedTileFn = void (*)(const ConvDirect &, const float *,
                              const int64_t *, uint64_t, __mmask16,
                              const float *, float *const *,
                              const float *const *, int);
constexpr int packedTileMax = 12;
template <int Mode> struct PackedTiles {
  static constexpr PackedTileFn fns[packedTileMax + 1] = {nullptr,
                                                          packedTile<1, Mode>,
                                                          packedTile<2, Mode>,
                                                          packedTile<3, Mode>,
                                                          packedTile<4, Mode>,
                                                          packedTile<5, Mode>,
                                                          packedTile<6, Mode>,
                                                          packedTile<7, Mode>,
                                                          packedTile<8, Mode>,
                                                          packedTile<9, Mode>,
                                                          packedTile<10, Mode>,
                                                          packedTile<11, Mode>,
                                                          packedTile<12, Mode>};
};

/// fn(std::integral_constant<int, I>{}) for I = 0, 1, ..., N - 1, unrolled
/// at compile time (register arrays indexed by I stay in registers).
template <typename Fn, int... I>
inline void unrolled(std::integer_sequence<int, I...>, Fn &&fn) {
  (fn(std::integral_constant<int, I>{}), ...);
}
template <int N, typename Fn> inline void unrolled(Fn &&fn) {
  unrolled(std::make_integer_sequence<int, N>{}, fn);
}

/// A packed tile (packedTile) of P consecutive positions of one output row
/// of a 3-wide window of column stride SW and dilation 1
/// (ConvDirect::rowReuse). Neighbouring positions read the same image
/// columns: per window row and input channel, each of the row's
/// (P - 1) * SW + 3 columns is broadcast (or permuted into the groups'
/// lanes) once and feeds the up to 3 positions whose window holds it,
/// rather than once per position and window column. x0: the offset in the
/// image (d.x) of the first position's window and the block's first input
/// channel; window row r is read only if bit r of `rows` is set, and with
/// Edge only the row's columns [uLo, uHi) (the others lie in the padding,
/// outside the image; so may x0).
template <int P, int Mode, int SW, bool Edge>
void rowTile(const ConvDirect &d, const float *w, int64_t x0, uint32_t rows,
             int uLo, int uHi, __mmask16 span, const float *bias,
             float *const *y, const float *const *r, int nf) {
  constexpr int KW = 3, U = (P - 1) * SW + KW;
  const int gc = d.packedGroupC;
  const int64_t kh = d.K / gc / KW, ldw = d.ldw;
  __m512 acc[P];
  unrolled<P>([&](auto p) { acc[p] = _mm512_load_ps(bias); });
  // Image column u times window column s's weight into the position whose
  // window column s it is.
  auto feed = [&](auto u, __m512 b, auto weight) {
    unrolled<KW>([&](auto s) {
      constexpr int q = decltype(u)::value - decltype(s)::value;
      if constexpr (q >= 0 && q % SW == 0 && q / SW < P)
        acc[q / SW] = _mm512_fmadd_ps(b, weight(s), acc[q / SW]);
    });
  };
  const __m512i first = packedFirst(d), one = _mm512_set1_epi32(1);
  for (int64_t row = 0; row < kh; ++row, w += KW * 16 * gc) {
    if (!(rows >> row & 1))
      continue;
    int64_t x = x0 + d.off[row * KW * gc];
    // Per input channel, its 3 window columns' weights stay in registers
    // while the row's image columns go by (reloaded from L1 per channel in
    // the permuted modes: one load and permute per 3 multiply-adds).
    auto channel = [&](int c, auto input) {
      __m512 wv[KW];
      unrolled<KW>(
          [&](auto s) { wv[s] = _mm512_load_ps(w + (s * gc + c) * 16); });
      unrolled<U>([&](auto u) {
        if (Edge && (u < uLo || u >= uHi))
          return;
        feed(u, input(d.x + (x + u * ldw)), [&](auto s) { return wv[s]; });
      });
    };
    if constexpr (Mode == PackedBroadcast) {
      for (int c = 0; c < gc; ++c)
        channel(c, [&](const float *col) { return _mm512_set1_ps(col[c]); });
    } else if constexpr (Mode == PackedLanes4) {
      unrolled<4>([&](auto c) {
        channel(c, [&](const float *col) {
          return _mm512_permute_ps(_mm512_maskz_loadu_ps(span, col),
                                   0x55 * decltype(c)::value);
        });
      });
    } else {
      __m512i idx = first;
      for (int c = 0; c < gc; ++c, idx = _mm512_add_epi32(idx, one))
        channel(c, [&](const float *col) {
          return _mm512_permutexvar_ps(idx, _mm512_maskz_loadu_ps(span, col));
        });
    }
  }
  storePacked<P>(d, acc, y, r, nf);
}

using RowTileFn = void (*)(const ConvDirect &, const float *, int64_t, uint32_t,
                           int, int, __mmask16, const float *, float *const *,
                           const float *const *, int);
template <int Mode, int SW, bool Edge> struct RowTiles {
  static constexpr RowTileFn fns[packedTileMax + 1] = {
      nullptr,
      rowTile<1, Mode, SW, Edge>,
      rowTile<2, Mode, SW, Edge>,
      rowTile<3, Mode, SW, Edge>,
      rowTile<4, Mode, SW, Edge>,
      rowTile<5, Mode, SW, Edge>,
      rowTile<6, Mode, SW, Edge>,
      rowTile<7, Mode, SW, Edge>,
      rowTile<8, Mode, SW, Edge>,
      rowTile<9, Mode, SW, Edge>,
      rowTile<10, Mode, SW, Edge>,
      rowTile<11, Mode, SW, Edge>,
      rowTile<12, Mode, SW, Edge>};
};

/// The row tiles of a packed block's mode and column stride, inside the
/// image's columns or not (Edge).
template <int SW, bool Edge> const RowTileFn *rowTiles(const ConvDirect &d) {
  switch (packedMode(d)) {
  case PackedBroadcast:
    return RowTiles<PackedBroadcast, SW, Edge>::fns;
  case PackedLanes4:
    return RowTiles<PackedLanes4, SW, Edge>::fns;
  default:
    return RowTiles<PackedPermute, SW, Edge>::fns;
  }
}

using TileOutFn = void (*)(const ConvDirect &, const float *, const int64_t *,
                           uint64_t, const float *, float *const *,
                           const float *const *, int);

template <int NV, int Act> struct TilesOut {
  static constexpr TileOutFn fns[7] = {nullptr,
                                       tileOut<1, NV, Act>,
                                       tileOut<2, NV, Act>,
                                       tileOut<3, NV, Act>,
                                       tileOut<4, NV, Act>,
                                       tileOut<5, NV, Act>,
                                       tileOut<6, NV, Act>};
};

using TileFn = void (*)(const ConvDirect &, const float *, int64_t, int64_t,
                        const int64_t *, bool, const float *, float *,
                        Prefetch);

template <int NV> struct Tiles {
  static constexpr TileFn fns[7] = {nullptr,     tile<1, NV>, tile<2, NV>,
                                    tile<3, NV>, tile<4, NV>, tile<5, NV>,
                                    tile<6, NV>};
};

// Taps in blocks of 256 (64 KiB of weights at 64 channels, streamed from L2
// under the prefetches below): half the partial sums' stores and reloads of
// blocks of 128, which kept them in the 48 KiB L1. Alternating runs, 2
// threads: ResNet-50 25.5 -> 24.4 ms, ResNeXt-50 28.9 -> 28.2, ResNet-18
// 9.2 -> 8.7; 1 thread ResNet-50 40.2 -> 38.2; EfficientNet-B0, RegNets and
// wav2vec2 within noise.
constexpr int64_t convKC = 256;
// At most this many taps go straight from the registers to the output
// (TilesOut), all in one block.
constexpr int64_t convTapsOut = 192;

template <int NV>
void run(const ConvDirect &d, int64_t fb, int64_t p0, int64_t p1, float *sums) {
  constexpr int CW = 16 * NV;
  const float *w = d.w + fb * d.K * CW;
  const float *bias = d.bias + fb * CW;
  DirectBlock blk = directBlock(d, CW, fb);
  int64_t blocks = d.F / d.groupF * ((d.groupF + CW - 1) / CW);
  int nf = blk.nf;
  float *y = d.y + blk.f0 * d.ysF;
  const float *r = d.r ? d.r + blk.f0 * d.rsF : nullptr;
  bool dense =
      d.ysW == 1 && d.ysH == d.OW && (!r || (d.rsW == 1 && d.rsH == d.OW));
  // Several groups per block: their first input channel, and the lanes of
  // the image vector that hold their channels.
  int64_t x0 = blk.x;
  __mmask16 span = 0;
  if (NV == 1 && d.packedGroupF) {
    x0 = blk.f0 / d.packedGroupF * d.packedGroupC;
    int lanes = nf / d.packedGroupF * d.packedGroupC;
    span = lanes >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << lanes) - 1);
  }
  for (int64_t q0 = p0; q0 < p1; q0 += convMaxPositions512) {
    int64_t q1 = q0 + convMaxPositions512 < p1 ? q0 + convMaxPositions512 : p1;
    int64_t n = q1 - q0;
    int64_t in[convMaxPositions512];
    directOffsets(d, q0, n, x0, in);
    // All taps in one block and a channel-contiguous output: the tiles
    // store from their registers, with the bias, activation, residual and
    // clamp (2 threads, 1x1 convs: 16 -> 48 channels at 112x112 77-99
    // against 115-125 us through the partial sums; 24 -> 144 at 56x56 88
    // against 117; MobileNetV2 and MnasNet -11 to -13%).
    float *yp[convMaxPositions512];
    const float *rp[convMaxPositions512];
    auto outputs = [&] {
      for (int64_t i = 0, oh = q0 / d.OW, ow = q0 % d.OW; i < n; ++i) {
        yp[i] = y + oh * d.ysH + ow * d.ysW;
        rp[i] = r ? r + oh * d.rsH + ow * d.rsW : nullptr;
        if (++ow == d.OW) {
          ow = 0;
          ++oh;
        }
      }
    };
    if (NV == 1 && d.packedGroupF && d.rowReuse) {
      // Tiles within output rows, each row's stretch in this pass cut
      // into near-equal tiles of up to packedTileMax positions.
      // A tile's image columns (the padded image's in[j]'s) start at
      // column ow * sw - padL of the image.
      outputs();
      const RowTileFn *inside = d.sw == 1 ? rowTiles<1, false>(d)
                                          : rowTiles<2, false>(d),
                      *edge = d.sw == 1 ? rowTiles<1, true>(d)
                                        : rowTiles<2, true>(d);
      int64_t shift = d.padT * d.ldx + d.padL * d.ldw;
      for (int64_t i = 0; i < n;) {
        int64_t oh = (q0 + i) / d.OW, ow = (q0 + i) % d.OW;
        int64_t len = std::min(n - i, d.OW - ow);
        int64_t tiles = (len + packedTileMax - 1) / packedTileMax;
        uint32_t rows = d.rowTaps[oh];
        for (int64_t t = 0; t < tiles; ++t) {
          int64_t j = i + len * t / tiles;
          int m = int(i + len * (t + 1) / tiles - j);
          int64_t col = (ow + j - i) * d.sw - d.padL, cols = (m - 1) * d.sw + 3;
          int uLo = int(std::max<int64_t>(0, -col)),
              uHi = int(std::min<int64_t>(cols, d.W - col));
          const RowTileFn *fns = uLo > 0 || uHi < cols ? edge : inside;
          fns[m](d, w, in[j] - shift, rows, uLo, uHi, span, bias, yp + j,
                 r ? rp + j : nullptr, nf);
        }
        i += len;
      }
      continue;
    }
    if (NV == 1 && d.packedGroupF) {
      outputs();
      PackedMode mode = packedMode(d);
      const PackedTileFn *fns =
          mode == PackedBroadcast ? PackedTiles<PackedBroadcast>::fns
          : mode == PackedLanes4  ? PackedTiles<PackedLanes4>::fns
                                  : PackedTiles<PackedPermute>::fns;
      for (int64_t i = 0; i < n; i += packedTileMax) {
        int m = int(n - i < packedTileMax ? n - i : packedTileMax);
        fns[m](d, w, in + i, liveTaps(d, q0 + i, m), span, bias, yp + i,
               r ? rp + i : nullptr, nf);
      }
      continue;
    }
    // The tiles' first positions (tileAt[t], tileAt[numTiles] = n).
    int64_t tileAt[convMaxPositions512 + 1];
    int numTiles = directTiles(d, q0, n, tileAt);
    if (d.K <= convTapsOut && channelsLastOutput(d)) {
      outputs();
      dispatchActivation(d.activation, [&](auto act) {
        for (int t = 0; t < numTiles; ++t) {
          int64_t i = tileAt[t];
          int m = int(tileAt[t + 1] - i);
          TilesOut<NV, decltype(act)::value>::fns[m](
              d, w, in + i, liveTaps(d, q0 + i, m), bias, yp + i,
              r ? rp + i : nullptr, nf);
        }
      });
      continue;
    }
    uint64_t live[convMaxPositions512];
    for (int t = 0; t < numTiles; ++t)
      live[t] = liveTaps(d, q0 + tileAt[t], tileAt[t + 1] - tileAt[t]);
    // Up to 1.5 blocks of taps in one rather than a block and a sliver,
    // whose tiles store and reload every partial sum.
    int64_t kcMax = d.K <= convKC * 3 / 2 ? d.K : convKC;
    for (int64_t k0 = 0; k0 < d.K; k0 += kcMax) {
      int64_t kc = d.K - k0 < kcMax ? d.K - k0 : kcMax;
      // The next block of taps' weights (after the last, the next channel
      // block's first) prefetched as the GEMM's next panel is (Prefetch):
      // ResNet's 512-channel 3x3 convs at 7x7 in a chain of 6
      // (tessera-conv-chain-bench 512 7 2 6) 820-900 -> 710-800 us. (All
      // of a tile's prefetches issued before it, they made the chain
      // slower: they fill the queue of misses the tile's loads wait in.)
      const float *next = nullptr;
      int64_t nextTaps = 0;
      if (d.prefetch && k0 + kc < d.K) {
        next = w + (k0 + kc) * CW;
        nextTaps = std::min(kcMax, d.K - k0 - kc);
      } else if (d.prefetch && fb + 1 < blocks) {
        next = w + d.K * CW;
        nextTaps = std::min(kcMax, d.K);
      }
      int64_t nextLines = nextTaps * CW * int64_t(sizeof(float)) / 64;
      for (int t = 0; t < numTiles; ++t) {
        int64_t i = tileAt[t];
        int m = int(tileAt[t + 1] - i);
        // The runs of taps the tile's positions read (liveTaps; the first
        // takes the prefetch); with none in the first block, the bias.
        bool first = k0 == 0;
        Prefetch pf = prefetchShare(next, nextLines, t, kc);
        forLiveTaps(d, live[t], k0, kc, [&](int64_t k, int64_t c) {
          Tiles<NV>::fns[m](d, w, k, c, in + i, first, bias, sums + CW * i, pf);
          first = false;
          pf = Prefetch{};
        });
        if (first)
          Tiles<NV>::fns[m](d, w, k0, 0, in + i, true, bias, sums + CW * i,
                            Prefetch{});
      }
    }
    // The activation on the partial sums (bias + conv) while in cache.
    if (d.activation != ActNone) {
      Epilogue e;
      e.activation = d.activation;
      applyEpilogueAvx512(e, sums, CW, n, CW);
    }
    // [position][channel] -> the channel-major output: blocks of 16
    // positions x 16 channels transposed in registers, each channel's 16
    // positions one store when they are consecutive in memory (a dense
    // output), else one element at a time. (Gathering 16 positions per
    // channel took a quarter of ResNet's 7x7 stem conv.)
    if (channelsLastOutput(d)) {
      storeDirectRows(d, sums, CW, nf, y, r, q0, n);
      continue;
    }
    int64_t i0 = 0;
    if (dense)
      for (; i0 < n; i0 += 16) {
        int64_t left = n - i0;
        __mmask16 mask =
            left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        for (int g = 0; 16 * g < nf; ++g) {
          __m512 t[16];
          for (int j = 0; j < 16; ++j)
            t[j] = j < left ? _mm512_load_ps(sums + CW * (i0 + j) + 16 * g)
                            : _mm512_setzero_ps();
          transpose16(t);
          int channels = nf - 16 * g < 16 ? nf - 16 * g : 16;
          for (int c = 0; c < channels; ++c) {
            int f = 16 * g + c;
            __m512 v = t[c];
            if (r)
              v = _mm512_add_ps(
                  v, _mm512_maskz_loadu_ps(mask, r + f * d.rsF + q0 + i0));
            // max/min with the bound first return a NaN of v.
            if (d.clamp)
              v = _mm512_min_ps(_mm512_set1_ps(d.hi),
                                _mm512_max_ps(_mm512_set1_ps(d.lo), v));
            _mm512_mask_storeu_ps(y + f * d.ysF + q0 + i0, mask, v);
          }
        }
      }
    storeDirectTail(d, sums, CW, nf, y, r, q0, i0, n);
  }
}

} // namespace

void convDirectAvx512(const ConvDirect &d, int nv, int64_t fb, int64_t p0,
                      int64_t p1, float *sums) {
  switch (nv) {
  case 1:
    run<1>(d, fb, p0, p1, sums);
    break;
  case 2:
    run<2>(d, fb, p0, p1, sums);
    break;
  case 3:
    run<3>(d, fb, p0, p1, sums);
    break;
  default:
    run<4>(d, fb, p0, p1, sums);
    break;
  }
}

} // namespace tessera
