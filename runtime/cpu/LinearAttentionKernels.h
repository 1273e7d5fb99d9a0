// The linear-attention kernels' inner steps (LinearAttention.cpp drives
// them per chunk or per step; LinearAttentionAvx2.cpp has the AVX2 ones):
// the chunks' small GEMMs, the recurrence step and the chunk operands' prep.
#ifndef TESSERA_RUNTIME_LINEARATTENTIONKERNELS_H
#define TESSERA_RUNTIME_LINEARATTENTIONKERNELS_H

#include <algorithm>
#include <cstdint>

namespace tessera {

struct LinearAttentionKernels {
  // C[i*ldc + j] = sum_p A[i*lda + p*acs] * B[p*ldb + j] (i < m, j < n),
  // plus C's previous value when accumulating, times rowScale[i] if given.
  void (*gemm)(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
               int64_t acs, const float *B, int64_t ldb, float *C, int64_t ldc,
               bool accumulate, const float *rowScale);
  // One step: S[i,:] = g[i] * S[i,:] + k[i] * v (g null: 1) for i < Dk,
  // then o = sum_i q[i] * S[i,:]. S rows, v and o span ldS (a multiple of
  // 16) floats, zero past Dv.
  void (*step)(float *S, int64_t ldS, int64_t Dk, const float *q,
               const float *k, const float *g, const float *v, float *o);
  // The chunk operands from c rows of q and k (unit stride) and the
  // cumulative gates G (null: no gate), rows of ldK floats:
  // Qt[u] = scale q_u G_u, Kr[u] = k_u / G_u, Ke[u] = k_u G_end / G_u, and
  // Kt [ldK][chunk] = Kr transposed (padding rows and columns unspecified).
  void (*prep)(int c, int64_t Dk, int64_t ldK, const float *q, int64_t ldq,
               const float *k, int64_t ldk, const float *G, const float *gEnd,
               float scale, float *Qt, float *Kr, float *Kt, float *Ke);
};

/// The AVX2 + FMA kernels (LinearAttentionAvx2.cpp; x86-64 only).
extern const LinearAttentionKernels linearAttentionAvx2Kernels;

// Internal linkage: each file keeps its own copy, compiled for the targets
// of the functions it is inlined into.
namespace {

inline int64_t roundUp16(int64_t n) { return (n + 15) / 16 * 16; }

// Steps per chunk (whole 16 x 16 blocks for the transpose).
constexpr int chunk = 32;
static_assert(chunk % 16 == 0, "prepAvx512 transposes 16 x 16 blocks");

// The elementwise part of prep in plain loops, vectorised by the compiler
// for the target of the function it is inlined into.
inline void prepRows(int c, int64_t Dk, int64_t ldK, const float *__restrict q,
                     int64_t ldq, const float *__restrict k, int64_t ldk,
                     const float *__restrict G, const float *__restrict gEnd,
                     float scale, float *__restrict Qt, float *__restrict Kr,
                     float *__restrict Ke) {
  for (int u = 0; u < c; ++u) {
    const float *qu = q + u * ldq, *ku = k + u * ldk;
    float *qt = Qt + u * ldK, *kr = Kr + u * ldK, *ke = Ke + u * ldK;
    if (G) {
      const float *gu = G + u * ldK;
      for (int64_t i = 0; i < Dk; ++i) {
        float r = 1.0f / gu[i];
        qt[i] = scale * qu[i] * gu[i];
        kr[i] = ku[i] * r;
        ke[i] = ku[i] * (gEnd[i] * r);
      }
    } else {
      for (int64_t i = 0; i < Dk; ++i) {
        qt[i] = scale * qu[i];
        kr[i] = ke[i] = ku[i];
      }
    }
    std::fill(qt + Dk, qt + ldK, 0.0f);
  }
}

} // namespace
} // namespace tessera

#endif
