// Control flow unrolled at import: Loop with a trip count and condition known
// at import time, Scan over its static sequence length (opset 8's batched
// form too) and If with a constant condition. Each iteration imports the
// body's nodes into the enclosing function with the body's inputs bound to
// that iteration's values; the body reads enclosing values by name.
// Sequences (lists of tensors, ops/Sequence.cpp) pass through loop-carried
// values, Scan states and branch outputs as they are.
#include "frontends/onnx/ops/Subgraph.h"

#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

/// More iterations than this are refused: the unrolled IR would be huge.
constexpr int64_t kMaxIterations = 100000;

/// A constant scalar, or a one-element vector where `asVector`.
static Bound scalarConst(Importer &im, Type elementType, int64_t value,
                         int32_t onnxType, bool asVector = false) {
  Bound b;
  b.info.type = asVector ? RankedTensorType::get({1}, elementType)
                         : RankedTensorType::get({}, elementType);
  b.info.constant = makeConst(b.info.type, {value});
  b.onnxType = onnxType;
  return b;
}

/// Element `index` of `x` along `axis`, the axis dropped: a tessera.gather
/// with a constant scalar index (what torch's unrolled loops import to), so
/// that later passes read it as "step `index` of x".
static Bound sliceAt(Importer &im, Bound &x, int64_t axis, int64_t index) {
  RankedTensorType in = x.info.type;
  SmallVector<int64_t> shape(in.getShape());
  shape.erase(shape.begin() + axis);
  Bound out;
  out.onnxType = x.onnxType;
  out.info.type = RankedTensorType::get(shape, in.getElementType());
  if (x.info.constant && out.info.type.getNumElements() <= kFoldLimit) {
    SmallVector<int64_t> strides = stridesOf(in.getShape());
    out.info.constant =
        remapConst(*x.info.constant, out.info.type, [&](ArrayRef<int64_t> idx) {
          int64_t flat = index * strides[axis];
          for (auto [d, v] : llvm::enumerate(idx))
            flat += v * strides[int64_t(d) < axis ? d : d + 1];
          return flat;
        });
    return out;
  }
  Value i = im.constant(
      makeConst(RankedTensorType::get({}, im.builder.getI64Type()), {index}));
  out.info.value = GatherOp::create(im.builder, im.loc, out.info.type,
                                    im.materialize(x.info), i, axis)
                       .getResult();
  return out;
}

/// Stacks `items` of type `itemType` along a new dimension `axis`, like an
/// unrolled torch.stack: each gets a unit dimension there (tessera.reshape),
/// then one tessera.concat joins them. Constant items fold.
static TensorInfo stack(Importer &im, ArrayRef<TensorInfo> items,
                        RankedTensorType itemType, int64_t axis) {
  SmallVector<int64_t> unit(itemType.getShape());
  unit.insert(unit.begin() + axis, 1);
  SmallVector<int64_t> shape(unit);
  shape[axis] = int64_t(items.size());
  TensorInfo out;
  out.type = RankedTensorType::get(shape, itemType.getElementType());
  if (llvm::all_of(items, [](const TensorInfo &t) { return t.constant; }) &&
      out.type.getNumElements() <= kFoldLimit) {
    ConstTensor c;
    c.type = out.type;
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    int64_t inner = outer ? itemType.getNumElements() / outer : 0;
    for (int64_t o = 0; o < outer; ++o)
      for (const TensorInfo &t : items)
        for (int64_t k = o * inner; k < (o + 1) * inner; ++k)
          if (c.isFloat())
            c.floats.push_back(t.constant->getDouble(k));
          else
            c.ints.push_back(t.constant->getInt(k));
    out.constant = std::move(c);
    return out;
  }
  SmallVector<Value> parts;
  for (TensorInfo t : items)
    parts.push_back(im.reshape(im.materialize(t), unit));
  out.value = parts.size() == 1
                  ? parts[0]
                  : ConcatOp::create(im.builder, im.loc, out.type, parts, axis)
                        .getResult();
  return out;
}

