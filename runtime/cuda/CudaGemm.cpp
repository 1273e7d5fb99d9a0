// The CUDA runtime's GEMMs and linear layer through cuBLASLt (loaded with
// dlopen on first use), on the thread's stream (CudaDriver.h): C += A·B on
// strided row-major memrefs as cuBLASLt's column-major transposes, plans
// (descriptors and the heuristic's algorithm) kept per shape, and the
// linear layer's bias/ReLU/GELU epilogues and residual.
#include "cuda/CudaDriver.h"
#include "tessera_cuda.h"

#include <cublasLt.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace tessera::cuda {
namespace {

/// cuBLASLt's entry points (libcublasLt from the toolkit, CUDA 12 or 13).
struct Lt {
  cublasStatus_t (*create)(cublasLtHandle_t *);
  cublasStatus_t (*matmulDescCreate)(cublasLtMatmulDesc_t *,
                                     cublasComputeType_t, cudaDataType_t);
  cublasStatus_t (*matmulDescSetAttribute)(cublasLtMatmulDesc_t,
                                           cublasLtMatmulDescAttributes_t,
                                           const void *, size_t);
  cublasStatus_t (*matmulDescDestroy)(cublasLtMatmulDesc_t);
  cublasStatus_t (*layoutCreate)(cublasLtMatrixLayout_t *, cudaDataType,
                                 uint64_t, uint64_t, int64_t);
  cublasStatus_t (*layoutSetAttribute)(cublasLtMatrixLayout_t,
                                       cublasLtMatrixLayoutAttribute_t,
                                       const void *, size_t);
  cublasStatus_t (*layoutDestroy)(cublasLtMatrixLayout_t);
  cublasStatus_t (*preferenceCreate)(cublasLtMatmulPreference_t *);
  cublasStatus_t (*preferenceSetAttribute)(cublasLtMatmulPreference_t,
                                           cublasLtMatmulPreferenceAttributes_t,
                                           const void *, size_t);
  cublasStatus_t (*preferenceDestroy)(cublasLtMatmulPreference_t);
  cublasStatus_t (*algoGetHeuristic)(cublasLtHandle_t, cublasLtMatmulDesc_t,
                                     cublasLtMatrixLayout_t,
                                     cublasLtMatrixLayout_t,
                                     cublasLtMatrixLayout_t,
                                     cublasLtMatrixLayout_t,
                                     cublasLtMatmulPreference_t, int,
                                     cublasLtMatmulHeuristicResult_t *, int *);
  cublasStatus_t (*matmul)(cublasLtHandle_t, cublasLtMatmulDesc_t, const void *,
                           const void *, cublasLtMatrixLayout_t, const void *,
                           cublasLtMatrixLayout_t, const void *, const void *,
                           cublasLtMatrixLayout_t, void *,
                           cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t *,
                           void *, size_t, cudaStream_t);
};

thread_local cublasLtHandle_t ltHandle = nullptr;
thread_local void *ltWorkspace = nullptr;
constexpr size_t kLtWorkspaceBytes = size_t(32) << 20;

/// cuBLASLt, loaded once; null (and the run's error set) where it cannot be.
const Lt *cublasLt() {
  static std::once_flag once;
  static Lt lt{};
  static std::string error;
  std::call_once(once, [] {
    void *lib = nullptr;
    for (const char *name :
         {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!lib) {
      error = "cuBLASLt (libcublasLt.so.13 or .12) cannot be loaded; the "
              "CUDA toolkit's libraries must be on the library path";
      return;
    }
    bool found =
        lookup(lib, "cublasLtCreate", lt.create) &&
        lookup(lib, "cublasLtMatmulDescCreate", lt.matmulDescCreate) &&
        lookup(lib, "cublasLtMatmulDescSetAttribute",
               lt.matmulDescSetAttribute) &&
        lookup(lib, "cublasLtMatmulDescDestroy", lt.matmulDescDestroy) &&
        lookup(lib, "cublasLtMatrixLayoutCreate", lt.layoutCreate) &&
        lookup(lib, "cublasLtMatrixLayoutSetAttribute",
               lt.layoutSetAttribute) &&
        lookup(lib, "cublasLtMatrixLayoutDestroy", lt.layoutDestroy) &&
        lookup(lib, "cublasLtMatmulPreferenceCreate", lt.preferenceCreate) &&
        lookup(lib, "cublasLtMatmulPreferenceSetAttribute",
               lt.preferenceSetAttribute) &&
        lookup(lib, "cublasLtMatmulPreferenceDestroy", lt.preferenceDestroy) &&
        lookup(lib, "cublasLtMatmulAlgoGetHeuristic", lt.algoGetHeuristic) &&
        lookup(lib, "cublasLtMatmul", lt.matmul);
    if (!found)
      error = "libcublasLt lacks an entry point Tessera needs";
  });
  if (!error.empty()) {
    recordError("%s", error.c_str());
    return nullptr;
  }
  return &lt;
}

/// One row-major operand of a GEMM as cuBLASLt sees it: column-major
/// storage of its transpose, so `transposed` says whether the operand's own
/// rows are contiguous (false) or its columns are (true).
struct Operand {
  const float *data;
  int64_t rows, cols, ld, batchStride;
  bool transposed;
};

/// An operand [rows, cols] with element strides (rowStride, colStride):
/// contiguous rows or contiguous columns as they are; anything else is
/// first copied packed (row-major) into `scratch` (managed memory, read and
/// written by the host after the stream has drained).
bool describe(const float *data, int64_t batch, int64_t rows, int64_t cols,
              int64_t batchStride, int64_t rowStride, int64_t colStride,
              std::unique_ptr<float, void (*)(float *)> &scratch,
              Operand &out) {
  out = {data, rows, cols, 0, batchStride, false};
  if (colStride == 1 && rowStride >= std::max<int64_t>(cols, 1)) {
    out.ld = rowStride;
    return true;
  }
  if (rowStride == 1 && colStride >= std::max<int64_t>(rows, 1)) {
    out.ld = colStride;
    out.transposed = true;
    return true;
  }
  if (rows == 1 || cols == 1) { // a vector: one of its strides is moot
    if (rows == 1 && (colStride == 1 || cols == 1)) {
      out.ld = std::max<int64_t>(cols, 1);
      return true;
    }
    if (cols == 1 && rowStride == 1) {
      out.ld = std::max<int64_t>(rows, 1);
      out.transposed = true;
      return true;
    }
  }
  int64_t count = batch * rows * cols;
  float *packed =
      static_cast<float *>(tessera_cuda_alloc(count * int64_t(sizeof(float))));
  if (!packed)
    return false;
  scratch.reset(packed);
  // The host reads the operand: first the work queued on it (a failing
  // kernel is recorded like any other).
  drain();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        packed[(b * rows + i) * cols + j] =
            data[b * batchStride + i * rowStride + j * colStride];
  out = {packed, rows, cols, std::max<int64_t>(cols, 1), rows * cols, false};
  return true;
}

/// The largest power of two (up to 256) that divides a pointer: cuBLASLt's
/// algorithms differ in the alignment they need.
uint32_t alignmentOf(const void *p) {
  uint32_t a = 256;
  while (a > 4 && reinterpret_cast<uintptr_t>(p) % a)
    a /= 2;
  return a;
}

/// What cuBLASLt applies to a GEMM's result: its epilogue (bias, ReLU or
/// GELU; the bias vector along cuBLASLt's D rows, our columns).
struct Epi {
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  const float *bias = nullptr;
};

/// A GEMM's cuBLASLt descriptors and the algorithm its heuristic chose:
/// made on a GEMM's first call and kept for later ones (a model runs the
/// same shapes every run; the heuristic costs more than a small GEMM).
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool haveAlgo = false;
};

struct PlanKey {
  int64_t v[17];
  bool operator==(const PlanKey &o) const {
    return memcmp(v, o.v, sizeof(v)) == 0;
  }
};
struct PlanKeyHash {
  size_t operator()(const PlanKey &key) const {
    size_t h = 0;
    for (int64_t x : key.v)
      h = h * 1000003u ^ std::hash<int64_t>()(x);
    return h;
  }
};
thread_local std::unordered_map<PlanKey, Plan, PlanKeyHash> plans;

Plan *gemmPlan(const Lt &lt, cublasComputeType_t compute, int64_t batch,
               int64_t m, int64_t n, int64_t k, const Operand &A,
               const Operand &B, const float *c, const int64_t cStrides[3],
               const Epi &e) {
  uint32_t alignA = alignmentOf(B.data), alignB = alignmentOf(A.data),
           alignC = alignmentOf(c);
  PlanKey key{{batch, m, n, k, A.transposed, B.transposed, A.ld, B.ld,
               cStrides[1], A.batchStride, B.batchStride, cStrides[0],
               int64_t(alignA) << 20 | int64_t(alignB) << 10, alignC,
               int64_t(compute), int64_t(e.epilogue),
               e.bias ? int64_t(alignmentOf(e.bias)) : 0}};
  auto it = plans.find(key);
  if (it != plans.end())
    return &it->second;
  Plan plan;
  cublasOperation_t opB = B.transposed ? CUBLAS_OP_T : CUBLAS_OP_N,
                    opA = A.transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  int32_t batchCount = int32_t(batch);
  int64_t cBatchStride = cStrides[0];
  // Column-major views: B as [n, k] (stored [k, n] when transposed), A as
  // [k, m] (stored [m, k] when transposed), C as [n, m]. cuBLASLt's "A" is
  // our B and its "B" our A.
  bool ok =
      lt.matmulDescCreate(&plan.desc, compute, CUDA_R_32F) ==
          CUBLAS_STATUS_SUCCESS &&
      lt.matmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB,
                                sizeof(opB)) == CUBLAS_STATUS_SUCCESS &&
      lt.matmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA,
                                sizeof(opA)) == CUBLAS_STATUS_SUCCESS &&
      lt.layoutCreate(&plan.lb, CUDA_R_32F, B.transposed ? k : n,
                      B.transposed ? n : k, B.ld) == CUBLAS_STATUS_SUCCESS &&
      lt.layoutCreate(&plan.la, CUDA_R_32F, A.transposed ? m : k,
                      A.transposed ? k : m, A.ld) == CUBLAS_STATUS_SUCCESS &&
      lt.layoutCreate(&plan.lc, CUDA_R_32F, n, m, cStrides[1]) ==
          CUBLAS_STATUS_SUCCESS &&
      lt.matmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                &e.epilogue,
                                sizeof(e.epilogue)) == CUBLAS_STATUS_SUCCESS &&
      (!e.bias || lt.matmulDescSetAttribute(
                      plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &e.bias,
                      sizeof(e.bias)) == CUBLAS_STATUS_SUCCESS);
  for (auto [layout, stride] :
       {std::pair{plan.lb, B.batchStride}, std::pair{plan.la, A.batchStride},
        std::pair{plan.lc, cBatchStride}})
    ok = ok && layout &&
         lt.layoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                               &batchCount,
                               sizeof(batchCount)) == CUBLAS_STATUS_SUCCESS &&
         lt.layoutSetAttribute(
             layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
             sizeof(stride)) == CUBLAS_STATUS_SUCCESS;
  if (!ok) {
    for (cublasLtMatrixLayout_t layout : {plan.la, plan.lb, plan.lc})
      if (layout)
        lt.layoutDestroy(layout);
    if (plan.desc)
      lt.matmulDescDestroy(plan.desc);
    return nullptr;
  }
  // The heuristic's best algorithm for these operands' alignment and the
  // workspace there is; without one, cuBLASLt picks at every call.
  cublasLtMatmulPreference_t pref = nullptr;
  size_t workspace = kLtWorkspaceBytes;
  if (lt.preferenceCreate(&pref) == CUBLAS_STATUS_SUCCESS) {
    lt.preferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                              &workspace, sizeof(workspace));
    for (auto [attr, align] :
         {std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignA},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignB},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignC},
          std::pair{CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignC}})
      lt.preferenceSetAttribute(pref, attr, &align, sizeof(align));
    cublasLtMatmulHeuristicResult_t result{};
    int count = 0;
    if (lt.algoGetHeuristic(ltHandle, plan.desc, plan.lb, plan.la, plan.lc,
                            plan.lc, pref, 1, &result,
                            &count) == CUBLAS_STATUS_SUCCESS &&
        count > 0 && result.state == CUBLAS_STATUS_SUCCESS &&
        result.workspaceSize <= kLtWorkspaceBytes) {
      plan.algo = result.algo;
      plan.haveAlgo = true;
    }
    lt.preferenceDestroy(pref);
  }
  return &plans.emplace(key, plan).first->second;
}

