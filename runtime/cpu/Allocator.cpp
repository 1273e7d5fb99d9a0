// Heap temporaries of generated code. The compiler lowers memref.alloc and
// memref.dealloc to these (MLIR's "generic" allocation functions). Large
// blocks freed by one inference are kept for the next one instead of going
// back to the OS: glibc serves them with mmap/munmap, and refaulting their
// pages on every run cost as much time as the arithmetic on small models.
#include "tessera_runtime.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace {

/// Blocks of at least this size are cached; smaller ones stay in malloc's
/// own free lists, which already reuse them.
constexpr size_t kCacheMin = 64 << 10;
/// Bytes of freed blocks kept at most; beyond it blocks are released.
constexpr size_t kCacheMax = size_t(4) << 30;
constexpr size_t kMinAlign = 64;

/// Sits right before every returned pointer.
struct Header {
  size_t size; // bytes requested from malloc (the cache key)
  void *raw;   // what malloc returned
};

struct BlockCache {
  std::mutex mutex;
  std::map<size_t, std::vector<void *>> free; // by size
  size_t cachedBytes = 0;

  void *take(size_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = free.find(size);
    if (it == free.end() || it->second.empty())
      return nullptr;
    void *raw = it->second.back();
    it->second.pop_back();
    cachedBytes -= size;
    return raw;
  }
  bool keep(void *raw, size_t size) {
    std::lock_guard<std::mutex> lock(mutex);
    if (cachedBytes + size > kCacheMax)
      return false;
    free[size].push_back(raw);
    cachedBytes += size;
    return true;
  }
};

BlockCache &cache() {
  static BlockCache *c = new BlockCache; // never destroyed: used at exit
  return *c;
}

void *allocate(size_t size, size_t align) {
  align = std::max(align, kMinAlign);
  size_t total = size + align + sizeof(Header);
  if (total >= kCacheMin)
    total = (total + 4095) & ~size_t(4095); // page granularity for reuse
  void *raw = total >= kCacheMin ? cache().take(total) : nullptr;
  if (!raw && !(raw = std::malloc(total)))
    return nullptr;
  uintptr_t user = (reinterpret_cast<uintptr_t>(raw) + sizeof(Header) +
                    align - 1) & ~uintptr_t(align - 1);
  Header *h = reinterpret_cast<Header *>(user) - 1;
  h->size = total;
  h->raw = raw;
  return reinterpret_cast<void *>(user);
}

} // namespace

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size) {
  return allocate(size, kMinAlign);
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t size) {
  return allocate(size, alignment);
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  Header *h = static_cast<Header *>(ptr) - 1;
  if (h->size < kCacheMin || !cache().keep(h->raw, h->size))
    std::free(h->raw);
}
