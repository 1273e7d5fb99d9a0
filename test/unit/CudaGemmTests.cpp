// The CUDA runtime's GEMMs (tessera_cuda_matmul_f32, _batch_matmul_f32)
// against a host reference, run with the fake driver and fake cuBLASLt
// (FakeCudaDriver.cpp, FakeCublasLt.cpp): checks how row-major, transposed,
// strided, broadcast and vector operands become cuBLASLt's column-major
// descriptors, and that repeated shapes reuse their plan. Exit status 0 and
// "cuda gemm: ok" when every case matches.
#include "tessera_cuda.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int failures = 0;

/// A buffer of device (here: host) memory with a deterministic fill.
float *buffer(int64_t count, int seed) {
  auto *p = static_cast<float *>(tessera_cuda_alloc(count * sizeof(float)));
  for (int64_t i = 0; i < count; ++i)
    p[i] = float((i * 7 + seed * 13) % 17) / 8.0f - 1.0f;
  return p;
}

struct View {
  float *data;
  int64_t offset, sizes[3], strides[3];
  float at(int64_t b, int64_t i, int64_t j) const {
    return data[offset + b * strides[0] + i * strides[1] + j * strides[2]];
  }
};

using Gemm2d = void (*)(tessera_memref2d_f32 *, tessera_memref2d_f32 *,
                        tessera_memref2d_f32 *);
using Gemm3d = void (*)(tessera_memref3d_f32 *, tessera_memref3d_f32 *,
                        tessera_memref3d_f32 *);

/// C[b] += A[b]·B[b] on the runtime, compared with the same on the host
/// (the fake cuBLASLt computes in fp32 for every precision).
void check(const char *name, View A, View B, View C,
           Gemm2d mm = _mlir_ciface_tessera_cuda_matmul_f32,
           Gemm3d bmm = _mlir_ciface_tessera_cuda_batch_matmul_f32) {
  int64_t batch = C.sizes[0], m = C.sizes[1], n = C.sizes[2], k = A.sizes[2];
  std::vector<double> want(batch * m * n);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = C.at(b, i, j);
        for (int64_t kk = 0; kk < k; ++kk)
          acc += double(A.at(b, i, kk)) * B.at(b, kk, j);
        want[(b * m + i) * n + j] = acc;
      }
  if (batch == 1 && A.strides[0] == 0) {
    tessera_memref2d_f32 a{
        A.data, A.data, A.offset, {m, k}, {A.strides[1], A.strides[2]}},
        bb{B.data, B.data, B.offset, {k, n}, {B.strides[1], B.strides[2]}},
        c{C.data, C.data, C.offset, {m, n}, {C.strides[1], C.strides[2]}};
    mm(&a, &bb, &c);
  } else {
    tessera_memref3d_f32 a{A.data,
                           A.data,
                           A.offset,
                           {batch, m, k},
                           {A.strides[0], A.strides[1], A.strides[2]}},
        bb{B.data,
           B.data,
           B.offset,
           {batch, k, n},
           {B.strides[0], B.strides[1], B.strides[2]}},
        c{C.data,
          C.data,
          C.offset,
          {batch, m, n},
          {C.strides[0], C.strides[1], C.strides[2]}};
    bmm(&a, &bb, &c);
  }
  if (tessera_cuda_finish() != TESSERA_OK) {
    printf("%s: the run failed: %s\n", name, tessera_status_message());
    ++failures;
    return;
  }
  double err = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        err = std::fmax(err,
                        std::fabs(C.at(b, i, j) - want[(b * m + i) * n + j]));
  printf("%s: max error %.2g\n", name, err);
  if (!(err <= 1e-4))
    ++failures;
}

