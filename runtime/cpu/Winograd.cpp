// The Winograd conv's driver (Winograd.h): the transformed weight, the
// chunks of tiles on the pool, and the direct fallback for tiles with an
// Inf or NaN input. The transforms are in WinogradAvx512.cpp and
// WinogradAvx2.cpp.
#include "cpu/Winograd.h"
#include "cpu/Activations.h"
#include "cpu/ConvDirect.h"
#include "cpu/ConvKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"

#include <algorithm>
#include <vector>

namespace tessera {
namespace {

/// The 3x3 weight [F, C/groups*9] as winogradTilesAvx512 takes it: U = G g
/// G^T for every (output, input) channel pair of a group (computed in
/// double), as the direct kernel's panels of each of the points,
/// [points][blocks][K][cw] (WinogradConv::u). Packed once and kept when
/// constant.
const float *winogradWeights(const tessera_memref2d_f32 *Wt, bool constant,
                             int64_t C, int64_t groups, int nv, int64_t tile) {
  static const double G4[6][3] = {{1.0 / 4, 0, 0},
                                  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                  {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                  {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                  {0, 0, 1}};
  static const double G2[4][3] = {
      {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const double(*G)[3] = tile == 4 ? G4 : G2;
  const int n = int(tile + 2);
  const int64_t points = winogradPoints(tile);
  int64_t F = Wt->sizes[0], K = Wt->sizes[1], cw = 16 * nv, groupC = C / groups,
          groupF = F / groups, perGroup = (groupF + cw - 1) / cw,
          blocks = groups * perGroup,
          Kp = groups == 1 ? (C + 15) / 16 * 16 : groupC;
  size_t floats = size_t(points * blocks * Kp * cw);
  const float *w = Wt->aligned + Wt->offset;
  auto pack = [&](float *dst) {
    std::fill(dst, dst + floats, 0.0f);
    for (int64_t f = 0; f < F; ++f)
      for (int64_t c = 0; c < groupC; ++c) {
        // Output channel f's block and lane.
        int64_t fg = f % groupF, fb = f / groupF * perGroup + fg / cw;
        double g[3][3], gt[6][3];
        for (int r = 0; r < 3; ++r)
          for (int q = 0; q < 3; ++q)
            g[r][q] =
                w[f * Wt->strides[0] + (c * 9 + r * 3 + q) * Wt->strides[1]];
        for (int i = 0; i < n; ++i)
          for (int q = 0; q < 3; ++q)
            gt[i][q] =
                G[i][0] * g[0][q] + G[i][1] * g[1][q] + G[i][2] * g[2][q];
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j)
            dst[((i * n + j) * blocks + fb) * Kp * cw + c * cw + fg % cw] =
                float(gt[i][0] * G[j][0] + gt[i][1] * G[j][1] +
                      gt[i][2] * G[j][2]);
      }
  };
  if (!constant) {
    static thread_local Scratch scratch;
    float *dst = scratch.get(floats);
    pack(dst);
    return dst;
  }
  // Nine key entries where directWeights' have eight; -points tells the
  // two tiles' U apart.
  return packOnce({reinterpret_cast<intptr_t>(w), F, K, Wt->strides[0],
                   Wt->strides[1], cw, C, -points, 0},
                  floats, pack);
}

/// The chunks a Winograd conv's `tiles` (all images') go in, its tasks
/// each transforming C input channels and computing F output channels: as
/// few as winogradTilesPerChunk allows; with one part (the tiles split
/// between the threads), a multiple of the thread count.
int64_t winogradChunks(int64_t tiles, int64_t C, int64_t F, int64_t tile,
                       int64_t parts) {
  int64_t most = winogradTilesPerChunk(C, F, tile);
  int64_t threads = numThreads(), chunks = (tiles + most - 1) / most;
  if (parts == 1 && threads > 1 && tiles >= 2 * threads)
    chunks = std::max(threads, (chunks + threads - 1) / threads * threads);
  return chunks;
}

/// Output channels [fLo, fHi) of tile t of a Winograd conv computed
/// directly, a multiply-add per tap (tiles whose input holds an Inf or NaN:
/// Winograd would spread it over the tile).
void winogradTileDirect(const WinogradConv &c, const tessera_memref2d_f32 *Wt,
                        const float *bias, int64_t biasStride,
                        const Clamp &clamp, int64_t t, int64_t fLo,
                        int64_t fHi) {
  auto [n, i0, j0] = winogradTile(c, t);
  int64_t rows = std::min<int64_t>(c.tile, c.OH - i0),
          cols = std::min<int64_t>(c.tile, c.OW - j0);
  const float *w = Wt->aligned + Wt->offset, *x = c.x + n * c.xsN;
  static thread_local std::vector<float> buf;
  buf.assign(c.tile * c.F, 0.0f);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t f = fLo; f < fHi; ++f) {
        float sum = 0.0f;
        int64_t groupC = c.C / c.groups, ch0 = f / (c.F / c.groups) * groupC;
        for (int64_t ch = 0; ch < groupC; ++ch)
          for (int64_t r = 0; r < 3; ++r)
            for (int64_t s = 0; s < 3; ++s) {
              int64_t ih = i0 + i + r - c.padT, iw = j0 + j + s - c.padL;
              if (ih >= 0 && ih < c.H && iw >= 0 && iw < c.W)
                sum += x[ih * c.xsH + iw * c.xsW + ch0 + ch] *
                       w[f * Wt->strides[0] +
                         (ch * 9 + r * 3 + s) * Wt->strides[1]];
            }
        buf[j * c.F + f] = sum;
      }
    Epilogue e = convEpilogue(bias, biasStride, /*byRows=*/false, clamp);
    if (c.r) {
      e.residual = c.r + n * c.rsN + (i0 + i) * c.rsH + j0 * c.rsW;
      e.residualRowStride = c.rsW;
      e.residualColStride = 1;
    }
    applyEpiloguePortable(e, buf.data(), c.F, cols, c.F);
    float *y = c.y + n * c.ysN + (i0 + i) * c.ysH + j0 * c.ysW;
    for (int64_t j = 0; j < cols; ++j)
      std::copy(buf.data() + j * c.F + fLo, buf.data() + j * c.F + fHi,
                y + j * c.ysW + fLo);
  }
}

} // namespace

int64_t winogradTilesPerChunk(int64_t C, int64_t F, int64_t tile) {
  int64_t Cp = (C + 15) / 16 * 16, Fp = (F + 15) / 16 * 16,
          points = winogradPoints(tile);
  // U past ~16 MiB comes from memory for every chunk rather than from L3:
  // then at least 28 tiles a chunk, V and M in L3 (2 threads, 512 channels
  // at 28x28: 4.3 ms with 28 tiles a chunk, 6.1 with 14, 8.6 with 7; 256 at
  // 56x56 best with the ~14 that keep V and M in L2: 4.2 against 4.5 ms).
  int64_t most = 262144 / (points * (Cp + Fp));
  if (points * Cp * Fp * int64_t(sizeof(float)) > (int64_t(16) << 20))
    most = std::max<int64_t>(most, 28);
  return std::max<int64_t>(6, most);
}

void convWinograd(const tessera_memref4d_f32 *X, const tessera_memref2d_f32 *Wt,
                  const float *bias, int64_t biasStride,
                  const tessera_memref4d_f32 *R, tessera_memref4d_f32 *Y,
                  int64_t padT, int64_t padL, const Clamp &clamp,
                  bool constantW, int64_t tile) {
  int64_t batch = Y->sizes[0], F = Y->sizes[1], C = X->sizes[1],
          Cp = (C + 15) / 16 * 16, Fp = (F + 15) / 16 * 16,
          groups = C * 9 / Wt->sizes[1];
  bool avx512 = directConvKernel() == DirectConv::Avx512;
  int nv = avx512 ? directVectors(F / groups) : 1;
  int64_t cw = 16 * nv, blocks = groups * ((F / groups + cw - 1) / cw);
  WinogradConv c{};
  c.x = X->aligned + X->offset;
  c.xsN = X->strides[0];
  c.xsH = X->strides[2];
  c.xsW = X->strides[3];
  c.C = C;
  c.H = X->sizes[2];
  c.W = X->sizes[3];
  c.padT = padT;
  c.padL = padL;
  c.OH = Y->sizes[2];
  c.OW = Y->sizes[3];
  c.F = F;
  c.groups = groups;
  c.tile = tile;
  c.tilesH = (c.OH + tile - 1) / tile;
  c.tilesW = (c.OW + tile - 1) / tile;
  c.u = winogradWeights(Wt, constantW, C, groups, nv, tile);
  c.nv = nv;
  static thread_local Scratch biasScratch;
  float *b = biasScratch.get(Fp + blocks * cw);
  for (int64_t f = 0; f < Fp + blocks * cw; ++f)
    b[f] = bias && f < F ? bias[f * biasStride] : 0.0f;
  c.bias = b;
  c.y = Y->aligned + Y->offset;
  c.ysN = Y->strides[0];
  c.ysH = Y->strides[2];
  c.ysW = Y->strides[3];
  if (R) {
    c.r = R->aligned + R->offset;
    c.rsN = R->strides[0];
    c.rsH = R->strides[2];
    c.rsW = R->strides[3];
  }
  c.clamp = clamp.on;
  c.lo = clamp.lo;
  c.hi = clamp.hi;
  c.activation = clamp.activation;
  const float *zeros = b + Fp;
  int64_t total = batch * c.tilesH * c.tilesW, points = winogradPoints(tile);
  // One group, F(2x2): the threads split the channel blocks (each reads
  // its part of U, 1.8x the weight); otherwise the tiles, each thread
  // reading all of U (a grouped conv's is small: 16 groups of 32 channels
  // at 14x14, 2 threads, 222 -> 189 us against the direct kernel, where a
  // part per group, each transforming only its group's channels, took 237).
  int64_t parts =
      groups == 1 && tile == 2 ? std::min<int64_t>(numThreads(), blocks) : 1;
  int64_t chunks = winogradChunks(total, C, F / parts, tile, parts);
  auto task = [&](int64_t i) {
    static thread_local Scratch vS, mS, sumsS;
    static thread_local std::vector<int64_t> taps;
    static thread_local std::vector<uint8_t> nonFinite;
    if ((int64_t)taps.size() < Cp) {
      taps.resize(Cp);
      for (int64_t k = 0; k < Cp; ++k)
        taps[k] = k;
    }
    // Part-major: thread t's stretch of tasks is its part's chunks.
    int64_t part = i / chunks, chunk = i % chunks;
    int64_t t0 = chunk * total / chunks, t1 = (chunk + 1) * total / chunks;
    int64_t fb0 = part * blocks / parts, fb1 = (part + 1) * blocks / parts;
    if (t0 == t1 || fb0 == fb1)
      return;
    nonFinite.resize(t1 - t0);
    float *v = vS.get(points * (t1 - t0) * Cp),
          *m = mS.get(points * (t1 - t0) * Fp);
    if (avx512)
      winogradTilesAvx512(c, t0, t1, fb0, fb1, v, m,
                          sumsS.get(convMaxPositions512 * cw), zeros,
                          taps.data(), nonFinite.data());
    else
      winogradTilesAvx2(c, t0, t1, fb0, fb1, v, m, zeros, taps.data(),
                        nonFinite.data());
    // Computed directly: each part the tile's channels of its blocks.
    int64_t groupF = F / groups;
    DirectBlock first = directBlock(groupF, 0, cw, fb0),
                last = directBlock(groupF, 0, cw, fb1 - 1);
    for (int64_t t = t0; t < t1; ++t)
      if (nonFinite[t - t0])
        winogradTileDirect(c, Wt, bias, biasStride, clamp, t, first.f0,
                           last.f0 + last.nf);
  };
  parallelFor(parts * chunks, task);
}

} // namespace tessera
