// An 8x8 float transpose in AVX registers, for files compiled with -mavx2
// (GemmAvx2.cpp, SparseGemmAvx2.cpp) only: static, so no copy of it can be
// picked for code that runs on older CPUs.
#ifndef TESSERA_RUNTIME_TRANSPOSEAVX2_H
#define TESSERA_RUNTIME_TRANSPOSEAVX2_H

#include <cstdint>
#include <immintrin.h>

namespace tessera {

/// Columns k..k+7 of 8 rows (r[i] + k) as 8 vectors of the rows' values:
/// t interleaves rows in pairs; s[4h + j] holds rows 4h..4h+3 of columns j
/// and j + 4; column j is then the low halves of s[j] and s[4 + j].
static inline void transpose8(const float *const r[8], int64_t k,
                              __m256 col[8]) {
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

#endif
