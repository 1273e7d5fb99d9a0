/* Two compiled models in one program: `gpt2` and `vit` (--name), their
   headers given with -include. Runs each on IN_DIR/NAME.npy per input and
   writes OUT_DIR/NAME.npy per output; the .npy I/O is the runtime library's.
   With -DGPT2_WEIGHTS the gpt2 model was compiled with --weights=external
   and its weights file is argv[5].
   usage: two_models GPT2_IN GPT2_OUT VIT_IN VIT_OUT [GPT2_WEIGHTS] */
#include "tessera_runtime.h"

#include <stdio.h>

typedef tessera_status (*RunFn)(const void *const *, void *const *);

static int runModel(const char *label, const tessera_model_info *m, RunFn run,
                    const char *(*message)(void), const char *inDir,
                    const char *outDir) {
  tessera_npy in[16];
  const void *inputs[16];
  void *outputs[16];
  char path[4096];
  if (m->num_inputs > 16 || m->num_outputs > 16)
    return 1;
  for (int i = 0; i < m->num_inputs; ++i) {
    snprintf(path, sizeof path, "%s/%s.npy", inDir, m->inputs[i].name);
    if (tessera_npy_read(path, &in[i]) != TESSERA_OK) {
      fprintf(stderr, "%s: %s\n", label, tessera_status_message());
      return 1;
    }
    inputs[i] = in[i].data;
  }
  for (int i = 0; i < m->num_outputs; ++i)
    outputs[i] = tessera_alloc(tessera_tensor_nbytes(&m->outputs[i]));
  if (run(inputs, outputs) != TESSERA_OK) {
    fprintf(stderr, "%s: %s\n", label, message());
    return 1;
  }
  for (int i = 0; i < m->num_outputs; ++i) {
    const tessera_tensor_info *o = &m->outputs[i];
    snprintf(path, sizeof path, "%s/%s.npy", outDir, o->name);
    if (tessera_npy_write(path, o->dtype, o->rank, o->shape, outputs[i]) !=
        TESSERA_OK)
      return 1;
    printf("%s %s: %s[%d]\n", label, o->name, tessera_dtype_name(o->dtype),
           (int)o->rank);
    tessera_free(outputs[i]);
  }
  for (int i = 0; i < m->num_inputs; ++i)
    tessera_npy_free(&in[i]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5)
    return 2;
#ifdef GPT2_WEIGHTS
  if (argc < 6 || gpt2_set_weights_path(argv[5]) != TESSERA_OK) {
    fprintf(stderr, "gpt2: %s\n", gpt2_status_message());
    return 1;
  }
#endif
  if (GPT2_NUM_INPUTS != gpt2_model_info()->num_inputs ||
      VIT_NUM_OUTPUTS != vit_model_info()->num_outputs)
    return 3;
  return runModel("gpt2", gpt2_model_info(), gpt2_run, gpt2_status_message,
                  argv[1], argv[2]) ||
         runModel("vit", vit_model_info(), vit_run, vit_status_message, argv[3],
                  argv[4]);
}
