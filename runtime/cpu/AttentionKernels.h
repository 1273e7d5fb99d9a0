// The fused attention kernel's per-tile steps (Attention.cpp drives them;
// AttentionAvx2.cpp has the AVX2 ones).
#ifndef TESSERA_RUNTIME_ATTENTIONKERNELS_H
#define TESSERA_RUNTIME_ATTENTIONKERNELS_H

#include <cstdint>

namespace tessera {

// The three steps of one key tile, on BQ = 16, 32 or 64 query lanes:
//   scores:  ST[j][r] = sum_d K[j*ldk + d] * QT[d][r]                (j < bk)
//   softmax: ST[j][r] = scale * ST[j][r] + bias(j, r), -inf where j > r + diag;
//            update the running max m and sum l, alpha = exp(m_old - m_new),
//            ST[j][r] = exp(ST[j][r] - m_new)
//   pv:      OT[dv][r] = alpha[r] * OT[dv][r] + sum_j V[j*ldv + dv] * ST[j][r]
// bias(j, r) is keyBias[j] or tileBias[j][r] or 0 (both null). scores and pv
// only touch the query vectors (16 lanes) from firstVec on, and pv does not
// rescale when alpha is null: on the causal diagonal the driver splits a tile
// into key ranges that leading vectors cannot see (their scores are then
// masked by softmax and their probabilities are 0).
struct AttentionKernels {
  int bq;
  void (*scores)(const float *QT, const float *K, int64_t ldk, int64_t D,
                 int bk, int firstVec, float *ST);
  void (*softmax)(float *ST, int bk, float scale, const float *keyBias,
                  const float *tileBias, int64_t diag, float *m, float *l,
                  float *alpha);
  void (*pv)(const float *P, const float *V, int64_t ldv, int64_t Dv, int bk,
             int firstVec, const float *alpha, float *OT);
};

/// The AVX2 + FMA steps for BQ = 16, 32 and 64 (in that order); call only
/// on CPUs with both (avx2KernelsUsable).
extern const AttentionKernels attentionKernelsAvx2[3];

} // namespace tessera

#endif // TESSERA_RUNTIME_ATTENTIONKERNELS_H
