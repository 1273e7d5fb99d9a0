// tessera-channels-last: 2-d convs, max and average pools and 1-d convs in
// channels-last layout, with the transposes between them sunk through
// elementwise ops and cancelled (Passes.td).
#include "passes/Passes.h"
#include "passes/fusion/FusionUtils.h"
#include "tessera/IR/Layout.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
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

/// The rank of a static tensor of rank 3 ([N, C, L], 1-d convs) or 4 ([N,
/// C, H, W]) and any element type (the integer and i1 steps of a
/// quantize-dequantize pair between quantized convs); 0 for other types.
int64_t layoutRank(Type t) {
  auto type = dyn_cast<RankedTensorType>(t);
  return type && type.hasStaticShape() &&
                 (type.getRank() == 3 || type.getRank() == 4)
             ? type.getRank()
             : 0;
}

/// The same for f32 tensors only.
int64_t f32LayoutRank(Type t) {
  return cast<ShapedType>(t).getElementType().isF32() ? layoutRank(t) : 0;
}

/// Whether `op` is an OpTy (a conv, max pool or average pool) that is f32,
/// not channels-last yet and 2-d, or a 1-d conv (wav2vec2's feature
/// extractor, a Conformer's conv module: [N, C, L] read as [N, C, 1, L]):
/// the runtime's conv kernels take any group count; the average pools are
/// DenseNet's transitions between dense blocks.
template <typename OpTy> bool eligible(Operation *op) {
  auto o = dyn_cast<OpTy>(op);
  if (!o || o.getChannelsLast())
    return false;
  int64_t rank = f32LayoutRank(o.getInput().getType());
  return rank == 4 || (rank == 3 && isa<ConvOp>(op));
}

/// op(x) -> T_back(op_cl(T_last(x))), the residual as x.
void makeChannelsLast(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  SmallVector<int64_t> last = toChannelsLast(rank),
                       first = toChannelsFirst(rank);
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

/// The channels-last tensor that `v` (of rank 3 or 4) is the channel-first
/// transpose of (the transpose makeChannelsLast leaves after each op), if
/// any. Where every spatial dim is 1 that transpose is canonically a
/// reshape [N, 1, 1, C] -> [N, C, 1, 1] (a pooled feature, a
/// squeeze-and-excitation gate).
Value channelsLastSource(Value v) {
  int64_t rank = layoutRank(v.getType());
  if (!rank)
    return Value();
  if (auto t = v.getDefiningOp<TransposeOp>())
    return t.getPerm() == ArrayRef<int64_t>(toChannelsFirst(rank))
               ? t.getInput()
               : Value();
  auto r = v.getDefiningOp<ReshapeOp>();
  if (!r || layoutRank(r.getInput().getType()) != rank)
    return Value();
  auto out = cast<RankedTensorType>(r.getType());
  bool unitMap = llvm::all_of(out.getShape().drop_front(2),
                              [](int64_t d) { return d == 1; });
  return unitMap && cast<RankedTensorType>(r.getInput().getType()).getShape() ==
                        permuted(out, toChannelsLast(rank)).getShape()
             ? r.getInput()
             : Value();
}

/// Whether `type`, broadcast against [N, C, D1..Dk] (k = rank - 2), has
/// every Di = 1 (a squeeze-and-excitation gate [N, C, 1, 1], a per-channel
/// [C, 1, 1]): moving it to channels-last only moves unit dims, a reshape.
bool spatiallyUniform(RankedTensorType type, int64_t rank) {
  ArrayRef<int64_t> shape = type.getShape();
  return llvm::all_of(
      shape.take_back(std::min<int64_t>(rank - 2, shape.size())),
      [](int64_t d) { return d == 1; });
}

/// Whether `op` is elementwise for the layout: the fusion passes'
/// arithmetic and unary ops, casts, and the broadcasting ops (comparisons,
/// where) of a quantize-dequantize pair.
bool layoutElementwise(Operation *op) {
  return fusion::isElementwise(op) || isa<CastOp>(op) ||
         (op->getNumResults() == 1 &&
          op->hasTrait<tessera::OpTrait::NumpyBroadcast>());
}

/// Whether operand `v` of an elementwise op of rank `rank` can change
/// layout by itself: a static constant or a spatially uniform tensor of at
/// most that rank.
bool movableOperand(Value v, int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() <= rank && type.hasStaticShape() &&
         (v.getDefiningOp<ConstantOp>() || spatiallyUniform(type, rank));
}

/// Such an operand, broadcast against [N, C, D..], in the layout `perm`
/// gives: its shape padded to the rank with leading ones, then transposed.
Value movedOperand(OpBuilder &b, Location loc, Value v, int64_t rank,
                   ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() < rank) {
    SmallVector<int64_t> shape(rank - type.getRank(), 1);
    llvm::append_range(shape, type.getShape());
    v = ReshapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), v);
  }
  return transposed(b, loc, v, perm);
}

