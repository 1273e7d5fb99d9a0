// The sparse linear layer (_mlir_ciface_tessera_sparse_linear_f32): block
// sparse (BSR) and N:M weights against a double reference over the stored
// weights, at several sparsities, block shapes and odd sizes; every
// activation with bias and residual, strided and transposed views, cached
// constant weights, NaN in A, and bit-identical results on 1 and 2 threads.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>

namespace {

const char *const activationNames[] = {"none", "relu",    "gelu", "gelu_tanh",
                                       "silu", "sigmoid", "tanh"};

uint32_t nextRandom(uint32_t &seed) {
  seed = seed * 1664525u + 1013904223u;
  return seed >> 8;
}

// W in the ABI's arrays, and densely (zero where nothing is stored) with a
// mask of the stored weights.
struct SparseW {
  std::vector<float> values;
  std::vector<int32_t> index, offsets;
  std::vector<float> dense;
  std::vector<char> stored;
};

struct Case {
  int64_t M, N, K, br, bc; // N:M: br = n, bc = m
  bool nm = false;
  double sparsity = 0.5; // BSR: the fraction of blocks not stored
  int act = TESSERA_LINEAR_ACT_NONE;
  bool bias = false, biasBroadcast = false;
  bool residual = false, residualBroadcast = false;
  bool stridedA = false, transposedA = false, stridedC = false;
  int64_t constMask = 0;
  int64_t nanRow = -1; // a NaN in this row of A
  uint32_t seed = 1;
};

// BSR: a random round((1 - sparsity) * blocks) of the blocks are stored;
// N:M: n random distinct offsets per group, a quarter of the groups with an
// explicit zero.
SparseW makeWeights(const Case &c) {
  int64_t N = c.N, K = c.K;
  SparseW s;
  uint32_t seed = c.seed * 7919u + 17u;
  s.dense.assign(N * K, 0.0f);
  s.stored.assign(N * K, 0);
  auto store = [&](int64_t r, int64_t k, float v) {
    s.dense[r * K + k] = v;
    s.stored[r * K + k] = 1;
  };
  if (c.nm) {
    int64_t n = c.br, m = c.bc;
    for (int64_t r = 0; r < N; ++r)
      for (int64_t g = 0; g < K / m; ++g) {
        std::vector<int32_t> offsets(m);
        for (int32_t j = 0; j < m; ++j)
          offsets[j] = j;
        for (int64_t j = 0; j < n; ++j) // a partial Fisher-Yates shuffle
          std::swap(offsets[j], offsets[j + nextRandom(seed) % (m - j)]);
        std::sort(offsets.begin(), offsets.begin() + n);
        bool explicitZero = nextRandom(seed) % 4 == 0;
        for (int64_t j = 0; j < n; ++j) {
          float v = explicitZero && j == 0
                        ? 0.0f
                        : float(nextRandom(seed) % 2000) / 1000.0f - 1.0f;
          s.values.push_back(v);
          s.index.push_back(offsets[j]);
          store(r, g * m + offsets[j], v);
        }
      }
    return s;
  }
  int64_t rows = N / c.br, cols = K / c.bc, blocks = rows * cols;
  std::vector<int64_t> order(blocks);
  for (int64_t b = 0; b < blocks; ++b)
    order[b] = b;
  for (int64_t b = blocks - 1; b > 0; --b)
    std::swap(order[b], order[nextRandom(seed) % (b + 1)]);
  int64_t kept = int64_t(std::lround((1.0 - c.sparsity) * double(blocks)));
  std::vector<char> keep(blocks, 0);
  for (int64_t b = 0; b < kept; ++b)
    keep[order[b]] = 1;
  s.offsets.push_back(0);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      if (!keep[i * cols + j])
        continue;
      s.index.push_back(int32_t(j));
      for (int64_t r = 0; r < c.br; ++r)
        for (int64_t k = 0; k < c.bc; ++k) {
          float v = float(nextRandom(seed) % 2000) / 1000.0f - 1.0f;
          s.values.push_back(v);
          store(i * c.br + r, j * c.bc + k, v);
        }
    }
    s.offsets.push_back(int32_t(s.index.size()));
  }
  return s;
}

// Weights of constant cases live for the whole process: the runtime caches
// their packing by address.
std::deque<SparseW> constantWeights;

template <typename T, typename D> D desc1(std::vector<T> &v) {
  return D{v.data(), v.data(), 0, {int64_t(v.size())}, {1}};
}

struct Result {
  bool ok;
  std::vector<float> c; // C as a dense [M,N]
};

