// fp32 GEMM, C += A·B on arbitrarily strided operands, Goto-style: each task
// packs a KCxNC chunk of B into NR-column panels and MCxKC blocks of A into
// MR-row panels and runs the register-blocked micro-kernel over them.
// docs/runtime.md has the measurements behind the block sizes and the choice
// of our own kernel over oneDNN.
#include "cpu/GemmKernels.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace tessera {
namespace {

constexpr int MR = gemmMR;
constexpr int NR = gemmNR;
// Block sizes (tuning knobs for bench/gemm_bench.cpp). Defaults: the packed B
// micro-panel KCxNR (32 KiB) stays in L1, the packed A block MCxKC in L2.
#ifndef TESSERA_GEMM_KC
#define TESSERA_GEMM_KC 256
#endif
#ifndef TESSERA_GEMM_MC
#define TESSERA_GEMM_MC 192
#endif
constexpr int64_t KC = TESSERA_GEMM_KC;
constexpr int64_t MCMax = (TESSERA_GEMM_MC + MR - 1) / MR * MR;
#ifndef TESSERA_GEMM_NC
#define TESSERA_GEMM_NC 512
#endif
constexpr int64_t NCMax = TESSERA_GEMM_NC; // packed B chunk KCxNC: L2

struct Matrix {
  const float *data;
  int64_t rowStride, colStride;
  const float *at(int64_t r, int64_t c) const {
    return data + r * rowStride + c * colStride;
  }
};

struct OutMatrix {
  float *data;
  int64_t rowStride, colStride;
};

GemmMicroKernel selectKernel() {
  // TESSERA_GEMM_PORTABLE=1 forces the portable path (to test it here).
  if (const char *env = getenv("TESSERA_GEMM_PORTABLE"))
    if (*env && strcmp(env, "0") != 0)
      return gemmMicroKernelPortable;
#if defined(__x86_64__)
  __builtin_cpu_init(); // we run from a static initializer
  if (__builtin_cpu_supports("avx512f"))
    return gemmMicroKernelAvx512;
#endif
  return gemmMicroKernelPortable;
}

const GemmMicroKernel microKernel = selectKernel();
const bool haveAvx512 = microKernel == gemmMicroKernelAvx512;

// Grow-only per-thread scratch; GEMMs are called repeatedly with the same
// sizes, and fresh large mallocs would page-fault on every call.
struct Scratch {
  float *data = nullptr;
  size_t capacity = 0;
  ~Scratch() { free(data); }
  float *get(size_t floats) {
    if (floats > capacity) {
      free(data);
      capacity = (floats + 1023) / 1024 * 1024;
      data = static_cast<float *>(aligned_alloc(64, capacity * sizeof(float)));
    }
    return data;
  }
};
thread_local Scratch packedA, packedB;

// Bp[k*NR + j] = B(k0+k, j0+j), zero-padded to NR columns.
void packBPanel(const Matrix &B, int64_t k0, int64_t kc, int64_t j0, int n,
                float *Bp) {
  if (B.colStride == 1 && haveAvx512) {
    gemmPackBAvx512(B.at(k0, j0), B.rowStride, kc, n, Bp);
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
  const float *rows[MR];
  for (int r = 0; r < MR; ++r)
    rows[r] = A.at(i0 + std::min(r, m - 1), k0);
  if (m == MR && A.colStride == 1) {
    for (int64_t k = 0; k < kc; ++k, Ap += MR)
      for (int r = 0; r < MR; ++r)
        Ap[r] = rows[r][k];
    return;
  }
  for (int64_t k = 0; k < kc; ++k, Ap += MR)
    for (int r = 0; r < MR; ++r)
      Ap[r] = r < m ? rows[r][k * A.colStride] : 0.0f;
}

struct Plan {
  Matrix A, B;
  OutMatrix C;
  int64_t M, N, K;
  int64_t mc, mBlocks, blocksPerTask, nc, nChunks;
  const float *packedB = nullptr; // all of B, pre-packed (constant weights)
  const float *packedA = nullptr; // all of A, pre-packed (constant weights)
};

using PackedPanels = std::unique_ptr<float[], decltype(&free)>;

/// A whole operand packed once: for each KC block, every `width`-wide panel
/// in order, so the panel of block k0 starting at row/column j is at
/// k0 * ceil(extent/width) * width + (j / width) * width * kc.
/// `pack(k0, kc, j, n, dst)` packs one panel of n <= width rows/columns.
template <typename PackFn>
PackedPanels packAll(int64_t extent, int64_t K, int width, PackFn pack) {
  int64_t panels = (extent + width - 1) / width;
  size_t bytes = (size_t(K * panels * width) * sizeof(float) + 63) / 64 * 64;
  PackedPanels packed(static_cast<float *>(aligned_alloc(64, bytes)), &free);
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    int64_t kc = std::min(KC, K - k0);
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
/// then shared by every later call and thread.
const float *prepacked(bool isA, const Matrix &m, int64_t rows,
                       int64_t cols) {
  using Key =
      std::tuple<bool, const float *, int64_t, int64_t, int64_t, int64_t>;
  static std::mutex mutex;
  static auto *cache = new std::map<Key, PackedPanels>();
  std::lock_guard<std::mutex> lock(mutex);
  Key key{isA, m.data, m.rowStride, m.colStride, rows, cols};
  auto it = cache->find(key);
  if (it == cache->end()) {
    PackedPanels packed =
        isA ? packAll(rows, cols, MR,
                      [&](int64_t k0, int64_t kc, int64_t i, int n, float *d) {
                        packAPanel(m, i, n, k0, kc, d);
                      })
            : packAll(cols, rows, NR,
                      [&](int64_t k0, int64_t kc, int64_t j, int n, float *d) {
                        packBPanel(m, k0, kc, j, n, d);
                      });
    it = cache->emplace(key, std::move(packed)).first;
  }
  return it->second.get();
}

void runTile(const Plan &p, int64_t kc, const float *Ap, const float *Bp,
             int64_t i0, int m, int64_t j0, int n) {
  if (p.C.colStride == 1) {
    microKernel(kc, Ap, Bp, p.C.data + i0 * p.C.rowStride + j0, p.C.rowStride,
                m, n);
    return;
  }
  alignas(64) float tile[MR * NR] = {};
  microKernel(kc, Ap, Bp, tile, NR, m, n);
  for (int r = 0; r < m; ++r)
    for (int j = 0; j < n; ++j)
      p.C.data[(i0 + r) * p.C.rowStride + (j0 + j) * p.C.colStride] +=
          tile[r * NR + j];
}

// One task: C[i0:i1, j0:j0+nc] over all of K, i.e. one chunk of B columns
// and one or more MC blocks of A rows. The task packs its own B chunk and A
// blocks: no barrier between packing and compute, which matters when another
// process holds a core. The duplicated packing costs ~1/mc resp. 1/nc of the
// multiply-adds.
void runBlock(const Plan &p, int64_t task) {
  int64_t firstBlock = task / p.nChunks * p.blocksPerTask;
  int64_t lastBlock = std::min(p.mBlocks, firstBlock + p.blocksPerTask);
  int64_t j0 = task % p.nChunks * p.nc, nc = std::min(p.nc, p.N - j0);
  int64_t nPanels = (nc + NR - 1) / NR, mPanelsMax = p.mc / MR;
  float *Ap = packedA.get(mPanelsMax * MR * std::min(KC, p.K));
  float *Bp =
      p.packedB ? nullptr : packedB.get(nPanels * NR * std::min(KC, p.K));
  int64_t allPanels = (p.N + NR - 1) / NR, allRowPanels = (p.M + MR - 1) / MR;
  for (int64_t k0 = 0; k0 < p.K; k0 += KC) {
    int64_t kc = std::min(KC, p.K - k0);
    if (p.packedB)
      Bp = const_cast<float *>(p.packedB) + k0 * allPanels * NR +
           j0 / NR * NR * kc;
    else
      for (int64_t jp = 0; jp < nPanels; ++jp)
        packBPanel(p.B, k0, kc, j0 + jp * NR,
                   (int)std::min<int64_t>(NR, nc - jp * NR),
                   Bp + jp * NR * kc);
    for (int64_t ib = firstBlock; ib < lastBlock; ++ib) {
      int64_t i0 = ib * p.mc, mc = std::min(p.mc, p.M - i0);
      int64_t mPanels = (mc + MR - 1) / MR;
      if (p.packedA)
        Ap = const_cast<float *>(p.packedA) + k0 * allRowPanels * MR +
             i0 / MR * MR * kc;
      else
        for (int64_t ip = 0; ip < mPanels; ++ip)
          packAPanel(p.A, i0 + ip * MR,
                     (int)std::min<int64_t>(MR, mc - ip * MR), k0, kc,
                     Ap + ip * MR * kc);
      for (int64_t jp = 0; jp < nPanels; ++jp)
        for (int64_t ip = 0; ip < mPanels; ++ip)
          runTile(p, kc, Ap + ip * MR * kc, Bp + jp * NR * kc, i0 + ip * MR,
                  (int)std::min<int64_t>(MR, mc - ip * MR), j0 + jp * NR,
                  (int)std::min<int64_t>(NR, nc - jp * NR));
    }
  }
}

void naiveGemm(const Plan &p) {
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < p.N; ++j) {
      float acc = 0.0f;
      for (int64_t k = 0; k < p.K; ++k)
        acc += *p.A.at(i, k) * *p.B.at(k, j);
      p.C.data[i * p.C.rowStride + j * p.C.colStride] += acc;
    }
}

void gemm(int64_t M, int64_t N, int64_t K, Matrix A, Matrix B, OutMatrix C,
          bool constantA = false, bool constantB = false) {
  if (M <= 0 || N <= 0 || K <= 0)
    return;
  Plan p{A, B, C, M, N, K, 0, 0, 0, 0, 0};
  if (M * N * K <= 8 * 8 * 8) {
    naiveGemm(p);
    return;
  }
  // Below ~1 MFLOP (a few microseconds) waking the pool costs more than it
  // saves.
  int threads = M * N * K >= (1 << 19) ? numThreads() : 1;
  auto run = [&](int64_t numTasks, auto body) {
    if (threads > 1)
      parallelFor(numTasks, body);
    else
      for (int64_t task = 0; task < numTasks; ++task)
        body(task);
  };
  if (M <= 4 && haveAvx512 && B.colStride == 1 && C.colStride == 1) {
    // Few rows: packing would cost as much as the product; stream B.
    int64_t chunk = std::max<int64_t>(256, (N / (2 * threads) + 63) / 64 * 64);
    run((N + chunk - 1) / chunk, [&](int64_t task) {
      int64_t j0 = task * chunk;
      gemmSmallMAvx512((int)M, std::min(chunk, N - j0), K, A.data,
                       A.rowStride, A.colStride, B.data + j0, B.rowStride,
                       C.data + j0, C.rowStride);
    });
    return;
  }
  // Split M and N evenly into blocks of at most MCMax x NCMax, and into at
  // least ~4 tasks per thread for dynamic load balancing.
  auto split = [](int64_t extent, int64_t maxBlock, int64_t parts,
                  int64_t unit) {
    int64_t blocks = std::max(parts, (extent + maxBlock - 1) / maxBlock);
    int64_t size = (extent + blocks - 1) / blocks;
    return std::max(unit, (size + unit - 1) / unit * unit);
  };
  p.mc = split(M, MCMax, 1, MR);
  p.mBlocks = (M + p.mc - 1) / p.mc;
  if (threads == 1) {
    // Pack each B chunk once and walk all of M under it.
    p.blocksPerTask = p.mBlocks;
    p.nc = split(N, NCMax, 1, 4 * NR);
  } else {
    p.blocksPerTask = 1;
    p.nc = split(N, NCMax, (4 * threads + p.mBlocks - 1) / p.mBlocks, 4 * NR);
  }
  p.nChunks = (N + p.nc - 1) / p.nc;
  if (constantA)
    p.packedA = prepacked(true, A, M, K);
  if (constantB)
    p.packedB = prepacked(false, B, K, N);
  int64_t mTasks = (p.mBlocks + p.blocksPerTask - 1) / p.blocksPerTask;
  const Plan &cp = p;
  run(mTasks * p.nChunks, [&](int64_t task) { runBlock(cp, task); });
}

} // namespace

void gemmMicroKernelPortable(int64_t kc, const float *Ap, const float *Bp,
                             float *C, int64_t ldc, int m, int n) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k, Ap += MR, Bp += NR)
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j)
        acc[r][j] += Ap[r] * Bp[j];
  for (int r = 0; r < m; ++r)
    for (int j = 0; j < n; ++j)
      C[r * ldc + j] += acc[r][j];
}

} // namespace tessera

