// --report output: JSON for tools and tests, a few lines for people.
#include "compiler/Report.h"

#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <cmath>

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

namespace {

int64_t elements(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape() ? shaped.getNumElements() : 0;
}

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

/// Multiply-adds of one contraction; 0 for anything else.
int64_t macs(Operation *op) {
  if (op->getNumResults() == 0 || elements(op->getResult(0).getType()) == 0)
    return 0;
  int64_t out = elements(op->getResult(0).getType());
  if (auto mm = dyn_cast<MatmulOp>(op))
    return out * shapeOf(mm.getLhs()).back();
  if (auto linear = dyn_cast<LinearOp>(op))
    return out * shapeOf(linear.getInput()).back();
  if (auto conv = dyn_cast<ConvOp>(op)) {
    int64_t perOutput = 1;
    for (int64_t d : shapeOf(conv.getWeight()).drop_front())
      perOutput *= d;
    return out * perOutput;
  }
  if (auto attn = dyn_cast<AttentionOp>(op)) {
    ArrayRef<int64_t> q = shapeOf(attn.getQuery());
    int64_t keys = shapeOf(attn.getKey()).drop_back().back();
    int64_t queries = q.drop_back().back();
    // Causal: query i sees keys 0..i.
    int64_t pairs = queries * keys;
    if (attn.getCausal())
      for (int64_t i = (pairs = 0); i < queries; ++i)
        pairs += std::min(i + 1, keys);
    int64_t heads = elements(attn.getQuery().getType()) / q.back() / queries;
    return heads * pairs * (q.back() + shapeOf(attn.getValue()).back());
  }
  if (auto einsum = dyn_cast<EinsumOp>(op)) {
    // Every index once: the product of all letters' extents.
    std::map<char, int64_t> extent;
    StringRef inputs = StringRef(einsum.getEquation()).split("->").first;
    SmallVector<StringRef> terms;
    inputs.split(terms, ',');
    if (terms.size() != einsum.getInputs().size())
      return 0;
    for (auto [term, input] : llvm::zip(terms, einsum.getInputs())) {
      ArrayRef<int64_t> shape = shapeOf(input);
      if (term.size() != shape.size())
        return 0; // ellipses: not counted
      for (auto [c, d] : llvm::zip(term, shape))
        extent[c] = d;
    }
    int64_t all = 1;
    for (auto &[c, d] : extent)
      all *= d;
    return all;
  }
  return 0;
}

} // namespace

int64_t CompileReport::countFlops(ModuleOp module) {
  int64_t total = 0;
  module.walk([&](Operation *op) { total += 2 * macs(op); });
  return total;
}

void CompileReport::countKernels(ModuleOp module) {
  kernelCalls = distinctKernels = arenaBytes = arenaUnplannedBytes = 0;
  // At any level (func or llvm dialect): kernels are the symbols marked by
  // tessera-outline-kernels; a kernel run on the thread pool is referenced
  // through its trampoline (tessera.task) instead of called.
  llvm::DenseSet<StringRef> kernels;
  for (auto fn : module.getOps<SymbolOpInterface>()) {
    bool kernel = fn->hasAttr("tessera.kernel");
    distinctKernels += kernel;
    if (kernel || fn->hasAttr("tessera.task"))
      kernels.insert(fn.getName());
    if (auto bytes = fn->getAttrOfType<IntegerAttr>("tessera.arena_bytes"))
      arenaBytes += bytes.getInt();
    if (auto bytes =
            fn->getAttrOfType<IntegerAttr>("tessera.arena_unplanned_bytes"))
      arenaUnplannedBytes += bytes.getInt();
  }
  // A call, or the address of a trampoline, outside the trampolines.
  module->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op->hasAttr("tessera.task"))
      return WalkResult::skip();
    kernelCalls += llvm::any_of(op->getAttrs(), [&](NamedAttribute attr) {
      auto ref = dyn_cast<FlatSymbolRefAttr>(attr.getValue());
      return ref && kernels.contains(ref.getValue());
    });
    return WalkResult::advance();
  });
}

