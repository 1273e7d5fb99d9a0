// The matmul and linear entry points on memrefs (tessera_runtime.h):
// plain, with constant operands, the linear layer with its epilogue (and over
// the valid rows of a padded batch), batched; all through the GEMM driver
// (Gemm.cpp).
#include "cpu/Activations.h"
#include "cpu/GemmDriver.h"
#include "cpu/GemmKernels.h"
#include "cpu/ThreadPool.h"
#include "tessera_runtime.h"

#include <cstring>
#include <vector>

using tessera::Matrix;
using tessera::OutMatrix;

extern "C" {

void tessera_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                   const float *B, int64_t ldb, float *C, int64_t ldc) {
  tessera::gemm(M, N, K, Matrix{A, lda, 1}, Matrix{B, ldb, 1},
                OutMatrix{C, ldc, 1});
}

void _mlir_ciface_tessera_matmul_f32(tessera_memref2d_f32 *A,
                                     tessera_memref2d_f32 *B,
                                     tessera_memref2d_f32 *C) {
  tessera::gemm(
      C->sizes[0], C->sizes[1], A->sizes[1],
      Matrix{A->aligned + A->offset, A->strides[0], A->strides[1]},
      Matrix{B->aligned + B->offset, B->strides[0], B->strides[1]},
      OutMatrix{C->aligned + C->offset, C->strides[0], C->strides[1]});
}

static void matmulConst(tessera_memref2d_f32 *A, tessera_memref2d_f32 *B,
                        tessera_memref2d_f32 *C, bool constA, bool constB) {
  tessera::gemm(C->sizes[0], C->sizes[1], A->sizes[1],
                Matrix{A->aligned + A->offset, A->strides[0], A->strides[1]},
                Matrix{B->aligned + B->offset, B->strides[0], B->strides[1]},
                OutMatrix{C->aligned + C->offset, C->strides[0], C->strides[1]},
                constA, constB);
}

void _mlir_ciface_tessera_matmul_f32_consta(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, true, false);
}

void _mlir_ciface_tessera_matmul_f32_constb(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, false, true);
}

void _mlir_ciface_tessera_matmul_f32_constab(tessera_memref2d_f32 *A,
                                             tessera_memref2d_f32 *B,
                                             tessera_memref2d_f32 *C) {
  matmulConst(A, B, C, true, true);
}

void _mlir_ciface_tessera_linear_f32(tessera_memref2d_f32 *A,
                                     tessera_memref2d_f32 *B,
                                     tessera_memref1d_f32 *bias,
                                     tessera_memref2d_f32 *R,
                                     tessera_memref2d_f32 *C, int64_t flags,
                                     int64_t constMask) {
  tessera::Epilogue epilogue = tessera::linearEpilogue(flags, bias, R);
  // B(k, n) = W[n, k]: the same packing code reads W through swapped strides.
  bool transB = flags & TESSERA_LINEAR_TRANSPOSE_B;
  Matrix b{B->aligned + B->offset, B->strides[transB ? 1 : 0],
           B->strides[transB ? 0 : 1]};
  tessera::gemm(C->sizes[0], C->sizes[1], A->sizes[1],
                Matrix{A->aligned + A->offset, A->strides[0], A->strides[1]}, b,
                OutMatrix{C->aligned + C->offset, C->strides[0], C->strides[1]},
                constMask & 1, constMask & 2, &epilogue);
}

