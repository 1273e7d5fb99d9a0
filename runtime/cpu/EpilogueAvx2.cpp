// The linear layer's epilogue, act(x + bias) + residual, for x86-64 CPUs with
// AVX2 and FMA but without AVX-512: the formulas of the AVX-512 version
// (GemmAvx512.cpp; accuracy in Activations.h) on 8-float vectors. Written
// with intrinsics because compilers leave the portable loops (Gemm.cpp)
// scalar: the erf and exp polynomials behind selects and integer exponent
// arithmetic (measured: the gelu epilogue of a 50x768x3072 linear layer took
// longer than its GEMM).
// This file alone is compiled with -mavx2 -mfma; like GemmAvx2.cpp it
// includes no C++ library headers and calls no inline function of another
// file but exp256 (ExpAvx2.h, itself marked for AVX2), so no AVX2 copy of
// one can leak into code that runs on older CPUs.
#include "cpu/Activations.h"
#include "cpu/ExpAvx2.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

namespace tessera {
namespace {

inline __m256 splat(float v) { return _mm256_set1_ps(v); }

// x / (1 + e^-y): sigmoid (x = 1, y = x), silu (y = x), gelu_tanh (y = 2u).
inline __m256 overOnePlusExpNeg(__m256 x, __m256 y) {
  __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), y));
  return _mm256_div_ps(x, _mm256_add_ps(splat(1.0f), e));
}

const float signBit = -0.0f;

inline __m256 absPs(__m256 x) { return _mm256_andnot_ps(splat(signBit), x); }

inline __m256 tanh256(__m256 x) {
  __m256 ax = absPs(x), s = _mm256_mul_ps(x, x);
  __m256 p = splat(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, s, splat(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, s, splat(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, s, splat(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, s, splat(-3.33332819422e-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, s), x, x);
  __m256 e = exp256(_mm256_add_ps(ax, ax));
  __m256 large = _mm256_sub_ps(
      splat(1.0f), _mm256_div_ps(splat(2.0f), _mm256_add_ps(e, splat(1.0f))));
  large = _mm256_or_ps(large, _mm256_and_ps(splat(signBit), x));
  __m256 isSmall = _mm256_cmp_ps(ax, splat(0.625f), _CMP_LT_OQ);
  return _mm256_blendv_ps(large, small, isSmall);
}

inline __m256 gelu256(__m256 x) {
  __m256 z = _mm256_mul_ps(x, splat(0.707106781186547524f));
  // |z| <= 0.9277: 1 + erf(z) = 1 + z + z P(z^2).
  __m256 s = _mm256_mul_ps(z, z);
  __m256 p = splat(-5.96761703e-4f);
  p = _mm256_fmadd_ps(p, s, splat(4.99119423e-3f));
  p = _mm256_fmadd_ps(p, s, splat(-2.67681349e-2f));
  p = _mm256_fmadd_ps(p, s, splat(1.12819925e-1f));
  p = _mm256_fmadd_ps(p, s, splat(-3.76125336e-1f));
  p = _mm256_fmadd_ps(p, s, splat(1.28379166e-1f));
  __m256 small = _mm256_add_ps(splat(1.0f), _mm256_fmadd_ps(p, z, z));
  // Otherwise erfc(|z|) = exp(Q(|z|)), 1 + erf(z) = erfc(|z|) or 2 - erfc(|z|).
  __m256 t = _mm256_min_ps(splat(10.0f), absPs(z));
  __m256 t2 = _mm256_mul_ps(t, t);
  __m256 q = _mm256_fmadd_ps(splat(-1.72853470e-5f), t, splat(3.83197126e-4f));
  __m256 u = _mm256_fmadd_ps(splat(-3.88396438e-3f), t, splat(2.42546219e-2f));
  q = _mm256_fmadd_ps(q, t2, u);
  q = _mm256_fmadd_ps(q, t, splat(-1.06777877e-1f));
  q = _mm256_fmadd_ps(q, t, splat(-6.34846687e-1f));
  q = _mm256_fmadd_ps(q, t, splat(-1.28717512e-1f));
  q = _mm256_fmadd_ps(q, t, _mm256_sub_ps(_mm256_setzero_ps(), t));
  // 0 from |z| = 10 on, where exp256 stops at e^-86 (gelu(-inf) = -inf *
  // 0, NaN, as the formula gives).
  __m256 tail = _mm256_and_ps(
      exp256(q), _mm256_cmp_ps(absPs(z), splat(10.0f), _CMP_LT_OQ));
  __m256 negative = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
  __m256 large =
      _mm256_blendv_ps(_mm256_sub_ps(splat(2.0f), tail), tail, negative);
  __m256 isSmall = _mm256_cmp_ps(t, splat(0.927734375f), _CMP_LE_OQ);
  __m256 onePlusErf = _mm256_blendv_ps(large, small, isSmall);
  return _mm256_mul_ps(_mm256_mul_ps(splat(0.5f), x), onePlusErf);
}

template <int Act> inline __m256 activate(__m256 x) {
  if constexpr (Act == ActRelu)
    return _mm256_max_ps(_mm256_setzero_ps(), x);
  if constexpr (Act == ActGelu)
    return gelu256(x);
  if constexpr (Act == ActGeluTanh) {
    // 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)
    constexpr double c = 2 * 0.797884560802865355;
    __m256 twoU = _mm256_mul_ps(x, _mm256_fmadd_ps(_mm256_mul_ps(x, x),
                                                   splat(float(c * 0.044715)),
                                                   splat(float(c))));
    return overOnePlusExpNeg(x, twoU);
  }
  if constexpr (Act == ActSilu)
    return overOnePlusExpNeg(x, x);
  if constexpr (Act == ActSigmoid)
    return overOnePlusExpNeg(splat(1.0f), x);
  if constexpr (Act == ActTanh)
    return tanh256(x);
  if constexpr (Act == ActHardSwish) {
    // max/min with the bound first return a NaN of x + 3.
    __m256 t = _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(x, splat(3)));
    return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_min_ps(splat(6), t)),
                         splat(1.0f / 6));
  }
  return x;
}

