// AVX-512 helpers the kernels share: exp of 16 floats (the attention
// kernel's softmax, the GEMM epilogue's activations, the SSM scan), with its
// own target attribute, so it can be included by files built without
// -mavx512f (call it from AVX-512 code only); and the mask of a vector's
// tail, plain integer code.
#ifndef TESSERA_RUNTIME_EXPAVX512_H
#define TESSERA_RUNTIME_EXPAVX512_H

#if defined(__x86_64__)
#include <cstdint>
#include <immintrin.h>

namespace tessera {

// The lanes of a 16-float vector that hold the first `remaining` elements:
// all 16 from 16 on, none at 0 or below.
inline __mmask16 tailMask(int64_t remaining) {
  return remaining >= 16 ? (__mmask16)0xffff
         : remaining > 0 ? (__mmask16)((1u << remaining) - 1)
                         : (__mmask16)0;
}

// Cephes expf: Cody-Waite reduction by ln 2 and a degree-7 polynomial, 1 ulp
// on [-87, 0]; scaled by 2^n with vscalefps, so large negative x gives
// (sub)normals and then 0 (-inf -> 0) and large positive x gives inf. The
// clamps keep NaN (min/max return their second operand when either is NaN).
__attribute__((target("avx512f,fma"))) inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_set1_ps(100.0f),
                    _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
  __m512 n = _mm512_roundscale_ps(
      _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

} // namespace tessera

#endif // __x86_64__
#endif // TESSERA_RUNTIME_EXPAVX512_H
