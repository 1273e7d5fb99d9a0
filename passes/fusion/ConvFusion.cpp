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

/// Moves the activation op `op` (relu, or clamp with bounds `lo`/`hi`) into
/// the conv.
void fold(PatternRewriter &rewriter, Operation *op, ConvOp conv, FloatAttr lo,
          FloatAttr hi) {
  rewriter.modifyOpInPlace(conv, [&] {
    if (lo)
      conv.setClampMinAttr(lo);
    if (hi)
      conv.setClampMaxAttr(hi);
  });
  rewriter.replaceOp(op, conv.getResult());
}

struct FoldRelu : OpRewritePattern<ReluOp> {
  FoldRelu(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}
  LogicalResult matchAndRewrite(ReluOp op,
                                PatternRewriter &rewriter) const override {
    ConvOp conv = clampableConv(op.getInput());
    if (!conv)
      return failure();
    fold(rewriter, op, conv, rewriter.getF64FloatAttr(0.0), FloatAttr());
    ++count;
    return success();
  }
  int64_t &count;
};

struct FoldClamp : OpRewritePattern<ClampOp> {
  FoldClamp(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}
  LogicalResult matchAndRewrite(ClampOp op,
                                PatternRewriter &rewriter) const override {
    ConvOp conv = clampableConv(op.getInput());
    if (!conv || (!op.getMinAttr() && !op.getMaxAttr()))
      return failure();
    fold(rewriter, op, conv, op.getMinAttr(), op.getMaxAttr());
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
    patterns.add<FoldRelu, FoldClamp>(&getContext(), count);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-fuse-conv-activation",
                         {{"conv-activation", count}});
    numFolded += count;
  }
};

} // namespace
