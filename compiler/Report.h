// --report: what the graph-level passes did, op counts before and after them,
// and the time of every stage, as JSON (or a short summary on stderr).
#ifndef TESSERA_COMPILER_REPORT_H
#define TESSERA_COMPILER_REPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::tessera {

struct CompileReport {
  std::string model;
  /// "pass/pattern" -> matches, in pipeline order.
  std::vector<std::pair<std::string, int64_t>> patterns;
  /// Op name -> count, before and after the graph pipeline.
  std::map<std::string, int64_t> opsBefore, opsAfter;
  /// Stage name -> milliseconds, in order.
  std::vector<std::pair<std::string, double>> stageMs;

  /// Counts the ops of each kind in `module` (the module op itself excluded).
  static std::map<std::string, int64_t> countOps(ModuleOp module);

  void writeJson(raw_ostream &os) const;
  void writeSummary(raw_ostream &os) const;
};

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_REPORT_H
