// GridSample and RoiAlign as gathers over computed sample positions: the
// positions and interpolation weights are elementwise tessera ops, every
// tap is one element of a tessera.gather_elements over the flattened image.
#include "frontends/onnx/Importer.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// Builds elementwise expressions in one float element type; scalars
/// broadcast, result shapes follow numpy broadcasting.
struct Expr {
  Importer &im;
  Type ft;

  Value s(double v) { return im.scalar(ft, v); }
  RankedTensorType typeFor(Value a, Value b, Type elt) {
    SmallVector<int64_t> shape;
    (void)broadcastShapes(Importer::typeOf(a).getShape(),
                          Importer::typeOf(b).getShape(), shape);
    return RankedTensorType::get(shape, elt);
  }
  template <typename OpTy> Value bin(Value a, Value b) {
    return im.create<OpTy>(typeFor(a, b, Importer::typeOf(a).getElementType()),
                           a, b);
  }
  template <typename OpTy> Value bin(Value a, double b) {
    return bin<OpTy>(a, s(b));
  }
  template <typename OpTy> Value cmp(Value a, double b) {
    return im.create<OpTy>(typeFor(a, a, im.builder.getI1Type()), a, s(b));
  }
  template <typename OpTy> Value un(Value a) {
    return im.create<OpTy>(Importer::typeOf(a), a);
  }
  Value where(Value c, Value a, Value b) {
    SmallVector<int64_t> ab, shape;
    (void)broadcastShapes(Importer::typeOf(a).getShape(),
                          Importer::typeOf(b).getShape(), ab);
    (void)broadcastShapes(Importer::typeOf(c).getShape(), ab, shape);
    return im.create<WhereOp>(
        RankedTensorType::get(shape, Importer::typeOf(a).getElementType()), c,
        a, b);
  }
  Value clamp(Value a, double lo, double hi) {
    return ClampOp::create(im.builder, im.loc, Importer::typeOf(a), a,
                           im.builder.getF64FloatAttr(lo),
                           im.builder.getF64FloatAttr(hi))
        .getResult();
  }
  Value cast(Value a, Type elt) {
    auto t = Importer::typeOf(a);
    if (t.getElementType() == elt)
      return a;
    return im.create<CastOp>(RankedTensorType::get(t.getShape(), elt), a);
  }
  Value concat(ArrayRef<Value> vs, int64_t axis) {
    if (vs.size() == 1)
      return vs[0];
    auto t = Importer::typeOf(vs[0]);
    SmallVector<int64_t> shape(t.getShape());
    shape[axis] = 0;
    for (Value v : vs)
      shape[axis] += Importer::typeOf(v).getDimSize(axis);
    return ConcatOp::create(im.builder, im.loc,
                            RankedTensorType::get(shape, t.getElementType()),
                            vs, axis)
        .getResult();
  }
  /// `lo <= a <= hi` as an i1 tensor.
  Value inRange(Value a, double lo, double hi) {
    return bin<AndOp>(cmp<GreaterEqualOp>(a, lo), cmp<LessEqualOp>(a, hi));
  }
  /// Element `i` along the last axis, which is dropped.
  Value lastAxisElement(Value a, int64_t i) {
    auto t = Importer::typeOf(a);
    SmallVector<int64_t> shape(t.getShape()), starts(t.getRank(), 0),
        steps(t.getRank(), 1);
    shape.back() = 1;
    starts.back() = i;
    Value v = SliceOp::create(im.builder, im.loc,
                              RankedTensorType::get(shape, t.getElementType()),
                              a, im.builder.getDenseI64ArrayAttr(starts),
                              im.builder.getDenseI64ArrayAttr(steps))
                  .getResult();
    return im.reshape(v, ArrayRef<int64_t>(shape).drop_back());
  }
};

/// Sample taps along one spatial axis: integer-valued float coordinates
/// and their weights (null: one tap of weight 1), stacked on axis 1.
struct Taps {
  Value coords, weights;
};
} // namespace

