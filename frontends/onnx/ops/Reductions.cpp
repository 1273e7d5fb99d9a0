// Reductions (ReduceSum/Mean/Max/Min/Prod, ArgMax/ArgMin), Softmax,
// LogSoftmax and LayerNormalization.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// Reads the axes of a Reduce* node: an attribute before `inputOpset`, the
/// optional second input from then on. Empty means "all" unless
/// noop_with_empty_axes.
static FailureOr<SmallVector<int64_t>>
reduceAxes(Importer &im, int64_t rank, int64_t inputOpset, bool &noop) {
  SmallVector<int64_t> raw;
  noop = false;
  if (im.opset >= inputOpset) {
    if (im.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> axes = im.constInts(1, "axes");
      if (failed(axes))
        return failure();
      raw = *axes;
    }
    noop = raw.empty() && im.attrInt("noop_with_empty_axes", 0);
  } else if (auto axes = im.attrInts("axes")) {
    raw = *axes;
  }
  SmallVector<int64_t> axes;
  for (int64_t a : raw) {
    FailureOr<int64_t> n = im.normAxis(a, rank);
    if (failed(n))
      return failure();
    axes.push_back(*n);
  }
  if (raw.empty())
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

template <typename OpTy>
static LogicalResult importReduce(Importer &im, int64_t inputOpset,
                                  bool floatOnly) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  if (floatOnly && !isa<FloatType>(t.getElementType()))
    return im.fail("unsupported element type (float expected)");
  bool noop;
  FailureOr<SmallVector<int64_t>> axes =
      reduceAxes(im, t.getRank(), inputOpset, noop);
  if (failed(axes))
    return failure();
  if (noop) {
    im.setOutput(0, x);
    return success();
  }
  bool keep = im.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (!llvm::is_contained(*axes, d))
      shape.push_back(t.getDimSize(d));
    else if (keep)
      shape.push_back(1);
  im.setOutput(0, OpTy::create(im.builder, im.loc,
                               RankedTensorType::get(shape, t.getElementType()),
                               x, im.builder.getDenseI64ArrayAttr(*axes),
                               im.builder.getBoolAttr(keep))
                      .getResult());
  return success();
}

template <typename OpTy> static LogicalResult importArgReduce(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), t.getRank());
  if (failed(axis))
    return failure();
  bool keep = im.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d)
    if (d != *axis)
      shape.push_back(t.getDimSize(d));
    else if (keep)
      shape.push_back(1);
  auto type = RankedTensorType::get(shape, im.builder.getI64Type());
  im.setOutput(0, OpTy::create(im.builder, im.loc, type, x, *axis, keep,
                               im.attrInt("select_last_index", 0) != 0)
                      .getResult());
  return success();
}

/// Softmax/LogSoftmax. Before opset 13 the input is coerced to 2-D at
/// `axis` (default 1), so reshape around a last-axis softmax.
template <typename OpTy> static LogicalResult importSoftmax(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  if (!isa<FloatType>(t.getElementType()))
    return im.fail("unsupported element type (float expected)");
  if (t.getRank() == 0)
    return im.fail("Softmax input must have rank >= 1");
  bool legacy = im.opset < 13;
  FailureOr<int64_t> axis =
      im.normAxis(im.attrInt("axis", legacy ? 1 : -1), t.getRank());
  if (failed(axis))
    return failure();
  if (!legacy || *axis == t.getRank() - 1) {
    im.setOutput(0, OpTy::create(im.builder, im.loc, t, x, *axis).getResult());
    return success();
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < t.getRank(); ++d)
    (d < *axis ? outer : inner) *= t.getDimSize(d);
  Value flat = im.reshape(x, {outer, inner});
  Value r = OpTy::create(im.builder, im.loc, Importer::typeOf(flat), flat, 1)
                .getResult();
  im.setOutput(0, im.reshape(r, t.getShape()));
  return success();
}

