// The Mamba kernels' AVX2 + FMA steps (SsmKernels.h): the AVX-512 ones of
// Ssm.cpp on 8-float vectors. A function-level target rather than -mavx2
// for the file, as in Ssm.cpp: no AVX2 copy of an inline library function
// may leak into code that runs on older CPUs.
#if defined(__x86_64__)
#include "cpu/ExpAvx2.h"
#include "cpu/SimdAvx2.h"
#include "cpu/SsmKernels.h"

#include <immintrin.h>

#define TESSERA_AVX2 __attribute__((target("avx2,fma")))

namespace tessera {
namespace {

constexpr int lanes = ssmLanes;

// The AVX-512 kernels' steps on 8-float vectors, each 16-lane block as two
// halves (AVX2 CPUs ran the portable loops: a libm exp per state, step and
// channel).

// log512's Cephes logf, the exponent and mantissa taken from the bits.
TESSERA_AVX2 inline __m256 log256(__m256 x) {
  __m256i bits = _mm256_castps_si256(x);
  __m256 e = _mm256_cvtepi32_ps(
      _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                      _mm256_set1_epi32(0x3f800000)));
  __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
  e = _mm256_blendv_ps(e, _mm256_add_ps(e, _mm256_set1_ps(1.0f)), big);
  __m256 f = _mm256_sub_ps(m, _mm256_set1_ps(1.0f)), z = _mm256_mul_ps(f, f);
  __m256 p = _mm256_set1_ps(7.0376836292e-2f);
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.1514610310e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.1676998740e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.2420140846e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.4249322787e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-1.6668057665e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(2.0000714765e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(-2.4999993993e-1f));
  p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(3.3333331174e-1f));
  __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(_mm256_set1_ps(0.5f), z, y);
  return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), _mm256_add_ps(f, y));
}

// softplus512's formula.
TESSERA_AVX2 inline __m256 softplus256(__m256 x) {
  __m256 u = exp256(x), w = _mm256_add_ps(_mm256_set1_ps(1.0f), u);
  __m256 wm1 = _mm256_sub_ps(w, _mm256_set1_ps(1.0f));
  __m256 r = _mm256_mul_ps(log256(w), _mm256_div_ps(u, wm1));
  r = _mm256_blendv_ps(r, u,
                       _mm256_cmp_ps(wm1, _mm256_setzero_ps(), _CMP_EQ_OQ));
  return _mm256_blendv_ps(r, x,
                          _mm256_cmp_ps(x, _mm256_set1_ps(20.0f), _CMP_GT_OQ));
}

TESSERA_AVX2 void prepAvx2(int tc, int width, float *dt, float *x, float *y,
                           const float *bias, const float *dskip,
                           bool softplus) {
  for (int c = 0; c < width; c += 8) {
    __m256 vb = bias ? _mm256_load_ps(bias + c) : _mm256_setzero_ps();
    __m256 vd = dskip ? _mm256_load_ps(dskip + c) : _mm256_setzero_ps();
    for (int i = c; i < tc * width; i += width) {
      __m256 d = _mm256_add_ps(_mm256_load_ps(dt + i), vb);
      if (softplus)
        d = softplus256(d);
      __m256 xv = _mm256_load_ps(x + i);
      _mm256_store_ps(dt + i, d);
      _mm256_store_ps(y + i,
                      dskip ? _mm256_mul_ps(vd, xv) : _mm256_setzero_ps());
      _mm256_store_ps(x + i, _mm256_mul_ps(d, xv));
    }
  }
}

