// The AVX-512 GEMM micro-kernel (MR x 32 accumulators held in zmm
// registers) and the activations of its fused epilogue.
// This file alone is compiled with -mavx512f -mfma; it includes no C++
// library headers so that no AVX-512 copy of an inline function can leak
// into code that runs on older CPUs.
#include "cpu/EpilogueAvx512.h"
#include "cpu/GemmKernels.h"

#include <immintrin.h>

namespace tessera {
namespace {

/// The tile's first R rows (R = MR, or the m <= 4 rows of the last panel of
/// an M that is no multiple of MR: ViT-B/32's 50 rows end in a panel of 2,
/// whose 6 padding rows were a tenth of its FMAs).
/// With Rows, A is read in place: `rows` (R of them, unit column stride)
/// instead of a packed panel Ap[k*MR + r].
template <int R, bool Rows = false>
void microKernel(int64_t kc, const float *__restrict Ap,
                 const float *__restrict Bp, float *C, int64_t ldc, int m,
                 int n, bool overwrite, const TileStore *store, Prefetch pf,
                 const float *const *rows = nullptr) {
  constexpr int MR = gemmMR;
  const float *rp[R];
  if constexpr (Rows)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      rp[r] = rows[r];
  // Independent chains of multiply-adds: 2 per row, and with 1 or 2 rows
  // the taps k mod S in S sets, added up at the end (2 chains could not
  // hide the FMA's latency: the GEMVs of an LSTM's steps).
  constexpr int S = R == 1 ? 4 : R == 2 ? 2 : 1;
  __m512 c0[S][R], c1[S][R];
#pragma GCC unroll 4
  for (int q = 0; q < S; ++q)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
      c0[q][r] = c1[q][r] = _mm512_setzero_ps();
  int64_t k = 0;
  auto step = [&](int q) {
    if (k < pf.lines)
      _mm_prefetch(pf.at + 64 * k, _MM_HINT_T0);
    __m512 b0 = _mm512_load_ps(Bp);
    __m512 b1 = _mm512_load_ps(Bp + 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      __m512 a = _mm512_set1_ps(Rows ? rp[r][k] : Ap[r]);
      c0[q][r] = _mm512_fmadd_ps(a, b0, c0[q][r]);
      c1[q][r] = _mm512_fmadd_ps(a, b1, c1[q][r]);
    }
    if constexpr (!Rows)
      Ap += MR;
    Bp += gemmNR;
    ++k;
  };
  if constexpr (S > 1)
    while (k + S <= kc)
#pragma GCC unroll 4
      for (int q = 0; q < S; ++q)
        step(q);
#pragma GCC unroll 2
  while (k < kc)
    step(0);
#pragma GCC unroll 4
  for (int q = 1; q < S; ++q)
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      c0[0][r] = _mm512_add_ps(c0[0][r], c0[q][r]);
      c1[0][r] = _mm512_add_ps(c1[0][r], c1[q][r]);
    }
  __m512(&c0r)[R] = c0[0];
  __m512(&c1r)[R] = c1[0];
  // The row bias (rows past m add 0) and the clamp; max/min return their
  // second operand on NaN, so NaN stays.
  auto finish = [&](int r, int half, __m512 x, __mmask16 mask) {
    if (!store)
      return x;
    if (store->rowBias && r < m)
      x = _mm512_add_ps(
          x, _mm512_set1_ps(store->rowBias[r * store->rowBiasStride]));
    if (store->bias)
      x = _mm512_add_ps(
          x, store->biasStride
                 ? _mm512_maskz_loadu_ps(mask, store->bias + 16 * half)
                 : _mm512_set1_ps(*store->bias));
    if (store->activation != ActNone)
      x = activateAny(store->activation, x);
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
  if (R == MR && m == MR && n == gemmNR) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      float *row = C + r * ldc;
      if (!overwrite) {
        c0r[r] = _mm512_add_ps(_mm512_loadu_ps(row), c0r[r]);
        c1r[r] = _mm512_add_ps(_mm512_loadu_ps(row + 16), c1r[r]);
      }
      _mm512_storeu_ps(row, finish(r, 0, c0r[r], 0xffff));
      _mm512_storeu_ps(row + 16, finish(r, 1, c1r[r], 0xffff));
    }
    return;
  }
  __mmask16 mask0 = n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1);
  __mmask16 mask1 = n >= 32   ? 0xffff
                    : n > 16 ? (__mmask16)((1u << (n - 16)) - 1)
                             : 0;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    if (r >= m)
      break;
    float *row = C + r * ldc;
    if (!overwrite) {
      c0r[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(mask0, row), c0r[r]);
      c1r[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(mask1, row + 16), c1r[r]);
    }
    _mm512_mask_storeu_ps(row, mask0, finish(r, 0, c0r[r], mask0));
    _mm512_mask_storeu_ps(row + 16, mask1, finish(r, 1, c1r[r], mask1));
  }
}

/// The kernel for a tile of m rows: R = m up to 4, else MR.
template <bool Rows>
void microKernelFor(int64_t kc, const float *Ap, const float *const *rows,
                    const float *Bp, float *C, int64_t ldc, int m, int n,
                    bool overwrite, const TileStore *store, Prefetch pf) {
  switch (m < gemmMR ? m : gemmMR) {
  case 1:
    return microKernel<1, Rows>(kc, Ap, Bp, C, ldc, m, n, overwrite, store, pf,
                                rows);
  case 2:
    return microKernel<2, Rows>(kc, Ap, Bp, C, ldc, m, n, overwrite, store, pf,
                                rows);
  case 3:
    return microKernel<3, Rows>(kc, Ap, Bp, C, ldc, m, n, overwrite, store, pf,
                                rows);
  case 4:
    return microKernel<4, Rows>(kc, Ap, Bp, C, ldc, m, n, overwrite, store, pf,
                                rows);
  default:
    return microKernel<gemmMR, Rows>(kc, Ap, Bp, C, ldc, m, n, overwrite, store,
                                     pf, rows);
  }
}

} // namespace

