// tessera.resize -> one linalg.generic over the result whose body maps each
// index to an input coordinate (f64 index math, as the ONNX reference does)
// and tensor.extracts the nearest element or blends the 2^k linear corners
// or the 4^k cubic taps (weights computed per element in f64).
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

/// The input coordinate (f64) of output index `idx` along one dimension of
/// `in` elements resized to `out`. align_corners and pytorch_half_pixel take
/// the resized length to be `out`, as the ONNX specification's "length of the
/// resized tensor", ONNX Runtime and torch do (ONNX's Python reference, and
/// with it two of its backend tests, take `in * scale` unrounded: with
/// torch's align_corners=True and scale_factor=2.5, 5 -> 12 elements, the
/// two differ by up to 25%); tf_crop_and_resize takes `in * scale` as that
/// reference does. `roiStart`/`roiEnd` are used by tf_crop_and_resize only.
Value sourceCoord(OpBuilder &b, Location l, Value idx, StringRef mode,
                  double scale, int64_t in, int64_t out, double roiStart,
                  double roiEnd) {
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
    if (out == 1)
      return f64Const(b, l, 0.0);
    return arith::MulFOp::create(
        b, l, x,
        f64Const(b, l,
                 static_cast<double>(in - 1) / static_cast<double>(out - 1)));
  }
  if (mode == "tf_crop_and_resize") {
    // The reference's order of operations, so that the last index of a roi
    // ending at 1 lands exactly on in - 1 (and is not extrapolated).
    double len = static_cast<double>(in - 1);
    double start = roiStart * len;
    if (resized == 1.0)
      return f64Const(b, l, (roiEnd - roiStart) * len / 2 + start);
    auto mul = [&](Value v, double c) {
      return arith::MulFOp::create(b, l, v, f64Const(b, l, c)).getResult();
    };
    return add(div(mul(mul(x, roiEnd - roiStart), len), resized - 1.0), start);
  }
  if (mode == "pytorch_half_pixel" && out <= 1)
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

