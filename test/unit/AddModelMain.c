/* main() of the hand-written model, as tessera-compile's stub writes it. */
#include "tessera_runtime.h"

extern const tessera_model_info tessera_model;

int main(int argc, char **argv) {
  return tessera_main(&tessera_model, argc, argv);
}
