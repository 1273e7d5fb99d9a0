// Softmax, log-softmax and layer norm -> linalg.generic reductions and
// parallel generics (max-subtracted for stability).
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

Value addf(OpBuilder &b, Location l, ValueRange a) {
  return arith::AddFOp::create(b, l, a[0], a[1]);
}

/// max, e^(x - max), sum, then divide (softmax) or subtract log(sum)
/// (log-softmax).
template <typename OpTy, bool IsLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dropDimsMap(ctx, rank, {axis});

    Value max = buildReduction(
        rewriter, loc, x, {axis}, lowestValue(rewriter, loc, elt),
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::MaximumFOp::create(b, l, a[0], a[1]);
        });
    Value shifted =
        buildParallel(rewriter, loc, type, {x, max}, {id, reduced},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return arith::SubFOp::create(b, l, a[0], a[1]);
                      });
    Value exps =
        buildParallel(rewriter, loc, type, shifted, {id},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return math::ExpOp::create(b, l, a[0]);
                      });
    Value sum = buildReduction(rewriter, loc, exps, {axis},
                               scalarConstant(rewriter, loc, elt, 0.0), addf);
    Value result;
    if (IsLog)
      result =
          buildParallel(rewriter, loc, type, {shifted, sum}, {id, reduced},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::SubFOp::create(
                              b, l, a[0], math::LogOp::create(b, l, a[1]));
                        });
    else
      result =
          buildParallel(rewriter, loc, type, {exps, sum}, {id, reduced},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::DivFOp::create(b, l, a[0], a[1]);
                        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// mean and variance over dims axis..rank-1, then
/// (x - mean) * rsqrt(var + eps) * scale + bias.
struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t axis = op.getAxis(), rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<int64_t> dims;
    int64_t count = 1;
    for (int64_t d = axis; d < rank; ++d) {
      dims.push_back(d);
      count *= type.getDimSize(d);
    }
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reduced = dropDimsMap(ctx, rank, dims);
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    Value n = scalarConstant(rewriter, loc, elt, static_cast<double>(count));

    Value sum = buildReduction(rewriter, loc, x, dims, zero, addf);
    auto statType = cast<RankedTensorType>(sum.getType());
    Value mean = buildParallel(
        rewriter, loc, statType, sum, {rewriter.getMultiDimIdentityMap(axis)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::DivFOp::create(b, l, a[0], n);
        });
    Value centered =
        buildParallel(rewriter, loc, type, {x, mean}, {id, reduced},
                      [](OpBuilder &b, Location l, ValueRange a) -> Value {
                        return arith::SubFOp::create(b, l, a[0], a[1]);
                      });
    Value sq =
        buildReduction(rewriter, loc, centered, dims, zero,
                       [](OpBuilder &b, Location l, ValueRange a) -> Value {
                         Value sq = arith::MulFOp::create(b, l, a[0], a[0]);
                         return arith::AddFOp::create(b, l, sq, a[1]);
                       });
    double epsValue = op.getEpsilon().convertToDouble();
    Value invStd = buildParallel(
        rewriter, loc, statType, sq, {rewriter.getMultiDimIdentityMap(axis)},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value var = arith::DivFOp::create(b, l, a[0], n);
          Value eps = scalarConstant(b, l, elt, epsValue);
          return math::RsqrtOp::create(b, l,
                                       arith::AddFOp::create(b, l, var, eps));
        });

    SmallVector<Value> inputs = {centered, invStd, adaptor.getScale()};
    SmallVector<AffineMap> maps = {id, reduced};
    for (Value param : {adaptor.getScale(), adaptor.getBias()}) {
      if (!param)
        continue;
      maps.push_back(
          broadcastMap(ctx, cast<RankedTensorType>(param.getType()).getShape(),
                       type.getShape()));
    }
    if (adaptor.getBias())
      inputs.push_back(adaptor.getBias());
    Value result =
        buildParallel(rewriter, loc, type, inputs, maps,
                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                        Value norm = arith::MulFOp::create(b, l, a[0], a[1]);
                        Value scaled = arith::MulFOp::create(b, l, norm, a[2]);
                        if (a.size() > 3)
                          return arith::AddFOp::create(b, l, scaled, a[3]);
                        return scaled;
                      });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraNormalizationLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering>(
      patterns.getContext());
}
