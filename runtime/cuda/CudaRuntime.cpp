// The CUDA side of the runtime: the driver API, loaded at run time
// (libcuda.so.1 through dlopen, so executables start, and fail with a
// message, on machines without a driver), behind the `mgpu*` entry points
// that MLIR's gpu-to-llvm lowering calls, plus Tessera's own allocation and
// weight-upload hooks.
//
// Memory: every buffer a kernel touches is CUDA managed memory, so the
// host's staging copies, scalar reads and the kernels all see one address
// space. Launches go to one stream per thread, in order.
#include "cpu/Support.h"
#include "tessera_cuda.h"

#include <cuda.h>

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

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
};

State &state() {
  static State s;
  return s;
}

thread_local std::string runError;
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
               lookup(lib, "cuGetErrorString", cu.getErrorString);
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
  CUdeviceptr ptr = 0;
  if (CUresult r = s->cu.memAllocManaged(&ptr, bytes > 0 ? bytes : 1,
                                         CU_MEM_ATTACH_GLOBAL);
      r != CUDA_SUCCESS) {
    recordError("cannot allocate %lld bytes of CUDA managed memory: %s",
                (long long)bytes, errorString(r));
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
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
  if (State *s = ready())
    s->cu.memFree(reinterpret_cast<CUdeviceptr>(ptr));
}

void *tessera_cuda_global(const void *host, int64_t bytes) {
  State *s = ready();
  if (!s)
    return nullptr;
  std::lock_guard<std::mutex> lock(s->mutex);
  auto it = s->globals.find(host);
  if (it != s->globals.end())
    return it->second;
  void *device = tessera_cuda_alloc(bytes);
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
  if (!s || !module)
    return nullptr;
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

void mgpuStreamSynchronize(void *stream) {
  State *s = ready();
  if (!s || !stream)
    return;
  if (CUresult r = s->cu.streamSynchronize(static_cast<CUstream>(stream));
      r != CUDA_SUCCESS)
    recordError("a CUDA kernel failed: %s", errorString(r));
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  State *s = ready();
  if (!s || !function || !stream || !runError.empty())
    return; // the run has already failed: its message stands
  if (CUresult r = s->cu.launchKernel(
          static_cast<CUfunction>(function), gridX, gridY, gridZ, blockX,
          blockY, blockZ, smem, static_cast<CUstream>(stream), params, extra);
      r != CUDA_SUCCESS)
    recordError("cannot launch a CUDA kernel (%ldx%ldx%ld blocks of "
                "%ldx%ldx%ld): %s",
                (long)gridX, (long)gridY, (long)gridZ, (long)blockX,
                (long)blockY, (long)blockZ, errorString(r));
}

} // extern "C"
