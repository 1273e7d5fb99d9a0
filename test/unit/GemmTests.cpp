// GEMM kernels against a double-precision reference: odd sizes, strided
// views, C += semantics, batches (with broadcast), 1 and 2 threads.
#include "TestUtil.h"
#include "tessera_runtime.h"

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
  }
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
