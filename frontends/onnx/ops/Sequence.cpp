// ONNX sequences as import-time lists of tensors: shapes are static and
// Loop/Scan/If are unrolled, so every sequence op only rearranges the list
// (SequenceEmpty/Construct/Insert/At/Erase/Length) or turns it into or out
// of one tensor (ConcatFromSequence, SplitToSequence); SequenceMap imports its
// body once per element (ops/Subgraph.h). No tessera op sees a
// sequence. Optionals are known at import time too: one that holds a value
// is that value (tensor or sequence), an empty one is TensorInfo::none.
#include "frontends/onnx/ops/Subgraph.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// Optional input `i`, a position in a sequence of `size` elements:
/// normalized into [0, size] when `end` is allowed (insertion), else
/// [0, size). Absent, it is `dflt`.
static FailureOr<int64_t> position(Importer &im, unsigned i, int64_t size,
                                   bool end, int64_t dflt) {
  if (!im.hasInput(i))
    return dflt;
  const ConstTensor *c = im.constInput(i, "position");
  if (!c)
    return failure();
  if (c->isFloat() || c->numElements() != 1)
    return im.fail("position must be an integer scalar");
  int64_t p = c->getInt(0), limit = end ? size : size - 1;
  int64_t n = p < 0 ? p + size : p;
  if (n < 0 || n > limit)
    return im.fail("position " + Twine(p) +
                   " is out of range for a sequence "
                   "of " +
                   Twine(size) + " elements");
  return n;
}

/// Checks that `t` may join a sequence of `seq`'s element type.
static LogicalResult checkElement(Importer &im, const SequenceInfo &seq,
                                  const TensorInfo &t, unsigned input) {
  if (t.type.getElementType() == seq.elementType)
    return success();
  return im.fail("input " + Twine(input) + " is " + typeStr(t.type) +
                 ", but the sequence holds " + typeStr(seq.elementType));
}

static LogicalResult importSequenceEmpty(Importer &im) {
  int32_t dtype = int32_t(im.attrInt("dtype", onnx::TensorProto::FLOAT));
  FailureOr<Type> et = elementTypeFor(im.ctx, dtype);
  if (failed(et))
    return im.fail("unsupported dtype " + onnxTypeName(dtype));
  SequenceInfo seq;
  seq.elementType = *et;
  seq.onnxType = dtype;
  im.setSequence(0, std::move(seq));
  return success();
}

static LogicalResult importSequenceConstruct(Importer &im) {
  if (im.node->input_size() == 0)
    return im.fail("SequenceConstruct needs at least one input");
  SequenceInfo seq;
  for (int i = 0; i < im.node->input_size(); ++i) {
    TensorInfo *t = im.input(i);
    if (!t)
      return failure();
    if (i == 0) {
      seq.elementType = t->type.getElementType();
      seq.onnxType = im.onnxTypeOf(im.node->input(0));
    } else if (failed(checkElement(im, seq, *t, i))) {
      return failure();
    }
    seq.items.push_back(*t);
  }
  im.setSequence(0, std::move(seq));
  return success();
}

static LogicalResult importSequenceInsert(Importer &im) {
  const SequenceInfo *in = im.seqInput(0);
  TensorInfo *t = in ? im.input(1) : nullptr;
  if (!t || failed(checkElement(im, *in, *t, 1)))
    return failure();
  int64_t size = int64_t(in->items.size());
  FailureOr<int64_t> pos = position(im, 2, size, /*end=*/true, size);
  if (failed(pos))
    return failure();
  SequenceInfo seq = *in;
  seq.items.insert(seq.items.begin() + *pos, *t);
  im.setSequence(0, std::move(seq));
  return success();
}

static LogicalResult importSequenceAt(Importer &im) {
  const SequenceInfo *seq = im.seqInput(0);
  if (!seq)
    return failure();
  int64_t size = int64_t(seq->items.size());
  if (!im.hasInput(1))
    return im.fail("missing input 1 (position)");
  FailureOr<int64_t> pos = position(im, 1, size, /*end=*/false, 0);
  if (failed(pos))
    return failure();
  if (im.hasOutput(0)) {
    im.values[im.node->output(0)] = seq->items[*pos];
    if (seq->onnxType && !im.onnxTypes.count(im.node->output(0)))
      im.onnxTypes[im.node->output(0)] = seq->onnxType;
  }
  return success();
}

