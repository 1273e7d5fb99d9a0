// MatMul by a rank-2 weight -> tessera.linear, then its bias add, activation
// and residual add folded into the op's epilogue (a tessera.qlinear's too).
#include "FusionUtils.h"
#include "passes/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
        op, op.getType(), op.getLhs(), weight, Value(), Value(), Value(),
        rewriter.getBoolAttr(transposed), rewriter.getStringAttr("none"),
        /*sparsity=*/StringAttr());
    ++stats.linear;
    return success();
  }

  LinearFusionStats &stats;
};

/// A patch embedding: a convolution whose stride equals its kernel (no
/// padding, dilation or groups; ViT, Swin) applies one linear map to each
/// non-overlapping patch. x [N, C, D1..Dk] -> patches [N, P1..Pk, C·K1..Kk]
/// -> linear with the weight [F, C·K1..Kk] -> [N, F, P1..Pk]. A 1x1 conv
/// is left alone (it would only gain two transposes).
struct PatchConvToLinear : OpRewritePattern<ConvOp> {
  PatchConvToLinear(MLIRContext *ctx, LinearFusionStats &stats)
      : OpRewritePattern(ctx), stats(stats) {}

  LogicalResult matchAndRewrite(ConvOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasFusedEpilogue())
      return failure(); // a fused residual or activation it would drop
    auto xt = op.getInput().getType(), wt = op.getWeight().getType();
    int64_t k = xt.getRank() - 2;
    ArrayRef<int64_t> kernel = wt.getShape().drop_front(2);
    if (k < 1 || op.getGroup() != 1 || op.getStrides() != kernel ||
        llvm::any_of(op.getPads(), [](int64_t p) { return p != 0; }) ||
        llvm::any_of(op.getDilations(), [](int64_t d) { return d != 1; }) ||
        llvm::all_of(kernel, [](int64_t d) { return d == 1; }))
      return failure();
    Location loc = op.getLoc();
    Type elt = xt.getElementType();
    int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), f = wt.getDimSize(0);
    // Patches, dims that do not divide dropped as the conv drops them.
    SmallVector<int64_t> patches, split = {n, c}, used = {n, c};
    int64_t patchSize = c;
    for (int64_t i = 0; i < k; ++i) {
      patches.push_back(xt.getDimSize(2 + i) / kernel[i]);
      split.append({patches.back(), kernel[i]});
      used.push_back(patches.back() * kernel[i]);
      patchSize *= kernel[i];
    }
    Value x = op.getInput();
    if (ArrayRef<int64_t>(used) != xt.getShape())
      x = SliceOp::create(rewriter, loc, RankedTensorType::get(used, elt), x,
                          rewriter.getDenseI64ArrayAttr(
                              SmallVector<int64_t>(used.size(), 0)),
                          rewriter.getDenseI64ArrayAttr(
                              SmallVector<int64_t>(used.size(), 1)));
    // [N, C, P1, K1, ..] -> [N, P1.., C, K1..].
    SmallVector<int64_t> perm = {0}, permuted = {n};
    for (int64_t i = 0; i < k; ++i)
      perm.push_back(2 + 2 * i);
    perm.push_back(1);
    for (int64_t i = 0; i < k; ++i)
      perm.push_back(3 + 2 * i);
    for (int64_t d : ArrayRef<int64_t>(perm).drop_front())
      permuted.push_back(split[d]);
    x = TransposeOp::create(rewriter, loc,
                            RankedTensorType::get(permuted, elt),
                            reshapeTo(rewriter, loc, x, split),
                            rewriter.getDenseI64ArrayAttr(perm));
    SmallVector<int64_t> rows = {n};
    llvm::append_range(rows, patches);
    SmallVector<int64_t> in(rows), out(rows);
    in.push_back(patchSize);
    out.push_back(f);
    Value w = reshapeTo(rewriter, loc, op.getWeight(), {f, patchSize});
    Value y = LinearOp::create(rewriter, loc, RankedTensorType::get(out, elt),
                               reshapeTo(rewriter, loc, x, in), w, op.getBias(),
                               Value(), Value(), rewriter.getBoolAttr(true),
                               rewriter.getStringAttr("none"),
                               /*sparsity=*/StringAttr());
    SmallVector<int64_t> back = {0, k + 1};
    for (int64_t i = 0; i < k; ++i)
      back.push_back(1 + i);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), y,
                                             rewriter.getDenseI64ArrayAttr(back));
    ++stats.patchConv;
    return success();
  }

  LinearFusionStats &stats;
};

/// The epilogue of a tessera.linear or tessera.qlinear (the int8 layers
/// that quantization and the pre-quantized importers make); nullopt for any
/// other op.
struct Epilogue {
  Value bias, residual;
  StringRef activation;
};

