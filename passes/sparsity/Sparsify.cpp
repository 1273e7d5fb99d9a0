// Weight sparsity of fp32 linear layers: prune by magnitude (opt-in,
// accuracy-changing) and mark the weights a sparse kernel runs faster on
// (tessera.linear's `sparsity`, which never changes the result). What is
// left alone is counted by reason for --report.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/TesseraOps.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mlir::tessera {
#define GEN_PASS_DEF_SPARSIFY
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// The layer number the accuracy report matches the two builds by.
constexpr StringLiteral kLayerAttr = "tessera.slayer";

/// A sparse kernel format and the sparsity from which it beats the dense
/// GEMM: `tessera-sparse-gemm-bench` at M = 128, N = K = 768, one thread
/// (the share of zero blocks; rounded up to the next 0.05 where runs
/// differed). N:M kernels run at a fixed density n/m: 2:4 measured 1.2x
/// dense, i.e. as fast as a block format at 40%. `smallM`: whether the
/// kernel still wins at fewer than 16 rows (it does not for 1x1, whose
/// every weight costs an index lookup, nor for N:M, measured 0.34-0.66x
/// dense; 1x16 is 0.85x at 5-8 rows).
struct KernelFormat {
  SparsityPattern pattern;
  double breakEven;
  bool smallM;
};

const KernelFormat kFormats[] = {
    {{false, 1, 16}, 0.40, false}, {{false, 1, 32}, 0.40, false},
    {{false, 4, 16}, 0.30, false}, {{false, 16, 1}, 0.45, true},
    {{false, 4, 4}, 0.30, true},   {{false, 1, 1}, 0.45, false},
    {{true, 2, 4}, 0.40, false},
};

/// The same for the AVX2 kernels (`kernels=avx2`: CPUs without AVX-512),
/// measured on an AMD EPYC (Zen 2). 2:4 ran at 0.69x dense there, as a
/// block format would at 66%: it never wins.
const KernelFormat kFormatsAvx2[] = {
    {{false, 1, 16}, 0.60, false}, {{false, 1, 32}, 0.65, false},
    {{false, 4, 16}, 0.40, false}, {{false, 16, 1}, 0.45, true},
    {{false, 4, 4}, 0.40, true},   {{false, 1, 1}, 0.75, false},
    {{true, 2, 4}, 0.70, false},
};

/// What --sparsity asks for.
struct Request {
  enum Kind { Auto, Unstructured, Block, NM } kind = Auto;
  SparsityPattern pattern; // Block, NM
  double fraction = 0;     // Unstructured, Block
};

FailureOr<Request> parseRequest(StringRef text) {
  Request r;
  auto fraction = [&](StringRef s) {
    return !s.getAsDouble(r.fraction) && r.fraction >= 0 && r.fraction < 1;
  };
  if (text == "auto")
    return r;
  if (text.consume_front("unstructured:")) {
    r.kind = Request::Unstructured;
    r.pattern = {false, 1, 1};
    if (!fraction(text))
      return failure();
    return r;
  }
  if (text.starts_with("block:")) {
    auto [shape, p] = text.rsplit(':');
    FailureOr<SparsityPattern> pattern = parseSparsityPattern(shape);
    if (failed(pattern) || !fraction(p))
      return failure();
    r.kind = Request::Block;
    r.pattern = *pattern;
    return r;
  }
  FailureOr<SparsityPattern> pattern = parseSparsityPattern(text);
  if (failed(pattern) || !pattern->nm)
    return failure();
  r.kind = Request::NM;
  r.pattern = *pattern;
  return r;
}

/// A weight in its [N, K] view, row-major (a copy).
struct Weight {
  int64_t n, k;
  std::vector<float> w;
  float &at(int64_t r, int64_t c) { return w[r * k + c]; }
  float at(int64_t r, int64_t c) const { return w[r * k + c]; }
};

