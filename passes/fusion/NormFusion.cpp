// Decomposed LayerNorm and RMSNorm -> tessera.layer_norm / tessera.rms_norm,
// then the per-feature scale (and bias) that follows folded into the op.
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_NORMFUSION
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::fusion;

namespace {

/// The first axis of a keepdims mean over trailing axes of `x`, or -1.
int64_t trailingMeanAxis(ReduceMeanOp mean, Value x) {
  if (!mean || mean.getInput() != x || !mean.getKeepdims())
    return -1;
  int64_t rank = mean.getInput().getType().getRank();
  ArrayRef<int64_t> axes = mean.getAxes();
  if (axes.empty() || axes.back() != rank - 1)
    return -1;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return -1;
  return axes.front();
}

/// Whether `v` is `x*x` or `x^2`.
bool isSquareOf(Value v, Value x) {
  if (auto mul = defOf<MulOp>(v))
    return mul.getLhs() == x && mul.getRhs() == x;
  if (auto pow = defOf<PowOp>(v))
    return pow.getLhs() == x && isSplatNear(pow.getRhs(), 2.0, 0.0);
  return false;
}

/// Splits `1/sqrt(var + eps)` (as a divisor `sqrt(var + eps)` when
/// `isDivisor`) into var and eps.
std::optional<std::pair<Value, double>> matchInvStd(Value v, bool isDivisor) {
  Value inner;
  if (isDivisor) {
    auto sqrt = defOf<SqrtOp>(v);
    if (!sqrt)
      return std::nullopt;
    inner = sqrt.getInput();
  } else if (auto rsqrt = defOf<RsqrtOp>(v)) {
    inner = rsqrt.getInput();
  } else if (auto rec = defOf<ReciprocalOp>(v)) {
    auto sqrt = defOf<SqrtOp>(rec.getInput());
    if (!sqrt)
      return std::nullopt;
    inner = sqrt.getInput();
  } else if (auto div = defOf<DivOp>(v)) { // 1 / sqrt (torch.rsqrt's export)
    auto sqrt = defOf<SqrtOp>(div.getRhs());
    if (!sqrt || !isSplatNear(div.getLhs(), 1.0, 0.0) ||
        div.getType() != sqrt.getType())
      return std::nullopt;
    inner = sqrt.getInput();
  } else {
    return std::nullopt;
  }
  auto add = defOf<AddOp>(inner);
  if (!add)
    return std::nullopt;
  for (auto [var, eps] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
    std::optional<double> e = getSplatValue(eps);
    if (e && *e >= 0 && var.getType() == add.getType())
      return std::pair(var, *e);
  }
  return std::nullopt;
}

/// A constant of ones with the normalized shape, the scale of a norm with no
/// affine part (yet).
Value onesLike(PatternRewriter &rewriter, Location loc, RankedTensorType x,
               int64_t axis) {
  auto type = RankedTensorType::get(x.getShape().drop_front(axis),
                                    x.getElementType());
  return ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(type,
                             rewriter.getFloatAttr(x.getElementType(), 1.0)));
}

/// num / sqrt(var + eps) or num * rsqrt(var + eps), rooted at the div/mul.
struct NormMatch {
  Value num, var;
  double eps;
};
std::optional<NormMatch> matchNormalize(Operation *op) {
  if (auto div = dyn_cast<DivOp>(op)) {
    auto s = matchInvStd(div.getRhs(), /*isDivisor=*/true);
    if (s && div.getLhs().getType() == div.getType())
      return NormMatch{div.getLhs(), s->first, s->second};
    return std::nullopt;
  }
  auto mul = dyn_cast<MulOp>(op);
  if (!mul)
    return std::nullopt;
  for (auto [num, inv] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
    auto s = matchInvStd(inv, /*isDivisor=*/false);
    if (s && num.getType() == mul.getType())
      return NormMatch{num, s->first, s->second};
  }
  return std::nullopt;
}

struct FuseNormalize : RewritePattern {
  FuseNormalize(MLIRContext *ctx, NormFusionStats &stats)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        stats(stats) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    std::optional<NormMatch> m = matchNormalize(op);
    if (!m)
      return failure();
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    auto var = defOf<ReduceMeanOp>(m->var);
    if (!var || !isa<FloatType>(type.getElementType()))
      return failure();
    Value sq = var.getInput();
    // Layer norm: num = x - mean(x), var = mean(num^2).
    if (auto sub = defOf<SubOp>(m->num)) {
      Value x = sub.getLhs();
      int64_t axis = trailingMeanAxis(defOf<ReduceMeanOp>(sub.getRhs()), x);
      if (axis < 0 || x.getType() != type || !isSquareOf(sq, m->num) ||
          trailingMeanAxis(var, sq) != axis)
        return failure();
      Value ones = onesLike(rewriter, op->getLoc(), type, axis);
      rewriter.replaceOpWithNewOp<LayerNormOp>(
          op, type, x, ones, Value(), rewriter.getI64IntegerAttr(axis),
          rewriter.getF32FloatAttr(m->eps));
      ++stats.layerNorm;
      return success();
    }
    // RMS norm: var = mean(num^2).
    Value x = m->num;
    int64_t axis = trailingMeanAxis(var, sq);
    if (axis < 0 || !isSquareOf(sq, x))
      return failure();
    Value ones = onesLike(rewriter, op->getLoc(), type, axis);
    rewriter.replaceOpWithNewOp<RmsNormOp>(op, type, x, ones,
                                           rewriter.getI64IntegerAttr(axis),
                                           rewriter.getF32FloatAttr(m->eps));
    ++stats.rmsNorm;
    return success();
  }

  NormFusionStats &stats;
};

