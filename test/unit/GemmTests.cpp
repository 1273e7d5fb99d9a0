// GEMM kernels against a double-precision reference: odd sizes, strided
// views, C += semantics, batches (with broadcast), 1 and 2 threads; the fused
// linear layer (bias, activations, residual) and its activations' accuracy.
#include "TestUtil.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace {

struct View {
  float *data;
  int64_t offset, rows, cols, rowStride, colStride;
  float &at(int64_t r, int64_t c) const {
    return data[offset + r * rowStride + c * colStride];
  }
  tessera_memref2d_f32 desc() const {
    return {data, data, offset, {rows, cols}, {rowStride, colStride}};
  }
};

// Checks C_after == C_before + A·B within a tolerance scaled by sum |a||b|.
bool check(const View &A, const View &B, const View &C,
           const std::vector<float> &before) {
  double worst = 0;
  for (int64_t i = 0; i < C.rows; ++i)
    for (int64_t j = 0; j < C.cols; ++j) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < A.cols; ++k) {
        acc += (double)A.at(i, k) * B.at(k, j);
        mag += std::fabs((double)A.at(i, k) * B.at(k, j));
      }
      int64_t idx = C.offset + i * C.rowStride + j * C.colStride;
      double err = std::fabs(C.data[idx] - (before[idx] + acc)) /
                   (mag + std::fabs(before[idx]) + 1e-6);
      if (!(err <= worst))
        worst = std::isnan(err) ? INFINITY : err;
    }
  return worst < 1e-5;
}

using MatmulKernel = void (*)(tessera_memref2d_f32 *, tessera_memref2d_f32 *,
                             tessera_memref2d_f32 *);

// A MxK, B KxN, C MxN; `layout` picks row-major, transposed or padded views.
// The constant-operand kernels run twice (packing, then the cached panels).
// Their cache is keyed by address: a later test reusing a freed buffer at the
// same address with the same shape holds the same data (fixed seeds).
bool testMatmul(int64_t M, int64_t K, int64_t N, const char *layout,
                MatmulKernel kernel = _mlir_ciface_tessera_matmul_f32) {
  bool transA = !strcmp(layout, "At"), transB = !strcmp(layout, "Bt");
  bool padded = !strcmp(layout, "padded"), colC = !strcmp(layout, "Cstrided");
  int64_t pad = padded ? 5 : 0;
  std::vector<float> a = randomFloats((M + pad) * (K + pad) + pad, 1);
  std::vector<float> b = randomFloats((K + pad) * (N + pad) + pad, 2);
  std::vector<float> c = randomFloats((M + pad) * (N + pad) * 2 + pad, 3);
  View A = transA ? View{a.data(), 0, M, K, 1, M}
                  : View{a.data(), pad, M, K, K + pad, 1};
  View B = transB ? View{b.data(), 0, K, N, 1, K}
                  : View{b.data(), pad, K, N, N + pad, 1};
  View C = colC ? View{c.data(), 1, M, N, 2 * N, 2}
                : View{c.data(), pad, M, N, N + pad, 1};
  std::vector<float> before = c;
  tessera_memref2d_f32 da = A.desc(), db = B.desc(), dc = C.desc();
  kernel(&da, &db, &dc);
  bool ok = check(A, B, C, before);
  if (kernel != _mlir_ciface_tessera_matmul_f32) {
    c = before;
    kernel(&da, &db, &dc);
    ok &= check(A, B, C, before);
  }
  return ok;
}

