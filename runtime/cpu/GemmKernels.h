// Register-blocked GEMM micro-kernels over packed panels (see Gemm.cpp).
#ifndef TESSERA_RUNTIME_GEMMKERNELS_H
#define TESSERA_RUNTIME_GEMMKERNELS_H

#include <cstdint>

namespace tessera {

#ifndef TESSERA_GEMM_MR
#define TESSERA_GEMM_MR 8
#endif
// Tile: MR rows of A x NR columns of B; NR is two 16-float zmm vectors.
constexpr int gemmMR = TESSERA_GEMM_MR;
constexpr int gemmNR = 32;
// The AVX2 kernel's A panels have 6 rows: its tile is two 6x16 blocks.
constexpr int gemmMRAvx2 = 6;

// C[r*ldc + j] += sum_k Ap[k*MR + r] * Bp[k*NR + j] for r < m, j < n, where
// Ap/Bp are packed, zero-padded panels (64-byte aligned) of depth kc (MR is
// gemmMR, or gemmMRAvx2 for the AVX2 kernel); with
// `overwrite`, = instead of += (C is not read). A non-null `store` finishes
// the tile as it is stored (see TileStore); `pf` names memory to prefetch
// on the way (see Prefetch; the AVX-512 kernel's, the others ignore it).
struct TileStore;
struct Prefetch;
using GemmMicroKernel = void (*)(int64_t kc, const float *Ap, const float *Bp,
                                 float *C, int64_t ldc, int m, int n,
                                 bool overwrite, const TileStore *store,
                                 Prefetch pf);

// Cache lines a micro-kernel prefetches into L1 while it computes, one per
// step of k: `lines` lines from `at`. The GEMM and the direct conv name the
// weights of the next panel, which come from memory when a model's weights
// outgrow the caches: left to the hardware, a panel is fetched only when
// the first tile that reads it misses, and that tile stalls instead of the
// fetch overlapping the tiles before it.
struct Prefetch {
  const char *at = nullptr;
  int64_t lines = 0;
};

/// Tile `tile`'s share of prefetching `lines` lines from `next` (null:
/// none), `perTile` lines a tile in order: nothing once they are taken.
inline Prefetch prefetchShare(const float *next, int64_t lines, int64_t tile,
                              int64_t perTile) {
  int64_t done = tile * perTile;
  if (!next || done >= lines)
    return {};
  return {reinterpret_cast<const char *>(next) + 64 * done,
          lines - done < perTile ? lines - done : perTile};
}

// The epilogue (Activations.h) applied by the micro-kernel as it stores the
// tile of the last K step, instead of a pass over C afterwards: C(r, j) =
// clamp(act(C(r, j) + rowBias[r * rowBiasStride] + bias[j * biasStride]) +
// residual[r * residualStride + j]) (NaN stays NaN). rowBias, bias and
// residual (null: none) start at the tile's first row and column; biasStride
// is 0 or 1. On two threads the pass re-read each block just written and
// cost a quarter of the GEMM's time or more (M=128, N=K=768, a bias).
struct TileStore {
  const float *rowBias;
  int64_t rowBiasStride;
  const float *residual;
  int64_t residualStride;
  bool clamp;
  float lo, hi;
  const float *bias = nullptr;
  int64_t biasStride = 0;
  int activation = 0;
};

// Packs a full MR = 8 row panel of A's rows (unit column stride):
// Ap[k*8 + r] = rows[r][k] for k < kc, with 8x8 register transposes (AVX;
// GemmAvx2.cpp, for both the AVX2 and the AVX-512 kernels).
void gemmPackAAvx2(const float *const rows[8], int64_t kc, float *Ap);
// The same for a 6-row panel (the AVX2 kernel's): Ap[k*6 + r], rows[0..5].
void gemmPackA6Avx2(const float *const rows[6], int64_t kc, float *Ap);

// Built with -mavx512f -mfma; call only when the CPU has AVX-512F.
void gemmMicroKernelAvx512(int64_t kc, const float *Ap, const float *Bp,
                           float *C, int64_t ldc, int m, int n, bool overwrite,
                           const TileStore *store, Prefetch pf);
// The same with A read in place: rows[r][k] (unit column stride) for the
// tile's rows; rows[r] for m <= r < min(MR, ...) must be readable too (the
// caller repeats its last row: an 8-row tile of 5 to 7 rows computes 8).
void gemmMicroKernelRowsAvx512(int64_t kc, const float *const *rows,
                               const float *Bp, float *C, int64_t ldc, int m,
                               int n, bool overwrite, const TileStore *store,
                               Prefetch pf);
// Unpacked kernel for m <= 4 rows (GEMV-like, memory-bound): C += A·B (or =
// with `overwrite`) with A(r, k) = A[r*lda + k*acs] and B, C of unit column
// stride.
void gemmSmallMAvx512(int m, int64_t n, int64_t k, const float *A, int64_t lda,
                      int64_t acs, const float *B, int64_t ldb, float *C,
                      int64_t ldc, bool overwrite);
// Bp[k*NR + j] = B[k*ldb + j] for j < n, zero for n <= j < NR.
void gemmPackBAvx512(const float *B, int64_t ldb, int64_t kc, int n,
                     float *Bp);
void gemmPackBAvx2(const float *B, int64_t ldb, int64_t kc, int n, float *Bp);
// Built with -mavx2 -mfma; call only when the CPU has AVX2 and FMA.
void gemmMicroKernelAvx2(int64_t kc, const float *Ap, const float *Bp, float *C,
                         int64_t ldc, int m, int n, bool overwrite,
                         const TileStore *store, Prefetch pf);
void gemmMicroKernelPortable(int64_t kc, const float *Ap, const float *Bp,
                             float *C, int64_t ldc, int m, int n,
                             bool overwrite, const TileStore *store,
                             Prefetch pf);

struct Epilogue;
// B supplied panel by panel: pack(ctx, k0, kc, j0, n, Bp) writes
// Bp[k*gemmNR + j] = B(k0+k, j0+j) for k < kc, j < n, zero for n <= j <
// gemmNR (Bp 64-byte aligned; j0 a multiple of gemmNR; k0 a multiple of
// the GEMM's K block, 128 or 256 (or TESSERA_GEMM_KC, which is even), and
// kc even unless k0 + kc = K).
struct BPanelSource {
  void (*pack)(const void *ctx, int64_t k0, int64_t kc, int64_t j0, int n,
               float *Bp);
  const void *ctx;
};
// C = epilogue(A·B) (C += A·B without one) with A(i, k) = A[i*lda + k*acs]
// (packed once and cached when `constantA`: a weight) and C(i, j) =
// C[i*ldc + j*ccs], on panels of B from `B`: a GEMM whose B is never
// materialized (a convolution's patches, weights dequantized on the fly).
// `splitColumns` (with a constant A, on more than one thread): the threads
// split N into contiguous stretches in order (thread t the t-th) and each
// walks all of M, so a kernel that splits its positions the same way next
// reads what its own thread wrote (ThreadPool.cpp: the two cores share no
// cache); otherwise a cost model splits M and N.
void gemmFromPanels(int64_t M, int64_t N, int64_t K, const float *A,
                    int64_t lda, int64_t acs, bool constantA, float *C,
                    int64_t ldc, int64_t ccs, const BPanelSource &B,
                    const Epilogue *epilogue, bool splitColumns = false);
// Whether the fp32 GEMM runs the AVX-512 micro-kernel.
bool gemmUsesAvx512();

// Whether kernels prefetch the next panel of constant weights (Prefetch):
// on unless TESSERA_PREFETCH=0 (measurements).
bool prefetchWeights();
// Rows of the fp32 GEMM's register tile (6 with AVX2, else 8).
int gemmRowsPerTile();
// C += A·B as gemmFromPanels on a strided B(k, j) = B[k*ldb + j*bcs],
// packed once and cached when `constantB`.
void gemmAccumulate(int64_t M, int64_t N, int64_t K, const float *A,
                    int64_t lda, int64_t acs, bool constantA, const float *B,
                    int64_t ldb, int64_t bcs, bool constantB, float *C,
                    int64_t ldc, int64_t ccs, const Epilogue *epilogue,
                    bool splitColumns = false);

} // namespace tessera

#endif