/// tessera_cuda_linear_f32 (m x k input, n outputs, `flags`) against the
/// host: act(A·B + bias) + R, B = W [k,n] or Wᵀ of W [n,k].
void checkLinear(const char *name, int64_t m, int64_t n, int64_t k,
                 int64_t flags) {
  bool t = flags & TESSERA_LINEAR_TRANSPOSE_B;
  float *a = buffer(m * k, 30), *w = buffer(k * n, 31), *bias = buffer(n, 32),
        *r = buffer(m * n, 33), *c = buffer(m * n, 34);
  tessera_memref2d_f32 A{a, a, 0, {m, k}, {k, 1}},
      W{w, w, 0, {t ? n : k, t ? k : n}, {t ? k : n, 1}},
      R{r, r, 0, {m, n}, {n, 1}}, C{c, c, 0, {m, n}, {n, 1}};
  tessera_memref1d_f32 B{bias, bias, 0, {n}, {1}};
  _mlir_ciface_tessera_cuda_linear_f32(&A, &W, &B, &R, &C, flags, 2);
  if (tessera_cuda_finish() != TESSERA_OK) {
    printf("%s: the run failed: %s\n", name, tessera_status_message());
    ++failures;
    return;
  }
  double err = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double v = 0;
      for (int64_t kk = 0; kk < k; ++kk)
        v += double(a[i * k + kk]) * (t ? w[j * k + kk] : w[kk * n + j]);
      if (flags & TESSERA_LINEAR_BIAS)
        v += bias[j];
      int act = int(flags & TESSERA_LINEAR_ACT_MASK);
      if (act == TESSERA_LINEAR_ACT_RELU)
        v = v > 0 ? v : 0;
      else if (act == TESSERA_LINEAR_ACT_GELU_TANH)
        v = 0.5 * v *
            (1 + std::tanh(0.7978845608 * (v + 0.044715 * v * v * v)));
      if (flags & TESSERA_LINEAR_RESIDUAL)
        v += r[i * n + j];
      err = std::fmax(err, std::fabs(c[i * n + j] - v));
    }
  printf("%s: max error %s\n", name, err <= 1e-4 ? "<= 1e-4" : "too large");
  if (!(err <= 1e-4))
    ++failures;
}

} // namespace

