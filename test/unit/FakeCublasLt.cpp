// A stand-in for cuBLASLt (libcublasLt.so.13) that multiplies on the host,
// for machines without a GPU: with the fake driver (FakeCudaDriver.cpp),
// whose device memory is host memory, it lets tests check how the Tessera
// CUDA runtime maps its row-major, strided and batched GEMMs onto
// cuBLASLt's column-major descriptors (cuda-gemm.test). It implements the
// documented semantics of the calls the runtime makes: D = alpha*op(A)*op(B)
// + beta*C per batch, column-major layouts (rows, cols, ld), strided
// batches (in fp32 whatever the compute type). Each heuristic query prints
// "fake-cublasLt: heuristic (compute TYPE)".
#include <cublasLt.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace {

struct Desc {
  cublasComputeType_t compute;
  cublasOperation_t transA = CUBLAS_OP_N, transB = CUBLAS_OP_N;
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  const float *bias = nullptr;
};

/// cuBLASLt's GELU epilogue: the tanh approximation.
float gelu(float x) {
  return 0.5f * x *
         (1.0f + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
}

const char *computeName(cublasComputeType_t compute) {
  switch (compute) {
  case CUBLAS_COMPUTE_32F:
    return "32F";
  case CUBLAS_COMPUTE_32F_FAST_TF32:
    return "32F_FAST_TF32";
  case CUBLAS_COMPUTE_32F_FAST_16F:
    return "32F_FAST_16F";
  case CUBLAS_COMPUTE_32F_FAST_16BF:
    return "32F_FAST_16BF";
  default:
    return nullptr;
  }
}

struct Layout {
  uint64_t rows, cols;
  int64_t ld;
  int32_t batch = 1;
  int64_t batchStride = 0;
};

/// Element (i, j) of op(X) for X in `layout`.
float at(const float *x, const Layout &l, cublasOperation_t op, int64_t i,
         int64_t j) {
  return op == CUBLAS_OP_N ? x[i + j * l.ld] : x[j + i * l.ld];
}

} // namespace

