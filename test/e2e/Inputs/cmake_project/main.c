/* Runs the two models compiled by tessera_add_model: mlp (y = MLP(x)) on
   x[i] = i / 16, and two (sum = x + ids, twice = 2 * ids). */
#include "mlp.h"
#include "two.h"

#include <stdio.h>

int main(void) {
  float x[16], y[8];
  for (int i = 0; i < 16; ++i)
    x[i] = (float)i / 16.0f;
  const void *mlpIn[] = {x};
  void *mlpOut[] = {y};
  if (mlp_run(mlpIn, mlpOut) != TESSERA_OK) {
    fprintf(stderr, "mlp: %s\n", mlp_status_message());
    return 1;
  }
  printf("mlp %s: %d input, y =", mlp_model_info()->inputs[0].name,
         MLP_NUM_INPUTS);
  for (int i = 0; i < 8; ++i)
    printf(" %.6g", y[i]);
  printf("\n");

  int64_t ids[6] = {0, 1, 2, 3, 4, 5}, twice[6];
  float half[6] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, sum[6];
  const void *twoIn[] = {ids, half};
  void *twoOut[] = {sum, twice};
  if (two_run(twoIn, twoOut) != TESSERA_OK) {
    fprintf(stderr, "two: %s\n", two_status_message());
    return 1;
  }
  printf("two: sum[5] = %.1f, twice[5] = %lld\n", sum[5], (long long)twice[5]);
  return 0;
}