void CompileReport::countSparsity(ModuleOp module) {
  int64_t unnumbered = 0;
  module.walk([&](LinearOp op) {
    if (!op.getType().getElementType().isF32() ||
        !op.getWeight().getDefiningOp<ConstantOp>())
      return;
    std::optional<SmallVector<double>> w =
        fusion::getConstantValues(op.getWeight());
    if (!w)
      return;
    SparseLayer layer;
    auto n = op->getAttrOfType<IntegerAttr>(kPrunedLayers.attr);
    layer.name = n ? layerName(op, kPrunedLayers.prefix, n.getInt())
                   : layerName(op, "linear", unnumbered++);
    layer.format = op.getSparsity() ? op.getSparsity()->str() : "dense";
    layer.weights = int64_t(w->size());
    layer.zeros = w->empty() ? 0.0
                             : double(llvm::count(*w, 0.0)) / double(w->size());
    sparseLayers.push_back(std::move(layer));
  });
}

void CompileReport::countPadding(ModuleOp module) {
  paddingOutputs.clear();
  module.walk([&](func::FuncOp fn) {
    for (unsigned i = 0; i < fn.getNumResults(); ++i)
      if (auto mask = fn.getResultAttrOfType<StringAttr>(
              i, "tessera.padding_differs")) {
        auto name = fn.getResultAttrOfType<StringAttr>(i, "tessera.name");
        paddingOutputs.push_back(
            {name ? name.str() : "#" + std::to_string(i), mask.str()});
      }
  });
}

