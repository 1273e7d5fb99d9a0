// The CUDA runtime's shared core (runtime/cuda/): the driver's entry
// points (libcuda.so.1 through dlopen), the process's CUDA state, the run's
// error and the thread's stream. CudaRuntime.cpp implements it with memory,
// modules and launches; CudaGemm.cpp runs the GEMMs through cuBLASLt on the
// same stream.
#ifndef TESSERA_RUNTIME_CUDA_CUDADRIVER_H
#define TESSERA_RUNTIME_CUDA_CUDADRIVER_H

#include <cuda.h>

#include <dlfcn.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace tessera::cuda {

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

/// The process's CUDA state (the driver is opened on first use, by ready()).
State &state();

/// TESSERA_CUDA_DEBUG=1: every launch and GEMM is followed by a context
/// synchronization, and one line on stderr says what ran and how it ended.
bool debugging();

/// In TESSERA_CUDA_DEBUG mode: waits for the device and says how `what`
/// ended.
void debugSync(const char *what);

const char *errorString(CUresult result);

/// Records the first failure of the current run (later ones follow from it).
void recordError(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/// Whether the current run has failed (a later call would only add noise).
bool runFailed();

/// The driver, initialized, with the context current on this thread; null
/// (and the run's error set) where there is none.
State *ready();

/// The thread's stream, which every launch, GEMM and copy of the thread
/// goes to in order; made on first use; null (and the run's error set)
/// where it cannot be.
CUstream currentStream();

/// Waits for the thread's stream; a kernel's failure is recorded.
void drain();

template <typename F> bool lookup(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

} // namespace tessera::cuda

#endif // TESSERA_RUNTIME_CUDA_CUDADRIVER_H
