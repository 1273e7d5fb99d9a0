// The reference lowering of the fused ops: each becomes the primitive tessera
// ops it stands for (attention as matmul-softmax-matmul, norms as reductions,
// linear as matmul plus epilogue). Fused kernels are tested against it.
#include "ExprBuilder.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::tessera {
#define GEN_PASS_DEF_DECOMPOSEFUSED
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// K/V [B, Hkv, S, D] repeated to H heads, head h reading h / (H / Hkv), or
/// h % Hkv when `tiled`.
Value repeatHeads(Expr &e, Value x, int64_t heads, bool tiled) {
  auto t = e.like(x);
  ArrayRef<int64_t> s = t.getShape();
  if (s[1] == heads)
    return x;
  int64_t rep = heads / s[1];
  if (tiled)
    return e.concat(SmallVector<Value>(rep, x), 1);
  Value y = e.reshape(x, {s[0], s[1], 1, s[2], s[3]});
  y = BroadcastToOp::create(
      e.b, e.loc,
      RankedTensorType::get({s[0], s[1], rep, s[2], s[3]}, t.getElementType()),
      y);
  return e.reshape(y, {s[0], heads, s[2], s[3]});
}

struct DecomposeAttention : OpRewritePattern<AttentionOp> {
  DecomposeAttention(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    Expr e{rewriter, op.getLoc(), elt};
    if (keepKernels && elt.isF32()) {
      // The kernel takes one additive rank-4 mask (dims 1 or full).
      Value mask = op.getMask();
      if (!mask)
        return failure();
      auto mt = e.like(mask);
      if (op.getMaskKind() == "additive" && mt.getRank() == 4)
        return failure();
      if (op.getMaskKind() == "boolean")
        mask = WhereOp::create(
            rewriter, op.getLoc(), RankedTensorType::get(mt.getShape(), elt),
            mask, e.scalar(0.0),
            e.scalar(-std::numeric_limits<double>::infinity()));
      SmallVector<int64_t> shape(4 - mt.getRank(), 1);
      llvm::append_range(shape, mt.getShape());
      mask = e.reshape(mask, shape);
      rewriter.modifyOpInPlace(op, [&] {
        op.getMaskMutable().assign(mask);
        op.setMaskKind("additive");
      });
      return success();
    }
    ArrayRef<int64_t> qs = op.getQuery().getType().getShape();
    int64_t S = qs[2], Skv = op.getKey().getType().getDimSize(2);
    Value k = repeatHeads(e, op.getKey(), qs[1], op.getKvTiled());
    Value v = repeatHeads(e, op.getValue(), qs[1], op.getKvTiled());
    Value kt = TransposeOp::create(
        rewriter, op.getLoc(),
        RankedTensorType::get({qs[0], qs[1], qs[3], Skv}, elt), k,
        rewriter.getDenseI64ArrayAttr({0, 1, 3, 2}));
    auto scoreType = RankedTensorType::get({qs[0], qs[1], S, Skv}, elt);
    Value s = MatmulOp::create(rewriter, op.getLoc(), scoreType, op.getQuery(),
                               kt);
    s = e.mul(s, e.scalar(op.getScale().convertToDouble()));
    if (op.getMaskKind() == "additive")
      s = e.add(s, op.getMask());
    else if (op.getMaskKind() == "boolean")
      s = WhereOp::create(rewriter, op.getLoc(), scoreType, op.getMask(), s,
                          e.scalar(-std::numeric_limits<double>::infinity()));
    if (op.getCausal()) {
      SmallVector<float> tri(S * Skv, 0.0f);
      for (int64_t i = 0; i < S; ++i)
        for (int64_t j = i + 1; j < Skv; ++j)
          tri[i * Skv + j] = -std::numeric_limits<float>::infinity();
      auto triType = RankedTensorType::get({S, Skv}, rewriter.getF32Type());
      Value c = ConstantOp::create(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(triType, ArrayRef<float>(tri)));
      if (!elt.isF32())
        c = CastOp::create(rewriter, op.getLoc(),
                           RankedTensorType::get({S, Skv}, elt), c);
      s = e.add(s, c);
    }
    Value p = SoftmaxOp::create(rewriter, op.getLoc(), scoreType, s,
                                rewriter.getI64IntegerAttr(3));
    Value y = MatmulOp::create(rewriter, op.getLoc(), op.getType(), p, v);
    if (op.getPaddingQueries()) {
      // Query i is padding where its own key is masked: its row is 0.
      Value mask = op.getMask();
      auto mt = e.like(mask);
      auto rowShape = SmallVector<int64_t>{mt.getDimSize(0), 1, S, 1};
      Value rows = ReshapeOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get(rowShape, mt.getElementType()), mask);
      auto boolType = RankedTensorType::get(rowShape, rewriter.getI1Type());
      Value padding =
          op.getMaskKind() == "boolean"
              ? Value(NotOp::create(rewriter, op.getLoc(), boolType, rows))
              : Value(LessEqualOp::create(rewriter, op.getLoc(), boolType, rows,
                                          e.scalar(-1e4)));
      y = WhereOp::create(rewriter, op.getLoc(), op.getType(), padding,
                          e.scalar(0.0), y);
    }
    rewriter.replaceOp(op, y);
    return success();
  }

  bool keepKernels;
};

