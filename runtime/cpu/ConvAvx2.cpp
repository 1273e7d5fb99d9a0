// The direct convolution's AVX2 + FMA micro-kernel (ConvKernels.h): a tile
// of 6 output positions x 16 output channels in 12 accumulators; per tap,
// two weight vectors and 6 broadcasts straight from the image, the same
// shape as the GEMM's 6x16 block with the image in place of a packed panel.
// This file alone is compiled with -mavx2 -mfma.
#include "cpu/Activations.h"
#include "cpu/ConvKernels.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

namespace tessera {
namespace {

/// Taps [k0, k0 + kc) of P positions (image offsets `in`) into their
/// [position][16 channels] partial sums `acc`, which start at the bias for
/// the first block.
template <int P>
inline void tile(const ConvDirect &d, const float *w, int64_t k0, int64_t kc,
                 const int64_t *in, bool first, __m256 b0, __m256 b1,
                 float *sums) {
  __m256 acc0[P], acc1[P];
  const float *x[P];
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    acc0[p] = first ? b0 : _mm256_load_ps(sums + 16 * p);
    acc1[p] = first ? b1 : _mm256_load_ps(sums + 16 * p + 8);
    x[p] = d.x + in[p];
  }
  const int64_t *off = d.off + k0;
  w += k0 * 16;
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
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p) {
    _mm256_store_ps(sums + 16 * p, acc0[p]);
    _mm256_store_ps(sums + 16 * p + 8, acc1[p]);
  }
}

/// tile<P> by P, 1 to 6.
using TileFn = void (*)(const ConvDirect &, const float *, int64_t, int64_t,
                        const int64_t *, bool, __m256, __m256, float *);
constexpr TileFn tiles[7] = {nullptr, tile<1>, tile<2>, tile<3>,
                             tile<4>, tile<5>, tile<6>};

// Taps in blocks of 256 (16 KiB of weights, in L1) over all of the task's
// positions: at 7x7 maps with 4608 taps a whole panel (288 KiB) per tile
// of 6 streamed from L2.
constexpr int64_t convKC = 256;
constexpr int64_t convMaxPositions = 1536;

} // namespace

void convDirectAvx2(const ConvDirect &d, int64_t fb, int64_t p0, int64_t p1) {
  // At most convMaxPositions per call: their partial sums stay in L2.
  for (int64_t q0 = p0; q0 < p1; q0 += convMaxPositions) {
    int64_t q1 = q0 + convMaxPositions < p1 ? q0 + convMaxPositions : p1;
    int64_t n = q1 - q0;
    alignas(32) static thread_local float sums[convMaxPositions * 16];
    int64_t in[convMaxPositions];
    DirectBlock blk = directBlock(d, 16, fb);
    directOffsets(d, q0, n, blk.x, in);
    const float *w = d.w + fb * d.K * 16;
    __m256 b0 = _mm256_loadu_ps(d.bias + fb * 16),
           b1 = _mm256_loadu_ps(d.bias + fb * 16 + 8);
    for (int64_t k0 = 0; k0 < d.K; k0 += convKC) {
      int64_t kc = d.K - k0 < convKC ? d.K - k0 : convKC;
      for (int64_t i = 0; i < n; i += 6) {
        int m = (int)(n - i < 6 ? n - i : 6);
        tiles[m](d, w, k0, kc, in + i, k0 == 0, b0, b1, sums + 16 * i);
      }
    }
    // The activation on the partial sums (bias + conv) while in cache.
    if (d.activation != ActNone) {
      Epilogue e;
      e.activation = d.activation;
      applyEpilogueAvx2(e, sums, 16, n, 16);
    }
    // [position][channel] -> the channel-major output: 8x8 transposes
    // when the positions are consecutive in memory (a dense output), then
    // one element at a time.
    int nf = blk.nf;
    float *y = d.y + blk.f0 * d.ysF;
    const float *r = d.r ? d.r + blk.f0 * d.rsF : nullptr;
    if (channelsLastOutput(d)) {
      storeDirectRows(d, sums, 16, nf, y, r, q0, n);
      continue;
    }
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
              col[j] =
                  _mm256_min_ps(_mm256_set1_ps(d.hi),
                                _mm256_max_ps(_mm256_set1_ps(d.lo), col[j]));
            _mm256_storeu_ps(y + (half + j) * d.ysF + q0 + i0, col[j]);
          }
        }
      }
    storeDirectTail(d, sums, 16, nf, y, r, q0, i0, n);
  }
}

} // namespace tessera
