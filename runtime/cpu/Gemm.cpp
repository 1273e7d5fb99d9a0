// fp32 GEMM, C += A·B on arbitrarily strided operands, Goto-style: each task
// packs a KCxNC chunk of B into NR-column panels and MCxKC blocks of A into
// MR-row panels and runs the register-blocked micro-kernel over them. The
// linear layer, C = act(A·B + bias) + R, runs the same GEMM with an
// epilogue: the first K step stores into C instead of adding (C is never
// read), and act(. + bias) + R follows on each block after its last K step,
// while the block is in cache. docs/runtime.md has the measurements behind
// the block sizes and the choice of our own kernel over oneDNN.
#include "cpu/Activations.h"
#include "cpu/GemmDriver.h"
#include "cpu/GemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace tessera {
namespace {

constexpr int NR = gemmNR;
// Block sizes (tuning knobs for bench/gemm_bench.cpp). Defaults: the packed B
// micro-panel KCxNR stays in L1 (KC below, by kernel), the packed A block
// MCxKC in L2.
#ifndef TESSERA_GEMM_MC
#define TESSERA_GEMM_MC 192
#endif
#ifndef TESSERA_GEMM_NC
#define TESSERA_GEMM_NC 512
#endif
constexpr int64_t NCMax = TESSERA_GEMM_NC; // packed B chunk KCxNC: L2

GemmMicroKernel selectKernel() {
  if (gemmPortableForced())
    return gemmMicroKernelPortable;
#if defined(__x86_64__)
  __builtin_cpu_init(); // we run from a static initializer
  if (__builtin_cpu_supports("avx512f") && !gemmAvx2Forced())
    return gemmMicroKernelAvx512;
  if (avx2KernelsUsable())
    return gemmMicroKernelAvx2;
#endif
  return gemmMicroKernelPortable;
}

const GemmMicroKernel microKernel = selectKernel();
const bool haveAvx512 = microKernel == gemmMicroKernelAvx512;
const EpilogueFn epilogueKernel = haveAvx512 ? applyEpilogueAvx512
#if defined(__x86_64__)
                                  : microKernel == gemmMicroKernelAvx2
                                      ? applyEpilogueAvx2
#endif
                                      : applyEpiloguePortable;

// Rows per packed A panel: the AVX2 kernel's 6, else gemmMR (8).
const int MR = microKernel == gemmMicroKernelAvx2 ? gemmMRAvx2 : gemmMR;
const int64_t MCMax = (TESSERA_GEMM_MC + MR - 1) / MR * MR;

// K block: a 32 KiB B micro-panel (KC = 256) beside the 48 KiB L1 of
// AVX-512 CPUs; 16 KiB (128) for the AVX2 kernel, whose CPUs mostly have
// 32 KiB (on a Zen 2, 128 ran 50x768x3072 linear layers 1.1-1.3x as fast as
// 256). TESSERA_GEMM_KC overrides both.
#ifdef TESSERA_GEMM_KC
static_assert(TESSERA_GEMM_KC % 2 == 0,
              "BPanelSource packers dequantize k in pairs");
const int64_t KC = TESSERA_GEMM_KC;
#else
const int64_t KC = haveAvx512 ? 256 : 128;
#endif
// Pre-packed B (constant weights) on AVX-512: blocks of 512, a 64 KiB micro-
// panel streamed from L2 past the L1 under the prefetches, with A read in
// place: half the passes over C, and with no B chunk to pack per call the
// L2 holds what it streams. tessera-gemm-bench --linear, 2 threads, same
// run: 197 x 384 x 1536 (ViT-S/16's MLP) 339-371 -> 362-367 GFLOP/s,
// 197 x 1536 x 384 311-316 -> 354-373, 512 x 768 x 3072 314-329 -> 334-348,
// 1 thread 173-178 -> 183-189. Where B is packed per call its KC x NC chunk
// (1 MiB at 512) would fill the L2: those keep KC (512 x 512 x 512, B not
// constant: 331-334 at 256 against 316-317 GFLOP/s at 512). Up to 768 in
// one block rather than 512 and a sliver of 256: 197 x 768 x 768 and 50 x
// 768 x 3072 (ViT-B's and BERT-base's shapes) 361-374 -> 378-388 GFLOP/s.
#ifdef TESSERA_GEMM_KC
int64_t kcPackedB(int64_t) { return KC; }
#else
int64_t kcPackedB(int64_t K) {
  if (!haveAvx512)
    return KC;
  return K <= 768 ? std::max<int64_t>(2, (K + 1) / 2 * 2) : 512;
}
#endif

thread_local Scratch packedA, packedB;

// Bp[k*NR + j] = B(k0+k, j0+j), zero-padded to NR columns.
void packBPanel(const Matrix &B, int64_t k0, int64_t kc, int64_t j0, int n,
                float *Bp) {
  if (B.colStride == 1 && haveAvx512) {
    gemmPackBAvx512(B.at(k0, j0), B.rowStride, kc, n, Bp);
    return;
  }
  if (B.colStride == 1 && microKernel == gemmMicroKernelAvx2) {
    gemmPackBAvx2(B.at(k0, j0), B.rowStride, kc, n, Bp);
    return;
  }
  for (int64_t k = 0; k < kc; ++k, Bp += NR) {
    const float *src = B.at(k0 + k, j0);
    for (int j = 0; j < NR; ++j)
      Bp[j] = j < n ? src[j * B.colStride] : 0.0f;
  }
}

// Ap[k*MR + r] = A(i0+r, k0+k), zero-padded to MR rows. Walking k outermost
// reads MR rows as parallel streams and writes Ap contiguously.
void packAPanel(const Matrix &A, int64_t i0, int m, int64_t k0, int64_t kc,
                float *Ap) {
  const float *rows[gemmMR];
  for (int r = 0; r < MR; ++r)
    rows[r] = A.at(i0 + std::min(r, m - 1), k0);
  if (m == MR && A.colStride == 1) {
    if (MR == 8 && microKernel != gemmMicroKernelPortable) {
      gemmPackAAvx2(rows, kc, Ap);
      return;
    }
    if (MR == 6) {
      gemmPackA6Avx2(rows, kc, Ap);
      return;
    }
    for (int64_t k = 0; k < kc; ++k, Ap += MR)
      for (int r = 0; r < MR; ++r)
        Ap[r] = rows[r][k];
    return;
  }
  // The AVX-512 kernel reads only the rows of a tile of at most 4
  // (GemmAvx512.cpp): their padding stays unwritten. (Zeroing it was a fifth
  // of an LSTM's recurrent GEMVs, M = 1.)
  int written = haveAvx512 && m <= 4 ? m : MR;
  for (int64_t k = 0; k < kc; ++k, Ap += MR)
    for (int r = 0; r < written; ++r)
      Ap[r] = r < m ? rows[r][k * A.colStride] : 0.0f;
}

struct Plan {
  Matrix A, B;
  OutMatrix C;
  int64_t M, N, K;
  // M splits into mBlocks blocks and N into nChunks chunks of whole panels
  // (MR rows, NR columns), as even as panels allow: block b covers row
  // panels [b * rowPanels / mBlocks, (b + 1) * rowPanels / mBlocks).
  int64_t rowPanels, colPanels, mBlocks, nChunks, blocksPerTask;
  int64_t mc;                     // the most rows of a block
  int64_t kcBlock = KC;           // k per block (kcPackedB: see gemm)
  const float *packedB = nullptr; // all of B, pre-packed (constant weights)
  const float *packedA = nullptr; // all of A, pre-packed (constant weights)
  // Linear layer: the first K step overwrites C, and the epilogue runs on
  // each block after the last. Null: C += A·B.
  const Epilogue *epilogue = nullptr;
  // Set: B's panels come from this callback instead of B (quantized weights
  // dequantized on the fly).
  const BPanelSource *bSource = nullptr;
  // Tasks are even ranges of tiles rather than whole chunks (runBlock).
  bool tileRanges = false;
};

/// The plan's epilogue moved to C(i, j).
Epilogue epilogueFor(const Plan &p, int64_t i, int64_t j) {
  Epilogue e = epilogueAt(*p.epilogue, i, j);
  if (e.residual)
    e.residual += (p.C.residualRow(i) - i) * e.residualRowStride;
  return e;
}

/// The epilogue on C[i0:i0+m, j0:j0+n].
void finishBlock(const Plan &p, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  Epilogue e = epilogueFor(p, i0, j0);
  if (e.activation == ActNone && !e.bias && !e.residual && !e.rowBias &&
      !e.clamp)
    return;
  if (p.C.colStride == 1 && p.C.evenRows(i0, int(m))) {
    epilogueKernel(e, p.C.at(i0, j0), p.C.rowStride, m, n);
    return;
  }
  if (p.C.colStride == 1) {
    for (int64_t i = 0; i < m; ++i)
      epilogueKernel(epilogueFor(p, i0 + i, j0), p.C.at(i0 + i, j0),
                     p.C.rowStride, 1, n);
    return;
  }
  // Strided C: through a contiguous buffer, one row piece at a time.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; j += NR) {
      alignas(64) float buf[NR];
      float *c = p.C.at(i0 + i, j0 + j);
      int64_t w = std::min<int64_t>(NR, n - j);
      for (int64_t x = 0; x < w; ++x)
        buf[x] = c[x * p.C.colStride];
      epilogueKernel(epilogueFor(p, i0 + i, j0 + j), buf, NR, 1, w);
      for (int64_t x = 0; x < w; ++x)
        c[x * p.C.colStride] = buf[x];
    }
}