struct DecomposeRmsNorm : OpRewritePattern<RmsNormOp> {
  DecomposeRmsNorm(MLIRContext *ctx, bool keepRowKernel)
      : OpRewritePattern(ctx), keepRowKernel(keepRowKernel) {}
  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    if (keepRowKernel && normKernelFits(op))
      return rewriter.notifyMatchFailure(op, "the row kernel takes it");
    auto type = op.getType();
    Expr e{rewriter, op.getLoc(), type.getElementType()};
    Value x = op.getInput();
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(op.getAxis(), type.getRank()));
    SmallVector<int64_t> reduced(type.getShape());
    for (int64_t a : axes)
      reduced[a] = 1;
    Value ms = ReduceMeanOp::create(
        rewriter, op.getLoc(),
        RankedTensorType::get(reduced, type.getElementType()), e.mul(x, x),
        rewriter.getDenseI64ArrayAttr(axes), rewriter.getBoolAttr(true));
    Value inv = e.unary<RsqrtOp>(
        e.add(ms, e.scalar(op.getEpsilon().convertToDouble())));
    rewriter.replaceOp(op, e.mul(e.mul(x, inv), op.getScale()));
    return success();
  }

  bool keepRowKernel;
};

struct DecomposeGeluTanh : OpRewritePattern<GeluTanhOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GeluTanhOp op,
                                PatternRewriter &rewriter) const override {
    Expr e{rewriter, op.getLoc(), op.getType().getElementType()};
    Value x = op.getInput();
    Value cube = e.mul(e.mul(x, x), x);
    Value inner = e.mul(e.add(x, e.mul(cube, e.scalar(0.044715))),
                        e.scalar(std::sqrt(2.0 / M_PI)));
    // One statement per op (the IR's order must not depend on the C++
    // compiler's order of evaluating arguments).
    Value one = e.scalar(1.0);
    Value t = e.add(e.unary<TanhOp>(inner), one);
    Value half = e.scalar(0.5);
    rewriter.replaceOp(op, e.mul(e.mul(x, t), half));
    return success();
  }
};

struct DecomposeRotary : OpRewritePattern<RotaryOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RotaryOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    Expr e{rewriter, op.getLoc(), type.getElementType()};
    Value x = op.getInput();
    int64_t r = type.getRank(), d = type.getShape().back();
    Value rotated;
    if (!op.getInterleaved()) {
      Value lo = e.slice(x, r - 1, 0, d / 2), hi = e.slice(x, r - 1, d / 2, d / 2);
      rotated = e.concat({e.unary<NegOp>(hi), lo}, r - 1);
    } else {
      SmallVector<int64_t> pairs(type.getShape());
      pairs.back() = d / 2;
      pairs.push_back(2);
      Value p = e.reshape(x, pairs);
      Value even = e.slice(p, r, 0, 1), odd = e.slice(p, r, 1, 1);
      rotated = e.reshape(e.concat({e.unary<NegOp>(odd), even}, r),
                          type.getShape());
    }
    rewriter.replaceOp(op, e.add(e.mul(x, op.getCos()),
                                 e.mul(rotated, op.getSin())));
    return success();
  }
};