static LogicalResult importSequenceErase(Importer &im) {
  const SequenceInfo *in = im.seqInput(0);
  if (!in)
    return failure();
  int64_t size = int64_t(in->items.size());
  if (size == 0)
    return im.fail("cannot erase from an empty sequence");
  FailureOr<int64_t> pos = position(im, 1, size, /*end=*/false, size - 1);
  if (failed(pos))
    return failure();
  SequenceInfo seq = *in;
  seq.items.erase(seq.items.begin() + *pos);
  im.setSequence(0, std::move(seq));
  return success();
}

static LogicalResult importSequenceLength(Importer &im) {
  const SequenceInfo *seq = im.seqInput(0);
  if (!seq)
    return failure();
  auto type = RankedTensorType::get({}, im.builder.getI64Type());
  im.setConst(0, makeConst(type, {int64_t(seq->items.size())}));
  return success();
}

/// Joins the sequence along `axis` (new_axis = 0, like Concat) or stacks it
/// along a new dimension there (new_axis = 1, like an unrolled torch.stack:
/// a unit dimension per element, then one tessera.concat).
static LogicalResult importConcatFromSequence(Importer &im) {
  const SequenceInfo *seq = im.seqInput(0);
  if (!seq)
    return failure();
  if (!im.attr("axis"))
    return im.fail("missing required attribute 'axis'");
  bool newAxis = im.attrInt("new_axis", 0) != 0;
  if (seq->items.empty())
    return im.fail("the sequence is empty, so the result's shape is unknown");
  RankedTensorType first = seq->items.front().type;
  int64_t rank = first.getRank() + (newAxis ? 1 : 0);
  FailureOr<int64_t> axis = im.normAxis(im.attrInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  if (newAxis)
    shape.insert(shape.begin() + *axis, 0);
  else
    shape[*axis] = 0;
  SmallVector<Value> parts;
  for (const auto &[i, item] : llvm::enumerate(seq->items)) {
    SmallVector<int64_t> s(item.type.getShape());
    if (newAxis)
      s.insert(s.begin() + *axis, 1);
    bool same = int64_t(s.size()) == rank;
    for (int64_t d = 0; same && d < rank; ++d)
      same = d == *axis || s[d] == shape[d];
    if (!same)
      return im.fail("sequence element " + Twine(i) + " is " +
                     typeStr(item.type) + ", which does not " +
                     (newAxis ? "stack" : "concatenate") + " with element 0, " +
                     typeStr(first));
    shape[*axis] += s[*axis];
    TensorInfo t = item;
    parts.push_back(im.reshape(im.materialize(t), s));
  }
  auto type = RankedTensorType::get(shape, seq->elementType);
  im.setOutput(0, parts.size() == 1 ? parts[0]
                                    : im.create<ConcatOp>(type, parts, *axis));
  return success();
}

/// Slice `[start, start + size)` of `x` along `axis`; with `squeeze` (size
/// 1) the axis is dropped, as a tessera.gather with a constant index (what
/// unrolled loops read their steps with). Constants fold.
static TensorInfo chunk(Importer &im, TensorInfo &x, int64_t axis,
                        int64_t start, int64_t size, bool squeeze) {
  RankedTensorType in = x.type;
  SmallVector<int64_t> shape(in.getShape());
  shape[axis] = size;
  auto type = RankedTensorType::get(shape, in.getElementType());
  TensorInfo out;
  if (x.constant && type.getNumElements() <= kFoldLimit) {
    SmallVector<int64_t> strides = stridesOf(in.getShape());
    out.constant = remapConst(*x.constant, type, [&](ArrayRef<int64_t> idx) {
      int64_t flat = start * strides[axis];
      for (auto [d, v] : llvm::enumerate(idx))
        flat += v * strides[d];
      return flat;
    });
    out.type = type;
    if (squeeze) {
      shape.erase(shape.begin() + axis);
      out.type = RankedTensorType::get(shape, in.getElementType());
      out.constant->type = out.type;
    }
    return out;
  }
  Value v = im.materialize(x);
  if (squeeze) {
    shape.erase(shape.begin() + axis);
    out.type = RankedTensorType::get(shape, in.getElementType());
    Value i = im.constant(
        makeConst(RankedTensorType::get({}, im.builder.getI64Type()), {start}));
    out.value = im.create<GatherOp>(out.type, v, i, axis);
    return out;
  }
  SmallVector<int64_t> starts(in.getRank(), 0), steps(in.getRank(), 1);
  starts[axis] = size ? start : 0;
  out.type = type;
  out.value =
      type == in
          ? v
          : im.create<SliceOp>(type, v, im.builder.getDenseI64ArrayAttr(starts),
                               im.builder.getDenseI64ArrayAttr(steps));
  return out;
}

/// Without `split`, chunks of 1 (squeezed unless keepdims); with a scalar
/// split, chunks of that size (the last may be shorter); with a 1-D split,
/// those sizes.
static LogicalResult importSplitToSequence(Importer &im) {
  TensorInfo *x = im.input(0);
  if (!x)
    return failure();
  FailureOr<int64_t> axis =
      im.normAxis(im.attrInt("axis", 0), x->type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = x->type.getDimSize(*axis);
  bool squeeze = false;
  SmallVector<int64_t> sizes;
  if (!im.hasInput(1)) {
    sizes.assign(dim, 1);
    squeeze = im.attrInt("keepdims", 1) == 0;
  } else {
    const ConstTensor *c = im.constInput(1, "split");
    if (!c)
      return failure();
    if (c->isFloat() || c->type.getRank() > 1)
      return im.fail("split must be an integer scalar or 1-D tensor");
    SmallVector<int64_t> s = c->toInts();
    if (llvm::any_of(s, [](int64_t v) { return v < 0; }) ||
        (c->type.getRank() == 0 && s[0] == 0 && dim))
      return im.fail("split sizes must be positive");
    if (c->type.getRank() == 0) {
      for (int64_t at = 0; at < dim; at += s[0])
        sizes.push_back(std::min(s[0], dim - at));
    } else {
      sizes = s;
      int64_t total = 0;
      for (int64_t v : sizes)
        total += v;
      if (total != dim)
        return im.fail("split sizes sum to " + Twine(total) +
                       ", not to dimension " + Twine(*axis) + " of size " +
                       Twine(dim));
    }
  }
  if (int64_t(sizes.size()) > kFoldLimit)
    return im.fail("a sequence of " + Twine(sizes.size()) +
                   " elements is too long to unroll");
  SequenceInfo seq;
  seq.elementType = x->type.getElementType();
  seq.onnxType = im.onnxTypeOf(im.node->input(0));
  int64_t start = 0;
  for (int64_t size : sizes) {
    seq.items.push_back(chunk(im, *x, *axis, start, size, squeeze));
    start += size;
  }
  im.setSequence(0, std::move(seq));
  return success();
}

/// Optional(x) is x; Optional() is empty (its `type` attribute only types
/// it, and nothing reads that here).
static LogicalResult importOptional(Importer &im) {
  TensorInfo none;
  none.none = true;
  TensorInfo *x = im.hasInput(0) ? im.anyInput(0) : &none;
  if (!x)
    return failure();
  if (!im.hasInput(0) && !im.attr("type"))
    return im.fail("an Optional without an input needs the 'type' attribute");
  if (im.hasOutput(0)) {
    im.values[im.node->output(0)] = *x;
    if (im.hasInput(0))
      im.onnxTypes[im.node->output(0)] = im.onnxTypeOf(im.node->input(0));
  }
  return success();
}

/// Whether the optional (or, from opset 18, tensor or sequence) input holds
/// a value: a constant, false for an empty optional or a left-out input.
static LogicalResult importOptionalHasElement(Importer &im) {
  TensorInfo *x = im.optionalInput(0);
  if (im.hasInput(0) && !x)
    return failure();
  bool has = x && !x->none;
  im.setConst(0, makeConst(RankedTensorType::get({}, im.builder.getI1Type()),
                           {int64_t(has)}));
  return success();
}

/// The value an optional holds (a tensor or sequence passes as it is).
static LogicalResult importOptionalGetElement(Importer &im) {
  TensorInfo *x = im.optionalInput(0);
  if (!x)
    return im.hasInput(0) ? failure() : im.fail("missing input 0");
  if (x->none)
    return im.fail("input 0 '" + im.node->input(0) +
                   "' is an empty optional; it has no element to get");
  if (im.hasOutput(0)) {
    im.values[im.node->output(0)] = *x;
    im.onnxTypes[im.node->output(0)] = im.onnxTypeOf(im.node->input(0));
  }
  return success();
}

/// SequenceMap: the body once per element of the input sequence, its first
/// input that element, each further input the same element of a sequence
/// (of the same length) or a tensor as it is; output k is the sequence of
/// the iterations' k-th outputs.
static LogicalResult importSequenceMap(Importer &im) {
  const onnx::GraphProto *body = graphAttr(im, "body");
  if (!body)
    return failure();
  int numInputs = im.node->input_size(), numOutputs = int(im.numOutputs());
  if (numInputs < 1 || numOutputs < 1)
    return im.fail("SequenceMap needs an input sequence and an output");
  SmallVector<Bound> inputs;
  for (int j = 0; j < numInputs; ++j) {
    FailureOr<Bound> v = outerInput(im, j, /*allowSequence=*/true);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  if (!inputs[0].info.isSequence())
    return im.fail("input 0 must be a sequence");
  size_t length = inputs[0].info.sequence->items.size();
  for (int j = 1; j < numInputs; ++j)
    if (inputs[j].info.isSequence() &&
        inputs[j].info.sequence->items.size() != length)
      return im.fail("input " + Twine(j) + " is a sequence of " +
                     Twine(inputs[j].info.sequence->items.size()) +
                     " elements, input 0 one of " + Twine(length));
  // The element of input j in iteration i.
  auto element = [&](int j, size_t i) {
    const Bound &b = inputs[j];
    if (!b.info.isSequence())
      return b;
    return Bound{b.info.sequence->items[i], b.info.sequence->onnxType};
  };

  SmallVector<SequenceInfo> outs(numOutputs);
  {
    Subgraph sub(im, *body, "the body");
    if (failed(sub.init(numInputs, numOutputs)))
      return failure();
    // Element types of outputs that no iteration produces (an empty input).
    for (int k = 0; k < numOutputs; ++k) {
      const onnx::TypeProto &t = body->output(k).type();
      int32_t type = t.has_tensor_type() ? t.tensor_type().elem_type()
                                         : onnx::TensorProto::FLOAT;
      FailureOr<Type> et = elementTypeFor(im.ctx, type);
      outs[k].elementType = succeeded(et) ? *et : im.builder.getF32Type();
      outs[k].onnxType = type;
    }
    SmallVector<Bound> results;
    for (size_t i = 0; i < length; ++i) {
      for (int j = 0; j < numInputs; ++j)
        if (failed(sub.bind(j, element(j, i))))
          return failure();
      if (failed(sub.run(results, "element " + Twine(i))))
        return failure();
      for (int k = 0; k < numOutputs; ++k) {
        const TensorInfo &r = results[k].info;
        if (r.isSequence())
          return im.fail("the body's output '" + sub.outputName(k) +
                         "' is a sequence; SequenceMap's body returns tensors");
        if (i == 0) {
          outs[k].elementType = r.type.getElementType();
          outs[k].onnxType = results[k].onnxType;
        } else if (r.type.getElementType() != outs[k].elementType) {
          return im.fail("the body's output '" + sub.outputName(k) +
                         "' changes element type from " +
                         typeStr(outs[k].elementType) + " to " +
                         typeStr(r.type.getElementType()));
        }
        TensorInfo item = r;
        if (!item.constant)
          (void)im.materialize(item);
        outs[k].items.push_back(std::move(item));
      }
    }
  }
  for (int k = 0; k < numOutputs; ++k)
    if (im.hasOutput(k))
      im.setSequence(k, std::move(outs[k]));
  return success();
}

void mlir::tessera::onnx_import::registerSequenceOps(OpTable &t) {
  t["SequenceMap"] = importSequenceMap;
  t["SequenceEmpty"] = importSequenceEmpty;
  t["SequenceConstruct"] = importSequenceConstruct;
  t["SequenceInsert"] = importSequenceInsert;
  t["SequenceAt"] = importSequenceAt;
  t["SequenceErase"] = importSequenceErase;
  t["SequenceLength"] = importSequenceLength;
  t["ConcatFromSequence"] = importConcatFromSequence;
  t["SplitToSequence"] = importSplitToSequence;
  t["Optional"] = importOptional;
  t["OptionalHasElement"] = importOptionalHasElement;
  t["OptionalGetElement"] = importOptionalGetElement;
  // Identity forwards a sequence or an optional as it is (opset 14 on).
  OpHandler identity = t["Identity"];
  t["Identity"] = [identity](Importer &im) -> LogicalResult {
    TensorInfo *x = im.optionalInput(0);
    if (!x || (!x->isSequence() && !x->none))
      return identity(im);
    if (im.hasOutput(0))
      im.values[im.node->output(0)] = *x;
    return success();
  };
}