using PackedPanels = std::unique_ptr<float[], decltype(&free)>;

/// A whole operand packed once: for each block of `kcBlock` k, every
/// `width`-wide panel in order, so the panel of block k0 starting at
/// row/column j is at k0 * ceil(extent/width) * width + (j / width) * width *
/// kc. `pack(k0, kc, j, n, dst)` packs one panel of n <= width rows/columns.
template <typename PackFn>
PackedPanels packAll(int64_t extent, int64_t K, int width, int64_t kcBlock,
                     PackFn pack) {
  int64_t panels = (extent + width - 1) / width;
  size_t bytes = (size_t(K * panels * width) * sizeof(float) + 63) / 64 * 64;
  PackedPanels packed(static_cast<float *>(allocLarge(bytes)), &free);
  for (int64_t k0 = 0; k0 < K; k0 += kcBlock) {
    int64_t kc = std::min(kcBlock, K - k0);
    float *block = packed.get() + k0 * panels * width;
    for (int64_t p = 0; p < panels; ++p)
      pack(k0, kc, p * width,
           (int)std::min<int64_t>(width, extent - p * width),
           block + p * width * kc);
  }
  return packed;
}

/// Packed copies of constant operands (weights in the model's read-only
/// data), keyed by side, address, strides and shape: packed on first use,
/// then shared by every later call and thread; blocks of `kcBlock` k.
const float *prepacked(bool isA, const Matrix &m, int64_t rows, int64_t cols,
                       int64_t kcBlock) {
  using Key = std::tuple<bool, const float *, int64_t, int64_t, int64_t,
                         int64_t, int64_t>;
  static std::mutex mutex;
  static auto *cache = new std::map<Key, PackedPanels>();
  Key key{isA, m.data, m.rowStride, m.colStride, rows, cols, kcBlock};
  // The last weights this thread asked for, by address: entries of the
  // shared cache are never removed, so a hit needs no lock (a recurrent
  // layer's GEMV asks for the same weight at every step).
  struct Recent {
    Key key;
    const float *packed = nullptr;
  };
  static thread_local Recent recent[16];
  Recent &slot =
      recent[(reinterpret_cast<uintptr_t>(m.data) >> 6 ^ isA) & 15];
  if (slot.packed && slot.key == key)
    return slot.packed;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache->find(key);
  if (it == cache->end()) {
    PackedPanels packed =
        isA ? packAll(rows, cols, MR, kcBlock,
                      [&](int64_t k0, int64_t kc, int64_t i, int n, float *d) {
                        packAPanel(m, i, n, k0, kc, d);
                      })
            : packAll(cols, rows, NR, kcBlock,
                      [&](int64_t k0, int64_t kc, int64_t j, int n, float *d) {
                        packBPanel(m, k0, kc, j, n, d);
                      });
    it = cache->emplace(key, std::move(packed)).first;
    releaseSourcePages(m.data, rows, cols, m.rowStride, m.colStride,
                       sizeof(float));
  }
  slot = {key, it->second.get()};
  return slot.packed;
}

