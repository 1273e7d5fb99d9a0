// Winograd convolution of channels-last images, F(4x4, 3x3) or F(2x2, 3x3)
// (Conv.cpp picks it for 3x3 convs of stride 1 and which tile;
// docs/runtime.md has the measurements).
//
// Per m x m tile of outputs (m = 4 or 2), the (m+2) x (m+2) input patch d of
// every channel becomes V = B^T d B, the 3x3 kernel g of every (output,
// input) channel pair U = G g G^T (once, when the weight is constant), and
// the (m+2)^2 products M[xi] = V[xi] . U[xi] (a GEMM over the input
// channels for each position xi of the transform) give the tile Y = A^T M
// A: 36 multiply-adds per 16 outputs (m = 4) or 16 per 4 (m = 2) and
// channel pair, where the direct conv does 9 per output. B, G and A are
// Lavin and Gray's matrices for the points 0, +-1, +-2 and infinity (m = 4)
// or 0, +-1 and infinity (m = 2) (arXiv:1509.09308).
#ifndef TESSERA_RUNTIME_WINOGRAD_H
#define TESSERA_RUNTIME_WINOGRAD_H

#include "cpu/ConvCommon.h"
#include "cpu/ConvKernels.h"
#include "tessera_runtime.h"

#include <cstdint>