/// Whether `w` can be a norm's scale/bias: it broadcasts to the normalized
/// dimensions and leaves the result shape alone.
bool isPerFeature(Value w, RankedTensorType x, int64_t axis) {
  auto wt = cast<RankedTensorType>(w.getType());
  ArrayRef<int64_t> normalized = x.getShape().drop_front(axis);
  ArrayRef<int64_t> ws = wt.getShape();
  while (!ws.empty() && ws.front() == 1 && ws.size() > normalized.size())
    ws = ws.drop_front();
  return wt.getElementType() == x.getElementType() &&
         broadcastsTo(ws, normalized);
}

/// The scale/bias `w` reshaped to the normalized rank.
Value asPerFeature(PatternRewriter &rewriter, Location loc, Value w,
                   RankedTensorType x, int64_t axis) {
  auto wt = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> shape(wt.getShape());
  size_t n = x.getRank() - axis;
  while (shape.size() > n)
    shape.erase(shape.begin());
  return reshapeTo(rewriter, loc, w, shape);
}

/// norm(x, ones) * w -> norm(x, w); layer_norm(x, w) + b -> layer_norm(x, w, b).
struct FoldNormAffine : RewritePattern {
  FoldNormAffine(MLIRContext *ctx, NormFusionStats &stats)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, ctx),
        stats(stats) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<MulOp, AddOp>(op))
      return failure();
    bool isMul = isa<MulOp>(op);
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    for (int i = 0; i < 2; ++i) {
      Value n = op->getOperand(i), w = op->getOperand(1 - i);
      Operation *norm = n.getDefiningOp();
      if (!norm || !isa<LayerNormOp, RmsNormOp>(norm) || !n.hasOneUse() ||
          n.getType() != type)
        continue;
      auto ln = dyn_cast<LayerNormOp>(norm);
      auto rms = dyn_cast<RmsNormOp>(norm);
      int64_t axis = ln ? ln.getAxis() : rms.getAxis();
      if (!isPerFeature(w, type, axis))
        continue;
      Location loc = op->getLoc();
      if (isMul) {
        Value scale = ln ? ln.getScale() : rms.getScale();
        if (!isSplatNear(scale, 1.0, 0.0) || (ln && ln.getBias()))
          continue;
        Value nw = asPerFeature(rewriter, loc, w, type, axis);
        if (ln)
          rewriter.replaceOpWithNewOp<LayerNormOp>(
              op, type, ln.getInput(), nw, Value(), ln.getAxisAttr(),
              ln.getEpsilonAttr());
        else
          rewriter.replaceOpWithNewOp<RmsNormOp>(op, type, rms.getInput(), nw,
                                                 rms.getAxisAttr(),
                                                 rms.getEpsilonAttr());
      } else {
        if (!ln || ln.getBias())
          continue;
        rewriter.replaceOpWithNewOp<LayerNormOp>(
            op, type, ln.getInput(), ln.getScale(),
            asPerFeature(rewriter, loc, w, type, axis), ln.getAxisAttr(),
            ln.getEpsilonAttr());
      }
      ++stats.affine;
      return success();
    }
    return failure();
  }

  NormFusionStats &stats;
};

struct NormFusionPass : tessera::impl::NormFusionBase<NormFusionPass> {
  void runOnOperation() override {
    NormFusionStats stats;
    RewritePatternSet patterns(&getContext());
    populateNormFusionPatterns(patterns, stats);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    recordCounts(getOperation(), "tessera-fuse-norms",
                 {{"layer-norm", stats.layerNorm}, {"rms-norm", stats.rmsNorm}, {"affine", stats.affine}});
    numLayerNorm += stats.layerNorm;
    numRmsNorm += stats.rmsNorm;
    numAffine += stats.affine;
  }
};
} // namespace

void mlir::tessera::populateNormFusionPatterns(RewritePatternSet &patterns,
                                               NormFusionStats &stats) {
  patterns.add<FuseNormalize, FoldNormAffine>(patterns.getContext(), stats);
}