/// The four cubic convolution weights (f64) of the taps floor(x) - 1 ..
/// floor(x) + 2 for the fraction `t` = x - floor(x), as in the ONNX reference.
SmallVector<Value, 4> cubicWeights(OpBuilder &b, Location l, Value t,
                                   double a) {
  auto c = [&](double v) { return f64Const(b, l, v); };
  auto add = [&](Value x, Value y) {
    return arith::AddFOp::create(b, l, x, y).getResult();
  };
  auto sub = [&](Value x, Value y) {
    return arith::SubFOp::create(b, l, x, y).getResult();
  };
  auto mul = [&](Value x, Value y) {
    return arith::MulFOp::create(b, l, x, y).getResult();
  };
  // |d| in [1, 2): ((a d - 5a) d + 8a) d - 4a.
  auto far = [&](Value d) {
    return sub(mul(add(mul(sub(mul(c(a), d), c(5 * a)), d), c(8 * a)), d),
               c(4 * a));
  };
  // |d| in [0, 1]: ((a + 2) d - (a + 3)) d d + 1.
  auto nearW = [&](Value d) {
    return add(mul(mul(sub(mul(c(a + 2), d), c(a + 3)), d), d), c(1.0));
  };
  Value u = sub(c(1.0), t);
  return {far(add(t, c(1.0))), nearW(t), nearW(u), far(add(u, c(1.0)))};
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
    StringRef mode = op.getMode();
    StringRef nearestMode = op.getNearestMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside();
    bool crop = coordMode == "tf_crop_and_resize";
    SmallVector<double> roi(2 * rank, 0.0);
    if (std::optional<ArrayRef<double>> r = op.getRoi())
      roi.assign(r->begin(), r->end());
    else
      std::fill(roi.begin() + rank, roi.end(), 1.0);
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    // Dims whose index maps to itself need no arithmetic.
    auto identity = [&](int64_t d) {
      return inType.getDimSize(d) == type.getDimSize(d) && scales[d] == 1.0 &&
             coordMode != "tf_half_pixel_for_nn" &&
             (!crop || (roi[d] == 0.0 && roi[rank + d] == 1.0));
    };
    Value result = buildParallel(
        rewriter, op.getLoc(), type, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          // Per dim: the input indices read and, for linear and cubic, the
          // f64 weight of each (empty: a single read of weight 1).
          SmallVector<SmallVector<Value, 4>> taps(rank), weights(rank);
          Value outside; // tf_crop_and_resize: some coordinate out of range
          for (int64_t d = 0; d < rank; ++d) {
            Value idx = linalg::IndexOp::create(b, l, d);
            if (identity(d)) {
              taps[d].push_back(idx);
              continue;
            }
            int64_t in = inType.getDimSize(d);
            Value x = sourceCoord(b, l, idx, coordMode, scales[d], in,
                                  type.getDimSize(d), roi[d], roi[rank + d]);
            if (crop) {
              Value lo = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT,
                                               x, f64Const(b, l, 0.0));
              Value hi =
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x,
                                        f64Const(b, l, double(in - 1)));
              Value out = arith::OrIOp::create(b, l, lo, hi);
              outside =
                  outside ? arith::OrIOp::create(b, l, outside, out) : out;
            }
            if (mode == "nearest") {
              taps[d].push_back(
                  clampToIndex(b, l, roundNearest(b, l, x, nearestMode), in));
              continue;
            }
            Value x0 = math::FloorOp::create(b, l, x);
            Value t = arith::SubFOp::create(b, l, x, x0);
            SmallVector<int64_t, 4> offsets;
            if (mode == "linear") {
              offsets = {0, 1};
              weights[d] = {arith::SubFOp::create(b, l, f64Const(b, l, 1.0), t),
                            t};
            } else {
              offsets = {-1, 0, 1, 2};
              weights[d] = cubicWeights(b, l, t, cubicA);
            }
            Value sum;
            for (auto [k, off] : llvm::enumerate(offsets)) {
              Value pos = off ? arith::AddFOp::create(
                                    b, l, x0, f64Const(b, l, double(off)))
                                    .getResult()
                              : x0;
              taps[d].push_back(clampToIndex(b, l, pos, in));
              if (!excludeOutside)
                continue;
              // A tap outside [0, in) weighs nothing; the rest renormalize.
              Value inside = arith::AndIOp::create(
                  b, l,
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, pos,
                                        f64Const(b, l, 0.0)),
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, pos,
                                        f64Const(b, l, double(in - 1))));
              weights[d][k] = arith::SelectOp::create(
                  b, l, inside, weights[d][k], f64Const(b, l, 0.0));
              sum = sum ? arith::AddFOp::create(b, l, sum, weights[d][k])
                              .getResult()
                        : weights[d][k];
            }
            if (excludeOutside)
              for (Value &w : weights[d])
                w = arith::DivFOp::create(b, l, w, sum);
          }
          // Sum over every combination of taps of the product of the
          // per-dim weights.
          Value acc;
          SmallVector<size_t> pick(rank, 0);
          while (true) {
            SmallVector<Value> coords;
            Value w;
            for (int64_t d = 0; d < rank; ++d) {
              coords.push_back(taps[d][pick[d]]);
              if (weights[d].empty())
                continue;
              Value wd = weights[d][pick[d]];
              w = w ? arith::MulFOp::create(b, l, w, wd).getResult() : wd;
            }
            Value term = tensor::ExtractOp::create(b, l, input, coords);
            if (w) {
              if (elt != b.getF64Type())
                w = arith::TruncFOp::create(b, l, elt, w);
              term = arith::MulFOp::create(b, l, term, w);
            }
            acc =
                acc ? arith::AddFOp::create(b, l, acc, term).getResult() : term;
            int64_t d = rank - 1;
            for (; d >= 0; --d) {
              if (++pick[d] < taps[d].size())
                break;
              pick[d] = 0;
            }
            if (d < 0)
              break;
          }
          if (outside) {
            Value fill = arith::ConstantOp::create(
                b, l, b.getFloatAttr(elt, extrapolation));
            acc = arith::SelectOp::create(b, l, outside, fill, acc);
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
