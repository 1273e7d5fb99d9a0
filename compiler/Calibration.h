// What an accuracy-changing pass (--quantize, --sparsity) costs, measured the way
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
  /// What the pass did to the layers ("quantized", "pruned").
  std::string change = "quantized";
  /// The model's outputs, then each changed layer's (name: its ONNX node,
  /// when known).
  std::vector<OutputAccuracy> outputs, layers;
};

/// A quantized layer: a readable name (with the ONNX node it came from,
/// when its location has one) and the model output that carries its result.
struct LayerProbe {
  std::string name, output;
};

/// The numbered layers of an accuracy-changing pass: the attribute that
/// numbers them and the prefix of their names.
struct LayerNumbering {
  StringRef attr, prefix;
};
constexpr LayerNumbering kQuantizedLayers{"tessera.qlayer", "qlayer"},
    kPrunedLayers{"tessera.slayer", "slayer"},
    kNoLayers{"tessera.no-layer", "layer"};

/// `<prefix><n>`, then the ONNX node `op` came from when its location has
/// one: how the report names a numbered layer.
std::string layerName(Operation *op, StringRef prefix, int64_t n);

/// Makes the result of every op numbered by `numbering` an output of
/// @main_graph (a new one named `<prefix><N>`, unless it is one already).
std::vector<LayerProbe> probeLayers(ModuleOp module, LayerNumbering numbering);

/// int8-static: the outputs that carry the minimum and the maximum over a
/// quantized layer's input.
struct RangeProbe {
  std::string low, high;
};

/// Adds the minimum and the maximum over the input of every op numbered by
/// `numbering` as two scalar outputs of @main_graph, in layer order.
std::vector<RangeProbe> probeLayerInputRanges(ModuleOp module,
                                              LayerNumbering numbering);

/// Runs the executable `exe` (built with probeLayerInputRanges) on the
/// samples of `calibrationDir` (as measureAccuracy) and sets `ranges` to
/// each probe's lo, hi over all of them, widened to hold 0. Returns the
/// number of samples.
FailureOr<int64_t> measureRanges(StringRef exe, const ModelSignature &sig,
                                 StringRef calibrationDir,
                                 ArrayRef<RangeProbe> probes,
                                 std::vector<double> &ranges,
                                 std::string &error);

/// Runs the executables `reference` and `changed` (both with signature
/// `sig`) on every sample of `calibrationDir` (NAME.npy per graph
/// input, or sub-directories each holding one such set), or, when it is
/// empty, on one set of random inputs (floats N(0, 1), integers 0, booleans
/// false), and compares their outputs, accumulated over the samples.
/// The first `modelOutputs` outputs are the model's; `layers` say which
/// outputs are the quantized layers' (probeQuantizedLayers).
FailureOr<AccuracyReport> measureAccuracy(StringRef reference,
                                          StringRef changed,
                                          const ModelSignature &sig,
                                          size_t modelOutputs,
                                          ArrayRef<LayerProbe> layers,
                                          StringRef calibrationDir,
                                          std::string &error);

/// A sublayer of --drop-layers: its kind ("attention", "mlp"), index among
/// its kind, ONNX node (or ""), the output of the measuring build that
/// carries its input/output cosine similarity, the similarity averaged over
/// the calibration samples, and whether it was dropped.
struct SublayerSimilarity {
  std::string kind;
  int64_t index = 0;
  std::string node, output;
  double similarity = 0;
  bool dropped = false;
};

/// Runs the executable `exe` (signature `sig`) on the samples of
/// `calibrationDir` (as measureAccuracy; random inputs when empty) and sets
/// each sublayer's similarity to the mean of its scalar output over them.
/// Returns the number of samples.
FailureOr<int64_t> measureSublayers(StringRef exe, const ModelSignature &sig,
                                    StringRef calibrationDir,
                                    std::vector<SublayerSimilarity> &sublayers,
                                    std::string &error);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_CALIBRATION_H
