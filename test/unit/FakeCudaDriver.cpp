// A stand-in for the CUDA driver (libcuda.so.1) with the entry points the
// Tessera CUDA runtime opens, for machines without a GPU. It runs no
// kernels: device memory is host memory, copies are memcpy, and each call
// that matters prints one line ("fake-cuda: ...") on stderr. Tests run a
// --target=cuda executable against it (LD_LIBRARY_PATH) to check the host
// side of a run: the kernels' image is registered and loaded once, every
// launch names a kernel of that image, and inputs are staged in and
// outputs back in order. TESSERA_FAKE_CUDA_FAIL=launch makes launches fail.
#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

namespace {

struct Function {
  std::string name;
};

/// A loaded image: PTX text, or the cubin of a fatbin (whose PTX is
/// compressed), where kernels are looked up by name.
struct Module {
  std::string ptx;   // PTX: its text
  std::string cubin; // fatbin: its ELF image
};

/// Fatbin layout (as CUDA 13's fatbinary writes it): a 16-byte header
/// (magic 0xBA55ED50, version, header size, size of what follows), then
/// entries, each a header (kind: 1 PTX, 2 ELF; its size at 4; the payload's
/// at 8; the architecture at 28) and its payload.
bool readFatbin(const unsigned char *image, Module &module,
                std::string &summary) {
  uint32_t magic;
  memcpy(&magic, image, 4);
  if (magic != 0xBA55ED50u)
    return false;
  uint16_t headerSize;
  uint64_t size;
  memcpy(&headerSize, image + 6, 2);
  memcpy(&size, image + 8, 8);
  const unsigned char *p = image + headerSize, *end = p + size;
  summary = "fatbin:";
  while (p < end) {
    uint16_t kind;
    uint32_t entryHeader, arch;
    uint64_t payload;
    memcpy(&kind, p, 2);
    memcpy(&entryHeader, p + 4, 4);
    memcpy(&payload, p + 8, 8);
    memcpy(&arch, p + 28, 4);
    const char *data = reinterpret_cast<const char *>(p + entryHeader);
    summary += kind == 2 ? " cubin sm_" : kind == 1 ? " PTX sm_" : " ? sm_";
    summary += std::to_string(arch);
    if (kind == 2)
      module.cubin.assign(data, payload);
    p += entryHeader + payload;
  }
  return true;
}

/// Kernels in the image: PTX entries, or the cubin's distinct .text
/// sections (each name is in both of its string tables).
int countKernels(const Module &m) {
  if (m.cubin.empty()) {
    int n = 0;
    for (size_t at = m.ptx.find(".entry "); at != std::string::npos;
         at = m.ptx.find(".entry ", at + 1))
      ++n;
    return n;
  }
  std::set<std::string> names;
  const std::string key("\0.text.", 7);
  for (size_t at = m.cubin.find(key); at != std::string::npos;
       at = m.cubin.find(key, at + 1))
    names.insert(m.cubin.c_str() + at + key.size());
  return int(names.size());
}

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
  auto *module = new Module;
  std::string summary;
  if (!readFatbin(static_cast<const unsigned char *>(image), *module,
                  summary)) {
    module->ptx = static_cast<const char *>(image);
    summary =
        module->ptx.find(".target") != std::string::npos ? "PTX" : "not PTX";
  }
  int entries = countKernels(*module);
  fprintf(stderr, "fake-cuda: load module (%s, %d kernels)\n", summary.c_str(),
          entries);
  *m = reinterpret_cast<CUmodule>(module);
  return entries ? CUDA_SUCCESS : CUDA_ERROR_INVALID_IMAGE;
}
CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
  const Module &module = *reinterpret_cast<Module *>(m);
  std::string key = module.cubin.empty()
                        ? std::string(".entry ") + name + "("
                        : std::string(".text.") + name + std::string(1, '\0');
  if ((module.cubin.empty() ? module.ptx : module.cubin).find(key) ==
      std::string::npos)
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