using tessera::Matrix;
using tessera::OutMatrix;

extern "C" {

void tessera_sgemm(int64_t M, int64_t N, int64_t K, const float *A,
                   int64_t lda, const float *B, int64_t ldb, float *C,
                   int64_t ldc) {
  tessera::gemm(M, N, K, Matrix{A, lda, 1}, Matrix{B, ldb, 1},
                OutMatrix{C, ldc, 1});
}

void _mlir_ciface_tessera_matmul_f32(tessera_memref2d_f32 *A,
                                     tessera_memref2d_f32 *B,
                                     tessera_memref2d_f32 *C) {
  tessera::gemm(C->sizes[0], C->sizes[1], A->sizes[1],
                Matrix{A->aligned + A->offset, A->strides[0], A->strides[1]},
                Matrix{B->aligned + B->offset, B->strides[0], B->strides[1]},
                OutMatrix{C->aligned + C->offset, C->strides[0],
                          C->strides[1]});
}

static void matmulConst(tessera_memref2d_f32 *A, tessera_memref2d_f32 *B,
                        tessera_memref2d_f32 *C, bool constA, bool constB) {
  tessera::gemm(C->sizes[0], C->sizes[1], A->sizes[1],
                Matrix{A->aligned + A->offset, A->strides[0], A->strides[1]},
                Matrix{B->aligned + B->offset, B->strides[0], B->strides[1]},
                OutMatrix{C->aligned + C->offset, C->strides[0],
                          C->strides[1]},
                constA, constB);
}

void _mlir_ciface_tessera_matmul_f32_consta(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, true, false);
}

