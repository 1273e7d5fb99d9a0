// tessera-conv3d-as-conv2d: a 3-d convolution of one clip as a chain of 2-d
// convolutions over its frames, one per temporal tap, each adding into the
// next through the conv's residual operand. The frames are the 2-d convs'
// batch ([C, T, H, W] transposed to [T, C, H, W], which the runtime's conv
// kernel reads through strides), so the video CNNs' convs run on the direct
// and Winograd kernels instead of im2col + GEMM over a patch matrix of
// kt*kh*kw times the clip.
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "passes/lowering/ExprBuilder.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>
#include <vector>

namespace mlir::tessera {
#define GEN_PASS_DEF_CONV3DASCONV2D
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

struct Conv3dAsConv2d : OpRewritePattern<ConvOp> {
  Conv3dAsConv2d(MLIRContext *ctx, int64_t &count)
      : OpRewritePattern(ctx), count(count) {}

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = op.getInput().getType();
    auto wType = op.getWeight().getType();
    auto yType = op.getType();
    if (xType.getRank() != 5 || op.getChannelsLast())
      return rewriter.notifyMatchFailure(op, "not a channel-first 3-d conv");
    if (!xType.getElementType().isF32() || !xType.hasStaticShape() ||
        !wType.hasStaticShape() || !yType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not static f32");
    if (xType.getDimSize(0) != 1)
      return rewriter.notifyMatchFailure(op, "more than one clip");
    // The taps' sum must be complete before an activation; a clamp and a
    // residual apply to the sum as a whole.
    if (op.getActivation() != "none")
      return rewriter.notifyMatchFailure(op, "fused activation");

    Expr e{rewriter, op.getLoc(), xType.getElementType()};
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                      dilations = op.getDilations();
    int64_t c = xType.getDimSize(1), t = xType.getDimSize(2),
            h = xType.getDimSize(3), w = xType.getDimSize(4);
    int64_t f = wType.getDimSize(0), cg = wType.getDimSize(1),
            kt = wType.getDimSize(2), kh = wType.getDimSize(3),
            kw = wType.getDimSize(4);
    int64_t to = yType.getDimSize(2), ho = yType.getDimSize(3),
            wo = yType.getDimSize(4);

    // A temporal conv (1x1 spatially, unit spatial strides, no spatial
    // padding): one 2-d conv over [T, H*W] with a kt x 1 kernel, no
    // transposes (R(2+1)D's second half of each block).
    if (kh == 1 && kw == 1 && strides[1] == 1 && strides[2] == 1 && !pads[1] &&
        !pads[2] && !pads[4] && !pads[5]) {
      auto type2 = RankedTensorType::get({1, f, to, ho * wo}, e.elt);
      Value residual = op.getResidual()
                           ? e.reshape(op.getResidual(), type2.getShape())
                           : Value();
      Value y = ConvOp::create(
          rewriter, e.loc, type2, e.reshape(op.getInput(), {1, c, t, h * w}),
          e.reshape(op.getWeight(), {f, cg, kt, 1}), op.getBias(), residual,
          rewriter.getDenseI64ArrayAttr({strides[0], 1}),
          rewriter.getDenseI64ArrayAttr({pads[0], 0, pads[3], 0}),
          rewriter.getDenseI64ArrayAttr({dilations[0], 1}), op.getGroupAttr(),
          op.getClampMinAttr(), op.getClampMaxAttr(), UnitAttr(),
          rewriter.getStringAttr("none"));
      rewriter.replaceOp(op, e.reshape(y, yType.getShape()));
      ++count;
      return success();
    }
    std::optional<std::vector<float>> weights =
        kt > 1 ? fusion::constantF32Values(op.getWeight()) : std::nullopt;
    // The clip as frames [T, C, H, W], zero-padded along time.
    Value frames = e.reshape(op.getInput(), {c, t, h, w});
    if (pads[0] || pads[3]) {
      t += pads[0] + pads[3];
      frames = PadOp::create(
          rewriter, e.loc, RankedTensorType::get({c, t, h, w}, e.elt), frames,
          rewriter.getDenseI64ArrayAttr({0, pads[0], 0, 0, 0, pads[3], 0, 0}),
          rewriter.getStringAttr("constant"), rewriter.getF64FloatAttr(0.0));
    }
    frames = transpose(e, frames, {t, c, h, w});
    // The output's frames [To, F, Ho, Wo], each tap's 2-d conv adding into
    // the next; the original residual enters with the first.
    auto outType = RankedTensorType::get({to, f, ho, wo}, e.elt);
    Value acc;
    if (Value residual = op.getResidual())
      acc = transpose(e, e.reshape(residual, {f, to, ho, wo}), {to, f, ho, wo});
    for (int64_t dt = 0; dt < kt; ++dt) {
      // Frames dt*dilation, then every stride-th: To of them.
      Value in = frames;
      int64_t start = dt * dilations[0];
      if (start != 0 || strides[0] != 1 || t != to)
        in = SliceOp::create(
            rewriter, e.loc, RankedTensorType::get({to, c, h, w}, e.elt),
            frames, rewriter.getDenseI64ArrayAttr({start, 0, 0, 0}),
            rewriter.getDenseI64ArrayAttr({strides[0], 1, 1, 1}));
      // The tap's weight [F, C/G, KH, KW]: a constant of its own when the
      // weight is one (sliced here, not at every run).
      auto tapType = RankedTensorType::get({f, cg, kh, kw}, e.elt);
      Value tap;
      if (weights) {
        std::vector<float> values;
        values.reserve(tapType.getNumElements());
        for (int64_t i = 0; i < f * cg; ++i)
          values.insert(values.end(),
                        weights->begin() + (i * kt + dt) * kh * kw,
                        weights->begin() + (i * kt + dt + 1) * kh * kw);
        tap = fusion::resourceConstant(rewriter, e.loc, tapType, "conv_tap",
                                       ArrayRef<float>(values));
      } else {
        tap = e.reshape(
            SliceOp::create(rewriter, e.loc,
                            RankedTensorType::get({f, cg, 1, kh, kw}, e.elt),
                            op.getWeight(),
                            rewriter.getDenseI64ArrayAttr({0, 0, dt, 0, 0}),
                            rewriter.getDenseI64ArrayAttr({1, 1, 1, 1, 1})),
            tapType.getShape());
      }
      bool last = dt + 1 == kt;
      acc = ConvOp::create(
          rewriter, e.loc, outType, in, tap, dt == 0 ? op.getBias() : Value(),
          acc, rewriter.getDenseI64ArrayAttr({strides[1], strides[2]}),
          rewriter.getDenseI64ArrayAttr({pads[1], pads[2], pads[4], pads[5]}),
          rewriter.getDenseI64ArrayAttr({dilations[1], dilations[2]}),
          op.getGroupAttr(), last ? op.getClampMinAttr() : FloatAttr(),
          last ? op.getClampMaxAttr() : FloatAttr(), UnitAttr(),
          rewriter.getStringAttr("none"));
    }
    Value y = transpose(e, acc, {f, to, ho, wo});
    rewriter.replaceOp(op, e.reshape(y, yType.getShape()));
    ++count;
    return success();
  }

  /// `x` [A, B, H, W] as [B, A, H, W] (`shape`).
  static Value transpose(Expr &e, Value x, ArrayRef<int64_t> shape) {
    return TransposeOp::create(e.b, e.loc, RankedTensorType::get(shape, e.elt),
                               x, e.b.getDenseI64ArrayAttr({1, 0, 2, 3}));
  }

  int64_t &count;
};

struct Conv3dAsConv2dPass
    : tessera::impl::Conv3dAsConv2dBase<Conv3dAsConv2dPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    int64_t count = 0;
    RewritePatternSet patterns(ctx);
    patterns.add<Conv3dAsConv2d>(ctx, count);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    fusion::recordCounts(getOperation(), "tessera-conv3d-as-conv2d",
                         {{"conv3d", count}});
    numRewritten += count;
  }
};

} // namespace