bool testBatch(int64_t batch, int64_t M, int64_t K, int64_t N,
               bool broadcastB) {
  std::vector<float> a = randomFloats(batch * M * K, 4);
  std::vector<float> b = randomFloats(batch * K * N, 5);
  std::vector<float> c = randomFloats(batch * M * N, 6);
  std::vector<float> before = c;
  tessera_memref3d_f32 da{a.data(), a.data(), 0, {batch, M, K}, {M * K, K, 1}};
  tessera_memref3d_f32 db{b.data(), b.data(), 0, {batch, K, N},
                          {broadcastB ? 0 : K * N, N, 1}};
  tessera_memref3d_f32 dc{c.data(), c.data(), 0, {batch, M, N}, {M * N, N, 1}};
  _mlir_ciface_tessera_batch_matmul_f32(&da, &db, &dc);
  bool ok = true;
  for (int64_t i = 0; i < batch; ++i) {
    View A{a.data(), i * M * K, M, K, K, 1};
    View B{b.data(), broadcastB ? 0 : i * K * N, K, N, N, 1};
    View C{c.data(), i * M * N, M, N, N, 1};
    ok &= check(A, B, C, before);
  }
  return ok;
}

// ---- tessera_linear_f32 ----------------------------------------------------

const char *const activationNames[] = {"none", "relu",    "gelu", "gelu_tanh",
                                       "silu", "sigmoid", "tanh"};

tessera_memref2d_f32 desc2d(float *data, int64_t rows, int64_t cols,
                            int64_t rowStride, int64_t colStride) {
  return {data, data, 0, {rows, cols}, {rowStride, colStride}};
}

// act(X·I) = act(X) exactly, so the activations are checked through the
// kernel's public entry point (vector code, tails, portable path): x on a
// 1e-3 grid over [-20, 20] plus +-100 and +-1e30, within 2e-6 relative to
// max(1, |f(x)|); a NaN row must come out NaN.
bool testActivation(int act) {
  const int64_t K = 64;
  std::vector<float> x;
  for (int i = -20000; i <= 20000; ++i)
    x.push_back(i * 1e-3f);
  for (float big : {100.0f, -100.0f, 1e30f, -1e30f})
    x.push_back(big);
  x.resize((x.size() + K - 1) / K * K + K, 0.0f);
  int64_t M = (int64_t)x.size() / K;
  std::fill(x.end() - K, x.end(), NAN); // the last row
  std::vector<float> eye(K * K, 0.0f), c(M * K, 0.0f), unused(1);
  for (int64_t k = 0; k < K; ++k)
    eye[k * K + k] = 1.0f;
  tessera_memref2d_f32 a = desc2d(x.data(), M, K, K, 1),
                       b = desc2d(eye.data(), K, K, K, 1),
                       out = desc2d(c.data(), M, K, K, 1);
  tessera_memref1d_f32 bias{unused.data(), unused.data(), 0, {0}, {1}};
  _mlir_ciface_tessera_linear_f32(&a, &b, &bias, &a, &out, act, 0);
  double worst = 0;
  bool nanOk = true;
  for (int64_t i = 0; i < M * K; ++i) {
    if (i >= (M - 1) * K) {
      nanOk &= std::isnan(c[i]);
      continue;
    }
    double ref = activationRef(act, x[i]);
    double err = std::fabs(c[i] - ref) / std::max(1.0, std::fabs(ref));
    if (!(err <= worst))
      worst = std::isnan(err) ? INFINITY : err;
  }
  bool ok = worst <= 2e-6 && nanOk;
  printf("activation %s: %s (max error %.2g, NaN %s)\n", activationNames[act],
         ok ? "ok" : "FAIL", worst, nanOk ? "kept" : "lost");
  return ok;
}

// One shape's logical operands, shared by all its variants: W is stored both
// as B [K,N] and transposed as [N,K], each with padded rows so that the
// packed-weight cache (keyed by address, strides and shape) never confuses
// them with the plain matmul tests' buffers. Data depend only on the shape,
// so a reused address with the same key holds the same values.
struct LinearOperands {
  int64_t M, K, N;
  std::vector<float> a, b, bT, bias, r;
  std::vector<double> prod, mag; // A·B and sum |a b|, [M,N]
  LinearOperands(int64_t M, int64_t K, int64_t N)
      : M(M), K(K), N(N), a(randomFloats(M * (K + 2), 11 + K)),
        b(randomFloats(K * (N + 3), 12 + 1000 * K + N)), bT(N * (K + 3)),
        bias(randomFloats(2 * N, 13)), r(randomFloats(3 * M * N + 1, 14)),
        prod(M * N), mag(M * N) {
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        bT[n * (K + 3) + k] = b[k * (N + 3) + n];
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        for (int64_t k = 0; k < K; ++k) {
          double t = (double)a[i * (K + 2) + k] * b[k * (N + 3) + j];
          prod[i * N + j] += t;
          mag[i * N + j] += std::fabs(t);
        }
  }
};

