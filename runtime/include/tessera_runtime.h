/* Tessera runtime C API: describe, load and run compiled models. Plain C99. */
#ifndef TESSERA_RUNTIME_H
#define TESSERA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  TESSERA_F32 = 0,
  TESSERA_F16,
  TESSERA_BF16,
  TESSERA_F64,
  TESSERA_BOOL, /* i1, stored as one byte */
  TESSERA_I8,
  TESSERA_I32,
  TESSERA_I64,
  TESSERA_I16,
  TESSERA_U8,
  TESSERA_U16,
  TESSERA_U32,
  TESSERA_U64,
} tessera_dtype;

/* ---- Status codes ------------------------------------------------------ */
typedef enum {
  TESSERA_OK = 0,
  TESSERA_ERR_INVALID_ARGUMENT, /* bad flag, unknown/missing input, null pointer
                                 */
  TESSERA_ERR_IO,               /* file cannot be opened, read or written */
  TESSERA_ERR_FORMAT,           /* malformed or unsupported .npy */
  TESSERA_ERR_SHAPE,            /* tensor shape differs from the model's */
  TESSERA_ERR_DTYPE,            /* tensor dtype differs from the model's */
  TESSERA_ERR_OUT_OF_MEMORY,
  TESSERA_ERR_DEVICE,           /* no GPU or driver, or a kernel failed */
} tessera_status;

typedef struct {
  const char *name; /* the ONNX graph input/output name */
  tessera_dtype dtype;
  int32_t rank;
  const int64_t *shape;
} tessera_tensor_info;

/* What the compiler emits for every model (returned by NAME_model_info()). */
typedef struct {
  int32_t num_inputs;
  int32_t num_outputs;
  const tessera_tensor_info *inputs;
  const tessera_tensor_info *outputs;
  /* descs[i] points to the memref descriptor of input i, then output i:
     {void *allocated; void *aligned; int64_t offset; int64_t sizes[rank];
      int64_t strides[rank];} */
  void (*entry)(void **descs);
  /* Called before every run when set (NULL otherwise): maps the weights of
     a model compiled with --weights=external on first use. */
  tessera_status (*prepare)(void);
  /* Called after every run when set: the run's status on a device (a
     --target=cuda model: a kernel that failed). */
  tessera_status (*finish)(void);
} tessera_model_info;

/* The message of the last failing call on this thread ("" if none). */
const char *tessera_status_message(void);
/* A fixed name for a status code, e.g. "invalid argument". */
const char *tessera_status_string(tessera_status status);

/* ---- Dtypes and tensors ------------------------------------------------- */
size_t tessera_dtype_size(tessera_dtype dtype);
/* "float32", "float16", "bfloat16", "float64", "bool", "int8", "int32", "int64". */
const char *tessera_dtype_name(tessera_dtype dtype);
int64_t tessera_tensor_numel(const tessera_tensor_info *info);
size_t tessera_tensor_nbytes(const tessera_tensor_info *info);

/* 64-byte aligned allocation (never NULL for size 0); free with tessera_free. */
void *tessera_alloc(size_t nbytes);
void tessera_free(void *ptr);

/* ---- Running a model ---------------------------------------------------- */
/* Runs the model once. inputs[i] / outputs[i] point to dense row-major buffers
   of model->inputs[i] / model->outputs[i] (outputs are caller-allocated; 64-byte
   alignment is best for speed but not required). */
tessera_status tessera_run(const tessera_model_info *model,
                           const void *const *inputs, void *const *outputs);

/* Size of the runtime's thread pool (kernels and parallel loops). n <= 0 picks
   the default: $TESSERA_NUM_THREADS, else the hardware concurrency. */
void tessera_set_num_threads(int n);
int tessera_get_num_threads(void);

/* Per-kernel profile (TESSERA_PROFILE=FILE.json): compiled models bracket
 * each kernel call with these; `label` is "KERNEL|onnx nodes". At exit the
 * events go to FILE.json as a Chrome trace and the top kernels to stderr. */
int64_t tessera_profile_begin(const char *label);
void tessera_profile_end(const char *label, int64_t start);

/* Runs task(ctx, lo, hi) over disjoint ranges covering [0, n) on the thread
 * pool (the caller takes part), or task(ctx, 0, n) on one thread. Compiled
 * models call it for their big generated kernels. */
