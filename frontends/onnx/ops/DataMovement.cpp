// Shape and data-movement ops: Reshape/Squeeze/Unsqueeze/Flatten (all
// tessera.reshape), Transpose, Concat, Split, Slice, Expand, Gather, Shape,
// Size, Pad, Tile. Each folds when its data input is a known constant.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// Reshape (or fold) input 0 to `shape`.
static LogicalResult emitReshape(Importer &im, TensorInfo &x,
                                 ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, x.type.getElementType());
  if (type.getNumElements() != x.type.getNumElements())
    return im.fail("cannot reshape " + Twine(x.type.getNumElements()) +
                   " elements into " + Twine(type.getNumElements()));
  if (x.constant) {
    ConstTensor c = *x.constant;
    c.type = type;
    im.setConst(0, c);
    return success();
  }
  im.setOutput(0, im.reshape(im.materialize(x), shape));
  return success();
}

static LogicalResult importReshape(Importer &im) {
  TensorInfo *x = im.input(0);
  FailureOr<SmallVector<int64_t>> spec = im.constInts(1, "shape");
  if (!x || failed(spec))
    return failure();
  bool allowZero = im.attrInt("allowzero", 0) != 0;
  SmallVector<int64_t> shape;
  int64_t known = 1, inferAt = -1;
  for (auto [i, d] : llvm::enumerate(*spec)) {
    if (d == 0 && !allowZero) {
      if (int64_t(i) >= x->type.getRank())
        return im.fail("shape copies dimension " + Twine(i) +
                       " the input does not have");
      d = x->type.getDimSize(i);
    }
    if (d == -1) {
      if (inferAt >= 0)
        return im.fail("shape has more than one -1");
      inferAt = i;
    } else if (d < 0) {
      return im.fail("invalid shape entry " + Twine(d));
    } else if (__builtin_mul_overflow(known, d, &known)) {
      return im.fail("the product of the shape's entries overflows 64 bits");
    }
    shape.push_back(d);
  }
  if (inferAt >= 0) {
    if (known == 0 || x->type.getNumElements() % known != 0)
      return im.fail("cannot infer the -1 dimension");
    shape[inferAt] = x->type.getNumElements() / known;
  }
  return emitReshape(im, *x, shape);
}

/// Axes from the attribute before `inputOpset`, the input from then on.
static FailureOr<std::optional<SmallVector<int64_t>>>
axesOperand(Importer &im, int64_t inputOpset, unsigned inputIndex) {
  if (im.opset < inputOpset)
    return im.attrInts("axes");
  if (!im.hasInput(inputIndex))
    return std::optional<SmallVector<int64_t>>();
  FailureOr<SmallVector<int64_t>> axes = im.constInts(inputIndex, "axes");
  if (failed(axes))
    return failure();
  return std::optional<SmallVector<int64_t>>(*axes);
}

static LogicalResult importSqueeze(Importer &im) {
  TensorInfo *x = im.input(0);
  auto axes = axesOperand(im, 13, 1);
  if (!x || failed(axes))
    return failure();
  int64_t rank = x->type.getRank();
  SmallVector<bool> drop(rank, false);
  for (int64_t d = 0; d < rank; ++d)
    drop[d] = !*axes && x->type.getDimSize(d) == 1;
  if (*axes) {
    for (int64_t a : **axes) {
      FailureOr<int64_t> n = im.normAxis(a, rank);
      if (failed(n))
        return failure();
      if (x->type.getDimSize(*n) != 1)
        return im.fail("cannot squeeze dimension " + Twine(*n) + " of size " +
                       Twine(x->type.getDimSize(*n)));
      drop[*n] = true;
    }
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d])
      shape.push_back(x->type.getDimSize(d));
  return emitReshape(im, *x, shape);
}