// scanStates for the 8 lanes from `half` * 8 on: states n0..n0+NB-1 in
// registers (A read from L1: their decays would take the registers).
template <int NB, bool BVec, bool CVec>
TESSERA_AVX2 void scanStates8(const ScanTile &s, int64_t n0, int half) {
  const int o = 8 * half;
  __m256 h[NB];
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
    h[j] = _mm256_load_ps(s.h + (n0 + j) * lanes + o);
  const float *brow = s.B + n0, *crow = s.C + n0;
  for (int t = 0; t < s.tc; ++t, brow += s.ldb, crow += s.ldc) {
    __m256 dt = _mm256_load_ps(s.dt + t * s.ld + o);
    __m256 dtx = _mm256_load_ps(s.dtx + t * s.ld + o);
    __m256 y0 = _mm256_setzero_ps(), y1 = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < NB; ++j) {
      __m256 b = BVec ? _mm256_load_ps(s.B + (n0 + j) * lanes + o)
                      : _mm256_set1_ps(brow[j]);
      __m256 c = CVec ? _mm256_load_ps(s.C + (n0 + j) * lanes + o)
                      : _mm256_set1_ps(crow[j]);
      __m256 a = _mm256_load_ps(s.A + (n0 + j) * lanes + o);
      __m256 decay = exp256(_mm256_mul_ps(dt, a));
      h[j] = _mm256_fmadd_ps(decay, h[j], _mm256_mul_ps(dtx, b));
      if (j % 2)
        y1 = _mm256_fmadd_ps(h[j], c, y1);
      else
        y0 = _mm256_fmadd_ps(h[j], c, y0);
    }
    float *y = s.y + t * s.ld + o;
    _mm256_store_ps(y, _mm256_add_ps(_mm256_load_ps(y), _mm256_add_ps(y0, y1)));
  }
#pragma GCC unroll 8
  for (int j = 0; j < NB; ++j)
    _mm256_store_ps(s.h + (n0 + j) * lanes + o, h[j]);
}

template <bool BVec, bool CVec>
TESSERA_AVX2 void scanAll8(const ScanTile &s, int64_t N) {
  for (int half = 0; half < 2; ++half) {
    int64_t n = 0;
    for (; n + 8 <= N; n += 8)
      scanStates8<8, BVec, CVec>(s, n, half);
    if (n + 4 <= N) {
      scanStates8<4, BVec, CVec>(s, n, half);
      n += 4;
    }
    if (n + 2 <= N) {
      scanStates8<2, BVec, CVec>(s, n, half);
      n += 2;
    }
    if (n < N)
      scanStates8<1, BVec, CVec>(s, n, half);
  }
}

TESSERA_AVX2 void scanAvx2(const ScanTile &s, int64_t N, bool bPerChannel,
                           bool cPerChannel) {
  if (bPerChannel)
    cPerChannel ? scanAll8<true, true>(s, N) : scanAll8<true, false>(s, N);
  else
    cPerChannel ? scanAll8<false, true>(s, N) : scanAll8<false, false>(s, N);
}

TESSERA_AVX2 void convRowAvx2(const float *x, int64_t lo, int tt,
                              const float *w, int64_t K, int64_t dilation,
                              float bias, float *out) {
  for (int t = 0; t < tt; t += 8) {
    __m256i valid = laneMask(tt - t);
    __m256 acc = _mm256_set1_ps(bias);
    for (int64_t k = 0; k < K; ++k) {
      int64_t src = t - (K - 1 - k) * dilation;
      // Lanes l with src + l < lo read 0 (causal padding).
      __m256i m =
          src >= lo ? valid : _mm256_andnot_si256(laneMask(lo - src), valid);
      if (!_mm256_testz_si256(m, m))
        acc = _mm256_fmadd_ps(_mm256_set1_ps(w[k]),
                              _mm256_maskload_ps(x + src, m), acc);
    }
    _mm256_maskstore_ps(out + t, valid, acc);
  }
}

TESSERA_AVX2 void convChannelsAvx2(const float *x, int64_t ldt, int cols,
                                   int width, int64_t lo, int tt,
                                   const float *wT, int64_t K, int64_t dilation,
                                   const float *bias, float *out) {
  for (int t = 0; t < tt; ++t)
    for (int c = 0; c < width; c += 8) {
      __m256i m = laneMask(cols - c);
      bool any = c < cols;
      __m256 acc = _mm256_load_ps(bias + c);
      for (int64_t k = 0; k < K; ++k) {
        int64_t src = t - (K - 1 - k) * dilation;
        if (src >= lo && any)
          acc = _mm256_fmadd_ps(_mm256_load_ps(wT + k * width + c),
                                _mm256_maskload_ps(x + src * ldt + c, m), acc);
      }
      _mm256_store_ps(out + t * width + c, acc);
    }
}

} // namespace

const ScanKernels scanAvx2Kernels = {prepAvx2, scanAvx2};
const ConvKernels convAvx2Kernels = {convRowAvx2, convChannelsAvx2};

} // namespace tessera

#endif // __x86_64__
