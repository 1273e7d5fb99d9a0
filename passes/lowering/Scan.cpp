// Index-dependent ops: cumsum (a masked reduction over an extra loop dim)
// and trilu (a select on row/column indices).
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// y[.., i, ..] = sum over j of x[.., j, ..] where j is before i (or after
/// it with `reverse`; `exclusive` leaves out j == i). Quadratic in the axis
/// length.
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    SmallVector<AffineExpr> xExprs;
    for (int64_t d = 0; d < rank; ++d)
      xExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, xExprs, ctx),
        AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    arith::CmpIPredicate pred =
        op.getReverse() ? (op.getExclusive() ? arith::CmpIPredicate::sgt
                                             : arith::CmpIPredicate::sge)
                        : (op.getExclusive() ? arith::CmpIPredicate::slt
                                             : arith::CmpIPredicate::sle);
    Value init = filledTensor(rewriter, loc, type,
                              scalarConstant(rewriter, loc, elt, 0.0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{adaptor.getInput()},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value keep = arith::CmpIOp::create(b, l, pred, j, i);
          Value x = arith::SelectOp::create(b, l, keep, a[0],
                                            scalarConstant(b, l, elt, 0.0));
          Value sum = isFloat(elt)
                          ? arith::AddFOp::create(b, l, a[1], x).getResult()
                          : arith::AddIOp::create(b, l, a[1], x).getResult();
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Keeps x where col - row >= k (upper) or <= k (lower), zero elsewhere.
struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), k = op.getK();
    bool upper = op.getUpper();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getInput(),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Type i64 = b.getI64Type();
          Value row = loopIndex(b, l, rank - 2, i64);
          Value col = loopIndex(b, l, rank - 1, i64);
          Value diff = arith::SubIOp::create(b, l, col, row);
          Value keep = arith::CmpIOp::create(
              b, l,
              upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
              diff, scalarConstant(b, l, i64, static_cast<double>(k)));
          return arith::SelectOp::create(
              b, l, keep, a[0], scalarConstant(b, l, a[0].getType(), 0.0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraScanLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CumSumLowering, TriluLowering>(patterns.getContext());
}
