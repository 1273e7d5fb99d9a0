// tessera-channels-last: 2-d convs, max and average pools in channels-last
// layout, with the transposes between them sunk through elementwise ops and
// cancelled (Passes.td).
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/Layout.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::tessera {
#define GEN_PASS_DEF_CHANNELSLAST
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;
using namespace mlir::tessera;

namespace {

Value transposed(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  return TransposeOp::create(b, loc, permuted(type, perm), v,
                             b.getDenseI64ArrayAttr(perm));
}

/// A static rank-4 tensor of any element type (the integer and i1 steps of
/// a quantize-dequantize pair between quantized convs).
bool isStaticRank4(Type t) {
  auto type = dyn_cast<RankedTensorType>(t);
  return type && type.getRank() == 4 && type.hasStaticShape();
}

bool isF32Rank4(Type t) {
  return isStaticRank4(t) && cast<RankedTensorType>(t).getElementType().isF32();
}

/// Whether `op` is an OpTy (a conv, max pool or average pool) that is 2-d,
/// f32 and not channels-last yet: the runtime's conv kernels take any group
/// count; the average pools are DenseNet's transitions between dense blocks.
template <typename OpTy> bool eligible(Operation *op) {
  auto o = dyn_cast<OpTy>(op);
  return o && !o.getChannelsLast() && isF32Rank4(o.getInput().getType());
}

/// op(x) -> T_back(op_cl(T_last(x))), the residual as x.
void makeChannelsLast(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  SmallVector<int64_t> last = toChannelsLast(4), first = toChannelsFirst(4);
  Operation *clone = b.clone(*op);
  // The input, and the residual of a conv.
  auto conv = dyn_cast<ConvOp>(clone);
  b.setInsertionPoint(clone);
  clone->setOperand(0, transposed(b, loc, op->getOperand(0), last));
  if (conv && conv.getResidual())
    conv.getResidualMutable().assign(
        transposed(b, loc, conv.getResidual(), last));
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  clone->getResult(0).setType(permuted(type, last));
  clone->setAttr("channels_last", b.getUnitAttr());
  b.setInsertionPointAfter(clone);
  op->getResult(0).replaceAllUsesWith(
      transposed(b, loc, clone->getResult(0), first));
  op->erase();
}

/// The channels-last tensor that `v` is the channel-first transpose of
/// (the transpose makeChannelsLast leaves after each op), if any. Where
/// H = W = 1 that transpose is canonically a reshape [N, 1, 1, C] ->
/// [N, C, 1, 1] (a pooled feature, a squeeze-and-excitation gate).
Value channelsLastSource(Value v) {
  if (auto t = v.getDefiningOp<TransposeOp>())
    return t.getPerm() == ArrayRef<int64_t>(toChannelsFirst(4)) ? t.getInput()
                                                                : Value();
  auto r = v.getDefiningOp<ReshapeOp>();
  if (!r || !isStaticRank4(r.getType()) ||
      !isStaticRank4(r.getInput().getType()))
    return Value();
  auto out = cast<RankedTensorType>(r.getType());
  bool unitMap = out.getDimSize(2) == 1 && out.getDimSize(3) == 1;
  return unitMap && cast<RankedTensorType>(r.getInput().getType()).getShape() ==
                        permuted(out, toChannelsLast(4)).getShape()
             ? r.getInput()
             : Value();
}

/// Whether `type`, broadcast against [N, C, H, W], has H = W = 1 (a
/// squeeze-and-excitation gate [N, C, 1, 1], a per-channel [C, 1, 1]):
/// moving it to channels-last only moves unit dims, a reshape.
bool spatiallyUniform(RankedTensorType type) {
  int64_t rank = type.getRank();
  return (rank < 1 || type.getDimSize(rank - 1) == 1) &&
         (rank < 2 || type.getDimSize(rank - 2) == 1);
}

/// op(T(a), T(b), c) -> T(op(a, b, T^-1(c))) for the channel-first
/// transpose T (the one makeChannelsLast leaves after each op): every
/// operand the same transpose, or a constant or spatially uniform tensor
/// (moved to the other layout).
struct SinkTranspose : RewritePattern {
  SinkTranspose(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    // Elementwise: the fusion passes' arithmetic and unary ops, casts, and
    // the broadcasting ops (comparisons, where) of a quantize-dequantize
    // pair.
    bool elementwise = fusion::isElementwise(op) || isa<CastOp>(op) ||
                       (op->getNumResults() == 1 &&
                        op->hasTrait<tessera::OpTrait::NumpyBroadcast>());
    if (!elementwise || !isStaticRank4(op->getResult(0).getType()))
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    bool any = false;
    for (Value v : op->getOperands()) {
      if (channelsLastSource(v)) {
        any = true;
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || type.getRank() > 4 || !type.hasStaticShape() ||
          !(v.getDefiningOp<ConstantOp>() || spatiallyUniform(type)))
        return failure();
    }
    if (!any)
      return failure();
    Location loc = op->getLoc();
    IRMapping map;
    for (Value v : op->getOperands()) {
      if (Value source = channelsLastSource(v)) {
        map.map(v, source);
        continue;
      }
      // A constant broadcast against [N, C, H, W]: its shape padded to rank
      // 4 with leading ones, then transposed to [N, H, W, C].
      auto type = cast<RankedTensorType>(v.getType());
      Value c = v;
      if (type.getRank() < 4) {
        SmallVector<int64_t> shape(4 - type.getRank(), 1);
        llvm::append_range(shape, type.getShape());
        c = ReshapeOp::create(
            rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
            c);
      }
      map.map(v, transposed(rewriter, loc, c, last));
    }
    Operation *moved = rewriter.clone(*op, map);
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    moved->getResult(0).setType(permuted(type, last));
    rewriter.replaceOp(op,
                       transposed(rewriter, loc, moved->getResult(0), first));
    return success();
  }
};

/// reduce(T(a), axes) -> T(reduce(a, perm[axes])) with keepdims (global
/// average pooling: a squeeze-and-excitation gate, a classifier's input).
template <typename ReduceOp>
struct SinkTransposeThroughReduce : OpRewritePattern<ReduceOp> {
  using OpRewritePattern<ReduceOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    Value source = channelsLastSource(op.getInput());
    if (!source || !op.getKeepdims() || !isF32Rank4(op.getType()))
      return failure();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(first[a]);
    llvm::sort(axes);
    Value y = ReduceOp::create(
        rewriter, op.getLoc(), permuted(op.getType(), last), source,
        rewriter.getDenseI64ArrayAttr(axes), op.getKeepdimsAttr());
    rewriter.replaceOp(op, transposed(rewriter, op.getLoc(), y, first));
    return success();
  }
};

/// concat(T(a), T(b), axis k) -> T(concat(a, b, axis perm[k])) (Inception's
/// and SqueezeNet's channel concats between convs).
struct SinkTransposeThroughConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    if (!isF32Rank4(op.getType()))
      return failure();
    SmallVector<Value> inputs;
    for (Value v : op.getInputs()) {
      Value source = channelsLastSource(v);
      if (!source)
        return failure();
      inputs.push_back(source);
    }
    Value y =
        ConcatOp::create(rewriter, op.getLoc(), permuted(op.getType(), last),
                         inputs, first[op.getAxis()]);
    rewriter.replaceOp(op, transposed(rewriter, op.getLoc(), y, first));
    return success();
  }
};

