/* A hand-written model in the shape the compiler emits (--name=add): Sum = A +
   B (f32 [2,3]) plus a pass-through int64 output, used by the tessera_main
   tests. */
#include "tessera_runtime.h"

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} MemRef2D;

typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} MemRef1DI64;

static const int64_t matShape[2] = {2, 3};
static const int64_t idsShape[1] = {4};

static const tessera_tensor_info inputs[] = {
    {"A", TESSERA_F32, 2, matShape},
    {"B", TESSERA_F32, 2, matShape},
    {"ids", TESSERA_I64, 1, idsShape},
};
static const tessera_tensor_info outputs[] = {
    {"Sum", TESSERA_F32, 2, matShape},
    {"ids/out", TESSERA_I64, 1, idsShape},
};

static void entry(void **descs) {
  MemRef2D *a = descs[0], *b = descs[1], *sum = descs[3];
  MemRef1DI64 *ids = descs[2], *idsOut = descs[4];
  for (int64_t i = 0; i < a->sizes[0]; ++i)
    for (int64_t j = 0; j < a->sizes[1]; ++j)
      sum->aligned[sum->offset + i * sum->strides[0] + j * sum->strides[1]] =
          a->aligned[a->offset + i * a->strides[0] + j * a->strides[1]] +
          b->aligned[b->offset + i * b->strides[0] + j * b->strides[1]];
  for (int64_t i = 0; i < ids->sizes[0]; ++i)
    idsOut->aligned[i * idsOut->strides[0]] = ids->aligned[i * ids->strides[0]];
}

static const tessera_model_info model = {3, 2, inputs, outputs, entry, NULL};

const tessera_model_info *add_model_info(void) { return &model; }

int add_main(int argc, char **argv) { return tessera_main(&model, argc, argv); }