/// Whether every operand of `op` (of layout rank `rank`) is either a
/// full-rank one that `inLayout` takes (at least one is) or movableOperand.
template <typename Pred>
bool layoutOperands(Operation *op, int64_t rank, const Pred &inLayout) {
  bool any = false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (type && type.getRank() == rank && inLayout(v))
      any = true;
    else if (!movableOperand(v, rank))
      return false;
  }
  return any;
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
    int64_t rank =
        layoutElementwise(op) ? layoutRank(op->getResult(0).getType()) : 0;
    if (!rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
    if (!layoutOperands(op, rank,
                        [](Value v) { return bool(channelsLastSource(v)); }))
      return failure();
    Location loc = op->getLoc();
    IRMapping map;
    for (Value v : op->getOperands()) {
      auto type = cast<RankedTensorType>(v.getType());
      if (Value source =
              type.getRank() == rank ? channelsLastSource(v) : Value()) {
        map.map(v, source);
        continue;
      }
      map.map(v, movedOperand(rewriter, loc, v, rank, last));
    }
    Operation *moved = rewriter.clone(*op, map);
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    moved->getResult(0).setType(permuted(type, last));
    rewriter.replaceOp(op,
                       transposed(rewriter, loc, moved->getResult(0), first));
    return success();
  }
};

