// MatMul by a rank-2 weight -> tessera.linear, then its bias add, activation
// and residual add folded into the op's epilogue.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_LINEARFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// matmul(x, W) / matmul(x, transpose(W)) with a rank-2 W.
struct MatmulToLinear : OpRewritePattern<MatmulOp> {
  MatmulToLinear(MLIRContext *ctx, LinearFusionStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto w = op.getRhs().getType();
    auto x = op.getLhs().getType();
    if (w.getRank() != 2 || !isa<FloatType>(w.getElementType()))
      return failure();
    // A batched lhs against a 2-D weight; the result keeps the lhs's batch.
    if (op.getType().getShape().drop_back() != x.getShape().drop_back())
      return failure();
    Value weight = op.getRhs();
    bool transposed = false;
    if (auto t = defOf<TransposeOp>(weight); t && isLastTwoTranspose(t)) {
      weight = t.getInput();
      transposed = true;
    }
    rewriter.replaceOpWithNewOp<LinearOp>(
        op, op.getType(), op.getLhs(), weight, Value(), Value(),
        rewriter.getBoolAttr(transposed), rewriter.getStringAttr("none"));
    ++stats.linear;
    return success();
  }

  LinearFusionStats &stats;
};

/// A linear op feeding only `user`, whose epilogue is still empty from
/// `stage` on (0: bias, 1: activation, 2: residual).
LinearOp producerLinear(Value v, int stage) {
  auto lin = defOf<LinearOp>(v);
  if (!lin || !v.hasOneUse() || lin.getResidual())
    return {};
  if (stage <= 1 && lin.getActivation() != "none")
    return {};
  if (stage == 0 && lin.getBias())
    return {};
  return lin;
}

LinearOp rebuild(PatternRewriter &rewriter, Operation *replaced, LinearOp lin,
                 Value bias, Value residual, StringRef act) {
  auto op = LinearOp::create(rewriter, replaced->getLoc(), lin.getType(),
                             lin.getInput(), lin.getWeight(), bias, residual,
                             lin.getTransposeWeightAttr(),
                             rewriter.getStringAttr(act));
  rewriter.replaceOp(replaced, op);
  return op;
}

/// linear + bias (shape [N] or [1.., N]) and linear + residual.
struct FoldAdd : OpRewritePattern<AddOp> {
  FoldAdd(MLIRContext *ctx, LinearFusionStats &stats)
      : OpRewritePattern(ctx, /*benefit=*/2), stats(stats) {}

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    if (type.getRank() == 0)
      return failure();
    for (auto [l, other] : {std::pair(op.getLhs(), op.getRhs()),
                            std::pair(op.getRhs(), op.getLhs())}) {
      if (l.getType() != type)
        continue;
      auto ot = cast<RankedTensorType>(other.getType());
      int64_t n = type.getShape().back();
      bool isBias = ot.getNumElements() == n && ot.getRank() >= 1 &&
                    ot.getShape().back() == n;
      if (isBias) {
        if (LinearOp lin = producerLinear(l, 0)) {
          Value bias = reshapeTo(rewriter, op.getLoc(), other, {n});
          rebuild(rewriter, op, lin, bias, Value(), "none");
          ++stats.bias;
          return success();
        }
      }
      if (ot == type) {
        if (LinearOp lin = producerLinear(l, 2)) {
          rebuild(rewriter, op, lin, lin.getBias(), other,
                  lin.getActivation());
          ++stats.residual;
          return success();
        }
      }
    }
    return failure();
  }

  LinearFusionStats &stats;
};

/// act(linear) for the activations the epilogue implements.
struct FoldActivation : RewritePattern {
  FoldActivation(MLIRContext *ctx, LinearFusionStats &stats)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, ctx),
        stats(stats) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    StringRef act = llvm::TypeSwitch<Operation *, StringRef>(op)
                        .Case([](ReluOp) { return "relu"; })
                        .Case([](GeluOp) { return "gelu"; })
                        .Case([](GeluTanhOp) { return "gelu_tanh"; })
                        .Case([](SiluOp) { return "silu"; })
                        .Case([](SigmoidOp) { return "sigmoid"; })
                        .Case([](TanhOp) { return "tanh"; })
                        .Default([](Operation *) { return ""; });
    if (act.empty())
      return failure();
    LinearOp lin = producerLinear(op->getOperand(0), 1);
    if (!lin)
      return failure();
    rebuild(rewriter, op, lin, lin.getBias(), Value(), act);
    ++stats.activation;
    return success();
  }

  LinearFusionStats &stats;
};

struct LinearFusionPass : tessera::impl::LinearFusionBase<LinearFusionPass> {
  void runOnOperation() override {
    LinearFusionStats stats;
    RewritePatternSet patterns(&getContext());
    populateLinearFusionPatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-fuse-linear",
                 {{"linear", stats.linear}, {"bias", stats.bias}, {"activation", stats.activation}, {"residual", stats.residual}});
    numLinear += stats.linear;
    numBias += stats.bias;
    numActivation += stats.activation;
    numResidual += stats.residual;
  }
};
} // namespace

void mlir::tessera::populateLinearFusionPatterns(RewritePatternSet &patterns,
                                                 LinearFusionStats &stats) {
  patterns.add<MatmulToLinear, FoldAdd, FoldActivation>(patterns.getContext(),
                                                        stats);
}