void _mlir_ciface_tessera_matmul_f32_constb(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, false, true);
}

void _mlir_ciface_tessera_matmul_f32_constab(tessera_memref2d_f32 *A,
                                             tessera_memref2d_f32 *B,
                                             tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, true, true);
}

void _mlir_ciface_tessera_batch_matmul_f32(tessera_memref3d_f32 *A,
                                           tessera_memref3d_f32 *B,
                                           tessera_memref3d_f32 *C) {
  int64_t batch = C->sizes[0], M = C->sizes[1], N = C->sizes[2],
          K = A->sizes[2];
  auto one = [&](int64_t b) {
    tessera::gemm(
        M, N, K,
        Matrix{A->aligned + A->offset + b * A->strides[0], A->strides[1],
               A->strides[2]},
        Matrix{B->aligned + B->offset + b * B->strides[0], B->strides[1],
               B->strides[2]},
        OutMatrix{C->aligned + C->offset + b * C->strides[0], C->strides[1],
                  C->strides[2]});
  };
  // Small per-batch problems (attention heads) parallelise over the batch;
  // large ones run one after another, each parallel inside.
  if (batch >= tessera::numThreads() && 2 * M * N * K < (int64_t)8 << 20)
    tessera::parallelFor(batch, one);
  else
    for (int64_t b = 0; b < batch; ++b)
      one(b);
}

} // extern "C"