static LogicalResult importUnsqueeze(Importer &im) {
  TensorInfo *x = im.input(0);
  auto axes = axesOperand(im, 13, 1);
  if (!x || failed(axes))
    return failure();
  if (!*axes)
    return im.fail("Unsqueeze needs axes");
  int64_t rank = x->type.getRank() + int64_t((*axes)->size());
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : **axes) {
    FailureOr<int64_t> n = im.normAxis(a, rank);
    if (failed(n))
      return failure();
    if (inserted[*n])
      return im.fail("repeated axis " + Twine(*n));
    inserted[*n] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0, src = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : x->type.getDimSize(src++));
  return emitReshape(im, *x, shape);
}

static LogicalResult importFlatten(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  int64_t rank = x->type.getRank(), axis = im.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return im.fail("axis out of range");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= x->type.getDimSize(d);
  return emitReshape(im, *x, {outer, inner});
}

static LogicalResult importTranspose(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  int64_t rank = x->type.getRank();
  SmallVector<int64_t> perm;
  if (auto p = im.attrInts("perm"))
    perm = *p;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  SmallVector<bool> seen(rank, false);
  if (int64_t(perm.size()) != rank)
    return im.fail("perm has the wrong length");
  for (int64_t &p : perm) {
    if (p < 0)
      p += rank;
    if (p < 0 || p >= rank || seen[p])
      return im.fail("perm is not a permutation");
    seen[p] = true;
  }
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(x->type.getDimSize(p));
  auto type = RankedTensorType::get(shape, x->type.getElementType());
  if (x->constant) {
    SmallVector<int64_t> strides = stridesOf(x->type.getShape());
    im.setConst(0, remapConst(*x->constant, type, [&](ArrayRef<int64_t> idx) {
                  int64_t flat = 0;
                  for (int64_t d = 0; d < rank; ++d)
                    flat += idx[d] * strides[perm[d]];
                  return flat;
                }));
    return success();
  }
  im.setOutput(0, im.transpose(im.materialize(*x), perm));
  return success();
}

static LogicalResult importConcat(Importer &im) {
  SmallVector<TensorInfo *> ins;
  for (int i = 0; i < im.node->input_size(); ++i) {
    TensorInfo *t = im.input(i);
    if (!t)
      return failure();
    ins.push_back(t);
  }
  if (ins.empty() || !im.attr("axis"))
    return im.fail("Concat needs inputs and an axis");
  // Empty inputs of another rank (torch.cat's legacy 1-d `torch.tensor([])`,
  // which exporters pass through) add nothing: dropped, as ONNX Runtime does.
  auto empty = [](TensorInfo *t) {
    return t->type.hasStaticShape() && t->type.getNumElements() == 0;
  };
  auto ref = llvm::find_if(ins, [&](TensorInfo *t) { return !empty(t); });
  if (ref != ins.end()) {
    int64_t rank = (*ref)->type.getRank();
    llvm::erase_if(ins, [&](TensorInfo *t) {
      return empty(t) && t->type.getRank() != rank;
    });
  }
  auto first = ins[0]->type;
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), first.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  bool allConst = true;
  for (TensorInfo *t : ins) {
    if (t->type.getRank() != first.getRank() ||
        t->type.getElementType() != first.getElementType())
      return im.fail("inputs differ in rank or element type");
    for (int64_t d = 0; d < first.getRank(); ++d)
      if (d != *axis && t->type.getDimSize(d) != first.getDimSize(d))
        return im.fail("inputs differ in dimension " + Twine(d));
    shape[*axis] += t->type.getDimSize(*axis);
    allConst &= t->constant.has_value();
  }
  auto type = RankedTensorType::get(shape, first.getElementType());
  if (allConst && type.getNumElements() <= kFoldLimit) {
    ConstTensor out;
    out.type = type;
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= shape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (TensorInfo *t : ins) {
        int64_t chunk = outer ? t->type.getNumElements() / outer : 0;
        for (int64_t i = o * chunk; i < (o + 1) * chunk; ++i)
          if (out.type.getElementType().isIntOrIndex())
            out.ints.push_back(t->constant->getInt(i));
          else
            out.floats.push_back(t->constant->getDouble(i));
      }
    im.setConst(0, out);
    return success();
  }
  SmallVector<Value> vals;
  for (TensorInfo *t : ins)
    if (t->type.getDimSize(*axis) != 0 || ins.size() == 1)
      vals.push_back(im.materialize(*t));
  if (vals.empty())
    vals.push_back(im.materialize(*ins[0]));
  im.setOutput(
      0, ConcatOp::create(im.builder, im.loc, type, vals, *axis).getResult());
  return success();
}