enum class Bias { None, Vector, Broadcast }; // Broadcast: stride 0
enum class Residual { None, Full, RowBroadcast, ColBroadcast };

struct LinearVariant {
  Bias bias;
  Residual residual;
  bool stridedC; // C, bias and R with non-unit column strides
};

// C (filled with NaN first, which must not leak) against
// act(A·B + bias) + R in double.
bool testLinear(const LinearOperands &o, int act, const LinearVariant &v,
                bool transB, int64_t constMask) {
  int64_t M = o.M, K = o.K, N = o.N, cs = v.stridedC ? 2 : 1;
  int64_t biasStride = v.bias == Bias::Broadcast ? 0 : v.stridedC ? 2 : 1;
  // R's strides; 0 broadcasts a row or a column.
  int64_t rCol = v.residual == Residual::Full ? (v.stridedC ? 3 : 1) : 0;
  int64_t rRow = N * rCol;
  if (v.residual == Residual::RowBroadcast)
    rCol = 1;
  if (v.residual == Residual::ColBroadcast)
    rRow = 1;
  std::vector<float> c(M * N * cs + 1);
  auto A = const_cast<float *>(o.a.data()), R = const_cast<float *>(o.r.data()),
       bias = const_cast<float *>(o.bias.data());
  tessera_memref2d_f32 da = desc2d(A, M, K, K + 2, 1);
  tessera_memref2d_f32 db =
      transB ? desc2d(const_cast<float *>(o.bT.data()), N, K, K + 3, 1)
             : desc2d(const_cast<float *>(o.b.data()), K, N, N + 3, 1);
  tessera_memref2d_f32 dr = desc2d(R, M, N, rRow, rCol);
  tessera_memref2d_f32 dc{c.data(), c.data(), 1, {M, N}, {N * cs, cs}};
  bool hasBias = v.bias != Bias::None;
  tessera_memref1d_f32 dbias{bias, bias, 0, {hasBias ? N : 0}, {biasStride}};
  int64_t flags = act | (hasBias ? TESSERA_LINEAR_BIAS : 0) |
                  (v.residual != Residual::None ? TESSERA_LINEAR_RESIDUAL : 0) |
                  (transB ? TESSERA_LINEAR_TRANSPOSE_B : 0);
  std::vector<double> ref(M * N), tol(M * N);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double bj = hasBias ? o.bias[j * biasStride] : 0;
      double rij = v.residual != Residual::None ? R[i * rRow + j * rCol] : 0;
      ref[i * N + j] = activationRef(act, o.prod[i * N + j] + bj) + rij;
      tol[i * N + j] = 1e-5 * (o.mag[i * N + j] + std::fabs(bj) + 1) +
                       3e-6 * std::fabs(ref[i * N + j]);
    }
  bool ok = true;
  // Constant operands: the first call packs them, the second uses the cache.
  for (int call = 0; call < (constMask ? 2 : 1); ++call) {
    std::fill(c.begin(), c.end(), NAN);
    _mlir_ciface_tessera_linear_f32(&da, &db, &dbias, &dr, &dc, flags,
                                    constMask);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) // false for NaN:
        ok &= std::fabs(c[1 + i * N * cs + j * cs] - ref[i * N + j]) <=
              tol[i * N + j];
  }
  return ok;
}

