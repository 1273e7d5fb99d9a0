// The CUDA side of the runtime: the driver API, loaded at run time
// (libcuda.so.1 through dlopen, so executables start, and fail with a
// message, on machines without a driver), behind the `mgpu*` entry points
// that MLIR's gpu-to-llvm lowering calls, plus Tessera's own allocation and
// weight-upload hooks and the GEMMs (cuBLASLt, also through dlopen).
//
// Memory: every buffer a kernel touches is CUDA managed memory, so the
// host's staging copies, scalar reads and the kernels all see one address
// space. Launches go to one stream per thread, in order.
#include "cpu/Support.h"
#include "tessera_cuda.h"

#include <cublasLt.h>
#include <cuda.h>

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
void *mgpuStreamCreate();
}

namespace {

struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*ctxSynchronize)();
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*memcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*deviceGetAttribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*driverGetVersion)(int *);
};

struct State {
  std::once_flag once;
  std::string initError; // empty: ready
  Driver cu{};
  CUcontext context = nullptr;
  char deviceName[256] = "";
  std::mutex mutex; // modules, functions, uploaded globals
  std::unordered_map<const void *, CUmodule> modules;
  std::unordered_map<std::string, CUfunction> functions;
  std::unordered_map<const void *, void *> globals;
  std::unordered_map<CUfunction, std::string> names; // for TESSERA_CUDA_DEBUG
};

/// Buffers: freed ones are kept for the next allocation of the same size
/// (a model allocates the same sizes in every run). Per thread: all of a
/// thread's work is on its one stream in order, so a buffer can be handed
/// out again while kernels that used it are still pending, since later work
/// on it queues behind them; another thread's stream would not.
struct Pool {
  std::unordered_map<void *, size_t> bytes;
  std::unordered_map<size_t, std::vector<void *>> free;
};
thread_local Pool pool;

/// TESSERA_CUDA_DEBUG=1: every launch and GEMM is followed by a context
/// synchronization, and one line on stderr says what ran and how it ended.
bool debugging() {
  static const bool on = [] {
    const char *v = getenv("TESSERA_CUDA_DEBUG");
    return v && *v && strcmp(v, "0") != 0;
  }();
  return on;
}

State &state() {
  static State s;
  return s;
}

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

thread_local std::string runError;
thread_local cublasLtHandle_t ltHandle = nullptr;
thread_local void *ltWorkspace = nullptr;
constexpr size_t kLtWorkspaceBytes = size_t(32) << 20;
thread_local CUstream threadStream = nullptr;
thread_local bool contextCurrent = false;

const char *errorString(CUresult result) {
  const char *text = nullptr;
  if (state().cu.getErrorString)
    state().cu.getErrorString(result, &text);
  return text ? text : "unknown CUDA error";
}