void runTile(const Plan &p, int64_t kc, const float *Ap, const float *Bp,
             int64_t i0, int m, int64_t j0, int n, bool overwrite,
             const TileStore *store, Prefetch pf) {
  if (p.C.colStride == 1 && p.C.evenRows(i0, m)) {
    microKernel(kc, Ap, Bp, p.C.at(i0, j0), p.C.rowStride, m, n, overwrite,
                store, pf);
    return;
  }
  // Strided C, or mapped rows that are not evenly spaced: through a tile,
  // then the tile store's epilogue (a row at a time) where there is one.
  alignas(64) float tile[gemmMR * NR];
  microKernel(kc, Ap, Bp, tile, NR, m, n, true, nullptr, pf);
  for (int r = 0; r < m; ++r) {
    for (int j = 0; j < n; ++j) {
      float *c = p.C.at(i0 + r, j0 + j);
      *c = overwrite ? tile[r * NR + j] : *c + tile[r * NR + j];
    }
    if (store)
      epilogueKernel(epilogueFor(p, i0 + r, j0), p.C.at(i0 + r, j0),
                     p.C.rowStride, 1, n);
  }
}

// C over all of K for row panels [ra, rb) and column panels [pa, pb): a
// chunk of B columns and the rows under it in blocks of at most mc rows.
// The caller packs its own B chunk and A blocks: no barrier between packing
// and compute, which matters when another process holds a core. The
// duplicated packing costs ~1/mc resp. 1/nc of the multiply-adds.
void runRect(const Plan &p, int64_t ra, int64_t rb, int64_t pa, int64_t pb) {
  int64_t j0 = pa * NR;
  int64_t nc = std::min(p.N, pb * NR) - j0;
  int64_t nPanels = pb - pa, mPanelsMax = p.mc / MR;
  int64_t blocks = (rb - ra + mPanelsMax - 1) / mPanelsMax;
  if (nc <= 0 || blocks <= 0)
    return;
  float *Ap = packedA.get(mPanelsMax * MR * std::min(p.kcBlock, p.K));
  float *Bp = p.packedB ? nullptr
                        : packedB.get(nPanels * NR * std::min(p.kcBlock, p.K));
  int64_t allPanels = (p.N + NR - 1) / NR, allRowPanels = (p.M + MR - 1) / MR;
  // The epilogue goes into the tiles' last store rather than a pass over
  // the block (that pass took 13% of a 1x1 conv's time, 64 -> 256 channels
  // at 56x56, and a quarter of a linear layer's with a bias on 2 threads).
  const Epilogue *e = p.epilogue;
  bool tileStore = e && p.C.colStride == 1 &&
                   (!e->bias || e->biasStride == 0 || e->biasStride == 1) &&
                   (!e->residual || e->residualColStride == 1);
  // A read in place by the AVX-512 kernel (rows of unit column stride, C
  // too) rather than packed by every task that walks it.
  static const bool packAAlways = getenv("TESSERA_GEMM_PACK_A") != nullptr;
  bool rowsA = haveAvx512 && !packAAlways && !p.packedA && p.A.colStride == 1 &&
               !p.A.rowMap && p.C.colStride == 1 && !p.C.rowMap;
  TileStore store{nullptr,
                  tileStore ? e->rowBiasStride : 0,
                  nullptr,
                  tileStore && e->residual ? e->residualRowStride : 0,
                  tileStore && e->clamp,
                  tileStore ? e->clampMin : 0.0f,
                  tileStore ? e->clampMax : 0.0f,
                  nullptr,
                  tileStore && e->bias ? e->biasStride : 0,
                  tileStore ? e->activation : int(ActNone)};
  for (int64_t k0 = 0; k0 < p.K; k0 += p.kcBlock) {
    int64_t kc = std::min(p.kcBlock, p.K - k0);
    if (p.packedB)
      Bp = const_cast<float *>(p.packedB) + k0 * allPanels * NR +
           j0 / NR * NR * kc;
    else if (p.bSource)
      for (int64_t jp = 0; jp < nPanels; ++jp)
        p.bSource->pack(p.bSource->ctx, k0, kc, j0 + jp * NR,
                        (int)std::min<int64_t>(NR, nc - jp * NR),
                        Bp + jp * NR * kc);
    else
      for (int64_t jp = 0; jp < nPanels; ++jp)
        packBPanel(p.B, k0, kc, j0 + jp * NR,
                   (int)std::min<int64_t>(NR, nc - jp * NR),
                   Bp + jp * NR * kc);
    for (int64_t ib = 0; ib < blocks; ++ib) {
      int64_t i0 = (ra + ib * (rb - ra) / blocks) * MR;
      int64_t mc =
          std::min(p.M, (ra + (ib + 1) * (rb - ra) / blocks) * MR) - i0;
      int64_t mPanels = (mc + MR - 1) / MR;
      if (p.packedA)
        Ap = const_cast<float *>(p.packedA) + k0 * allRowPanels * MR +
             i0 / MR * MR * kc;
      else if (!rowsA)
        for (int64_t ip = 0; ip < mPanels; ++ip)
          packAPanel(p.A, i0 + ip * MR,
                     (int)std::min<int64_t>(MR, mc - ip * MR), k0, kc,
                     Ap + ip * MR * kc);
      bool last = k0 + kc == p.K;
      for (int64_t jp = 0; jp < nPanels; ++jp) {
        // Pre-packed weights: the first block's tiles prefetch the next
        // panel (after the last, the task's first of the next K block), a
        // line per k, tile after tile (ViT-B/32, 350 MB of weights, 2
        // threads: 35.6 -> 33.3 ms; 1 thread: 66.8 -> 58.7). The panels
        // of later blocks are in cache.
        const float *next = nullptr;
        int64_t nextK = 0;
        if (p.packedB && ib == 0 && prefetchWeights()) {
          if (jp + 1 < nPanels) {
            next = Bp + (jp + 1) * NR * kc;
            nextK = kc;
          } else if (k0 + kc < p.K) {
            nextK = std::min(p.kcBlock, p.K - k0 - kc);
            next =
                p.packedB + (k0 + kc) * allPanels * NR + j0 / NR * NR * nextK;
          }
        }
        int64_t nextLines = nextK * NR * int64_t(sizeof(float)) / 64;
        for (int64_t ip = 0; ip < mPanels; ++ip) {
          int64_t i = i0 + ip * MR;
          Prefetch pf = prefetchShare(next, nextLines, ip, kc);
          if (tileStore && e->rowBias)
            store.rowBias = e->rowBias + i * e->rowBiasStride;
          if (tileStore && e->residual)
            store.residual = e->residual +
                             p.C.residualRow(i) * e->residualRowStride + j0 +
                             jp * NR;
          if (tileStore && e->bias)
            store.bias = e->bias + (j0 + jp * NR) * e->biasStride;
          int m = (int)std::min<int64_t>(MR, mc - ip * MR);
          if (rowsA) {
            const float *rows[gemmMR];
            for (int r = 0; r < MR; ++r)
              rows[r] = p.A.at(i + std::min(r, m - 1), k0);
            gemmMicroKernelRowsAvx512(kc, rows, Bp + jp * NR * kc,
                                      p.C.at(i, j0 + jp * NR), p.C.rowStride, m,
                                      (int)std::min<int64_t>(NR, nc - jp * NR),
                                      p.epilogue && k0 == 0,
                                      tileStore && last ? &store : nullptr, pf);
            continue;
          }
          runTile(p, kc, Ap + ip * MR * kc, Bp + jp * NR * kc, i, m,
                  j0 + jp * NR, (int)std::min<int64_t>(NR, nc - jp * NR),
                  p.epilogue && k0 == 0, tileStore && last ? &store : nullptr,
                  pf);
        }
      }
      // Any other epilogue on the whole block (<= MC x NC, in L2) rather
      // than per tile: row by row, R streams in order; in tile order its
      // loads waited on memory (at 512x64x4096 with gelu, per tile took 1.5x
      // as long).
      if (p.epilogue && !tileStore && last)
        finishBlock(p, i0, mc, j0, nc);
    }
  }
}

