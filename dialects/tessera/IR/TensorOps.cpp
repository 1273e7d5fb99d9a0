// Data-movement ops: verifiers, folders and canonicalizations.
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"

#include <deque>

using namespace mlir;
using namespace mlir::tessera;

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into " << out.getNumElements();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  // A weight blob read in another shape: the same bytes, no copy.
  if (auto blob = dyn_cast_or_null<DenseResourceElementsAttr>(adaptor.getInput()))
    return DenseResourceElementsAttr::get(getType(), blob.getRawHandle());
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x).
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    if (!producer)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(),
                                           producer.getInput());
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReshapes>(context);
}

LogicalResult TransposeOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> perm = getPerm();
  if (perm.size() != static_cast<size_t>(in.getRank()))
    return emitOpError("perm has ")
           << perm.size() << " entries for an operand of rank " << in.getRank();
  SmallVector<bool> seen(perm.size(), false);
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return emitOpError("perm is not a permutation of 0..")
             << in.getRank() - 1;
    seen[p] = true;
    if (out.getRank() != in.getRank() || out.getDimSize(i) != in.getDimSize(p))
      return emitOpError("result dimension ")
             << i << " must be " << in.getDimSize(p) << " (operand dimension "
             << p << ")";
  }
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

namespace {
/// A transpose that keeps the non-unit dims in order only moves unit dims:
/// a reshape (which then composes with neighbouring reshapes).
struct UnitTransposeToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> in = op.getInput().getType().getShape();
    int64_t last = -1;
    for (int64_t p : op.getPerm()) {
      if (in[p] == 1)
        continue;
      if (p < last)
        return failure();
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

/// transpose(transpose(x)) -> one transpose.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<TransposeOp>();
    if (!producer)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(producer.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(),
                                             producer.getInput(),
                                             rewriter.getDenseI64ArrayAttr(perm));
    return success();
  }
};

