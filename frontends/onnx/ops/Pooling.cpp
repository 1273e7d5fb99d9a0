// MaxPool and AveragePool (1-D/2-D/3-D): kernel_shape, strides, pads,
// auto_pad, dilations, ceil_mode, count_include_pad.
#include "frontends/onnx/Importer.h"
#include "tessera/IR/PoolingShape.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
struct PoolAttrs {
  SmallVector<int64_t> kernel, strides, pads, dilations;
  bool ceilMode = false;
  SmallVector<int64_t> shape; // the result shape
};
} // namespace

/// A per-spatial-dimension attribute, every entry `dflt` when absent.
static FailureOr<SmallVector<int64_t>>
spatialInts(Importer &im, StringRef name, int64_t count, int64_t dflt) {
  auto v = im.attrInts(name);
  if (!v)
    return SmallVector<int64_t>(count, dflt);
  if (int64_t(v->size()) != count)
    return im.fail("attribute '" + name + "' needs " + Twine(count) +
                   " entries");
  return *v;
}

/// Reads and checks the window attributes and computes the result shape;
/// auto_pad becomes explicit pads.
static FailureOr<PoolAttrs> readPoolAttrs(Importer &im, RankedTensorType xt) {
  int64_t k = xt.getRank() - 2;
  if (k < 1)
    return im.fail("input must have rank >= 3 ([N, C, D1..Dk])");
  PoolAttrs p;
  auto kernel = im.attrInts("kernel_shape");
  if (!kernel)
    return im.fail("missing attribute 'kernel_shape'");
  if (int64_t(kernel->size()) != k)
    return im.fail("kernel_shape needs " + Twine(k) + " entries");
  p.kernel = *kernel;
  auto strides = spatialInts(im, "strides", k, 1);
  auto dilations = spatialInts(im, "dilations", k, 1);
  auto pads = spatialInts(im, "pads", 2 * k, 0);
  if (failed(strides) || failed(dilations) || failed(pads))
    return failure();
  p.strides = *strides;
  p.dilations = *dilations;
  p.pads = *pads;
  p.ceilMode = im.attrInt("ceil_mode", 0) != 0;
  std::string autoPad = im.attrString("auto_pad", "NOTSET");
  p.shape = {xt.getDimSize(0), xt.getDimSize(1)};
  for (int64_t i = 0; i < k; ++i) {
    int64_t in = xt.getDimSize(i + 2), s = p.strides[i], d = p.dilations[i];
    if (p.kernel[i] < 1 || s < 1 || d < 1)
      return im.fail("kernel_shape, strides and dilations must be positive");
    int64_t span = d * (p.kernel[i] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + span - in);
      int64_t small = total / 2;
      p.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      p.pads[i + k] = total - p.pads[i];
    } else if (autoPad == "VALID") {
      p.pads[i] = p.pads[i + k] = 0;
    } else if (autoPad != "NOTSET") {
      return im.fail("unsupported auto_pad '" + autoPad + "'");
    }
    if (p.pads[i] < 0 || p.pads[i + k] < 0)
      return im.fail("pads must be non-negative");
    int64_t out = poolOutputSize(in, p.kernel[i], s, d, p.pads[i],
                                 p.pads[i + k], p.ceilMode);
    if (out < 1)
      return im.fail("window is larger than the padded input");
    p.shape.push_back(out);
  }
  return p;
}

template <typename OpTy> static LogicalResult importPool(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto xt = Importer::typeOf(x);
  bool isMax = std::is_same_v<OpTy, MaxPoolOp>;
  Type et = xt.getElementType();
  if (isMax ? et.isInteger(1) : !isa<FloatType>(et))
    return im.fail("unsupported element type");
  if (isMax && im.hasOutput(1))
    return im.fail("the Indices output of MaxPool is not supported");
  if (im.attrInt("storage_order", 0) != 0)
    return im.fail("storage_order = 1 is not supported");
  FailureOr<PoolAttrs> p = readPoolAttrs(im, xt);
  if (failed(p))
    return failure();
  auto type = RankedTensorType::get(p->shape, et);
  auto &b = im.builder;
  auto kernel = b.getDenseI64ArrayAttr(p->kernel);
  auto strides = b.getDenseI64ArrayAttr(p->strides);
  auto pads = b.getDenseI64ArrayAttr(p->pads);
  auto dilations = b.getDenseI64ArrayAttr(p->dilations);
  Value y;
  if constexpr (std::is_same_v<OpTy, MaxPoolOp>)
    y = MaxPoolOp::create(b, im.loc, type, x, kernel, strides, pads, dilations,
                          p->ceilMode);
  else
    y = AvgPoolOp::create(b, im.loc, type, x, kernel, strides, pads, dilations,
                          p->ceilMode, im.attrInt("count_include_pad", 0) != 0);
  im.setOutput(0, y);
  return success();
}

void mlir::tessera::onnx_import::registerPoolingOps(OpTable &t) {
  t["MaxPool"] = importPool<MaxPoolOp>;
  t["AveragePool"] = importPool<AvgPoolOp>;
}
