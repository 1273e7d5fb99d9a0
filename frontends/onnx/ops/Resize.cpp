// Resize (opset 11+): nearest, linear and cubic modes with constant scales
// or sizes (and a constant roi for tf_crop_and_resize); the opset-18
// keep_aspect_ratio_policy and antialias are diagnosed.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// A constant input that may be absent or empty (both mean "not given").
static bool givenConst(Importer &im, unsigned i) {
  if (!im.hasInput(i))
    return false;
  TensorInfo *t = im.input(i);
  return t && t->type.getNumElements() > 0;
}

static LogicalResult importResize(Importer &im) {
  if (im.opset < 11)
    return im.fail("Resize before opset 11 is not supported");
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto xt = Importer::typeOf(x);
  if (!isa<FloatType>(xt.getElementType()))
    return im.fail("unsupported element type (float expected)");
  std::string mode = im.attrString("mode", "nearest");
  std::string coord =
      im.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest = im.attrString("nearest_mode", "round_prefer_floor");
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return im.fail("unsupported mode '" + mode + "'");
  if (coord != "half_pixel" && coord != "pytorch_half_pixel" &&
      coord != "align_corners" && coord != "asymmetric" &&
      coord != "tf_half_pixel_for_nn" && coord != "tf_crop_and_resize")
    return im.fail("unsupported coordinate_transformation_mode '" + coord +
                   "'");
  if (nearest != "round_prefer_floor" && nearest != "round_prefer_ceil" &&
      nearest != "floor" && nearest != "ceil")
    return im.fail("unsupported nearest_mode '" + nearest + "'");
  if (im.attrString("keep_aspect_ratio_policy", "stretch") != "stretch" ||
      im.attrInt("antialias", 0) != 0)
    return im.fail("keep_aspect_ratio_policy and antialias are not "
                   "supported");
  double cubicA = im.attrFloat("cubic_coeff_a", -0.75f);
  bool excludeOutside = im.attrInt("exclude_outside", 0) != 0;
  double extrapolation = im.attrFloat("extrapolation_value", 0.0f);
  int64_t rank = xt.getRank();
  // The opset-18 `axes`: scales, sizes and roi list only these dimensions.
  SmallVector<int64_t> axes;
  if (std::optional<SmallVector<int64_t>> a = im.attrInts("axes")) {
    SmallVector<bool> seen(rank, false);
    for (int64_t v : *a) {
      FailureOr<int64_t> ax = im.normAxis(v, rank);
      if (failed(ax))
        return failure();
      if (seen[*ax])
        return im.fail("axes must not repeat");
      seen[*ax] = true;
      axes.push_back(*ax);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  int64_t nAxes = axes.size();
  SmallVector<double> roi;
  if (coord == "tf_crop_and_resize") {
    if (!givenConst(im, 1))
      return im.fail("tf_crop_and_resize needs a roi");
    const ConstTensor *c = im.constInput(1, "roi");
    if (!c)
      return failure();
    if (c->numElements() != 2 * nAxes)
      return im.fail("roi needs a start and an end per resized dimension");
    roi.assign(2 * rank, 0.0);
    for (int64_t d = 0; d < rank; ++d)
      roi[rank + d] = 1.0;
    for (int64_t i = 0; i < nAxes; ++i) {
      roi[axes[i]] = c->getDouble(i);
      roi[rank + axes[i]] = c->getDouble(nAxes + i);
    }
  }
  SmallVector<double> scales(rank, 1.0);
  SmallVector<int64_t> shape(xt.getShape());
  if (givenConst(im, 2)) {
    const ConstTensor *c = im.constInput(2, "scales");
    if (!c)
      return failure();
    if (c->numElements() != nAxes)
      return im.fail("scales needs one entry per resized dimension");
    for (int64_t i = 0; i < nAxes; ++i) {
      int64_t d = axes[i];
      double s = c->getDouble(i);
      if (!(s > 0))
        return im.fail("scales must be positive");
      scales[d] = s;
      shape[d] = static_cast<int64_t>(std::floor(xt.getDimSize(d) * s));
    }
  } else if (givenConst(im, 3)) {
    FailureOr<SmallVector<int64_t>> sizes = im.constInts(3, "sizes");
    if (failed(sizes))
      return failure();
    if (int64_t(sizes->size()) != nAxes)
      return im.fail("sizes needs one entry per resized dimension");
    for (int64_t i = 0; i < nAxes; ++i) {
      int64_t d = axes[i];
      shape[d] = (*sizes)[i];
      scales[d] = double(shape[d]) / double(xt.getDimSize(d));
    }
  } else {
    return im.fail("needs constant scales or sizes");
  }
  for (int64_t d : shape)
    if (d < 1)
      return im.fail("the output would be empty");
  auto &b = im.builder;
  im.setOutput(
      0, ResizeOp::create(
             b, im.loc, RankedTensorType::get(shape, xt.getElementType()), x,
             b.getDenseF64ArrayAttr(scales), b.getStringAttr(mode),
             b.getStringAttr(coord), b.getStringAttr(nearest),
             b.getF64FloatAttr(cubicA), b.getBoolAttr(excludeOutside),
             roi.empty() ? DenseF64ArrayAttr() : b.getDenseF64ArrayAttr(roi),
             b.getF64FloatAttr(extrapolation))
             .getResult());
  return success();
}

/// Upsample (opsets 7-9, deprecated): Resize with asymmetric coordinates,
/// `nearest` (floor) or `linear`; scales come from an attribute (opset 7)
/// or a constant input (opset 9).
static LogicalResult importUpsample(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto xt = Importer::typeOf(x);
  if (!isa<FloatType>(xt.getElementType()))
    return im.fail("unsupported element type (float expected)");
  SmallVector<double> scales;
  if (im.opset >= 9) {
    const ConstTensor *c = im.constInput(1, "scales");
    if (!c)
      return failure();
    for (int64_t i = 0; i < c->numElements(); ++i)
      scales.push_back(c->getDouble(i));
  } else if (const onnx::AttributeProto *a = im.attr("scales")) {
    scales.assign(a->floats().begin(), a->floats().end());
  }
  if (int64_t(scales.size()) != xt.getRank())
    return im.fail("scales needs one entry per dimension");
  std::string mode = im.attrString("mode", "nearest");
  if (mode == "bilinear")
    mode = "linear";
  if (mode != "nearest" && mode != "linear")
    return im.fail("unsupported mode '" + mode + "'");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < xt.getRank(); ++d) {
    if (!(scales[d] >= 1))
      return im.fail("scales must be >= 1");
    shape.push_back(
        static_cast<int64_t>(std::floor(xt.getDimSize(d) * scales[d])));
  }
  auto &b = im.builder;
  auto type = RankedTensorType::get(shape, xt.getElementType());
  im.setOutput(0, ResizeOp::create(b, im.loc, type, x,
                                   b.getDenseF64ArrayAttr(scales),
                                   b.getStringAttr(mode),
                                   b.getStringAttr("asymmetric"),
                                   b.getStringAttr("floor"),
                                   b.getF64FloatAttr(-0.75),
                                   b.getBoolAttr(false), DenseF64ArrayAttr(),
                                   b.getF64FloatAttr(0.0))
                      .getResult());
  return success();
}

void mlir::tessera::onnx_import::registerResizeOps(OpTable &t) {
  t["Resize"] = importResize;
  t["Upsample"] = importUpsample;
}
