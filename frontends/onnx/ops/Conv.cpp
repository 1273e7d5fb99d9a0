// Conv (1-D, 2-D and up): groups/depthwise, strides, dilations, explicit
// pads and auto_pad, optional bias.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// Reads a per-spatial-dimension attribute, defaulting every entry to `dflt`.
static FailureOr<SmallVector<int64_t>> spatialAttr(Importer &im, StringRef name,
                                                   int64_t k, int64_t dflt,
                                                   int64_t count) {
  auto v = im.attrInts(name);
  if (!v)
    return SmallVector<int64_t>(count, dflt);
  if (int64_t(v->size()) != count)
    return im.fail("attribute '" + name + "' needs " + Twine(count) +
                   " entries for " + Twine(k) + " spatial dimensions");
  return *v;
}

static LogicalResult importConv(Importer &im) {
  Value x = im.operand(0), w = im.operand(1);
  if (!x || !w)
    return failure();
  Value bias;
  if (im.hasInput(2) && !(bias = im.operand(2)))
    return failure();
  Value y = buildConv(im, x, w, bias);
  if (!y)
    return failure();
  im.setOutput(0, y);
  return success();
}

FailureOr<ConvGeometry>
mlir::tessera::onnx_import::convGeometry(Importer &im, RankedTensorType xt,
                                         RankedTensorType wt) {
  int64_t k = xt.getRank() - 2;
  if (k < 1 || wt.getRank() != xt.getRank())
    return im.fail("input and weight must share a rank >= 3");
  auto strides = spatialAttr(im, "strides", k, 1, k);
  auto dilations = spatialAttr(im, "dilations", k, 1, k);
  auto pads = spatialAttr(im, "pads", k, 0, 2 * k);
  if (failed(strides) || failed(dilations) || failed(pads))
    return failure();
  if (auto ks = im.attrInts("kernel_shape"))
    if (ArrayRef<int64_t>(*ks) != wt.getShape().drop_front(2))
      return im.fail("kernel_shape disagrees with the weight shape");
  int64_t group = im.attrInt("group", 1);
  int64_t c = xt.getDimSize(1), f = wt.getDimSize(0);
  if (group < 1 || c % group || f % group || wt.getDimSize(1) != c / group)
    return im.fail("group " + Twine(group) + " does not fit " + Twine(c) +
                   " input channels and weight " + Twine(wt.getDimSize(1)) +
                   " channels per group");
  std::string autoPad = im.attrString("auto_pad", "NOTSET");
  SmallVector<int64_t> shape = {xt.getDimSize(0), f};
  for (int64_t i = 0; i < k; ++i) {
    int64_t in = xt.getDimSize(i + 2), s = (*strides)[i], d = (*dilations)[i];
    int64_t span = d * (wt.getDimSize(i + 2) - 1) + 1;
    if (s < 1 || d < 1)
      return im.fail("strides and dilations must be positive");
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + span - in);
      int64_t small = total / 2;
      (*pads)[i] = autoPad == "SAME_UPPER" ? small : total - small;
      (*pads)[i + k] = total - (*pads)[i];
    } else if (autoPad == "VALID") {
      (*pads)[i] = (*pads)[i + k] = 0;
    } else if (autoPad != "NOTSET") {
      return im.fail("unsupported auto_pad '" + autoPad + "'");
    }
    int64_t padded = in + (*pads)[i] + (*pads)[i + k];
    if (padded < span)
      return im.fail("kernel is larger than the padded input");
    shape.push_back((padded - span) / s + 1);
  }
  return ConvGeometry{*strides, *pads, *dilations, group, shape};
}

/// The conv of the current node's attributes (Conv, ConvInteger, ...).
static FailureOr<Value> buildConvImpl(Importer &im, Value x, Value w,
                                      Value bias) {
  auto xt = Importer::typeOf(x), wt = Importer::typeOf(w);
  FailureOr<ConvGeometry> g = convGeometry(im, xt, wt);
  if (failed(g))
    return failure();
  if (!isa<FloatType>(xt.getElementType()) ||
      wt.getElementType() != xt.getElementType())
    return im.fail("unsupported element types (matching floats expected)");
  if (bias) {
    auto bt = Importer::typeOf(bias);
    if (bt.getRank() != 1 || bt.getDimSize(0) != wt.getDimSize(0))
      return im.fail("bias must have one entry per output channel");
  }
  auto type = RankedTensorType::get(g->outShape, xt.getElementType());
  return ConvOp::create(im.builder, im.loc, type, x, w, bias, Value(),
                        im.builder.getDenseI64ArrayAttr(g->strides),
                        im.builder.getDenseI64ArrayAttr(g->pads),
                        im.builder.getDenseI64ArrayAttr(g->dilations), g->group,
                        /*clamp_min=*/FloatAttr(), /*clamp_max=*/FloatAttr())
      .getResult();
}

Value mlir::tessera::onnx_import::buildConv(Importer &im, Value x, Value w,
                                           Value bias) {
  FailureOr<Value> y = buildConvImpl(im, x, w, bias);
  return failed(y) ? Value() : *y;
}

void mlir::tessera::onnx_import::registerConvOps(OpTable &t) {
  t["Conv"] = importConv;
}