void tessera_parallel_range(void (*task)(void *ctx, int64_t lo, int64_t hi),
                            void *ctx, int64_t n);

/* The compiled executable's command line:
     PROG [--input NAME=FILE.npy]... [--output-dir DIR] [--bench N] [--threads
   N] Writes DIR/NAME.npy per output; --bench N prints one JSON line
   {"median_ms":..,"mean_ms":..,"min_ms":..,"max_ms":..,"iters":N,"threads":T}.
   Returns the process exit code (0, or 1 after a message on stderr).
   TESSERA_PROFILE=1 prints the time of every run on stderr. An executable's
   main is just `return NAME_main(argc, argv);`, which calls this. */
int tessera_main(const tessera_model_info *model, int argc, char **argv);

/* --weights=external: maps `size` bytes of weights once (thread-safe) and
   stores their address in *base; later calls return TESSERA_OK at once.
   `path` NULL: the file `file_name` in the directory of the binary (library
   or executable) that holds `anchor`. */
tessera_status tessera_map_weights(const void **base, const char *path,
                                   const char *file_name, uint64_t size,
                                   const void *anchor);

/* ---- .npy files (v1/v2/v3, little-endian, C order) ------------------------
   Dtypes: <f4 <f2 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1, and bfloat16 as
   <u2 (read back as uint16; a bfloat16 input accepts it). */
#define TESSERA_NPY_MAX_RANK 32
typedef struct {
  tessera_dtype dtype;
  int32_t rank;
  int64_t shape[TESSERA_NPY_MAX_RANK];
  void *data; /* tessera_alloc'ed, 64-byte aligned */
  size_t nbytes;
} tessera_npy;

tessera_status tessera_npy_read(const char *path, tessera_npy *out);
void tessera_npy_free(tessera_npy *npy);
tessera_status tessera_npy_write(const char *path, tessera_dtype dtype,
                                 int32_t rank, const int64_t *shape,
                                 const void *data);

/* ---- Kernels called by generated code (MLIR C interface for memrefs) ----- */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} tessera_memref2d_f32;

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[3];
  int64_t strides[3];
} tessera_memref3d_f32;

/* C += A·B; A: MxK, B: KxN, C: MxN, any strides (unit inner stride is fast). */
void _mlir_ciface_tessera_matmul_f32(tessera_memref2d_f32 *A,
                                     tessera_memref2d_f32 *B,
                                     tessera_memref2d_f32 *C);
/* The same with A, B or both constant for the life of the process (model
   weights): such operands are packed once on first use and reused. */
void _mlir_ciface_tessera_matmul_f32_consta(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_matmul_f32_constb(tessera_memref2d_f32 *A,
                                            tessera_memref2d_f32 *B,
                                            tessera_memref2d_f32 *C);
void _mlir_ciface_tessera_matmul_f32_constab(tessera_memref2d_f32 *A,
                                             tessera_memref2d_f32 *B,
                                             tessera_memref2d_f32 *C);
/* C[b] += A[b]·B[b]; a batch stride of 0 broadcasts an operand. */
void _mlir_ciface_tessera_batch_matmul_f32(tessera_memref3d_f32 *A,
                                           tessera_memref3d_f32 *B,
                                           tessera_memref3d_f32 *C);
/* The same on plain pointers: C[i*ldc+j] += sum_k A[i*lda+k] * B[k*ldb+j]. */
void tessera_sgemm(int64_t M, int64_t N, int64_t K, const float *A,
                   int64_t lda, const float *B, int64_t ldb, float *C,
                   int64_t ldc);

/* Heap temporaries of generated code (MLIR's generic allocation functions):
   large freed blocks are cached for reuse by the next run instead of being
   returned to the OS. Pointers are at least 64-byte aligned. */
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);

/* MLIR CRunnerUtils' memrefCopy, so executables need no libmlir_c_runner_utils.
   src/dst point to {int64_t rank; void *descriptor;} (UnrankedMemRefType). */
typedef struct {
  int64_t rank;
  void *descriptor;
} tessera_unranked_memref;
void memrefCopy(int64_t elemSize, tessera_unranked_memref *src,
                tessera_unranked_memref *dst);