/// The per-iteration values of subgraph output `index`, stacked along `axis`
/// (normalized against the stacked rank). Every iteration must give the same
/// type; without iterations the type comes from the output's declaration.
static FailureOr<TensorInfo> stackOutput(Importer &im, const Subgraph &sub,
                                         int index, ArrayRef<TensorInfo> items,
                                         int64_t axis) {
  const std::string &name = sub.outputName(index);
  if (llvm::any_of(items, [](const TensorInfo &t) { return t.isSequence(); }))
    return im.fail("scan output '" + name +
                   "' is a sequence; only tensors can be stacked");
  RankedTensorType type;
  if (!items.empty()) {
    type = items.front().type;
  } else if (auto declared = sub.declaredOutputType(index)) {
    type = *declared;
  } else {
    return im.fail("no iterations run, and the body does not declare a "
                   "static shape for scan output '" +
                   name + "', so the empty result's shape is unknown");
  }
  for (const auto &[i, t] : llvm::enumerate(items))
    if (t.type != type)
      return im.fail("scan output '" + name + "' is " + typeStr(type) +
                     " in iteration 0 but " + typeStr(t.type) +
                     " in iteration " + Twine(i) +
                     "; only values of one type can be stacked");
  FailureOr<int64_t> a = im.normAxis(axis, type.getRank() + 1);
  if (failed(a))
    return failure();
  return stack(im, items, type, *a);
}

static void setOutputs(Importer &im, ArrayRef<TensorInfo> results) {
  for (const auto &[i, info] : llvm::enumerate(results))
    if (im.hasOutput(i))
      im.values[im.node->output(i)] = info;
}

// --- Loop ------------------------------------------------------------------

/// The trip count M: max() when absent (a while loop) or given as INT64_MAX,
/// as torch exports its while loops.
static FailureOr<int64_t> tripCount(Importer &im) {
  constexpr int64_t unbounded = std::numeric_limits<int64_t>::max();
  if (!im.hasInput(0))
    return unbounded;
  const ConstTensor *m = im.constInput(0, "trip count M");
  if (!m)
    return failure();
  if (m->isFloat() || m->numElements() != 1)
    return im.fail("trip count M must be an integer scalar");
  int64_t n = std::max<int64_t>(m->getInt(0), 0);
  if (n > kMaxIterations && n != unbounded)
    return im.fail("trip count M = " + Twine(n) +
                   " is above the unrolling limit of " + Twine(kMaxIterations) +
                   " iterations");
  return n;
}