/// C[b] += A[b]·B[b] for b < batch, row-major C with unit column stride,
/// through cuBLASLt on the thread's stream: as column-major storage,
/// Cᵀ = Bᵀ·Aᵀ, so B is cuBLAS's first operand and A its second.
void gemm(cublasComputeType_t compute, int64_t batch, int64_t m, int64_t n,
          int64_t k, const float *a, const int64_t aStrides[3], const float *b,
          const int64_t bStrides[3], float *c, const int64_t cStrides[3],
          bool accumulate = true, const Epi &e = Epi()) {
  if (runFailed() || m == 0 || n == 0)
    return;
  State *s = ready();
  const Lt *lt = s ? cublasLt() : nullptr;
  CUstream stream = currentStream();
  if (!lt || !stream)
    return;
  if (cStrides[2] != 1 || cStrides[1] < n) {
    recordError("a GEMM result must have contiguous rows (strides %lld, "
                "%lld)",
                (long long)cStrides[1], (long long)cStrides[2]);
    return;
  }
  if (!ltHandle) {
    if (lt->create(&ltHandle) != CUBLAS_STATUS_SUCCESS) {
      recordError("cannot create a cuBLASLt handle");
      return;
    }
    ltWorkspace = tessera_cuda_alloc(int64_t(kLtWorkspaceBytes));
    if (!ltWorkspace)
      return;
  }
  auto release = [](float *p) { tessera_cuda_free(p); };
  std::unique_ptr<float, void (*)(float *)> aScratch(nullptr, release),
      bScratch(nullptr, release);
  Operand A, B;
  if (!describe(a, batch, m, k, aStrides[0], aStrides[1], aStrides[2], aScratch,
                A) ||
      !describe(b, batch, k, n, bStrides[0], bStrides[1], bStrides[2], bScratch,
                B))
    return;
  Plan *plan = gemmPlan(*lt, compute, batch, m, n, k, A, B, c, cStrides, e);
  // The bias pointer changes between calls of one plan (same alignment).
  if (plan && e.bias)
    lt->matmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                               &e.bias, sizeof(e.bias));
  float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  cublasStatus_t status =
      plan ? lt->matmul(ltHandle, plan->desc, &one, B.data, plan->lb, A.data,
                        plan->la, &beta, c, plan->lc, c, plan->lc,
                        plan->haveAlgo ? &plan->algo : nullptr, ltWorkspace,
                        kLtWorkspaceBytes,
                        reinterpret_cast<cudaStream_t>(stream))
           : CUBLAS_STATUS_NOT_INITIALIZED;
  if (status != CUBLAS_STATUS_SUCCESS) {
    recordError("cuBLASLt cannot run a %lldx%lldx%lld GEMM (batch %lld): "
                "status %d",
                (long long)m, (long long)n, (long long)k, (long long)batch,
                int(status));
    return;
  }
  if (debugging()) {
    char what[160];
    snprintf(what, sizeof(what),
             "gemm %lldx%lldx%lld batch %lld (A %s ld %lld, B %s ld %lld, C ld "
             "%lld)",
             (long long)m, (long long)n, (long long)k, (long long)batch,
             A.transposed ? "T" : "N", (long long)A.ld,
             B.transposed ? "T" : "N", (long long)B.ld, (long long)cStrides[1]);
    debugSync(what);
  }
  // Packed copies go back to the pool on return; work that reuses them
  // queues behind this GEMM on the stream.
}