/* ---- Fused attention ------------------------------------------------------ */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
} tessera_memref4d_f32;

/* tessera_attention_f32 flags. */
enum {
  TESSERA_ATTENTION_CAUSAL = 1,
  TESSERA_ATTENTION_MASK = 2,
  TESSERA_ATTENTION_KV_TILED = 4,
  TESSERA_ATTENTION_PADDING_QUERIES = 8,
};

/* out[b,h,i,:] = softmax_j(scale * q[b,h,i,:]·k[b,hk,j,:] + mask[b,h,i,j])
                  · v[b,hk,j,:]
   q [B,H,S,D], k [B,Hkv,Skv,D], v [B,Hkv,Skv,Dv], out [B,H,S,Dv], any
   strides; grouped-query heads share K/V: hk = h / (H/Hkv), H % Hkv == 0,
   or with flags & 4 (heads repeated by Tile) hk = h % Hkv.
   flags & 2: add mask, an f32 memref of rank 4 whose dims are each 1
   (broadcast) or [B,H,S,Skv] respectively; otherwise mask is not read.
   flags & 1: causal, key j is visible to query i iff j <= i (top-left
   aligned, like an added triu(full(S,Skv,-inf), diagonal=1)). A query whose
   scores are all -inf gets NaN, as the unfused softmax does.
   flags & 8: padding queries (self-attention over a padded batch, a mask
   [B|1,1,1,Skv]): query i whose own key is masked (mask[b,0,0,i] <= -1e4)
   gets a 0 row and is not computed. */
void _mlir_ciface_tessera_attention_f32(tessera_memref4d_f32 *q,
                                        tessera_memref4d_f32 *k,
                                        tessera_memref4d_f32 *v,
                                        tessera_memref4d_f32 *mask,
                                        tessera_memref4d_f32 *out, float scale,
                                        int64_t flags);

/* ---- Fused linear layer ------------------------------------------------- */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} tessera_memref1d_f32;

/* tessera_linear_f32 flags: an activation code in bits 0-3, plus operands. */
enum {
  TESSERA_LINEAR_ACT_NONE = 0,
  TESSERA_LINEAR_ACT_RELU = 1,
  TESSERA_LINEAR_ACT_GELU = 2,      /* erf form */
  TESSERA_LINEAR_ACT_GELU_TANH = 3, /* tanh approximation */
  TESSERA_LINEAR_ACT_SILU = 4,
  TESSERA_LINEAR_ACT_SIGMOID = 5,
  TESSERA_LINEAR_ACT_TANH = 6,
  TESSERA_LINEAR_ACT_HARDSWISH = 7, /* x * min(max(x + 3, 0), 6) / 6 */
  TESSERA_LINEAR_ACT_MASK = 15,
  TESSERA_LINEAR_BIAS = 16,        /* else `bias` is not read (may be empty) */
  TESSERA_LINEAR_RESIDUAL = 32,    /* else `R` is not read */
  TESSERA_LINEAR_TRANSPOSE_B = 64, /* `B` holds W [N,K], B(k,n) = W[n,k] */
};

/* 2-D convolution in G groups (no im2col matrix; cpu/Conv.cpp):
   Y[n,f,oh,ow] = bias[f] + sum over (c,r,s) of W[f, (c*kh + r)*kw + s] *
   X[n, g*C/G + c, oh*sh + r*dh - padT, ow*sw + s*dw - padL] for the group
   g = f / (F/G) of f and c < C/G, X read as 0 outside its [H, W] (the end
   pads follow from Y's size). X [N,C,H,W], W [F,C/G*kh*kw] (G follows from
   C*kh*kw over W's columns), Y [N,F,OH,OW], any strides. flags:
   TESSERA_LINEAR_BIAS (else `bias` is not read); bits 0-3 an activation code
   (TESSERA_LINEAR_ACT_*, the formulas of tessera_linear_f32) applied to conv +
   bias; TESSERA_CONV_RESIDUAL: R [N,F,OH,OW] (any strides, not overlapping Y;
   else not read) is added after it; TESSERA_CONV_CLAMP_MIN / _MAX: then Y
   clamped at lo / hi (NaN stays NaN; a fused ReLU or Clip): Y = clamp(act(conv
   + bias) + R). constMask bit 1: W is constant and packed once.
   TESSERA_CONV_CHANNELS_LAST: X, R and Y are channels-last, [N,H,W,C] (any
   strides), the same ops on them. */
