// Shared helpers for the runtime unit tests (tessera-runtime-tests).
#ifndef TESSERA_TEST_UNIT_TESTUTIL_H
#define TESSERA_TEST_UNIT_TESTUTIL_H

#include "tessera_runtime.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

// Each subcommand prints lines for FileCheck and returns the exit code.
int runNpyTests(int argc, char **argv);
int runNpyRead(int argc, char **argv);
int runNpyMalformed(int argc, char **argv);
int runGemmTests(int argc, char **argv);

// Deterministic values in [-1, 1).
inline std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  for (float &x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
  }
  return v;
}

// The linear layer's activations (TESSERA_LINEAR_ACT_*) in double.
inline double activationRef(int act, double x) {
  switch (act) {
  case TESSERA_LINEAR_ACT_RELU:
    return x < 0 ? 0 : x;
  case TESSERA_LINEAR_ACT_GELU:
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case TESSERA_LINEAR_ACT_GELU_TANH:
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  case TESSERA_LINEAR_ACT_SILU:
    return x / (1 + std::exp(-x));
  case TESSERA_LINEAR_ACT_SIGMOID:
    return 1 / (1 + std::exp(-x));
  case TESSERA_LINEAR_ACT_TANH:
    return std::tanh(x);
  default:
    return x;
  }
}

#endif
