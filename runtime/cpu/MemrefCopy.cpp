// memrefCopy with the ABI of MLIR's CRunnerUtils: generated code calls it for
// copies between non-identity layouts, and executables should not need
// libmlir_c_runner_utils for that.
#include "tessera_runtime.h"

#include <cstring>
#include <vector>

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
  // Fold the innermost dimensions that are contiguous in both into one block.
  int64_t block = 1, inner = rank;
  while (inner > 0 && srcStrides[inner - 1] == block &&
         dstStrides[inner - 1] == block) {
    block *= sizes[inner - 1];
    --inner;
  }
  const size_t blockBytes = block * elemSize;
  // Odometer over the outer `inner` dimensions.
  std::vector<int64_t> index(inner, 0);
  int64_t srcOff = 0, dstOff = 0;
  for (;;) {
    memcpy(dstBase + dstOff * elemSize, srcBase + srcOff * elemSize,
           blockBytes);
    int64_t dim = inner - 1;
    for (; dim >= 0; --dim) {
      srcOff += srcStrides[dim];
      dstOff += dstStrides[dim];
      if (++index[dim] < sizes[dim])
        break;
      srcOff -= srcStrides[dim] * sizes[dim];
      dstOff -= dstStrides[dim] * sizes[dim];
      index[dim] = 0;
    }
    if (dim < 0)
      return;
  }
}