// One task: with tileRanges, the task-th of nChunks even ranges of the
// tiles in panel-major order (column panel outer, row panel inner), as
// whole panels where it can; else the chunk of columns `task % nChunks`
// and blocksPerTask blocks of rows under it.
void runBlock(const Plan &p, int64_t task) {
  if (p.tileRanges) {
    int64_t rows = p.rowPanels, tiles = p.colPanels * rows;
    int64_t t = task * tiles / p.nChunks, end = (task + 1) * tiles / p.nChunks;
    while (t < end) {
      int64_t panel = t / rows, r0 = t % rows;
      if (r0 == 0 && end - t >= rows) {
        int64_t whole = (end - t) / rows;
        runRect(p, 0, rows, panel, panel + whole);
        t += whole * rows;
      } else {
        int64_t r1 = std::min(rows, r0 + (end - t));
        runRect(p, r0, r1, panel, panel + 1);
        t += r1 - r0;
      }
    }
    return;
  }
  int64_t firstBlock = task / p.nChunks * p.blocksPerTask;
  int64_t lastBlock = std::min(p.mBlocks, firstBlock + p.blocksPerTask);
  int64_t chunk = task % p.nChunks;
  runRect(p, firstBlock * p.rowPanels / p.mBlocks,
          lastBlock * p.rowPanels / p.mBlocks, chunk * p.colPanels / p.nChunks,
          (chunk + 1) * p.colPanels / p.nChunks);
}