/// The share of `pattern`'s units that hold a nonzero: blocks for the block
/// formats; for N:M, n/m when every group fits it, else 1.
double storedShare(const Weight &w, const SparsityPattern &pattern) {
  if (pattern.nm) {
    for (int64_t r = 0; r < w.n; ++r)
      for (int64_t g = 0; g < w.k; g += pattern.cols) {
        int64_t nonzeros = 0;
        for (int64_t c = g; c < g + pattern.cols; ++c)
          nonzeros += w.at(r, c) != 0.0f;
        if (nonzeros > pattern.rows)
          return 1.0;
      }
    return double(pattern.rows) / double(pattern.cols);
  }
  int64_t stored = 0;
  for (int64_t r0 = 0; r0 < w.n; r0 += pattern.rows)
    for (int64_t c0 = 0; c0 < w.k; c0 += pattern.cols) {
      bool any = false;
      for (int64_t r = r0; r < r0 + pattern.rows && !any; ++r)
        for (int64_t c = c0; c < c0 + pattern.cols && !any; ++c)
          any = w.at(r, c) != 0.0f;
      stored += any;
    }
  return double(stored) / double((w.n / pattern.rows) * (w.k / pattern.cols));
}

/// The sparse format expected to run fastest on `w` for `rows` rows of
/// input, if one beats the dense GEMM: the time of a format is taken as
/// proportional to what it stores, equal to the dense time at its
/// break-even sparsity.
std::optional<SparsityPattern> bestFormat(const Weight &w, int64_t rows,
                                          ArrayRef<KernelFormat> formats) {
  std::optional<SparsityPattern> best;
  double bestCost = 1.0;
  for (const KernelFormat &f : formats) {
    if (!f.pattern.fits(w.n, w.k) || (rows < 16 && !f.smallM))
      continue;
    double cost = storedShare(w, f.pattern) / (1.0 - f.breakEven);
    if (cost < bestCost) {
      bestCost = cost;
      best = f.pattern;
    }
  }
  return best;
}

/// Zeroes the `count` entries of least score; ties go to the lower index,
/// so the result does not depend on the sort's stability.
void zeroLeast(ArrayRef<double> score, int64_t count,
               function_ref<void(int64_t)> zero) {
  std::vector<int64_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  count = std::clamp<int64_t>(count, 0, int64_t(order.size()));
  std::nth_element(order.begin(), order.begin() + count, order.end(),
                   [&](int64_t a, int64_t b) {
                     return score[a] != score[b] ? score[a] < score[b] : a < b;
                   });
  for (int64_t i = 0; i < count; ++i)
    zero(order[i]);
}

/// Prunes `w` as `request` asks (per layer).
void prune(Weight &w, const Request &request) {
  const SparsityPattern &p = request.pattern;
  if (request.kind == Request::NM) {
    std::vector<int64_t> idx(p.cols);
    for (int64_t r = 0; r < w.n; ++r)
      for (int64_t g = 0; g < w.k; g += p.cols) {
        std::iota(idx.begin(), idx.end(), g);
        // Largest magnitude first; ties to the lower k.
        std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
          return std::abs(w.at(r, a)) > std::abs(w.at(r, b));
        });
        for (int64_t j = p.rows; j < p.cols; ++j)
          w.at(r, idx[j]) = 0.0f;
      }
    return;
  }
  int64_t blockCols = w.k / p.cols;
  std::vector<double> norm((w.n / p.rows) * blockCols, 0.0);
  for (int64_t r = 0; r < w.n; ++r)
    for (int64_t c = 0; c < w.k; ++c)
      norm[(r / p.rows) * blockCols + c / p.cols] +=
          double(w.at(r, c)) * double(w.at(r, c));
  auto count = int64_t(std::llround(request.fraction * double(norm.size())));
  zeroLeast(norm, count, [&](int64_t b) {
    int64_t r0 = b / blockCols * p.rows, c0 = b % blockCols * p.cols;
    for (int64_t r = r0; r < r0 + p.rows; ++r)
      for (int64_t c = c0; c < c0 + p.cols; ++c)
        w.at(r, c) = 0.0f;
  });
}

struct SparsifyStats {
  int64_t pruned = 0, sparse = 0, dense = 0, notConstant = 0, notF32 = 0,
          notTiled = 0, skippedEnds = 0;
};

struct SparsifyPass : tessera::impl::SparsifyBase<SparsifyPass> {
  using SparsifyBase::SparsifyBase;
  int64_t nextLayer = 0;