static LogicalResult importLoop(Importer &im) {
  const onnx::GraphProto *body = graphAttr(im, "body");
  if (!body)
    return failure();
  int numCarried = im.node->input_size() - 2;
  int numScans = int(im.numOutputs()) - numCarried;
  if (numCarried < 0 || numScans < 0)
    return im.fail("Loop needs inputs M and cond (either may be empty) and "
                   "an output per loop-carried value");
  FailureOr<int64_t> trips = tripCount(im);
  if (failed(trips))
    return failure();
  bool cond = true;
  if (im.hasInput(1)) {
    const ConstTensor *c = im.constInput(1, "condition cond");
    if (!c)
      return failure();
    if (c->numElements() != 1)
      return im.fail("condition cond must hold one element");
    cond = c->getDouble(0) != 0;
  }
  SmallVector<Bound> carried;
  for (int j = 0; j < numCarried; ++j) {
    if (!im.hasInput(2 + j))
      return im.fail("loop-carried input " + Twine(2 + j) +
                     " is absent; optional values are not supported");
    FailureOr<Bound> v = outerInput(im, 2 + j, /*allowSequence=*/true);
    if (failed(v))
      return failure();
    carried.push_back(*v);
  }

  SmallVector<TensorInfo> results;
  {
    Subgraph sub(im, *body, "the body");
    if (failed(sub.init(2 + numCarried, 1 + numCarried + numScans)))
      return failure();
    SmallVector<SmallVector<TensorInfo>> scans(numScans);
    SmallVector<Bound> outs;
    Type i64 = im.builder.getI64Type(), i1 = im.builder.getI1Type();
    for (int64_t i = 0; cond && i < *trips; ++i) {
      if (i == kMaxIterations)
        return im.fail("the body's condition stays true for " +
                       Twine(kMaxIterations) +
                       " iterations (the unrolling limit) and no trip count "
                       "ends the loop");
      // The iteration number and the condition are scalars; a body that
      // declares them as one-element vectors (torch's exports do) gets
      // those, as ONNX Runtime gives it.
      if (failed(sub.bind(0, scalarConst(im, i64, i, onnx::TensorProto::INT64,
                                         sub.declaresOneElementVector(0)))) ||
          failed(sub.bind(1, scalarConst(im, i1, 1, onnx::TensorProto::BOOL,
                                         sub.declaresOneElementVector(1)))))
        return failure();
      for (int j = 0; j < numCarried; ++j)
        if (failed(sub.bind(2 + j, carried[j])))
          return failure();
      if (failed(sub.run(outs, "iteration " + Twine(i))))
        return failure();
      const TensorInfo &c = outs[0].info;
      if (!c.constant || c.type.getNumElements() != 1)
        return im.fail("the body's condition output '" + sub.outputName(0) +
                       "' is not known at import time in iteration " +
                       Twine(i) +
                       ": the loop ends on data, and only loops with a "
                       "static trip count can be unrolled");
      cond = c.constant->getDouble(0) != 0;
      for (int j = 0; j < numCarried; ++j) {
        const TensorInfo &was = carried[j].info, &now = outs[1 + j].info;
        if (was.isSequence() != now.isSequence())
          return im.fail("loop-carried value '" + sub.outputName(1 + j) +
                         "' changes from " +
                         (was.isSequence() ? "a sequence" : "a tensor") +
                         " to " +
                         (now.isSequence() ? "a sequence" : "a tensor"));
        Type before = was.isSequence() ? was.sequence->elementType
                                       : was.type.getElementType();
        Type after = now.isSequence() ? now.sequence->elementType
                                      : now.type.getElementType();
        if (before != after)
          return im.fail("loop-carried value '" + sub.outputName(1 + j) +
                         "' changes element type from " + typeStr(before) +
                         " to " + typeStr(after));
        carried[j] = outs[1 + j];
      }
      for (int k = 0; k < numScans; ++k)
        scans[k].push_back(outs[1 + numCarried + k].info);
    }
    for (const Bound &v : carried)
      results.push_back(v.info);
    for (int k = 0; k < numScans; ++k) {
      if (!im.hasOutput(numCarried + k)) {
        results.emplace_back();
        continue;
      }
      FailureOr<TensorInfo> s =
          stackOutput(im, sub, 1 + numCarried + k, scans[k], 0);
      if (failed(s))
        return failure();
      results.push_back(*s);
    }
  }
  setOutputs(im, results);
  return success();
}

// --- Scan ------------------------------------------------------------------

/// Scan's axes and directions, normalized against the operands' ranks
/// (output axes are normalized when the outputs' ranks are known).
struct ScanSpec {
  int numStates = 0, numInputs = 0, numOutputs = 0;
  SmallVector<int64_t> inAxes, inReverse, outAxes, outReverse;
};

/// An attribute with one int per scan input or output; zeros when absent.
static FailureOr<SmallVector<int64_t>> perScanAttr(Importer &im, StringRef name,
                                                   int count, bool isFlag) {
  std::optional<SmallVector<int64_t>> v = im.attrInts(name);
  if (!v)
    return SmallVector<int64_t>(count, 0);
  if (int(v->size()) != count)
    return im.fail("attribute '" + name + "' has " + Twine(v->size()) +
                   " values, " + Twine(count) + " expected");
  if (isFlag && llvm::any_of(*v, [](int64_t x) { return x != 0 && x != 1; }))
    return im.fail("attribute '" + name + "' values must be 0 or 1");
  return *v;
}