void naiveGemm(const Plan &p) {
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < p.N; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < p.K; ++k)
        acc += *p.A.at(i, k) * *p.B.at(k, j);
      float *c = p.C.at(i, j);
      *c = p.epilogue ? acc : *c + acc;
    }
  if (p.epilogue)
    finishBlock(p, 0, p.M, 0, p.N);
}

} // namespace

void gemm(int64_t M, int64_t N, int64_t K, Matrix A, Matrix B, OutMatrix C,
          bool constantA, bool constantB, const Epilogue *epilogue,
          const BPanelSource *bSource, bool splitColumns) {
  if (M <= 0 || N <= 0 || (K <= 0 && !epilogue))
    return;
  Plan p{A, B, C, M, N, K, 0, 0, 0, 0, 0};
  p.epilogue = epilogue;
  p.bSource = bSource;
  if (M * N * K <= 8 * 8 * 8 && !bSource) {
    naiveGemm(p);
    return;
  }
  // Below ~1 MFLOP (a few microseconds) waking the pool costs more than it
  // saves, unless it streams a constant weight of 512 KiB or more: split
  // between the threads, each keeps its same half in its own L2 from call
  // to call, where one thread would read all of it from L3 each time (an
  // LSTM's recurrent GEMV, M = 1, K = 320, N = 1280, once per timestep).
  int threads =
      M * N * K >= (1 << 19) || (constantB && K * N >= (int64_t(1) << 17))
          ? numThreads()
          : 1;
  auto run = [&](int64_t numTasks, auto body) {
    if (threads > 1)
      parallelFor(numTasks, body);
    else
      for (int64_t task = 0; task < numTasks; ++task)
        body(task);
  };
  // A constant B of 4 MiB or more (a weight that comes from memory rather
  // than a cache) streams faster as its packed panels, each task's columns
  // contiguous, than as rows (M = 1, 2048 x 2048: 190 against 300 us on 2
  // threads; a decoder's GEMVs ran at ~28 GB/s, half ONNX Runtime's rate).
  bool packedWeight = constantB && K * N >= (int64_t(1) << 20);
  if (M <= 4 && haveAvx512 && !bSource && B.colStride == 1 &&
      C.colStride == 1 && !A.rowMap && !C.rowMap && !packedWeight) {
    // Few rows: packing would cost as much as the product; stream B.
    int64_t chunk = std::max<int64_t>(256, (N / (2 * threads) + 63) / 64 * 64);
    // With an epilogue, 256 columns at a time so that they stay in L1.
    int64_t step = epilogue ? 256 : chunk;
    run((N + chunk - 1) / chunk, [&](int64_t task) {
      int64_t end = std::min(N, (task + 1) * chunk);
      for (int64_t j0 = task * chunk; j0 < end; j0 += step) {
        int64_t n = std::min(step, end - j0);
        gemmSmallMAvx512((int)M, n, K, A.data, A.rowStride, A.colStride,
                         B.data + j0, B.rowStride, C.data + j0, C.rowStride,
                         epilogue);
        if (epilogue)
          finishBlock(p, 0, M, j0, n);
      }
    });
    return;
  }
  // Split M and N into blocks of at most MCMax x NCMax, whole panels each.
  // With threads, the split comes from a cost model, per k: a tile costs
  // MR * NR / 16 (its FMAs on two 8-lane pipes), and each task packs its A
  // block and B chunk (unless pre-packed) at ~2 per element (measured on
  // ResNet-18's GEMMs: the packing streams operands that are not in cache).
  // The chosen split minimizes the slowest thread's work plus half a task,
  // the expected straggle when another process holds a core for a while:
  // more tasks balance better but pack more (7 equal tasks on 2 threads
  // leave one idle an eighth of the time; 64-column chunks re-pack A 8
  // times for a 512-column B).
  p.rowPanels = (M + MR - 1) / MR;
  p.colPanels = (N + NR - 1) / NR;
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t minBlocks = std::min(p.rowPanels, ceilDiv(M, MCMax));
  int64_t minChunks = std::min(p.colPanels, ceilDiv(N, NCMax));
  p.mBlocks = minBlocks;
  p.nChunks = minChunks;
  // Pre-packed weights streamed by each task that uses them cost more than
  // the tasks' balance gains: with up to 4 MC blocks of rows, each task
  // takes one chunk of B (as few chunks as fit, a multiple of the thread
  // count) and walks all of M under it, its B chunk staying in L2. Measured
  // on 2 threads against the split below, weights not in cache: linear
  // layers of M = 50, 128, 307, 768 rows (N, K = 768, 2304, 3072) ran
  // 1-15% faster (M = 307, N = 3072, K = 768: 4.97 -> 4.37 ms).
  bool bStationary = threads > 1 && constantB && minBlocks <= 4 &&
                     p.colPanels >= 2 * int64_t(threads);
  // Where the panels do not divide evenly between the tasks, a task's
  // range of tiles ends inside a panel, whose rows the next task finishes
  // (M = 196, N = 288, nine panels on 2 threads: 5 against 4 before).
  if (bStationary) {
    p.nChunks = std::min(
        p.colPanels,
        ceilDiv(std::max<int64_t>(minChunks, threads), threads) * threads);
    p.tileRanges = true;
  }
  // Split by columns (splitColumns, with A pre-packed: no block re-packs
  // it): each task walks all of M under its chunk, and thread t's tasks
  // cover the t-th stretch of columns, so a conv's threads each write the
  // positions the next kernel's same thread reads (GemmKernels.h).
  bool columnsByThread = splitColumns && threads > 1 && constantA &&
                         minBlocks <= 4 && !bStationary;
  if (columnsByThread)
    p.nChunks =
        std::min(p.colPanels, std::max(minChunks, 4 * int64_t(threads)));
  if (threads == 1 || bStationary || columnsByThread) {
    // Pack each B chunk once and walk all of M under it.
    p.blocksPerTask = p.mBlocks;
  } else {
    p.blocksPerTask = 1;
    double tile = MR * NR / 16.0, best = 0;
    double packA = constantA ? 0.0 : 2.0 * MR,
           packB = constantB ? 0.0 : 2.0 * NR;
    int64_t maxBlocks =
        std::min(p.rowPanels, std::max(2 * minBlocks, 4 * int64_t(threads)));
    int64_t maxChunks =
        std::min(p.colPanels, std::max(2 * minChunks, 4 * int64_t(threads)));
    for (int64_t mb = minBlocks; mb <= maxBlocks; ++mb)
      for (int64_t nch = minChunks; nch <= maxChunks; ++nch) {
        int64_t rp = ceilDiv(p.rowPanels, mb), cp = ceilDiv(p.colPanels, nch);
        double task = double(rp * cp) * tile + rp * packA + cp * packB;
        double span = double(ceilDiv(mb * nch, threads)) * task + 0.5 * task;
        if (best == 0 || span < best) {
          best = span;
          p.mBlocks = mb;
          p.nChunks = nch;
        }
      }
  }
  p.mc = ceilDiv(p.rowPanels, p.mBlocks) * MR;
  if (constantB && !constantA)
    p.kcBlock = kcPackedB(K);
  if (constantA)
    p.packedA = prepacked(true, A, M, K, p.kcBlock);
  if (constantB)
    p.packedB = prepacked(false, B, K, N, p.kcBlock);
  // A few rows against pre-packed weights: each task (a chunk of panels)
  // walks K block by block, block(k0, kc, Bp, j0, nc) running its panels
  // of the block (Bp the first), then the epilogue's finishing pass.
  auto fewRows = [&](auto block) {
    run(p.nChunks, [&](int64_t chunk) {
      int64_t pa = chunk * p.colPanels / p.nChunks,
              pb = (chunk + 1) * p.colPanels / p.nChunks;
      int64_t j0 = pa * NR, nc = std::min(N, pb * NR) - j0;
      if (nc <= 0)
        return;
      for (int64_t k0 = 0; k0 < K; k0 += p.kcBlock) {
        int64_t kc = std::min(p.kcBlock, K - k0);
        block(k0, kc, p.packedB + k0 * p.colPanels * NR + pa * NR * kc, j0, nc);
      }
      if (epilogue)
        finishBlock(p, 0, M, j0, nc);
    });
  };
  if (M <= 4 && haveAvx512 && p.packedB && A.colStride == 1 && !A.rowMap &&
      !C.rowMap && C.colStride == 1) {
    // A few rows against pre-packed weights (an LSTM's recurrent GEMVs, a
    // decoder's batch-1 linear layers): each task runs its panels block by
    // block of K, a panel's product in registers over the block, without
    // the tiles' driver (its per-tile setup and epilogue cost as much as a
    // 1-row tile's FMAs). tessera-gemm-bench --linear, same run: 1 x 320 x
    // 1280 on 2 threads 49-56 -> 78-87 GFLOP/s (its weights in the two
    // L2s), 4 x 768 x 3072 131 -> 241, 2 x 1024 x 4096 60 -> 77.
    fewRows(
        [&](int64_t k0, int64_t kc, const float *Bp, int64_t j0, int64_t nc) {
          const float *rows[4];
          for (int64_t r = 0; r < M; ++r)
            rows[r] = A.at(r, k0);
          for (int64_t j = 0; j < nc; j += NR)
            gemmMicroKernelRowsAvx512(kc, rows, Bp + j * kc, C.at(0, j0 + j),
                                      C.rowStride, (int)M,
                                      (int)std::min<int64_t>(NR, nc - j),
                                      epilogue && k0 == 0, nullptr, Prefetch{});
        });
    return;
  }
  // The same on AVX2 for one or two rows (a decoder's batch-1 token, a
  // classifier's batch-1 features): the rows packed once per block of K,
  // then the panels' tiles in a row, without the tiles' driver. A chain of
  // 16 linear layers 1 x 2048 x 2048 (256 MB of weights), 2 threads,
  // TESSERA_PROFILE totals of 5 alternating runs: 7.27 -> 6.82 ms.
  // TESSERA_GEMM_FEW_ROWS=0 keeps them on the driver.
  static const bool fewRowsAvx2 = envSwitch("TESSERA_GEMM_FEW_ROWS", true);
  if (fewRowsAvx2 && M <= 2 && microKernel == gemmMicroKernelAvx2 &&
      p.packedB && !A.rowMap && !C.rowMap && C.colStride == 1) {
    fewRows(
        [&](int64_t k0, int64_t kc, const float *Bp, int64_t j0, int64_t nc) {
          float *Ap = packedA.get(MR * std::min(p.kcBlock, K));
          packAPanel(A, 0, (int)M, k0, kc, Ap);
          for (int64_t j = 0; j < nc; j += NR)
            microKernel(kc, Ap, Bp + j * kc, C.at(0, j0 + j), C.rowStride,
                        (int)M, (int)std::min<int64_t>(NR, nc - j),
                        epilogue && k0 == 0, nullptr, Prefetch{});
        });
    return;
  }
  int64_t mTasks = ceilDiv(p.mBlocks, p.blocksPerTask);
  const Plan &cp = p;
  run(mTasks * p.nChunks, [&](int64_t task) { runBlock(cp, task); });
}