/// Reads `image` ([B, C, H, W]) at the taps `ys` x `xs`, whose coordinates
/// and weights have shapes [B, Ty, 1, P] and [B, 1, Tx, P]. Taps outside
/// the image read 0. Returns the weighted taps, [B, C, Ty * Tx, P].
static Value gatherTaps(Expr &e, Value image, Taps ys, Taps xs) {
  Importer &im = e.im;
  auto it = Importer::typeOf(image);
  int64_t b = it.getDimSize(0), c = it.getDimSize(1), h = it.getDimSize(2),
          w = it.getDimSize(3);
  Value valid = e.bin<AndOp>(e.inRange(ys.coords, 0, double(h - 1)),
                             e.inRange(xs.coords, 0, double(w - 1)));
  Type i64 = im.builder.getI64Type();
  Value yi = e.clamp(e.cast(ys.coords, i64), 0, double(h - 1));
  Value xi = e.clamp(e.cast(xs.coords, i64), 0, double(w - 1));
  Value flat = e.bin<AddOp>(e.bin<MulOp>(yi, im.scalar(i64, double(w))), xi);
  auto ft = Importer::typeOf(flat);
  int64_t taps = ft.getDimSize(1) * ft.getDimSize(2), p = ft.getDimSize(3);
  Value idx = im.reshape(flat, {b, 1, taps * p});
  idx = im.create<BroadcastToOp>(RankedTensorType::get({b, c, taps * p}, i64),
                                 idx);
  Value src = im.reshape(image, {b, c, h * w});
  Value got = im.create<GatherElementsOp>(
      RankedTensorType::get({b, c, taps * p}, it.getElementType()), src, idx,
      int64_t(2));
  got = im.reshape(got, {b, c, taps, p});
  Value zero = im.scalar(it.getElementType(), 0);
  got = e.where(im.reshape(valid, {b, 1, taps, p}), got, zero);
  if (!ys.weights)
    return got;
  Value weight = e.bin<MulOp>(ys.weights, xs.weights);
  weight = im.reshape(e.cast(weight, it.getElementType()), {b, 1, taps, p});
  return e.bin<MulOp>(got, weight);
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

namespace {
enum class Padding { Zeros, Border, Reflection };
enum class Mode { Nearest, Bilinear, Bicubic };

struct GridSampler {
  Expr &e;
  Padding padding;
  bool alignCorners;

  /// Normalized [-1, 1] grid values to pixel coordinates.
  Value unnormalize(Value g, int64_t size) {
    if (alignCorners)
      return e.bin<MulOp>(e.bin<AddOp>(g, 1.0), 0.5 * double(size - 1));
    // ((g + 1) * size - 1) / 2
    Value v = e.bin<MulOp>(e.bin<AddOp>(g, 1.0), double(size));
    return e.bin<DivOp>(e.bin<SubOp>(v, 1.0), 2.0);
  }

  /// torch's reflect_coordinates: reflects `x` into [lo2/2, hi2/2].
  Value reflect(Value x, double lo2, double hi2) {
    if (lo2 == hi2)
      return e.im.constant(makeSplat(Importer::typeOf(x), 0));
    double lo = lo2 / 2, span = (hi2 - lo2) / 2;
    Value a = e.un<AbsOp>(e.bin<SubOp>(x, lo));
    Value extra = e.im.create<ModOp>(Importer::typeOf(a), a, e.s(span),
                                     e.im.builder.getBoolAttr(true));
    Value flips = e.un<FloorOp>(e.bin<DivOp>(a, span));
    Value half = e.un<FloorOp>(e.bin<MulOp>(flips, 0.5));
    Value even =
        e.im.create<EqualOp>(e.typeFor(flips, flips, e.im.builder.getI1Type()),
                             flips, e.bin<MulOp>(half, 2.0));
    Value up = e.bin<AddOp>(extra, lo);
    Value down = e.bin<SubOp>(e.s(span + lo), extra);
    return e.where(even, up, down);
  }

  /// Applies the padding mode to pixel coordinates on an axis of `size`.
  Value pad(Value x, int64_t size) {
    double hi = double(size - 1);
    if (padding == Padding::Border)
      return e.clamp(x, 0, hi);
    if (padding == Padding::Reflection) {
      Value r = alignCorners ? reflect(x, 0, 2 * hi)
                             : reflect(x, -1, 2 * double(size) - 1);
      return e.clamp(r, 0, hi);
    }
    return x;
  }

  /// Taps of `mode` around the pixel coordinate `x` (shape [B, 1, P]).
  Taps taps(Mode mode, Value x, int64_t size) {
    if (mode == Mode::Nearest)
      return {e.un<RoundOp>(pad(x, size)), Value()};
    if (mode == Mode::Bilinear) {
      x = pad(x, size);
      Value x0 = e.un<FloorOp>(x);
      Value t = e.bin<SubOp>(x, x0);
      return {e.concat({x0, e.bin<AddOp>(x0, 1.0)}, 1),
              e.concat({e.bin<SubOp>(e.s(1.0), t), t}, 1)};
    }
    // Bicubic (A = -0.75): padding applies to every tap coordinate.
    Value x0 = e.un<FloorOp>(x);
    Value t = e.bin<SubOp>(x, x0);
    SmallVector<Value> cs, ws;
    for (int k = -1; k <= 2; ++k)
      cs.push_back(pad(e.bin<AddOp>(x0, double(k)), size));
    const double a = -0.75;
    // |d| <= 1: ((a + 2) d - (a + 3)) d^2 + 1.
    auto near = [&](Value d) {
      Value p = e.bin<SubOp>(e.bin<MulOp>(d, a + 2), a + 3);
      return e.bin<AddOp>(e.bin<MulOp>(e.bin<MulOp>(p, d), d), 1.0);
    };
    // 1 < |d| < 2: ((a d - 5a) d + 8a) d - 4a.
    auto far = [&](Value d) {
      Value p = e.bin<SubOp>(e.bin<MulOp>(d, a), 5 * a);
      p = e.bin<AddOp>(e.bin<MulOp>(p, d), 8 * a);
      return e.bin<SubOp>(e.bin<MulOp>(p, d), 4 * a);
    };
    Value u = e.bin<SubOp>(e.s(1.0), t);
    ws = {far(e.bin<AddOp>(t, 1.0)), near(t), near(u),
          far(e.bin<AddOp>(u, 1.0))};
    return {e.concat(cs, 1), e.concat(ws, 1)};
  }
};
} // namespace

static LogicalResult importGridSample(Importer &im) {
  Value x = im.operand(0), grid = im.operand(1);
  if (!x || !grid)
    return failure();
  auto xt = Importer::typeOf(x), gt = Importer::typeOf(grid);
  if (xt.getRank() != 4)
    return im.fail("only 4-D input [N, C, H, W] is supported, got rank " +
                   Twine(xt.getRank()));
  if (gt.getRank() != 4 || gt.getDimSize(0) != xt.getDimSize(0) ||
      gt.getDimSize(3) != 2)
    return im.fail("grid must have shape [N, H_out, W_out, 2] with the "
                   "input's N");
  if (!isa<FloatType>(xt.getElementType()) ||
      !isa<FloatType>(gt.getElementType()))
    return im.fail("input and grid must be float tensors");

  std::string modeName = im.attrString("mode", "bilinear");
  Mode mode;
  if (modeName == "bilinear" || (im.opset >= 20 && modeName == "linear"))
    mode = Mode::Bilinear;
  else if (modeName == "nearest")
    mode = Mode::Nearest;
  else if (modeName == "bicubic" || (im.opset >= 20 && modeName == "cubic"))
    mode = Mode::Bicubic;
  else
    return im.fail("unsupported mode '" + modeName + "'");
  std::string padName = im.attrString("padding_mode", "zeros");
  Padding padding;
  if (padName == "zeros")
    padding = Padding::Zeros;
  else if (padName == "border")
    padding = Padding::Border;
  else if (padName == "reflection")
    padding = Padding::Reflection;
  else
    return im.fail("unsupported padding_mode '" + padName + "'");

  // Coordinates are computed in at least f32.
  Type ft = xt.getElementType();
  if (ft.getIntOrFloatBitWidth() < 32)
    ft = im.builder.getF32Type();
  Expr e{im, ft};
  GridSampler gs{e, padding, im.attrInt("align_corners", 0) != 0};
  int64_t n = xt.getDimSize(0), h = xt.getDimSize(2), w = xt.getDimSize(3);
  int64_t ho = gt.getDimSize(1), wo = gt.getDimSize(2), p = ho * wo;
  Value g = im.reshape(e.cast(grid, ft), {n, 1, p, 2});
  Value gx = gs.unnormalize(e.lastAxisElement(g, 0), w);
  Value gy = gs.unnormalize(e.lastAxisElement(g, 1), h);
  Taps xs = gs.taps(mode, gx, w), ys = gs.taps(mode, gy, h);
  // ys on axis 1, xs on axis 2 of [N, Ty, Tx, P].
  auto onAxis = [&](Taps t, bool yAxis) {
    int64_t k = Importer::typeOf(t.coords).getDimSize(1);
    SmallVector<int64_t> shape = yAxis ? SmallVector<int64_t>{n, k, 1, p}
                                       : SmallVector<int64_t>{n, 1, k, p};
    return Taps{im.reshape(t.coords, shape),
                t.weights ? im.reshape(t.weights, shape) : Value()};
  };
  Value taps = gatherTaps(e, x, onAxis(ys, true), onAxis(xs, false));
  auto tt = Importer::typeOf(taps);
  Value y = taps;
  if (tt.getDimSize(2) != 1)
    y = ReduceSumOp::create(im.builder, im.loc,
                            RankedTensorType::get({n, xt.getDimSize(1), p},
                                                  xt.getElementType()),
                            taps, im.builder.getDenseI64ArrayAttr({2}),
                            im.builder.getBoolAttr(false))
            .getResult();
  im.setOutput(0, im.reshape(y, {n, xt.getDimSize(1), ho, wo}));
  return success();
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

/// RoiAlign builds at most this many samples (r * bins * samples per bin).
constexpr double kMaxRoiSamples = double(1 << 26);

namespace {
/// Sampling grid of one spatial axis: `grid[r]` samples per bin for roi `r`
/// (all equal unless sampling_ratio is 0), at most `maxGrid`.
struct AxisGrid {
  SmallVector<int64_t> grid;
  int64_t maxGrid = 0;
};
} // namespace

/// Bilinear taps along one axis of `size` at the sample coordinates `c`
/// ([R, O, G]): coordinates and weights of shape [R, O, G, 2]. Samples
/// outside [-1, size] get weight 0 (ORT's RoiAlign pre-calculation).
static Taps roiAxisTaps(Expr &e, Value c, int64_t size) {
  double hi = double(size - 1);
  Value inside = e.bin<AndOp>(e.cmp<GreaterEqualOp>(c, -1.0),
                              e.cmp<LessEqualOp>(c, double(size)));
  c = e.clamp(c, 0, hi);
  Value lo = e.un<FloorOp>(c);
  Value up = e.clamp(e.bin<AddOp>(lo, 1.0), 0, hi);
  Value l = e.bin<SubOp>(c, lo);
  Value zero = e.s(0.0);
  Value wLo = e.where(inside, e.bin<SubOp>(e.s(1.0), l), zero);
  Value wUp = e.where(inside, l, zero);
  auto t = Importer::typeOf(c);
  SmallVector<int64_t> shape(t.getShape());
  shape.push_back(1);
  auto stack = [&](Value a, Value b) {
    return e.concat({e.im.reshape(a, shape), e.im.reshape(b, shape)}, 3);
  };
  return {stack(lo, up), stack(wLo, wUp)};
}

static LogicalResult importRoiAlign(Importer &im) {
  Value x = im.operand(0), rois = im.operand(1), batch = im.operand(2);
  if (!x || !rois || !batch)
    return failure();
  auto xt = Importer::typeOf(x), rt = Importer::typeOf(rois),
       bt = Importer::typeOf(batch);
  if (xt.getRank() != 4)
    return im.fail("only 4-D input [N, C, H, W] is supported, got rank " +
                   Twine(xt.getRank()));
  if (!isa<FloatType>(xt.getElementType()) ||
      !isa<FloatType>(rt.getElementType()))
    return im.fail("input and rois must be float tensors");
  if (rt.getRank() != 2 || rt.getDimSize(1) != 4)
    return im.fail("rois must have shape [num_rois, 4]");
  int64_t r = rt.getDimSize(0);
  if (bt.getRank() != 1 || bt.getDimSize(0) != r ||
      !(bt.getElementType().isInteger(32) || bt.getElementType().isInteger(64)))
    return im.fail("batch_indices must be an integer tensor of shape "
                   "[num_rois]");
  if (r == 0)
    return im.fail("an empty rois tensor is not supported");
  std::string mode = im.attrString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return im.fail("unsupported mode '" + mode + "'");
  std::string ctm =
      im.attrString("coordinate_transformation_mode",
                    im.opset >= 16 ? "half_pixel" : "output_half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return im.fail("unsupported coordinate_transformation_mode '" + ctm + "'");
  bool halfPixel = ctm == "half_pixel";
  int64_t oh = im.attrInt("output_height", 1),
          ow = im.attrInt("output_width", 1);
  int64_t ratio = im.attrInt("sampling_ratio", 0);
  float scale = im.attrFloat("spatial_scale", 1.0f);
  if (oh < 1 || ow < 1)
    return im.fail("output_height and output_width must be positive");
  if (ratio < 0)
    return im.fail("sampling_ratio must be non-negative");

  // Samples per bin: fixed, or ceil(roi extent / bins) per roi from the
  // roi values (computed in f32 as ORT does).
  AxisGrid gy, gx;
  if (ratio > 0) {
    gy.grid.assign(r, ratio);
    gx.grid.assign(r, ratio);
  } else {
    const ConstTensor *c = im.constInput(1, "rois (with sampling_ratio 0)");
    if (!c)
      return failure();
    float off = halfPixel ? 0.5f : 0.0f;
    // Samples per bin along one axis of roi `i`; a negative extent has none.
    auto count = [&](int64_t i, int64_t lo, int64_t bins) -> int64_t {
      float a = float(c->getDouble(4 * i + lo)) * scale - off;
      float b = float(c->getDouble(4 * i + lo + 2)) * scale - off;
      float n =
          std::ceil((halfPixel ? b - a : std::max(b - a, 1.0f)) / float(bins));
      return n > 0 ? int64_t(std::min(double(n), kMaxRoiSamples)) : 0;
    };
    for (int64_t i = 0; i < r; ++i) {
      gx.grid.push_back(count(i, 0, ow));
      gy.grid.push_back(count(i, 1, oh));
    }
  }
  for (AxisGrid *g : {&gy, &gx})
    g->maxGrid = std::max<int64_t>(1, *llvm::max_element(g->grid));
  if (double(r) * double(oh) * double(ow) * double(gy.maxGrid) *
          double(gx.maxGrid) >
      kMaxRoiSamples)
    return im.fail("the sampling grid of " + Twine(gy.maxGrid) + " x " +
                   Twine(gx.maxGrid) + " samples per bin is too large");

  Type ft = xt.getElementType();
  if (ft.getIntOrFloatBitWidth() < 32)
    ft = im.builder.getF32Type();
  Expr e{im, ft};
  Value rf = e.cast(rois, ft);
  // Sample coordinates along one axis: start + bin * (o + (i + 0.5) / grid),
  // [R, O, G].
  auto toPixels = [&](Value v) {
    if (scale != 1.0f)
      v = e.bin<MulOp>(v, double(scale));
    return halfPixel ? e.bin<SubOp>(v, 0.5) : v;
  };
  auto samples = [&](int64_t lo, int64_t bins, const AxisGrid &g) {
    Value start = toPixels(e.lastAxisElement(rf, lo));
    Value end = toPixels(e.lastAxisElement(rf, lo + 2));
    Value extent = e.bin<SubOp>(end, start);
    if (!halfPixel)
      extent = e.bin<MaxOp>(extent, 1.0);
    Value bin = im.reshape(e.bin<DivOp>(extent, double(bins)), {r, 1, 1});
    start = im.reshape(start, {r, 1, 1});
    SmallVector<double> bidx, frac;
    for (int64_t o = 0; o < bins; ++o)
      bidx.push_back(double(o));
    bool uniform = llvm::all_equal(g.grid);
    for (int64_t i = 0; i < (uniform ? 1 : r); ++i)
      for (int64_t k = 0; k < g.maxGrid; ++k)
        frac.push_back((double(k) + 0.5) /
                       double(std::max<int64_t>(g.grid[i], 1)));
    Value o =
        im.constant(makeConstF(RankedTensorType::get({1, bins, 1}, ft), bidx));
    Value f = im.constant(makeConstF(
        RankedTensorType::get({uniform ? 1 : r, 1, g.maxGrid}, ft), frac));
    return e.bin<AddOp>(start, e.bin<MulOp>(e.bin<AddOp>(o, f), bin));
  };
  int64_t h = xt.getDimSize(2), w = xt.getDimSize(3), c = xt.getDimSize(1);
  Taps ys = roiAxisTaps(e, samples(1, oh, gy), h);
  Taps xs = roiAxisTaps(e, samples(0, ow, gx), w);
  int64_t ty = oh * gy.maxGrid * 2, tx = ow * gx.maxGrid * 2;
  ys = {im.reshape(ys.coords, {r, ty, 1, 1}),
        im.reshape(ys.weights, {r, ty, 1, 1})};
  xs = {im.reshape(xs.coords, {r, 1, tx, 1}),
        im.reshape(xs.weights, {r, 1, tx, 1})};

  Value image = im.create<GatherOp>(
      RankedTensorType::get({r, c, h, w}, xt.getElementType()), x, batch,
      int64_t(0));
  Value v = gatherTaps(e, image, ys, xs);
  SmallVector<int64_t> full = {r, c, oh, gy.maxGrid * 2, ow, gx.maxGrid * 2};
  v = im.reshape(v, full);
  Type et = xt.getElementType();
  // Samples beyond a roi's own grid (sampling_ratio 0) do not count; a roi
  // without samples yields 0.
  bool masked = !llvm::all_equal(gy.grid) || !llvm::all_equal(gx.grid) ||
                gy.maxGrid != gy.grid[0] || gx.maxGrid != gx.grid[0];
  if (masked) {
    SmallVector<int64_t> keep;
    SmallVector<double> fill;
    double lowest = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < r; ++i) {
      bool empty = gy.grid[i] == 0 || gx.grid[i] == 0;
      fill.push_back(mode == "max" && !empty ? lowest : 0.0);
      for (int64_t a = 0; a < gy.maxGrid * 2; ++a)
        for (int64_t b = 0; b < gx.maxGrid * 2; ++b)
          keep.push_back(a / 2 < gy.grid[i] && b / 2 < gx.grid[i]);
    }
    Value m = im.constant(makeConst(
        RankedTensorType::get({r, 1, 1, gy.maxGrid * 2, 1, gx.maxGrid * 2},
                              im.builder.getI1Type()),
        keep));
    Value f = im.constant(
        makeConstF(RankedTensorType::get({r, 1, 1, 1, 1, 1}, et), fill));
    v = e.where(m, v, f);
  }
  SmallVector<int64_t> outShape = {r, c, oh, ow};
  auto outType = RankedTensorType::get(outShape, et);
  Value y;
  if (mode == "max") {
    y = ReduceMaxOp::create(im.builder, im.loc, outType, v,
                            im.builder.getDenseI64ArrayAttr({3, 5}),
                            im.builder.getBoolAttr(false))
            .getResult();
  } else {
    y = ReduceSumOp::create(im.builder, im.loc, outType, v,
                            im.builder.getDenseI64ArrayAttr({3, 5}),
                            im.builder.getBoolAttr(false))
            .getResult();
    SmallVector<double> counts;
    for (int64_t i = 0; i < r; ++i)
      counts.push_back(double(std::max<int64_t>(gy.grid[i] * gx.grid[i], 1)));
    bool uniform = llvm::all_equal(counts);
    Value n = im.constant(
        makeConstF(RankedTensorType::get({uniform ? 1 : r, 1, 1, 1}, et),
                   uniform ? ArrayRef<double>(counts).take_front() : counts));
    y = e.bin<DivOp>(y, n);
  }
  im.setOutput(0, y);
  return success();
}

void mlir::tessera::onnx_import::registerGridSampleOps(OpTable &t) {
  t["GridSample"] = importGridSample;
  t["RoiAlign"] = importRoiAlign;
}
