/* Tessera runtime, CUDA part (libtessera_cuda_runtime.a): what a model
   compiled with --target=cuda calls around its runs. Plain C99. */
#ifndef TESSERA_CUDA_H
#define TESSERA_CUDA_H

#include "tessera_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the CUDA driver and opens device 0 (once); TESSERA_ERR_DEVICE with
   a message where there is no driver or no device. Called before each run. */
tessera_status tessera_cuda_prepare(void);

/* The status of the run that just ended on this thread: TESSERA_ERR_DEVICE
   with the first failure's message where a kernel or allocation failed. */
tessera_status tessera_cuda_finish(void);

/* The name of the device in use ("" without one). */
const char *tessera_cuda_device_name(void);

/* Managed memory for the model's buffers, and a device-visible copy of a
   constant (made on first use, then shared). Freed buffers are kept for
   the next allocation of the same size: all of a thread's work runs on one
   stream in order, so later work on a recycled buffer queues behind the
   kernels that used it. */
void *tessera_cuda_alloc(int64_t bytes);
void *tessera_cuda_aligned_alloc(int64_t alignment, int64_t bytes);
void tessera_cuda_free(void *ptr);
void *tessera_cuda_global(const void *host, int64_t bytes);

/* The staging copies of the caller's inputs and outputs (byte addresses as
   integers), on the thread's stream in order with its kernels; a copy to
   the host returns once the data is there. */
void tessera_cuda_copy_to_device(int64_t dst, int64_t src, int64_t bytes);
void tessera_cuda_copy_to_host(int64_t dst, int64_t src, int64_t bytes);

/* GEMMs on the device through cuBLASLt (libcublasLt loaded at first use),
   with the CPU runtime's semantics: C += A·B on strided memrefs of managed
   memory (any strides; operands with no unit stride are first copied
   packed), and C[b] += A[b]·B[b] with a batch stride of 0 broadcasting. */
void _mlir_ciface_tessera_cuda_matmul_f32(tessera_memref2d_f32 *A,
                                          tessera_memref2d_f32 *B,
                                          tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_cuda_batch_matmul_f32(tessera_memref3d_f32 *A,
                                                tessera_memref3d_f32 *B,
                                                tessera_memref3d_f32 *C);
/* The same on tensor cores (--precision=tf32|fp16|bf16): cuBLASLt rounds
   the fp32 operands to TF32, FP16 or BF16 and accumulates in fp32. */
void _mlir_ciface_tessera_cuda_tf32_matmul_f32(tessera_memref2d_f32 *A,
                                               tessera_memref2d_f32 *B,
                                               tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_cuda_tf32_batch_matmul_f32(tessera_memref3d_f32 *A,
                                                     tessera_memref3d_f32 *B,
                                                     tessera_memref3d_f32 *C);
void _mlir_ciface_tessera_cuda_fp16_matmul_f32(tessera_memref2d_f32 *A,
                                               tessera_memref2d_f32 *B,
                                               tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_cuda_fp16_batch_matmul_f32(tessera_memref3d_f32 *A,
                                                     tessera_memref3d_f32 *B,
                                                     tessera_memref3d_f32 *C);
void _mlir_ciface_tessera_cuda_bf16_matmul_f32(tessera_memref2d_f32 *A,
                                               tessera_memref2d_f32 *B,
                                               tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_cuda_bf16_batch_matmul_f32(tessera_memref3d_f32 *A,
                                                     tessera_memref3d_f32 *B,
                                                     tessera_memref3d_f32 *C);

/* The linear layer, tessera_linear_f32's operands and flags, as one
   cuBLASLt call: C = act(A·B + bias) + R, B = W or Wᵀ
   (TESSERA_LINEAR_TRANSPOSE_B), act none, ReLU or the tanh GELU (cuBLASLt's
   epilogues), not both an activation and a residual; a contiguous bias and
   residual rows. Anything else fails the run with a message. */
#define TESSERA_CUDA_LINEAR_DECL(NAME)                                         \
  void _mlir_ciface_tessera_cuda_##NAME##linear_f32(                           \
      tessera_memref2d_f32 *A, tessera_memref2d_f32 *W,                        \
      tessera_memref1d_f32 *bias, tessera_memref2d_f32 *R,                     \
      tessera_memref2d_f32 *C, int64_t flags, int64_t constMask);
TESSERA_CUDA_LINEAR_DECL()
TESSERA_CUDA_LINEAR_DECL(tf32_)
TESSERA_CUDA_LINEAR_DECL(fp16_)
TESSERA_CUDA_LINEAR_DECL(bf16_)
#undef TESSERA_CUDA_LINEAR_DECL

#ifdef __cplusplus
}
#endif

#endif