/// Records the first failure of the current run (later ones follow from it).
void recordError(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void recordError(const char *fmt, ...) {
  if (!runError.empty())
    return;
  char buf[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof(buf), fmt, args);
  va_end(args);
  runError = buf;
}

template <typename F> bool lookup(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

void initialize(State &s) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    s.initError = "no CUDA driver on this machine (libcuda.so.1 cannot be "
                  "loaded): a --target=cuda model needs an NVIDIA GPU and "
                  "its driver";
    return;
  }
  Driver &cu = s.cu;
  bool found = lookup(lib, "cuInit", cu.init) &&
               lookup(lib, "cuDeviceGetCount", cu.deviceGetCount) &&
               lookup(lib, "cuDeviceGet", cu.deviceGet) &&
               lookup(lib, "cuDeviceGetName", cu.deviceGetName) &&
               lookup(lib, "cuDevicePrimaryCtxRetain", cu.primaryCtxRetain) &&
               lookup(lib, "cuCtxSetCurrent", cu.ctxSetCurrent) &&
               lookup(lib, "cuModuleLoadData", cu.moduleLoadData) &&
               lookup(lib, "cuModuleGetFunction", cu.moduleGetFunction) &&
               lookup(lib, "cuLaunchKernel", cu.launchKernel) &&
               lookup(lib, "cuStreamCreate", cu.streamCreate) &&
               lookup(lib, "cuStreamSynchronize", cu.streamSynchronize) &&
               lookup(lib, "cuMemAllocManaged", cu.memAllocManaged) &&
               lookup(lib, "cuMemFree_v2", cu.memFree) &&
               lookup(lib, "cuGetErrorString", cu.getErrorString) &&
               lookup(lib, "cuCtxSynchronize", cu.ctxSynchronize) &&
               lookup(lib, "cuMemcpyHtoDAsync_v2", cu.memcpyHtoDAsync) &&
               lookup(lib, "cuMemcpyDtoHAsync_v2", cu.memcpyDtoHAsync) &&
               lookup(lib, "cuMemcpyDtoDAsync_v2", cu.memcpyDtoDAsync) &&
               lookup(lib, "cuDeviceGetAttribute", cu.deviceGetAttribute) &&
               lookup(lib, "cuDriverGetVersion", cu.driverGetVersion);
  if (!found) {
    s.initError = "the CUDA driver (libcuda.so.1) lacks an entry point "
                  "Tessera needs; it is older than CUDA 11";
    return;
  }
  if (CUresult r = cu.init(0); r != CUDA_SUCCESS) {
    s.initError = std::string("the CUDA driver cannot start: ") +
                  errorString(r) + " (no usable NVIDIA GPU?)";
    return;
  }
  int count = 0;
  if (cu.deviceGetCount(&count) != CUDA_SUCCESS || count == 0) {
    s.initError = "no CUDA device on this machine";
    return;
  }
  CUdevice device;
  if (CUresult r = cu.deviceGet(&device, 0); r != CUDA_SUCCESS) {
    s.initError = std::string("cannot open CUDA device 0: ") + errorString(r);
    return;
  }
  cu.deviceGetName(s.deviceName, sizeof(s.deviceName), device);
  if (CUresult r = cu.primaryCtxRetain(&s.context, device); r != CUDA_SUCCESS) {
    s.initError =
        std::string("cannot create a CUDA context: ") + errorString(r);
    return;
  }
  if (debugging()) {
    int version = 0, managed = 0, concurrent = 0, pageable = 0;
    cu.driverGetVersion(&version);
    cu.deviceGetAttribute(&managed, CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY, device);
    cu.deviceGetAttribute(
        &concurrent, CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS, device);
    cu.deviceGetAttribute(&pageable, CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS,
                          device);
    fprintf(stderr,
            "tessera-cuda: %s, driver %d, managed memory %d, concurrent "
            "managed access %d, pageable access %d\n",
            s.deviceName, version, managed, concurrent, pageable);
  }
}

/// In TESSERA_CUDA_DEBUG mode: waits for the device and says how `what`
/// ended.
void debugSync(const char *what) {
  if (!debugging())
    return;
  CUresult r = state().cu.ctxSynchronize();
  fprintf(stderr, "tessera-cuda: %s: %s\n", what,
          r == CUDA_SUCCESS ? "ok" : errorString(r));
}

/// The driver, initialized, with the context current on this thread; null
/// (and the run's error set) where there is none.
State *ready() {
  State &s = state();
  std::call_once(s.once, [&] { initialize(s); });
  if (!s.initError.empty()) {
    recordError("%s", s.initError.c_str());
    return nullptr;
  }
  if (!contextCurrent) {
    if (CUresult r = s.cu.ctxSetCurrent(s.context); r != CUDA_SUCCESS) {
      recordError("cannot make the CUDA context current: %s", errorString(r));
      return nullptr;
    }
    contextCurrent = true;
  }
  return &s;
}

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

void drain();

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
    if (lt.algoGetHeuristic(ltHandle, plan.desc, plan.lb, plan.la,
                            plan.lc, plan.lc, pref, 1,
                            &result, &count) == CUBLAS_STATUS_SUCCESS &&
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
  if (!runError.empty() || m == 0 || n == 0)
    return;
  State *s = ready();
  const Lt *lt = s ? cublasLt() : nullptr;
  if (!lt || !mgpuStreamCreate())
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
                        plan->la, &beta, c, plan->lc, c,
                        plan->lc, plan->haveAlgo ? &plan->algo : nullptr,
                        ltWorkspace, kLtWorkspaceBytes,
                        reinterpret_cast<cudaStream_t>(threadStream))
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

