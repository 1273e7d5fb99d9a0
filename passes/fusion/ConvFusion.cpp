// A residual Add of a convolution's output -> the conv's residual operand,
// a ReLU or constant-bound Clip right after the conv (or after that Add) ->
// its clamp_min / clamp_max, and a SiLU, sigmoid, tanh or GELU right after
// the conv -> its activation: its kernels apply them as they store the
// output (ResNet's relu(conv(x) + identity), EfficientNet's silu(conv(x)),
// each in one pass).
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

/// add(conv(x), r) or add(r, conv(x)) with r of the result's type (no
/// broadcast) -> conv(x) with residual r, built at the Add (where r is
/// defined and the conv's operands still are).
struct FoldResidualIntoConv : OpRewritePattern<AddOp> {
  FoldResidualIntoConv(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern<AddOp>(ctx), count(count) {}
  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [convSide, other] : {std::pair(op.getLhs(), op.getRhs()),
                                   std::pair(op.getRhs(), op.getLhs())}) {
      ConvOp conv = clampableConv(convSide);
      if (!conv || conv.getResidual() || other == convSide ||
          other.getType() != op.getType() || conv.getType() != op.getType())
        continue;
      auto fused = ConvOp::create(
          rewriter, conv.getLoc(), conv.getType(), conv.getInput(),
          conv.getWeight(), conv.getBias(), other, conv.getStridesAttr(),
          conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr(),
          FloatAttr(), FloatAttr(), conv.getChannelsLastAttr(),
          conv.getActivationAttr());
      rewriter.replaceOp(op, fused.getResult());
      rewriter.eraseOp(conv);
      ++count;
      return success();
    }
    return failure();
  }
  int64_t &count;
};

/// Folds `op` into `conv` (a conv with no clamp yet and no other use):
/// a ReLU or Clip as its clamp bounds (ReLU [0, +inf), Clip its
/// attributes; none: nothing to fold); the others as its activation, only
/// where the conv has no residual or activation either (it applies before
/// them).
LogicalResult foldInto(ConvOp conv, FloatAttr lo, FloatAttr hi,
                       PatternRewriter &rewriter) {
  if (!lo && !hi)
    return failure();
  rewriter.modifyOpInPlace(conv, [&] {
    if (lo)
      conv.setClampMinAttr(lo);
    if (hi)
      conv.setClampMaxAttr(hi);
  });
  return success();
}
LogicalResult foldInto(ConvOp conv, ReluOp, PatternRewriter &rewriter) {
  return foldInto(conv, rewriter.getF64FloatAttr(0.0), FloatAttr(), rewriter);
}
LogicalResult foldInto(ConvOp conv, ClampOp op, PatternRewriter &rewriter) {
  return foldInto(conv, op.getMinAttr(), op.getMaxAttr(), rewriter);
}
LogicalResult foldInto(ConvOp conv, StringRef activation,
                       PatternRewriter &rewriter) {
  if (conv.hasFusedEpilogue())
    return failure();
  rewriter.modifyOpInPlace(conv, [&] { conv.setActivation(activation); });
  return success();
}
/// The other activations (SiLU, sigmoid, tanh, the GELUs, HardSwish) by
/// their attribute name.
template <typename ActivationOp>
LogicalResult foldInto(ConvOp conv, ActivationOp op,
                       PatternRewriter &rewriter) {
  return foldInto(conv, fusion::activationName(op), rewriter);
}

/// act(conv(x)) -> conv(x) with act folded in (foldInto).
template <typename ActivationOp>
struct FoldIntoConv : OpRewritePattern<ActivationOp> {
  FoldIntoConv(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern<ActivationOp>(ctx), count(count) {}
  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    ConvOp conv = clampableConv(op.getInput());
    if (!conv || conv.getType() != op.getType() ||
        failed(foldInto(conv, op, rewriter)))
      return failure();
    rewriter.replaceOp(op, conv.getResult());
    ++count;
    return success();
  }
  int64_t &count;
};

struct ConvActivationFusionPass
    : tessera::impl::ConvActivationFusionBase<ConvActivationFusionPass> {
  void runOnOperation() override {
    int64_t count = 0, residuals = 0;
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoConv<ReluOp>, FoldIntoConv<ClampOp>,
                 FoldIntoConv<SiluOp>, FoldIntoConv<SigmoidOp>,
                 FoldIntoConv<TanhOp>, FoldIntoConv<GeluOp>,
                 FoldIntoConv<GeluTanhOp>, FoldIntoConv<HardSwishOp>>(
        &getContext(), count);
    patterns.add<FoldResidualIntoConv>(&getContext(), residuals);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fusion::recordCounts(
        getOperation(), "tessera-fuse-conv-activation",
        {{"conv-activation", count}, {"conv-residual", residuals}});
    numFolded += count;
    numResiduals += residuals;
  }
};

} // namespace