/// LayerNormalization with its Mean and InvStdDev outputs, spelled out:
/// the statistics are computed in the stash type (f32 by default) and keep
/// the normalized dimensions as size 1.
static LogicalResult importLayerNormWithStats(Importer &im, Value x,
                                              Value scale, Value bias,
                                              int64_t axis, float eps) {
  auto t = Importer::typeOf(x);
  Type stash = im.builder.getF32Type();
  if (im.attrInt("stash_type", 1) != 1) {
    FailureOr<Type> et =
        elementTypeFor(im.ctx, int32_t(im.attrInt("stash_type", 1)));
    if (failed(et) || !isa<FloatType>(*et))
      return im.fail("stash_type must name a float type");
    stash = *et;
  }
  auto cast = [&](Value v, Type et) {
    auto vt = Importer::typeOf(v);
    if (vt.getElementType() == et)
      return v;
    return im.create<CastOp>(vt.clone(et), v);
  };
  SmallVector<int64_t> axes, statShape(t.getShape());
  for (int64_t d = axis; d < t.getRank(); ++d) {
    axes.push_back(d);
    statShape[d] = 1;
  }
  auto full = RankedTensorType::get(t.getShape(), stash);
  auto stat = RankedTensorType::get(statShape, stash);
  auto mean = [&](Value v) {
    return im.create<ReduceMeanOp>(stat, v,
                                   im.builder.getDenseI64ArrayAttr(axes),
                                   im.builder.getBoolAttr(true));
  };
  Value xs = cast(x, stash);
  Value mu = mean(xs);
  Value d = im.create<SubOp>(full, xs, mu);
  Value var = mean(im.create<MulOp>(full, d, d));
  Value inv = im.create<RsqrtOp>(
      stat, im.create<AddOp>(stat, var, im.scalar(stash, eps)));
  Value y = cast(im.create<MulOp>(full, d, inv), t.getElementType());
  y = im.create<MulOp>(t, y, scale);
  if (bias)
    y = im.create<AddOp>(t, y, bias);
  im.setOutput(0, y);
  im.setOutput(1, mu);
  im.setOutput(2, inv);
  return success();
}

static LogicalResult importLayerNorm(Importer &im) {
  Value x = im.operand(0), scale = im.operand(1);
  if (!x || !scale)
    return failure();
  auto t = Importer::typeOf(x);
  if (!isa<FloatType>(t.getElementType()))
    return im.fail("unsupported element type (float expected)");
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", -1), t.getRank());
  if (failed(axis))
    return failure();
  Value bias;
  if (im.hasInput(2) && !(bias = im.operand(2)))
    return failure();
  ArrayRef<int64_t> normShape = t.getShape().drop_front(*axis);
  for (Value p : {scale, bias}) {
    if (!p)
      continue;
    auto pt = Importer::typeOf(p);
    SmallVector<int64_t> shape;
    if (pt.getElementType() != t.getElementType() ||
        pt.getRank() > int64_t(normShape.size()) ||
        failed(broadcastShapes(pt.getShape(), normShape, shape)) ||
        ArrayRef<int64_t>(shape) != normShape)
      return im.fail("Scale and B must broadcast to the normalized shape");
  }
  float eps = im.attrFloat("epsilon", 1e-5f);
  if (im.hasOutput(1) || im.hasOutput(2))
    return importLayerNormWithStats(im, x, scale, bias, *axis, eps);
  im.setOutput(0, LayerNormOp::create(im.builder, im.loc, t, x, scale, bias,
                                      im.builder.getI64IntegerAttr(*axis),
                                      im.builder.getF32FloatAttr(eps))
                      .getResult());
  return success();
}

/// GlobalAveragePool/GlobalMaxPool: a keepdims reduction over the spatial
/// dimensions of [N, C, D1..Dk].
template <typename OpTy> static LogicalResult importGlobalPool(Importer &im) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  if (t.getRank() < 3 || !isa<FloatType>(t.getElementType()))
    return im.fail("input must be a float tensor of rank >= 3");
  SmallVector<int64_t> axes, shape(t.getShape());
  for (int64_t d = 2; d < t.getRank(); ++d) {
    axes.push_back(d);
    shape[d] = 1;
  }
  im.setOutput(0, OpTy::create(im.builder, im.loc,
                               RankedTensorType::get(shape, t.getElementType()),
                               x, im.builder.getDenseI64ArrayAttr(axes),
                               im.builder.getBoolAttr(true))
                      .getResult());
  return success();
}

void mlir::tessera::onnx_import::registerReductionOps(OpTable &t) {
  t["GlobalAveragePool"] = importGlobalPool<ReduceMeanOp>;
  t["GlobalMaxPool"] = importGlobalPool<ReduceMaxOp>;
  t["ReduceSum"] = [](Importer &im) {
    return importReduce<ReduceSumOp>(im, 13, false);
  };
  t["ReduceMean"] = [](Importer &im) {
    return importReduce<ReduceMeanOp>(im, 18, true);
  };
  t["ReduceMax"] = [](Importer &im) {
    return importReduce<ReduceMaxOp>(im, 18, false);
  };
  t["ReduceMin"] = [](Importer &im) {
    return importReduce<ReduceMinOp>(im, 18, false);
  };
  t["ReduceProd"] = [](Importer &im) {
    return importReduce<ReduceProdOp>(im, 18, false);
  };
  t["ArgMax"] = importArgReduce<ArgMaxOp>;
  t["ArgMin"] = importArgReduce<ArgMinOp>;
  t["Softmax"] = importSoftmax<SoftmaxOp>;
  t["LogSoftmax"] = importSoftmax<LogSoftmaxOp>;
  t["LayerNormalization"] = importLayerNorm;
}