int64_t gemmBlockRowsMax() { return MCMax; }

void applyLinearEpilogue(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                         int64_t n) {
  epilogueKernel(e, x, ldx, m, n);
}

Epilogue epilogueMoved(const Epilogue &e, int64_t i, int64_t j) {
  return epilogueAt(e, i, j);
}

LinearOutput::LinearOutput(const tessera_memref2d_f32 *C) : C(C) {
  static thread_local Scratch scratch;
  if (C->strides[1] == 1) {
    y = C->aligned + C->offset;
    ld = C->strides[0];
  } else {
    ld = C->sizes[1];
    y = scratch.get(C->sizes[0] * ld);
  }
}

void LinearOutput::finish() const {
  if (C->strides[1] == 1)
    return;
  float *c = C->aligned + C->offset;
  for (int64_t i = 0; i < C->sizes[0]; ++i)
    for (int64_t j = 0; j < C->sizes[1]; ++j)
      c[i * C->strides[0] + j * C->strides[1]] = y[i * ld + j];
}

void LinearOutput::epilogue(const Epilogue &e, int64_t i0, int64_t m,
                            int64_t j0, int64_t n) const {
  if (e.activation != ActNone || e.bias || e.residual)
    applyLinearEpilogue(epilogueAt(e, i0, j0), y + i0 * ld + j0, ld, m, n);
}

