// Linear ops that read the same input with constant weights (Q/K/V, gate/up)
// become one wider GEMM whose output is sliced; a gated MLP's
// act(x·Wg) * (x·Wu) becomes that GEMM followed by tessera.glu.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_PROJECTIONMERGE
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// The row-major f32 bytes of a constant weight or bias (splats expanded),
/// or nothing.
std::optional<std::vector<char>> weightBytes(Value w) {
  std::optional<std::vector<float>> values = constantF32Values(w);
  if (!values)
    return std::nullopt;
  const char *bytes = reinterpret_cast<const char *>(values->data());
  return std::vector<char>(bytes, bytes + values->size() * sizeof(float));
}

/// Whether `w` is a constant f32 tensor, i.e. weightBytes(w) would succeed;
/// the bytes themselves are only copied for the ops that do merge.
bool isConstantF32(Value w) {
  auto cst = defOf<ConstantOp>(w);
  if (!cst || !cast<RankedTensorType>(cst.getType()).getElementType().isF32())
    return false;
  if (auto r = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
    return r.getRawHandle().getBlob() &&
           r.getRawHandle().getBlob()->getData().size() ==
               size_t(r.getType().getNumElements()) * 4;
  return isa<DenseElementsAttr>(cst.getValue());
}

/// Two linear ops can share one GEMM: same input and weight layout, constant
/// f32 weights, bias on both or neither, no residual.
bool compatible(LinearOp a, LinearOp b) {
  return a.getInput() == b.getInput() &&
         a.getTransposeWeight() == b.getTransposeWeight() &&
         !a.getResidual() && !b.getResidual() &&
         bool(a.getBias()) == bool(b.getBias()) &&
         isConstantF32(a.getWeight()) && isConstantF32(b.getWeight()) &&
         (!a.getBias() ||
          (isConstantF32(a.getBias()) && isConstantF32(b.getBias())));
}

/// The weights of `ops` concatenated along N (and their biases), as one new
/// constant each.
std::pair<Value, Value> mergedWeights(PatternRewriter &rewriter, Location loc,
                                      ArrayRef<LinearOp> ops) {
  LinearOp first = ops.front();
  bool transposed = first.getTransposeWeight();
  int64_t k = first.getInput().getType().getShape().back();
  int64_t n = 0;
  for (LinearOp op : llvm::to_vector(ops))
    n += op.getType().getShape().back();
  // [N, K] weights stack row blocks; [K, N] weights interleave per row.
  std::vector<char> w(size_t(n * k) * 4), b;
  int64_t col = 0;
  for (LinearOp op : llvm::to_vector(ops)) {
    int64_t ni = op.getType().getShape().back();
    std::vector<char> src = *weightBytes(op.getWeight());
    if (transposed)
      std::copy(src.begin(), src.end(), w.begin() + col * k * 4);
    else
      for (int64_t r = 0; r < k; ++r)
        std::copy(src.begin() + r * ni * 4, src.begin() + (r + 1) * ni * 4,
                  w.begin() + (r * n + col) * 4);
    if (op.getBias()) {
      std::vector<char> bias = *weightBytes(op.getBias());
      b.insert(b.end(), bias.begin(), bias.end());
    }
    col += ni;
  }
  Type f32 = rewriter.getF32Type();
  auto make = [&](std::vector<char> &bytes, ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, f32);
    // Small constants inline, large ones as resources (as the importer does).
    if (type.getNumElements() <= 64)
      return ConstantOp::create(rewriter, loc,
                                DenseElementsAttr::getFromRawBuffer(
                                    type, ArrayRef<char>(bytes.data(),
                                                         bytes.size())))
          .getResult();
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
        ArrayRef<char>(bytes.data(), bytes.size()), alignof(uint64_t),
        /*dataIsMutable=*/false);
    return ConstantOp::create(
               rewriter, loc,
               DenseResourceElementsAttr::get(type, "merged_weight",
                                              std::move(blob)))
        .getResult();
  };
  Value weight = transposed ? make(w, {n, k}) : make(w, {k, n});
  Value bias = b.empty() ? Value() : make(b, {n});
  return {weight, bias};
}

