// tessera.conv (N-d, grouped, strided, dilated, padded) -> tensor.pad +
// expand_shape into groups + one linalg.generic + collapse_shape.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// Splits dim `d` of a rank-`rank` tensor into two: [..][d, d+1][..].
SmallVector<ReassociationIndices> splitDim(int64_t rank, int64_t d) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, o = 0; i < rank; ++i) {
    if (i == d) {
      groups.push_back({o, o + 1});
      o += 2;
    } else {
      groups.push_back({o++});
    }
  }
  return groups;
}

template <typename NamedOp>
Value createNamedConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                      ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  return NamedOp::create(b, loc, TypeRange{init.getType()}, ValueRange{x, w},
                         ValueRange{init}, b.getI64TensorAttr(strides),
                         b.getI64TensorAttr(dilations))
      .getResult(0);
}

/// Plain 1-3-d convs and depthwise 1-2-d convs with channel multiplier 1
/// have named linalg ops, which later stages tile and vectorize as such.
bool hasNamedConv(int64_t group, int64_t c, int64_t f, int64_t k) {
  return group == 1 ? k <= 3 : (group == c && f == c && k <= 2);
}

/// The named conv; `x` is already padded and `init` holds the bias.
Value buildNamedConv(OpBuilder &b, Location loc, Value x, Value w, Value init,
                     int64_t group, ArrayRef<int64_t> strides,
                     ArrayRef<int64_t> dilations) {
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t k = wType.getRank() - 2, f = wType.getDimSize(0);
  assert(hasNamedConv(group, cast<RankedTensorType>(x.getType()).getDimSize(1),
                      f, k) &&
         "no named conv fits");
  if (group == 1) {
    if (k == 1)
      return createNamedConv<linalg::Conv1DNcwFcwOp>(b, loc, x, w, init,
                                                     strides, dilations);
    if (k == 2)
      return createNamedConv<linalg::Conv2DNchwFchwOp>(b, loc, x, w, init,
                                                       strides, dilations);
    return createNamedConv<linalg::Conv3DNcdhwFcdhwOp>(b, loc, x, w, init,
                                                       strides, dilations);
  }
  // Depthwise: the filter drops its unit "channels per group" dim.
  SmallVector<int64_t> shape = {f};
  llvm::append_range(shape, wType.getShape().drop_front(2));
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t i = 0; i < k; ++i)
    groups.push_back({i + 2});
  Value wd = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, wType.getElementType()), w, groups);
  if (k == 1)
    return createNamedConv<linalg::DepthwiseConv1DNcwCwOp>(b, loc, x, wd, init,
                                                           strides, dilations);
  return createNamedConv<linalg::DepthwiseConv2DNchwChwOp>(b, loc, x, wd, init,
                                                           strides, dilations);
}

/// Otherwise loops n, g, f, o1..ok (parallel), c, k1..kk (reduction), over
/// x[n, g, c, o*s + k*dil], w[g, f, c, k] -> y[n, g, f, o].
struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t k = xType.getRank() - 2, g = op.getGroup();
    ArrayRef<int64_t> pads = op.getPads(), strides = op.getStrides(),
                      dilations = op.getDilations();
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);

    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> shape(xType.getShape());
      SmallVector<OpFoldResult> lo(2, rewriter.getIndexAttr(0)),
          hi(2, rewriter.getIndexAttr(0));
      for (int64_t i = 0; i < k; ++i) {
        shape[i + 2] += pads[i] + pads[i + k];
        lo.push_back(rewriter.getIndexAttr(pads[i]));
        hi.push_back(rewriter.getIndexAttr(pads[i + k]));
      }
      x = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get(shape, elt), x, lo, hi, zero);
      xType = cast<RankedTensorType>(x.getType());
    }

    int64_t n = xType.getDimSize(0), c = xType.getDimSize(1),
            f = wType.getDimSize(0);
    if (hasNamedConv(g, c, f, k)) {
      Value init;
      if (Value bias = adaptor.getBias())
        init = buildParallel(
            rewriter, loc, type, bias,
            {AffineMap::get(type.getRank(), 0, getAffineDimExpr(1, ctx))},
            [](OpBuilder &, Location, ValueRange a) { return a[0]; });
      else
        init = filledTensor(rewriter, loc, type, zero);
      rewriter.replaceOp(
          op, buildNamedConv(rewriter, loc, x, w, init, g, strides, dilations));
      return success();
    }

    SmallVector<int64_t> xShape = {n, g, c / g};
    llvm::append_range(xShape, xType.getShape().drop_front(2));
    SmallVector<int64_t> wShape = {g, f / g, c / g};
    llvm::append_range(wShape, wType.getShape().drop_front(2));
    SmallVector<int64_t> yShape = {n, g, f / g};
    llvm::append_range(yShape, type.getShape().drop_front(2));
    auto yType = RankedTensorType::get(yShape, elt);
    Value xg = tensor::ExpandShapeOp::create(rewriter, loc,
                                             RankedTensorType::get(xShape, elt),
                                             x, splitDim(xType.getRank(), 1));
    Value wg = tensor::ExpandShapeOp::create(rewriter, loc,
                                             RankedTensorType::get(wShape, elt),
                                             w, splitDim(wType.getRank(), 0));

    // The accumulator starts at the bias (or zero).
    Value init;
    if (Value bias = adaptor.getBias()) {
      Value biasG = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({g, f / g}, elt), bias,
          ArrayRef<ReassociationIndices>{{0, 1}});
      AffineMap m = AffineMap::get(
          yType.getRank(), 0,
          {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
      init = buildParallel(
          rewriter, loc, yType, biasG, {m},
          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
    } else {
      init = filledTensor(rewriter, loc, yType, zero);
    }

    int64_t numLoops = 4 + 2 * k;
    auto dim = [&](int64_t d) { return getAffineDimExpr(d, ctx); };
    int64_t cDim = 3 + k;
    SmallVector<AffineExpr> xExprs = {dim(0), dim(1), dim(cDim)};
    SmallVector<AffineExpr> wExprs = {dim(1), dim(2), dim(cDim)};
    SmallVector<AffineExpr> yExprs = {dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < k; ++i) {
      AffineExpr o = dim(3 + i), kk = dim(cDim + 1 + i);
      xExprs.push_back(o * strides[i] + kk * dilations[i]);
      wExprs.push_back(kk);
      yExprs.push_back(o);
    }
    SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, xExprs, ctx),
                                   AffineMap::get(numLoops, 0, wExprs, ctx),
                                   AffineMap::get(numLoops, 0, yExprs, ctx)};
    SmallVector<utils::IteratorType> iters(numLoops,
                                           utils::IteratorType::reduction);
    std::fill_n(iters.begin(), 3 + k, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{yType}, ValueRange{xg, wg}, ValueRange{init},
        maps, iters, [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = arith::MulFOp::create(b, l, a[0], a[1]);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, a[2], prod)});
        });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, type, generic.getResult(0), splitDim(type.getRank(), 1));
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraConvLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(patterns.getContext());
}