/// transpose(reshape(transpose(x))) -> reshape(transpose(reshape(x))): one
/// transpose instead of two, and none where x's elements stay in order. The
/// steps are followed on x's dims (unit dims dropped): the first transpose
/// orders them, the reshape merges neighbours and splits one into outer and
/// inner parts, the second transpose orders the groups. x split into those
/// parts, one transpose puts them in the order the chain leaves them, and a
/// reshape merges them into the result; that transpose is the identity (the
/// chain a reshape) when x's dims, and each one's parts outer to inner, end
/// in their order. (A 3-d conv's frames [T, H, W, C] and the channels-last
/// form [1, T, H*W, C] of [1, C, T, H*W] that its temporal convs take, as
/// tessera-conv3d-as-conv2d and tessera-channels-last leave them, are one
/// such chain. MaxViT's window and grid partitions of a channels-last conv's
/// output, [N, H, W, C] to channel-first, split and permuted again with the
/// channels innermost, become one transpose that moves whole runs of
/// channels.) Where the first transpose or the reshape has other users, only
/// a chain that is a reshape or keeps x's innermost dim innermost (a
/// transpose of whole contiguous runs) is rewritten.
struct TransposeReshapeTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto reshape = op.getInput().getDefiningOp<ReshapeOp>();
    auto first = reshape ? reshape.getInput().getDefiningOp<TransposeOp>()
                         : TransposeOp();
    if (!first || !first.getInput().getType().hasStaticShape() ||
        !reshape.getType().hasStaticShape())
      return failure();
    Value x = first.getInput();
    ArrayRef<int64_t> xShape = first.getInput().getType().getShape();
    // What is left of x's dims, in the reshape's input order: (dim, size).
    std::deque<std::pair<int64_t, int64_t>> queue;
    for (int64_t p : first.getPerm())
      if (xShape[p] != 1)
        queue.push_back({p, xShape[p]});
    // Per reshape result dim: its parts (x's dim, part number outer first),
    // and each part's size.
    ArrayRef<int64_t> mid = reshape.getType().getShape();
    SmallVector<SmallVector<std::pair<int64_t, int64_t>>> parts(mid.size());
    SmallVector<SmallVector<int64_t>> partSizes(xShape.size());
    for (auto [d, size] : llvm::enumerate(mid)) {
      for (int64_t m = size; m > 1;) {
        if (queue.empty())
          return failure();
        auto &[dim, left] = queue.front();
        int64_t take = std::min(left, m);
        if (m % take || left % take)
          return failure();
        parts[d].push_back({dim, int64_t(partSizes[dim].size())});
        partSizes[dim].push_back(take);
        m /= take;
        left /= take;
        if (left == 1)
          queue.pop_front();
      }
    }
    if (!queue.empty())
      return failure();
    // x's parts in x's order, and the order the chain leaves them in.
    SmallVector<int64_t> split, firstPart(xShape.size(), 0), perm;
    for (auto [dim, sizes] : llvm::enumerate(partSizes)) {
      firstPart[dim] = split.size();
      llvm::append_range(split, sizes);
    }
    for (int64_t p : op.getPerm())
      for (auto [dim, part] : parts[p])
        perm.push_back(firstPart[dim] + part);
    if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()))) {
      rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), x);
      return success();
    }
    // Where the first transpose or the reshape stays for other users, only
    // a transpose that moves whole innermost runs of x (cheaper to copy
    // than what the second one moved).
    if ((!first->hasOneUse() || !reshape->hasOneUse()) &&
        perm.back() != int64_t(perm.size()) - 1)
      return failure();
    Type elt = op.getType().getElementType();
    SmallVector<int64_t> permuted;
    for (int64_t p : perm)
      permuted.push_back(split[p]);
    Location loc = op.getLoc();
    Value parted =
        ReshapeOp::create(rewriter, loc, RankedTensorType::get(split, elt), x);
    Value moved =
        TransposeOp::create(rewriter, loc, RankedTensorType::get(permuted, elt),
                            parted, rewriter.getDenseI64ArrayAttr(perm));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), moved);
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<UnitTransposeToReshape, ComposeTransposes,
              TransposeReshapeTranspose>(context);
}

LogicalResult BroadcastToOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  SmallVector<int64_t> shape;
  if (in.getRank() > out.getRank() ||
      failed(broadcastShapes(in.getShape(), out.getShape(), shape)) ||
      ArrayRef<int64_t>(shape) != out.getShape())
    return emitOpError("operand type ")
           << in << " does not broadcast to " << out;
  return success();
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return splat.resizeSplat(getType());
  return {};
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one operand");
  auto out = getResult().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= out.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << out.getRank();
  int64_t total = 0;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getElementType() != out.getElementType() ||
        t.getRank() != out.getRank())
      return emitOpError("operand ") << i << " has type " << t
                                     << ", incompatible with result " << out;
    for (int64_t d = 0; d < out.getRank(); ++d)
      if (d != axis && t.getDimSize(d) != out.getDimSize(d))
        return emitOpError("operand ")
               << i << " dimension " << d << " is " << t.getDimSize(d)
               << ", expected " << out.getDimSize(d);
    total += t.getDimSize(axis);
  }
  if (total != out.getDimSize(axis))
    return emitOpError("result dimension ")
           << axis << " is " << out.getDimSize(axis)
           << " but the operands sum to " << total;
  return success();
}

