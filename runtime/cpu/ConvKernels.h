// The direct convolution kernel of Conv.cpp (see there): output positions
// as rows, 16 output channels as columns, the image read in place.
#ifndef TESSERA_RUNTIME_CONVKERNELS_H
#define TESSERA_RUNTIME_CONVKERNELS_H

#include <algorithm>
#include <cstdint>

namespace tessera {

/// One image's conv for the direct kernel: y[f, oh, ow] = bias[f] + sum over
/// taps k of w(f, k) * x[g*xsGroup + off[k] + oh*sh*ldx + ow*sw*ldw], where
/// x is the image already padded (every tap of every output lies inside it),
/// g = f / groupF the group of output channel f, and off[k] = c*ldc +
/// r*dh*ldx + s*dw*ldw for k = (c, r, s), c within the group (ldw = 1 for a
/// channel-major image, the channel count for a channels-last one).
struct ConvDirect {
  const float *x;
  int64_t ldx, ldw, sh, sw;
  int64_t OH, OW;
  int64_t K;
  const int64_t *off;
  /// Weights packed in blocks of CW output channels, [blocks][K][CW]
  /// (directBlock: zero past a block's channels), 32-byte aligned; CW = 16
  /// for the AVX2 kernel.
  const float *w;
  /// bias[0..blocks*CW) in the same blocks (zero past a block's channels,
  /// or all zero without a bias).
  const float *bias;
  int64_t F;
  /// Output channels per group (F for one group) and the image offset
  /// between the input channels of consecutive groups (their channel count
  /// times the channel stride).
  int64_t groupF, xsGroup;
  float *y;
  int64_t ysF, ysH, ysW;
  /// Added to the output when not null (a fused residual): r[f*rsF +
  /// oh*rsH + ow*rsW].
  const float *r;
  int64_t rsF, rsH, rsW;
  /// Then the output clamped into [lo, hi] (a fused ReLU/Clip) when `clamp`.
  bool clamp;
  float lo, hi;
  /// The activation (TESSERA_LINEAR_ACT_*) of bias + conv, before the
  /// residual: applied to a block's partial sums before they are stored.
  int activation;
  /// Whether the tiles prefetch the next block of weights (constant
  /// weights, packed once: from memory in a model; GemmKernels.h's
  /// Prefetch). The AVX-512 kernel's.
  bool prefetch = false;
  /// Non-zero: every block of 16 output channels holds 16/packedGroupF
  /// groups of packedGroupF channels (packedGroupC input channels each, no
  /// more), the blocks in channel order (groupF = F, xsGroup = 0) and the
  /// image channels-last with the taps channels-inner; each tap's inputs for
  /// the block are one vector, its groups' channels, permuted per input
  /// channel into the lanes of the groups. The AVX-512 kernel's, and the
  /// AVX2 kernel's for groups of 4, 8 or 16 channels in and out.
  int packedGroupF = 0, packedGroupC = 0;
  /// With packedGroupF: the window is 3 columns wide, of column stride 1 or
  /// 2 and dilation 1, and the tiles take consecutive positions of one
  /// output row, reading each image column once per window row and input
  /// channel for all the positions whose window holds it. They read the
  /// image in place (x, ldx, ldw its own), not a padded copy: the image
  /// of W columns starts padT rows and padL columns into the window
  /// offsets (off, directOffsets), window row r of output row oh lies in
  /// it iff bit r of rowTaps[oh] is set, and the tiles skip the columns
  /// outside it. The AVX-512 kernel's.
  bool rowReuse = false;
  int64_t padT = 0, padL = 0, W = 0;
  /// Non-null: window tap (r, s) of output position (oh, ow) reads the
  /// image, not its zero padding, iff bit r of rowTaps[oh] and bit s of
  /// colTaps[ow] are set (kh, kw <= 32, kh * kw <= 64), and a tile skips
  /// the taps none of its positions reads: window tap t = r * kw + s is the
  /// K indices [t * tapC, (t + 1) * tapC) (taps channels-inner). The
  /// AVX-512 kernel's.
  const uint32_t *rowTaps = nullptr, *colTaps = nullptr;
  int kw = 0;
  int64_t tapC = 0;
  /// With rowTaps: most taps read padding (a large dilation against the
  /// map), and the AVX-512 tiles end where their positions' taps change
  /// (ConvAvx512.cpp, directTiles).
  bool sparseTaps = false;
  /// Non-null (the AVX2 kernel's packed groups, packedGroupF): the image
  /// is read in place (x, ldx, ldw its own, of H rows and W columns, padT
  /// and padL into the window offsets, as with rowReuse), and window tap t
  /// of a position whose window starts at image row ih and column iw reads
  /// row ih + tapDy[t] and column iw + tapDx[t], or zero outside the image:
  /// no zero-padded copy of the whole image per call, which cost a grouped
  /// conv of stride 2 as much as its arithmetic.
  const int32_t *tapDy = nullptr, *tapDx = nullptr;
  int64_t H = 0;
};

/// Block fb of CW output channels: the channels [f0, f0 + nf) of one group,
/// each group's channels in ceil(groupF/CW) blocks (one group: blocks of the
/// F channels in order), its input channels at image offset x.
struct DirectBlock {
  int64_t f0;
  int nf;
  int64_t x;
};

inline DirectBlock directBlock(int64_t groupF, int64_t xsGroup, int64_t cw,
                               int64_t fb) {
  int64_t perGroup = (groupF + cw - 1) / cw, g = fb / perGroup;
  int64_t f0 = fb % perGroup * cw, left = groupF - f0;
  return {g * groupF + f0, int(left < cw ? left : cw), g * xsGroup};
}

inline DirectBlock directBlock(const ConvDirect &d, int64_t cw, int64_t fb) {
  return directBlock(d.groupF, d.xsGroup, cw, fb);
}

/// Blocks [fb0, fb1) (directBlock, 16 channels) of positions [p0, p1)
/// (positions oh*OW + ow in order), 6 at a time, each chunk of positions
/// under all the blocks in turn. Built with -mavx2 -mfma; call only on
/// CPUs with both.
void convDirectAvx2(const ConvDirect &d, int64_t fb0, int64_t fb1, int64_t p0,
                    int64_t p1);

/// Positions the AVX-512 kernel takes per pass: their partial sums (256 B
/// each at 64 channels) stay in L2.
constexpr int64_t convMaxPositions512 = 768;

/// Block fb (directBlock, 16*nv channels) of positions [p0, p1), 6 at a
/// time, with the weights and the bias packed in such blocks (both 64-byte
/// aligned); nv is 1 to 4. `sums`: a
/// 64-byte aligned scratch of convMaxPositions512 * 16 * nv floats. Built
/// with -mavx512f -mfma; call only on CPUs with AVX-512F.
void convDirectAvx512(const ConvDirect &d, int nv, int64_t fb, int64_t p0,
                      int64_t p1, float *sums);

// Helpers of both ISA kernels. In an anonymous namespace: each kernel's file
// gets its own copy, built for its ISA (a shared inline function could be
// linked as the AVX-512 copy and run on a CPU without it).
namespace {

/// in[i]: the image offset of position q0 + i (positions oh*OW + ow in
/// order) plus x0 (a group's input channels), for i < n.
inline void directOffsets(const ConvDirect &d, int64_t q0, int64_t n,
                          int64_t x0, int64_t *in) {
  for (int64_t i = 0, oh = q0 / d.OW, ow = q0 % d.OW; i < n; ++i) {
    in[i] = x0 + oh * d.sh * d.ldx + ow * d.sw * d.ldw;
    if (++ow == d.OW) {
      ow = 0;
      ++oh;
    }
  }
}

/// The window taps (bit r * kw + s) that positions [q, q + n) read from the
/// image (ConvDirect::rowTaps), or all ones where they read every tap.
inline uint64_t liveTaps(const ConvDirect &d, int64_t q, int64_t n) {
  if (!d.rowTaps)
    return ~uint64_t(0);
  uint64_t live = 0;
  for (int64_t i = 0, oh = q / d.OW, ow = q % d.OW; i < n; ++i) {
    uint64_t cols = d.colTaps[ow];
    for (uint32_t rows = d.rowTaps[oh], r = 0; rows; ++r, rows >>= 1)
      if (rows & 1)
        live |= cols << (r * d.kw);
    if (++ow == d.OW) {
      ow = 0;
      ++oh;
    }
  }
  int64_t taps = d.K / d.tapC;
  uint64_t all = taps >= 64 ? ~uint64_t(0) : (uint64_t(1) << taps) - 1;
  return live == all ? ~uint64_t(0) : live;
}

/// fn(k, n) for each run [k, k + n) of the K indices [k0, k0 + kc) whose
/// window taps are in `live` (liveTaps), in order.
template <typename Fn>
inline void forLiveTaps(const ConvDirect &d, uint64_t live, int64_t k0,
                        int64_t kc, Fn fn) {
  if (live == ~uint64_t(0)) {
    fn(k0, kc);
    return;
  }
  for (int64_t k = k0, end = k0 + kc; k < end;) {
    int64_t t = k / d.tapC;
    if (!(live >> t & 1)) {
      k = (t + 1) * d.tapC;
      continue;
    }
    while ((t + 1) * d.tapC < end && (live >> (t + 1) & 1))
      ++t;
    int64_t stop = std::min(end, (t + 1) * d.tapC);
    fn(k, stop - k);
    k = stop;
  }
}

/// Stores positions [q0 + i0, q0 + n) of channels [0, nf) of a block from
/// its partial sums [position][cw channels] one element at a time: y and r
/// point at the block's first channel; the residual and clamp applied.
inline void storeDirectTail(const ConvDirect &d, const float *sums, int cw,
                            int nf, float *y, const float *r, int64_t q0,
                            int64_t i0, int64_t n) {
  for (int f = 0; f < nf && i0 < n; ++f) {
    float *yf = y + f * d.ysF;
    for (int64_t i = i0, oh = (q0 + i0) / d.OW, ow = (q0 + i0) % d.OW; i < n;
         ++i) {
      float v = sums[cw * i + f];
      if (r)
        v += r[f * d.rsF + oh * d.rsH + ow * d.rsW];
      if (d.clamp) {
        v = v < d.lo ? d.lo : v;
        v = v > d.hi ? d.hi : v;
      }
      yf[oh * d.ysH + ow * d.ysW] = v;
      if (++ow == d.OW) {
        ow = 0;
        ++oh;
      }
    }
  }
}

/// Whether storeDirectRows applies: channel-contiguous output (and
/// residual), a channels-last image.
inline bool channelsLastOutput(const ConvDirect &d) {
  return d.ysF == 1 && (!d.r || d.rsF == 1);
}

/// Stores positions [q0, q0 + n) of channels [0, nf) of a block from its
/// partial sums [position][cw channels] into a channel-contiguous output,
/// a run of nf channels per position (vectorized by the including file's
/// ISA); the residual and clamp applied.
inline void storeDirectRows(const ConvDirect &d, const float *sums, int cw,
                            int nf, float *y, const float *r, int64_t q0,
                            int64_t n) {
  for (int64_t i = 0, oh = q0 / d.OW, ow = q0 % d.OW; i < n; ++i) {
    const float *s = sums + cw * i;
    float *yp = y + oh * d.ysH + ow * d.ysW;
    const float *rp = r ? r + oh * d.rsH + ow * d.rsW : nullptr;
    if (rp)
      for (int f = 0; f < nf; ++f) {
        float v = s[f] + rp[f];
        if (d.clamp) {
          v = v < d.lo ? d.lo : v;
          v = v > d.hi ? d.hi : v;
        }
        yp[f] = v;
      }
    else if (d.clamp)
      for (int f = 0; f < nf; ++f) {
        float v = s[f];
        v = v < d.lo ? d.lo : v;
        yp[f] = v > d.hi ? d.hi : v;
      }
    else
      for (int f = 0; f < nf; ++f)
        yp[f] = s[f];
    if (++ow == d.OW) {
      ow = 0;
      ++oh;
    }
  }
}

} // namespace
} // namespace tessera

#endif
