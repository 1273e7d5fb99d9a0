// --report output: JSON for tools and tests, a few lines for people.
#include "compiler/Report.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::tessera;

std::map<std::string, int64_t> CompileReport::countOps(ModuleOp module) {
  std::map<std::string, int64_t> counts;
  module.walk([&](Operation *op) {
    if (op != module.getOperation())
      ++counts[op->getName().getStringRef().str()];
  });
  return counts;
}

void CompileReport::writeJson(raw_ostream &os) const {
  llvm::json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attribute("model", model);
    j.attributeObject("passes", [&] {
      // "pass/pattern" -> {"pass": {"pattern": n}}
      llvm::MapVector<StringRef, std::vector<std::pair<StringRef, int64_t>>>
          byPass;
      for (auto &[key, n] : patterns) {
        auto [pass, what] = StringRef(key).split('/');
        byPass[pass].push_back({what, n});
      }
      for (auto &[pass, items] : byPass)
        j.attributeObject(pass, [&] {
          for (auto &[what, n] : items)
            j.attribute(what, n);
        });
    });
    auto ops = [&](StringRef name,
                   const std::map<std::string, int64_t> &counts) {
      j.attributeObject(name, [&] {
        for (auto &[op, n] : counts)
          j.attribute(op, n);
      });
    };
    ops("ops_before", opsBefore);
    ops("ops_after", opsAfter);
    j.attributeObject("times_ms", [&] {
      for (auto &[stage, ms] : stageMs)
        j.attribute(stage, ms);
    });
  });
  os << "\n";
}

void CompileReport::writeSummary(raw_ostream &os) const {
  os << "tessera-compile: report for " << model << "\n  fusion:";
  bool any = false;
  for (auto &[key, n] : patterns)
    if (n) {
      os << " " << StringRef(key).split('/').second << "=" << n;
      any = true;
    }
  if (!any)
    os << " nothing fused";
  os << "\n  graph ops:";
  int64_t before = 0, after = 0;
  for (auto &[op, n] : opsBefore)
    before += n;
  for (auto &[op, n] : opsAfter)
    after += n;
  os << " " << before << " -> " << after << " (";
  bool first = true;
  for (auto &[op, n] : opsAfter) {
    StringRef name(op);
    if (!name.starts_with("tessera.") || name == "tessera.constant")
      continue;
    os << (first ? "" : ", ") << name.drop_front(8) << " " << n;
    first = false;
  }
  os << ")\n  times:";
  for (auto &[stage, ms] : stageMs)
    os << " " << stage << " " << llvm::format("%.0f", ms) << " ms";
  os << "\n";
}