  void runOnOperation() override {
    FailureOr<Request> request = parseRequest(sparsity);
    if (failed(request)) {
      getOperation()->emitError()
          << "tessera-sparsify: unsupported sparsity '" << sparsity
          << "' (auto, unstructured:P, block:RxC:P or N:M, with 0 <= P < 1 "
             "and N < M)";
      return signalPassFailure();
    }
    if (kernels != "avx512" && kernels != "avx2") {
      getOperation()->emitError() << "tessera-sparsify: kernels must be "
                                     "avx512 or avx2, found '"
                                  << kernels << "'";
      return signalPassFailure();
    }
    // f32 layers with a constant weight, in walk order; the first and last
    // of those are the ones skip-first and skip-last keep.
    SmallVector<LinearOp> linears;
    SparsifyStats stats;
    getOperation()->walk([&](LinearOp op) {
      if (!op.getType().getElementType().isF32())
        ++stats.notF32;
      else if (!fusion::defOf<ConstantOp>(op.getWeight()))
        ++stats.notConstant;
      else
        linears.push_back(op);
    });
    for (auto [i, op] : llvm::enumerate(linears)) {
      if ((skipFirst && i == 0) || (skipLast && i + 1 == linears.size())) {
        ++stats.skippedEnds;
        continue;
      }
      rewrite(op, *request, stats);
    }
    fusion::recordCounts(getOperation(), "tessera-sparsify",
                         {{"pruned", stats.pruned},
                          {"sparse-kernels", stats.sparse},
                          {"kept-dense", stats.dense},
                          {"skipped-not-constant", stats.notConstant},
                          {"skipped-not-f32", stats.notF32},
                          {"skipped-not-tiled", stats.notTiled},
                          {"skipped-first-last", stats.skippedEnds}});
    numPruned += stats.pruned;
    numSparse += stats.sparse;
  }

  void rewrite(LinearOp op, const Request &request, SparsifyStats &stats) {
    auto wt = op.getWeight().getType();
    bool transposed = op.getTransposeWeight();
    int64_t n = wt.getDimSize(transposed ? 0 : 1),
            k = wt.getDimSize(transposed ? 1 : 0);
    bool prunes = request.kind != Request::Auto;
    if (prunes && !request.pattern.fits(n, k)) {
      ++stats.notTiled;
      return;
    }
    // Decided on the op alone, identically with tag-only, so that both
    // builds number the same layers (auto changes no result: no numbers).
    auto layer = IntegerAttr::get(IntegerType::get(op.getContext(), 64),
                                  nextLayer);
    if (tagOnly) {
      if (prunes) {
        op->setAttr(kLayerAttr, layer);
        ++nextLayer;
      }
      return;
    }
    std::optional<std::vector<float>> values = fusion::linearWeightNK(op);
    if (!values) {
      ++stats.notConstant;
      return;
    }
    Weight w{n, k, std::move(*values)};
    std::optional<SparsityPattern> format;
    if (request.kind == Request::Block || request.kind == Request::NM)
      format = request.pattern;
    if (prunes)
      prune(w, request);
    if (!format) {
      auto x = op.getInput().getType();
      int64_t rows = x.hasStaticShape() ? x.getNumElements() / std::max<int64_t>(k, 1)
                                        : 128;
      format = bestFormat(w, rows,
                          kernels == "avx2" ? ArrayRef(kFormatsAvx2)
                                            : ArrayRef(kFormats));
    }
    if (prunes) {
      // The pruned weight, in the original layout.
      std::vector<float> out(n * k);
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < k; ++c)
          out[transposed ? r * k + c : c * n + r] = w.at(r, c);
      OpBuilder b(op);
      Value pruned = fusion::resourceConstant<float>(
          b, op.getLoc(), cast<RankedTensorType>(wt), "pruned_weight",
          ArrayRef<float>(out));
      op.getWeightMutable().assign(pruned);
      op->setAttr(kLayerAttr, layer);
      ++nextLayer;
      ++stats.pruned;
    }
    if (format) {
      op.setSparsity(format->str());
      ++stats.sparse;
    } else {
      ++stats.dense;
    }
  }
};

} // namespace

bool mlir::tessera::isSparsitySpec(StringRef spec) {
  return succeeded(parseRequest(spec));
}
