// The AVX-512 GEMM micro-kernel (MR x 32 accumulators held in zmm
// registers) and the activations of its fused epilogue.
// This file alone is compiled with -mavx512f -mfma; it includes no C++
// library headers so that no AVX-512 copy of an inline function can leak
// into code that runs on older CPUs.
#include "cpu/Activations.h"
#include "cpu/ExpAvx512.h"
#include "cpu/GemmKernels.h"

#include <immintrin.h>

namespace tessera {

void gemmMicroKernelAvx512(int64_t kc, const float *__restrict Ap,
                           const float *__restrict Bp, float *C, int64_t ldc,
                           int m, int n, bool overwrite,
                           const TileStore *store) {
  constexpr int MR = gemmMR;
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
    c0[r] = c1[r] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(Bp);
    __m512 b1 = _mm512_load_ps(Bp + 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      __m512 a = _mm512_set1_ps(Ap[r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
    Ap += MR;
    Bp += gemmNR;
  }
  // The row bias (rows past m add 0) and the clamp; max/min return their
  // second operand on NaN, so NaN stays.
  auto finish = [&](int r, int half, __m512 x, __mmask16 mask) {
    if (!store)
      return x;
    if (store->rowBias && r < m)
      x = _mm512_add_ps(
          x, _mm512_set1_ps(store->rowBias[r * store->rowBiasStride]));
    if (store->residual)
      x = _mm512_add_ps(
          x,
          _mm512_maskz_loadu_ps(
              mask, store->residual + r * store->residualStride + 16 * half));
    if (store->clamp)
      x = _mm512_min_ps(_mm512_set1_ps(store->hi),
                        _mm512_max_ps(_mm512_set1_ps(store->lo), x));
    return x;
  };
  if (m == MR && n == gemmNR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      float *row = C + r * ldc;
      if (!overwrite) {
        c0[r] = _mm512_add_ps(_mm512_loadu_ps(row), c0[r]);
        c1[r] = _mm512_add_ps(_mm512_loadu_ps(row + 16), c1[r]);
      }
      _mm512_storeu_ps(row, finish(r, 0, c0[r], 0xffff));
      _mm512_storeu_ps(row + 16, finish(r, 1, c1[r], 0xffff));
    }
    return;
  }
  __mmask16 mask0 = n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1);
  __mmask16 mask1 = n >= 32   ? 0xffff
                    : n > 16 ? (__mmask16)((1u << (n - 16)) - 1)
                             : 0;
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    if (r >= m)
      break;
    float *row = C + r * ldc;
    if (!overwrite) {
      c0[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(mask0, row), c0[r]);
      c1[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(mask1, row + 16), c1[r]);
    }
    _mm512_mask_storeu_ps(row, mask0, finish(r, 0, c0[r], mask0));
    _mm512_mask_storeu_ps(row + 16, mask1, finish(r, 1, c1[r], mask1));
  }
}

namespace {


// M rows, 64 columns at a time, B streamed straight from memory.
template <int M>
void smallM(int64_t n, int64_t k, const float *A, int64_t lda, int64_t acs,
            const float *B, int64_t ldb, float *C, int64_t ldc,
            bool overwrite) {
  for (int64_t j = 0; j < n; j += 64) {
    __mmask16 mask[4];
    for (int q = 0; q < 4; ++q)
      mask[q] = tailMask(n - j - 16 * q);
    __m512 acc[M][4];
#pragma GCC unroll 4
    for (int r = 0; r < M; ++r)
      for (int q = 0; q < 4; ++q)
        acc[r][q] = _mm512_setzero_ps();
    const float *b = B + j;
    for (int64_t kk = 0; kk < k; ++kk, b += ldb) {
      __m512 bq[4];
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q)
        bq[q] = _mm512_maskz_loadu_ps(mask[q], b + 16 * q);
#pragma GCC unroll 4
      for (int r = 0; r < M; ++r) {
        __m512 a = _mm512_set1_ps(A[r * lda + kk * acs]);
#pragma GCC unroll 4
        for (int q = 0; q < 4; ++q)
          acc[r][q] = _mm512_fmadd_ps(a, bq[q], acc[r][q]);
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q) {
        float *c = C + r * ldc + j + 16 * q;
        if (!overwrite)
          acc[r][q] =
              _mm512_add_ps(_mm512_maskz_loadu_ps(mask[q], c), acc[r][q]);
        _mm512_mask_storeu_ps(c, mask[q], acc[r][q]);
      }
  }
}

} // namespace

void gemmPackBAvx512(const float *B, int64_t ldb, int64_t kc, int n,
                     float *Bp) {
  __mmask16 mask0 = tailMask(n), mask1 = tailMask(n - 16);
  for (int64_t k = 0; k < kc; ++k, B += ldb, Bp += gemmNR) {
    _mm512_store_ps(Bp, _mm512_maskz_loadu_ps(mask0, B));
    _mm512_store_ps(Bp + 16, _mm512_maskz_loadu_ps(mask1, B + 16));
  }
}

