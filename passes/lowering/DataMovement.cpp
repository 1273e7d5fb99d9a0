// Data movement: reshape, transpose, broadcast_to, concat, slice, gather and
// pad -> tensor ops, linalg.transpose, or linalg.generic with index math.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// A parallel generic over `resultType` with no inputs whose body computes
/// each element from the loop indices (`body` gets the linalg.index values).
Value buildFromIndices(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>)> body) {
  return buildParallel(b, loc, resultType, ValueRange{}, {},
                       [&](OpBuilder &nb, Location l, ValueRange) {
                         SmallVector<Value> idx;
                         for (int64_t d = 0; d < resultType.getRank(); ++d)
                           idx.push_back(linalg::IndexOp::create(nb, l, d));
                         return body(nb, l, idx);
                       });
}

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(),
                                         adaptor.getInput(), op.getType()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value init = emptyTensor(rewriter, loc, op.getType());
    auto t = linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(),
                                         init, op.getPermAttr());
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct BroadcastToLowering : OpConversionPattern<BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), op.getType(),
                                            adaptor.getInput(),
                                            [](OpBuilder &, Location,
                                               ValueRange a) { return a[0]; }));
    return success();
  }
};

/// tensor.empty + one tensor.insert_slice per operand. The empty tensor
/// (static: no operands) comes before the first of the operands computed
/// in the same block, so that eliminate-empty-tensors can have them
/// computed straight into their slices (it needs the destination first).
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dest =
        concatDestination(rewriter, loc, op.getType(), adaptor.getInputs(), op);
    Value result = insertConcatPieces(rewriter, loc, adaptor.getInputs(), dest,
                                      op.getAxis(), 0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Positive steps: tensor.extract_slice. Any negative step: a generic that
/// reads input[starts + i * steps] with tensor.extract.
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> starts = op.getStarts(), steps = op.getSteps();
    Value input = adaptor.getInput();
    if (llvm::all_of(steps, [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, input, ValueRange{}, ValueRange{}, ValueRange{}, starts,
          type.getShape(), steps);
      return success();
    }
    Value result = buildFromIndices(
        rewriter, loc, type,
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx) -> Value {
          SmallVector<Value> coords;
          for (auto [d, i] : llvm::enumerate(idx)) {
            Value c = i;
            if (steps[d] != 1)
              c = arith::MulIOp::create(b, l, c, indexConstant(b, l, steps[d]));
            if (starts[d] != 0)
              c = arith::AddIOp::create(b, l, c,
                                        indexConstant(b, l, starts[d]));
            coords.push_back(c);
          }
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Reads the index tensor in a generic, wraps negative indices and clamps
/// into range (out-of-range reads must not fault), then tensor.extract.
struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    auto inType = cast<RankedTensorType>(input.getType());
    auto idxType = cast<RankedTensorType>(indices.getType());
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis(), idxRank = idxType.getRank();
    int64_t axisSize = inType.getDimSize(axis);
    // One known index: a slice (a view once bufferized) rather than a copy,
    // such as the class token x[:, 0] or Q, K and V as qkv[0], [1], [2].
    DenseIntElementsAttr known;
    if (idxRank == 0 && !ShapedType::isDynamic(axisSize) &&
        matchPattern(op.getIndices(), m_Constant(&known))) {
      int64_t i = (*known.getValues<APInt>().begin()).getSExtValue();
      i = std::clamp<int64_t>(i < 0 ? i + axisSize : i, 0, axisSize - 1);
      int64_t rank = inType.getRank();
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
          strides(rank, rewriter.getIndexAttr(1)), sizes;
      offsets[axis] = rewriter.getIndexAttr(i);
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(d == axis
                            ? OpFoldResult(rewriter.getIndexAttr(1))
                            : tensor::getMixedSize(rewriter, loc, input, d));
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, input, offsets, sizes, strides);
      return success();
    }
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < idxRank; ++d)
      exprs.push_back(getAffineDimExpr(axis + d, ctx));
    AffineMap idxMap = AffineMap::get(type.getRank(), 0, exprs, ctx);
    Value result = buildParallel(
        rewriter, loc, type, indices, {idxMap},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Type it = a[0].getType();
          Value zero = scalarConstant(b, l, it, 0.0);
          Value size = scalarConstant(b, l, it, static_cast<double>(axisSize));
          Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                            a[0], zero);
          Value wrapped = arith::SelectOp::create(
              b, l, neg, arith::AddIOp::create(b, l, a[0], size), a[0]);
          Value clamped = arith::MaxSIOp::create(
              b, l,
              arith::MinSIOp::create(
                  b, l, wrapped,
                  scalarConstant(b, l, it, static_cast<double>(axisSize - 1))),
              zero);
          Value pos =
              arith::IndexCastOp::create(b, l, b.getIndexType(), clamped);
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(pos);
          for (int64_t d = axis + 1; d < inType.getRank(); ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d - 1 + idxRank));
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Negative pads crop first (extract_slice). Constant mode then uses
/// tensor.pad; reflect/edge map every output index back into the input.
struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    Value input = adaptor.getInput();
    auto inType = cast<RankedTensorType>(input.getType());

    SmallVector<int64_t> low(rank), high(rank), offsets(rank), sizes(rank);
    bool crop = false;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t b = pads[d], e = pads[d + rank];
      offsets[d] = b < 0 ? -b : 0;
      sizes[d] = inType.getDimSize(d) - offsets[d] - (e < 0 ? -e : 0);
      low[d] = std::max<int64_t>(b, 0);
      high[d] = std::max<int64_t>(e, 0);
      crop |= b < 0 || e < 0;
    }
    if (crop) {
      auto croppedType = RankedTensorType::get(sizes, elt);
      input = tensor::ExtractSliceOp::create(
          rewriter, loc, croppedType, input, ValueRange{}, ValueRange{},
          ValueRange{}, offsets, sizes, SmallVector<int64_t>(rank, 1));
    }

    StringRef mode = op.getMode();
    if (mode == "constant") {
      Value pad;
      if (isFloat(elt))
        pad =
            scalarConstant(rewriter, loc, elt, op.getValue().convertToDouble());
      else
        pad = arith::ConstantOp::create(
            rewriter, loc,
            rewriter.getIntegerAttr(
                elt, static_cast<int64_t>(op.getValue().convertToDouble())));
      SmallVector<OpFoldResult> lo, hi;
      for (int64_t d = 0; d < rank; ++d) {
        lo.push_back(rewriter.getIndexAttr(low[d]));
        hi.push_back(rewriter.getIndexAttr(high[d]));
      }
      rewriter.replaceOpWithNewOp<tensor::PadOp>(op, type, input, lo, hi, pad);
      return success();
    }

    bool reflect = mode == "reflect";
    Value result = buildFromIndices(
        rewriter, loc, type,
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx) -> Value {
          SmallVector<Value> coords;
          for (auto [d, i] : llvm::enumerate(idx)) {
            Value zero = indexConstant(b, l, 0);
            Value last = indexConstant(b, l, sizes[d] - 1);
            Value x =
                arith::SubIOp::create(b, l, i, indexConstant(b, l, low[d]));
            if (reflect) {
              // -x before the start, 2 * last - x past the end.
              Value below = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::slt, x, zero);
              x = arith::SelectOp::create(
                  b, l, below, arith::SubIOp::create(b, l, zero, x), x);
              Value above = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::sgt, x, last);
              Value mirrored = arith::SubIOp::create(
                  b, l, indexConstant(b, l, 2 * (sizes[d] - 1)), x);
              x = arith::SelectOp::create(b, l, above, mirrored, x);
            }
            x = arith::MaxSIOp::create(
                b, l, arith::MinSIOp::create(b, l, x, last), zero);
            coords.push_back(x);
          }
          return tensor::ExtractOp::create(b, l, input, coords);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraDataMovementLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, BroadcastToLowering,
               ConcatLowering, SliceLowering, GatherLowering, PadLowering>(
      patterns.getContext());
}