/// Whether cuBLASLt's epilogues compute the linear op: f32, dense, a bias
/// of the output's width, then ReLU or the tanh GELU, or else a residual of
/// the output's shape (cuBLASLt adds C before the activation, so not both).
bool gpuLinearFits(LinearOp op) {
  auto type = op.getType();
  if (!type.getElementType().isF32() || op.getSparsity() || op.getTokenMask())
    return false;
  StringRef act = op.getActivation();
  if (act != "none" && act != "" && act != "relu" && act != "gelu_tanh")
    return false;
  bool activation = act == "relu" || act == "gelu_tanh";
  if (Value bias = op.getBias()) {
    auto bt = cast<RankedTensorType>(bias.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != type.getShape().back())
      return false;
  }
  if (Value residual = op.getResidual())
    if (activation || residual.getType() != type)
      return false;
  return true;
}

struct DecomposeLinear : OpRewritePattern<LinearOp> {
  DecomposeLinear(MLIRContext *ctx, bool keepKernels, bool keepGpuLinear)
      : OpRewritePattern(ctx), keepKernels(keepKernels),
        keepGpuLinear(keepGpuLinear) {}
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    auto type = op.getType();
    Type elt = type.getElementType();
    if (keepKernels && elt.isF32())
      return failure(); // the runtime's GEMM with a fused epilogue
    if (keepGpuLinear && gpuLinearFits(op))
      return failure(); // cuBLASLt with its epilogue
    Expr e{rewriter, op.getLoc(), elt};
    Value w = op.getWeight();
    auto wt = e.like(w);
    if (op.getTransposeWeight())
      w = TransposeOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get({wt.getDimSize(1), wt.getDimSize(0)}, elt), w,
          rewriter.getDenseI64ArrayAttr({1, 0}));
    Value x = op.getInput();
    int64_t n = type.getShape().back();
    Value y;
    if (e.like(x).getRank() == 1) {
      int64_t k = e.like(x).getDimSize(0);
      y = MatmulOp::create(rewriter, op.getLoc(),
                           RankedTensorType::get({1, n}, elt),
                           e.reshape(x, {1, k}), w);
      y = e.reshape(y, {n});
    } else {
      y = MatmulOp::create(rewriter, op.getLoc(), type, x, w);
    }
    if (op.getBias())
      y = e.add(y, op.getBias());
    y = e.activation(op.getActivation(), y);
    if (op.getResidual())
      y = e.add(y, op.getResidual());
    if (Value mask = op.getTokenMask()) {
      // Padding rows (mask entry 0) are 0.
      auto mt = e.like(mask);
      SmallVector<int64_t> shape(mt.getShape());
      shape.push_back(1);
      Type mElt = mt.getElementType();
      Value rows = ReshapeOp::create(rewriter, op.getLoc(),
                                     RankedTensorType::get(shape, mElt), mask);
      TypedAttr zero = isa<FloatType>(mElt)
                           ? TypedAttr(rewriter.getFloatAttr(mElt, 0.0))
                           : TypedAttr(rewriter.getIntegerAttr(mElt, 0));
      Value zeroMask = ConstantOp::create(
          rewriter, op.getLoc(),
          DenseElementsAttr::get(RankedTensorType::get({}, mElt), zero));
      Value padding = EqualOp::create(
          rewriter, op.getLoc(),
          RankedTensorType::get(shape, rewriter.getI1Type()), rows, zeroMask);
      Value zeroY = e.scalar(0.0);
      y = WhereOp::create(rewriter, op.getLoc(), type, padding, zeroY, y);
    }
    rewriter.replaceOp(op, y);
    return success();
  }

  bool keepKernels, keepGpuLinear;
};