void gemmSmallMAvx512(int m, int64_t n, int64_t k, const float *A,
                      int64_t lda, int64_t acs, const float *B, int64_t ldb,
                      float *C, int64_t ldc, bool overwrite) {
  switch (m) {
  case 1: smallM<1>(n, k, A, lda, acs, B, ldb, C, ldc, overwrite); break;
  case 2: smallM<2>(n, k, A, lda, acs, B, ldb, C, ldc, overwrite); break;
  case 3: smallM<3>(n, k, A, lda, acs, B, ldb, C, ldc, overwrite); break;
  default: smallM<4>(n, k, A, lda, acs, B, ldb, C, ldc, overwrite); break;
  }
}

// ---- Activations (formulas and accuracy: Activations.h) --------------------
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
  // |z| <= 0.9277: 1 + erf(z) = 1 + z + z P(z^2).
  __m512 s = _mm512_mul_ps(z, z);
  __m512 p = splat(-5.96761703e-4f);
  p = _mm512_fmadd_ps(p, s, splat(4.99119423e-3f));
  p = _mm512_fmadd_ps(p, s, splat(-2.67681349e-2f));
  p = _mm512_fmadd_ps(p, s, splat(1.12819925e-1f));
  p = _mm512_fmadd_ps(p, s, splat(-3.76125336e-1f));
  p = _mm512_fmadd_ps(p, s, splat(1.28379166e-1f));
  __m512 small = _mm512_add_ps(splat(1.0f), _mm512_fmadd_ps(p, z, z));
  // Otherwise erfc(|z|) = exp(Q(|z|)), 1 + erf(z) = erfc(|z|) or 2 - erfc(|z|).
  __m512 t = _mm512_min_ps(splat(10.0f), _mm512_abs_ps(z));
  __m512 t2 = _mm512_mul_ps(t, t);
  __m512 q = _mm512_fmadd_ps(splat(-1.72853470e-5f), t, splat(3.83197126e-4f));
  __m512 u = _mm512_fmadd_ps(splat(-3.88396438e-3f), t, splat(2.42546219e-2f));
  q = _mm512_fmadd_ps(q, t2, u);
  q = _mm512_fmadd_ps(q, t, splat(-1.06777877e-1f));
  q = _mm512_fmadd_ps(q, t, splat(-6.34846687e-1f));
  q = _mm512_fmadd_ps(q, t, splat(-1.28717512e-1f));
  q = _mm512_fmadd_ps(q, t, _mm512_sub_ps(_mm512_setzero_ps(), t));
  __m512 tail = exp512(q);
  __mmask16 negative = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
  __m512 large =
      _mm512_mask_blend_ps(negative, _mm512_sub_ps(splat(2.0f), tail), tail);
  __mmask16 isSmall = _mm512_cmp_ps_mask(t, splat(0.927734375f), _CMP_LE_OQ);
  __m512 onePlusErf = _mm512_mask_blend_ps(isSmall, large, small);
  return _mm512_mul_ps(_mm512_mul_ps(splat(0.5f), x), onePlusErf);
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
  return x;
}

// Bias and residual of unit or zero stride are vector operands; other
// strides take a scalar loop before (bias) or after (residual).
template <int Act>
void epilogueBlock(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                   int64_t n) {
  int64_t bs = e.biasStride, rcs = e.residualColStride;
  bool vectorBias = e.bias && (bs == 0 || bs == 1);
  bool vectorRes = e.residual && (rcs == 0 || rcs == 1);
  // A scalar residual loop runs after the vector one, so the clamp moves
  // after it.
  bool vectorClamp = e.clamp && !(e.residual && !vectorRes);
  __m512 lo = splat(e.clampMin), hi = splat(e.clampMax);
  for (int64_t r = 0; r < m; ++r, x += ldx) {
    const float *res =
        e.residual ? e.residual + r * e.residualRowStride : nullptr;
    __m512 rowBias = splat(e.rowBias ? e.rowBias[r * e.rowBiasStride] : 0.0f);
    if (e.bias && !vectorBias)
      for (int64_t j = 0; j < n; ++j)
        x[j] += e.bias[j * bs];
    for (int64_t j = 0; j < n; j += 16) {
      __mmask16 mask = tailMask(n - j);
      __m512 v = _mm512_maskz_loadu_ps(mask, x + j);
      if (e.rowBias)
        v = _mm512_add_ps(v, rowBias);
      if (vectorBias)
        v = _mm512_add_ps(v, bs ? _mm512_maskz_loadu_ps(mask, e.bias + j)
                                : splat(*e.bias));
      v = activate<Act>(v);
      if (vectorRes)
        v = _mm512_add_ps(v, rcs ? _mm512_maskz_loadu_ps(mask, res + j)
                                 : splat(*res));
      // max/min return their second operand when one is NaN: NaN stays.
      if (vectorClamp)
        v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
      _mm512_mask_storeu_ps(x + j, mask, v);
    }
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

void applyEpilogueAvx512(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                         int64_t n) {
  dispatchActivation(e.activation, [&](auto act) {
    epilogueBlock<decltype(act)::value>(e, x, ldx, m, n);
  });
}

} // namespace tessera
