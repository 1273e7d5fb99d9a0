// Reductions (sum, mean, max, min, prod) and arg-reductions (argmax, argmin)
// -> linalg.generic with reduction iterators; keepdims re-inserts unit dims.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

template <typename OpTy, ReduceKind Kind>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    Type elt = inType.getElementType();
    ArrayRef<int64_t> axes = op.getAxes();
    bool fp = isFloat(elt), boolean = isBool(elt);

    Value init;
    switch (Kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      init = scalarConstant(rewriter, loc, elt, 0.0);
      break;
    case ReduceKind::Prod:
      init = scalarConstant(rewriter, loc, elt, 1.0);
      break;
    case ReduceKind::Max:
      init = lowestValue(rewriter, loc, elt);
      break;
    case ReduceKind::Min:
      init = highestValue(rewriter, loc, elt);
      break;
    }
    auto combine = [&](OpBuilder &b, Location l, ValueRange a) -> Value {
      Value x = a[0], acc = a[1];
      switch (Kind) {
      case ReduceKind::Sum:
      case ReduceKind::Mean:
        if (boolean)
          return arith::OrIOp::create(b, l, x, acc);
        return fp ? arith::AddFOp::create(b, l, x, acc).getResult()
                  : arith::AddIOp::create(b, l, x, acc).getResult();
      case ReduceKind::Prod:
        if (boolean)
          return arith::AndIOp::create(b, l, x, acc);
        return fp ? arith::MulFOp::create(b, l, x, acc).getResult()
                  : arith::MulIOp::create(b, l, x, acc).getResult();
      case ReduceKind::Max:
        if (boolean)
          return arith::OrIOp::create(b, l, x, acc);
        return fp ? arith::MaximumFOp::create(b, l, x, acc).getResult()
                  : arith::MaxSIOp::create(b, l, x, acc).getResult();
      case ReduceKind::Min:
        if (boolean)
          return arith::AndIOp::create(b, l, x, acc);
        return fp ? arith::MinimumFOp::create(b, l, x, acc).getResult()
                  : arith::MinSIOp::create(b, l, x, acc).getResult();
      }
      llvm_unreachable("unknown reduction");
    };
    Value reduced = buildReduction(rewriter, loc, input, axes, init, combine);

    if (Kind == ReduceKind::Mean) {
      int64_t count = 1;
      for (int64_t a : axes)
        count *= inType.getDimSize(a);
      auto redType = cast<RankedTensorType>(reduced.getType());
      Value n = scalarConstant(rewriter, loc, elt, static_cast<double>(count));
      reduced = buildElementwise(
          rewriter, loc, redType, reduced,
          [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            return arith::DivFOp::create(b, l, a[0], n);
          });
    }
    rewriter.replaceOp(
        op, expandUnitDims(rewriter, loc, reduced, op.getType(),
                           op.getKeepdims() ? axes : ArrayRef<int64_t>{}));
    return success();
  }
};

/// Carries (best value, its index) through a sequential reduction over
/// `axis`. Ties keep the first index unless select_last_index; NaN wins
/// over numbers and the first NaN stays (numpy).
template <typename OpTy, bool IsMax>
struct ArgReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    Type elt = inType.getElementType();
    int64_t axis = op.getAxis(), rank = inType.getRank();
    bool last = op.getSelectLastIndex();
    MLIRContext *ctx = rewriter.getContext();

    SmallVector<int64_t> shape;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis)
        shape.push_back(inType.getDimSize(d));
      iters.push_back(d == axis ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    }
    auto valType = RankedTensorType::get(shape, elt);
    auto idxType = RankedTensorType::get(shape, rewriter.getI64Type());
    Value valInit = filledTensor(rewriter, loc, valType,
                                 IsMax ? lowestValue(rewriter, loc, elt)
                                       : highestValue(rewriter, loc, elt));
    Value idxInit =
        filledTensor(rewriter, loc, idxType,
                     scalarConstant(rewriter, loc, rewriter.getI64Type(), 0.0));
    AffineMap outMap = dropDimsMap(ctx, rank, {axis});
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank),
                                   outMap, outMap};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valType, idxType}, ValueRange{input},
        ValueRange{valInit, idxInit}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = a[0], best = a[1], bestIdx = a[2];
          Value take;
          if (isFloat(elt)) {
            auto strict =
                IsMax ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT;
            auto loose =
                IsMax ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OLE;
            take = arith::CmpFOp::create(b, l, last ? loose : strict, x, best);
            Value xNan =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, x, x);
            Value bestNum = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::ORD, best, best);
            take = arith::OrIOp::create(
                b, l, take, arith::AndIOp::create(b, l, xNan, bestNum));
          } else {
            bool u = isBool(elt);
            auto strict = IsMax ? (u ? arith::CmpIPredicate::ugt
                                     : arith::CmpIPredicate::sgt)
                                : (u ? arith::CmpIPredicate::ult
                                     : arith::CmpIPredicate::slt);
            auto loose = IsMax ? (u ? arith::CmpIPredicate::uge
                                    : arith::CmpIPredicate::sge)
                               : (u ? arith::CmpIPredicate::ule
                                    : arith::CmpIPredicate::sle);
            take = arith::CmpIOp::create(b, l, last ? loose : strict, x, best);
          }
          Value idx = loopIndex(b, l, axis, b.getI64Type());
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, x, best),
                         arith::SelectOp::create(b, l, take, idx, bestIdx)});
        });
    rewriter.replaceOp(
        op, expandUnitDims(rewriter, loc, generic.getResult(1), op.getType(),
                           op.getKeepdims() ? ArrayRef<int64_t>{axis}
                                            : ArrayRef<int64_t>{}));
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraReductionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<ReduceMinOp, ReduceKind::Min>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod>,
               ArgReduceLowering<ArgMaxOp, true>,
               ArgReduceLowering<ArgMinOp, false>>(patterns.getContext());
}
