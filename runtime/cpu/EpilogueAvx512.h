// AVX-512 forms of the fused epilogue (Activations.h): the activations
// (formulas and accuracy: Activations.h) and one vector of the whole
// epilogue, for kernels that apply it to their accumulators before storing
// them. Include only from files built with -mavx512f -mfma; everything here
// is local to the including file (an anonymous namespace), so no AVX-512
// copy of an inline function can be picked by code for older CPUs.
#ifndef TESSERA_RUNTIME_EPILOGUEAVX512_H
#define TESSERA_RUNTIME_EPILOGUEAVX512_H

#include "cpu/Activations.h"
#include "cpu/ExpAvx512.h"

#include <immintrin.h>

namespace tessera {
namespace {

inline __m512 splat(float v) { return _mm512_set1_ps(v); }

// x / (1 + e^-y): sigmoid (x = 1, y = x), silu (y = x), gelu_tanh (y = 2u).
inline __m512 overOnePlusExpNeg(__m512 x, __m512 y) {
  __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), y));
  return _mm512_div_ps(x, _mm512_add_ps(splat(1.0f), e));
}

inline __m512 copySign(__m512 magnitude, __m512 sign) {
  __m512i signBit = _mm512_and_si512(_mm512_castps_si512(sign),
                                     _mm512_set1_epi32(int(0x80000000u)));
  return _mm512_castsi512_ps(
      _mm512_or_si512(_mm512_castps_si512(magnitude), signBit));
}

inline __m512 tanh512(__m512 x) {
  __m512 ax = _mm512_abs_ps(x), s = _mm512_mul_ps(x, x);
  __m512 p = splat(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, s, splat(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, s, splat(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, s, splat(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, s, splat(-3.33332819422e-1f));
  __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, s), x, x);
  __m512 e = exp512(_mm512_add_ps(ax, ax));
  __m512 large = _mm512_sub_ps(
      splat(1.0f), _mm512_div_ps(splat(2.0f), _mm512_add_ps(e, splat(1.0f))));
  __mmask16 isSmall = _mm512_cmp_ps_mask(ax, splat(0.625f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(isSmall, copySign(large, x), small);
}

inline __m512 gelu512(__m512 x) {
  __m512 z = _mm512_mul_ps(x, splat(0.707106781186547524f));
  // Clamped (min/max return their second operand, so NaN stays).
  __m512 c = _mm512_max_ps(splat(-geluErfLimit),
                           _mm512_min_ps(splat(geluErfLimit), z));
  __m512 s = _mm512_mul_ps(c, c), p = splat(geluErfP[0]),
         q = splat(geluErfQ[0]);
#pragma GCC unroll 8
  for (int i = 1; i < 7; ++i)
    p = _mm512_fmadd_ps(p, s, splat(geluErfP[i]));
#pragma GCC unroll 8
  for (int i = 1; i < 5; ++i)
    q = _mm512_fmadd_ps(q, s, splat(geluErfQ[i]));
  __m512 erf = _mm512_div_ps(_mm512_mul_ps(c, p), q);
  // +-1 from the limit on: the clamped quotient is 1e-7 off, which x/2
  // would scale up without bound.
  __mmask16 tail =
      _mm512_cmp_ps_mask(_mm512_abs_ps(z), splat(geluErfLimit), _CMP_GE_OQ);
  erf = _mm512_mask_mov_ps(erf, tail, copySign(splat(1.0f), z));
  __m512 h = _mm512_mul_ps(splat(0.5f), x);
  return _mm512_fmadd_ps(h, erf, h);
}

template <int Act> inline __m512 activate(__m512 x) {
  if constexpr (Act == ActRelu)
    return _mm512_max_ps(_mm512_setzero_ps(), x);
  if constexpr (Act == ActGelu)
    return gelu512(x);
  if constexpr (Act == ActGeluTanh) {
    // 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)
    constexpr double c = 2 * 0.797884560802865355;
    __m512 twoU = _mm512_mul_ps(x, _mm512_fmadd_ps(_mm512_mul_ps(x, x),
                                                   splat(float(c * 0.044715)),
                                                   splat(float(c))));
    return overOnePlusExpNeg(x, twoU);
  }
  if constexpr (Act == ActSilu)
    return overOnePlusExpNeg(x, x);
  if constexpr (Act == ActSigmoid)
    return overOnePlusExpNeg(splat(1.0f), x);
  if constexpr (Act == ActTanh)
    return tanh512(x);
  if constexpr (Act == ActHardSwish) {
    // max/min with the bound first return a NaN of x + 3.
    __m512 t = _mm512_max_ps(_mm512_setzero_ps(), _mm512_add_ps(x, splat(3)));
    return _mm512_mul_ps(_mm512_mul_ps(x, _mm512_min_ps(splat(6), t)),
                         splat(1.0f / 6));
  }
  return x;
}

/// activate<act>(x) for a runtime activation, one switch per vector (kernels
/// that are instantiated per tile shape rather than per activation).
inline __attribute__((noinline)) __m512 activateAny(int act, __m512 x) {
  dispatchActivation(act, [&](auto a) { x = activate<decltype(a)::value>(x); });
  return x;
}

/// Whether every operand of `e` is a vector operand of epilogueVector: a
/// bias and a residual of unit or zero column stride.
inline bool epilogueVectorizable(const Epilogue &e) {
  return (!e.bias || e.biasStride == 0 || e.biasStride == 1) &&
         (!e.residual || e.residualColStride == 0 || e.residualColStride == 1);
}

/// The epilogue of elements (r, j..j+15) (the lanes of `mask`), with e's
/// operands at element (0, 0); epilogueVectorizable(e). The order: row bias,
/// bias, activation, residual, clamp; max/min return their second operand
/// when one is NaN, so NaN stays.
template <int Act>
inline __m512 epilogueVector(const Epilogue &e, __m512 v, int64_t r, int64_t j,
                             __mmask16 mask) {
  if (e.rowBias)
    v = _mm512_add_ps(v, splat(e.rowBias[r * e.rowBiasStride]));
  if (e.bias)
    v = _mm512_add_ps(v, e.biasStride ? _mm512_maskz_loadu_ps(mask, e.bias + j)
                                      : splat(*e.bias));
  v = activate<Act>(v);
  if (e.residual) {
    const float *res = e.residual + r * e.residualRowStride;
    v = _mm512_add_ps(v, e.residualColStride
                             ? _mm512_maskz_loadu_ps(mask, res + j)
                             : splat(*res));
  }
  if (e.clamp)
    v = _mm512_min_ps(splat(e.clampMax), _mm512_max_ps(splat(e.clampMin), v));
  return v;
}

} // namespace
} // namespace tessera

#endif // TESSERA_RUNTIME_EPILOGUEAVX512_H
