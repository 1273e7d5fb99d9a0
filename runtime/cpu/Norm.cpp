// Layer and RMS norms over the rows of a matrix: one pass over each row for
// its statistics, one to write it normalized, the row in L1 in between (the
// linalg lowering takes four loop nests and writes the centered tensor to
// memory: ViT-S/16's 197x384 layer norm took ~35 us in them at 2 threads).
//
// Sums run in 64 lanes, lane l taking columns l, l+64, ..., then the lanes
// added in a fixed order: the same association on every ISA (AVX-512, AVX2,
// portable; none fuses a multiply-add) and thread count (the rows are
// independent), different from the reference's sequential sums by
// reassociation only.
#include "cpu/Support.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <cmath>
#include <vector>

#if defined(__x86_64__)
// Function-level target, as in Attention.cpp: the portable path must stay
// runnable on any x86-64.
#include "cpu/SimdAvx2.h"

#include <immintrin.h>
#define TESSERA_AVX512 __attribute__((target("avx512f,fma")))
#define TESSERA_AVX2 __attribute__((target("avx2")))
#endif

namespace tessera {
namespace {

// Sums run in 4 x 16 lanes (four independent chains hide the add latency).
constexpr int lanes = 16, chains = 4, width = lanes * chains;

struct NormProblem {
  const float *x, *scale, *bias;
  float *y;
  int64_t rows, cols, xRow, yRow;
  float eps;
  bool rms, hasBias;
};

/// Lanes of partial sums -> one sum: the four chains pairwise, then the 16
/// lanes by halves (a tree: a sequential sum of 16 lanes would take longer
/// than the rest of a 384-wide row). The AVX-512 kernel adds its chains the
/// same way.
inline float combine(const float *acc) {
  float v[lanes];
  for (int l = 0; l < lanes; ++l)
    v[l] =
        (acc[l] + acc[lanes + l]) + (acc[2 * lanes + l] + acc[3 * lanes + l]);
  for (int half = lanes / 2; half > 0; half /= 2)
    for (int l = 0; l < half; ++l)
      v[l] += v[l + half];
  return v[0];
}

/// The sum of `v[c]` (or of `(v[c] - shift)^2` when `squares`) over one row
/// with unit stride, column c in lane c % 64.
template <bool Squares>
inline float rowSum(const float *v, int64_t n, float shift) {
  float acc[width] = {};
  int64_t c = 0;
  for (; c + width <= n; c += width)
    for (int l = 0; l < width; ++l) {
      float t = v[c + l] - shift;
      acc[l] += Squares ? t * t : v[c + l];
    }
  for (int l = 0; c + l < n; ++l) {
    float t = v[c + l] - shift;
    acc[l] += Squares ? t * t : v[c + l];
  }
  return combine(acc);
}

/// Rows [r0, r1) of the problem (unit column strides; the scale and bias
/// contiguous too, the driver copies them otherwise).
void normRowsPortable(const NormProblem &p, int64_t r0, int64_t r1) {
  const int64_t n = p.cols;
  const float inv = 1.0f / float(n);
  for (int64_t r = r0; r < r1; ++r) {
    const float *x = p.x + r * p.xRow;
    float *y = p.y + r * p.yRow;
    float mean = p.rms ? 0.0f : rowSum<false>(x, n, 0.0f) * inv;
    float var = rowSum<true>(x, n, mean) * inv;
    float rstd = 1.0f / std::sqrt(var + p.eps);
    for (int64_t c = 0; c < n; ++c) {
      float t = (x[c] - mean) * rstd * p.scale[c];
      y[c] = p.hasBias ? t + p.bias[c] : t;
    }
  }
}

#ifdef TESSERA_AVX512
/// 16 columns from c on (fewer at the row's end: masked, the rest 0).
TESSERA_AVX512 inline __m512 load(const float *v, int64_t c, int64_t n) {
  if (c + lanes <= n)
    return _mm512_loadu_ps(v + c);
  return _mm512_maskz_loadu_ps(__mmask16((1u << (n - c)) - 1), v + c);
}

/// The sum of `v[c]` (or of `(v[c] - shift)^2`), as rowSum.
template <bool Squares>
TESSERA_AVX512 inline __m512 term(const float *v, int64_t c, int64_t n,
                                  __m512 shift) {
  __m512 x = load(v, c, n);
  if (!Squares)
    return x;
  // Lanes past the row's end would hold -shift: masked out of the square.
  __m512 t = _mm512_sub_ps(x, shift);
  if (c + lanes > n)
    t = _mm512_maskz_mov_ps(__mmask16((1u << (n - c)) - 1), t);
  return _mm512_mul_ps(t, t);
}

/// The sum of `v[c]` (or of `(v[c] - shift)^2`), as rowSum: vector k of
/// the row in chain k % 4.
template <bool Squares>
TESSERA_AVX512 float rowSumAvx512(const float *v, int64_t n, float shift) {
  __m512 s = _mm512_set1_ps(shift);
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t c = 0;
  for (; c + width <= n; c += width) {
    a0 = _mm512_add_ps(a0, term<Squares>(v, c, n, s));
    a1 = _mm512_add_ps(a1, term<Squares>(v, c + lanes, n, s));
    a2 = _mm512_add_ps(a2, term<Squares>(v, c + 2 * lanes, n, s));
    a3 = _mm512_add_ps(a3, term<Squares>(v, c + 3 * lanes, n, s));
  }
  if (c < n)
    a0 = _mm512_add_ps(a0, term<Squares>(v, c, n, s));
  if (c + lanes < n)
    a1 = _mm512_add_ps(a1, term<Squares>(v, c + lanes, n, s));
  if (c + 2 * lanes < n)
    a2 = _mm512_add_ps(a2, term<Squares>(v, c + 2 * lanes, n, s));
  if (c + 3 * lanes < n)
    a3 = _mm512_add_ps(a3, term<Squares>(v, c + 3 * lanes, n, s));
  alignas(64) float acc[width];
  _mm512_store_ps(acc, a0);
  _mm512_store_ps(acc + lanes, a1);
  _mm512_store_ps(acc + 2 * lanes, a2);
  _mm512_store_ps(acc + 3 * lanes, a3);
  return combine(acc);
}

TESSERA_AVX512 void normRowsAvx512(const NormProblem &p, int64_t r0,
                                   int64_t r1) {
  // Locals: the stores to y could alias p as far as the compiler knows.
  const int64_t n = p.cols;
  const float inv = 1.0f / float(n);
  const float *scale = p.scale, *bias = p.bias;
  for (int64_t r = r0; r < r1; ++r) {
    const float *x = p.x + r * p.xRow;
    float *y = p.y + r * p.yRow;
    float mean = p.rms ? 0.0f : rowSumAvx512<false>(x, n, 0.0f) * inv;
    float var = rowSumAvx512<true>(x, n, mean) * inv;
    __m512 m = _mm512_set1_ps(mean),
           rstd = _mm512_set1_ps(1.0f / std::sqrt(var + p.eps));
    int64_t c = 0;
    for (; c + lanes <= n; c += lanes) {
      __m512 t = _mm512_mul_ps(
          _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + c), m), rstd),
          _mm512_loadu_ps(scale + c));
      if (bias)
        t = _mm512_add_ps(t, _mm512_loadu_ps(bias + c));
      _mm512_storeu_ps(y + c, t);
    }
    if (c < n) {
      __m512 t =
          _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(load(x, c, n), m), rstd),
                        load(scale, c, n));
      if (bias)
        t = _mm512_add_ps(t, load(bias, c, n));
      _mm512_mask_storeu_ps(y + c, __mmask16((1u << (n - c)) - 1), t);
    }
  }
}
#endif

