// Resize (opset 11+): nearest and linear modes with constant scales or
// sizes; cubic, tf_crop_and_resize and the opset-18 axes are diagnosed.
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
  if (mode != "nearest" && mode != "linear")
    return im.fail("unsupported mode '" + mode + "'");
  if (coord != "half_pixel" && coord != "pytorch_half_pixel" &&
      coord != "align_corners" && coord != "asymmetric" &&
      coord != "tf_half_pixel_for_nn")
    return im.fail("unsupported coordinate_transformation_mode '" + coord +
                   "'");
  if (nearest != "round_prefer_floor" && nearest != "round_prefer_ceil" &&
      nearest != "floor" && nearest != "ceil")
    return im.fail("unsupported nearest_mode '" + nearest + "'");
  if (im.attr("axes") ||
      im.attrString("keep_aspect_ratio_policy", "stretch") != "stretch" ||
      im.attrInt("antialias", 0) != 0)
    return im.fail("axes, keep_aspect_ratio_policy and antialias are not "
                   "supported");
  int64_t rank = xt.getRank();
  SmallVector<double> scales;
  SmallVector<int64_t> shape;
  if (givenConst(im, 2)) {
    const ConstTensor *c = im.constInput(2, "scales");
    if (!c)
      return failure();
    if (c->numElements() != rank)
      return im.fail("scales needs one entry per dimension");
    for (int64_t d = 0; d < rank; ++d) {
      double s = c->getDouble(d);
      if (!(s > 0))
        return im.fail("scales must be positive");
      scales.push_back(s);
      shape.push_back(static_cast<int64_t>(std::floor(xt.getDimSize(d) * s)));
    }
  } else if (givenConst(im, 3)) {
    FailureOr<SmallVector<int64_t>> sizes = im.constInts(3, "sizes");
    if (failed(sizes))
      return failure();
    if (int64_t(sizes->size()) != rank)
      return im.fail("sizes needs one entry per dimension");
    shape = *sizes;
    for (int64_t d = 0; d < rank; ++d)
      scales.push_back(double(shape[d]) / double(xt.getDimSize(d)));
  } else {
    return im.fail("needs constant scales or sizes");
  }
  for (int64_t d : shape)
    if (d < 1)
      return im.fail("the output would be empty");
  auto &b = im.builder;
  im.setOutput(
      0, ResizeOp::create(b, im.loc,
                          RankedTensorType::get(shape, xt.getElementType()), x,
                          b.getDenseF64ArrayAttr(scales), b.getStringAttr(mode),
                          b.getStringAttr(coord), b.getStringAttr(nearest))
             .getResult());
  return success();
}

void mlir::tessera::onnx_import::registerResizeOps(OpTable &t) {
  t["Resize"] = importResize;
}
