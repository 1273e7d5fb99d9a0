// The sparse linear layer, C = act(A·W^T + bias) + R with W [N,K] stored
// block sparse (BSR) or N:M (_mlir_ciface_tessera_sparse_linear_f32).
// The stored weights are repacked into one of the kernels' forms
// (SparseGemmKernels.h), once for constant ones. A task packs each tile of
// rows of A once (transposed, in L2) and runs the kernel over chunks of rows
// of W; a chunk's output stays in L1 while its weights stream past, K block
// by K block (a block of the panel in L1), and gets the epilogue as soon as
// it is done. bench/sparse_gemm_bench.cpp measures it against the dense
// layer.
#include "cpu/Activations.h"
#include "cpu/SparseGemmKernels.h"
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

namespace tessera {
namespace {

const bool haveAvx512 = !gemmAvx2Forced() && avx512KernelsUsable();
// Without AVX-512 (TESSERA_GEMM_ISA=avx2 forces it), the AVX2 kernels.
const bool haveAvx2 = !haveAvx512 && avx2KernelsUsable();
const SparsePackFn packKernel = haveAvx512 ? sparsePackAvx512
                                : haveAvx2 ? sparsePackAvx2
                                           : sparsePackPortable;
const SparseRowsFn rowsKernel = haveAvx512 ? sparseRowsAvx512
                                : haveAvx2 ? sparseRowsAvx2
                                           : sparseRowsPortable;

int64_t roundUp(int64_t x, int64_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

// The sparse operand as the ABI gives it (tessera_runtime.h).
struct Format {
  const float *values;
  const int32_t *index, *offsets;
  int64_t numValues, numIndex, numOffsets;
  int64_t N, K, br, bc;
  bool nm;
};

struct FreeDeleter {
  void operator()(void *p) const { free(p); }
};

// Weights in a kernel form, owning the arrays that `view` points to.
struct Packed {
  std::vector<int32_t> begin, col, group;
  std::unique_ptr<float[], FreeDeleter> w;
  SparseWeights view;
};

// The form for a block shape, with the rows of W per group and the
// columns per entry.
SparseForm chooseForm(const Format &f, int *rows, int *cols) {
  auto divisorUpTo = [](int64_t n, int most) {
    int d = most;
    while (n % d)
      d = most == 4 ? d - 1 : d / 2;
    return d;
  };
  *rows = f.nm ? 1 : divisorUpTo(f.br, 4);
  *cols = f.nm ? 1 : divisorUpTo(f.bc, 16);
  if (haveAvx512 && !f.nm && f.br % 16 == 0) {
    *rows = 16;
    *cols = 1;
    return SparseForm::NVec;
  }
  return SparseForm::MVec;
}

/// Calls fn(k, src, rowStride, colStride) for each entry of group g in
/// order: its weight (i, j) (row i, column k + j) is src[i*rowStride +
/// j*colStride].
template <typename Fn>
void visitGroup(const Format &f, int rows, int cols, int64_t g, Fn fn) {
  if (f.nm) { // rows = cols = 1: row g, n kept weights per group of m k
    int64_t groups = f.K / f.bc;
    for (int64_t q = 0; q < groups; ++q)
      for (int64_t j = 0; j < f.br; ++j) {
        int64_t at = (g * groups + q) * f.br + j;
        assert(f.index[at] >= 0 && f.index[at] < f.bc);
        fn(q * f.bc + f.index[at], f.values + at, 0, 0);
      }
    return;
  }
  int64_t blockRow = g * rows / f.br, rowInBlock = g * rows % f.br;
  for (int64_t b = f.offsets[blockRow]; b < f.offsets[blockRow + 1]; ++b) {
    assert(f.index[b] >= 0 && (f.index[b] + 1) * f.bc <= f.K);
    const float *block = f.values + b * f.br * f.bc + rowInBlock * f.bc;
    for (int64_t c = 0; c < f.bc; c += cols)
      fn(f.index[b] * f.bc + c, block + c, f.bc, 1);
  }
}

/// K blocks whose transposed panel (a tile of rows of A by kc) takes 32 KiB,
/// so that it stays in L1 while the weights of a chunk of W pass.
int64_t chooseKc(int64_t K, SparseForm form, int rows) {
  int64_t kc =
      form == SparseForm::NVec ? K : (32 << 10) / (64 * mvecMaxVectors(rows));
  if (K <= kc)
    return std::max<int64_t>(K, 1);
  int64_t blocks = (K + kc - 1) / kc;
  return roundUp((K + blocks - 1) / blocks, 16);
}

Packed pack(const Format &f) {
  Packed p;
  int rows = 1, cols = 1;
  SparseForm form = chooseForm(f, &rows, &cols);
  int64_t kc = chooseKc(f.K, form, rows);
  int64_t kBlocks = (std::max<int64_t>(f.K, 1) + kc - 1) / kc;
  int64_t groups = f.N / rows, payload = rows * cols;
  p.begin.assign(kBlocks * groups + 1, 0);
  for (int64_t g = 0; g < groups; ++g)
    visitGroup(f, rows, cols, g,
               [&](int64_t k, const float *, int64_t, int64_t) {
                 ++p.begin[k / kc * groups + g + 1];
               });
  int64_t entries = 0;
  for (int32_t &begin : p.begin) { // counts to offsets
    entries += begin;
    begin = int32_t(entries);
  }
  assert(entries <= INT32_MAX && "sparse_linear: too many stored weights");
  p.col.resize(std::max<int64_t>(entries, 1));
  size_t bytes =
      roundUp(std::max<int64_t>(entries * payload, 16) * sizeof(float), 64);
  p.w.reset(static_cast<float *>(aligned_alloc(64, bytes)));
  std::vector<int32_t> next(p.begin.begin(), p.begin.end() - 1);
  for (int64_t g = 0; g < groups; ++g)
    visitGroup(
        f, rows, cols, g,
        [&](int64_t k, const float *src, int64_t rowStride, int64_t colStride) {
          int64_t e = next[k / kc * groups + g]++;
          p.col[e] = int32_t(k);
          float *dst = p.w.get() + e * payload;
          for (int i = 0; i < rows; ++i)
            for (int j = 0; j < cols; ++j)
              dst[j * rows + i] = src[i * rowStride + j * colStride];
        });
  p.view = {form,           f.N,          f.K,     rows,     cols, kc, kBlocks,
            p.begin.data(), p.col.data(), nullptr, p.w.get()};
  if (haveAvx512 && form == SparseForm::MVec && cols >= 8) { // wide entries
    p.group.resize(p.col.size());
    for (int64_t b = 0; b < kBlocks; ++b)
      for (int64_t g = 0; g < groups; ++g)
        std::fill(p.group.begin() + p.begin[b * groups + g],
                  p.group.begin() + p.begin[b * groups + g + 1], int32_t(g));
    p.view.group = p.group.data();
  }
  return p;
}

/// Constant weights are packed once, keyed by their arrays' addresses and
/// the layer's shape, and shared by every later call and thread; their own
/// pages are released afterwards. Others are packed into `local`.
const SparseWeights &prepare(const Format &f, bool constant, Packed &local) {
  if (!constant) {
    local = pack(f);
    return local.view;
  }
  using Key = std::tuple<const void *, const void *, const void *, int64_t,
                         int64_t, int64_t, int64_t, bool>;
  static std::mutex mutex;
  static auto *cache = new std::map<Key, Packed>();
  std::lock_guard<std::mutex> lock(mutex);
  Key key{f.values, f.index, f.nm ? nullptr : f.offsets, f.N, f.K, f.br,
          f.bc,     f.nm};
  auto it = cache->find(key);
  if (it == cache->end()) {
    it = cache->emplace(key, pack(f)).first;
    releaseSourcePages(f.values, 1, f.numValues, f.numValues, 1, sizeof(float));
    releaseSourcePages(f.index, 1, f.numIndex, f.numIndex, 1, sizeof(int32_t));
    if (!f.nm)
      releaseSourcePages(f.offsets, 1, f.numOffsets, f.numOffsets, 1,
                         sizeof(int32_t));
  }
  return it->second.view;
}

thread_local Scratch tileScratch;

struct AView {
  const float *data;
  int64_t rows, rowStride, colStride;
};

void sparseLinear(const SparseWeights &w, const AView &A, const Epilogue &e,
                  const LinearOutput &out) {
  int64_t M = A.rows, N = w.N, K = w.K;
  if (K == 0) { // no product: the epilogue on zeros
    for (int64_t i = 0; i < M; ++i)
      std::fill(out.y + i * out.ld, out.y + i * out.ld + N, 0.0f);
    out.epilogue(e, 0, M, 0, N);
    return;
  }
  int tileRows = sparseTileRows(w);
  // Chunks of 128 rows of W (their y^T stays in L1), whole 16-row units for
  // the transposes.
  int64_t unit = w.form == SparseForm::NVec ? 16 : 16 * w.rows;
  int64_t nc = std::min(roundUp(N, unit), roundUp(128, unit));
  // Below ~1M multiply-adds waking the pool costs more than it saves.
  int64_t entries = w.begin[N / w.rows * w.kBlocks];
  double work = double(M) * double(entries) * w.rows * w.cols;
  int threads = work >= (1 << 20) ? numThreads() : 1;
  // Tasks: blocks of tiles of A by parts of N, one per thread (measured:
  // with two or four, which each pack their tiles of A, the layer took up to
  // 1.3x resp. 1.6x as long at 90% sparsity).
  int64_t tiles = (M + tileRows - 1) / tileRows;
  int64_t parts = 1, mBlocks = 1;
  if (threads > 1) {
    int64_t wanted = threads;
    mBlocks = std::min(tiles, wanted);
    parts = std::min((N + unit - 1) / unit, (wanted + mBlocks - 1) / mBlocks);
  }
  int64_t mb = (tiles + mBlocks - 1) / mBlocks * tileRows;
  mBlocks = (M + mb - 1) / mb;
  int64_t np = roundUp((N + parts - 1) / parts, unit);
  parts = (N + np - 1) / np;
  auto task = [&](int64_t t) {
    int64_t i0 = t / parts * mb, iEnd = std::min(M, i0 + mb);
    int64_t n0 = t % parts * np, nEnd = std::min(N, n0 + np);
    float *At = tileScratch.get((K + nc) * tileRows), *yT = At + K * tileRows;
    for (int64_t i = i0; i < iEnd; i += tileRows) {
      int m = int(std::min<int64_t>(tileRows, iEnd - i));
      packKernel(w, A.data + i * A.rowStride, A.rowStride, A.colStride, m, K,
                 At);
      for (int64_t j0 = n0; j0 < nEnd; j0 += nc) {
        int64_t j1 = std::min(nEnd, j0 + nc);
        rowsKernel(w, At, m, j0, j1, out.y + i * out.ld + j0, out.ld, yT);
        out.epilogue(e, i, m, j0, j1 - j0);
      }
    }
  };
  int64_t tasks = mBlocks * parts;
  if (threads > 1 && tasks > 1)
    parallelFor(tasks, task);
  else
    for (int64_t t = 0; t < tasks; ++t)
      task(t);
}

} // namespace

void sparsePackPortable(const SparseWeights &w, const float *A, int64_t lda,
                        int64_t acs, int m, int64_t K, float *At) {
  int ldt = sparsePanelWidth(w, m);
  for (int64_t k = 0; k < K; ++k)
    for (int i = 0; i < ldt; ++i)
      At[k * ldt + i] = i < m ? A[i * lda + k * acs] : 0.0f;
}

// The MVec form in plain loops (the compiler vectorizes those over the rows
// of A): each output sums its products in entry order.
void sparseRowsPortable(const SparseWeights &w, const float *At, int m,
                        int64_t r0, int64_t r1, float *y, int64_t ldy,
                        float *yT) {
  int R = w.rows, BC = w.cols, ldt = sparsePanelWidth(w, m);
  int64_t groups = w.N / R;
  std::fill(yT, yT + (r1 - r0) * ldt, 0.0f);
  for (int64_t kb = 0; kb < w.kBlocks; ++kb)
    for (int64_t g = r0 / R; g < r1 / R; ++g) {
      float *acc = yT + (g * R - r0) * ldt;
      const int32_t *range = w.begin + kb * groups + g;
      for (int64_t e = range[0]; e < range[1]; ++e)
        for (int j = 0; j < BC; ++j) {
          const float *a = At + (int64_t(w.col[e]) + j) * ldt;
          for (int i = 0; i < R; ++i) {
            float wi = w.w[(e * BC + j) * R + i];
            float *row = acc + i * ldt;
            for (int x = 0; x < ldt; ++x)
              row[x] += wi * a[x];
          }
        }
    }
  for (int64_t r = r0; r < r1; ++r)
    for (int x = 0; x < m; ++x)
      y[x * ldy + r - r0] = yT[(r - r0) * ldt + x];
}

} // namespace tessera

extern "C" void _mlir_ciface_tessera_sparse_linear_f32(
    tessera_memref2d_f32 *A, tessera_memref1d_f32 *values,
    tessera_memref1d_i32 *index, tessera_memref1d_i32 *offsets,
    tessera_memref1d_f32 *bias, tessera_memref2d_f32 *R,
    tessera_memref2d_f32 *C, int64_t flags, int64_t br, int64_t bc,
    int64_t constMask) {
  int64_t M = C->sizes[0], N = C->sizes[1], K = A->sizes[1];
  if (M <= 0 || N <= 0)
    return;
  bool nm = flags & TESSERA_SPARSE_NM;
  assert(br > 0 && bc > 0 && K % bc == 0 && (nm ? br <= bc : N % br == 0) &&
         "sparse_linear: blocks must tile W");
  tessera::Format f;
  f.values = values->aligned + values->offset;
  f.index = index->aligned + index->offset;
  f.offsets = nm ? nullptr : offsets->aligned + offsets->offset;
  f.numValues = values->sizes[0];
  f.numIndex = index->sizes[0];
  f.numOffsets = nm ? 0 : offsets->sizes[0];
  f.N = N;
  f.K = K;
  f.br = br;
  f.bc = bc;
  f.nm = nm;
  tessera::Packed local;
  const tessera::SparseWeights &w = tessera::prepare(f, constMask & 2, local);
  tessera::LinearOutput out(C);
  tessera::sparseLinear(
      w, {A->aligned + A->offset, M, A->strides[0], A->strides[1]},
      tessera::linearEpilogue(flags, bias, R), out);
  out.finish();
}