void _mlir_ciface_tessera_linear_rows_f32(tessera_memref2d_f32 *A,
                                          tessera_memref2d_f32 *B,
                                          tessera_memref1d_f32 *bias,
                                          tessera_memref2d_f32 *R,
                                          tessera_memref1d_i32 *rows,
                                          tessera_memref2d_f32 *C,
                                          int64_t flags, int64_t constMask) {
  int64_t M = C->sizes[0], N = C->sizes[1], K = A->sizes[1];
  const int32_t *valid = rows->aligned + rows->offset;
  int64_t vs = rows->strides[0];
  std::vector<int64_t> kept;
  kept.reserve(M);
  for (int64_t r = 0; r < M; ++r)
    if (valid[r * vs])
      kept.push_back(r);
  float *c = C->aligned + C->offset;
  auto zeroRow = [&](int64_t r) {
    if (C->strides[1] == 1) {
      memset(c + r * C->strides[0], 0, N * sizeof(float));
      return;
    }
    for (int64_t j = 0; j < N; ++j)
      c[r * C->strides[0] + j * C->strides[1]] = 0.0f;
  };
  int64_t T = kept.size();
  bool contiguous = T > 0 && kept.back() - kept.front() + 1 == T;
  if (T == 0 || contiguous) {
    // One range of rows (or none): the GEMM on views of it.
    int64_t first = T ? kept.front() : 0;
    for (int64_t r = 0; r < M; ++r)
      if (r < first || r >= first + T)
        zeroRow(r);
    if (T == 0)
      return;
    tessera_memref2d_f32 a = *A, rr = *R, cc = *C;
    a.offset += first * A->strides[0];
    a.sizes[0] = T;
    if (flags & TESSERA_LINEAR_RESIDUAL) {
      rr.offset += first * R->strides[0];
      rr.sizes[0] = T;
    }
    cc.offset += first * C->strides[0];
    cc.sizes[0] = T;
    _mlir_ciface_tessera_linear_f32(&a, B, bias, &rr, &cc, flags,
                                    constMask & ~int64_t(1));
    return;
  }
  // Rows scattered over the batch: one GEMM over the valid rows, A and the
  // residual read and C written through row maps (a tile of rows that are
  // not evenly spaced goes through a buffer); the padding rows are 0.
  // Copying rows in element loops over runtime strides took 5% of a
  // padding-free encoder's time, gathering A and writing C back another 5%;
  // gathering the residual's rows with memcpy 10% of an attention output
  // projection's (M = 307 of 512 rows, N = K = 768).
  std::vector<int64_t> padding;
  padding.reserve(M - T);
  for (int64_t r = 0; r < M; ++r)
    if (!valid[r * vs])
      padding.push_back(r);
  tessera::parallelForRows(int64_t(padding.size()), N,
                           [&](int64_t i) { zeroRow(padding[i]); });
  tessera::Epilogue epilogue = tessera::linearEpilogue(flags, bias, R);
  bool transB = flags & TESSERA_LINEAR_TRANSPOSE_B;
  Matrix a{A->aligned + A->offset, A->strides[0], A->strides[1], kept.data()};
  Matrix b{B->aligned + B->offset, B->strides[transB ? 1 : 0],
           B->strides[transB ? 0 : 1]};
  OutMatrix out{c, C->strides[0], C->strides[1], kept.data(), true};
  tessera::gemm(T, N, K, a, b, out, false, constMask & 2, &epilogue);
}

void _mlir_ciface_tessera_batch_matmul_f32(tessera_memref3d_f32 *A,
                                           tessera_memref3d_f32 *B,
                                           tessera_memref3d_f32 *C) {
  int64_t batch = C->sizes[0], M = C->sizes[1], N = C->sizes[2],
          K = A->sizes[2];
  auto one = [&](int64_t b) {
    tessera::gemm(M, N, K,
                  Matrix{A->aligned + A->offset + b * A->strides[0],
                         A->strides[1], A->strides[2]},
                  Matrix{B->aligned + B->offset + b * B->strides[0],
                         B->strides[1], B->strides[2]},
                  OutMatrix{C->aligned + C->offset + b * C->strides[0],
                            C->strides[1], C->strides[2]});
  };
  // Over the batch when each problem is small (attention heads) or would
  // not split into enough tasks itself (a grouped conv's 48x50 outputs per
  // group, K = 6144), or when the batch divides evenly; otherwise one after
  // another, each parallel inside.
  int threads = tessera::numThreads();
  bool small = 2 * M * N * K < (int64_t)8 << 20;
  // A rough count of the tasks gemm() would split one problem into: blocks
  // of at most MC rows by 4 * NR columns.
  int64_t mc = tessera::gemmBlockRowsMax();
  bool fewTasks = (M + mc - 1) / mc *
                      ((N + 4 * tessera::gemmNR - 1) / (4 * tessera::gemmNR)) <
                  2 * threads;
  if (batch >= threads &&
      (small || fewTasks || batch % threads == 0 || batch >= 4 * threads))
    tessera::parallelFor(batch, one);
  else
    for (int64_t b = 0; b < batch; ++b)
      one(b);
}

} // extern "C"