LinearOp mergedLinear(PatternRewriter &rewriter, Location loc,
                      ArrayRef<LinearOp> ops, StringRef act) {
  auto [weight, bias] = mergedWeights(rewriter, loc, ops);
  LinearOp first = ops.front();
  auto t = first.getType();
  SmallVector<int64_t> shape(t.getShape());
  shape.back() = cast<RankedTensorType>(weight.getType())
                     .getDimSize(first.getTransposeWeight() ? 0 : 1);
  return LinearOp::create(
      rewriter, loc, RankedTensorType::get(shape, t.getElementType()),
      first.getInput(), weight, bias, Value(), Value(),
      first.getTransposeWeightAttr(), rewriter.getStringAttr(act),
      /*sparsity=*/StringAttr());
}

/// mul(act(x·Wg), x·Wu) -> glu(x·[Wg|Wu], act)
struct MergeGatedMlp : OpRewritePattern<MulOp> {
  MergeGatedMlp(MLIRContext *ctx, ProjectionMergeStats &stats)
      : OpRewritePattern(ctx, /*benefit=*/2), stats(stats) {}

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [g, u] : {std::pair(op.getLhs(), op.getRhs()),
                        std::pair(op.getRhs(), op.getLhs())}) {
      auto gate = defOf<LinearOp>(g), up = defOf<LinearOp>(u);
      if (!gate || !up || gate == up || !g.hasOneUse() || !u.hasOneUse() ||
          g.getType() != op.getType() || u.getType() != op.getType() ||
          up.getActivation() != "none" ||
          !llvm::is_contained({"silu", "gelu", "gelu_tanh", "sigmoid", "relu"},
                              gate.getActivation()) ||
          !compatible(gate, up))
        continue;
      // The merged GEMM must come after both weights' and the input's defs.
      rewriter.setInsertionPoint(gate->isBeforeInBlock(up) ? up : gate);
      LinearOp merged = mergedLinear(rewriter, op.getLoc(), {gate, up}, "none");
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<GluOp>(op, op.getType(), merged,
                                         gate.getActivationAttr());
      // Gone now, so no sibling merge picks them up.
      rewriter.eraseOp(gate);
      rewriter.eraseOp(up);
      ++stats.gated;
      return success();
    }
    return failure();
  }

  ProjectionMergeStats &stats;
};

/// Sibling linear ops on one input (Q, K, V) -> one linear + slices.
struct MergeSiblings : OpRewritePattern<LinearOp> {
  MergeSiblings(MLIRContext *ctx, ProjectionMergeStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    // Rooted at the first sibling in the block; the others follow it.
    SmallVector<LinearOp> group;
    for (Operation *user : op.getInput().getUsers()) {
      auto lin = dyn_cast<LinearOp>(user);
      if (!lin || lin->use_empty() || lin->getBlock() != op->getBlock() ||
          lin.getActivation() != op.getActivation() ||
          (lin != op && !compatible(op, lin)))
        continue;
      group.push_back(lin);
    }
    if (group.size() < 2 || !isConstantF32(op.getWeight()))
      return failure();
    llvm::sort(group, [](LinearOp a, LinearOp b) {
      return a->isBeforeInBlock(b);
    });
    if (group.front() != op)
      return failure();
    // Before the first user of any sibling; after every sibling's operands
    // (weights and biases are constants, the input dominates them all).
    rewriter.setInsertionPoint(op);
    LinearOp merged =
        mergedLinear(rewriter, op.getLoc(), group, op.getActivation());
    int64_t r = merged.getType().getRank(), start = 0;
    for (LinearOp lin : group) {
      SmallVector<int64_t> starts(r, 0), steps(r, 1);
      starts.back() = start;
      start += lin.getType().getShape().back();
      Value slice = SliceOp::create(rewriter, lin.getLoc(), lin.getType(),
                                    merged, rewriter.getDenseI64ArrayAttr(starts),
                                    rewriter.getDenseI64ArrayAttr(steps));
      rewriter.replaceOp(lin, slice);
    }
    ++stats.merged;
    stats.projections += group.size();
    return success();
  }

  ProjectionMergeStats &stats;
};

struct ProjectionMergePass
    : tessera::impl::ProjectionMergeBase<ProjectionMergePass> {
  void runOnOperation() override {
    ProjectionMergeStats stats;
    RewritePatternSet patterns(&getContext());
    populateProjectionMergePatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-merge-projections",
                 {{"gated-mlp", stats.gated},
                  {"merged-gemms", stats.merged},
                  {"merged-projections", stats.projections}});
    numGated += stats.gated;
    numMerged += stats.merged;
  }
};
} // namespace

void mlir::tessera::populateProjectionMergePatterns(
    RewritePatternSet &patterns, ProjectionMergeStats &stats) {
  patterns.add<MergeGatedMlp, MergeSiblings>(patterns.getContext(), stats);
}