/// Fresh managed memory (no pool).
void *allocManaged(State &s, size_t bytes) {
  CUdeviceptr ptr = 0;
  if (CUresult r = s.cu.memAllocManaged(&ptr, bytes, CU_MEM_ATTACH_GLOBAL);
      r != CUDA_SUCCESS) {
    recordError("cannot allocate %zu bytes of CUDA managed memory: %s", bytes,
                errorString(r));
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
}

/// Waits for the thread's stream; a kernel's failure is recorded.
void drain() {
  if (!threadStream)
    return;
  if (CUresult r = state().cu.streamSynchronize(threadStream);
      r != CUDA_SUCCESS)
    recordError("a CUDA kernel failed: %s", errorString(r));
}

/// dst[i][0:n] = src[i][0:n] for i < m, device to device on the thread's
/// stream (one copy where both are dense).
bool copyRows(float *dst, int64_t dstLd, const float *src, int64_t srcLd,
              int64_t m, int64_t n) {
  State *s = ready();
  if (!s || !mgpuStreamCreate())
    return false;
  size_t row = size_t(n) * sizeof(float);
  bool dense = dstLd == n && srcLd == n;
  for (int64_t i = 0; i < (dense ? 1 : m); ++i)
    if (CUresult r = s->cu.memcpyDtoDAsync(
            CUdeviceptr(dst + i * dstLd), CUdeviceptr(src + i * srcLd),
            dense ? row * m : row, threadStream);
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

/// A module image: the PTX (or cubin) that the generated code embeds; the
/// driver loads it on first use.
struct Image {
  const void *data;
};

} // namespace

extern "C" {

tessera_status tessera_cuda_prepare(void) {
  runError.clear();
  if (!ready())
    return tessera::setError(TESSERA_ERR_DEVICE, "%s", runError.c_str());
  return TESSERA_OK;
}

tessera_status tessera_cuda_finish(void) {
  drain();
  if (runError.empty())
    return TESSERA_OK;
  std::string message = std::move(runError);
  runError.clear();
  return tessera::setError(TESSERA_ERR_DEVICE, "%s", message.c_str());
}

const char *tessera_cuda_device_name(void) {
  State *s = ready();
  return s ? s->deviceName : "";
}

void *tessera_cuda_alloc(int64_t bytes) {
  State *s = ready();
  if (!s)
    return nullptr;
  size_t size = bytes > 0 ? size_t(bytes) : 1;
  auto it = pool.free.find(size);
  if (it != pool.free.end() && !it->second.empty()) {
    void *ptr = it->second.back();
    it->second.pop_back();
    return ptr;
  }
  void *ptr = allocManaged(*s, size);
  if (ptr)
    pool.bytes.emplace(ptr, size);
  return ptr;
}

void *tessera_cuda_aligned_alloc(int64_t alignment, int64_t bytes) {
  // Managed allocations are aligned to at least 256 bytes.
  if (alignment > 256) {
    recordError("a buffer needs %lld-byte alignment (at most 256 on CUDA)",
                (long long)alignment);
    return nullptr;
  }
  return tessera_cuda_alloc(bytes);
}

void tessera_cuda_free(void *ptr) {
  if (!ptr)
    return;
  // A buffer goes back to the pool of the thread that allocated it (a run
  // frees on its own thread); one from elsewhere is left alone.
  auto it = pool.bytes.find(ptr);
  if (it != pool.bytes.end())
    pool.free[it->second].push_back(ptr);
}

void *tessera_cuda_global(const void *host, int64_t bytes) {
  State *s = ready();
  if (!s)
    return nullptr;
  std::lock_guard<std::mutex> lock(s->mutex);
  auto it = s->globals.find(host);
  if (it != s->globals.end())
    return it->second;
  // Its own allocation, never a recycled buffer that pending kernels may
  // still use: the host writes it right away.
  void *device = allocManaged(*s, size_t(bytes > 0 ? bytes : 1));
  if (!device)
    return nullptr;
  memcpy(device, host, bytes);
  s->globals.emplace(host, device);
  return device;
}

// ---- What MLIR's gpu-to-llvm lowering calls ------------------------------

void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  return new Image{data};
}

void *mgpuModuleLoad(void *data, size_t /*size*/) { return new Image{data}; }

void mgpuModuleUnload(void *module) { delete static_cast<Image *>(module); }

void *mgpuModuleGetFunction(void *module, const char *name) {
  State *s = ready();
  if (!s)
    return nullptr;
  if (!module) {
    recordError("kernel '%s': the model's CUDA module was never registered "
                "(its startup constructor did not run)",
                name);
    return nullptr;
  }
  const void *image = static_cast<Image *>(module)->data;
  std::lock_guard<std::mutex> lock(s->mutex);
  std::string key =
      std::to_string(reinterpret_cast<uintptr_t>(image)) + "/" + name;
  if (auto it = s->functions.find(key); it != s->functions.end())
    return it->second;
  CUmodule &loaded = s->modules[image];
  if (!loaded) {
    if (CUresult r = s->cu.moduleLoadData(&loaded, image); r != CUDA_SUCCESS) {
      recordError("the CUDA driver cannot load the model's kernels: %s",
                  errorString(r));
      loaded = nullptr;
      return nullptr;
    }
  }
  CUfunction fn = nullptr;
  if (CUresult r = s->cu.moduleGetFunction(&fn, loaded, name);
      r != CUDA_SUCCESS) {
    recordError("no kernel '%s' in the model's CUDA module: %s", name,
                errorString(r));
    return nullptr;
  }
  s->functions.emplace(key, fn);
  s->names.emplace(fn, name);
  return fn;
}

void *mgpuStreamCreate() {
  State *s = ready();
  if (!s)
    return nullptr;
  if (!threadStream) {
    if (CUresult r = s->cu.streamCreate(&threadStream, CU_STREAM_NON_BLOCKING);
        r != CUDA_SUCCESS) {
      recordError("cannot create a CUDA stream: %s", errorString(r));
      return nullptr;
    }
  }
  return threadStream;
}

// The thread's stream lives as long as the thread.
void mgpuStreamDestroy(void * /*stream*/) {}

// The lowering synchronizes after every launch. Every launch, GEMM and
// staging copy of a thread goes to its one stream in order, and the copies
// back to the host wait for the stream, so nothing needs to wait here
// (except in TESSERA_CUDA_DEBUG mode, where every launch is checked).
void mgpuStreamSynchronize(void * /*stream*/) {}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount) {
  State *s = ready();
  if (!s || !function || !stream || !runError.empty()) {
    // A null function or stream was recorded when it came about; never
    // skip a kernel silently.
    recordError("a CUDA kernel could not be launched");
    return; // the run has already failed: its message stands
  }
  if (CUresult r = s->cu.launchKernel(
          static_cast<CUfunction>(function), gridX, gridY, gridZ, blockX,
          blockY, blockZ, smem, static_cast<CUstream>(stream), params, extra);
      r != CUDA_SUCCESS)
    recordError("cannot launch a CUDA kernel (%ldx%ldx%ld blocks of "
                "%ldx%ldx%ld): %s",
                (long)gridX, (long)gridY, (long)gridZ, (long)blockX,
                (long)blockY, (long)blockZ, errorString(r));
  if (debugging()) {
    char what[200];
    auto it = s->names.find(static_cast<CUfunction>(function));
    snprintf(what, sizeof(what), "%s <<<%ld, %ld>>> (%zu params, first %lld)",
             it == s->names.end() ? "?" : it->second.c_str(), (long)gridX,
             (long)blockX, paramsCount,
             paramsCount ? (long long)*static_cast<int64_t *>(params[0]) : 0);
    debugSync(what);
  }
}

void tessera_cuda_copy_to_device(int64_t dst, int64_t src, int64_t bytes) {
  State *s = ready();
  if (!s || !mgpuStreamCreate() || bytes <= 0)
    return;
  if (CUresult r = s->cu.memcpyHtoDAsync(CUdeviceptr(dst),
                                         reinterpret_cast<const void *>(src),
                                         size_t(bytes), threadStream);
      r != CUDA_SUCCESS)
    recordError("cannot copy an input to the device: %s", errorString(r));
}

void tessera_cuda_copy_to_host(int64_t dst, int64_t src, int64_t bytes) {
  State *s = ready();
  if (!s || !mgpuStreamCreate() || bytes <= 0)
    return;
  if (CUresult r =
          s->cu.memcpyDtoHAsync(reinterpret_cast<void *>(dst), CUdeviceptr(src),
                                size_t(bytes), threadStream);
      r != CUDA_SUCCESS)
    recordError("cannot copy an output from the device: %s", errorString(r));
  drain(); // the caller reads it on return
}

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