void CompileReport::writeJson(raw_ostream &os) const {
  llvm::json::OStream j(os, /*IndentSize=*/2);
  j.object([&] {
    j.attribute("model", model);
    if (!paddingOutputs.empty())
      j.attributeArray("padding_free_outputs", [&] {
        for (auto &[output, mask] : paddingOutputs)
          j.object([&] {
            j.attribute("output", output);
            j.attribute("differs_where_zero", mask);
          });
      });
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
    j.attribute("gflop", flops / 1e9);
    if (kernelCalls >= 0) {
      j.attribute("kernel_calls", kernelCalls);
      j.attribute("distinct_kernels", distinctKernels);
      j.attribute("arena_bytes", arenaBytes);
      j.attribute("arena_unplanned_bytes", arenaUnplannedBytes);
    }
    if (!sparseLayers.empty())
      j.attributeArray("sparsity", [&] {
        for (const SparseLayer &l : sparseLayers)
          j.object([&] {
            j.attribute("layer", l.name);
            j.attribute("format", l.format);
            j.attribute("weights", l.weights);
            j.attribute("zero_fraction", l.zeros);
          });
      });
    if (!sublayers.empty())
      j.attributeObject("drop_layers", [&] {
        j.attribute("inputs",
                    dropInputs.empty() ? "random (no --calibration)" : dropInputs);
        j.attribute("samples", dropSamples);
        // Input/output cosine similarity of every sublayer: the most similar
        // (most redundant) of a kind are the ones dropped.
        j.attributeArray("sublayers", [&] {
          for (const SublayerSimilarity &l : sublayers)
            j.object([&] {
              j.attribute("kind", l.kind);
              j.attribute("index", l.index);
              j.attribute("node", l.node);
              if (std::isfinite(l.similarity))
                j.attribute("similarity", l.similarity);
              else
                j.attribute("similarity", nullptr);
              j.attribute("dropped", l.dropped);
            });
        });
      });
    if (accuracy)
      j.attributeObject("accuracy", [&] {
        j.attribute("inputs", accuracy->calibrationDir.empty()
                                  ? "random (no --calibration)"
                                  : accuracy->calibrationDir);
        j.attribute("samples", accuracy->samples);
        // JSON has no inf/NaN: null stands for them.
        auto number = [&](StringRef key, double v) {
          if (std::isfinite(v))
            j.attribute(key, v);
          else
            j.attribute(key, nullptr);
        };
        j.attributeObject("outputs", [&] {
          for (const OutputAccuracy &o : accuracy->outputs)
            j.attributeObject(o.name, [&] {
              number("rel_l2", o.relL2);
              number("cosine", o.cosine);
              number("sqnr_db", o.sqnrDb);
              if (o.top1Agreement >= 0)
                j.attribute("top1_agreement", o.top1Agreement);
            });
        });
        // Each quantized layer's output in the quantized model against the
        // same layer's in the fp32 one (errors of earlier layers included).
        j.attributeArray("layers", [&] {
          for (const OutputAccuracy &o : accuracy->layers)
            j.object([&] {
              j.attribute("layer", o.name);
              number("sqnr_db", o.sqnrDb);
              number("rel_l2", o.relL2);
            });
        });
      });
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
  os << ")\n  work: " << llvm::format("%.3f", flops / 1e9) << " GFLOP";
  if (kernelCalls >= 0)
    os << ", " << kernelCalls << " kernel calls to " << distinctKernels
       << " distinct kernels, arena "
       << llvm::format("%.1f", arenaBytes / 1048576.0) << " MiB (temporaries "
       << llvm::format("%.1f", arenaUnplannedBytes / 1048576.0) << " MiB)";
  for (auto &[output, mask] : paddingOutputs)
    os << "\n  padding-free: '" << output << "' differs from the padded "
       << "computation where '" << mask << "' is 0 (padding positions)";
  if (!sparseLayers.empty()) {
    int64_t sparse = 0, weights = 0;
    double zeros = 0;
    for (const SparseLayer &l : sparseLayers) {
      sparse += l.format != "dense";
      weights += l.weights;
      zeros += l.zeros * double(l.weights);
    }
    auto [lo, hi] = std::minmax_element(
        sparseLayers.begin(), sparseLayers.end(),
        [](const SparseLayer &a, const SparseLayer &b) {
          return a.zeros < b.zeros;
        });
    os << "\n  sparsity: " << sparse << " of " << sparseLayers.size()
       << " linear layers on sparse kernels, weights "
       << llvm::format("%.1f", 100.0 * zeros / double(std::max<int64_t>(weights, 1)))
       << "% zero (per layer " << llvm::format("%.1f", 100.0 * lo->zeros)
       << "-" << llvm::format("%.1f", 100.0 * hi->zeros) << "%)";
  }
  if (!sublayers.empty()) {
    os << "\n  drop-layers (" << dropSamples << " sample"
       << (dropSamples == 1 ? "" : "s") << ", "
       << (dropInputs.empty() ? "random inputs" : dropInputs)
       << "): input/output cosine similarity";
    for (const char *kind : {"attention", "mlp"}) {
      bool any = false;
      for (const SublayerSimilarity &l : sublayers) {
        if (l.kind != kind)
          continue;
        os << (any ? "," : "\n    " + std::string(kind) + ":") << " "
           << l.index << (l.dropped ? "*" : "") << " "
           << llvm::format("%.4f", l.similarity);
        any = true;
      }
    }
    os << "\n    (* dropped)";
  }
  if (accuracy) {
    os << "\n  accuracy (" << accuracy->samples << " sample"
       << (accuracy->samples == 1 ? "" : "s") << ", "
       << (accuracy->calibrationDir.empty() ? "random inputs"
                                            : accuracy->calibrationDir)
       << "):";
    for (const OutputAccuracy &o : accuracy->outputs) {
      os << " " << o.name << " rel_l2 " << llvm::format("%.2e", o.relL2)
         << " cosine " << llvm::format("%.6f", o.cosine) << " sqnr "
         << llvm::format("%.1f", o.sqnrDb) << " dB";
      if (o.top1Agreement >= 0)
        os << " top1 " << llvm::format("%.4f", o.top1Agreement);
    }
    if (!accuracy->layers.empty()) {
      auto worst = llvm::min_element(
          accuracy->layers, [](const OutputAccuracy &a, const OutputAccuracy &b) {
            return a.sqnrDb < b.sqnrDb;
          });
      os << "\n  layers: " << accuracy->layers.size() << " "
         << accuracy->change << ", lowest SQNR " << llvm::format("%.1f", worst->sqnrDb)
         << " dB (" << worst->name << ")";
    }
  }
  os << "\n  times:";
  for (auto &[stage, ms] : stageMs)
    os << " " << stage << " " << llvm::format("%.0f", ms) << " ms";
  os << "\n";
}
