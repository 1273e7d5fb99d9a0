// Status messages, dtype tables and aligned allocation for the C API.
#include "cpu/Support.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace {
thread_local char lastMessage[1024];

/// True if [begin, end) lies in one read-only mapping of a file (the model's
/// own constant data): its pages can be dropped and are read back from the
/// file if anything touches them again.
bool inReadOnlyFileMapping(uintptr_t begin, uintptr_t end) {
#if defined(__linux__)
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps)
    return false;
  bool found = false;
  char line[512];
  while (!found && fgets(line, sizeof line, maps)) {
    unsigned long lo, hi, offset, inode;
    char perms[8], dev[16];
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &lo, &hi, perms, &offset, dev,
               &inode) == 6 &&
        lo <= begin && end <= hi)
      found = perms[1] == '-' && inode != 0;
  }
  fclose(maps);
  return found;
#else
  (void)begin;
  (void)end;
  return false;
#endif
}
} // namespace

bool tessera::envSwitch(const char *name, bool byDefault) {
  const char *env = getenv(name);
  if (!env || !*env)
    return byDefault;
  return strcmp(env, "0") != 0;
}

void *tessera::allocLarge(size_t bytes) {
  constexpr size_t huge = size_t(2) << 20;
  static const bool hugePages = envSwitch("TESSERA_HUGE_PAGES", true);
  bytes = (bytes + 63) / 64 * 64;
  if (!hugePages || bytes < huge)
    return aligned_alloc(64, bytes);
  void *p = aligned_alloc(huge, bytes);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Only whole 2 MiB extents become huge pages: the tail keeps small ones,
  // so nothing is rounded up.
  if (p)
    madvise(p, bytes / huge * huge, MADV_HUGEPAGE);
#endif
  return p;
}

const float *tessera::packOnce(std::initializer_list<int64_t> key,
                               size_t floats,
                               const std::function<void(float *)> &fill) {
  using Packed = std::unique_ptr<float[], decltype(&free)>;
  static std::mutex mutex;
  static auto *cache = new std::map<std::vector<int64_t>, Packed>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache->find(std::vector<int64_t>(key));
  if (it == cache->end()) {
    size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    Packed packed(static_cast<float *>(allocLarge(bytes)), &free);
    fill(packed.get());
    it = cache->emplace(std::vector<int64_t>(key), std::move(packed)).first;
  }
  return it->second.get();
}

void tessera::releaseSourcePages(const void *data, int64_t rows, int64_t cols,
                                 int64_t rowStride, int64_t colStride,
                                 size_t elemSize) {
#if defined(__linux__)
  if (rows <= 0 || cols <= 0 || rowStride < 0 || colStride < 0)
    return;
  static const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  uintptr_t end =
      begin + ((rows - 1) * rowStride + (cols - 1) * colStride + 1) * elemSize;
  uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first && inReadOnlyFileMapping(begin, end))
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
#else
  (void)data;
  (void)rows;
  (void)cols;
  (void)rowStride;
  (void)colStride;
  (void)elemSize;
#endif
}

tessera_status tessera::setError(tessera_status status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(lastMessage, sizeof(lastMessage), fmt, args);
  va_end(args);
  return status;
}

bool tessera::gemmPortableForced() {
  return envSwitch("TESSERA_GEMM_PORTABLE", false);
}

bool tessera::gemmAvx2Forced() {
  const char *env = getenv("TESSERA_GEMM_ISA");
  return env && strcmp(env, "avx2") == 0;
}

bool tessera::avx2KernelsUsable() {
  if (gemmPortableForced())
    return false;
#if defined(__x86_64__)
  __builtin_cpu_init(); // callers run from static initializers
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool tessera::avx512KernelsUsable() {
  if (gemmPortableForced())
    return false;
#if defined(__x86_64__)
  __builtin_cpu_init(); // callers run from static initializers
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

void tessera::formatShape(char *buf, size_t size, int32_t rank,
                          const int64_t *shape) {
  size_t used = snprintf(buf, size, "[");
  for (int32_t i = 0; i < rank && used < size; ++i)
    used += snprintf(buf + used, size - used, i ? ",%lld" : "%lld",
                     (long long)shape[i]);
  if (used < size)
    snprintf(buf + used, size - used, "]");
}

extern "C" {

const char *tessera_status_message(void) { return lastMessage; }

const char *tessera_status_string(tessera_status status) {
  switch (status) {
  case TESSERA_OK: return "ok";
  case TESSERA_ERR_INVALID_ARGUMENT: return "invalid argument";
  case TESSERA_ERR_IO: return "i/o error";
  case TESSERA_ERR_FORMAT: return "malformed file";
  case TESSERA_ERR_SHAPE: return "shape mismatch";
  case TESSERA_ERR_DTYPE: return "dtype mismatch";
  case TESSERA_ERR_OUT_OF_MEMORY: return "out of memory";
  case TESSERA_ERR_DEVICE: return "device error";
  }
  return "unknown status";
}

size_t tessera_dtype_size(tessera_dtype dtype) {
  switch (dtype) {
  case TESSERA_F32: case TESSERA_I32: case TESSERA_U32: return 4;
  case TESSERA_F16: case TESSERA_BF16: case TESSERA_I16: case TESSERA_U16:
    return 2;
  case TESSERA_F64: case TESSERA_I64: case TESSERA_U64: return 8;
  case TESSERA_BOOL: case TESSERA_I8: case TESSERA_U8: return 1;
  }
  return 0;
}

const char *tessera_dtype_name(tessera_dtype dtype) {
  switch (dtype) {
  case TESSERA_F32: return "float32";
  case TESSERA_F16: return "float16";
  case TESSERA_BF16: return "bfloat16";
  case TESSERA_F64: return "float64";
  case TESSERA_BOOL: return "bool";
  case TESSERA_I8: return "int8";
  case TESSERA_I32: return "int32";
  case TESSERA_I64: return "int64";
  case TESSERA_I16: return "int16";
  case TESSERA_U8: return "uint8";
  case TESSERA_U16: return "uint16";
  case TESSERA_U32: return "uint32";
  case TESSERA_U64: return "uint64";
  }
  return "unknown";
}

int64_t tessera_tensor_numel(const tessera_tensor_info *info) {
  int64_t n = 1;
  for (int32_t i = 0; i < info->rank; ++i)
    n *= info->shape[i];
  return n;
}

size_t tessera_tensor_nbytes(const tessera_tensor_info *info) {
  return (size_t)tessera_tensor_numel(info) * tessera_dtype_size(info->dtype);
}

void *tessera_alloc(size_t nbytes) {
  // Round up: aligned_alloc wants a multiple of the alignment, and a zero-size
  // tensor still needs a distinct non-null pointer.
  size_t rounded = (nbytes + 63) / 64 * 64;
  return aligned_alloc(64, rounded ? rounded : 64);
}

void tessera_free(void *ptr) { free(ptr); }

} // extern "C"
