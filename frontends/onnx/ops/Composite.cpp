// Ops that decompose into existing tessera ops: ReduceL1/L2/LogSum/
// LogSumExp/SumSquare, DepthToSpace/SpaceToDepth, OneHot (constant depth)
// and EyeLike (a constant).
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
struct ReduceSpec {
  SmallVector<int64_t> axes;
  bool keepdims = true, noop = false;
};
} // namespace

/// Axes from the attribute (opset < 18) or the optional second input;
/// empty means all unless noop_with_empty_axes.
static FailureOr<ReduceSpec> readReduce(Importer &im, int64_t rank) {
  ReduceSpec r;
  r.keepdims = im.attrInt("keepdims", 1) != 0;
  SmallVector<int64_t> raw;
  if (im.opset >= 18) {
    if (im.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> axes = im.constInts(1, "axes");
      if (failed(axes))
        return failure();
      raw = *axes;
    }
    r.noop = raw.empty() && im.attrInt("noop_with_empty_axes", 0);
  } else if (auto axes = im.attrInts("axes")) {
    raw = *axes;
  }
  for (int64_t a : raw) {
    FailureOr<int64_t> n = im.normAxis(a, rank);
    if (failed(n))
      return failure();
    r.axes.push_back(*n);
  }
  if (raw.empty())
    for (int64_t d = 0; d < rank; ++d)
      r.axes.push_back(d);
  llvm::sort(r.axes);
  r.axes.erase(std::unique(r.axes.begin(), r.axes.end()), r.axes.end());
  return r;
}

template <typename OpTy>
static Value reduce(Importer &im, Value x, ArrayRef<int64_t> axes,
                    bool keepdims) {
  auto t = Importer::typeOf(x);
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(t.getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  return OpTy::create(im.builder, im.loc,
                      RankedTensorType::get(shape, t.getElementType()), x,
                      im.builder.getDenseI64ArrayAttr(axes),
                      im.builder.getBoolAttr(keepdims))
      .getResult();
}

enum class Composite { L1, L2, LogSum, LogSumExp, SumSquare };

static LogicalResult importCompositeReduce(Importer &im, Composite kind) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  bool needsFloat = kind != Composite::L1 && kind != Composite::SumSquare;
  if (t.getElementType().isInteger(1) ||
      (needsFloat && !isa<FloatType>(t.getElementType())))
    return im.fail("unsupported element type");
  FailureOr<ReduceSpec> r = readReduce(im, t.getRank());
  if (failed(r))
    return failure();
  if (r->noop) {
    im.setOutput(0, x);
    return success();
  }
  Value y;
  switch (kind) {
  case Composite::L1:
    y = reduce<ReduceSumOp>(im, im.create<AbsOp>(t, x), r->axes, r->keepdims);
    break;
  case Composite::SumSquare:
  case Composite::L2: {
    y = reduce<ReduceSumOp>(im, im.create<MulOp>(t, x, x), r->axes,
                            r->keepdims);
    if (kind == Composite::L2)
      y = im.create<SqrtOp>(Importer::typeOf(y), y);
    break;
  }
  case Composite::LogSum:
    y = reduce<ReduceSumOp>(im, x, r->axes, r->keepdims);
    y = im.create<LogOp>(Importer::typeOf(y), y);
    break;
  case Composite::LogSumExp: {
    // log(sum(exp(x - m))) + m with m the maximum, for stability.
    Value m = reduce<ReduceMaxOp>(im, x, r->axes, true);
    Value e = im.create<ExpOp>(t, im.create<SubOp>(t, x, m));
    Value s = reduce<ReduceSumOp>(im, e, r->axes, true);
    auto st = Importer::typeOf(s);
    y = im.create<AddOp>(st, im.create<LogOp>(st, s), m);
    if (!r->keepdims) {
      SmallVector<int64_t> shape;
      for (int64_t d = 0; d < t.getRank(); ++d)
        if (!llvm::is_contained(r->axes, d))
          shape.push_back(t.getDimSize(d));
      y = im.reshape(y, shape);
    }
    break;
  }
  }
  im.setOutput(0, y);
  return success();
}

/// DepthToSpace (DCR or CRD) and SpaceToDepth: reshape, transpose, reshape.
static LogicalResult importDepthSpace(Importer &im, bool toSpace) {
  Value x = im.operand(0);
  if (!x)
    return failure();
  auto t = Importer::typeOf(x);
  int64_t b = im.attrInt("blocksize", 0);
  if (t.getRank() != 4 || b < 1)
    return im.fail("needs a rank-4 input and a positive blocksize");
  int64_t n = t.getDimSize(0), c = t.getDimSize(1), h = t.getDimSize(2),
          w = t.getDimSize(3);
  if (toSpace) {
    if (c % (b * b))
      return im.fail("channels must be divisible by blocksize^2");
    std::string mode = im.attrString("mode", "DCR");
    Value y;
    if (mode == "DCR")
      y = im.transpose(im.reshape(x, {n, b, b, c / (b * b), h, w}),
                       {0, 3, 4, 1, 5, 2});
    else if (mode == "CRD")
      y = im.transpose(im.reshape(x, {n, c / (b * b), b, b, h, w}),
                       {0, 1, 4, 2, 5, 3});
    else
      return im.fail("unsupported mode '" + mode + "'");
    im.setOutput(0, im.reshape(y, {n, c / (b * b), h * b, w * b}));
    return success();
  }
  if (h % b || w % b)
    return im.fail("spatial dims must be divisible by blocksize");
  Value y = im.transpose(im.reshape(x, {n, c, h / b, b, w / b, b}),
                         {0, 3, 5, 1, 2, 4});
  im.setOutput(0, im.reshape(y, {n, c * b * b, h / b, w / b}));
  return success();
}

