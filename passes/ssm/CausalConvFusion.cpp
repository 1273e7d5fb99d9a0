// Recognises causal depthwise 1-d convolutions (Mamba's short conv): a
// grouped Conv1d with one filter per channel, padded on the left by
// (K-1)·dilation, either padded on the left only or padded on both sides and
// sliced back to the input length (PyTorch's `conv(x)[..., :L]`); the left
// padding may come from a separate Pad. A SiLU that follows (directly or
// through a transpose) folds into the op, and so do [0, 2, 1] transposes on
// both sides (the op's channels_last form).
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CAUSALCONV1DFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using fusion::defOf;

namespace {

struct CausalConvStats {
  int64_t convs = 0, activations = 0, channelsLast = 0;
};

/// conv (+ slice back to the input length) -> tessera.causal_conv1d.
struct FuseCausalConv : OpRewritePattern<ConvOp> {
  FuseCausalConv(MLIRContext *ctx, CausalConvStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}
  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasFusedEpilogue())
      return failure(); // a fused residual or activation
    auto in = op.getInput().getType(), w = op.getWeight().getType();
    if (in.getRank() != 3 || op.getStrides()[0] != 1)
      return failure();
    int64_t c = in.getDimSize(1), k = w.getDimSize(2);
    int64_t dil = op.getDilations()[0];
    if (op.getGroup() != c || w.getDimSize(0) != c || w.getDimSize(1) != 1)
      return failure();
    int64_t left = op.getPads()[0], right = op.getPads()[1];
    Value x = op.getInput();
    // A zero Pad of the time axis only.
    if (auto pad = defOf<PadOp>(x)) {
      ArrayRef<int64_t> p = pad.getPads();
      if (pad.getMode() == "constant" && pad.getValue().convertToDouble() == 0 &&
          p[0] == 0 && p[1] == 0 && p[3] == 0 && p[4] == 0 && p[2] >= 0 &&
          p[5] >= 0) {
        x = pad.getInput();
        left += p[2];
        right += p[5];
      }
    }
    int64_t length = cast<RankedTensorType>(x.getType()).getDimSize(2);
    if (left != (k - 1) * dil || right < 0)
      return failure();
    Operation *replaced = op;
    if (right > 0) {
      // Sliced back to [0, L) along time.
      if (!op->hasOneUse())
        return failure();
      auto slice = dyn_cast<SliceOp>(*op->getUsers().begin());
      if (!slice)
        return failure();
      auto st = slice.getType();
      if (st.getShape() != ArrayRef<int64_t>{in.getDimSize(0), c, length} ||
          slice.getStarts()[2] != 0 || slice.getSteps()[2] != 1)
        return failure();
      replaced = slice;
    }
    rewriter.setInsertionPoint(replaced);
    Value weight =
        fusion::reshapeTo(rewriter, op.getLoc(), op.getWeight(), {c, k});
    auto type = RankedTensorType::get({in.getDimSize(0), c, length},
                                      in.getElementType());
    rewriter.replaceOpWithNewOp<CausalConv1dOp>(
        replaced, type, x, weight, op.getBias(),
        rewriter.getI64IntegerAttr(dil), rewriter.getStringAttr("none"),
        UnitAttr());
    ++stats.convs;
    return success();
  }
  CausalConvStats &stats;
};

/// silu(causal_conv1d(x)) or silu(transpose(causal_conv1d(x))).
struct FoldConvSilu : OpRewritePattern<SiluOp> {
  FoldConvSilu(MLIRContext *ctx, CausalConvStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}
  LogicalResult matchAndRewrite(SiluOp op,
                                PatternRewriter &rewriter) const override {
    Value in = op.getInput();
    auto tr = defOf<TransposeOp>(in);
    if (tr && tr->hasOneUse())
      in = tr.getInput();
    auto conv = defOf<CausalConv1dOp>(in);
    if (!conv || !conv->hasOneUse() || conv.getActivation() != "none")
      return failure();
    rewriter.setInsertionPoint(conv);
    Value fused = CausalConv1dOp::create(
        rewriter, conv.getLoc(), conv.getType(), conv.getInput(),
        conv.getWeight(), conv.getBias(), conv.getDilationAttr(),
        rewriter.getStringAttr("silu"), conv.getChannelsLastAttr());
    if (tr && in != op.getInput()) {
      rewriter.setInsertionPoint(op);
      fused = TransposeOp::create(rewriter, tr.getLoc(), tr.getType(), fused,
                                  tr.getPermAttr());
    }
    rewriter.replaceOp(op, fused);
    ++stats.activations;
    return success();
  }
  CausalConvStats &stats;
};

/// Whether `t` swaps the last two axes of a rank-3 tensor.
bool swapsTimeAndChannels(TransposeOp t) {
  return t && t.getPerm() == ArrayRef<int64_t>{0, 2, 1};
}

/// transpose(causal_conv1d(transpose(x))) with [0, 2, 1] on both sides ->
/// causal_conv1d{channels_last}(x): Mamba's `conv1d(x.transpose(1, 2))[...,
/// :L].transpose(1, 2)` on [B, L, D] activations. The kernel reads and
/// writes the time-major buffers (its channel-contiguous fast case), so
/// neither transposed copy is made (two per block: 1.4 ms of a 17 ms
/// 4-layer Mamba at hidden 512).
struct FoldConvTransposes : OpRewritePattern<TransposeOp> {
  FoldConvTransposes(MLIRContext *ctx, CausalConvStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!swapsTimeAndChannels(op))
      return failure();
    auto conv = defOf<CausalConv1dOp>(op.getInput());
    if (!conv || conv.getChannelsLast() || !conv->hasOneUse())
      return failure();
    auto in = defOf<TransposeOp>(conv.getInput());
    if (!swapsTimeAndChannels(in))
      return failure();
    rewriter.replaceOpWithNewOp<CausalConv1dOp>(
        op, op.getType(), in.getInput(), conv.getWeight(), conv.getBias(),
        conv.getDilationAttr(), conv.getActivationAttr(),
        rewriter.getUnitAttr());
    ++stats.channelsLast;
    return success();
  }
  CausalConvStats &stats;
};

struct CausalConv1dFusionPass
    : tessera::impl::CausalConv1dFusionBase<CausalConv1dFusionPass> {
  void runOnOperation() override {
    CausalConvStats stats;
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseCausalConv, FoldConvSilu, FoldConvTransposes>(
        &getContext(), stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-fuse-causal-conv1d",
                         {{"causal-conv1d", stats.convs},
                          {"silu", stats.activations},
                          {"channels-last", stats.channelsLast}});
    numConvs += stats.convs;
  }
};
} // namespace