#ifdef TESSERA_AVX2
/// The first n - c (at most 8) columns from c on, the other lanes 0.
TESSERA_AVX2 inline __m256 load8(const float *v, int64_t c, int64_t n) {
  return loadLanes(v + c, n - c, laneMask(n - c));
}

/// The term of columns [c, c + 8) in rowSumAvx2: v, or (v - shift)^2 with
/// the lanes past the row's end (which would hold -shift) zero.
template <bool Squares>
TESSERA_AVX2 inline __m256 term8(const float *v, int64_t c, int64_t n,
                                 __m256 shift) {
  __m256 x = load8(v, c, n);
  if (!Squares)
    return x;
  __m256 t = _mm256_sub_ps(x, shift);
  if (c + 8 > n)
    t = _mm256_and_ps(t, _mm256_castsi256_ps(laneMask(n - c)));
  return _mm256_mul_ps(t, t);
}

/// rowSum on 8-lane vectors: vector k of each 64 columns holds lanes 8k to
/// 8k + 7, so every lane adds the columns it adds there, in the same order
/// (no fused multiply-add either): the portable and AVX-512 sums bit for
/// bit.
template <bool Squares>
TESSERA_AVX2 float rowSumAvx2(const float *v, int64_t n, float shift) {
  __m256 s = _mm256_set1_ps(shift);
  __m256 a[width / 8];
  for (int k = 0; k < width / 8; ++k)
    a[k] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + width <= n; c += width)
#pragma GCC unroll 8
    for (int k = 0; k < width / 8; ++k)
      a[k] = _mm256_add_ps(a[k], term8<Squares>(v, c + 8 * k, n, s));
  for (int k = 0; k < width / 8 && c + 8 * k < n; ++k)
    a[k] = _mm256_add_ps(a[k], term8<Squares>(v, c + 8 * k, n, s));
  alignas(32) float acc[width];
  for (int k = 0; k < width / 8; ++k)
    _mm256_store_ps(acc + 8 * k, a[k]);
  return combine(acc);
}