enum {
  TESSERA_CONV_CLAMP_MIN = 32,
  TESSERA_CONV_CLAMP_MAX = 64,
  TESSERA_CONV_RESIDUAL = 128,
  TESSERA_CONV_CHANNELS_LAST = 256
};
void _mlir_ciface_tessera_conv2d_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_f32 *W,
    tessera_memref1d_f32 *bias, tessera_memref4d_f32 *R,
    tessera_memref4d_f32 *Y, int64_t flags, int64_t kh, int64_t kw, int64_t sh,
    int64_t sw, int64_t dh, int64_t dw, int64_t padT, int64_t padL, float lo,
    float hi, int64_t constMask);

/* Depthwise 2-D convolution (one channel per group, multiplier 1):
   Y[n,c,oh,ow] = bias[c] + sum over (r,s) of W[c, r*kw + s] *
   X[n, c, oh*sh + r*dh - padT, ow*sw + s*dw - padL], X read as 0 outside
   its [H, W]. X [N,C,H,W], W [C,kh*kw], Y [N,C,OH,OW], any strides (unit
   column or unit channel strides are the fast paths). flags:
   TESSERA_LINEAR_BIAS, the activation code, TESSERA_CONV_CLAMP_MIN / _MAX
   and TESSERA_CONV_CHANNELS_LAST as for tessera_conv2d_f32 (no residual).
   constMask bit 1: W is constant, bit 2: bias is (a channels-last conv then
   repacks them once and keeps them). */
void _mlir_ciface_tessera_depthwise_conv2d_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_f32 *W,
    tessera_memref1d_f32 *bias, tessera_memref4d_f32 *Y, int64_t flags,
    int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
    int64_t padT, int64_t padL, float lo, float hi, int64_t constMask);

/* 2-D max pooling: Y[n,c,oh,ow] = max over (r,s) of
   X[n, c, oh*sh + r*dh - padT, ow*sw + s*dw - padL] over the taps inside
   X's [H, W] (-inf when none is), NaN when any of them is NaN. X [N,C,H,W],
   Y [N,C,OH,OW], any strides; with flags & TESSERA_CONV_CHANNELS_LAST both
   are [N,H,W,C]. */
void _mlir_ciface_tessera_max_pool2d_f32(tessera_memref4d_f32 *X,
                                         tessera_memref4d_f32 *Y, int64_t kh,
                                         int64_t kw, int64_t sh, int64_t sw,
                                         int64_t dh, int64_t dw, int64_t padT,
                                         int64_t padL, int64_t flags);

/* C[M,N] = act(A[M,K]·B[K,N] + bias[N]) + R[M,N], overwriting C (its
   previous contents are never read). Any strides, including 0 (broadcast)
   for bias and R; R must not overlap C. The bias, activation and residual
   are applied to each output block right after its last K step, while it is
   in cache. constMask bit 0 (A) / bit 1 (B): that operand is constant for
   the life of the process and is packed once, as in
   _mlir_ciface_tessera_matmul_f32_consta/_constb. */
void _mlir_ciface_tessera_linear_f32(tessera_memref2d_f32 *A,
                                     tessera_memref2d_f32 *B,
                                     tessera_memref1d_f32 *bias,
                                     tessera_memref2d_f32 *R,
                                     tessera_memref2d_f32 *C, int64_t flags,
                                     int64_t constMask);

/* ---- Quantized linear layer ---------------------------------------------- */
typedef struct {
  int8_t *allocated;
  int8_t *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} tessera_memref2d_i8;

/* tessera_qlinear_f32 flags, besides those of tessera_linear_f32 (activation
   code in bits 0-3, TESSERA_LINEAR_BIAS, TESSERA_LINEAR_RESIDUAL). */
enum {
  TESSERA_QLINEAR_DYNAMIC_INT8 = 128,   /* quantize A per row, int8 GEMM */
  TESSERA_QLINEAR_INT4 = 256,           /* W holds two 4-bit weights a byte */
  TESSERA_QLINEAR_DYNAMIC_TENSOR = 512, /* quantize all of A with one scale
                                           and zero point from its range
                                           (DynamicQuantizeLinear), int8 GEMM */
};

