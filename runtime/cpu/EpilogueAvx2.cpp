// The linear layer's epilogue, act(x + bias) + residual, for x86-64 CPUs with
// AVX2 and FMA but without AVX-512: the formulas of the AVX-512 version
// (GemmAvx512.cpp; accuracy in Activations.h) on 8-float vectors. Written
// with intrinsics because compilers leave the portable loops (Gemm.cpp)
// scalar: the erf and exp polynomials behind selects and integer exponent
// arithmetic (measured: the gelu epilogue of a 50x768x3072 linear layer took
// longer than its GEMM).
// This file alone is compiled with -mavx2 -mfma; like GemmAvx2.cpp it
// includes no C++ library headers and calls no inline function of another
// file but ActivationsAvx2.h's (themselves marked for AVX2), so no AVX2
// copy of one can leak into code that runs on older CPUs.
#include "cpu/ActivationsAvx2.h"
#include "cpu/SimdAvx2.h"

#include <immintrin.h>

namespace tessera {
namespace {

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
  __m256 lo = _mm256_set1_ps(e.clampMin), hi = _mm256_set1_ps(e.clampMax);
  for (int64_t r = 0; r < m; ++r, x += ldx) {
    const float *res =
        e.residual ? e.residual + r * e.residualRowStride : nullptr;
    __m256 rowBias =
        _mm256_set1_ps(e.rowBias ? e.rowBias[r * e.rowBiasStride] : 0.0f);
    if (e.bias && !vectorBias)
      for (int64_t j = 0; j < n; ++j)
        x[j] += e.bias[j * bs];
    auto step = [&](int64_t j, auto load, auto store) {
      __m256 v = load(x + j);
      if (e.rowBias)
        v = _mm256_add_ps(v, rowBias);
      if (vectorBias)
        v = _mm256_add_ps(v, bs ? load(e.bias + j) : _mm256_set1_ps(*e.bias));
      v = avx2::activate<Act>(v);
      if (vectorRes)
        v = _mm256_add_ps(v, rcs ? load(res + j) : _mm256_set1_ps(*res));
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

} // namespace tessera
