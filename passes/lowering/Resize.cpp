// tessera.resize -> linalg.generics that read per-dimension tables computed
// at compile time (the resized dimensions are static): for each output
// index of a resized dimension, the input indices it reads and their
// weights, with the coordinate math in f64 as the ONNX reference does it.
// Linear and cubic f32/f64 resizes run one dimension at a time (separable:
// a bilinear upsampling is a blend of two rows per output row, read
// contiguously, rather than four gathered corners per element); nearest,
// tf_crop_and_resize and other element types are one generic that gathers
// every combination of taps.
#include "LoweringUtils.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <array>
#include <cmath>

// The tables' f64 math rounds step by step, as the ONNX reference's numpy
// does: no fused multiply-adds.
#pragma clang fp contract(off)

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::lowering;

namespace {

/// The input coordinate of output index `x` along one dimension of `in`
/// elements resized to `out`. align_corners and pytorch_half_pixel take the
/// resized length to be `out`, as the ONNX specification's "length of the
/// resized tensor", ONNX Runtime and torch do (ONNX's Python reference, and
/// with it two of its backend tests, take `in * scale` unrounded: with
/// torch's align_corners=True and scale_factor=2.5, 5 -> 12 elements, the
/// two differ by up to 25%); tf_crop_and_resize takes `in * scale` as that
/// reference does.
double sourceCoord(double x, StringRef mode, double scale, int64_t in,
                   int64_t out, double roiStart, double roiEnd) {
  double resized = static_cast<double>(in) * scale;
  if (mode == "asymmetric")
    return x / scale;
  if (mode == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  if (mode == "align_corners")
    return out == 1 ? 0.0
                    : x * (static_cast<double>(in - 1) /
                           static_cast<double>(out - 1));
  if (mode == "tf_crop_and_resize") {
    // The reference's order of operations, so that the last index of a roi
    // ending at 1 lands exactly on in - 1 (and is not extrapolated).
    double len = static_cast<double>(in - 1);
    double start = roiStart * len;
    if (resized == 1.0)
      return (roiEnd - roiStart) * len / 2 + start;
    return x * (roiEnd - roiStart) * len / (resized - 1.0) + start;
  }
  if (mode == "pytorch_half_pixel" && out <= 1)
    return 0.0;
  return (x + 0.5) / scale - 0.5; // half_pixel
}

double roundNearest(double x, StringRef mode) {
  if (mode == "floor")
    return std::floor(x);
  if (mode == "ceil")
    return std::ceil(x);
  double up = std::floor(x + 0.5);
  if (mode == "round_prefer_ceil")
    return up;
  // round_prefer_floor: a tie goes down.
  double down = std::floor(x);
  return x - down == 0.5 ? down : up;
}

int64_t clampIndex(double v, int64_t size) {
  return std::clamp<int64_t>(static_cast<int64_t>(v), 0, size - 1);
}

/// The four cubic convolution weights of the taps floor(x) - 1 .. floor(x)
/// + 2 for the fraction `t` = x - floor(x), as in the ONNX reference.
std::array<double, 4> cubicWeights(double t, double a) {
  // |d| in [1, 2): ((a d - 5a) d + 8a) d - 4a.
  auto far = [&](double d) {
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  };
  // |d| in [0, 1]: ((a + 2) d - (a + 3)) d d + 1.
  auto near = [&](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1.0; };
  double u = 1.0 - t;
  return {far(t + 1.0), near(t), near(u), far(u + 1.0)};
}

/// One resized dimension: per output index, the input indices read (taps)
/// and their weights (none for nearest), and for tf_crop_and_resize whether
/// the coordinate falls outside the input.
struct DimTables {
  int64_t dim, in, out;
  SmallVector<SmallVector<int64_t>> taps;   // [tap][output index]
  SmallVector<SmallVector<double>> weights; // [tap][output index]
  SmallVector<bool> outside;                // [output index], crop only
};

DimTables dimTables(ResizeOp op, int64_t d, ArrayRef<double> roi) {
  int64_t rank = op.getType().getRank();
  DimTables t{d,
              op.getInput().getType().getDimSize(d),
              op.getType().getDimSize(d),
              {},
              {},
              {}};
  StringRef mode = op.getMode(),
            coordMode = op.getCoordinateTransformationMode();
  bool crop = coordMode == "tf_crop_and_resize";
  double a = op.getCubicCoeffA().convertToDouble();
  SmallVector<int64_t, 4> offsets;
  if (mode == "nearest")
    offsets = {0};
  else if (mode == "linear")
    offsets = {0, 1};
  else
    offsets = {-1, 0, 1, 2};
  t.taps.assign(offsets.size(), SmallVector<int64_t>(t.out));
  if (mode != "nearest")
    t.weights.assign(offsets.size(), SmallVector<double>(t.out));
  if (crop)
    t.outside.assign(t.out, false);
  for (int64_t i = 0; i < t.out; ++i) {
    double x = sourceCoord(static_cast<double>(i), coordMode, op.getScales()[d],
                           t.in, t.out, roi[d], roi[rank + d]);
    if (crop)
      t.outside[i] = x < 0.0 || x > static_cast<double>(t.in - 1);
    if (mode == "nearest") {
      t.taps[0][i] = clampIndex(roundNearest(x, op.getNearestMode()), t.in);
      continue;
    }
    double x0 = std::floor(x), f = x - x0;
    SmallVector<double, 4> w;
    if (mode == "linear")
      w = {1.0 - f, f};
    else
      llvm::append_range(w, cubicWeights(f, a));
    double sum = 0.0;
    for (auto [k, off] : llvm::enumerate(offsets)) {
      double pos = x0 + static_cast<double>(off);
      t.taps[k][i] = clampIndex(pos, t.in);
      // exclude_outside: a tap outside [0, in) weighs nothing; the rest
      // renormalize.
      if (op.getExcludeOutside()) {
        if (pos < 0.0 || pos > static_cast<double>(t.in - 1))
          w[k] = 0.0;
        sum += w[k];
      }
    }
    for (size_t k = 0; k < offsets.size(); ++k)
      t.weights[k][i] = op.getExcludeOutside() ? w[k] / sum : w[k];
  }
  return t;
}

/// A 1-d constant table.
Value table(OpBuilder &b, Location l, Type elt, ArrayRef<Attribute> values) {
  auto type = RankedTensorType::get({int64_t(values.size())}, elt);
  return arith::ConstantOp::create(b, l, DenseElementsAttr::get(type, values));
}

/// One linalg.generic producing `type` from `input` through the tables of
/// `dims` (the other dimensions map to themselves): the sum over every
/// combination of the dims' taps of the input element times the product of
/// their weights (in f64, then rounded to the element type; `eltWeights`:
/// tables already in the element type), or the extrapolation value where a
/// coordinate is outside (tf_crop_and_resize).
Value gatherPass(OpBuilder &b, Location l, Value input, RankedTensorType type,
                 ArrayRef<DimTables> dims, bool eltWeights,
                 double extrapolation) {
  Type elt = type.getElementType();
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  Type wType = eltWeights ? elt : b.getF64Type();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  // Per dim: the index of its first tap table among the inputs, then its
  // weight tables, then its outside table.
  SmallVector<int64_t> firstInput;
  for (const DimTables &t : dims) {
    firstInput.push_back(inputs.size());
    AffineMap map = AffineMap::get(rank, 0, getAffineDimExpr(t.dim, ctx));
    auto add = [&](Value v) {
      inputs.push_back(v);
      maps.push_back(map);
    };
    for (ArrayRef<int64_t> taps : t.taps)
      add(table(b, l, b.getI64Type(),
                llvm::map_to_vector(taps, [&](int64_t v) -> Attribute {
                  return b.getI64IntegerAttr(v);
                })));
    for (ArrayRef<double> w : t.weights)
      add(table(b, l, wType, llvm::map_to_vector(w, [&](double v) -> Attribute {
                  return b.getFloatAttr(wType, v);
                })));
    if (!t.outside.empty())
      add(table(b, l, b.getI1Type(),
                llvm::map_to_vector(t.outside, [&](bool v) -> Attribute {
                  return b.getBoolAttr(v);
                })));
  }
  return buildParallel(
      b, l, type, inputs, maps,
      [&](OpBuilder &b, Location l, ValueRange args) -> Value {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(b, l, d));
        Value outside;
        SmallVector<SmallVector<Value, 4>> taps(dims.size()),
            weights(dims.size());
        for (auto [i, t] : llvm::enumerate(dims)) {
          int64_t at = firstInput[i];
          for (size_t k = 0; k < t.taps.size(); ++k)
            taps[i].push_back(
                arith::IndexCastOp::create(b, l, b.getIndexType(), args[at++]));
          for (size_t k = 0; k < t.weights.size(); ++k)
            weights[i].push_back(args[at++]);
          if (!t.outside.empty())
            outside = outside ? arith::OrIOp::create(b, l, outside, args[at])
                              : args[at];
        }
        // Every combination of the dims' taps.
        Value acc;
        SmallVector<size_t> pick(dims.size(), 0);
        while (true) {
          Value w;
          for (auto [i, t] : llvm::enumerate(dims)) {
            coords[t.dim] = taps[i][pick[i]];
            if (weights[i].empty())
              continue;
            Value wi = weights[i][pick[i]];
            w = w ? arith::MulFOp::create(b, l, w, wi).getResult() : wi;
          }
          Value term = tensor::ExtractOp::create(b, l, input, coords);
          if (w) {
            if (w.getType() != elt)
              w = arith::TruncFOp::create(b, l, elt, w);
            term = arith::MulFOp::create(b, l, term, w);
          }
          acc = acc ? arith::AddFOp::create(b, l, acc, term).getResult() : term;
          int64_t i = int64_t(dims.size()) - 1;
          for (; i >= 0; --i) {
            if (++pick[i] < dims[i].taps.size())
              break;
            pick[i] = 0;
          }
          if (i < 0)
            break;
        }
        if (outside)
          acc = arith::SelectOp::create(
              b, l, outside,
              arith::ConstantOp::create(b, l,
                                        b.getFloatAttr(elt, extrapolation)),
              acc);
        return acc;
      });
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inType = op.getInput().getType();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t rank = type.getRank();
    ArrayRef<double> scales = op.getScales();
    StringRef coordMode = op.getCoordinateTransformationMode();
    bool crop = coordMode == "tf_crop_and_resize";
    SmallVector<double> roi(2 * rank, 0.0);
    if (std::optional<ArrayRef<double>> r = op.getRoi())
      roi.assign(r->begin(), r->end());
    else
      std::fill(roi.begin() + rank, roi.end(), 1.0);
    // A dim that keeps its size at scale 1 (and, cropping, its whole roi)
    // keeps each index and needs no table. So also with
    // tf_half_pixel_for_nn, whose (x + 0.5) / 1 would move every index of
    // such a dim one up with the ceil roundings, the batch too: TensorFlow's
    // half-pixel nearest resize, which it stands for, only resizes the
    // images' rows and columns, and ONNX Runtime leaves such dims alone.
    SmallVector<DimTables> dims;
    for (int64_t d = 0; d < rank; ++d) {
      bool identity = inType.getDimSize(d) == type.getDimSize(d) &&
                      scales[d] == 1.0 &&
                      (!crop || (roi[d] == 0.0 && roi[rank + d] == 1.0));
      if (!identity)
        dims.push_back(dimTables(op, d, roi));
    }
    if (dims.empty()) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    Location l = op.getLoc();
    bool separable =
        op.getMode() != "nearest" && !crop && (elt.isF32() || elt.isF64());
    if (!separable) {
      rewriter.replaceOp(op, gatherPass(rewriter, l, adaptor.getInput(), type,
                                        dims, false, extrapolation));
      return success();
    }
    // One dim at a time: the most shrinking first (the intermediates stay
    // small), ties innermost first (for an upsampling, the gathers along the
    // row on the smaller tensor, the blends of whole rows on the larger).
    llvm::stable_sort(dims, [](const DimTables &x, const DimTables &y) {
      double rx = double(x.out) / double(x.in),
             ry = double(y.out) / double(y.in);
      return rx != ry ? rx < ry : x.dim > y.dim;
    });
    Value v = adaptor.getInput();
    for (const DimTables &t : dims) {
      auto vType = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape(vType.getShape());
      shape[t.dim] = t.out;
      v = gatherPass(rewriter, l, v, vType.clone(shape), t, true,
                     extrapolation);
    }
    rewriter.replaceOp(op, v);
    return success();
  }
};

} // namespace

void mlir::tessera::populateTesseraResizeLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