TESSERA_AVX2 void normRowsAvx2(const NormProblem &p, int64_t r0, int64_t r1) {
  const int64_t n = p.cols;
  const float inv = 1.0f / float(n);
  const float *scale = p.scale, *bias = p.bias;
  for (int64_t r = r0; r < r1; ++r) {
    const float *x = p.x + r * p.xRow;
    float *y = p.y + r * p.yRow;
    float mean = p.rms ? 0.0f : rowSumAvx2<false>(x, n, 0.0f) * inv;
    float var = rowSumAvx2<true>(x, n, mean) * inv;
    __m256 m = _mm256_set1_ps(mean),
           rstd = _mm256_set1_ps(1.0f / std::sqrt(var + p.eps));
    for (int64_t c = 0; c < n; c += 8) {
      __m256 t =
          _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(load8(x, c, n), m), rstd),
                        load8(scale, c, n));
      if (bias)
        t = _mm256_add_ps(t, load8(bias, c, n));
      storeLanes(y + c, n - c, laneMask(n - c), t);
    }
  }
}
#endif

#ifdef TESSERA_AVX512
// TESSERA_GEMM_ISA=avx2 takes the AVX2 kernel on an AVX-512 CPU too.
const bool useAvx512 = avx512KernelsUsable() && !gemmAvx2Forced();
const bool useAvx2 = !useAvx512 && avx2KernelsUsable();
#else
const bool useAvx512 = false;
#endif
thread_local Scratch scratch;

/// A copy of a strided vector (or the vector itself when contiguous).
const float *contiguous(const float *v, int64_t n, int64_t stride,
                        float *copy) {
  if (stride == 1)
    return v;
  for (int64_t i = 0; i < n; ++i)
    copy[i] = v[i * stride];
  return copy;
}

void runNorm(tessera_memref2d_f32 *x, tessera_memref1d_f32 *scale,
             tessera_memref1d_f32 *bias, tessera_memref2d_f32 *y, float eps,
             bool rms, bool hasBias) {
  NormProblem p;
  p.rows = x->sizes[0];
  p.cols = x->sizes[1];
  if (p.rows <= 0 || p.cols <= 0)
    return;
  p.eps = eps;
  p.rms = rms;
  p.hasBias = hasBias;
  // Scale and bias are read by every row: contiguous copies when strided.
  float *params = scratch.get(2 * p.cols);
  p.scale = contiguous(scale->aligned + scale->offset, p.cols,
                       scale->strides[0], params);
  p.bias = hasBias ? contiguous(bias->aligned + bias->offset, p.cols,
                                bias->strides[0], params + p.cols)
                   : nullptr;
  const float *xData = x->aligned + x->offset;
  float *yData = y->aligned + y->offset;
  if (x->strides[1] != 1 || y->strides[1] != 1) {
    // Strided rows (never produced by the lowering, which collapses a
    // contiguous tensor): one row at a time through a contiguous copy.
    std::vector<float> in(p.cols), out(p.cols);
    NormProblem row = p;
    row.rows = 1;
    row.x = in.data();
    row.y = out.data();
    for (int64_t r = 0; r < p.rows; ++r) {
      for (int64_t c = 0; c < p.cols; ++c)
        in[c] = xData[r * x->strides[0] + c * x->strides[1]];
      normRowsPortable(row, 0, 1);
      for (int64_t c = 0; c < p.cols; ++c)
        yData[r * y->strides[0] + c * y->strides[1]] = out[c];
    }
    return;
  }
  p.x = xData;
  p.y = yData;
  p.xRow = x->strides[0];
  p.yRow = y->strides[0];
#ifdef TESSERA_AVX512
  auto body = useAvx512 ? normRowsAvx512
              : useAvx2 ? normRowsAvx2
                        : normRowsPortable;
#else
  auto body = normRowsPortable;
#endif
  parallelForRows(p.rows, 2 * p.cols, [&](int64_t r) { body(p, r, r + 1); });
}

} // namespace
} // namespace tessera

extern "C" void _mlir_ciface_tessera_layer_norm_f32(tessera_memref2d_f32 *x,
                                                    tessera_memref1d_f32 *scale,
                                                    tessera_memref1d_f32 *bias,
                                                    tessera_memref2d_f32 *y,
                                                    float eps, int64_t flags) {
  tessera::runNorm(x, scale, bias, y, eps, /*rms=*/false,
                   flags & TESSERA_NORM_BIAS);
}

extern "C" void _mlir_ciface_tessera_rms_norm_f32(tessera_memref2d_f32 *x,
                                                  tessera_memref1d_f32 *scale,
                                                  tessera_memref1d_f32 *bias,
                                                  tessera_memref2d_f32 *y,
                                                  float eps, int64_t flags) {
  tessera::runNorm(x, scale, bias, y, eps, /*rms=*/true,
                   flags & TESSERA_NORM_BIAS);
}
