// exp of 8 floats for the AVX2 kernels (the GEMM epilogue's activations,
// the attention kernel's softmax), with its own target attribute, so it can
// be included by files built without -mavx2 (call it from AVX2 code only).
#ifndef TESSERA_RUNTIME_EXPAVX2_H
#define TESSERA_RUNTIME_EXPAVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

namespace tessera {

// exp512's reduction and polynomial (Cephes expf, 1 ulp) on x clamped to
// [-86, 88.7], scaled by one factor 2^n, n rounded by adding 1.5 * 2^23 +
// 127 (which leaves n + 127, the biased exponent, in the sum's low bits).
// Every result is normal or inf: below -86 it is e^-86 (4e-38) rather than
// smaller, where 1 + e^x is 1 either way and gelu's erf tail is off by less
// than 1e-36; from 88.4 on it is inf, as x / (1 + e^-y) needs for large
// |x|. Subnormal products, which the two normal factors of exp512's AVX2
// port made down to -104, took gelu 3.7 rather than 1.5 ns per element
// for inputs of standard deviation 10 (its erf tail reaches them from |x|
// = 13.2); the conversions cost ~7% more. The clamps keep NaN (max/min
// return their second operand on NaN).
__attribute__((target("avx2,fma"))) inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.7f),
                    _mm256_max_ps(_mm256_set1_ps(-86.0f), x));
  const __m256 magic = _mm256_set1_ps(12582912.0f + 127.0f);
  __m256 sum = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), magic);
  __m256 n = _mm256_sub_ps(sum, magic);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  return _mm256_mul_ps(
      p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(sum), 23)));
}

} // namespace tessera

#endif // __x86_64__
#endif // TESSERA_RUNTIME_EXPAVX2_H