/* C[M,N] = act(A[M,K]·Wdq^T + bias[N]) + R[M,N], overwriting C, with the
   bias, activation and residual of tessera_linear_f32 (same flags, same
   formulas). scale is [N,G]: G groups of gs = K/G consecutive k per output
   row. Wdq[n,k] = scale[n, k/gs] * q[n,k], where
   - 8-bit: W is [N,K] int8, q = W;
   - flags & INT4: W is [N,K/2], K and gs multiples of 32; for each block of
     32 k (k0 = 32b), byte W[n, 16b + j] holds q[n,k0+j] + 8 in its low and
     q[n,k0+16+j] + 8 in its high nibble, q in [-8, 7].
   Without DYNAMIC_INT8 the product is in fp32: y = sum_g scale[n,g] * (sum
   over k in group g of A[m,k] q[n,k]). With DYNAMIC_INT8 (8-bit W, G = 1),
   each row i of A is quantized to asymmetric uint8 with these float ops:
     mn = min(0, min_k A[i,k]), mx = max(0, max_k A[i,k])
     inv, s = mx > mn ? 255 / (mx - mn), (mx - mn) / 255 : 1, 1
     zp = clamp(roundeven(-mn * inv), 0, 255)
     qa[i,k] = clamp(roundeven(A[i,k] * inv) + zp, 0, 255)
   and y = (float)(acc - zp * colsum[n]) * (s * scale[n,0]) with the exact
   int32 acc = sum_k qa[i,k] W[n,k] and colsum[n] = sum_k W[n,k].
   DYNAMIC_TENSOR (8-bit W, G = 1) quantizes all of A with one s and zp:
     mn = min(0, min A), mx = max(0, max A)
     s = mx > mn ? (mx - mn) / 255 : 1,  zp = clamp(roundeven(-mn / s), 0, 255)
     qa[i,k] = clamp(roundeven(A[i,k] / s) + zp, 0, 255)
   and y as for DYNAMIC_INT8.
   Any strides for A, R, C (unit inner stride is fast), bias stride may be 0;
   R must not overlap C. constMask bit 1 (W) / bit 2 (scale): that operand is
   constant for the life of the process and is repacked once, keyed by its
   address, strides and shape. */
void _mlir_ciface_tessera_qlinear_f32(tessera_memref2d_f32 *A,
                                      tessera_memref2d_i8 *W,
                                      tessera_memref2d_f32 *scale,
                                      tessera_memref1d_f32 *bias,
                                      tessera_memref2d_f32 *R,
                                      tessera_memref2d_f32 *C, int64_t flags,
                                      int64_t constMask);

/* Static int8 (tessera.qlinear mode "static"): as tessera_qlinear_f32 with
   DYNAMIC_INT8, except that every row of A is quantized with the same scale
   s (the float whose bits are inputScaleBits) and zero point zp in [0, 255],
   by ONNX QuantizeLinear's division:
     qa[i,k] = clamp(roundeven(A[i,k] / s) + zp, 0, 255)
   and y = (float)(acc - zp * colsum[n]) * (s * scale[n,0]). */
void _mlir_ciface_tessera_qlinear_static_f32(
    tessera_memref2d_f32 *A, tessera_memref2d_i8 *W,
    tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
    tessera_memref2d_f32 *R, tessera_memref2d_f32 *C, int64_t flags,
    int64_t inputScaleBits, int64_t inputZeroPoint, int64_t constMask);

/* A 2-D convolution with int8 weights on a statically quantized input
   (tessera.qconv): X [N,C,H,W] (f32, any strides) is quantized once as
   tessera_qlinear_static_f32 quantizes A, into a channels-last image padded
   with the zero point; each output position's row of kh*kw*C bytes (kernel
   offset (r, s) major, then c) is gathered from it, and the u8 x s8 GEMM by
   W [F, kh*kw*C] gives Y [N,OH,OW,F] (channels-last) =
   (float)(acc - zp * colsum[f]) * (s * scale[f,0]) + bias[f] (with
   TESSERA_LINEAR_BIAS): the integers and floats of
   tessera_qlinear_static_f32 on the im2col matrix. Strides sh, sw,
   dilations dh, dw, leading pads padT, padL (the trailing ones follow from
   Y's size). constMask bit 1 (W) / bit 2 (scale) as for qlinear. */
