// MaxPool (with its Indices output) and AveragePool (1-D/2-D/3-D):
// kernel_shape, strides, pads, auto_pad, dilations, ceil_mode,
// count_include_pad; MaxUnpool.
#include "frontends/onnx/Importer.h"
#include "tessera/IR/PoolingShape.h"

#include <limits>

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

static Value maxPoolIndices(Importer &im, Value x, const PoolAttrs &p,
                            bool columnMajor);

template <typename OpTy> static LogicalResult importPool(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto xt = Importer::typeOf(x);
  bool isMax = std::is_same_v<OpTy, MaxPoolOp>;
  Type et = xt.getElementType();
  if (isMax ? et.isInteger(1) : !isa<FloatType>(et))
    return im.fail("unsupported element type");
  int64_t storageOrder = im.attrInt("storage_order", 0);
  if (storageOrder != 0 && storageOrder != 1)
    return im.fail("storage_order must be 0 or 1");
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
  if (isMax && im.hasOutput(1)) {
    if (!isa<FloatType>(et))
      return im.fail("the Indices output needs a float input");
    im.setOutput(1, maxPoolIndices(im, x, *p, storageOrder == 1));
  }
  return success();
}

/// MaxPool's Indices output: the flat index into x of each window's first
/// maximum (spatial dimensions row-major, or column-major for
/// storage_order = 1). Every window tap is a strided slice of x padded
/// with -inf; a running strict `>` keeps the first maximum, and each tap's
/// flat indices are built by broadcasting small per-dimension constants.
static Value maxPoolIndices(Importer &im, Value x, const PoolAttrs &p,
                            bool columnMajor) {
  auto xt = Importer::typeOf(x);
  int64_t k = xt.getRank() - 2;
  Type i64 = im.builder.getI64Type(), i1 = im.builder.getI1Type();
  auto outType = RankedTensorType::get(p.shape, xt.getElementType());
  // Pad so that every tap of every window is in range.
  SmallVector<int64_t> pads(2 * (k + 2), 0);
  for (int64_t i = 0; i < k; ++i) {
    int64_t need = (p.shape[i + 2] - 1) * p.strides[i] +
                   p.dilations[i] * (p.kernel[i] - 1) + 1;
    pads[i + 2] = p.pads[i];
    pads[i + 2 + k + 2] = need - p.pads[i] - xt.getDimSize(i + 2);
  }
  Value xp = im.pad(x, pads, -std::numeric_limits<double>::infinity());
  // (n * C + c) * prod(spatial), as [N, C, 1, ..., 1].
  SmallVector<int64_t> ncShape(k + 2, 1), ncVals;
  ncShape[0] = xt.getDimSize(0);
  ncShape[1] = xt.getDimSize(1);
  int64_t plane = 1;
  for (int64_t i = 0; i < k; ++i)
    plane *= xt.getDimSize(i + 2);
  for (int64_t nc = 0; nc < ncShape[0] * ncShape[1]; ++nc)
    ncVals.push_back(nc * plane);
  Value base =
      im.constant(makeConst(RankedTensorType::get(ncShape, i64), ncVals));
  auto idxType = RankedTensorType::get(p.shape, i64);
  Value best, bestIdx;
  SmallVector<int64_t> tap(k, 0);
  for (;;) {
    SmallVector<int64_t> starts(k + 2, 0), steps(k + 2, 1);
    Value flat = base;
    for (int64_t i = 0; i < k; ++i) {
      starts[i + 2] = tap[i] * p.dilations[i];
      steps[i + 2] = p.strides[i];
      int64_t stride = 1;
      for (int64_t j = 0; j < k; ++j)
        if (columnMajor ? j < i : j > i)
          stride *= xt.getDimSize(j + 2);
      SmallVector<int64_t> dimShape(k + 2, 1), vals;
      dimShape[i + 2] = p.shape[i + 2];
      for (int64_t o = 0; o < p.shape[i + 2]; ++o)
        vals.push_back((o * p.strides[i] + starts[i + 2] - p.pads[i]) * stride);
      Value term =
          im.constant(makeConst(RankedTensorType::get(dimShape, i64), vals));
      SmallVector<int64_t> shape;
      (void)broadcastShapes(Importer::typeOf(flat).getShape(), dimShape, shape);
      flat = im.create<AddOp>(RankedTensorType::get(shape, i64), flat, term);
    }
    Value v = SliceOp::create(im.builder, im.loc, outType, xp,
                              im.builder.getDenseI64ArrayAttr(starts),
                              im.builder.getDenseI64ArrayAttr(steps))
                  .getResult();
    if (Importer::typeOf(flat) != idxType)
      flat = im.create<BroadcastToOp>(idxType, flat);
    if (!best) {
      best = v;
      bestIdx = flat;
    } else {
      Value better = im.create<GreaterOp>(outType.clone(i1), v, best);
      bestIdx = im.create<WhereOp>(idxType, better, flat, bestIdx);
      best = im.create<WhereOp>(outType, better, v, best);
    }
    int64_t i = k - 1;
    while (i >= 0 && ++tap[i] == p.kernel[i])
      tap[i--] = 0;
    if (i < 0)
      break;
  }
  return bestIdx;
}

