// The fused attention kernel's AVX2 + FMA steps (AttentionKernels.h). A
// function-level target rather than -mavx2 for the file, as in
// Attention.cpp: no AVX2 copy of an inline library function (std::min) may
// leak into code that runs on older CPUs.
#if defined(__x86_64__)
#include "cpu/AttentionKernels.h"
#include "cpu/ExpAvx2.h"

#include <algorithm>
#include <cmath>
#include <immintrin.h>

#define TESSERA_AVX2 __attribute__((target("avx2,fma")))

namespace tessera {
namespace {

constexpr float negInf = -INFINITY;

// scores and pv in register blocks of 12 accumulators, the AVX2 GEMM's 6x16
// block: two query vectors (16 lanes) times 6 keys (scores) or output
// features (pv). Compilers left the portable loops load- and store-bound
// (measured on a Zen 2: with them, attention took a fifth of a ViT-S/16).
// A short last key block recomputes its last key instead of reading past the
// tile.
constexpr int avx2Rows = 6;

template <int BQ, int KR>
TESSERA_AVX2 inline void scoresBlockAvx2(const float *QT, const float *K,
                                         int64_t ldk, int64_t D, int j0, int bk,
                                         float *ST) {
  const float *rows[KR];
#pragma GCC unroll 8
  for (int x = 0; x < KR; ++x)
    rows[x] = K + std::min(j0 + x, bk - 1) * ldk;
  __m256 acc[KR][2];
#pragma GCC unroll 8
  for (int x = 0; x < KR; ++x)
    acc[x][0] = acc[x][1] = _mm256_setzero_ps();
  for (int64_t d = 0; d < D; ++d) {
    __m256 q0 = _mm256_load_ps(QT + d * BQ),
           q1 = _mm256_load_ps(QT + d * BQ + 8);
#pragma GCC unroll 8
    for (int x = 0; x < KR; ++x) {
      __m256 k = _mm256_broadcast_ss(rows[x] + d);
      acc[x][0] = _mm256_fmadd_ps(k, q0, acc[x][0]);
      acc[x][1] = _mm256_fmadd_ps(k, q1, acc[x][1]);
    }
  }
  int n = std::min(KR, bk - j0);
#pragma GCC unroll 8
  for (int x = 0; x < KR; ++x)
    if (x < n) {
      _mm256_store_ps(ST + (j0 + x) * BQ, acc[x][0]);
      _mm256_store_ps(ST + (j0 + x) * BQ + 8, acc[x][1]);
    }
}

template <int BQ>
TESSERA_AVX2 void scoresAvx2(const float *QT, const float *K, int64_t ldk,
                             int64_t D, int bk, int firstVec, float *ST) {
  for (int c = 16 * firstVec; c < BQ; c += 16)
    for (int j0 = 0; j0 < bk; j0 += avx2Rows)
      scoresBlockAvx2<BQ, avx2Rows>(QT + c, K, ldk, D, j0, bk, ST + c);
}

// DR output features x 16 query lanes (P, alpha and OT start at the lanes).
template <int BQ, int DR>
TESSERA_AVX2 inline void pvBlockAvx2(const float *P, const float *V,
                                     int64_t ldv, int bk, const float *alpha,
                                     float *OT) {
  __m256 acc[DR][2];
#pragma GCC unroll 8
  for (int x = 0; x < DR; ++x)
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      acc[x][v] = _mm256_load_ps(OT + x * BQ + 8 * v);
      if (alpha)
        acc[x][v] = _mm256_mul_ps(acc[x][v], _mm256_load_ps(alpha + 8 * v));
    }
  for (int j = 0; j < bk; ++j, V += ldv, P += BQ) {
    __m256 p0 = _mm256_load_ps(P), p1 = _mm256_load_ps(P + 8);
#pragma GCC unroll 8
    for (int x = 0; x < DR; ++x) {
      __m256 b = _mm256_broadcast_ss(V + x);
      acc[x][0] = _mm256_fmadd_ps(b, p0, acc[x][0]);
      acc[x][1] = _mm256_fmadd_ps(b, p1, acc[x][1]);
    }
  }
#pragma GCC unroll 8
  for (int x = 0; x < DR; ++x) {
    _mm256_store_ps(OT + x * BQ, acc[x][0]);
    _mm256_store_ps(OT + x * BQ + 8, acc[x][1]);
  }
}

template <int BQ>
TESSERA_AVX2 void pvAvx2(const float *P, const float *V, int64_t ldv,
                         int64_t Dv, int bk, int firstVec, const float *alpha,
                         float *OT) {
  for (int c = 16 * firstVec; c < BQ; c += 16) {
    const float *a = alpha ? alpha + c : nullptr;
    int64_t dv = 0;
    for (; dv + avx2Rows <= Dv; dv += avx2Rows)
      pvBlockAvx2<BQ, avx2Rows>(P + c, V + dv, ldv, bk, a, OT + dv * BQ + c);
    if (Dv - dv >= 4) {
      pvBlockAvx2<BQ, 4>(P + c, V + dv, ldv, bk, a, OT + dv * BQ + c);
      dv += 4;
    }
    if (Dv - dv >= 2) {
      pvBlockAvx2<BQ, 2>(P + c, V + dv, ldv, bk, a, OT + dv * BQ + c);
      dv += 2;
    }
    if (dv < Dv)
      pvBlockAvx2<BQ, 1>(P + c, V + dv, ldv, bk, a, OT + dv * BQ + c);
  }
}

// e^x for x <= 0, exactly 0 below -86 (exp256 stops there): a masked
// score's probability is 0, so a row masked everywhere gets NaN, as the
// reference softmax does. NaN stays (the unordered compare keeps it).
TESSERA_AVX2 inline __m256 expNonPositive(__m256 x) {
  return _mm256_and_ps(exp256(x),
                       _mm256_cmp_ps(x, _mm256_set1_ps(-86.0f), _CMP_NLT_UQ));
}

// Attention.cpp's softmaxAvx512 on 8-lane vectors. The portable loops it
// replaces vectorized poorly (scalar maxima, the causal mask through
// 64-bit compares and masked moves): a third of the fused kernel's time, 8
// heads of 64 at S = 256, 1 thread.
template <int BQ>
TESSERA_AVX2 void softmaxAvx2(float *ST, int bk, float scale,
                              const float *keyBias, const float *tileBias,
                              int64_t diag, float *m, float *l, float *alpha) {
  const __m256 vScale = _mm256_set1_ps(scale), vNegInf = _mm256_set1_ps(negInf);
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  bool causal = diag < bk - 1;
  for (int v = 0; v < BQ / 8; ++v) {
    float *col = ST + 8 * v;
    __m256 mt = vNegInf;
    for (int j = 0; j < bk; ++j) {
      __m256 bias = tileBias  ? _mm256_load_ps(tileBias + j * BQ + 8 * v)
                    : keyBias ? _mm256_set1_ps(keyBias[j])
                              : _mm256_setzero_ps();
      __m256 s = _mm256_fmadd_ps(_mm256_load_ps(col + j * BQ), vScale, bias);
      if (causal) {
        // Lane r (query 8v + r of the tile) sees key j iff j <= r + diag.
        __m256i hidden = _mm256_cmpgt_epi32(
            _mm256_set1_epi32((int)std::max<int64_t>(j - diag, -1)),
            _mm256_add_epi32(iota, _mm256_set1_epi32(8 * v)));
        s = _mm256_blendv_ps(s, vNegInf, _mm256_castsi256_ps(hidden));
      }
      _mm256_store_ps(col + j * BQ, s);
      mt = _mm256_max_ps(mt, s);
    }
    __m256 mOld = _mm256_load_ps(m + 8 * v);
    __m256 mNew = _mm256_max_ps(mOld, mt);
    // See softmaxPortable: subtract 0 while the whole row is still -inf.
    __m256 mUse = _mm256_blendv_ps(mNew, _mm256_setzero_ps(),
                                   _mm256_cmp_ps(mNew, vNegInf, _CMP_EQ_OQ));
    __m256 a = expNonPositive(_mm256_sub_ps(mOld, mUse));
    __m256 sum0 = _mm256_mul_ps(_mm256_load_ps(l + 8 * v), a);
    __m256 sum1 = _mm256_setzero_ps();
    int j = 0;
    // Two partial sums so that consecutive exps do not wait on one add chain.
    for (; j + 1 < bk; j += 2) {
      __m256 p0 =
          expNonPositive(_mm256_sub_ps(_mm256_load_ps(col + j * BQ), mUse));
      __m256 p1 = expNonPositive(
          _mm256_sub_ps(_mm256_load_ps(col + (j + 1) * BQ), mUse));
      _mm256_store_ps(col + j * BQ, p0);
      _mm256_store_ps(col + (j + 1) * BQ, p1);
      sum0 = _mm256_add_ps(sum0, p0);
      sum1 = _mm256_add_ps(sum1, p1);
    }
    if (j < bk) {
      __m256 p =
          expNonPositive(_mm256_sub_ps(_mm256_load_ps(col + j * BQ), mUse));
      _mm256_store_ps(col + j * BQ, p);
      sum0 = _mm256_add_ps(sum0, p);
    }
    _mm256_store_ps(m + 8 * v, mNew);
    _mm256_store_ps(l + 8 * v, _mm256_add_ps(sum0, sum1));
    _mm256_store_ps(alpha + 8 * v, a);
  }
}

} // namespace

const AttentionKernels attentionKernelsAvx2[3] = {
    {16, scoresAvx2<16>, softmaxAvx2<16>, pvAvx2<16>},
    {32, scoresAvx2<32>, softmaxAvx2<32>, pvAvx2<32>},
    {64, scoresAvx2<64>, softmaxAvx2<64>, pvAvx2<64>},
};

} // namespace tessera

#endif // __x86_64__