void gemmMicroKernelRowsAvx512(int64_t kc, const float *const *rows,
                               const float *__restrict Bp, float *C,
                               int64_t ldc, int m, int n, bool overwrite,
                               const TileStore *store, Prefetch pf) {
  microKernelFor<true>(kc, nullptr, rows, Bp, C, ldc, m, n, overwrite, store,
                       pf);
}

void gemmMicroKernelAvx512(int64_t kc, const float *__restrict Ap,
                           const float *__restrict Bp, float *C, int64_t ldc,
                           int m, int n, bool overwrite, const TileStore *store,
                           Prefetch pf) {
  microKernelFor<false>(kc, Ap, nullptr, Bp, C, ldc, m, n, overwrite, store,
                        pf);
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

namespace {

// Bias and residual of unit or zero stride are vector operands; other
// strides take a scalar loop before (bias) or after (residual).
template <int Act>
void epilogueBlock(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                   int64_t n) {
  int64_t bs = e.biasStride, rcs = e.residualColStride;
  bool vectorBias = e.bias && (bs == 0 || bs == 1);
  bool vectorRes = e.residual && (rcs == 0 || rcs == 1);
  // The part of the epilogue done on vectors. A scalar residual loop runs
  // after the vector one, so the clamp moves after it.
  Epilogue v = e;
  v.bias = vectorBias ? e.bias : nullptr;
  v.residual = vectorRes ? e.residual : nullptr;
  v.clamp = e.clamp && !(e.residual && !vectorRes);
  for (int64_t r = 0; r < m; ++r, x += ldx) {
    if (e.bias && !vectorBias)
      for (int64_t j = 0; j < n; ++j)
        x[j] += e.bias[j * bs];
    for (int64_t j = 0; j < n; j += 16) {
      __mmask16 mask = tailMask(n - j);
      _mm512_mask_storeu_ps(
          x + j, mask,
          epilogueVector<Act>(v, _mm512_maskz_loadu_ps(mask, x + j), r, j,
                              mask));
    }
    const float *res =
        e.residual ? e.residual + r * e.residualRowStride : nullptr;
    if (res && !vectorRes)
      for (int64_t j = 0; j < n; ++j)
        x[j] += res[j * rcs];
    if (e.clamp && !v.clamp)
      for (int64_t j = 0; j < n; ++j) {
        x[j] = x[j] < e.clampMin ? e.clampMin : x[j];
        x[j] = x[j] > e.clampMax ? e.clampMax : x[j];
      }
  }
}

/// epilogueBlock with what it applies fixed at compile time: a row bias, a
/// unit-stride bias, a unit-stride residual, a clamp (each or not); full
/// vectors unmasked, a masked one ending each row. The general loop tests
/// each operand per vector (reloading the flags: stores through x may
/// alias them): a ReLU over a depthwise conv's rows in L1 took ~5 cycles
/// per vector.
template <int Act, bool RowBias, bool Bias, bool Res, bool Clamp>
void epilogueRows(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                  int64_t n) {
  const float *bias = e.bias, *res = e.residual;
  const int64_t resRow = e.residualRowStride, rowBiasStride = e.rowBiasStride;
  const float *rowBias = e.rowBias;
  const __m512 lo = splat(e.clampMin), hi = splat(e.clampMax);
  for (int64_t r = 0; r < m; ++r, x += ldx, res += Res ? resRow : 0) {
    __m512 rb = RowBias ? splat(rowBias[r * rowBiasStride]) : __m512();
    auto one = [&](__m512 v, int64_t j, __mmask16 mask) {
      if (RowBias)
        v = _mm512_add_ps(v, rb);
      if (Bias)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias + j));
      v = activate<Act>(v);
      if (Res)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, res + j));
      if (Clamp)
        v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
      return v;
    };
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
      _mm512_storeu_ps(x + j, one(_mm512_loadu_ps(x + j), j, 0xffff));
    if (j < n) {
      __mmask16 mask = tailMask(n - j);
      _mm512_mask_storeu_ps(x + j, mask,
                            one(_mm512_maskz_loadu_ps(mask, x + j), j, mask));
    }
  }
}

template <int Act, bool... Known>
void epilogueDispatch(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                      int64_t n) {
  constexpr size_t known = sizeof...(Known);
  if constexpr (known == 4) {
    epilogueRows<Act, Known...>(e, x, ldx, m, n);
  } else {
    bool flag = known == 0   ? e.rowBias != nullptr
                : known == 1 ? e.bias != nullptr
                : known == 2 ? e.residual != nullptr
                             : e.clamp;
    if (flag)
      epilogueDispatch<Act, Known..., true>(e, x, ldx, m, n);
    else
      epilogueDispatch<Act, Known..., false>(e, x, ldx, m, n);
  }
}

} // namespace

void applyEpilogueAvx512(const Epilogue &e, float *x, int64_t ldx, int64_t m,
                         int64_t n) {
  // Unit-stride (or absent) bias and residual: the specialized rows.
  bool unit = (!e.bias || e.biasStride == 1) &&
              (!e.residual || e.residualColStride == 1);
  dispatchActivation(e.activation, [&](auto act) {
    if (unit)
      epilogueDispatch<decltype(act)::value>(e, x, ldx, m, n);
    else
      epilogueBlock<decltype(act)::value>(e, x, ldx, m, n);
  });
}

} // namespace tessera