/// Slices (or folds) `x` with normalized starts/steps and the result shape.
static void emitSlice(Importer &im, unsigned output, TensorInfo &x,
                      ArrayRef<int64_t> starts, ArrayRef<int64_t> steps,
                      ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, x.type.getElementType());
  if (x.constant) {
    SmallVector<int64_t> strides = stridesOf(x.type.getShape());
    ConstTensor c = remapConst(*x.constant, type, [&](ArrayRef<int64_t> idx) {
      int64_t flat = 0;
      for (size_t d = 0; d < idx.size(); ++d)
        flat += (starts[d] + idx[d] * steps[d]) * strides[d];
      return flat;
    });
    im.setConst(output, c);
    return;
  }
  Value v = SliceOp::create(im.builder, im.loc, type, im.materialize(x),
                            im.builder.getDenseI64ArrayAttr(starts),
                            im.builder.getDenseI64ArrayAttr(steps))
                .getResult();
  im.setOutput(output, v);
}

/// ONNX Slice: clamps starts/ends per the spec and computes the count.
static LogicalResult importSlice(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  SmallVector<int64_t> startsIn, endsIn, axesIn, stepsIn;
  if (im.opset < 10) {
    startsIn = im.attrInts("starts").value_or(SmallVector<int64_t>());
    endsIn = im.attrInts("ends").value_or(SmallVector<int64_t>());
    axesIn = im.attrInts("axes").value_or(SmallVector<int64_t>());
  } else {
    auto s = im.constInts(1, "starts"), e = im.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    startsIn = *s;
    endsIn = *e;
    for (auto [idx, out] :
         {std::pair<unsigned, SmallVector<int64_t> *>{3, &axesIn},
          {4, &stepsIn}}) {
      if (!im.hasInput(idx))
        continue;
      auto v = im.constInts(idx, idx == 3 ? "axes" : "steps");
      if (failed(v))
        return failure();
      *out = *v;
    }
  }
  int64_t rank = x->type.getRank();
  if (axesIn.empty())
    for (size_t i = 0; i < startsIn.size(); ++i)
      axesIn.push_back(i);
  if (stepsIn.empty())
    stepsIn.assign(startsIn.size(), 1);
  if (endsIn.size() != startsIn.size() || axesIn.size() != startsIn.size() ||
      stepsIn.size() != startsIn.size())
    return im.fail("starts, ends, axes and steps differ in length");
  SmallVector<int64_t> starts(rank, 0), steps(rank, 1),
      shape(x->type.getShape());
  for (size_t i = 0; i < startsIn.size(); ++i) {
    FailureOr<int64_t> a = im.normAxis(axesIn[i], rank);
    if (failed(a))
      return failure();
    int64_t dim = shape[*a], step = stepsIn[i];
    if (step == 0)
      return im.fail("step is zero");
    int64_t s = startsIn[i] < 0 ? startsIn[i] + dim : startsIn[i];
    int64_t e = endsIn[i] < 0 ? endsIn[i] + dim : endsIn[i];
    int64_t count;
    if (dim == 0) {
      count = 0;
    } else if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = s > e ? (s - e - step - 1) / -step : 0;
    }
    starts[*a] = count ? s : 0;
    steps[*a] = step;
    shape[*a] = count;
  }
  emitSlice(im, 0, *x, starts, steps, shape);
  return success();
}