/// OneHot: equal(indices (wrapped), range(depth)) selects on/off values.
static LogicalResult importOneHot(Importer &im) {
  Value idx = im.operand(0);
  const ConstTensor *depthC = idx ? im.constInput(1, "depth") : nullptr;
  TensorInfo *values = depthC ? im.input(2) : nullptr;
  if (!values)
    return failure();
  if (depthC->numElements() != 1 || values->type.getNumElements() != 2)
    return im.fail("depth must be a scalar and values hold [off, on]");
  int64_t depth = static_cast<int64_t>(depthC->getDouble(0));
  if (depth < 1)
    return im.fail("depth must be positive");
  auto it = Importer::typeOf(idx);
  int64_t rank = it.getRank() + 1;
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  auto i64 = im.builder.getI64Type();
  if (it.getElementType() != i64)
    idx = im.create<CastOp>(RankedTensorType::get(it.getShape(), i64), idx);
  // Negative indices count from the end of the depth.
  auto idxType = RankedTensorType::get(it.getShape(), i64);
  auto i1Type = RankedTensorType::get(it.getShape(), im.builder.getI1Type());
  Value neg = im.create<LessOp>(i1Type, idx, im.scalar(i64, 0));
  idx = im.create<WhereOp>(
      idxType, neg, im.create<AddOp>(idxType, idx, im.scalar(i64, depth)), idx);
  SmallVector<int64_t> idxShape(it.getShape());
  idxShape.insert(idxShape.begin() + *axis, 1);
  SmallVector<int64_t> rangeShape(rank, 1), outShape(idxShape);
  rangeShape[*axis] = depth;
  outShape[*axis] = depth;
  SmallVector<int64_t> range;
  for (int64_t i = 0; i < depth; ++i)
    range.push_back(i);
  Value rangeV =
      im.constant(makeConst(RankedTensorType::get(rangeShape, i64), range));
  Value hot = im.create<EqualOp>(
      RankedTensorType::get(outShape, im.builder.getI1Type()),
      im.reshape(idx, idxShape), rangeV);
  Type et = values->type.getElementType();
  Value off, on;
  if (values->constant) {
    off = im.scalar(et, values->constant->getDouble(0));
    on = im.scalar(et, values->constant->getDouble(1));
    if (!values->constant->isFloat()) {
      off = im.constant(makeConst(RankedTensorType::get({}, et),
                                  {values->constant->getInt(0)}));
      on = im.constant(makeConst(RankedTensorType::get({}, et),
                                 {values->constant->getInt(1)}));
    }
  } else {
    Value v = im.reshape(im.materialize(*values), {2});
    auto one = RankedTensorType::get({1}, et);
    auto slice = [&](int64_t start) {
      return im.reshape(
          SliceOp::create(im.builder, im.loc, one, v,
                          im.builder.getDenseI64ArrayAttr({start}),
                          im.builder.getDenseI64ArrayAttr({1}))
              .getResult(),
          {});
    };
    off = slice(0);
    on = slice(1);
  }
  im.setOutput(
      0, im.create<WhereOp>(RankedTensorType::get(outShape, et), hot, on, off));
  return success();
}

/// EyeLike: a constant of the input's shape with ones on diagonal k.
static LogicalResult importEyeLike(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  if (x->type.getRank() != 2)
    return im.fail("input must be 2-D");
  Type et = x->type.getElementType();
  if (const auto *a = im.attr("dtype")) {
    FailureOr<Type> t = elementTypeFor(im.ctx, a->i());
    if (failed(t))
      return im.fail("unsupported dtype " + onnxTypeName(a->i()));
    et = *t;
  }
  int64_t k = im.attrInt("k", 0), rows = x->type.getDimSize(0),
          cols = x->type.getDimSize(1);
  auto type = RankedTensorType::get({rows, cols}, et);
  SmallVector<int64_t> vals(rows * cols, 0);
  for (int64_t r = 0; r < rows; ++r)
    if (r + k >= 0 && r + k < cols)
      vals[r * cols + r + k] = 1;
  if (isa<FloatType>(et))
    im.setConst(
        0, makeConstF(type, SmallVector<double>(vals.begin(), vals.end())));
  else
    im.setConst(0, makeConst(type, vals));
  return success();
}

void mlir::tessera::onnx_import::registerCompositeOps(OpTable &t) {
  t["ReduceL1"] = [](Importer &im) {
    return importCompositeReduce(im, Composite::L1);
  };
  t["ReduceL2"] = [](Importer &im) {
    return importCompositeReduce(im, Composite::L2);
  };
  t["ReduceLogSum"] = [](Importer &im) {
    return importCompositeReduce(im, Composite::LogSum);
  };
  t["ReduceLogSumExp"] = [](Importer &im) {
    return importCompositeReduce(im, Composite::LogSumExp);
  };
  t["ReduceSumSquare"] = [](Importer &im) {
    return importCompositeReduce(im, Composite::SumSquare);
  };
  t["DepthToSpace"] = [](Importer &im) { return importDepthSpace(im, true); };
  t["SpaceToDepth"] = [](Importer &im) { return importDepthSpace(im, false); };
  t["OneHot"] = importOneHot;
  t["EyeLike"] = importEyeLike;
}
