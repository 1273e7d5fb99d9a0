// What an accuracy-changing pass (--quantize) costs, measured the way
// DESIGN.md asks: the changed model and its fp32 build both run on
// calibration inputs, and every output of the one is compared with the
// other's. A calibration run is the ordinary compiled model.
#ifndef TESSERA_COMPILER_CALIBRATION_H
#define TESSERA_COMPILER_CALIBRATION_H

#include "compiler/Link.h"

#include <string>
#include <vector>

namespace mlir::tessera {

struct OutputAccuracy {
  std::string name;
  double relL2 = 0, cosine = 1;
  /// Share of rows whose argmax over the last axis agrees (float outputs
  /// with a last axis of 2 or more), else negative.
  double top1Agreement = -1;
  /// 10 log10(|ref|^2 / |changed - ref|^2), in dB (inf when equal).
  double sqnrDb = 0;
};

struct AccuracyReport {
  /// The calibration directory, or empty for random inputs.
  std::string calibrationDir;
  int64_t samples = 0;
  std::vector<OutputAccuracy> outputs;
};

/// Runs the executables `reference` and `changed` (the same model's
/// signature `sig`) on every sample of `calibrationDir` (NAME.npy per graph
/// input, or sub-directories each holding one such set), or, when it is
/// empty, on one set of random inputs (floats N(0, 1), integers 0, booleans
/// false), and compares their outputs, accumulated over the samples.
FailureOr<AccuracyReport> measureAccuracy(StringRef reference,
                                          StringRef changed,
                                          const ModelSignature &sig,
                                          StringRef calibrationDir,
                                          std::string &error);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_CALIBRATION_H