extern "C" {

cublasStatus_t cublasLtCreate(cublasLtHandle_t *handle) {
  static int h;
  *handle = reinterpret_cast<cublasLtHandle_t>(&h);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *desc,
                                        cublasComputeType_t compute,
                                        cudaDataType_t scale) {
  if (!computeName(compute) || scale != CUDA_R_32F)
    return CUBLAS_STATUS_NOT_SUPPORTED;
  *desc = reinterpret_cast<cublasLtMatmulDesc_t>(new Desc{compute});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t desc,
                               cublasLtMatmulDescAttributes_t attr,
                               const void *buf, size_t size) {
  auto *d = reinterpret_cast<Desc *>(desc);
  if (attr == CUBLASLT_MATMUL_DESC_EPILOGUE && size == sizeof(d->epilogue)) {
    d->epilogue = *static_cast<const cublasLtEpilogue_t *>(buf);
    return CUBLAS_STATUS_SUCCESS;
  }
  if (attr == CUBLASLT_MATMUL_DESC_BIAS_POINTER && size == sizeof(d->bias)) {
    d->bias = *static_cast<const float *const *>(buf);
    return CUBLAS_STATUS_SUCCESS;
  }
  if (size != sizeof(cublasOperation_t))
    return CUBLAS_STATUS_INVALID_VALUE;
  if (attr == CUBLASLT_MATMUL_DESC_TRANSA)
    d->transA = *static_cast<const cublasOperation_t *>(buf);
  else if (attr == CUBLASLT_MATMUL_DESC_TRANSB)
    d->transB = *static_cast<const cublasOperation_t *>(buf);
  else
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t desc) {
  delete reinterpret_cast<Desc *>(desc);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *layout,
                                          cudaDataType type, uint64_t rows,
                                          uint64_t cols, int64_t ld) {
  // cuBLASLt requires ld >= rows for column-major storage.
  if (type != CUDA_R_32F || ld < int64_t(rows) || ld < 1)
    return CUBLAS_STATUS_INVALID_VALUE;
  *layout =
      reinterpret_cast<cublasLtMatrixLayout_t>(new Layout{rows, cols, ld});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t layout,
                                 cublasLtMatrixLayoutAttribute_t attr,
                                 const void *buf, size_t size) {
  auto *l = reinterpret_cast<Layout *>(layout);
  if (attr == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT && size == sizeof(int32_t))
    l->batch = *static_cast<const int32_t *>(buf);
  else if (attr == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET &&
           size == sizeof(int64_t))
    l->batchStride = *static_cast<const int64_t *>(buf);
  else
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t layout) {
  delete reinterpret_cast<Layout *>(layout);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *p) {
  static int pref;
  *p = reinterpret_cast<cublasLtMatmulPreference_t>(&pref);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t,
                                     cublasLtMatmulPreferenceAttributes_t,
                                     const void *, size_t) {
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t) {
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulAlgoGetHeuristic(
    cublasLtHandle_t, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t,
    cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
    cublasLtMatmulPreference_t, int requested,
    cublasLtMatmulHeuristicResult_t *results, int *count) {
  fprintf(stderr, "fake-cublasLt: heuristic (compute %s)\n",
          computeName(reinterpret_cast<Desc *>(desc)->compute));
  if (requested < 1)
    return CUBLAS_STATUS_INVALID_VALUE;
  results[0] = cublasLtMatmulHeuristicResult_t{};
  results[0].state = CUBLAS_STATUS_SUCCESS;
  *count = 1;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t desc, const void *alpha,
               const void *A, cublasLtMatrixLayout_t la, const void *B,
               cublasLtMatrixLayout_t lb, const void *beta, const void *C,
               cublasLtMatrixLayout_t lc, void *D, cublasLtMatrixLayout_t ld,
               const cublasLtMatmulAlgo_t *, void *, size_t, cudaStream_t) {
  const Desc &d = *reinterpret_cast<Desc *>(desc);
  const Layout &a = *reinterpret_cast<Layout *>(la),
               &b = *reinterpret_cast<Layout *>(lb),
               &c = *reinterpret_cast<Layout *>(lc),
               &o = *reinterpret_cast<Layout *>(ld);
  int64_t m = int64_t(o.rows), n = int64_t(o.cols);
  int64_t k = int64_t(d.transA == CUBLAS_OP_N ? a.cols : a.rows);
  bool shapesAgree = int64_t(d.transA == CUBLAS_OP_N ? a.rows : a.cols) == m &&
                     int64_t(d.transB == CUBLAS_OP_N ? b.rows : b.cols) == k &&
                     int64_t(d.transB == CUBLAS_OP_N ? b.cols : b.rows) == n &&
                     int64_t(c.rows) == m && int64_t(c.cols) == n &&
                     a.batch == o.batch && b.batch == o.batch &&
                     c.batch == o.batch;
  if (!shapesAgree)
    return CUBLAS_STATUS_INVALID_VALUE;
  float al = *static_cast<const float *>(alpha),
        be = *static_cast<const float *>(beta);
  for (int32_t t = 0; t < o.batch; ++t) {
    const float *pa = static_cast<const float *>(A) + t * a.batchStride;
    const float *pb = static_cast<const float *>(B) + t * b.batchStride;
    const float *pc = static_cast<const float *>(C) + t * c.batchStride;
    float *pd = static_cast<float *>(D) + t * o.batchStride;
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < m; ++i) {
        double acc = 0;
        for (int64_t kk = 0; kk < k; ++kk)
          acc +=
              double(at(pa, a, d.transA, i, kk)) * at(pb, b, d.transB, kk, j);
        float prior = be != 0.0f ? pc[i + j * c.ld] : 0.0f;
        // D = act(alpha*AB + beta*C + bias), the bias along D's rows.
        float v = al * float(acc) + be * prior;
        int e = int(d.epilogue);
        if (e & CUBLASLT_EPILOGUE_BIAS) {
          if (!d.bias)
            return CUBLAS_STATUS_INVALID_VALUE;
          v += d.bias[i];
        }
        if ((e & ~CUBLASLT_EPILOGUE_BIAS) == CUBLASLT_EPILOGUE_RELU)
          v = v > 0.0f ? v : 0.0f;
        else if ((e & ~CUBLASLT_EPILOGUE_BIAS) == CUBLASLT_EPILOGUE_GELU)
          v = gelu(v);
        else if (e != CUBLASLT_EPILOGUE_DEFAULT && e != CUBLASLT_EPILOGUE_BIAS)
          return CUBLAS_STATUS_NOT_SUPPORTED;
        pd[i + j * o.ld] = v;
      }
  }
  return CUBLAS_STATUS_SUCCESS;
}

} // extern "C"
