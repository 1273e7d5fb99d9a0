// Shared by the fuzz targets.
#ifndef TESSERA_TEST_FUZZ_FUZZOPTIONS_H
#define TESSERA_TEST_FUZZ_FUZZOPTIONS_H

#include <cstdlib>
#include <cstring>

/// ONNX's shape inference (a fork per input) only with
/// TESSERA_FUZZ_SHAPE_INFERENCE=1: without it the targets run several times
/// faster; with it they also cover the importer's cross-checks.
inline bool fuzzShapeInference() {
  static const bool on = [] {
    const char *v = std::getenv("TESSERA_FUZZ_SHAPE_INFERENCE");
    return v && !std::strcmp(v, "1");
  }();
  return on;
}

#endif // TESSERA_TEST_FUZZ_FUZZOPTIONS_H