LogicalResult SliceOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  if (out.getRank() != in.getRank() ||
      starts.size() != static_cast<size_t>(in.getRank()) ||
      steps.size() != starts.size())
    return emitOpError("starts, steps and result must all have rank ")
           << in.getRank();
  for (int64_t d = 0; d < in.getRank(); ++d) {
    int64_t n = out.getDimSize(d);
    if (steps[d] == 0)
      return emitOpError("step of dimension ") << d << " is zero";
    if (n == 0)
      continue;
    int64_t last = starts[d] + (n - 1) * steps[d];
    if (starts[d] < 0 || starts[d] >= in.getDimSize(d) || last < 0 ||
        last >= in.getDimSize(d))
      return emitOpError("dimension ")
             << d << " reads indices " << starts[d] << ".." << last
             << ", outside [0, " << in.getDimSize(d) << ")";
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() != getType())
    return {};
  for (int64_t s : getStarts())
    if (s != 0)
      return {};
  for (int64_t s : getSteps())
    if (s != 1)
      return {};
  return getInput();
}

LogicalResult GatherOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  auto idx = getIndices().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << in.getRank();
  SmallVector<int64_t> shape(in.getShape().take_front(axis));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, in.getShape().drop_front(axis + 1));
  if (out.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("result shape must be ")
           << RankedTensorType::get(shape, in.getElementType())
           << ", found " << out;
  return success();
}

namespace {
/// gather(transpose(x), i) with one index i -> transpose(gather(x, i)): the
/// slice comes first, a view of x, and only what the gather keeps is
/// transposed. Q, K and V split as qkv.permute(2, 0, 3, 1, 4)[0], [1], [2]
/// (torchvision's Swin) become three [B, S, H, D] -> [B, H, S, D] transposes
/// of slices of the projection, which the attention kernel reads as strided
/// views, instead of one copy of the whole projection. Only where every
/// user of the transpose is such a gather on the same axis (otherwise the
/// transpose stays and this adds copies).
struct GatherOfTranspose : OpRewritePattern<GatherOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GatherOp op,
                                PatternRewriter &rewriter) const override {
    auto transpose = op.getInput().getDefiningOp<TransposeOp>();
    if (!transpose || op.getIndices().getType().getRank() != 0)
      return failure();
    int64_t axis = op.getAxis();
    for (Operation *user : transpose->getUsers()) {
      auto gather = dyn_cast<GatherOp>(user);
      if (!gather || gather.getInput() != transpose.getResult() ||
          gather.getAxis() != axis ||
          gather.getIndices().getType().getRank() != 0)
        return failure();
    }
    ArrayRef<int64_t> perm = transpose.getPerm();
    int64_t from = perm[axis];
    SmallVector<int64_t> inner;
    for (auto [i, p] : llvm::enumerate(perm))
      if (int64_t(i) != axis)
        inner.push_back(p - (p > from ? 1 : 0));
    auto x = transpose.getInput().getType();
    SmallVector<int64_t> sliced(x.getShape());
    sliced.erase(sliced.begin() + from);
    Value slice = GatherOp::create(
        rewriter, op.getLoc(),
        RankedTensorType::get(sliced, x.getElementType()), transpose.getInput(),
        op.getIndices(), rewriter.getI64IntegerAttr(from));
    rewriter.replaceOpWithNewOp<TransposeOp>(
        op, op.getType(), slice, rewriter.getDenseI64ArrayAttr(inner));
    return success();
  }
};
} // namespace

void GatherOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<GatherOfTranspose>(context);
}

LogicalResult PadOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> pads = getPads();
  int64_t rank = in.getRank();
  if (static_cast<int64_t>(pads.size()) != 2 * rank || out.getRank() != rank)
    return emitOpError("pads must have ") << 2 * rank << " entries";
  StringRef mode = getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return emitOpError("mode must be constant, reflect or edge, found '")
           << mode << "'";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t expect = in.getDimSize(d) + pads[d] + pads[d + rank];
    if (out.getDimSize(d) != expect)
      return emitOpError("result dimension ")
             << d << " must be " << expect << ", found " << out.getDimSize(d);
    if (mode == "reflect" && (pads[d] >= in.getDimSize(d) ||
                              pads[d + rank] >= in.getDimSize(d)))
      return emitOpError("reflect pad of dimension ")
             << d << " must be smaller than its size " << in.getDimSize(d);
  }
  return success();
}