/// qconv -> its im2col patches and a static qlinear (decomposed in turn
/// unless the kernels stay).
struct DecomposeQConv : OpRewritePattern<QConvOp> {
  DecomposeQConv(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}
  LogicalResult matchAndRewrite(QConvOp op,
                                PatternRewriter &rewriter) const override {
    if (keepKernels)
      return failure();
    rewriter.replaceOp(op, decomposeQConv(rewriter, op));
    return success();
  }
  bool keepKernels;
};

/// qlinear -> linear over the dequantized weight scale ⊙ q, and for the
/// dynamic, dynamic_tensor and static modes over the quantize-dequantized
/// activations (the op's
/// reference semantics, in the same f32 operations as the kernels).
struct DecomposeQLinear : OpRewritePattern<QLinearOp> {
  DecomposeQLinear(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}
  LogicalResult matchAndRewrite(QLinearOp op,
                                PatternRewriter &rewriter) const override {
    // The CPU kernel takes 4-bit weights packed at compile time (constants,
    // in blocks of 32 k).
    if (keepKernels &&
        (op.getBits() == 8 || (op.getWeight().getDefiningOp<ConstantOp>() &&
                               op.getGroupSize() % 32 == 0)))
      return failure();
    Location loc = op.getLoc();
    Expr e{rewriter, loc, rewriter.getF32Type()};
    auto wt = e.like(op.getWeight());
    int64_t n = wt.getDimSize(0), k = wt.getDimSize(1);
    int64_t groups = e.like(op.getScale()).getDimSize(1), gs = k / groups;
    Value q = CastOp::create(rewriter, loc,
                             RankedTensorType::get({n, k}, e.elt),
                             op.getWeight());
    Value w = e.reshape(e.mul(e.reshape(q, {n, groups, gs}),
                              e.reshape(op.getScale(), {n, groups, 1})),
                        {n, k});
    Value x = op.getInput();
    if (op.getMode() == "dynamic") {
      auto xt = e.like(x);
      int64_t axis = xt.getRank() - 1;
      SmallVector<int64_t> rowShape(xt.getShape());
      rowShape.back() = 1;
      auto rowType = RankedTensorType::get(rowShape, e.elt);
      auto reduce = [&](auto tag) -> Value {
        using OpTy = decltype(tag);
        return OpTy::create(rewriter, loc, rowType, x,
                            rewriter.getDenseI64ArrayAttr({axis}),
                            rewriter.getBoolAttr(true));
      };
      Value mn = e.bin<MinOp>(reduce(ReduceMinOp()), e.scalar(0.0));
      Value mx = e.bin<MaxOp>(reduce(ReduceMaxOp()), e.scalar(0.0));
      Value range = e.sub(mx, mn);
      Value positive = GreaterOp::create(
          rewriter, loc, RankedTensorType::get(rowShape, rewriter.getI1Type()),
          range, e.scalar(0.0));
      auto select = [&](Value v) -> Value {
        return WhereOp::create(rewriter, loc, rowType, positive, v,
                               e.scalar(1.0));
      };
      Value inv = select(e.div(e.scalar(255.0), range));
      Value s = select(e.div(range, e.scalar(255.0)));
      auto clampByte = [&](Value v) -> Value {
        return ClampOp::create(rewriter, loc, e.like(v), v,
                               rewriter.getF64FloatAttr(0.0),
                               rewriter.getF64FloatAttr(255.0));
      };
      Value zp =
          clampByte(e.unary<RoundOp>(e.mul(e.unary<NegOp>(mn), inv)));
      Value qx = clampByte(e.add(e.unary<RoundOp>(e.mul(x, inv)), zp));
      x = e.mul(e.sub(qx, zp), s);
    } else if (op.getMode() == "dynamic_tensor") {
      // One scale and zero point from the whole input's range, by
      // DynamicQuantizeLinear's division.
      auto xt = e.like(x);
      SmallVector<int64_t> all;
      for (int64_t d = 0; d < xt.getRank(); ++d)
        all.push_back(d);
      auto scalarType = RankedTensorType::get({}, e.elt);
      auto reduce = [&](auto tag) -> Value {
        using OpTy = decltype(tag);
        return OpTy::create(rewriter, loc, scalarType, x,
                            rewriter.getDenseI64ArrayAttr(all),
                            rewriter.getBoolAttr(false));
      };
      Value mn = e.bin<MinOp>(reduce(ReduceMinOp()), e.scalar(0.0));
      Value mx = e.bin<MaxOp>(reduce(ReduceMaxOp()), e.scalar(0.0));
      Value range = e.sub(mx, mn);
      Value positive = GreaterOp::create(
          rewriter, loc, RankedTensorType::get({}, rewriter.getI1Type()), range,
          e.scalar(0.0));
      Value s = WhereOp::create(rewriter, loc, scalarType, positive,
                                e.div(range, e.scalar(255.0)), e.scalar(1.0));
      auto clampByte = [&](Value v) -> Value {
        return ClampOp::create(rewriter, loc, e.like(v), v,
                               rewriter.getF64FloatAttr(0.0),
                               rewriter.getF64FloatAttr(255.0));
      };
      Value zp = clampByte(e.unary<RoundOp>(e.div(e.unary<NegOp>(mn), s)));
      Value qx = clampByte(e.add(e.unary<RoundOp>(e.div(x, s)), zp));
      x = e.mul(e.sub(qx, zp), s);
    } else if (op.getMode() == "static") {
      Value s = e.scalar(op.getInputScale()->convertToDouble());
      Value zp = e.scalar(double(*op.getInputZeroPoint()));
      Value qx = e.add(e.unary<RoundOp>(e.div(x, s)), zp);
      qx = ClampOp::create(rewriter, loc, e.like(qx), qx,
                           rewriter.getF64FloatAttr(0.0),
                           rewriter.getF64FloatAttr(255.0));
      x = e.mul(e.sub(qx, zp), s);
    }
    rewriter.replaceOpWithNewOp<LinearOp>(
        op, op.getType(), x, w, op.getBias(), op.getResidual(),
        /*token_mask=*/Value(), rewriter.getBoolAttr(true),
        op.getActivationAttr(),
        /*sparsity=*/StringAttr());
    return success();
  }