void _mlir_ciface_tessera_qconv2d_static_f32(
    tessera_memref4d_f32 *X, tessera_memref2d_i8 *W,
    tessera_memref2d_f32 *scale, tessera_memref1d_f32 *bias,
    tessera_memref4d_f32 *Y, int64_t flags, int64_t kh, int64_t kw, int64_t sh,
    int64_t sw, int64_t dh, int64_t dw, int64_t padT, int64_t padL,
    int64_t inputScaleBits, int64_t inputZeroPoint, int64_t constMask);

/* ---- Sparse linear layer (weight sparsity) ------------------------------ */
typedef struct {
  int32_t *allocated;
  int32_t *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} tessera_memref1d_i32;

/* tessera_linear_f32 on the rows r of A, R and C whose rows[r] is nonzero only
   (the valid tokens of a padded batch, rows [M] int32): the others are 0 in C
   and their A and R rows are not read (tessera.linear with a token_mask).
   constMask bit 0 is ignored. */
void _mlir_ciface_tessera_linear_rows_f32(tessera_memref2d_f32 *A,
                                          tessera_memref2d_f32 *B,
                                          tessera_memref1d_f32 *bias,
                                          tessera_memref2d_f32 *R,
                                          tessera_memref1d_i32 *rows,
                                          tessera_memref2d_f32 *C,
                                          int64_t flags, int64_t constMask);

/* tessera_sparse_linear_f32 flags, besides those of tessera_linear_f32
   (activation code in bits 0-3, TESSERA_LINEAR_BIAS,
   TESSERA_LINEAR_RESIDUAL). */
enum { TESSERA_SPARSE_NM = 512 }; /* else block sparse (BSR) */

/* C[M,N] = act(A[M,K]·W^T + bias[N]) + R[M,N], overwriting C, with the
   bias, activation and residual of tessera_linear_f32 (same flags, same
   formulas), where W [N,K] is given by its stored weights only (the 1-D
   arrays are contiguous; they are read through aligned + offset):
   - block sparse (BSR): blocks of br rows x bc columns (br divides N, bc
     divides K). Block row i (rows br*i ..) owns the stored blocks b =
     offsets[i] .. offsets[i+1]-1 (offsets has N/br + 1 entries); block b
     covers k = index[b]*bc .. +bc-1 (ascending within a block row) and its
     weights are values[b*br*bc ..], [br][bc] row-major. br = bc = 1 is CSR.
   - flags & NM: n = br of every m = bc consecutive k are kept (K % m == 0),
     e.g. 2:4. Row r's group g (k from g*m) keeps values[(r*(K/m)+g)*n + j]
     at k = g*m + index[same] for j < n (offsets within the group ascending
     and distinct; fewer nonzeros are stored as explicit zeros). `offsets`
     is not read.
   Weights that are not stored are never read: a NaN or inf in A reaches
   only the outputs whose stored weights meet it. Any strides for A, R, C
   (unit inner stride is fast), R and bias may have stride 0; R must not
   overlap C. constMask bit 1: the sparse arrays are constant for the life
   of the process and are repacked once, keyed by their addresses and the
   shape. Results do not depend on the number of threads. */
void _mlir_ciface_tessera_sparse_linear_f32(
    tessera_memref2d_f32 *A, tessera_memref1d_f32 *values,
    tessera_memref1d_i32 *index, tessera_memref1d_i32 *offsets,
    tessera_memref1d_f32 *bias, tessera_memref2d_f32 *R,
    tessera_memref2d_f32 *C, int64_t flags, int64_t br, int64_t bc,
    int64_t constMask);

/* ---- Norms over rows ----------------------------------------------------- */
/* tessera_layer_norm_f32 / tessera_rms_norm_f32 flags. */
enum {
  TESSERA_NORM_BIAS = 1,
};