namespace tessera {

/// The transform's positions per tile of `tile` x `tile` outputs: its
/// input patch's, (tile + 2)^2.
constexpr int64_t winogradPoints(int64_t tile) {
  return (tile + 2) * (tile + 2);
}

/// One conv for winogradTilesAvx512. Images are channels-last with channel
/// stride 1; Cp and Fp are C and F rounded up to 16.
struct WinogradConv {
  const float *x;
  int64_t xsN, xsH, xsW;
  int64_t C, H, W, padT, padL;
  int64_t OH, OW, F;
  /// Groups of C / groups input and F / groups output channels (F / groups
  /// a multiple of 16): each group's products are GEMMs over its own input
  /// channels.
  int64_t groups;
  /// Output positions per tile side: 4 or 2.
  int64_t tile;
  int64_t tilesH, tilesW;
  /// The transformed weight, [points][blocks][K][16*nv] (K = Cp for one
  /// group, else C / groups): the direct kernel's panels (ConvKernels.h) of
  /// U[xi] as a 1x1 conv's weight (blocks within groups), zero past each
  /// group's channels and C.
  const float *u;
  int nv;
  /// Fp floats, zero past F (all zero without a bias).
  const float *bias;
  float *y;
  int64_t ysN, ysH, ysW;
  /// Added after the activation when not null, then the clamp.
  const float *r;
  int64_t rsN, rsH, rsW;
  bool clamp;
  float lo, hi;
  int activation;
};

// In an anonymous namespace: each file gets its own copy, built for its ISA
// (ConvKernels.h says why).
namespace {

/// Tile t (of the whole batch, image-major, row-major within an image):
/// image n, its first output row i0 and column j0.
struct WinogradTile {
  int64_t n, i0, j0;
};

inline WinogradTile winogradTile(const WinogradConv &c, int64_t t) {
  int64_t perImage = c.tilesH * c.tilesW, n = t / perImage, q = t % perImage;
  return {n, q / c.tilesW * c.tile, q % c.tilesW * c.tile};
}

/// Tile t's input patch of N x N (N = tile + 2) positions: its image x, its
/// first row ih0 and column iw0 (from -padT, -padL), which of its rows and
/// columns lie inside the image, and whether all of them do.
template <int N> struct WinogradPatch {
  const float *x;
  int64_t ih0, iw0;
  bool rowIn[N], colIn[N], inside;
};

template <int N>
inline WinogradPatch<N> winogradPatch(const WinogradConv &c, int64_t t) {
  WinogradTile p = winogradTile(c, t);
  WinogradPatch<N> q;
  q.x = c.x + p.n * c.xsN;
  q.ih0 = p.i0 - c.padT;
  q.iw0 = p.j0 - c.padL;
  q.inside = true;
  for (int i = 0; i < N; ++i) {
    q.rowIn[i] = q.ih0 + i >= 0 && q.ih0 + i < c.H;
    q.colIn[i] = q.iw0 + i >= 0 && q.iw0 + i < c.W;
    q.inside = q.inside && q.rowIn[i] && q.colIn[i];
  }
  return q;
}

/// Tile t's outputs: its rows and columns inside the output (up to
/// c.tile), Y and the residual (null without one) at its first position.
struct WinogradOut {
  int rows, cols;
  float *y;
  const float *r;
};

inline WinogradOut winogradOut(const WinogradConv &c, int64_t t) {
  WinogradTile p = winogradTile(c, t);
  WinogradOut o;
  o.rows = (int)(c.OH - p.i0 < c.tile ? c.OH - p.i0 : c.tile);
  o.cols = (int)(c.OW - p.j0 < c.tile ? c.OW - p.j0 : c.tile);
  o.y = c.y + p.n * c.ysN + p.i0 * c.ysH + p.j0 * c.ysW;
  o.r = c.r ? c.r + p.n * c.rsN + p.i0 * c.rsH + p.j0 * c.rsW : nullptr;
  return o;
}

/// The product M[xi] = V[xi] . U[xi] of `count` tiles as a 1x1 conv for
/// the direct kernel of U's panels (16 * c.nv channels): V [count][Cp] at
/// v, M [count][Fp] at m, U's panels of point xi, no bias (`zeros`), taps
/// 0..K-1 (`taps`).
inline ConvDirect winogradProduct(const WinogradConv &c, int64_t xi,
                                  int64_t count, const float *v, float *m,
                                  const float *zeros, const int64_t *taps) {
  int64_t cw = 16 * c.nv, Cp = (c.C + 15) / 16 * 16, Fp = (c.F + 15) / 16 * 16,
          groupC = c.C / c.groups, groupF = c.F / c.groups,
          blocks = c.groups * ((groupF + cw - 1) / cw),
          K = c.groups == 1 ? Cp : groupC;
  ConvDirect d{};
  d.x = v + xi * count * Cp;
  d.ldw = Cp;
  d.sh = d.sw = 1;
  d.OH = 1;
  d.OW = count;
  d.K = K;
  d.off = taps;
  d.w = c.u + xi * blocks * K * cw;
  d.bias = zeros;
  d.F = c.F;
  d.groupF = groupF;
  d.xsGroup = groupC;
  d.y = m + xi * count * Fp;
  d.ysF = 1;
  d.ysW = Fp;
  d.activation = ActNone;
  return d;
}

} // namespace

/// The tiles [t0, t1) of all images (image-major, then row-major within an
/// image), output channel blocks [fb0, fb1) of 16*nv: their input
/// transforms into v [points][t1-t0][Cp], the GEMMs into those blocks of m
/// [points][t1-t0][Fp], their output transforms into y. `sums` is the
/// direct kernel's scratch (convMaxPositions512 * 16 * nv floats), `zeros`
/// blocks*16*nv zero floats, `taps` the offsets 0..Cp-1. All 64-byte
/// aligned. A tile whose input patch holds an Inf or NaN would spread it
/// over all its outputs (and turn Inf into NaN): such tiles are left
/// unwritten (in those blocks' channels) and flagged in nonFinite[t - t0]
/// for the caller to compute directly. Built with -mavx512f -mfma; call only on
/// CPUs with AVX-512F.
void winogradTilesAvx512(const WinogradConv &c, int64_t t0, int64_t t1,
                         int64_t fb0, int64_t fb1, float *v, float *m,
                         float *sums, const float *zeros, const int64_t *taps,
                         uint8_t *nonFinite);

/// winogradTilesAvx512 for the AVX2 direct kernel (c.nv = 1: U in panels of
/// 16 channels), without its scratch. Built with -mavx2 -mfma; call only
/// on CPUs with both.
void winogradTilesAvx2(const WinogradConv &c, int64_t t0, int64_t t1,
                       int64_t fb0, int64_t fb1, float *v, float *m,
                       const float *zeros, const int64_t *taps,
                       uint8_t *nonFinite);

/// The most tiles one chunk of a Winograd conv takes whose tasks each
/// transform C input channels and compute F output channels: their V and M
/// under ~1 MiB. Every chunk reads all of U (its part).
int64_t winogradTilesPerChunk(int64_t C, int64_t F, int64_t tile);

/// The conv y = conv(x, w) + bias (3x3, stride 1, channels-last [N, C, H, W]
/// views of X, Y and R), then the activation, the residual R (null: none)
/// and the clamp, as Winograd F(tile x tile, 3x3), tile 4 or 2. One group,
/// F(4x4): the batch's tiles in chunks of at most winogradTilesPerChunk, a
/// multiple of the thread count, in order on the pool (each thread reads
/// all of U). One group, F(2x2): the threads split the output channel
/// blocks, each running all tiles (in chunks) for its blocks and reading
/// only their part of U. Several groups: a task per group and chunk of
/// tiles, each transforming only its group's channels. On the direct
/// kernel directConvKernel() picks, U in its panels (AVX-512: of 16*nv
/// channels, nv = directVectors(F / groups); AVX2: of 16), packed once when
/// the weight is constant.
void convWinograd(const tessera_memref4d_f32 *X, const tessera_memref2d_f32 *Wt,
                  const float *bias, int64_t biasStride,
                  const tessera_memref4d_f32 *R, tessera_memref4d_f32 *Y,
                  int64_t padT, int64_t padL, const Clamp &clamp,
                  bool constantW, int64_t tile);

} // namespace tessera

#endif