// Runs the case (twice with constant weights: pack, then cache) on C filled
// with NaN and checks it within 1e-5 relative L2 of a double reference over
// the stored weights; a NaN in A must give NaN exactly where the reference
// has one.
Result runCase(const Case &c) {
  int64_t M = c.M, N = c.N, K = c.K;
  bool constant = c.constMask != 0;
  SparseW local;
  if (constant)
    constantWeights.push_back(makeWeights(c));
  else
    local = makeWeights(c);
  SparseW &s = constant ? constantWeights.back() : local;

  std::vector<float> r = randomFloats(M * K, c.seed);
  int64_t offset = c.stridedA ? 3 : 0, rs = c.stridedA ? K + 5 : K, cs = 1;
  if (c.transposedA)
    rs = 1, cs = M;
  std::vector<float> a(offset + M * (K + 5) + 1, 0.0f);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k)
      a[offset + i * rs + k * cs] =
          i == c.nanRow && k == K / 2 ? NAN : r[i * K + k];
  tessera_memref2d_f32 da{a.data(), a.data(), offset, {M, K}, {rs, cs}};
  std::vector<float> bias = randomFloats(N, c.seed + 1);
  std::vector<float> res = randomFloats(M * N, c.seed + 2);
  tessera_memref1d_f32 db{
      bias.data(), bias.data(), 0, {N}, {c.biasBroadcast ? 0 : 1}};
  tessera_memref2d_f32 dr{
      res.data(), res.data(), 0, {M, N}, {c.residualBroadcast ? 0 : N, 1}};
  int64_t ccs = c.stridedC ? 2 : 1, ldc = c.stridedC ? 2 * N + 1 : N;
  std::vector<float> cbuf(1 + M * ldc);
  tessera_memref2d_f32 dc{cbuf.data(), cbuf.data(), 1, {M, N}, {ldc, ccs}};
  auto dv = desc1<float, tessera_memref1d_f32>(s.values);
  auto di = desc1<int32_t, tessera_memref1d_i32>(s.index);
  auto doff = desc1<int32_t, tessera_memref1d_i32>(s.offsets);
  int64_t flags = c.act | (c.bias ? TESSERA_LINEAR_BIAS : 0) |
                  (c.residual ? TESSERA_LINEAR_RESIDUAL : 0) |
                  (c.nm ? TESSERA_SPARSE_NM : 0);

  std::vector<double> ref(M * N);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t n = 0; n < N; ++n) {
      double y = 0;
      for (int64_t k = 0; k < K; ++k)
        if (s.stored[n * K + k])
          y += double(a[offset + i * rs + k * cs]) * s.dense[n * K + k];
      if (c.bias)
        y += bias[c.biasBroadcast ? 0 : n];
      ref[i * N + n] =
          activationRef(c.act, y) +
          (c.residual ? res[(c.residualBroadcast ? 0 : i * N) + n] : 0.0);
    }
  Result result{true, std::vector<float>(M * N)};
  for (int call = 0; call < (constant ? 2 : 1); ++call) {
    std::fill(cbuf.begin(), cbuf.end(), NAN);
    _mlir_ciface_tessera_sparse_linear_f32(&da, &dv, &di, &doff, &db, &dr, &dc,
                                           flags, c.br, c.bc, c.constMask);
    double errSq = 0, refSq = 0;
    for (int64_t i = 0; i < M; ++i)
      for (int64_t n = 0; n < N; ++n) {
        float v = cbuf[1 + i * ldc + n * ccs];
        double want = ref[i * N + n];
        result.c[i * N + n] = v;
        if (std::isnan(want)) {
          result.ok &= std::isnan(v);
          continue;
        }
        double d = std::fabs(v - want);
        errSq += std::isnan(d) ? INFINITY : d * d;
        refSq += want * want;
      }
    result.ok &= std::sqrt(errSq) <= 1e-5 * std::sqrt(refSq);
  }
  return result;
}

int report(const char *what, int threads, bool ok) {
  printf("%s threads=%d: %s\n", what, threads, ok ? "ok" : "FAIL");
  return !ok;
}

struct Shape {
  int64_t br, bc;
  bool nm;
  const char *name;
};

// The BSR shapes and N:M patterns, covering each kernel (SparseGemmKernels.h):
// NVec for br % 16 == 0, MVec otherwise with wide (bc >= 8) and narrow
// entries of 1 to 4 rows, and dot products along k for a few rows of A
// with 1 x 16n blocks.
const Shape shapes[] = {{1, 1, false, "bsr 1x1"},   {1, 16, false, "bsr 1x16"},
                        {1, 32, false, "bsr 1x32"}, {4, 4, false, "bsr 4x4"},
                        {4, 16, false, "bsr 4x16"}, {16, 1, false, "bsr 16x1"},
                        {2, 8, false, "bsr 2x8"},   {3, 5, false, "bsr 3x5"},
                        {8, 16, false, "bsr 8x16"}, {32, 4, false, "bsr 32x4"},
                        {2, 4, true, "nm 2:4"},     {1, 4, true, "nm 1:4"},
                        {4, 8, true, "nm 4:8"}};

