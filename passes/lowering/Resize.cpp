// tessera.resize -> one linalg.generic over the result whose body maps each
// index to an input coordinate (f64 index math, as the ONNX reference does)
// and tensor.extracts the nearest element or blends the 2^k linear corners.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

Value f64Const(OpBuilder &b, Location l, double v) {
  return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v));
}

/// The input coordinate (f64) of output index `idx` along one dimension. As
/// in the ONNX reference, the resized length is `in * scale` unrounded.
Value sourceCoord(OpBuilder &b, Location l, Value idx, StringRef mode,
                  double scale, int64_t in) {
  double resized = static_cast<double>(in) * scale;
  Value x = arith::SIToFPOp::create(
      b, l, b.getF64Type(),
      arith::IndexCastOp::create(b, l, b.getI64Type(), idx));
  auto add = [&](Value v, double c) {
    return arith::AddFOp::create(b, l, v, f64Const(b, l, c)).getResult();
  };
  auto div = [&](Value v, double c) {
    return arith::DivFOp::create(b, l, v, f64Const(b, l, c)).getResult();
  };
  if (mode == "asymmetric")
    return div(x, scale);
  if (mode == "tf_half_pixel_for_nn")
    return div(add(x, 0.5), scale);
  if (mode == "align_corners") {
    if (resized == 1.0)
      return f64Const(b, l, 0.0);
    return arith::MulFOp::create(
        b, l, x, f64Const(b, l, static_cast<double>(in - 1) / (resized - 1.0)));
  }
  if (mode == "pytorch_half_pixel" && resized <= 1.0)
    return f64Const(b, l, 0.0);
  return add(div(add(x, 0.5), scale), -0.5); // half_pixel
}

/// An f64 integral value -> index clamped into [0, size).
Value clampToIndex(OpBuilder &b, Location l, Value v, int64_t size) {
  Value i = arith::FPToSIOp::create(b, l, b.getI64Type(), v);
  Value lo = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0));
  Value hi = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(size - 1));
  i = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, i, hi), lo);
  return arith::IndexCastOp::create(b, l, b.getIndexType(), i);
}

Value roundNearest(OpBuilder &b, Location l, Value x, StringRef mode) {
  if (mode == "floor")
    return math::FloorOp::create(b, l, x);
  if (mode == "ceil")
    return math::CeilOp::create(b, l, x);
  Value half = f64Const(b, l, 0.5);
  Value up = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, x, half));
  if (mode == "round_prefer_ceil")
    return up;
  // round_prefer_floor: a tie goes down.
  Value down = math::FloorOp::create(b, l, x);
  Value tie = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                    arith::SubFOp::create(b, l, x, down), half);
  return arith::SelectOp::create(b, l, tie, down, up);
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inType = op.getInput().getType();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t rank = type.getRank();
    ArrayRef<double> scales = op.getScales();
    StringRef coordMode = op.getCoordinateTransformationMode();
    bool linear = op.getMode() == "linear";
    StringRef nearestMode = op.getNearestMode();
    // Dims whose index maps to itself need no arithmetic.
    auto identity = [&](int64_t d) {
      return inType.getDimSize(d) == type.getDimSize(d) && scales[d] == 1.0 &&
             coordMode != "tf_half_pixel_for_nn";
    };
    Value result = buildParallel(
        rewriter, op.getLoc(), type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> base, next;
          SmallVector<Value> weights; // linear: weight of `next` per dim
          SmallVector<int64_t> lerpDims;
          for (int64_t d = 0; d < rank; ++d) {
            Value idx = linalg::IndexOp::create(b, l, d);
            if (identity(d)) {
              base.push_back(idx);
              next.push_back(idx);
              weights.push_back(Value());
              continue;
            }
            int64_t in = inType.getDimSize(d);
            Value x = sourceCoord(b, l, idx, coordMode, scales[d], in);
            if (!linear) {
              base.push_back(
                  clampToIndex(b, l, roundNearest(b, l, x, nearestMode), in));
              next.push_back(base.back());
              weights.push_back(Value());
              continue;
            }
            Value x0 = math::FloorOp::create(b, l, x);
            base.push_back(clampToIndex(b, l, x0, in));
            next.push_back(clampToIndex(
                b, l, arith::AddFOp::create(b, l, x0, f64Const(b, l, 1.0)),
                in));
            weights.push_back(arith::SubFOp::create(b, l, x, x0));
            lerpDims.push_back(d);
          }
          if (lerpDims.empty())
            return tensor::ExtractOp::create(b, l, input, base);
          // Sum over the 2^k corners of the product of per-dim weights.
          Value one = f64Const(b, l, 1.0);
          Value acc;
          for (unsigned mask = 0; mask < (1u << lerpDims.size()); ++mask) {
            SmallVector<Value> coords(base);
            Value w = one;
            for (auto [bit, d] : llvm::enumerate(lerpDims)) {
              bool hi = mask & (1u << bit);
              if (hi)
                coords[d] = next[d];
              Value wd =
                  hi ? weights[d]
                     : arith::SubFOp::create(b, l, one, weights[d]).getResult();
              w = arith::MulFOp::create(b, l, w, wd);
            }
            Value v = tensor::ExtractOp::create(b, l, input, coords);
            if (elt != b.getF64Type())
              w = arith::TruncFOp::create(b, l, elt, w);
            Value term = arith::MulFOp::create(b, l, v, w);
            acc =
                acc ? arith::AddFOp::create(b, l, acc, term).getResult() : term;
          }
          return acc;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraResizeLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
