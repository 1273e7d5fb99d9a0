// --report: what the graph-level passes did, op counts before and after them,
// and the time of every stage, as JSON (or a short summary on stderr).
#ifndef TESSERA_COMPILER_REPORT_H
#define TESSERA_COMPILER_REPORT_H

#include "compiler/Calibration.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::tessera {

/// A linear layer --sparsity looked at: its name, the format it runs in
/// ("dense" or tessera.linear's `sparsity`) and its share of zero weights.
struct SparseLayer {
  std::string name, format;
  int64_t weights = 0;
  double zeros = 0;
};

struct CompileReport {
  std::string model;
  /// "pass/pattern" -> matches, in pipeline order.
  std::vector<std::pair<std::string, int64_t>> patterns;
  /// Op name -> count, before and after the graph pipeline.
  std::map<std::string, int64_t> opsBefore, opsAfter;
  /// Multiply-adds of the contractions (matmul, linear, conv, attention,
  /// einsum) after the graph pipeline, times two.
  int64_t flops = 0;
  /// Kernel call sites and distinct kernel functions after outlining (-1:
  /// not lowered).
  int64_t kernelCalls = -1, distinctKernels = -1;
  /// Bytes of the statically planned arenas (tessera-plan-arena) and the sum
  /// of the temporaries placed in them (-1: not lowered).
  int64_t arenaBytes = -1, arenaUnplannedBytes = -1;
  /// The f32 linear layers with constant weights, after --sparsity.
  std::vector<SparseLayer> sparseLayers;
  /// --drop-layers: every sublayer's input/output similarity on the
  /// calibration inputs (`dropSamples` of them), and which went.
  std::vector<SublayerSimilarity> sublayers;
  int64_t dropSamples = 0;
  std::string dropInputs;
  /// --padding-free: each result that padding rows reach, with the mask
  /// input whose padding positions it differs at from the padded build.
  std::vector<std::pair<std::string, std::string>> paddingOutputs;
  /// What an accuracy-changing pass changed, on calibration inputs.
  std::optional<AccuracyReport> accuracy;
  /// Stage name -> milliseconds, in order.
  std::vector<std::pair<std::string, double>> stageMs;

  /// Counts the ops of each kind in `module` (the module op itself excluded).
  static std::map<std::string, int64_t> countOps(ModuleOp module);

  /// 2 x the multiply-adds of the contractions in `module` (tessera level).
  static int64_t countFlops(ModuleOp module);
  /// Fills kernelCalls, distinctKernels and the arena sizes from a lowered
  /// module.
  void countKernels(ModuleOp module);
  /// Fills sparseLayers from the graph-level module.
  void countSparsity(ModuleOp module);
  /// Fills paddingOutputs from the graph-level module (tessera-padding-free).
  void countPadding(ModuleOp module);

  void writeJson(raw_ostream &os) const;
  void writeSummary(raw_ostream &os) const;
};

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_REPORT_H
