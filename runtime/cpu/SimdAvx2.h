// Helpers of the AVX2 kernels (tail masks, whole-or-masked loads and stores,
// an 8x8 transpose), for files compiled with -mavx2 (GemmAvx2.cpp,
// EpilogueAvx2.cpp, QGemmAvx2.cpp, SparseGemmAvx2.cpp, ConvAvx2.cpp) and for
// functions marked target("avx2") in other files (Norm.cpp, Ssm.cpp,
// LinearAttention.cpp): static and marked for AVX2 themselves, so no copy of
// them can be picked for code that runs on older CPUs.
#ifndef TESSERA_RUNTIME_SIMDAVX2_H
#define TESSERA_RUNTIME_SIMDAVX2_H

#include <cstdint>
#include <immintrin.h>

namespace tessera {

/// Lanes [0, n) of an 8-lane vector as a maskload/maskstore mask: none for
/// n <= 0, all for n >= 8.
__attribute__((target("avx2"))) static inline __m256i laneMask(int64_t n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n > 8   ? 8
                                                  : n < 0 ? 0
                                                          : n)),
                            lanes);
}

/// The first n lanes at p (n >= 8: all; `mask` is laneMask(n)): whole
/// vectors without a mask, since masked stores are slow on AMD (microcoded
/// on Zen 2).
__attribute__((target("avx2"))) static inline __m256
loadLanes(const float *p, int64_t n, __m256i mask) {
  return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}
__attribute__((target("avx2"))) static inline void
storeLanes(float *p, int64_t n, __m256i mask, __m256 v) {
  if (n >= 8)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, mask, v);
}

/// Columns k..k+7 of 8 rows (r[i] + k) as 8 vectors of the rows' values:
/// t interleaves rows in pairs; s[4h + j] holds rows 4h..4h+3 of columns j
/// and j + 4; column j is then the low halves of s[j] and s[4 + j].
__attribute__((target("avx2"))) static inline void
transpose8(const float *const r[8], int64_t k, __m256 col[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    __m256 even = _mm256_loadu_ps(r[i] + k);
    __m256 odd = _mm256_loadu_ps(r[i + 1] + k);
    t[i] = _mm256_unpacklo_ps(even, odd);
    t[i + 1] = _mm256_unpackhi_ps(even, odd);
  }
  for (int h = 0; h < 8; h += 4) {
    s[h] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int j = 0; j < 4; ++j) {
    col[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
    col[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
  }
}

} // namespace tessera

#endif // TESSERA_RUNTIME_SIMDAVX2_H
