// Kernels of the sparse linear layer (SparseGemm.cpp) on weights repacked
// once: AVX-512 versions in SparseGemmAvx512.cpp, a portable one in
// SparseGemm.cpp.
#ifndef TESSERA_RUNTIME_SPARSEGEMMKERNELS_H
#define TESSERA_RUNTIME_SPARSEGEMMKERNELS_H

#include <cstdint>

namespace tessera {

// How a kernel walks the stored weights; SparseGemm.cpp picks one per block
// shape. W's rows are cut into groups of `rows` consecutive rows that share
// their column pattern; a group's stored weights are a list of entries,
// ascending in k, each `cols` consecutive k from col, with a payload of
// [cols][rows] floats (k-major). Both forms read A from a panel transposed
// per tile of rows of A, At[k*ldt + i] = A(i0 + i, k):
// - NVec (br a multiple of 16, rows = 16, cols = 1): y vectorized over N,
//   each A(i, k) broadcast against the 16 rows' weights at k;
// - MVec (any other shape, N:M, and the portable kernel): y^T vectorized
//   over 16 rows of A, each weight broadcast against At's row k, and
//   transposed at the end. (The AVX-512 kernel takes tiles of at most 4
//   rows of A with 16-wide entries of one row of W along k instead.)
enum class SparseForm : int { NVec, MVec };

struct SparseWeights {
  SparseForm form;
  int64_t N, K;
  int rows, cols;      // per group (N is a multiple of rows) and per entry
  int64_t kc, kBlocks; // K blocks of kc (the last may be shorter)
  // Entries of group g in K block b: begin[b*N/rows + g] ..
  // begin[b*N/rows + g + 1] - 1.
  const int32_t *begin;
  const int32_t *col;
  const int32_t *group; // per entry for MVec with cols >= 8, else null
  const float *w;       // rows * cols floats per entry
};

// MVec: the most vectors of 16 rows of A a tile takes, so that the
// accumulators (rows x vectors) fit in the registers.
constexpr int mvecMaxVectors(int rows) { return rows <= 2 ? 8 : 4; }

// Rows of A per tile: the most the kernels take at once.
inline int sparseTileRows(const SparseWeights &w) {
  if (w.form == SparseForm::NVec)
    return 16;
  return 16 * mvecMaxVectors(w.rows);
}

// The width of the transposed panel of a tile of m rows of A: m rounded up
// to 16 and then (MVec) to a power of two times 16.
inline int sparsePanelWidth(const SparseWeights &w, int m) {
  int vectors = (m + 15) / 16;
  if (w.form == SparseForm::NVec)
    return 16;
  int v = 1;
  while (v < vectors)
    v *= 2;
  return 16 * v;
}

// The panel of a tile of m <= sparseTileRows(w) rows of A, A(i, k) =
// A[i*lda + k*acs], for the rows function: At[k*ldt + i] = A(i, k) for
// k < K, zero for m <= i < ldt = sparsePanelWidth(w, m) (the AVX-512 one
// may lay it out otherwise for its own use).
using SparsePackFn = void (*)(const SparseWeights &w, const float *A,
                              int64_t lda, int64_t acs, int m, int64_t K,
                              float *At);
// y[i*ldy + r - r0] = sum_k A(i, k) W[r, k] for i < m and r0 <= r < r1
// (multiples of w.rows), overwriting y, from the panel of those m rows.
// Every output sums its products in an order that depends on m only, not on
// r0 and r1 (with tiles of A at multiples of sparseTileRows(w), results do
// not depend on how the work is split). yT: scratch of (r1 - r0) *
// sparseTileRows(w) floats, 64-byte aligned.
using SparseRowsFn = void (*)(const SparseWeights &w, const float *At, int m,
                              int64_t r0, int64_t r1, float *y, int64_t ldy,
                              float *yT);

// Built with -mavx512f -mfma; call only when the CPU has AVX-512F.
void sparsePackAvx512(const SparseWeights &w, const float *A, int64_t lda,
                      int64_t acs, int m, int64_t K, float *At);
void sparseRowsAvx512(const SparseWeights &w, const float *At, int m,
                      int64_t r0, int64_t r1, float *y, int64_t ldy, float *yT);
// MVec form only: the portable loops, and the same walk with register
// accumulators (and the A transpose in 8x8 blocks) for AVX2 + FMA
// (SparseGemmAvx2.cpp, built with -mavx2 -mfma).
void sparseRowsAvx2(const SparseWeights &w, const float *At, int m, int64_t r0,
                    int64_t r1, float *y, int64_t ldy, float *yT);
void sparsePackAvx2(const SparseWeights &w, const float *A, int64_t lda,
                    int64_t acs, int m, int64_t K, float *At);
void sparsePackPortable(const SparseWeights &w, const float *A, int64_t lda,
                        int64_t acs, int m, int64_t K, float *At);
void sparseRowsPortable(const SparseWeights &w, const float *At, int m,
                        int64_t r0, int64_t r1, float *y, int64_t ldy,
                        float *yT);

} // namespace tessera

#endif