int runLinearTests(int threads) {
  struct Shape {
    int64_t M, K, N;
  } shapes[] = {{1, 64, 300},
                {3, 50, 700},
                {2, 3, 5},
                {5, 0, 7},
                {65, 129, 33},
                {300, 17, 700},
                {20, 300, 40},
                {1, 300, 70},
                {2, 700, 100},
                // Panels that the threads' ranges of tiles split by rows
                // (9 and 5 column panels on 2 threads).
                {196, 40, 288},
                {50, 33, 160}};
  const LinearVariant variants[] = {
      {Bias::None, Residual::None, false},
      {Bias::Vector, Residual::None, false},
      {Bias::None, Residual::Full, false},
      {Bias::Vector, Residual::RowBroadcast, false},
      {Bias::Vector, Residual::Full, false},
      {Bias::Broadcast, Residual::ColBroadcast, false},
      {Bias::Vector, Residual::Full, true}};
  int failures = 0;
  for (const Shape &s : shapes) {
    LinearOperands o(s.M, s.K, s.N);
    for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act) {
      bool ok = true;
      for (const LinearVariant &v : variants)
        for (bool transB : {false, true})
          for (int64_t constMask : {0, 2})
            ok &= testLinear(o, act, v, transB, constMask);
      for (bool transB : {false, true}) // constant A too
        ok &= testLinear(o, act, variants[4], transB, 3);
      failures += !ok;
      printf("linear %lldx%lldx%lld %s threads=%d: %s\n", (long long)s.M,
             (long long)s.K, (long long)s.N, activationNames[act], threads,
             ok ? "ok" : "FAIL");
    }
  }
  return failures;
}

// tessera_linear_rows_f32 (padding-free linear layers): rows of the mask
// that are 0 come out 0, the others as the linear layer. Valid rows in one
// range (the view path), two runs (A and C through row maps; most tiles
// written directly), scattered (most tiles through a buffer) and three
// scattered rows (fewer than a panel),
// A and the residual row-major or with a column stride of 2, C row-major
// (the tile store applies the epilogue, its residual rows mapped) or with a
// column stride of 2 (a pass over each block), bias, residual and gelu.
enum class RowMask { Range, Runs, Scattered, Few };

bool testLinearRows(RowMask rowMask, bool stridedOperands, bool stridedC) {
  const int64_t M = 37, K = 70, N = 45, cs = stridedOperands ? 2 : 1,
                ccs = stridedC ? 2 : 1;
  std::vector<float> a(M * K * cs), w(N * K), bias(N), r(M * N * cs),
      c(M * N * ccs, NAN);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = float(int(i * 37 % 101) - 50) / 50.0f;
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = float(int(i * 53 % 97) - 48) / 200.0f;
  for (int64_t j = 0; j < N; ++j)
    bias[j] = 0.01f * float(j % 7);
  for (size_t i = 0; i < r.size(); ++i)
    r[i] = float(int(i % 13) - 6) / 10.0f;
  std::vector<int32_t> mask(M);
  for (int64_t i = 0; i < M; ++i)
    mask[i] = rowMask == RowMask::Range       ? (i >= 6 && i < 30)
              : rowMask == RowMask::Runs      ? (i < 16 || i >= 21)
              : rowMask == RowMask::Scattered ? (i % 5 != 1 && i % 7 != 3)
                                              : (i == 2 || i == 17 || i == 30);
  tessera_memref2d_f32 da = desc2d(a.data(), M, K, K * cs, cs),
                       dw = desc2d(w.data(), N, K, K, 1),
                       dr = desc2d(r.data(), M, N, N * cs, cs),
                       dc = desc2d(c.data(), M, N, N * ccs, ccs);
  tessera_memref1d_f32 db{bias.data(), bias.data(), 0, {N}, {1}};
  tessera_memref1d_i32 dm{mask.data(), mask.data(), 0, {M}, {1}};
  _mlir_ciface_tessera_linear_rows_f32(
      &da, &dw, &db, &dr, &dm, &dc,
      TESSERA_LINEAR_ACT_GELU | TESSERA_LINEAR_BIAS | TESSERA_LINEAR_RESIDUAL |
          TESSERA_LINEAR_TRANSPOSE_B,
      2);
  bool ok = true;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double want = 0.0;
      if (mask[i]) {
        double acc = bias[j];
        for (int64_t k = 0; k < K; ++k)
          acc += double(a[i * K * cs + k * cs]) * w[j * K + k];
        want = 0.5 * acc * (1.0 + std::erf(acc / std::sqrt(2.0))) +
               r[i * N * cs + j * cs];
      }
      ok &= std::fabs(c[(i * N + j) * ccs] - want) <=
            1e-5 * (1 + std::fabs(want));
    }
  return ok;
}

} // namespace

