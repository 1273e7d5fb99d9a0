// The CUDA side of the runtime: the driver API, loaded at run time
// (libcuda.so.1 through dlopen, so executables start, and fail with a
// message, on machines without a driver), behind the `mgpu*` entry points
// that MLIR's gpu-to-llvm lowering calls, plus Tessera's own allocation,
// weight-upload and copy hooks. The GEMMs are CudaGemm.cpp's.
//
// Memory: every buffer a kernel touches is CUDA managed memory, so the
// host's staging copies, scalar reads and the kernels all see one address
// space. Launches go to one stream per thread, in order.
#include "cpu/Support.h"
#include "cuda/CudaDriver.h"
#include "tessera_cuda.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tessera::cuda {
namespace {

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

thread_local std::string runError;
thread_local CUstream threadStream = nullptr;
thread_local bool contextCurrent = false;

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

} // namespace

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

const char *errorString(CUresult result) {
  const char *text = nullptr;
  if (state().cu.getErrorString)
    state().cu.getErrorString(result, &text);
  return text ? text : "unknown CUDA error";
}

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

bool runFailed() { return !runError.empty(); }

void debugSync(const char *what) {
  if (!debugging())
    return;
  CUresult r = state().cu.ctxSynchronize();
  fprintf(stderr, "tessera-cuda: %s: %s\n", what,
          r == CUDA_SUCCESS ? "ok" : errorString(r));
}

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

CUstream currentStream() {
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

void drain() {
  if (!threadStream)
    return;
  if (CUresult r = state().cu.streamSynchronize(threadStream);
      r != CUDA_SUCCESS)
    recordError("a CUDA kernel failed: %s", errorString(r));
}

namespace {

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

/// A module image: the PTX, cubin or fatbin that the generated code
/// embeds; the driver loads it on first use.
struct Image {
  const void *data;
};

} // namespace
} // namespace tessera::cuda

using namespace tessera::cuda;

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

void *mgpuStreamCreate() { return currentStream(); }

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

} // extern "C"