// N and K for a shape: small, odd numbers of blocks (N = 37 for one row
// per block), or big: several chunks of W rows and, for bc % 16 == 0,
// several K blocks.
Case shapeCase(const Shape &s, int64_t M, bool big) {
  int64_t bn = s.nm ? 1 : s.br;
  Case c{M, bn == 1 ? 37 : 7 * bn,
         s.bc * (s.bc == 1   ? 53
                 : s.bc <= 5 ? 11
                             : 7),
         s.br, s.bc};
  if (big) {
    c.N = (330 + bn - 1) / bn * bn;
    c.K = (1600 + s.bc - 1) / s.bc * s.bc;
  }
  c.nm = s.nm;
  return c;
}

int shapeTests(int threads) {
  int failures = 0;
  char name[96];
  for (const Shape &s : shapes) {
    bool ok = true;
    for (double sparsity : {0.0, 0.5, 0.8, 0.9, 0.99, 1.0})
      for (int64_t M : {1, 3, 17, 130}) {
        if (s.nm && sparsity != 0.5)
          continue; // N:M fixes its sparsity
        Case c = shapeCase(s, M, false);
        c.sparsity = sparsity;
        c.seed = uint32_t(M * 131 + sparsity * 100);
        ok &= runCase(c).ok;
      }
    for (int64_t M : {3, 130}) {
      Case c = shapeCase(s, M, true);
      c.sparsity = 0.8;
      ok &= runCase(c).ok;
    }
    snprintf(name, sizeof name, "%s", s.name);
    failures += report(name, threads, ok);
  }
  return failures;
}

// One shape per kernel: MVec wide (and dot products), NVec, MVec narrow
// with 4 rows, MVec narrow with one.
const Shape formShapes[] = {{1, 16, false, "1x16"},
                            {16, 1, false, "16x1"},
                            {4, 4, false, "4x4"},
                            {2, 4, true, "2:4"}};

int viewTests(int threads) {
  int failures = 0;
  char name[96];
  for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act) {
    bool ok = true;
    for (const Shape &s : formShapes)
      for (int64_t M : {3, 70}) {
        Case c = shapeCase(s, M, false);
        c.act = act;
        c.bias = c.residual = true;
        c.biasBroadcast = act % 2;
        c.residualBroadcast = act == 2;
        ok &= runCase(c).ok;
      }
    snprintf(name, sizeof name, "bias residual %s", activationNames[act]);
    failures += report(name, threads, ok);
  }
  const char *views[] = {"strided A, C", "transposed A"};
  for (int view = 0; view < 2; ++view) {
    bool ok = true;
    for (const Shape &s : formShapes)
      for (int64_t M : {1, 17, 130}) {
        Case c = shapeCase(s, M, false);
        c.stridedA = c.stridedC = view == 0;
        c.transposedA = view == 1;
        c.act = TESSERA_LINEAR_ACT_GELU;
        c.bias = c.residual = true;
        ok &= runCase(c).ok;
      }
    failures += report(views[view], threads, ok);
  }
  // Constant weights: the same shape twice at different addresses with
  // different contents (each called twice: packed, then from the cache).
  bool ok = true;
  for (const Shape &s : formShapes)
    for (uint32_t seed : {5u, 6u}) {
      Case c = shapeCase(s, 17, false);
      c.constMask = 2;
      c.seed = seed;
      ok &= runCase(c).ok;
    }
  failures += report("constant weights", threads, ok);
  ok = true;
  for (const Shape &s : formShapes)
    for (int64_t M : {1, 17, 130}) {
      Case c = shapeCase(s, M, false);
      c.nanRow = M / 2;
      ok &= runCase(c).ok;
    }
  failures += report("NaN rows", threads, ok);
  ok = true;
  for (const Shape &s : formShapes) { // K = 0: the epilogue of zeros
    Case c = shapeCase(s, 5, false);
    c.K = 0;
    c.bias = c.residual = true;
    c.act = TESSERA_LINEAR_ACT_SIGMOID;
    ok &= runCase(c).ok;
  }
  failures += report("K=0", threads, ok);
  return failures;
}

// Large enough to run on the pool: 2 threads must give 1 thread's bits,
// with the rows of A split between them (130) or those of W (100).
int determinismTest() {
  bool ok = true;
  for (const Shape &s : shapes)
    for (int64_t M : {100, 130}) {
      Case c = shapeCase(s, M, true);
      c.act = TESSERA_LINEAR_ACT_GELU;
      c.bias = c.residual = true;
      tessera_set_num_threads(1);
      Result one = runCase(c);
      tessera_set_num_threads(2);
      Result two = runCase(c);
      ok &= one.ok && two.ok &&
            !memcmp(one.c.data(), two.c.data(), one.c.size() * sizeof(float));
    }
  return report("deterministic", 2, ok);
}

} // namespace

int runSparseGemmTests(int, char **) {
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    failures += shapeTests(threads);
    failures += viewTests(threads);
  }
  failures += determinismTest();
  printf("failures: %d\n", failures);
  return failures ? 1 : 0;
}