// Bias and residual of unit or zero stride are vector operands; other
// strides take a scalar loop before (bias) or after (residual). Full
// vectors first, then one masked tail.
template <int Act>
void epilogueBlock(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                   int64_t n) {
  int64_t bs = e.biasStride, rcs = e.residualColStride;
  bool vectorBias = e.bias && (bs == 0 || bs == 1);
  bool vectorRes = e.residual && (rcs == 0 || rcs == 1);
  int64_t full = n / 8 * 8;
  __m256i tail = laneMask(n - full);
  // A scalar bias or residual loop runs outside the vector one, so the
  // clamp moves after it.
  bool vectorClamp = e.clamp && !(e.residual && !vectorRes);
  __m256 lo = splat(e.clampMin), hi = splat(e.clampMax);
  for (int64_t r = 0; r < m; ++r, x += ldx) {
    const float *res =
        e.residual ? e.residual + r * e.residualRowStride : nullptr;
    __m256 rowBias = splat(e.rowBias ? e.rowBias[r * e.rowBiasStride] : 0.0f);
    if (e.bias && !vectorBias)
      for (int64_t j = 0; j < n; ++j)
        x[j] += e.bias[j * bs];
    auto step = [&](int64_t j, auto load, auto store) {
      __m256 v = load(x + j);
      if (e.rowBias)
        v = _mm256_add_ps(v, rowBias);
      if (vectorBias)
        v = _mm256_add_ps(v, bs ? load(e.bias + j) : splat(*e.bias));
      v = activate<Act>(v);
      if (vectorRes)
        v = _mm256_add_ps(v, rcs ? load(res + j) : splat(*res));
      // max/min return their second operand when one is NaN: NaN stays.
      if (vectorClamp)
        v = _mm256_min_ps(hi, _mm256_max_ps(lo, v));
      store(x + j, v);
    };
    for (int64_t j = 0; j < full; j += 8)
      step(
          j, [](const float *p) { return _mm256_loadu_ps(p); },
          [](float *p, __m256 v) { _mm256_storeu_ps(p, v); });
    if (full < n)
      step(
          full, [&](const float *p) { return _mm256_maskload_ps(p, tail); },
          [&](float *p, __m256 v) { _mm256_maskstore_ps(p, tail, v); });
    if (res && !vectorRes)
      for (int64_t j = 0; j < n; ++j)
        x[j] += res[j * rcs];
    if (e.clamp && !vectorClamp)
      for (int64_t j = 0; j < n; ++j) {
        x[j] = x[j] < e.clampMin ? e.clampMin : x[j];
        x[j] = x[j] > e.clampMax ? e.clampMax : x[j];
      }
  }
}

} // namespace

void applyEpilogueAvx2(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                       int64_t n) {
  dispatchActivation(e.activation, [&](auto act) {
    epilogueBlock<decltype(act)::value>(e, x, ldx, m, n);
  });
}

__m256 activateAvx2(int act, __m256 x) {
  dispatchActivation(act, [&](auto a) { x = activate<decltype(a)::value>(x); });
  return x;
}

} // namespace tessera
