// A stand-in for the CUDA driver (libcuda.so.1) with the entry points the
// Tessera CUDA runtime opens, for machines without a GPU. It runs no
// kernels: device memory is host memory, copies are memcpy, and each call
// that matters prints one line ("fake-cuda: ...") on stderr. Tests run a
// --target=cuda executable against it (LD_LIBRARY_PATH) to check the host
// side of a run: the kernels' image is registered and loaded once, every
// launch names a kernel of that image, and inputs are staged in and
// outputs back in order. TESSERA_FAKE_CUDA_FAIL=launch makes launches fail.
#include <cuda.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct Function {
  std::string name;
};

bool failLaunches() {
  const char *v = getenv("TESSERA_FAKE_CUDA_FAIL");
  return v && strcmp(v, "launch") == 0;
}

} // namespace

extern "C" {

CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int *v) {
  *v = 13000;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGet(CUdevice *d, int) {
  *d = 0;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetName(char *name, int len, CUdevice) {
  snprintf(name, len, "Fake CUDA device");
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute, CUdevice) {
  *v = 1;
  return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice) {
  static int context;
  *c = reinterpret_cast<CUcontext>(&context);
  return CUDA_SUCCESS;
}
CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
CUresult cuCtxSynchronize() { return CUDA_SUCCESS; }

CUresult cuModuleLoadData(CUmodule *m, const void *image) {
  const char *text = static_cast<const char *>(image);
  int entries = 0;
  for (const char *p = text; (p = strstr(p, ".entry ")); ++p)
    ++entries;
  fprintf(stderr, "fake-cuda: load module (%s, %d kernels)\n",
          strstr(text, ".target") ? "PTX" : "not PTX", entries);
  *m = reinterpret_cast<CUmodule>(const_cast<void *>(image));
  return entries ? CUDA_SUCCESS : CUDA_ERROR_INVALID_IMAGE;
}
CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
  std::string entry = std::string(".entry ") + name + "(";
  if (!strstr(reinterpret_cast<const char *>(m), entry.c_str()))
    return CUDA_ERROR_NOT_FOUND;
  *f = reinterpret_cast<CUfunction>(new Function{name});
  return CUDA_SUCCESS;
}
CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned,
                        CUstream, void **params, void **) {
  fprintf(stderr, "fake-cuda: launch %s <<<%ux%ux%u, %ux%ux%u>>>%s\n",
          reinterpret_cast<Function *>(f)->name.c_str(), gx, gy, gz, bx, by, bz,
          params ? "" : " without parameters");
  return failLaunches() ? CUDA_ERROR_LAUNCH_FAILED : CUDA_SUCCESS;
}

CUresult cuStreamCreate(CUstream *s, unsigned) {
  static int stream;
  *s = reinterpret_cast<CUstream>(&stream);
  return CUDA_SUCCESS;
}
CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }

CUresult cuMemAllocManaged(CUdeviceptr *p, size_t bytes, unsigned) {
  *p = reinterpret_cast<CUdeviceptr>(
      aligned_alloc(256, (bytes + 255) / 256 * 256));
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  free(reinterpret_cast<void *>(p));
  return CUDA_SUCCESS;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t bytes,
                              CUstream) {
  fprintf(stderr, "fake-cuda: copy %zu bytes to the device\n", bytes);
  memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                              CUstream) {
  fprintf(stderr, "fake-cuda: copy %zu bytes to the host\n", bytes);
  memcpy(dst, reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                              CUstream) {
  memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src),
          bytes);
  return CUDA_SUCCESS;
}
CUresult cuGetErrorString(CUresult r, const char **text) {
  *text = r == CUDA_ERROR_LAUNCH_FAILED ? "unspecified launch failure (fake)"
                                        : "fake CUDA error";
  return CUDA_SUCCESS;
}

} // extern "C"