int runGemmTests(int, char **) {
  struct Shape {
    int64_t M, K, N;
  } shapes[] = {{1, 1, 1},     {7, 13, 5},    {65, 129, 33},  {14, 256, 32},
                {100, 300, 70}, {3, 1000, 600}, {1, 768, 300}, {300, 17, 4200},
                {128, 64, 128}};
  const char *layouts[] = {"rowmajor", "At", "Bt", "padded", "Cstrided"};
  int failures = 0;
  for (int threads : {1, 2}) {
    tessera_set_num_threads(threads);
    for (const Shape &s : shapes)
      for (const char *layout : layouts) {
        bool ok = testMatmul(s.M, s.K, s.N, layout);
        failures += !ok;
        if (!ok || !strcmp(layout, "rowmajor"))
          printf("matmul %lldx%lldx%lld %s threads=%d: %s\n", (long long)s.M,
                 (long long)s.K, (long long)s.N, layout, threads,
                 ok ? "ok" : "FAIL");
      }
    struct {
      const char *name;
      MatmulKernel kernel;
    } constKernels[] = {{"consta", _mlir_ciface_tessera_matmul_f32_consta},
                        {"constb", _mlir_ciface_tessera_matmul_f32_constb},
                        {"constab", _mlir_ciface_tessera_matmul_f32_constab}};
    for (const auto &k : constKernels) {
      bool ok = true;
      for (const Shape &s : shapes)
        for (const char *layout : layouts)
          ok &= testMatmul(s.M, s.K, s.N, layout, k.kernel);
      failures += !ok;
      printf("matmul_%s threads=%d: %s\n", k.name, threads, ok ? "ok" : "FAIL");
    }
    for (bool broadcast : {false, true}) {
      bool ok = testBatch(3, 33, 70, 45, broadcast) &&
                testBatch(16, 9, 16, 8, broadcast);
      failures += !ok;
      printf("batch_matmul broadcastB=%d threads=%d: %s\n", broadcast, threads,
             ok ? "ok" : "FAIL");
    }
    failures += runLinearTests(threads);
    for (RowMask mask :
         {RowMask::Range, RowMask::Runs, RowMask::Scattered, RowMask::Few})
      for (int strided = 0; strided < 3; ++strided) {
        bool ok = testLinearRows(mask, strided == 2, strided > 0);
        failures += !ok;
        printf("linear_rows %s %s threads=%d: %s\n",
               mask == RowMask::Range       ? "range"
               : mask == RowMask::Runs      ? "runs"
               : mask == RowMask::Scattered ? "scattered"
                                            : "few",
               strided == 2   ? "strided"
               : strided == 1 ? "stridedC"
                              : "contiguous",
               threads, ok ? "ok" : "FAIL");
      }
  }
  for (int act = 0; act <= TESSERA_LINEAR_ACT_TANH; ++act)
    failures += !testActivation(act);
  // The plain-pointer entry point.
  std::vector<float> a = randomFloats(20 * 30, 7), b = randomFloats(30 * 40, 8);
  std::vector<float> c(20 * 40, 0.0f), before = c;
  tessera_sgemm(20, 40, 30, a.data(), 30, b.data(), 40, c.data(), 40);
  bool ok = check(View{a.data(), 0, 20, 30, 30, 1},
                  View{b.data(), 0, 30, 40, 40, 1},
                  View{c.data(), 0, 20, 40, 40, 1}, before);
  failures += !ok;
  printf("sgemm: %s\nfailures: %d\n", ok ? "ok" : "FAIL", failures);
  return failures ? 1 : 0;
}