static LogicalResult importSplit(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  FailureOr<int64_t> axis =
      im.normAxis(im.attrInt("axis", 0), x->type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = x->type.getDimSize(*axis), n = im.numOutputs();
  SmallVector<int64_t> sizes;
  if (im.opset >= 13 && im.hasInput(1)) {
    auto s = im.constInts(1, "split");
    if (failed(s))
      return failure();
    sizes = *s;
  } else if (im.opset < 13 && im.attrInts("split")) {
    sizes = *im.attrInts("split");
  } else {
    int64_t parts = im.attr("num_outputs") ? im.attrInt("num_outputs", n) : n;
    int64_t chunk = parts ? (dim + parts - 1) / parts : 0;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (int64_t(sizes.size()) != n)
    return im.fail(Twine(sizes.size()) + " split sizes for " + Twine(n) +
                   " outputs");
  if (total != dim)
    return im.fail("split sizes add up to " + Twine(total) +
                   ", but dimension " + Twine(*axis) + " of " +
                   typeStr(x->type) + " has " + Twine(dim));
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    SmallVector<int64_t> starts(x->type.getRank(), 0),
        steps(x->type.getRank(), 1), shape(x->type.getShape());
    starts[*axis] = sizes[i] ? offset : 0;
    shape[*axis] = sizes[i];
    emitSlice(im, i, *x, starts, steps, shape);
    offset += sizes[i];
  }
  return success();
}

static LogicalResult importExpand(Importer &im) {
  TensorInfo *x = im.input(0);
  auto spec = im.constInts(1, "shape");
  if (!x || failed(spec))
    return failure();
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(x->type.getShape(), *spec, shape)))
    return im.fail("input does not broadcast to the requested shape");
  auto type = RankedTensorType::get(shape, x->type.getElementType());
  if (x->constant &&
      (x->constant->splat || type.getNumElements() <= kFoldLimit)) {
    im.setConst(0, broadcastConst(*x->constant, type));
    return success();
  }
  Value v = im.materialize(*x);
  im.setOutput(0, type == x->type ? v : im.create<BroadcastToOp>(type, v));
  return success();
}

static LogicalResult importGather(Importer &im) {
  TensorInfo *x = im.input(0), *idx = im.input(1);
  if (!x || !idx)
    return failure();
  FailureOr<int64_t> axis =
      im.normAxis(im.attrInt("axis", 0), x->type.getRank());
  if (failed(axis))
    return failure();
  Type it = idx->type.getElementType();
  if (!it.isInteger(32) && !it.isInteger(64))
    return im.fail("indices must be int32 or int64");
  SmallVector<int64_t> shape(x->type.getShape().take_front(*axis));
  llvm::append_range(shape, idx->type.getShape());
  llvm::append_range(shape, x->type.getShape().drop_front(*axis + 1));
  auto type = RankedTensorType::get(shape, x->type.getElementType());
  int64_t dim = x->type.getDimSize(*axis);
  if (idx->constant)
    for (int64_t i = 0, e = idx->type.getNumElements(); i < e; ++i)
      if (idx->constant->getInt(i) < -dim || idx->constant->getInt(i) >= dim)
        return im.fail("index " + Twine(idx->constant->getInt(i)) +
                       " is out of range for dimension of size " + Twine(dim));
  if (x->constant && idx->constant && type.getNumElements() <= kFoldLimit) {
    SmallVector<int64_t> strides = stridesOf(x->type.getShape());
    int64_t ir = idx->type.getRank();
    SmallVector<int64_t> istrides = stridesOf(idx->type.getShape());
    im.setConst(0, remapConst(*x->constant, type, [&](ArrayRef<int64_t> o) {
                  int64_t flatIdx = 0;
                  for (int64_t d = 0; d < ir; ++d)
                    flatIdx += o[*axis + d] * istrides[d];
                  int64_t k = idx->constant->getInt(flatIdx);
                  int64_t flat = (k < 0 ? k + dim : k) * strides[*axis];
                  for (int64_t d = 0; d < *axis; ++d)
                    flat += o[d] * strides[d];
                  for (int64_t d = *axis + 1; d < x->type.getRank(); ++d)
                    flat += o[d - 1 + ir] * strides[d];
                  return flat;
                }));
    return success();
  }
  im.setOutput(0, GatherOp::create(im.builder, im.loc, type, im.materialize(*x),
                                   im.materialize(*idx), *axis)
                      .getResult());
  return success();
}