/// Unrolls `sub` over `length` steps: `states` in, final states out; the
/// per-step values of each scan output, in step order, in `steps`.
static LogicalResult unrollScan(Importer &im, Subgraph &sub,
                                const ScanSpec &spec, int64_t length,
                                SmallVectorImpl<Bound> &states,
                                MutableArrayRef<Bound> xs,
                                SmallVectorImpl<SmallVector<TensorInfo>> &steps,
                                const Twine &where) {
  steps.assign(spec.numOutputs, {});
  SmallVector<Bound> outs;
  for (int64_t t = 0; t < length; ++t) {
    for (int j = 0; j < spec.numStates; ++j)
      if (failed(sub.bind(j, states[j])))
        return failure();
    for (int m = 0; m < spec.numInputs; ++m) {
      int64_t index = spec.inReverse[m] ? length - 1 - t : t;
      if (failed(sub.bind(spec.numStates + m,
                          sliceAt(im, xs[m], spec.inAxes[m], index))))
        return failure();
    }
    if (failed(sub.run(outs, "iteration " + Twine(t) + where)))
      return failure();
    for (int j = 0; j < spec.numStates; ++j)
      states[j] = outs[j];
    for (int k = 0; k < spec.numOutputs; ++k)
      steps[k].push_back(outs[spec.numStates + k].info);
  }
  return success();
}

/// Stacks scan output `k`'s steps along its axis, in its direction.
static FailureOr<TensorInfo> scanOutput(Importer &im, const Subgraph &sub,
                                        const ScanSpec &spec, int k,
                                        SmallVector<TensorInfo> steps) {
  if (spec.outReverse[k])
    std::reverse(steps.begin(), steps.end());
  return stackOutput(im, sub, spec.numStates + k, steps, spec.outAxes[k]);
}

/// The common sequence length of the scan inputs (`first` on) along their
/// scan axes.
static FailureOr<int64_t> scanLength(Importer &im, ArrayRef<Bound> xs,
                                     ArrayRef<int64_t> axes, int first) {
  int64_t length = xs[0].info.type.getDimSize(axes[0]);
  for (auto [m, x] : llvm::enumerate(xs))
    if (x.info.type.getDimSize(axes[m]) != length)
      return im.fail("scan inputs " + Twine(first) + " and " +
                     Twine(first + int(m)) +
                     " differ in sequence length along their scan axes");
  if (length > kMaxIterations)
    return im.fail("sequence length " + Twine(length) +
                   " is above the unrolling limit of " + Twine(kMaxIterations) +
                   " iterations");
  return length;
}