std::optional<Epilogue> epilogueOf(Operation *op) {
  if (auto lin = dyn_cast_or_null<LinearOp>(op))
    return Epilogue{lin.getBias(), lin.getResidual(), lin.getActivation()};
  if (auto q = dyn_cast_or_null<QLinearOp>(op))
    return Epilogue{q.getBias(), q.getResidual(), q.getActivation()};
  return std::nullopt;
}

/// A linear or qlinear op feeding only `v`'s user, whose epilogue is still
/// empty from `stage` on (0: bias, 1: activation, 2: residual).
Operation *producerLinear(Value v, int stage) {
  Operation *lin = v.getDefiningOp();
  std::optional<Epilogue> e = epilogueOf(lin);
  if (!e || !v.hasOneUse() || e->residual)
    return nullptr;
  if (stage <= 1 && e->activation != "none")
    return nullptr;
  if (stage == 0 && e->bias)
    return nullptr;
  return lin;
}

/// `lin` again with the epilogue (bias, residual, act), at the rewriter's
/// insertion point.
Value relinear(PatternRewriter &rewriter, Location loc, Operation *lin,
               Value bias, Value residual, StringRef act) {
  if (auto l = dyn_cast<LinearOp>(lin))
    return LinearOp::create(rewriter, loc, l.getType(), l.getInput(),
                            l.getWeight(), bias, residual, l.getTokenMask(),
                            l.getTransposeWeightAttr(),
                            rewriter.getStringAttr(act), l.getSparsityAttr());
  auto q = cast<QLinearOp>(lin);
  return QLinearOp::create(rewriter, loc, q.getType(), q.getInput(),
                           q.getWeight(), q.getScale(), bias, residual,
                           q.getModeAttr(), q.getBitsAttr(),
                           rewriter.getStringAttr(act), q.getInputScaleAttr(),
                           q.getInputZeroPointAttr());
}

/// `lin` again with the epilogue (bias, residual, act), replacing
/// `replaced`.
void rebuild(PatternRewriter &rewriter, Operation *replaced, Operation *lin,
             Value bias, Value residual, StringRef act) {
  rewriter.replaceOp(replaced, relinear(rewriter, replaced->getLoc(), lin, bias,
                                        residual, act));
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
        if (Operation *lin = producerLinear(l, 0)) {
          Value bias = reshapeTo(rewriter, op.getLoc(), other, {n});
          rebuild(rewriter, op, lin, bias, Value(), "none");
          ++stats.bias;
          return success();
        }
      }
      if (ot == type) {
        if (Operation *lin = producerLinear(l, 2)) {
          std::optional<Epilogue> e = epilogueOf(lin);
          rebuild(rewriter, op, lin, e->bias, other, e->activation);
          ++stats.residual;
          return success();
        }
        // add(reshape(linear), r) where the reshape keeps the rows of N
        // (torch's attention output projection on [S*B, E], viewed as
        // [S, B, E] for the residual add): the residual is viewed as the
        // linear's rows instead, and the reshape moves after the add.
        auto reshape = l.getDefiningOp<ReshapeOp>();
        if (reshape && l.hasOneUse() && type.hasStaticShape()) {
          auto rows = cast<RankedTensorType>(reshape.getInput().getType());
          Operation *lin = producerLinear(reshape.getInput(), 2);
          if (lin && rows.hasStaticShape() && rows.getRank() >= 1 &&
              rows.getShape().back() == n) {
            std::optional<Epilogue> e = epilogueOf(lin);
            Value r = ReshapeOp::create(rewriter, op.getLoc(), rows, other);
            Value y =
                relinear(rewriter, op.getLoc(), lin, e->bias, r, e->activation);
            rewriter.replaceOpWithNewOp<ReshapeOp>(op, type, y);
            ++stats.residual;
            return success();
          }
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
    StringRef act = activationName(op);
    if (act.empty())
      return failure();
    Operation *lin = producerLinear(op->getOperand(0), 1);
    if (!lin)
      return failure();
    rebuild(rewriter, op, lin, epilogueOf(lin)->bias, Value(), act);
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
                 {{"linear", stats.linear},
                  {"patch-conv", stats.patchConv},
                  {"bias", stats.bias},
                  {"activation", stats.activation},
                  {"residual", stats.residual}});
    numLinear += stats.linear;
    numBias += stats.bias;
    numActivation += stats.activation;
    numResidual += stats.residual;
    numPatchConv += stats.patchConv;
  }
};
} // namespace

void mlir::tessera::populateLinearFusionPatterns(RewritePatternSet &patterns,
                                                 LinearFusionStats &stats) {
  patterns.add<MatmulToLinear, PatchConvToLinear, FoldAdd, FoldActivation>(
      patterns.getContext(), stats);
}