Epilogue linearEpilogue(int64_t flags, const tessera_memref1d_f32 *bias,
                        const tessera_memref2d_f32 *R) {
  static_assert(int(TESSERA_LINEAR_ACT_TANH) == ActTanh &&
                    int(TESSERA_LINEAR_ACT_HARDSWISH) == ActHardSwish &&
                    int(TESSERA_LINEAR_ACT_GELU) == ActGelu,
                "tessera_runtime.h and Activations.h disagree");
  Epilogue e;
  e.activation = int(flags & TESSERA_LINEAR_ACT_MASK);
  if (flags & TESSERA_LINEAR_BIAS) {
    e.bias = bias->aligned + bias->offset;
    e.biasStride = bias->strides[0];
  }
  if (flags & TESSERA_LINEAR_RESIDUAL) {
    e.residual = R->aligned + R->offset;
    e.residualRowStride = R->strides[0];
    e.residualColStride = R->strides[1];
  }
  return e;
}

void gemmFromPanels(int64_t M, int64_t N, int64_t K, const float *A,
                    int64_t lda, int64_t acs, bool constantA, float *C,
                    int64_t ldc, int64_t ccs, const BPanelSource &B,
                    const Epilogue *epilogue, bool splitColumns) {
  gemm(M, N, K, Matrix{A, lda, acs}, Matrix{nullptr, 0, 0},
       OutMatrix{C, ldc, ccs}, constantA, false, epilogue, &B, splitColumns);
}

bool gemmUsesAvx512() { return haveAvx512; }

bool prefetchWeights() {
  static const bool on = [] {
    const char *env = getenv("TESSERA_PREFETCH");
    return !(env && strcmp(env, "0") == 0);
  }();
  return on;
}

void gemmAccumulate(int64_t M, int64_t N, int64_t K, const float *A,
                    int64_t lda, int64_t acs, bool constantA, const float *B,
                    int64_t ldb, int64_t bcs, bool constantB, float *C,
                    int64_t ldc, int64_t ccs, const Epilogue *epilogue,
                    bool splitColumns) {
  gemm(M, N, K, Matrix{A, lda, acs}, Matrix{B, ldb, bcs},
       OutMatrix{C, ldc, ccs}, constantA, constantB, epilogue, nullptr,
       splitColumns);
}

int gemmRowsPerTile() { return MR; }

} // namespace tessera