/// Scan from opset 9 on: scan inputs sliced along scan_input_axes, outputs
/// stacked along scan_output_axes, each in its direction.
static LogicalResult importScan(Importer &im) {
  const onnx::GraphProto *body = graphAttr(im, "body");
  if (!body)
    return failure();
  ScanSpec spec;
  spec.numInputs = int(im.attrInt("num_scan_inputs", 0));
  spec.numStates = im.node->input_size() - spec.numInputs;
  spec.numOutputs = int(im.numOutputs()) - spec.numStates;
  if (spec.numInputs < 1 || spec.numStates < 0 || spec.numOutputs < 0)
    return im.fail("num_scan_inputs = " + Twine(spec.numInputs) +
                   " does not fit the node's " + Twine(im.node->input_size()) +
                   " inputs and " + Twine(im.numOutputs()) + " outputs");
  SmallVector<Bound> states, xs;
  for (int i = 0; i < im.node->input_size(); ++i) {
    FailureOr<Bound> v = outerInput(im, i, i < spec.numStates);
    if (failed(v))
      return failure();
    (i < spec.numStates ? states : xs).push_back(*v);
  }
  auto inAxes = perScanAttr(im, "scan_input_axes", spec.numInputs, false);
  auto inDirs = perScanAttr(im, "scan_input_directions", spec.numInputs, true);
  auto outAxes = perScanAttr(im, "scan_output_axes", spec.numOutputs, false);
  auto outDirs =
      perScanAttr(im, "scan_output_directions", spec.numOutputs, true);
  if (failed(inAxes) || failed(inDirs) || failed(outAxes) || failed(outDirs))
    return failure();
  spec.inReverse = *inDirs;
  spec.outAxes = *outAxes;
  spec.outReverse = *outDirs;
  for (auto [m, x] : llvm::enumerate(xs)) {
    FailureOr<int64_t> a = im.normAxis((*inAxes)[m], x.info.type.getRank());
    if (failed(a))
      return failure();
    spec.inAxes.push_back(*a);
  }
  FailureOr<int64_t> length = scanLength(im, xs, spec.inAxes, spec.numStates);
  if (failed(length))
    return failure();

  SmallVector<TensorInfo> results;
  {
    Subgraph sub(im, *body, "the body");
    if (failed(sub.init(spec.numStates + spec.numInputs,
                        spec.numStates + spec.numOutputs)))
      return failure();
    SmallVector<SmallVector<TensorInfo>> steps;
    if (failed(unrollScan(im, sub, spec, *length, states, xs, steps, "")))
      return failure();
    for (const Bound &s : states)
      results.push_back(s.info);
    for (int k = 0; k < spec.numOutputs; ++k) {
      if (!im.hasOutput(spec.numStates + k)) {
        results.emplace_back();
        continue;
      }
      FailureOr<TensorInfo> out = scanOutput(im, sub, spec, k, steps[k]);
      if (failed(out))
        return failure();
      results.push_back(*out);
    }
  }
  setOutputs(im, results);
  return success();
}

