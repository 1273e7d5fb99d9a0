// Constants and the rest: Constant, ConstantOfShape, Range, Identity,
// Dropout (inference), Cast/CastLike, CumSum, Trilu.
#include "frontends/onnx/Importer.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

static LogicalResult importConstant(Importer &im) {
  if (im.node->attribute_size() != 1)
    return im.fail("Constant needs exactly one value attribute");
  const onnx::AttributeProto &a = im.node->attribute(0);
  auto i64 = im.builder.getI64Type();
  auto f32 = im.builder.getF32Type();
  if (a.name() == "value") {
    std::string error;
    std::optional<TensorInfo> info =
        loadTensor(im.ctx, a.t(), im.nodeName, im.modelDir, error);
    if (!info)
      return im.fail("value: " + error);
    if (im.hasOutput(0))
      im.values[im.node->output(0)] = std::move(*info);
    return success();
  }
  if (a.name() == "value_float") {
    im.setConst(0, makeConstF(RankedTensorType::get({}, f32), {a.f()}));
  } else if (a.name() == "value_floats") {
    SmallVector<double> v(a.floats().begin(), a.floats().end());
    im.setConst(0,
                makeConstF(RankedTensorType::get({int64_t(v.size())}, f32), v));
  } else if (a.name() == "value_int") {
    im.setConst(0, makeConst(RankedTensorType::get({}, i64), {a.i()}));
  } else if (a.name() == "value_ints") {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    im.setConst(0,
                makeConst(RankedTensorType::get({int64_t(v.size())}, i64), v));
  } else {
    return im.fail("unsupported attribute '" + a.name() + "'");
  }
  return success();
}

static LogicalResult importConstantOfShape(Importer &im) {
  auto shape = im.constInts(0, "shape");
  if (failed(shape))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return im.fail("negative dimension in shape");
  ConstTensor value =
      makeConstF(RankedTensorType::get({}, im.builder.getF32Type()), {0.0});
  if (const auto *a = im.attr("value")) {
    std::string error;
    std::optional<TensorInfo> info =
        loadTensor(im.ctx, a->t(), im.nodeName, im.modelDir, error);
    if (!info || !info->constant || info->type.getNumElements() != 1)
      return im.fail("value must be a one-element tensor" +
                     (error.empty() ? "" : ": " + error));
    value = *info->constant;
  }
  ConstTensor c = value;
  c.type = RankedTensorType::get(*shape, value.type.getElementType());
  c.splat = true;
  im.setConst(0, c);
  return success();
}

static LogicalResult importRange(Importer &im) {
  const ConstTensor *start = im.constInput(0, "start");
  const ConstTensor *limit = start ? im.constInput(1, "limit") : nullptr;
  const ConstTensor *delta = limit ? im.constInput(2, "delta") : nullptr;
  if (!delta)
    return failure();
  double s = start->getDouble(0), l = limit->getDouble(0),
         d = delta->getDouble(0);
  if (d == 0)
    return im.fail("delta is zero");
  int64_t n = std::max<int64_t>(0, int64_t(std::ceil((l - s) / d)));
  if (n > kFoldLimit)
    return im.fail("Range of " + Twine(n) + " elements is too large to fold");
  SmallVector<double> vals;
  for (int64_t i = 0; i < n; ++i)
    vals.push_back(s + i * d);
  im.setConst(
      0, makeConstF(RankedTensorType::get({n}, start->type.getElementType()),
                    vals));
  return success();
}

/// Identity and inference-mode Dropout forward their input unchanged.
static LogicalResult importIdentity(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  if (im.node->op_type() == "Dropout" && im.hasInput(2)) {
    const ConstTensor *training = im.constInput(2, "training_mode");
    if (!training)
      return failure();
    // Training mode with ratio 0 (torchvision's Swin exports it) is still
    // the identity.
    TensorInfo *ratio = im.hasInput(1) ? im.input(1) : nullptr;
    bool zeroRatio =
        ratio && ratio->constant && ratio->constant->getDouble(0) == 0;
    if (training->getInt(0) && !zeroRatio)
      return im.fail(
          "training_mode = true with a nonzero ratio is not supported");
  }
  if (im.hasOutput(0))
    im.values[im.node->output(0)] = *x;
  if (im.hasOutput(1)) // Dropout's mask: all true at inference
    im.setConst(1, makeSplat(RankedTensorType::get(x->type.getShape(),
                                                   im.builder.getI1Type()),
                             1));
  return success();
}

static LogicalResult castTo(Importer &im, Type et) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  auto type = RankedTensorType::get(x->type.getShape(), et);
  if (x->constant) {
    im.setConst(0, castConst(*x->constant, et));
    return success();
  }
  Value v = im.materialize(*x);
  im.setOutput(0, type == x->type ? v : im.create<CastOp>(type, v));
  return success();
}

static LogicalResult importCast(Importer &im) {
  int64_t to = im.attrInt("to", 0);
  FailureOr<Type> et = elementTypeFor(im.ctx, to);
  if (failed(et))
    return im.fail("unsupported target type " + onnxTypeName(to));
  // Float to a narrow unsigned type: convert to i64 first, then truncate,
  // so that values above the signed range keep their bits.
  TensorInfo *x = im.input(0);
  if (x && isUnsignedOnnxType(int32_t(to)) && !x->constant &&
      isa<FloatType>(x->type.getElementType())) {
    Value wide = im.create<CastOp>(x->type.clone(im.builder.getI64Type()),
                                   im.materialize(*x));
    im.setOutput(0, im.create<CastOp>(x->type.clone(*et), wide));
    return success();
  }
  return castTo(im, *et);
}