static LogicalResult importShape(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  int64_t rank = x->type.getRank();
  int64_t start = im.attrInt("start", 0), end = im.attrInt("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(x->type.getDimSize(d));
  im.setConst(0, makeConst(RankedTensorType::get({int64_t(dims.size())},
                                                 im.builder.getI64Type()),
                           dims));
  return success();
}

static LogicalResult importSize(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  im.setConst(0, makeConst(RankedTensorType::get({}, im.builder.getI64Type()),
                           {x->type.getNumElements()}));
  return success();
}

static LogicalResult importPad(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  int64_t rank = x->type.getRank();
  SmallVector<int64_t> pads;
  double value = 0;
  if (im.opset < 11) {
    pads = im.attrInts("pads").value_or(SmallVector<int64_t>());
    value = im.attrFloat("value", 0);
  } else {
    auto p = im.constInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (im.hasInput(2)) {
      const ConstTensor *v = im.constInput(2, "constant_value");
      if (!v)
        return failure();
      value = v->getDouble(0);
    }
    if (im.hasInput(3)) {
      auto axes = im.constInts(3, "axes");
      if (failed(axes))
        return failure();
      SmallVector<int64_t> full(2 * rank, 0);
      if (pads.size() != 2 * axes->size())
        return im.fail("pads and axes differ in length");
      for (auto [i, a] : llvm::enumerate(*axes)) {
        FailureOr<int64_t> n = im.normAxis(a, rank);
        if (failed(n))
          return failure();
        full[*n] = pads[i];
        full[*n + rank] = pads[i + axes->size()];
      }
      pads = full;
    }
  }
  if (int64_t(pads.size()) != 2 * rank)
    return im.fail("pads must have " + Twine(2 * rank) + " entries");
  std::string mode = im.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return im.fail("unsupported mode '" + mode + "'");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    shape.push_back(x->type.getDimSize(d) + pads[d] + pads[d + rank]);
    if (shape.back() < 0)
      return im.fail("pads crop dimension " + Twine(d) + " below zero");
    if (mode == "reflect" && (pads[d] >= x->type.getDimSize(d) ||
                              pads[d + rank] >= x->type.getDimSize(d)))
      return im.fail("reflect pads must be smaller than the dimension");
  }
  auto type = RankedTensorType::get(shape, x->type.getElementType());
  im.setOutput(0, PadOp::create(im.builder, im.loc, type, im.materialize(*x),
                                im.builder.getDenseI64ArrayAttr(pads),
                                im.builder.getStringAttr(mode),
                                im.builder.getF64FloatAttr(value))
                      .getResult());
  return success();
}

/// Tile: concatenating copies along each repeated dimension.
static LogicalResult importTile(Importer &im) {
  Value x = im.operand(0);
  auto reps = im.constInts(1, "repeats");
  if (!x || failed(reps))
    return failure();
  auto t = Importer::typeOf(x);
  if (int64_t(reps->size()) != t.getRank())
    return im.fail("repeats must have one entry per dimension");
  for (auto [d, r] : llvm::enumerate(*reps)) {
    if (r < 1 || r > 4096)
      return im.fail("repeats must be in [1, 4096]");
    if (r == 1)
      continue;
    SmallVector<Value> copies(r, x);
    SmallVector<int64_t> shape(Importer::typeOf(x).getShape());
    shape[d] *= r;
    x = ConcatOp::create(im.builder, im.loc,
                         RankedTensorType::get(shape, t.getElementType()),
                         copies, int64_t(d))
            .getResult();
  }
  im.setOutput(0, x);
  return success();
}

void mlir::tessera::onnx_import::registerDataMovementOps(OpTable &t) {
  t["Reshape"] = importReshape;
  t["Squeeze"] = importSqueeze;
  t["Unsqueeze"] = importUnsqueeze;
  t["Flatten"] = importFlatten;
  t["Transpose"] = importTranspose;
  t["Concat"] = importConcat;
  t["Slice"] = importSlice;
  t["Split"] = importSplit;
  t["Expand"] = importExpand;
  t["Gather"] = importGather;
  t["Shape"] = importShape;
  t["Size"] = importSize;
  t["Pad"] = importPad;
  t["Tile"] = importTile;
}
