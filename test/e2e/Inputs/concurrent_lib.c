/* Runs a model compiled with --emit=lib from several threads at once, each on
   its own inputs (the float inputs scaled by 1 + t/8), and checks that every
   output is bit-identical to a sequential run on the same inputs: the packed
   weight cache, the allocator, the arena, the thread pool and the profile
   hooks are shared by concurrent runs.
   usage: concurrent_lib IN_DIR THREADS ROUNDS */
#include "model.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_THREADS = 16 };
#define NI MODEL_NUM_INPUTS
#define NO MODEL_NUM_OUTPUTS

static const tessera_model_info *m;
static void *inputs[MAX_THREADS][NI + 1];
static void *expected[MAX_THREADS][NO + 1];
static int rounds, failed;

static int run(int t, void **outputs) {
  if (model_run((const void *const *)inputs[t], outputs) != TESSERA_OK) {
    fprintf(stderr, "concurrent_lib: %s\n", model_status_message());
    return 1;
  }
  return 0;
}

static void *worker(void *arg) {
  int t = (int)(intptr_t)arg;
  void *outputs[NO + 1];
  for (int i = 0; i < NO; ++i)
    outputs[i] = tessera_alloc(tessera_tensor_nbytes(&m->outputs[i]));
  for (int r = 0; r < rounds; ++r) {
    if (run(t, outputs)) {
      __atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
      break;
    }
    for (int i = 0; i < NO; ++i)
      if (memcmp(outputs[i], expected[t][i], tessera_tensor_nbytes(&m->outputs[i]))) {
        fprintf(stderr, "thread %d round %d: output %s differs\n", t, r, m->outputs[i].name);
        __atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
      }
  }
  for (int i = 0; i < NO; ++i)
    tessera_free(outputs[i]);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  int threads = atoi(argv[2]);
  rounds = atoi(argv[3]);
  m = model_model_info();
  if (threads < 1 || threads > MAX_THREADS || rounds < 1)
    return 2;
  char path[4096];
  for (int i = 0; i < NI; ++i) {
    tessera_npy in;
    snprintf(path, sizeof path, "%s/%s.npy", argv[1], m->inputs[i].name);
    if (tessera_npy_read(path, &in) != TESSERA_OK) {
      fprintf(stderr, "concurrent_lib: %s\n", tessera_status_message());
      return 1;
    }
    size_t bytes = tessera_tensor_nbytes(&m->inputs[i]);
    for (int t = 0; t < threads; ++t) {
      inputs[t][i] = tessera_alloc(bytes);
      memcpy(inputs[t][i], in.data, bytes);
      if (m->inputs[i].dtype == TESSERA_F32)
        for (int64_t k = 0; k < tessera_tensor_numel(&m->inputs[i]); ++k)
          ((float *)inputs[t][i])[k] *= 1.0f + t / 8.0f;
    }
    tessera_npy_free(&in);
  }
  /* References: one input set after another. */
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < NO; ++i)
      expected[t][i] = tessera_alloc(tessera_tensor_nbytes(&m->outputs[i]));
    if (run(t, expected[t]))
      return 1;
  }
  pthread_t ids[MAX_THREADS];
  for (int t = 0; t < threads; ++t)
    pthread_create(&ids[t], NULL, worker, (void *)(intptr_t)t);
  for (int t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  if (failed)
    return 1;
  printf("%d threads x %d rounds: identical to sequential runs\n", threads, rounds);
  return 0;
}
