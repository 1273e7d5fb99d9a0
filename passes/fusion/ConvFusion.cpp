// A ReLU or constant-bound Clip right after a convolution -> the conv's
// clamp_min / clamp_max, applied by its kernels as they store the output.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CONVACTIVATIONFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// The conv producing `v` when `v` is its only use and it has no clamp yet.
ConvOp clampableConv(Value v) {
  auto conv = v.getDefiningOp<ConvOp>();
  if (!conv || !conv->hasOneUse() || conv.getClampMin() || conv.getClampMax())
    return ConvOp();
  return conv;
}

/// The bounds an activation clamps to: ReLU [0, +inf), Clip its attributes.
std::pair<FloatAttr, FloatAttr> bounds(ReluOp, Builder &b) {
  return {b.getF64FloatAttr(0.0), FloatAttr()};
}
std::pair<FloatAttr, FloatAttr> bounds(ClampOp op, Builder &) {
  return {op.getMinAttr(), op.getMaxAttr()};
}

template <typename ActivationOp>
struct FoldIntoConv : OpRewritePattern<ActivationOp> {
  FoldIntoConv(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern<ActivationOp>(ctx), count(count) {}
  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    ConvOp conv = clampableConv(op.getInput());
    auto [lo, hi] = bounds(op, rewriter);
    if (!conv || (!lo && !hi))
      return failure();
    rewriter.modifyOpInPlace(conv, [&] {
      if (lo)
        conv.setClampMinAttr(lo);
      if (hi)
        conv.setClampMaxAttr(hi);
    });
    rewriter.replaceOp(op, conv.getResult());
    ++count;
    return success();
  }
  int64_t &count;
};

struct ConvActivationFusionPass
    : tessera::impl::ConvActivationFusionBase<ConvActivationFusionPass> {
  void runOnOperation() override {
    int64_t count = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv<ReluOp>, FoldIntoConv<ClampOp>>(&getContext(),
                                                              count);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-fuse-conv-activation",
                         {{"conv-activation", count}});
    numFolded += count;
  }
};

} // namespace