/// T(op(a, c)) -> op(T(a), T(c)) for the channels-last transpose T of an
/// image (a 2-d conv's input) of an elementwise op used only there, whose
/// full-rank operands come from reshapes, transposes or such elementwise ops
/// and whose others are constants or spatially uniform: the transpose moves up
/// to where it can meet the ones before it. MaxViT's departitions (windows
/// or grids back to [N, C, H, W]) are followed by a batch norm's per-channel
/// multiply and add, then the next conv's transpose to channels-last; moved
/// above them, that transpose joins the departition's (one that moves whole
/// runs of channels). SinkTranspose, which moves channel-first transposes
/// down, never takes these back.
struct HoistChannelsLastTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    // Rank 4 only: at rank 3 the channels-last and channel-first
    // transposes are the same permutation, which SinkTranspose moves down.
    int64_t rank = layoutRank(op.getType());
    Operation *producer = op.getInput().getDefiningOp();
    if (rank != 4 || op.getPerm() != ArrayRef<int64_t>(toChannelsLast(rank)) ||
        !producer || !producer->hasOneUse() || !layoutElementwise(producer) ||
        producer->getNumResults() != 1)
      return failure();
    if (!layoutOperands(producer, rank, [](Value v) {
          Operation *def = v.getDefiningOp();
          return def && (isa<ReshapeOp, TransposeOp>(def) ||
                         (def->hasOneUse() && layoutElementwise(def)));
        }))
      return failure();
    Location loc = op.getLoc();
    IRMapping map;
    SmallVector<int64_t> last = toChannelsLast(rank);
    for (Value v : producer->getOperands()) {
      auto type = cast<RankedTensorType>(v.getType());
      bool full = type.getRank() == rank && !movableOperand(v, rank);
      map.map(v, full ? transposed(rewriter, loc, v, last)
                      : movedOperand(rewriter, loc, v, rank, last));
    }
    Operation *moved = rewriter.clone(*producer, map);
    moved->getResult(0).setType(op.getType());
    rewriter.replaceOp(op, moved->getResult(0));
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
    int64_t rank = f32LayoutRank(op.getType());
    Value source = channelsLastSource(op.getInput());
    if (!source || !op.getKeepdims() || !rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
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
    int64_t rank = f32LayoutRank(op.getType());
    if (!rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
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

/// One value per dim of [N, C, D1..Dk], reordered to [N, D1..Dk, C].
template <typename T> SmallVector<T> channelsLastOrder(ArrayRef<T> perDim) {
  SmallVector<T> moved;
  for (int64_t d : toChannelsLast(perDim.size()))
    moved.push_back(perDim[d]);
  return moved;
}

/// slice(T(a)) -> T(slice(a)) with the starts and steps moved to the
/// channels-last dims (ShuffleNet's channel split).
struct SinkTransposeThroughSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    int64_t rank = f32LayoutRank(op.getType());
    Value source = channelsLastSource(op.getInput());
    if (!source || !rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
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
    int64_t rank = layoutRank(op.getType());
    Value source = channelsLastSource(op.getInput());
    if (!source || !rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> moved = channelsLastOrder(pads.take_front(rank));
    llvm::append_range(moved, channelsLastOrder(pads.drop_front(rank)));
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
    int64_t rank = layoutRank(op.getType());
    Value source = channelsLastSource(op.getInput());
    if (!source || !rank)
      return failure();
    SmallVector<int64_t> first = toChannelsFirst(rank),
                         last = toChannelsLast(rank);
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
      SmallVector<double> moved = channelsLastOrder(roi->take_front(rank));
      llvm::append_range(moved, channelsLastOrder(roi->drop_front(rank)));
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
    if (!source || f32LayoutRank(in) != 4 || !split->hasOneUse() ||
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

/// A layer norm over every element of each image of T(a) ([N, C, D..]
/// reshaped so that the normalized trailing dims hold all of C*D.., the
/// leading ones only N; a splat scale and bias): mean and variance are the
/// same over any order of those elements, so the norm takes a reshaped the
/// same way (and T moves past it). A one-group GroupNorm as torch exports
/// it, InstanceNormalization of [N, 1, C*L] (Conv-TasNet's global layer
/// norm between its 1-d convs: two transposes per block gone).
struct SinkTransposeThroughWholeNorm : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp back,
                                PatternRewriter &rewriter) const override {
    auto norm = back.getInput().getDefiningOp<LayerNormOp>();
    if (!norm || !norm->hasOneUse())
      return failure();
    auto into = norm.getInput().getDefiningOp<ReshapeOp>();
    if (!into || !into->hasOneUse())
      return failure();
    Value image = into.getInput();
    auto type = cast<RankedTensorType>(image.getType());
    int64_t rank = f32LayoutRank(type);
    Value source = rank ? channelsLastSource(image) : Value();
    if (!source || back.getType() != type)
      return failure();
    ArrayRef<int64_t> mid = into.getType().getShape();
    int64_t axis = norm.getAxis(), lead = 1;
    if (axis < 0 || axis > int64_t(mid.size()))
      return failure();
    for (int64_t d : mid.take_front(axis))
      lead *= d;
    if (lead != type.getDimSize(0))
      return failure();
    auto splat = [](Value v) {
      DenseElementsAttr a;
      return !v || (matchPattern(v, m_Constant(&a)) && a.isSplat());
    };
    if (!splat(norm.getScale()) || !splat(norm.getBias()))
      return failure();
    Location loc = back.getLoc();
    Value y = ReshapeOp::create(rewriter, loc, into.getType(), source);
    IRMapping map;
    map.map(norm.getInput(), y);
    y = rewriter.clone(*norm, map)->getResult(0);
    y = ReshapeOp::create(rewriter, loc, permuted(type, toChannelsLast(rank)),
                          y);
    rewriter.replaceOp(back,
                       transposed(rewriter, loc, y, toChannelsFirst(rank)));
    return success();
  }
};

/// Whether a channels-last [N, D1..Dk, C] holds its elements in the order of
/// its channel-first form (C = 1, or every Di = 1): then the transpose
/// between them is a reshape.
bool layoutFree(RankedTensorType type) {
  ArrayRef<int64_t> spatial = type.getShape().slice(1, type.getRank() - 2);
  return type.getShape().back() == 1 ||
         llvm::all_of(spatial, [](int64_t d) { return d == 1; });
}

/// `v` ([N, D1..Dk, C]) in channel-first layout without moving data, if it
/// is that cheaply: the input of a channels-last transpose, or a reshape
/// where the layouts hold the same order.
Value channelFirstForFree(OpBuilder &b, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (auto t = v.getDefiningOp<TransposeOp>();
      t && t.getPerm() == ArrayRef<int64_t>(toChannelsLast(type.getRank())))
    return t.getInput();
  if (!layoutFree(type))
    return Value();
  if (auto r = v.getDefiningOp<ReshapeOp>())
    v = r.getInput();
  if (v.getType() == channelsFirstType(type))
    return v;
  return ReshapeOp::create(b, v.getLoc(), channelsFirstType(type), v);
}

/// A channels-last conv that neither reads nor feeds channels-last data
/// (its input arrives through a transpose, its result leaves through
/// transposes only, or reshapes where the layouts hold the same order)
/// goes back to channel-first. Its kernel would read the transpose's input
/// in place through strides, as the channel-first conv does, and its result
/// would be transposed back by a copy: wav2vec2's first conv, on a
/// 1-channel waveform and followed by a norm over time (a layout this pass
/// keeps channel-first), transposed its 512-channel output there and back;
/// a conv between group norms (detection heads, diffusion UNets) spent 12%
/// of its time on that copy (64 channels at 56x56). The users' transposes
/// compose with the one it no longer makes.
bool revertIsolated(ConvOp conv) {
  auto type = conv.getType();
  int64_t rank = type.getRank();
  bool sameOrder = layoutFree(type);
  if (!llvm::all_of(conv->getUsers(), [&](Operation *user) {
        return isa<TransposeOp>(user) || (sameOrder && isa<ReshapeOp>(user));
      }))
    return false;
  OpBuilder b(conv);
  Value x = channelFirstForFree(b, conv.getInput());
  Value r =
      conv.getResidual() ? channelFirstForFree(b, conv.getResidual()) : Value();
  if (!x || (conv.getResidual() && !r)) {
    // Nothing moved: the reshapes made above go again.
    for (Value v : {x, r})
      if (v && v.getDefiningOp<ReshapeOp>() && v.use_empty())
        v.getDefiningOp()->erase();
    return false;
  }
  auto first = cast<ConvOp>(b.clone(*conv));
  first.getInputMutable().assign(x);
  if (r)
    first.getResidualMutable().assign(r);
  first.getResult().setType(channelsFirstType(type));
  first.removeChannelsLastAttr();
  SmallVector<int64_t> last = toChannelsLast(rank);
  for (Operation *user : llvm::make_early_inc_range(conv->getUsers())) {
    if (auto reshape = dyn_cast<ReshapeOp>(user)) {
      b.setInsertionPoint(reshape);
      Value y = first.getResult();
      if (reshape.getType() != y.getType())
        y = ReshapeOp::create(b, reshape.getLoc(), reshape.getType(), y);
      reshape.replaceAllUsesWith(y);
      reshape.erase();
      continue;
    }
    auto t = cast<TransposeOp>(user);
    SmallVector<int64_t> perm;
    for (int64_t p : t.getPerm())
      perm.push_back(last[p]);
    Value y = first.getResult();
    if (!llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
      b.setInsertionPoint(t);
      y = TransposeOp::create(b, t.getLoc(), t.getType(), y,
                              b.getDenseI64ArrayAttr(perm));
    }
    t.replaceAllUsesWith(y);
    t.erase();
  }
  SmallVector<Value> operands = {conv.getInput()};
  if (conv.getResidual())
    operands.push_back(conv.getResidual());
  conv.erase();
  // The transposes (or reshapes) that made its operands channels-last.
  for (Value v : operands)
    if (Operation *def = v.getDefiningOp(); def && def->use_empty())
      def->erase();
  return true;
}

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
    int64_t reverted = 0;
    auto record = [&] {
      int64_t moved = int64_t(ops.size()) - reverted;
      fusion::recordCounts(getOperation(), "tessera-channels-last",
                           {{"channels-last", moved}});
      numOps += moved;
    };
    if (ops.empty())
      return record();
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<
        SinkTranspose, HoistChannelsLastTranspose, SinkTransposeThroughConcat,
        SinkTransposeThroughSlice, SinkTransposeThroughPad,
        SinkTransposeThroughResize, SinkTransposeThroughChannelPermutation,
        SinkTransposeThroughWholeNorm, SinkTransposeThroughReduce<ReduceSumOp>,
        SinkTransposeThroughReduce<ReduceMeanOp>,
        SinkTransposeThroughReduce<ReduceMaxOp>,
        SinkTransposeThroughReduce<ReduceMinOp>>(ctx);
    // Transposes that move unit dims become reshapes, and reshape chains
    // fold.
    TransposeOp::getCanonicalizationPatterns(patterns, ctx);
    ReshapeOp::getCanonicalizationPatterns(patterns, ctx);
    // Not converging within the driver's iterations leaves valid IR (each
    // rewrite is an equivalence), as the canonicalizer accepts too.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
    SmallVector<ConvOp> convs;
    getOperation()->walk([&](ConvOp conv) {
      if (conv.getChannelsLast())
        convs.push_back(conv);
    });
    for (ConvOp conv : convs)
      reverted += revertIsolated(conv);
    record();
  }
};

} // namespace
