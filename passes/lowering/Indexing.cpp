// Gathers and scatters. gather_elements / gather_nd -> one linalg.generic
// whose body reads the index tensor and tensor.extracts the input; the
// scatters -> an scf.for nest over the updates that tensor.inserts into a
// copy of the input (writes may collide, so they stay sequential).
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// An index read from an index tensor: negative values wrap once, then the
/// result clamps into [0, size) so an out-of-range index never faults.
Value normalizeIndex(OpBuilder &b, Location l, Value v, int64_t size) {
  Type it = v.getType();
  Value zero = scalarConstant(b, l, it, 0.0);
  Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v, zero);
  Value wrapped = arith::SelectOp::create(
      b, l, neg,
      arith::AddIOp::create(
          b, l, v, scalarConstant(b, l, it, static_cast<double>(size))),
      v);
  Value clamped = arith::MaxSIOp::create(
      b, l,
      arith::MinSIOp::create(
          b, l, wrapped,
          scalarConstant(b, l, it, static_cast<double>(size - 1))),
      zero);
  return arith::IndexCastOp::create(b, l, b.getIndexType(), clamped);
}

SmallVector<Value> loopIndices(OpBuilder &b, Location l, int64_t rank) {
  SmallVector<Value> idx;
  for (int64_t d = 0; d < rank; ++d)
    idx.push_back(linalg::IndexOp::create(b, l, d));
  return idx;
}

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    RankedTensorType type = op.getType();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    int64_t size = op.getInput().getType().getDimSize(axis);
    Value result =
        buildParallel(rewriter, op.getLoc(), type, adaptor.getIndices(),
                      {rewriter.getMultiDimIdentityMap(type.getRank())},
                      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                        SmallVector<Value> coords =
                            loopIndices(b, l, type.getRank());
                        coords[axis] = normalizeIndex(b, l, a[0], size);
                        return tensor::ExtractOp::create(b, l, input, coords);
                      });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    auto inType = op.getInput().getType();
    auto idxType = op.getIndices().getType();
    RankedTensorType type = op.getType();
    int64_t batch = static_cast<int64_t>(op.getBatchDims());
    int64_t outer = idxType.getRank() - 1, q = idxType.getShape().back();
    Value result = buildParallel(
        rewriter, op.getLoc(), type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> ivs = loopIndices(b, l, type.getRank());
          SmallVector<Value> idxCoords(ivs.begin(), ivs.begin() + outer);
          idxCoords.push_back(Value());
          SmallVector<Value> coords(ivs.begin(), ivs.begin() + batch);
          for (int64_t j = 0; j < q; ++j) {
            idxCoords.back() = arith::ConstantIndexOp::create(b, l, j);
            Value v = tensor::ExtractOp::create(b, l, indices, idxCoords);
            coords.push_back(
                normalizeIndex(b, l, v, inType.getDimSize(batch + j)));
          }
          coords.append(ivs.begin() + outer, ivs.end());
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Combines an update with the existing element per `reduction`.
Value combine(OpBuilder &b, Location l, StringRef reduction, Value old,
              Value upd) {
  bool fp = isFloat(upd.getType());
  if (reduction == "add")
    return fp ? arith::AddFOp::create(b, l, old, upd).getResult()
              : arith::AddIOp::create(b, l, old, upd).getResult();
  if (reduction == "mul")
    return fp ? arith::MulFOp::create(b, l, old, upd).getResult()
              : arith::MulIOp::create(b, l, old, upd).getResult();
  if (reduction == "max")
    return fp ? arith::MaximumFOp::create(b, l, old, upd).getResult()
              : arith::MaxSIOp::create(b, l, old, upd).getResult();
  if (reduction == "min")
    return fp ? arith::MinimumFOp::create(b, l, old, upd).getResult()
              : arith::MinSIOp::create(b, l, old, upd).getResult();
  return upd;
}

/// The scf.for nest over every element of `updates`; `target` maps the
/// update coordinates to the destination coordinates.
Value scatterLoops(
    OpBuilder &b, Location loc, Value input, Value updates, StringRef reduction,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        target) {
  auto updType = cast<RankedTensorType>(updates.getType());
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : updType.getShape()) {
    lbs.push_back(zero);
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, d));
    steps.push_back(one);
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{input},
      [&](OpBuilder &nb, Location l, ValueRange ivs,
          ValueRange acc) -> scf::ValueVector {
        Value upd = tensor::ExtractOp::create(nb, l, updates, ivs);
        SmallVector<Value> coords = target(nb, l, ivs);
        if (reduction != "none")
          upd = combine(nb, l, reduction,
                        tensor::ExtractOp::create(nb, l, acc[0], coords), upd);
        return {tensor::InsertOp::create(nb, l, upd, acc[0], coords)};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    int64_t size = op.getType().getDimSize(axis);
    Value result = scatterLoops(
        rewriter, op.getLoc(), adaptor.getInput(), adaptor.getUpdates(),
        op.getReduction(), [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> coords(ivs);
          coords[axis] = normalizeIndex(
              b, l, tensor::ExtractOp::create(b, l, indices, ivs), size);
          return coords;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices();
    auto idxType = op.getIndices().getType();
    RankedTensorType type = op.getType();
    int64_t outer = idxType.getRank() - 1, q = idxType.getShape().back();
    Value result = scatterLoops(
        rewriter, op.getLoc(), adaptor.getInput(), adaptor.getUpdates(),
        op.getReduction(), [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> idxCoords(ivs.begin(), ivs.begin() + outer);
          idxCoords.push_back(Value());
          SmallVector<Value> coords;
          for (int64_t j = 0; j < q; ++j) {
            idxCoords.back() = arith::ConstantIndexOp::create(b, l, j);
            Value v = tensor::ExtractOp::create(b, l, indices, idxCoords);
            coords.push_back(normalizeIndex(b, l, v, type.getDimSize(j)));
          }
          coords.append(ivs.begin() + outer, ivs.end());
          return coords;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraIndexingLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatherElementsLowering, GatherNDLowering,
               ScatterElementsLowering, ScatterNDLowering>(
      patterns.getContext());
}