/* For each row r of x [R,C]:
     layer norm: y[r,c] = (x[r,c] - mean_r) * rsqrt(var_r + eps) * scale[c]
                          (+ bias[c] with flags & 1)
     RMS norm:   y[r,c] = x[r,c] * rsqrt(mean_c(x[r,c]^2) + eps) * scale[c]
                          (+ bias[c] with flags & 1)
   with var_r the mean of (x[r,c] - mean_r)^2. scale, bias [C]; bias is not
   read without flags & 1. Any strides; y may be x itself. The sums are
   taken in 16 lanes (reassociated against a sequential sum, the same on
   every ISA and thread count). The CUDA target generates the same calls as
   kernels (tessera-gpu-expand-kernels). */
void _mlir_ciface_tessera_layer_norm_f32(tessera_memref2d_f32 *x,
                                         tessera_memref1d_f32 *scale,
                                         tessera_memref1d_f32 *bias,
                                         tessera_memref2d_f32 *y, float eps,
                                         int64_t flags);
void _mlir_ciface_tessera_rms_norm_f32(tessera_memref2d_f32 *x,
                                       tessera_memref1d_f32 *scale,
                                       tessera_memref1d_f32 *bias,
                                       tessera_memref2d_f32 *y, float eps,
                                       int64_t flags);

/* ---- State-space models -------------------------------------------------- */
/* tessera_selective_scan_f32 flags; an operand whose flag is clear is not
   read (it may be any descriptor). */
enum {
  TESSERA_SSM_DELTA_SOFTPLUS = 1,
  TESSERA_SSM_D_SKIP = 2,
  TESSERA_SSM_Z_GATE = 4,
  TESSERA_SSM_DELTA_BIAS = 8,
  TESSERA_SSM_H0 = 16,
  TESSERA_SSM_B_PER_CHANNEL = 64,
  TESSERA_SSM_C_PER_CHANNEL = 128,
};

/* Mamba's selective scan (S6). For each batch b and channel d, with a state
   h of N floats:
     h[n] = flags & H0 ? h0[b,d,n] : 0
     for t = 0 .. L-1:
       dt = delta[b,t,d] + (flags & DELTA_BIAS ? deltaBias[d] : 0)
       if flags & DELTA_SOFTPLUS: dt = dt > 20 ? dt : log1p(exp(dt))
       h[n] = exp(dt * A[d,n]) * h[n] + dt * B(n) * x[b,t,d]     (n < N)
       yv = sum_n h[n] * C(n)
       if flags & D_SKIP: yv += Dskip[d] * x[b,t,d]
       if flags & Z_GATE: yv *= zv * sigmoid(zv), zv = z[b,t,d]
       y[b,t,d] = yv
     hLast[b,d,n] = h[n]                       (always written, also L = 0)
   x, delta, z, y: [Bt,L,D]; A: [D,N]; Dskip, deltaBias: [D]; h0, hLast:
   [Bt,D,N]. B(n) = B[b,t,n] with B [Bt,L,N] (time-varying, Mamba's usual
   form), or with flags & B_PER_CHANNEL B(n) = B[0,d,n] with B [1,D,N]
   (time-invariant); C and C_PER_CHANNEL likewise. The softplus follows
   torch (threshold 20). Any strides, including 0; y and hLast must not
   overlap any input. */
void _mlir_ciface_tessera_selective_scan_f32(
    tessera_memref3d_f32 *x, tessera_memref3d_f32 *delta,
    tessera_memref2d_f32 *A, tessera_memref3d_f32 *B, tessera_memref3d_f32 *C,
    tessera_memref1d_f32 *Dskip, tessera_memref3d_f32 *z,
    tessera_memref1d_f32 *deltaBias, tessera_memref3d_f32 *h0,
    tessera_memref3d_f32 *y, tessera_memref3d_f32 *hLast, int64_t flags);

/* Depthwise causal 1-d convolution (Mamba's conv1d before the scan):
     y[b,c,t] = act(bias[c] + sum_{k<K} w[c,k] * x[b,c,t - (K-1-k)*dilation])
   for t < L, where x at a negative time is 0. x, y: [Bt,Ch,L]; w: [Ch,K];
   bias: [Ch]; dilation >= 0. flags bits 0-3: an activation code
   (TESSERA_LINEAR_ACT_*, same formulas as tessera_linear_f32); flags &
   TESSERA_LINEAR_BIAS (16): add bias, else bias is not read; flags &
   TESSERA_CONV_CHANNELS_LAST (256): x and y are [Bt,L,Ch] (time-major)
   instead. Any strides; unit time stride and unit channel stride (a
   [Bt,L,Ch] buffer) are the fast cases. y must not overlap x. */
