// memrefCopy with the ABI of MLIR's CRunnerUtils: generated code calls it for
// copies between non-identity layouts, and executables should not need
// libmlir_c_runner_utils for that. The copies it gets are mostly a concat's
// pieces into a channels-last output (runs of one piece's channels, strided
// by the output's) and slices out of such tensors.
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace {

/// n bytes: up to a few hundred as fixed-size moves the compiler inlines
/// (a channels-last concat copies a run of 64-512 bytes per position, which
/// a memcpy call took twice as long as the bytes need), longer ones by
/// memcpy.
inline void copyBytes(char *dst, const char *src, size_t n) {
  if (n > 512) {
    memcpy(dst, src, n);
    return;
  }
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    memcpy(dst + i, src + i, 64);
  for (; i + 8 <= n; i += 8)
    memcpy(dst + i, src + i, 8);
  for (; i < n; ++i)
    dst[i] = src[i];
}

/// A copy with its innermost contiguous dimensions folded into blocks of
/// `blockBytes`: `inner` outer dimensions, odometer order.
struct Copy {
  char *dst;
  const char *src;
  int64_t elemSize, inner;
  const int64_t *sizes, *srcStrides, *dstStrides;
  size_t blockBytes;

  /// Blocks [first, last) in odometer order (the last outer dimension
  /// fastest); `index` holds `inner` counters.
  void run(int64_t first, int64_t last, int64_t *index) const {
    if (first >= last)
      return;
    int64_t srcOff = 0, dstOff = 0;
    for (int64_t dim = inner - 1, rest = first; dim >= 0; --dim) {
      index[dim] = rest % sizes[dim];
      rest /= sizes[dim];
      srcOff += index[dim] * srcStrides[dim];
      dstOff += index[dim] * dstStrides[dim];
    }
    if (inner == 0) {
      copyBytes(dst, src, blockBytes);
      return;
    }
    const int64_t innerSize = sizes[inner - 1],
                  ss = srcStrides[inner - 1] * elemSize,
                  ds = dstStrides[inner - 1] * elemSize;
    for (int64_t left = last - first; left > 0;) {
      // The rest of the innermost outer dimension, fixed strides.
      int64_t run = std::min(left, innerSize - index[inner - 1]);
      const char *s = src + srcOff * elemSize;
      char *d = dst + dstOff * elemSize;
      for (int64_t i = 0; i < run; ++i, s += ss, d += ds)
        copyBytes(d, s, blockBytes);
      left -= run;
      if (left == 0)
        break;
      // The innermost outer dimension is done: back to its start, and carry
      // into the next one out.
      srcOff -= index[inner - 1] * srcStrides[inner - 1];
      dstOff -= index[inner - 1] * dstStrides[inner - 1];
      index[inner - 1] = 0;
      for (int64_t dim = inner - 2; dim >= 0; --dim) {
        srcOff += srcStrides[dim];
        dstOff += dstStrides[dim];
        if (++index[dim] < sizes[dim])
          break;
        srcOff -= srcStrides[dim] * sizes[dim];
        dstOff -= dstStrides[dim] * sizes[dim];
        index[dim] = 0;
      }
    }
  }
};

} // namespace

extern "C" void memrefCopy(int64_t elemSize, tessera_unranked_memref *src,
                           tessera_unranked_memref *dst) {
  // Descriptor words: allocated, aligned, offset, sizes[rank], strides[rank].
  const int64_t rank = src->rank;
  const int64_t *s = static_cast<const int64_t *>(src->descriptor);
  const int64_t *d = static_cast<const int64_t *>(dst->descriptor);
  char *srcBase, *dstBase;
  memcpy(&srcBase, &s[1], sizeof(char *));
  memcpy(&dstBase, &d[1], sizeof(char *));
  srcBase += s[2] * elemSize;
  dstBase += d[2] * elemSize;
  if (rank == 0) {
    memcpy(dstBase, srcBase, elemSize);
    return;
  }
  const int64_t *sizes = s + 3, *srcStrides = s + 3 + rank,
                *dstStrides = d + 3 + rank;
  int64_t numel = 1;
  for (int64_t i = 0; i < rank; ++i)
    numel *= sizes[i];
  if (numel == 0)
    return;
  // Fold the innermost dimensions that are contiguous in both into one
  // block, and drop the outer dimensions of size 1.
  int64_t block = 1, inner = rank;
  while (inner > 0 && srcStrides[inner - 1] == block &&
         dstStrides[inner - 1] == block) {
    block *= sizes[inner - 1];
    --inner;
  }
  int64_t stackDims[4 * 16];
  std::vector<int64_t> heapDims(inner > 16 ? 4 * inner : 0);
  int64_t *os = inner > 16 ? heapDims.data() : stackDims, *oss = os + inner,
          *ods = oss + inner, *index = ods + inner, outer = 0;
  for (int64_t i = 0; i < inner; ++i)
    if (sizes[i] != 1) {
      os[outer] = sizes[i];
      oss[outer] = srcStrides[i];
      ods[outer++] = dstStrides[i];
    }
  Copy copy{dstBase, srcBase, elemSize, outer,
            os,      oss,     ods,      size_t(block * elemSize)};
  int64_t blocks = numel / block;
  // Large copies on the pool, thread t the t-th stretch of blocks (the
  // positions in order, as the kernels around split theirs).
  int threads = tessera::numThreads();
  int64_t bytes = numel * elemSize;
  if (threads > 1 && outer <= 16 && blocks >= 2 &&
      bytes >= (int64_t(256) << 10)) {
    int64_t tasks = std::min<int64_t>(blocks, 4 * int64_t(threads));
    tessera::parallelFor(tasks, [&](int64_t t) {
      int64_t counters[16];
      copy.run(t * blocks / tasks, (t + 1) * blocks / tasks, counters);
    });
    return;
  }
  copy.run(0, blocks, index);
}
