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

// C[r*ldc + j] += sum_k Ap[k*MR + r] * Bp[k*NR + j] for r < m, j < n, where
// Ap/Bp are packed, zero-padded panels (64-byte aligned) of depth kc; with
// `overwrite`, = instead of += (C is not read).
using GemmMicroKernel = void (*)(int64_t kc, const float *Ap, const float *Bp,
                                 float *C, int64_t ldc, int m, int n,
                                 bool overwrite);

// Packs a full MR = 8 row panel of row-major A (unit column stride):
// Ap[k*8 + r] = A[r*lda + k] for k < kc, with 8x8 register transposes.
void gemmPackAAvx512(const float *A, int64_t lda, int64_t kc, float *Ap);

// Built with -mavx512f -mfma; call only when the CPU has AVX-512F.
void gemmMicroKernelAvx512(int64_t kc, const float *Ap, const float *Bp,
                           float *C, int64_t ldc, int m, int n, bool overwrite);
// Unpacked kernel for m <= 4 rows (GEMV-like, memory-bound): C += A·B (or =
// with `overwrite`) with A(r, k) = A[r*lda + k*acs] and B, C of unit column
// stride.
void gemmSmallMAvx512(int m, int64_t n, int64_t k, const float *A,
                      int64_t lda, int64_t acs, const float *B, int64_t ldb,
                      float *C, int64_t ldc, bool overwrite);
// Bp[k*NR + j] = B[k*ldb + j] for j < n, zero for n <= j < NR.
void gemmPackBAvx512(const float *B, int64_t ldb, int64_t kc, int n,
                     float *Bp);
void gemmMicroKernelPortable(int64_t kc, const float *Ap, const float *Bp,
                             float *C, int64_t ldc, int m, int n,
                             bool overwrite);

} // namespace tessera

#endif
