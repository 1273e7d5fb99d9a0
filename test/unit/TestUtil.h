// Shared helpers for the runtime unit tests (tessera-runtime-tests).
#ifndef TESSERA_TEST_UNIT_TESTUTIL_H
#define TESSERA_TEST_UNIT_TESTUTIL_H

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

#endif