/// One value per dim of [N, C, H, W], reordered to [N, H, W, C].
template <typename T> SmallVector<T> channelsLastOrder(ArrayRef<T> perDim) {
  SmallVector<T> moved;
  for (int64_t d : toChannelsLast(4))
    moved.push_back(perDim[d]);
  return moved;
}

/// slice(T(a)) -> T(slice(a)) with the starts and steps moved to the
/// channels-last dims (ShuffleNet's channel split).
struct SinkTransposeThroughSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    Value source = channelsLastSource(op.getInput());
    if (!source || !isF32Rank4(op.getType()))
      return failure();
    Value y = SliceOp::create(
        rewriter, op.getLoc(), permuted(op.getType(), last), source,
        rewriter.getDenseI64ArrayAttr(channelsLastOrder(op.getStarts())),
        rewriter.getDenseI64ArrayAttr(channelsLastOrder(op.getSteps())));
    rewriter.replaceOp(op, transposed(rewriter, op.getLoc(), y, first));
    return success();
  }
};

/// pad(T(a)) -> T(pad(a)) with the begin and end amounts moved to the
/// channels-last dims, in any mode (torchvision's Inception pads before each
/// branch's average pool, whose count includes the padding).
struct SinkTransposeThroughPad : OpRewritePattern<PadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PadOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    Value source = channelsLastSource(op.getInput());
    if (!source || !isStaticRank4(op.getType()))
      return failure();
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> moved = channelsLastOrder(pads.take_front(4));
    llvm::append_range(moved, channelsLastOrder(pads.drop_front(4)));
    auto y = PadOp::create(rewriter, op.getLoc(), permuted(op.getType(), last),
                           source, rewriter.getDenseI64ArrayAttr(moved),
                           op.getModeAttr(), op.getValueAttr());
    rewriter.replaceOp(op, transposed(rewriter, op.getLoc(), y, first));
    return success();
  }
};