/// Opset 8's Scan: input 0 is the optional sequence_lens, and states and
/// scan inputs carry a batch dimension 0 (scan inputs scan along axis 1).
/// The body runs per batch element; results are stacked back along axis 0.
static LogicalResult importScan8(Importer &im) {
  const onnx::GraphProto *body = graphAttr(im, "body");
  if (!body)
    return failure();
  ScanSpec spec;
  spec.numInputs = int(im.attrInt("num_scan_inputs", 0));
  spec.numStates = im.node->input_size() - 1 - spec.numInputs;
  spec.numOutputs = int(im.numOutputs()) - spec.numStates;
  if (spec.numInputs < 1 || spec.numStates < 0 || spec.numOutputs < 0)
    return im.fail("num_scan_inputs = " + Twine(spec.numInputs) +
                   " does not fit the node's inputs and outputs");
  SmallVector<Bound> states, xs;
  for (int i = 1; i < im.node->input_size(); ++i) {
    FailureOr<Bound> v = outerInput(im, i, /*allowSequence=*/false);
    if (failed(v))
      return failure();
    if (v->info.type.getRank() < (i <= spec.numStates ? 1 : 2))
      return im.fail("input " + Twine(i) + " lacks the batch dimension" +
                     (i > spec.numStates ? " and the sequence dimension" : ""));
    (i <= spec.numStates ? states : xs).push_back(*v);
  }
  auto dirs = perScanAttr(im, "directions", spec.numInputs, true);
  if (failed(dirs))
    return failure();
  spec.inReverse = *dirs;
  spec.inAxes.assign(spec.numInputs, 0);
  spec.outAxes.assign(spec.numOutputs, 0);
  spec.outReverse.assign(spec.numOutputs, 0);
  int64_t batch = xs[0].info.type.getDimSize(0);
  if (batch == 0)
    return im.fail("an empty batch is not supported");
  for (const Bound &v : llvm::concat<Bound>(states, xs))
    if (v.info.type.getDimSize(0) != batch)
      return im.fail("inputs differ in batch size");
  SmallVector<int64_t> seqAxes(spec.numInputs, 1);
  FailureOr<int64_t> length = scanLength(im, xs, seqAxes, 1 + spec.numStates);
  if (failed(length))
    return failure();
  if (im.hasInput(0)) {
    auto lens = im.constInts(0, "sequence_lens");
    if (failed(lens))
      return failure();
    if (llvm::any_of(*lens, [&](int64_t n) { return n != *length; }))
      return im.fail("sequence_lens shorter than the sequence length " +
                     Twine(*length) + " are not supported");
  }
  if (batch * *length > kMaxIterations)
    return im.fail("batch " + Twine(batch) + " x sequence length " +
                   Twine(*length) + " is above the unrolling limit of " +
                   Twine(kMaxIterations) + " iterations");

  SmallVector<TensorInfo> results;
  {
    Subgraph sub(im, *body, "the body");
    if (failed(sub.init(spec.numStates + spec.numInputs,
                        spec.numStates + spec.numOutputs)))
      return failure();
    // Per batch element: final states, then the stacked scan outputs.
    SmallVector<SmallVector<TensorInfo>> perBatch(spec.numStates +
                                                  spec.numOutputs);
    for (int64_t b = 0; b < batch; ++b) {
      SmallVector<Bound> s, x;
      for (Bound &v : states)
        s.push_back(sliceAt(im, v, 0, b));
      for (Bound &v : xs)
        x.push_back(sliceAt(im, v, 0, b));
      SmallVector<SmallVector<TensorInfo>> steps;
      if (failed(unrollScan(im, sub, spec, *length, s, x, steps,
                            " for batch element " + Twine(b))))
        return failure();
      for (int j = 0; j < spec.numStates; ++j)
        perBatch[j].push_back(s[j].info);
      for (int k = 0; k < spec.numOutputs; ++k) {
        if (!im.hasOutput(spec.numStates + k))
          continue;
        FailureOr<TensorInfo> out = scanOutput(im, sub, spec, k, steps[k]);
        if (failed(out))
          return failure();
        perBatch[spec.numStates + k].push_back(*out);
      }
    }
    for (const auto &[i, items] : llvm::enumerate(perBatch)) {
      if (!im.hasOutput(i)) {
        results.emplace_back();
        continue;
      }
      FailureOr<TensorInfo> out = stackOutput(im, sub, int(i), items, 0);
      if (failed(out))
        return failure();
      results.push_back(*out);
    }
  }
  setOutputs(im, results);
  return success();
}

// --- If --------------------------------------------------------------------

/// If with a condition known at import time: the taken branch, inline.
static LogicalResult importIf(Importer &im) {
  const ConstTensor *c = im.constInput(0, "condition cond");
  if (!c)
    return failure();
  if (c->numElements() != 1)
    return im.fail("condition cond must hold one element");
  StringRef branch = c->getDouble(0) != 0 ? "then_branch" : "else_branch";
  const onnx::GraphProto *graph = graphAttr(im, branch);
  if (!graph)
    return failure();
  SmallVector<TensorInfo> results;
  {
    Subgraph sub(im, *graph, ("the " + branch).str());
    SmallVector<Bound> outs;
    if (failed(sub.init(0, int(im.numOutputs()))) ||
        failed(sub.run(outs, "the taken branch")))
      return failure();
    for (const Bound &b : outs)
      results.push_back(b.info);
  }
  setOutputs(im, results);
  return success();
}

void mlir::tessera::onnx_import::registerControlFlowOps(OpTable &t) {
  t["Loop"] = importLoop;
  t["Scan"] = [](Importer &im) {
    return im.opset < 9 ? importScan8(im) : importScan(im);
  };
  t["If"] = importIf;
}
