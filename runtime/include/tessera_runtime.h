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
} tessera_dtype;

typedef struct {
  const char *name; /* the ONNX graph input/output name */
  tessera_dtype dtype;
  int32_t rank;
  const int64_t *shape;
} tessera_tensor_info;

/* What the compiler emits for every model (symbol `tessera_model`). */
typedef struct {
  int32_t num_inputs;
  int32_t num_outputs;
  const tessera_tensor_info *inputs;
  const tessera_tensor_info *outputs;
  /* descs[i] points to the memref descriptor of input i, then output i:
     {void *allocated; void *aligned; int64_t offset; int64_t sizes[rank];
      int64_t strides[rank];} */
  void (*entry)(void **descs);
} tessera_model_info;

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_RUNTIME_H */