/// resize(T(a)) -> T(resize(a)) with the scales (and a crop's roi, begins
/// then ends) moved to the channels-last dims: every dim resizes on its own
/// (DeepLabV3's image-pooling branch, a [N, C, 1, 1] feature resized to the
/// map before the ASPP concat, which then stays channels-last; an FPN's
/// upsampling before the add of the lateral conv).
struct SinkTransposeThroughResize : OpRewritePattern<ResizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ResizeOp op,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    Value source = channelsLastSource(op.getInput());
    if (!source || !isStaticRank4(op.getType()))
      return failure();
    // An upsampling moves the transpose to the larger tensor: only where
    // the users take it on (a concat, elementwise ops, a channels-last
    // conv's transpose, which cancels), not before a graph output in
    // channel-first layout.
    bool enlarges = op.getType().getNumElements() >
                    op.getInput().getType().getNumElements();
    auto takesItOn = [&](Operation *user) {
      auto t = dyn_cast<TransposeOp>(user);
      return isa<ConcatOp>(user) || fusion::isElementwise(user) ||
             (t && t.getPerm() == ArrayRef<int64_t>(last));
    };
    if (enlarges && !llvm::all_of(op->getUsers(), takesItOn))
      return failure();
    auto y = cast<ResizeOp>(rewriter.clone(*op));
    y.getInputMutable().assign(source);
    y.getResult().setType(permuted(op.getType(), last));
    y.setScales(channelsLastOrder(op.getScales()));
    if (std::optional<ArrayRef<double>> roi = op.getRoi()) {
      SmallVector<double> moved = channelsLastOrder(roi->take_front(4));
      llvm::append_range(moved, channelsLastOrder(roi->drop_front(4)));
      y.setRoi(ArrayRef<double>(moved));
    }
    rewriter.replaceOp(op, transposed(rewriter, op.getLoc(), y, first));
    return success();
  }
};

/// A channel permutation of T(a) ([N, C, H, W]): a reshape that splits C
/// into factors [N, f1..fm, H, W], a transpose that permutes only those,
/// and a reshape back to [N, C, H, W] (ShuffleNet's channel shuffle:
/// factors [g, C/g], swapped). The same on a's channels, innermost:
/// [N, H, W, f1..fm], permuted, reshaped back to [N, H, W, C], then T.
struct SinkTransposeThroughChannelPermutation : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp split,
                                PatternRewriter &rewriter) const override {
    SmallVector<int64_t> first = toChannelsFirst(4), last = toChannelsLast(4);
    Value source = channelsLastSource(split.getInput());
    auto in = cast<RankedTensorType>(split.getInput().getType());
    auto mid = cast<RankedTensorType>(split.getType());
    if (!source || !isF32Rank4(in) || !split->hasOneUse() ||
        !mid.hasStaticShape() || mid.getRank() < 5)
      return failure();
    // [N, f1..fm, H, W] with the factors' product C.
    int64_t m = mid.getRank() - 3;
    ArrayRef<int64_t> shape = mid.getShape();
    if (shape[0] != in.getDimSize(0) || shape[m + 1] != in.getDimSize(2) ||
        shape[m + 2] != in.getDimSize(3))
      return failure();
    auto permute = dyn_cast<TransposeOp>(*split->getUsers().begin());
    if (!permute || !permute->hasOneUse())
      return failure();
    ArrayRef<int64_t> perm = permute.getPerm();
    if (perm[0] != 0 || perm[m + 1] != m + 1 || perm[m + 2] != m + 2)
      return failure();
    auto merge = dyn_cast<ReshapeOp>(*permute->getUsers().begin());
    if (!merge || merge.getType() != in)
      return failure();
    Location loc = split.getLoc();
    Type elt = in.getElementType();
    // [N, H, W, f1..fm], the factors permuted as perm permutes dims 1..m.
    SmallVector<int64_t> lastShape = {shape[0], shape[m + 1], shape[m + 2]};
    llvm::append_range(lastShape, shape.slice(1, m));
    SmallVector<int64_t> lastPerm = {0, 1, 2};
    for (int64_t i = 1; i <= m; ++i)
      lastPerm.push_back(perm[i] + 2);
    Value y = ReshapeOp::create(rewriter, loc,
                                RankedTensorType::get(lastShape, elt), source);
    y = transposed(rewriter, loc, y, lastPerm);
    y = ReshapeOp::create(rewriter, loc, permuted(in, last), y);
    rewriter.replaceOp(merge, transposed(rewriter, loc, y, first));
    return success();
  }
};

struct ChannelsLastPass : tessera::impl::ChannelsLastBase<ChannelsLastPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (eligible<ConvOp>(op) || eligible<MaxPoolOp>(op) ||
          eligible<AvgPoolOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      makeChannelsLast(op);
    fusion::recordCounts(getOperation(), "tessera-channels-last",
                         {{"channels-last", int64_t(ops.size())}});
    numOps += ops.size();
    if (ops.empty())
      return;
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns
        .add<SinkTranspose, SinkTransposeThroughConcat,
             SinkTransposeThroughSlice, SinkTransposeThroughPad,
             SinkTransposeThroughResize, SinkTransposeThroughChannelPermutation,
             SinkTransposeThroughReduce<ReduceSumOp>,
             SinkTransposeThroughReduce<ReduceMeanOp>,
             SinkTransposeThroughReduce<ReduceMaxOp>,
             SinkTransposeThroughReduce<ReduceMinOp>>(ctx);
    // Transposes that move unit dims become reshapes, and reshape chains
    // fold.
    TransposeOp::getCanonicalizationPatterns(patterns, ctx);
    ReshapeOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