  bool keepKernels;
};

struct DecomposeGlu : OpRewritePattern<GluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GluOp op,
                                PatternRewriter &rewriter) const override {
    Expr e{rewriter, op.getLoc(), op.getType().getElementType()};
    Value x = op.getInput();
    int64_t r = e.like(x).getRank(), n = op.getType().getShape().back();
    Value gate = e.activation(op.getActivation(), e.slice(x, r - 1, 0, n));
    rewriter.replaceOp(op, e.mul(gate, e.slice(x, r - 1, n, n)));
    return success();
  }
};

struct DecomposeFusedPass
    : tessera::impl::DecomposeFusedBase<DecomposeFusedPass> {
  using DecomposeFusedBase::DecomposeFusedBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposeFusedPatterns(patterns, keepKernels, keepGpuLinear,
                                   keepGpuKernels);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::tessera::populateDecomposeFusedPatterns(RewritePatternSet &patterns,
                                                   bool keepKernels,
                                                   bool keepGpuLinear,
                                                   bool keepGpuKernels) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<DecomposeAttention>(ctx, keepKernels || keepGpuKernels);
  patterns.add<DecomposeQLinear, DecomposeQConv>(ctx, keepKernels);
  patterns.add<DecomposeLinear>(ctx, keepKernels, keepGpuLinear);
  patterns.add<DecomposeRmsNorm>(ctx, keepKernels || keepGpuKernels);
  patterns.add<DecomposeGeluTanh, DecomposeRotary, DecomposeGlu>(ctx);
  populateDecomposeSsmPatterns(patterns, keepKernels, keepGpuKernels);
}