void _mlir_ciface_tessera_causal_conv1d_f32(tessera_memref3d_f32 *x,
                                            tessera_memref2d_f32 *w,
                                            tessera_memref1d_f32 *bias,
                                            tessera_memref3d_f32 *y,
                                            int64_t dilation, int64_t flags);

/* tessera_linear_attention_f32 flags. */
enum {
  TESSERA_LINATTN_GATE = 1,
  TESSERA_LINATTN_NORMALIZE = 2,
  TESSERA_LINATTN_S0 = 4,
};

/* Linear attention with a decaying state (RetNet, GLA, Mamba-2 style). For
   each batch b and head h, with a state S [Dk,Dv] and a normaliser zn [Dk]:
     S = flags & S0 ? s0[b,h] : 0;  zn = 0  (also with S0)
     for t = 0 .. T-1, with q = q[b,h,t,:], k = k[b,h,t,:], v = v[b,h,t,:]:
       S[i,j] = g[i] * S[i,j] + k[i] * v[j]
       o[j] = scale * sum_i q[i] * S[i,j]
       if flags & NORMALIZE:
         zn[i] = g[i] * zn[i] + k[i]
         o[j] /= scale * sum_i q[i] * zn[i] + eps
       out[b,h,t,:] = o
     sLast[b,h] = S                            (always written, also T = 0)
   g[i] = 1 without flags & GATE; with it, g = g[b,h,t,:] from g [B,H,T,Dk]
   (a decay per key dimension, GLA) or g[b,h,t,0] for every i from g
   [B,H,T,1] (one decay per step, RetNet / Mamba-2). q, k: [B,H,T,Dk]; v,
   out: [B,H,T,Dv]; s0, sLast: [B,H,Dk,Dv]. Any strides, including 0; out
   and sLast must not overlap any input. Long sequences with states larger
   than 64 x 64 run chunkwise (GEMMs within chunks of steps plus the carried
   state), others step by step; either equals the recurrence up to float
   rounding, for any gates (zero and tiny ones included). */
void _mlir_ciface_tessera_linear_attention_f32(
    tessera_memref4d_f32 *q, tessera_memref4d_f32 *k, tessera_memref4d_f32 *v,
    tessera_memref4d_f32 *g, tessera_memref4d_f32 *s0,
    tessera_memref4d_f32 *out, tessera_memref4d_f32 *sLast, float scale,
    float eps, int64_t flags);

/* Token Merging (ToMe) per batch item b, for x [B,T,C], metric [B,T,M] and
   size [B,T] (tessera.token_merge): the metric rows L2-normalised (a zero row
   stays zero), A = the even tokens, B = the odd ones; each a in A takes its
   most similar b (the first on ties; with `protect` token 0 is never
   merged); the r tokens of A with the highest similarity (stable: the lower
   index first) are merged into their b by a size-weighted mean. out
   [B,T-r,C] is the unmerged A tokens in order, then B in order; outSize
   [B,T-r] their sizes. Any strides; out and outSize must not overlap the
   inputs. r <= (T - protect) / 2. */
void _mlir_ciface_tessera_token_merge_f32(tessera_memref3d_f32 *x,
                                          tessera_memref3d_f32 *metric,
                                          tessera_memref2d_f32 *size,
                                          tessera_memref3d_f32 *out,
                                          tessera_memref2d_f32 *outSize,
                                          int64_t r, int64_t protect);

/* Token pruning per batch item b, for x [B,T,C], scores [B,T] and size
   [B,T] (tessera.token_prune): out [B,keep,C] is token 0, then the keep - 1
   other tokens of highest score (stable: the lower index first on ties; NaN
   lowest) in their original order; outSize [B,keep] their sizes. Any
   strides; the outputs must not overlap the inputs. 1 <= keep <= T. */
void _mlir_ciface_tessera_token_prune_f32(tessera_memref3d_f32 *x,
                                          tessera_memref2d_f32 *scores,
                                          tessera_memref2d_f32 *size,
                                          tessera_memref3d_f32 *out,
                                          tessera_memref2d_f32 *outSize,
                                          int64_t keep);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_RUNTIME_H */