static LogicalResult importCastLike(Importer &im) {
  TensorInfo *like = im.input(1);
  return like ? castTo(im, like->type.getElementType()) : failure();
}

static LogicalResult importCumSum(Importer &im) {
  Value x = im.operand(0);
  auto axisV = im.constInts(1, "axis");
  if (!x || failed(axisV))
    return failure();
  auto t = Importer::typeOf(x);
  if (axisV->size() != 1)
    return im.fail("axis must be a scalar");
  FailureOr<int64_t> axis = im.normAxis((*axisV)[0], t.getRank());
  if (failed(axis))
    return failure();
  im.setOutput(0, CumSumOp::create(im.builder, im.loc, t, x, *axis,
                                   im.attrInt("exclusive", 0) != 0,
                                   im.attrInt("reverse", 0) != 0)
                      .getResult());
  return success();
}

static ConstTensor foldTrilu(const ConstTensor &in, bool upper, int64_t k) {
  int64_t rows = in.type.getDimSize(in.type.getRank() - 2);
  int64_t cols = in.type.getDimSize(in.type.getRank() - 1);
  SmallVector<double> vals;
  for (int64_t i = 0, e = in.numElements(); i < e; ++i) {
    int64_t diag = i % cols - (i / cols) % rows;
    bool keep = upper ? diag >= k : diag <= k;
    vals.push_back(keep ? in.getDouble(i) : 0.0);
  }
  return makeConstF(in.type, vals);
}

static LogicalResult importTrilu(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  if (x->type.getRank() < 2)
    return im.fail("Trilu input must have rank >= 2");
  int64_t k = 0;
  if (im.hasInput(1)) {
    auto kv = im.constInts(1, "k");
    if (failed(kv))
      return failure();
    if (kv->size() != 1)
      return im.fail("k must be a scalar");
    k = (*kv)[0];
  }
  bool upper = im.attrInt("upper", 1) != 0;
  if (x->constant && x->type.getNumElements() <= kFoldLimit) {
    im.setConst(0, foldTrilu(*x->constant, upper, k));
    return success();
  }
  im.setOutput(0, TriluOp::create(im.builder, im.loc, x->type,
                                  im.materialize(*x), upper, k)
                      .getResult());
  return success();
}

/// ScatterND has no tessera op; torch exports it for in-place writes into
/// constant masks (Swin's shifted windows), so it must fold.
static LogicalResult importScatterND(Importer &im) {
  TensorInfo *data = im.input(0), *idx = im.input(1), *upd = im.input(2);
  if (!data || !idx || !upd)
    return failure();
  if (im.attrString("reduction", "none") != "none")
    return im.fail("unsupported reduction '" + im.attrString("reduction", "") +
                   "'");
  if (!data->constant || !idx->constant || !upd->constant ||
      data->type.getNumElements() > kFoldLimit)
    return im.fail("only ScatterND on constants known at import time is "
                   "supported");
  ArrayRef<int64_t> shape = data->type.getShape();
  int64_t k = idx->type.getRank() ? idx->type.getShape().back() : 0;
  if (idx->type.getRank() < 1 || k > int64_t(shape.size()))
    return im.fail("indices must have rank >= 1 and at most " +
                   Twine(shape.size()) + " entries per index");
  SmallVector<int64_t> strides = stridesOf(shape);
  // Elements per index: the product of the dimensions after the first k.
  int64_t slice = k == 0 ? data->type.getNumElements() : strides[k - 1];
  ConstTensor out = *data->constant;
  if (out.splat) {
    out.splat = false;
    int64_t total = data->type.getNumElements();
    if (out.isFloat())
      out.floats.assign(total, out.floats[0]);
    else
      out.ints.assign(total, out.ints[0]);
  }
  int64_t n = idx->type.getNumElements() / std::max<int64_t>(k, 1);
  if (upd->type.getNumElements() != n * slice)
    return im.fail("updates have the wrong number of elements");
  for (int64_t i = 0; i < n; ++i) {
    int64_t base = 0;
    for (int64_t d = 0; d < k; ++d) {
      int64_t v = idx->constant->getInt(i * k + d);
      if (v < 0)
        v += shape[d];
      if (v < 0 || v >= shape[d])
        return im.fail("index out of range");
      base += v * strides[d];
    }
    for (int64_t j = 0; j < slice; ++j) {
      if (out.isFloat())
        out.floats[base + j] = upd->constant->getDouble(i * slice + j);
      else
        out.ints[base + j] = upd->constant->getInt(i * slice + j);
    }
  }
  im.setConst(0, out);
  return success();
}

void mlir::tessera::onnx_import::registerMiscOps(OpTable &t) {
  t["ScatterND"] = importScatterND;
  t["Constant"] = importConstant;
  t["ConstantOfShape"] = importConstantOfShape;
  t["Range"] = importRange;
  t["Identity"] = importIdentity;
  t["Dropout"] = importIdentity;
  t["Cast"] = importCast;
  t["CastLike"] = importCastLike;
  t["CumSum"] = importCumSum;
  t["Trilu"] = importTrilu;
}
