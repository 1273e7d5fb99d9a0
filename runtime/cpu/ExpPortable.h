// exp of one float in plain arithmetic (no libm call, no branch), so that
// loops over it vectorize for whatever ISA they are compiled for: the GEMM
// epilogue's portable and AVX2 activations, the attention's softmax. The
// formulas of exp512 (ExpAvx512.h): Cephes' reduction by ln 2 and degree-7
// polynomial, 1 ulp on [-87, 0].
#ifndef TESSERA_RUNTIME_EXPPORTABLE_H
#define TESSERA_RUNTIME_EXPPORTABLE_H

#include <cstdint>

namespace tessera {

__attribute__((always_inline)) inline float bitsToFloat(int32_t bits) {
  float f;
  __builtin_memcpy(&f, &bits, sizeof f);
  return f;
}

// 2^n is applied in two normal factors, so results down to the subnormals
// are right; large negative x underflows to (almost) 0, large positive x
// gives inf; NaN passes the clamps and makes the result NaN.
__attribute__((always_inline)) inline float expPortable(float x) {
  float lo = x < -104.0f ? -104.0f : x, xc = lo > 100.0f ? 100.0f : lo;
  const float roundShift = 12582912.0f; // 1.5 * 2^23: rounds to an integer
  float n = (xc * 1.44269504088896341f + roundShift) - roundShift;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // n is in [-150, 145] (NaN: any, here 0).
  int32_t ni = (int32_t)(n > -200.0f ? n : 0.0f), half = ni / 2;
  return p * bitsToFloat((half + 127) << 23) *
         bitsToFloat((ni - half + 127) << 23);
}

} // namespace tessera

#endif // TESSERA_RUNTIME_EXPPORTABLE_H