/// dst[i][0:n] = src[i][0:n] for i < m, device to device on the thread's
/// stream (one copy where both are dense).
bool copyRows(float *dst, int64_t dstLd, const float *src, int64_t srcLd,
              int64_t m, int64_t n) {
  State *s = ready();
  CUstream stream = currentStream();
  if (!s || !stream)
    return false;
  size_t row = size_t(n) * sizeof(float);
  bool dense = dstLd == n && srcLd == n;
  for (int64_t i = 0; i < (dense ? 1 : m); ++i)
    if (CUresult r = s->cu.memcpyDtoDAsync(CUdeviceptr(dst + i * dstLd),
                                           CUdeviceptr(src + i * srcLd),
                                           dense ? row * m : row, stream);
        r != CUDA_SUCCESS) {
      recordError("cannot copy a residual on the device: %s", errorString(r));
      return false;
    }
  return true;
}

/// C = act(A·B + bias) + R with tessera_linear_f32's operands and flags
/// (TESSERA_LINEAR_*): B is W, or Wᵀ with TESSERA_LINEAR_TRANSPOSE_B; the
/// activation none, ReLU or the tanh GELU (cuBLASLt's), and not with a
/// residual (the compiler keeps other linear ops decomposed). A residual is
/// first copied into C on the stream, then accumulated into (beta = 1, C =
/// D): not every cuBLASLt algorithm writes D apart from C.
void linear(cublasComputeType_t compute, tessera_memref2d_f32 *A,
            tessera_memref2d_f32 *W, tessera_memref1d_f32 *bias,
            tessera_memref2d_f32 *R, tessera_memref2d_f32 *C, int64_t flags) {
  int64_t m = A->sizes[0], k = A->sizes[1], n = C->sizes[1];
  bool transposed = flags & TESSERA_LINEAR_TRANSPOSE_B,
       hasBias = flags & TESSERA_LINEAR_BIAS,
       hasResidual = flags & TESSERA_LINEAR_RESIDUAL;
  int act = int(flags & TESSERA_LINEAR_ACT_MASK);
  Epi e;
  if (act == TESSERA_LINEAR_ACT_RELU)
    e.epilogue = hasBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
  else if (act == TESSERA_LINEAR_ACT_GELU_TANH)
    e.epilogue = hasBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  else if (act == TESSERA_LINEAR_ACT_NONE)
    e.epilogue = hasBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
  if ((act != TESSERA_LINEAR_ACT_NONE && act != TESSERA_LINEAR_ACT_RELU &&
       act != TESSERA_LINEAR_ACT_GELU_TANH) ||
      (act != TESSERA_LINEAR_ACT_NONE && hasResidual)) {
    recordError("the CUDA linear layer has no epilogue for activation %d%s",
                act, hasResidual ? " with a residual" : "");
    return;
  }
  if (hasBias) {
    if (bias->sizes[0] != n || (n > 1 && bias->strides[0] != 1)) {
      recordError("the CUDA linear layer needs a contiguous bias of %lld",
                  (long long)n);
      return;
    }
    e.bias = bias->aligned + bias->offset;
  }
  if (hasResidual) {
    if (R->strides[1] != 1 || R->strides[0] < n) {
      recordError("the CUDA linear layer needs a residual with contiguous "
                  "rows (strides %lld, %lld)",
                  (long long)R->strides[0], (long long)R->strides[1]);
      return;
    }
    const float *r = R->aligned + R->offset;
    float *c = C->aligned + C->offset;
    if (r != c && !copyRows(c, C->strides[0], r, R->strides[0], m, n))
      return;
  }
  const int64_t aStrides[3] = {0, A->strides[0], A->strides[1]},
                bStrides[3] = {0, transposed ? W->strides[1] : W->strides[0],
                               transposed ? W->strides[0] : W->strides[1]},
                cStrides[3] = {0, C->strides[0], C->strides[1]};
  gemm(compute, 1, m, n, k, A->aligned + A->offset, aStrides,
       W->aligned + W->offset, bStrides, C->aligned + C->offset, cStrides,
       /*accumulate=*/hasResidual, e);
}

} // namespace
} // namespace tessera::cuda