int main() {
  if (tessera_cuda_prepare() != TESSERA_OK) {
    printf("no (fake) CUDA driver: %s\n", tessera_status_message());
    return 1;
  }
  // Row-major operands, twice (the second call reuses the plan).
  for (int rep = 0; rep < 2; ++rep) {
    float *a = buffer(5 * 7, 1), *b = buffer(7 * 6, 2), *c = buffer(5 * 6, 3);
    check("row-major", {a, 0, {1, 5, 7}, {0, 7, 1}},
          {b, 0, {1, 7, 6}, {0, 6, 1}}, {c, 0, {1, 5, 6}, {0, 6, 1}});
  }
  // Transposed views (contiguous columns), an offset, a padded C row.
  float *at = buffer(7 * 5, 4), *bt = buffer(6 * 7, 5),
        *cp = buffer(4 + 5 * 9, 6);
  check("transposed A", {at, 0, {1, 5, 7}, {0, 1, 5}},
        {bt, 0, {1, 7, 6}, {0, 1, 7}}, {cp, 4, {1, 5, 6}, {0, 9, 1}});
  // Neither stride is 1: the operand is packed first.
  float *as = buffer(5 * 14, 7), *b2 = buffer(7 * 6, 8), *c2 = buffer(5 * 6, 9);
  check("strided A", {as, 1, {1, 5, 7}, {0, 14, 2}},
        {b2, 0, {1, 7, 6}, {0, 6, 1}}, {c2, 0, {1, 5, 6}, {0, 6, 1}});
  // Batches, B broadcast (batch stride 0), A's batches apart.
  float *ab = buffer(3 * 40, 10), *bb = buffer(5 * 6, 11),
        *cb = buffer(3 * 24, 12);
  check("batch, broadcast B", {ab, 0, {3, 4, 5}, {40, 5, 1}},
        {bb, 0, {3, 5, 6}, {0, 6, 1}}, {cb, 0, {3, 4, 6}, {24, 6, 1}});
  // Batched, transposed B per batch (attention's K^T).
  float *aq = buffer(2 * 3 * 8, 13), *bk = buffer(2 * 4 * 8, 14),
        *cs = buffer(2 * 12, 15);
  check("batch, transposed B", {aq, 0, {2, 3, 8}, {24, 8, 1}},
        {bk, 0, {2, 8, 4}, {32, 1, 8}}, {cs, 0, {2, 3, 4}, {12, 4, 1}});
  // Vectors: one row of A, one column of B.
  float *av = buffer(7, 16), *bv = buffer(7 * 6, 17), *cv = buffer(6, 18);
  check("row vector", {av, 0, {1, 1, 7}, {0, 7, 1}},
        {bv, 0, {1, 7, 6}, {0, 6, 1}}, {cv, 0, {1, 1, 6}, {0, 6, 1}});
  float *a1 = buffer(5 * 7, 19), *b1 = buffer(7, 20), *c1 = buffer(5, 21);
  check("column vector", {a1, 0, {1, 5, 7}, {0, 7, 1}},
        {b1, 0, {1, 7, 1}, {0, 1, 1}}, {c1, 0, {1, 5, 1}, {0, 1, 1}});
  // Reduced precision: the same plans with tensor-core compute types.
  float *ar = buffer(5 * 7, 22), *br = buffer(7 * 6, 23),
        *cr = buffer(5 * 6, 24);
  check("tf32", {ar, 0, {1, 5, 7}, {0, 7, 1}}, {br, 0, {1, 7, 6}, {0, 6, 1}},
        {cr, 0, {1, 5, 6}, {0, 6, 1}},
        _mlir_ciface_tessera_cuda_tf32_matmul_f32);
  check("fp16", {ar, 0, {1, 5, 7}, {0, 7, 1}}, {br, 0, {1, 7, 6}, {0, 6, 1}},
        {cr, 0, {1, 5, 6}, {0, 6, 1}},
        _mlir_ciface_tessera_cuda_fp16_matmul_f32);
  check("bf16 batch", {ab, 0, {3, 4, 5}, {40, 5, 1}},
        {bb, 0, {3, 5, 6}, {0, 6, 1}}, {cb, 0, {3, 4, 6}, {24, 6, 1}},
        _mlir_ciface_tessera_cuda_bf16_matmul_f32,
        _mlir_ciface_tessera_cuda_bf16_batch_matmul_f32);
  // Linear layers: the epilogues cuBLASLt applies.
  checkLinear("linear", 5, 6, 7, 0);
  checkLinear("linear bias", 5, 6, 7, TESSERA_LINEAR_BIAS);
  checkLinear("linear bias relu", 5, 6, 7,
              TESSERA_LINEAR_BIAS | TESSERA_LINEAR_ACT_RELU);
  checkLinear("linear bias gelu_tanh, W transposed", 5, 6, 7,
              TESSERA_LINEAR_BIAS | TESSERA_LINEAR_ACT_GELU_TANH |
                  TESSERA_LINEAR_TRANSPOSE_B);
  checkLinear("linear bias residual, W transposed", 5, 6, 7,
              TESSERA_LINEAR_BIAS | TESSERA_LINEAR_RESIDUAL |
                  TESSERA_LINEAR_TRANSPOSE_B);
  // What cuBLASLt cannot apply fails the run with a message.
  {
    float *a = buffer(4, 40), *c = buffer(4, 41);
    tessera_memref2d_f32 A{a, a, 0, {2, 2}, {2, 1}}, C{c, c, 0, {2, 2}, {2, 1}};
    tessera_memref1d_f32 B{a, a, 0, {2}, {1}};
    _mlir_ciface_tessera_cuda_linear_f32(&A, &A, &B, &A, &C,
                                         TESSERA_LINEAR_ACT_SILU, 0);
    bool failed = tessera_cuda_finish() != TESSERA_OK;
    printf("linear silu: %s\n", failed ? tessera_status_message() : "ran");
    failures += !failed;
  }
  printf("cuda gemm: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
