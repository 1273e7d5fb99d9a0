// The fused epilogue's activations on 8 floats (formulas and accuracy:
// Activations.h; exp256 in ExpAvx2.h), for the AVX2 kernels that apply them
// to their accumulators: activate<Act> inlined where a tile stores, so that
// no call (which clobbers every ymm register) makes it spill them. Each
// function carries its own target attribute, so the header can be included
// by files built without -mavx2 (call them from AVX2 code only).
#ifndef TESSERA_RUNTIME_ACTIVATIONSAVX2_H
#define TESSERA_RUNTIME_ACTIVATIONSAVX2_H

#if defined(__x86_64__)
#include "cpu/Activations.h"
#include "cpu/ExpAvx2.h"

#include <immintrin.h>

#define TESSERA_AVX2_FN __attribute__((target("avx2,fma")))

namespace tessera {
namespace avx2 {

// x / (1 + e^-y): sigmoid (x = 1, y = x), silu (y = x), gelu_tanh (y = 2u).
TESSERA_AVX2_FN inline __m256 overOnePlusExpNeg(__m256 x, __m256 y) {
  __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), y));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

constexpr float signBit = -0.0f;

TESSERA_AVX2_FN inline __m256 absPs(__m256 x) {
  return _mm256_andnot_ps(_mm256_set1_ps(signBit), x);
}

TESSERA_AVX2_FN inline __m256 tanh256(__m256 x) {
  __m256 ax = absPs(x), s = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-3.33332819422e-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, s), x, x);
  __m256 e = exp256(_mm256_add_ps(ax, ax));
  __m256 large =
      _mm256_sub_ps(_mm256_set1_ps(1.0f),
                    _mm256_div_ps(_mm256_set1_ps(2.0f),
                                  _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  large = _mm256_or_ps(large, _mm256_and_ps(_mm256_set1_ps(signBit), x));
  __m256 isSmall = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
  return _mm256_blendv_ps(large, small, isSmall);
}

TESSERA_AVX2_FN inline __m256 gelu256(__m256 x) {
  __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.707106781186547524f));
  // Clamped (min/max return their second operand, so NaN stays).
  __m256 c = _mm256_max_ps(_mm256_set1_ps(-geluErfLimit),
                           _mm256_min_ps(_mm256_set1_ps(geluErfLimit), z));
  __m256 s = _mm256_mul_ps(c, c), p = _mm256_set1_ps(geluErfP[0]),
         q = _mm256_set1_ps(geluErfQ[0]);
#pragma GCC unroll 8
  for (int i = 1; i < 7; ++i)
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(geluErfP[i]));
#pragma GCC unroll 8
  for (int i = 1; i < 5; ++i)
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(geluErfQ[i]));
  __m256 erf = _mm256_div_ps(_mm256_mul_ps(c, p), q);
  // +-1 from the limit on: the clamped quotient is 1e-7 off, which x/2
  // would scale up without bound.
  __m256 tail =
      _mm256_cmp_ps(absPs(z), _mm256_set1_ps(geluErfLimit), _CMP_GE_OQ);
  __m256 one = _mm256_or_ps(_mm256_set1_ps(1.0f),
                            _mm256_and_ps(_mm256_set1_ps(signBit), z));
  erf = _mm256_blendv_ps(erf, one, tail);
  __m256 h = _mm256_mul_ps(_mm256_set1_ps(0.5f), x);
  return _mm256_fmadd_ps(h, erf, h);
}

template <int Act> TESSERA_AVX2_FN inline __m256 activate(__m256 x) {
  if constexpr (Act == ActRelu)
    return _mm256_max_ps(_mm256_setzero_ps(), x);
  if constexpr (Act == ActGelu)
    return gelu256(x);
  if constexpr (Act == ActGeluTanh) {
    // 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)
    constexpr double c = 2 * 0.797884560802865355;
    __m256 twoU =
        _mm256_mul_ps(x, _mm256_fmadd_ps(_mm256_mul_ps(x, x),
                                         _mm256_set1_ps(float(c * 0.044715)),
                                         _mm256_set1_ps(float(c))));
    return overOnePlusExpNeg(x, twoU);
  }
  if constexpr (Act == ActSilu)
    return overOnePlusExpNeg(x, x);
  if constexpr (Act == ActSigmoid)
    return overOnePlusExpNeg(_mm256_set1_ps(1.0f), x);
  if constexpr (Act == ActTanh)
    return tanh256(x);
  if constexpr (Act == ActHardSwish) {
    // max/min with the bound first return a NaN of x + 3.
    __m256 t =
        _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(x, _mm256_set1_ps(3)));
    return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_min_ps(_mm256_set1_ps(6), t)),
                         _mm256_set1_ps(1.0f / 6));
  }
  return x;
}

} // namespace avx2
} // namespace tessera

#undef TESSERA_AVX2_FN
#endif // __x86_64__
#endif // TESSERA_RUNTIME_ACTIVATIONSAVX2_H
