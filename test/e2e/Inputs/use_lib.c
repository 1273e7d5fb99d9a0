/* Uses a model compiled with --emit=lib (name 'model') through its generated
   header, the .npy I/O from the runtime library: reads
   the inputs' .npy files, runs the model, writes one .npy per output.
   usage: use_lib IN_DIR OUT_DIR */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  const tessera_model_info *m = model_model_info();
  if (m->num_inputs != MODEL_NUM_INPUTS || m->num_outputs != MODEL_NUM_OUTPUTS)
    return 3;
  tessera_npy in[MODEL_NUM_INPUTS + 1];
  const void *inputs[MODEL_NUM_INPUTS + 1];
  void *outputs[MODEL_NUM_OUTPUTS + 1];
  char path[4096];
  for (int i = 0; i < m->num_inputs; ++i) {
    snprintf(path, sizeof path, "%s/%s.npy", argv[1], m->inputs[i].name);
    if (tessera_npy_read(path, &in[i]) != TESSERA_OK) {
      fprintf(stderr, "use_lib: %s\n", tessera_status_message());
      return 1;
    }
    inputs[i] = in[i].data;
  }
  for (int i = 0; i < m->num_outputs; ++i)
    outputs[i] = tessera_alloc(tessera_tensor_nbytes(&m->outputs[i]));
  if (model_run(inputs, outputs) != TESSERA_OK) {
    fprintf(stderr, "use_lib: %s\n", model_status_message());
    return 1;
  }
  for (int i = 0; i < m->num_outputs; ++i) {
    const tessera_tensor_info *o = &m->outputs[i];
    snprintf(path, sizeof path, "%s/%s.npy", argv[2], o->name);
    if (tessera_npy_write(path, o->dtype, o->rank, o->shape, outputs[i]) != TESSERA_OK)
      return 1;
    printf("%s: %s[%d]\n", o->name, tessera_dtype_name(o->dtype), (int)o->rank);
    tessera_free(outputs[i]);
  }
  for (int i = 0; i < m->num_inputs; ++i)
    tessera_npy_free(&in[i]);
  return 0;
}
