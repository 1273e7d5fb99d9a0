// The reference lowering of the SSM ops: the selective scan and linear
// attention become an scf.for over time whose body is primitive tessera ops
// on the step's slices; causal conv1d becomes a left-padded depthwise conv.
// The runtime kernels are tested against these.
#include "ExprBuilder.h"
#include "passes/Passes.h"
#include "tessera/IR/Layout.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {

/// A loop over time `t = 0..steps-1` carrying `inits`; `body` builds one step
/// from the index and the carried values and returns the next ones.
SmallVector<Value>
buildTimeLoop(Expr &e, int64_t steps, ValueRange inits,
              function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  PatternRewriter &b = e.b;
  Value lb = arith::ConstantIndexOp::create(b, e.loc, 0);
  Value ub = arith::ConstantIndexOp::create(b, e.loc, steps);
  Value one = arith::ConstantIndexOp::create(b, e.loc, 1);
  auto loop = scf::ForOp::create(b, e.loc, lb, ub, one, inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> next =
      body(loop.getInductionVar(), loop.getRegionIterArgs());
  scf::YieldOp::create(b, e.loc, next);
  return SmallVector<Value>(loop.getResults());
}

/// x[..., t, ...] along `axis` as a size-1 slice (rank kept).
Value timeSlice(Expr &e, Value x, int64_t axis, Value t) {
  auto type = e.like(x);
  SmallVector<OpFoldResult> offsets(type.getRank(), e.b.getIndexAttr(0)),
      sizes, strides(type.getRank(), e.b.getIndexAttr(1));
  for (int64_t d : type.getShape())
    sizes.push_back(e.b.getIndexAttr(d));
  offsets[axis] = t;
  sizes[axis] = e.b.getIndexAttr(1);
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = 1;
  return tensor::ExtractSliceOp::create(
      e.b, e.loc, RankedTensorType::get(shape, type.getElementType()), x,
      offsets, sizes, strides);
}

/// `into` with the size-1 slice `part` stored at index t of `axis`.
Value insertTimeSlice(Expr &e, Value part, Value into, int64_t axis, Value t) {
  auto type = e.like(part);
  SmallVector<OpFoldResult> offsets(type.getRank(), e.b.getIndexAttr(0)),
      sizes, strides(type.getRank(), e.b.getIndexAttr(1));
  for (int64_t d : type.getShape())
    sizes.push_back(e.b.getIndexAttr(d));
  offsets[axis] = t;
  return tensor::InsertSliceOp::create(e.b, e.loc, part, into, offsets, sizes,
                                       strides);
}

Value emptyLike(Expr &e, ArrayRef<int64_t> shape) {
  return tensor::EmptyOp::create(e.b, e.loc, shape, e.elt);
}

struct DecomposeSelectiveScan : OpRewritePattern<SelectiveScanOp> {
  DecomposeSelectiveScan(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}
  LogicalResult matchAndRewrite(SelectiveScanOp op,
                                PatternRewriter &rewriter) const override {
    Type elt = op.getX().getType().getElementType();
    if (keepKernels && elt.isF32())
      return rewriter.notifyMatchFailure(op, "lowered to the runtime kernel");
    Expr e{rewriter, op.getLoc(), elt};
    ArrayRef<int64_t> xs = op.getX().getType().getShape();
    int64_t bt = xs[0], l = xs[1], d = xs[2];
    int64_t n = op.getA().getType().getDimSize(1);
    Value x = op.getX(), dt = op.getDelta();
    if (Value bias = op.getDeltaBias())
      dt = e.add(dt, bias);
    if (op.getDeltaSoftplus())
      dt = e.unary<SoftplusOp>(dt);
    // exp(dt·A) and dt·B·x for every step, [Bt, L, D, N].
    Value dA = e.unary<ExpOp>(e.mul(e.reshape(dt, {bt, l, d, 1}), op.getA()));
    Value dtx = e.reshape(e.mul(dt, x), {bt, l, d, 1});
    auto isSelective = [](Value v) {
      return cast<RankedTensorType>(v.getType()).getRank() == 3;
    };
    Value bFull = isSelective(op.getB()) ? e.reshape(op.getB(), {bt, l, 1, n})
                                         : op.getB();
    Value dBx = e.mul(dtx, bFull);
    Value h0 = op.getInitialState() ? op.getInitialState()
                                    : e.splat({bt, d, n}, 0.0);
    SmallVector<Value> results = buildTimeLoop(
        e, l, {h0, emptyLike(e, {bt, l, d})},
        [&](Value t, ValueRange carried) -> SmallVector<Value> {
          Value at = e.reshape(timeSlice(e, dA, 1, t), {bt, d, n});
          Value bt_ = e.reshape(timeSlice(e, dBx, 1, t), {bt, d, n});
          Value h = e.add(e.mul(at, carried[0]), bt_);
          Value c = isSelective(op.getC())
                        ? e.reshape(timeSlice(e, op.getC(), 1, t), {bt, 1, n})
                        : op.getC();
          Value y = e.reshape(e.reduceSum(e.mul(h, c), {2}, false),
                              {bt, 1, d});
          return {h, insertTimeSlice(e, y, carried[1], 1, t)};
        });
    Value y = results[1];
    if (Value skip = op.getD())
      y = e.add(y, e.mul(x, skip));
    if (Value z = op.getZ())
      y = e.mul(y, e.unary<SiluOp>(z));
    rewriter.replaceOp(op, {y, results[0]});
    return success();
  }

  bool keepKernels;
};

struct DecomposeCausalConv1d : OpRewritePattern<CausalConv1dOp> {
  DecomposeCausalConv1d(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}
  LogicalResult matchAndRewrite(CausalConv1dOp op,
                                PatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    if (keepKernels && elt.isF32())
      return rewriter.notifyMatchFailure(op, "lowered to the runtime kernel");
    Expr e{rewriter, op.getLoc(), elt};
    ArrayRef<int64_t> ws = op.getWeight().getType().getShape();
    int64_t c = ws[0], k = ws[1], dil = op.getDilation();
    Value w = e.reshape(op.getWeight(), {c, 1, k});
    // channels_last: the channel-first conv between [0, 2, 1] transposes.
    Value x = op.getInput();
    RankedTensorType type = op.getType();
    auto swap = [&](Value v) -> Value {
      return TransposeOp::create(
          rewriter, op.getLoc(),
          permuted(cast<RankedTensorType>(v.getType()), {0, 2, 1}), v,
          rewriter.getDenseI64ArrayAttr({0, 2, 1}));
    };
    if (op.getChannelsLast()) {
      x = swap(x);
      type = cast<RankedTensorType>(x.getType());
    }
    Value y =
        ConvOp::create(rewriter, op.getLoc(), type, x, w, op.getBias(), Value(),
                       rewriter.getDenseI64ArrayAttr({1}),
                       rewriter.getDenseI64ArrayAttr({(k - 1) * dil, 0}),
                       rewriter.getDenseI64ArrayAttr({dil}),
                       rewriter.getI64IntegerAttr(c), FloatAttr(), FloatAttr());
    y = e.activation(op.getActivation(), y);
    rewriter.replaceOp(op, op.getChannelsLast() ? swap(y) : y);
    return success();
  }

  bool keepKernels;
};

struct DecomposeLinearAttention : OpRewritePattern<LinearAttentionOp> {
  DecomposeLinearAttention(MLIRContext *ctx, bool keepKernels)
      : OpRewritePattern(ctx), keepKernels(keepKernels) {}
  LogicalResult matchAndRewrite(LinearAttentionOp op,
                                PatternRewriter &rewriter) const override {
    Type elt = op.getResult().getType().getElementType();
    if (keepKernels && elt.isF32())
      return rewriter.notifyMatchFailure(op, "lowered to the runtime kernel");
    Expr e{rewriter, op.getLoc(), elt};
    ArrayRef<int64_t> qs = op.getQuery().getType().getShape();
    int64_t b = qs[0], h = qs[1], steps = qs[2], dk = qs[3];
    int64_t dv = op.getValue().getType().getDimSize(3);
    double scale = op.getScale().convertToDouble();
    Value gate = op.getGate();
    Value s0 = op.getInitialState() ? op.getInitialState()
                                    : e.splat({b, h, dk, dv}, 0.0);
    SmallVector<Value> inits = {s0, emptyLike(e, {b, h, steps, dv})};
    if (op.getNormalize())
      inits.push_back(e.splat({b, h, dk, 1}, 0.0));
    SmallVector<Value> results = buildTimeLoop(
        e, steps, inits, [&](Value t, ValueRange carried) -> SmallVector<Value> {
          Value kt = e.reshape(timeSlice(e, op.getKey(), 2, t), {b, h, dk, 1});
          Value qt = e.reshape(timeSlice(e, op.getQuery(), 2, t), {b, h, dk, 1});
          Value vt = timeSlice(e, op.getValue(), 2, t); // [b, h, 1, dv]
          Value gt;
          if (gate) {
            int64_t g = e.like(gate).getDimSize(3);
            gt = e.reshape(timeSlice(e, gate, 2, t), {b, h, g, 1});
          }
          auto decay = [&](Value state) {
            return gt ? e.mul(gt, state) : state;
          };
          Value kv = e.mul(kt, vt);
          Value s = e.add(decay(carried[0]), kv);
          // [b, h, 1, dv]
          Value o = e.reduceSum(e.mul(qt, s), {2}, true);
          if (scale != 1.0)
            o = e.mul(o, e.scalar(scale));
          SmallVector<Value> next = {s};
          if (op.getNormalize()) {
            Value zn = e.add(decay(carried[2]), kt);
            Value den = e.reduceSum(e.mul(qt, zn), {2}, true); // [b,h,1,1]
            if (scale != 1.0)
              den = e.mul(den, e.scalar(scale));
            den = e.add(den, e.scalar(op.getEpsilon().convertToDouble()));
            o = e.div(o, den);
            next.push_back(insertTimeSlice(e, o, carried[1], 2, t));
            next.push_back(zn);
          } else {
            next.push_back(insertTimeSlice(e, o, carried[1], 2, t));
          }
          return next;
        });
    rewriter.replaceOp(op, {results[1], results[0]});
    return success();
  }

  bool keepKernels;
};

} // namespace

void mlir::tessera::populateDecomposeSsmPatterns(RewritePatternSet &patterns,
                                                 bool keepKernels,
                                                 bool keepGpuScan) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<DecomposeSelectiveScan>(ctx, keepKernels || keepGpuScan);
  patterns.add<DecomposeCausalConv1d, DecomposeLinearAttention>(ctx,
                                                                keepKernels);
}
