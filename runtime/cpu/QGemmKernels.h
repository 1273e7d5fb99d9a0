// Kernels of the quantized linear layer (QGemm.cpp) on weights repacked
// once: AVX-512 VNNI versions in QGemmAvx512.cpp, portable ones in QGemm.cpp.
#ifndef TESSERA_RUNTIME_QGEMMKERNELS_H
#define TESSERA_RUNTIME_QGEMMKERNELS_H

#include <cstdint>

namespace tessera {

// ---- Dynamic int8 (W8A8) ----------------------------------------------------
// W [N,K] packed in panels of qPanel columns, 4 k per 32-bit lane as
// vpdpbusd takes them: panel p is K4/4 rows of qPanel x 4 bytes,
//   Bp[p*K4*qPanel + (k/4)*qPanel*4 + j*4 + k%4] = W[p*qPanel + j, k],
// zero-padded to K4 = K rounded up to 4 and to whole panels.
constexpr int qPanel = 32;

// The quantized rows of A and the dequantization of their products.
struct QRows {
  const uint8_t *q; // rows of K4 bytes (zero-padded), ld bytes apart
  int64_t ld;
  const int32_t *zp; // per row
  const float *s;    // per row
  // The AVX2 kernel's form of the same rows (q is then unused): the bytes
  // zero-extended to 16 bits, rows of K4 (zero-padded), ld16 apart.
  const uint16_t *q16 = nullptr;
  int64_t ld16 = 0;
};

// Quantized weights with their per-column sums and scales, indexed by the
// global column (padded to whole panels).
struct QWeights {
  const int8_t *packed;
  int64_t K4;
  const int32_t *colsum;
  const float *scale;
};

// y[r*ldy + j] = (float)(acc - zp[r] colsum[j]) * (s[r] * scale[j]) for the
// exact int32 acc = sum_k q[r,k] W[j,k], r < m, for the n columns starting at
// j0 (a multiple of qPanel). Rows i0.. of `a`. A non-null `e` (its operands
// at y's first element) is applied to each register tile as soon as it is
// stored, while it is in L1: a pass over the whole block afterwards read it
// back from L2 and, with two threads writing neighbouring columns, cost a
// third of the GEMM's time (M=128, N=K=768).
struct Epilogue;
using QGemmFn = void (*)(const QRows &a, int64_t i0, int64_t m,
                         const QWeights &w, int64_t j0, int64_t n, float *y,
                         int64_t ldy, const Epilogue *e);
// Built with -mavx512f -mavx512bw -mavx512vnni (and VL, DQ); call only when
// the CPU has them.
void qgemmVnni(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
               int64_t j0, int64_t n, float *y, int64_t ldy, const Epilogue *e);
// Built with -mavx2 -mfma; reads a.q16. Call only when the CPU has AVX2.
void qgemmAvx2(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
               int64_t j0, int64_t n, float *y, int64_t ldy, const Epilogue *e);
void qgemmPortable(const QRows &a, int64_t i0, int64_t m, const QWeights &w,
                   int64_t j0, int64_t n, float *y, int64_t ldy,
                   const Epilogue *e);

// min and max of a[0..K) (AVX-512; for the quantization parameters).
void rowRangeAvx512(const float *a, int64_t K, float *min, float *max);
// q[k] = clamp(roundeven(a[k] * inv) + zp, 0, 255) for k < K (AVX-512).
void quantizeRowAvx512(const float *a, int64_t K, float inv, float zp,
                       uint8_t *q);
// q[k] = clamp(roundeven(a[k] / scale) + zp, 0, 255) for k < K (AVX-512).
void quantizeRowDivAvx512(const float *a, int64_t K, float scale, float zp,
                          uint8_t *q);

// The same for AVX2: the range, and the quantized row zero-extended to 16
// bits (q[k] = clamp(roundeven(a[k] * factor) + zp, 0, 255), a[k] / factor
// when `divide`).
void rowRangeAvx2(const float *a, int64_t K, float *min, float *max);
void quantizeRow16Avx2(const float *a, int64_t K, float factor, bool divide,
                       float zp, uint16_t *q);

// ---- Weight-only (fp32 compute) ---------------------------------------------
// W packed k-major in panels of wPanel columns, panel p at p*K*wPanel bytes:
// 8-bit: K rows of wPanel int8, row k holding q[p*wPanel + j, k];
// 4-bit: K/2 rows of wPanel bytes, row t holding q[., 2t] + 8 in the low and
// q[., 2t+1] + 8 in the high nibble. Scales transposed: scale[g*ldScale + n].
constexpr int wPanel = 64;

struct WeightOnly {
  const uint8_t *packed;
  int64_t K, groupSize;
  bool int4;
  const float *scale;
  int64_t ldScale;
};

// y[r*ldy + j] = sum_g scale[g, j0+j] (sum over k in group g of
// A[r*lda + k*acs] q[j0+j, k]) for r < m <= 4 and j < n, j0 a multiple of
// wPanel (AVX-512F).
void weightOnlyGemvAvx512(const WeightOnly &w, int m, const float *A,
                          int64_t lda, int64_t acs, int64_t j0, int64_t n,
                          float *y, int64_t ldy);
// A BPanelSource over the dequantized weights: Bp[k*32 + j] =
// scale[(k0+k)/gs, j0+j] * q[j0+j, k0+k] (k0, kc even for 4-bit).
void weightOnlyPanelAvx512(const void *w, int64_t k0, int64_t kc, int64_t j0,
                           int n, float *Bp);
// The same two for AVX2 (8-column vectors; QGemmAvx2.cpp).
void weightOnlyGemvAvx2(const WeightOnly &w, int m, const float *A, int64_t lda,
                        int64_t acs, int64_t j0, int64_t n, float *y,
                        int64_t ldy);
void weightOnlyPanelAvx2(const void *w, int64_t k0, int64_t kc, int64_t j0,
                         int n, float *Bp);
void weightOnlyPanelPortable(const void *w, int64_t k0, int64_t kc,
                             int64_t j0, int n, float *Bp);

} // namespace tessera

#endif