using namespace tessera::cuda;

extern "C" {

// The GEMM entry points, one pair per precision: fp32 (CUBLAS_COMPUTE_32F),
// and tf32, fp16, bf16, where cuBLASLt rounds the fp32 operands for the
// tensor cores and accumulates in fp32.
#define TESSERA_CUDA_GEMMS(NAME, COMPUTE)                                      \
  void _mlir_ciface_tessera_cuda_##NAME##matmul_f32(tessera_memref2d_f32 *A,   \
                                                    tessera_memref2d_f32 *B,   \
                                                    tessera_memref2d_f32 *C) { \
    const int64_t aStrides[3] = {0, A->strides[0], A->strides[1]},             \
                  bStrides[3] = {0, B->strides[0], B->strides[1]},             \
                  cStrides[3] = {0, C->strides[0], C->strides[1]};             \
    gemm(COMPUTE, 1, A->sizes[0], B->sizes[1], A->sizes[1],                    \
         A->aligned + A->offset, aStrides, B->aligned + B->offset, bStrides,   \
         C->aligned + C->offset, cStrides);                                    \
  }                                                                            \
  void _mlir_ciface_tessera_cuda_##NAME##batch_matmul_f32(                     \
      tessera_memref3d_f32 *A, tessera_memref3d_f32 *B,                        \
      tessera_memref3d_f32 *C) {                                               \
    gemm(COMPUTE, C->sizes[0], A->sizes[1], B->sizes[2], A->sizes[2],          \
         A->aligned + A->offset, A->strides, B->aligned + B->offset,           \
         B->strides, C->aligned + C->offset, C->strides);                      \
  }