/// MaxUnpool: scatters X to the flat Indices of a zero tensor of the
/// unpooled shape (from output_shape, else the pooling attributes).
static LogicalResult importMaxUnpool(Importer &im) {
  Value x = im.operand(0), idx = im.operand(1);
  if (!x || !idx)
    return failure();
  auto xt = Importer::typeOf(x), it = Importer::typeOf(idx);
  int64_t k = xt.getRank() - 2;
  if (k < 1 || it.getShape() != xt.getShape())
    return im.fail("X and I must have one shape of rank >= 3");
  auto kernel = im.attrInts("kernel_shape");
  if (!kernel || int64_t(kernel->size()) != k)
    return im.fail("kernel_shape needs " + Twine(k) + " entries");
  auto strides = spatialInts(im, "strides", k, 1);
  auto pads = spatialInts(im, "pads", 2 * k, 0);
  if (failed(strides) || failed(pads))
    return failure();
  SmallVector<int64_t> shape = {xt.getDimSize(0), xt.getDimSize(1)};
  for (int64_t i = 0; i < k; ++i)
    shape.push_back(((xt.getDimSize(i + 2) - 1) * (*strides)[i] +
                     (*kernel)[i]) - (*pads)[i] - (*pads)[i + k]);
  // Indices address the default unpooled shape; an output_shape then pads
  // (or crops) at the end of each spatial dimension, as the ONNX reference.
  SmallVector<int64_t> finalShape(shape);
  if (im.hasInput(2)) {
    FailureOr<SmallVector<int64_t>> given = im.constInts(2, "output_shape");
    if (failed(given))
      return failure();
    if (int64_t(given->size()) != k + 2 || (*given)[0] != shape[0] ||
        (*given)[1] != shape[1])
      return im.fail("output_shape needs " + Twine(k + 2) +
                     " entries that keep N and C");
    finalShape.assign(given->begin(), given->end());
  }
  int64_t total = 1, n = xt.getNumElements();
  for (int64_t d : shape)
    total *= d;
  Type et = xt.getElementType();
  auto flatType = RankedTensorType::get({total}, et);
  Value zeros = im.constant(makeSplat(flatType, 0.0));
  Value updates = im.reshape(x, {n});
  Value flatIdx = im.reshape(idx, {n});
  Value y = ScatterElementsOp::create(im.builder, im.loc, flatType, zeros,
                                      flatIdx, updates,
                                      im.builder.getI64IntegerAttr(0),
                                      im.builder.getStringAttr("none"))
                .getResult();
  y = im.reshape(y, shape);
  if (finalShape != shape) {
    SmallVector<int64_t> pads(2 * (k + 2), 0);
    for (int64_t i = 2; i < k + 2; ++i)
      pads[i + k + 2] = finalShape[i] - shape[i];
    y = im.pad(y, pads, 0.0);
  }
  im.setOutput(0, y);
  return success();
}

void mlir::tessera::onnx_import::registerPoolingOps(OpTable &t) {
  t["MaxUnpool"] = importMaxUnpool;
  t["MaxPool"] = importPool<MaxPoolOp>;
  t["AveragePool"] = importPool<AvgPoolOp>;
}