TESSERA_CUDA_GEMMS(, CUBLAS_COMPUTE_32F)
TESSERA_CUDA_GEMMS(tf32_, CUBLAS_COMPUTE_32F_FAST_TF32)
TESSERA_CUDA_GEMMS(fp16_, CUBLAS_COMPUTE_32F_FAST_16F)
TESSERA_CUDA_GEMMS(bf16_, CUBLAS_COMPUTE_32F_FAST_16BF)
#undef TESSERA_CUDA_GEMMS

// The linear layer (tessera_linear_f32's operands and flags) as one cuBLASLt
// call with its epilogue.
#define TESSERA_CUDA_LINEAR(NAME, COMPUTE)                                     \
  void _mlir_ciface_tessera_cuda_##NAME##linear_f32(                           \
      tessera_memref2d_f32 *A, tessera_memref2d_f32 *W,                        \
      tessera_memref1d_f32 *bias, tessera_memref2d_f32 *R,                     \
      tessera_memref2d_f32 *C, int64_t flags, int64_t /*constMask*/) {         \
    linear(COMPUTE, A, W, bias, R, C, flags);                                  \
  }
TESSERA_CUDA_LINEAR(, CUBLAS_COMPUTE_32F)
TESSERA_CUDA_LINEAR(tf32_, CUBLAS_COMPUTE_32F_FAST_TF32)
TESSERA_CUDA_LINEAR(fp16_, CUBLAS_COMPUTE_32F_FAST_16F)
TESSERA_CUDA_LINEAR(bf16_, CUBLAS_COMPUTE_32F_FAST_16BF)
#undef TESSERA_CUDA_LINEAR

} // extern "C"
