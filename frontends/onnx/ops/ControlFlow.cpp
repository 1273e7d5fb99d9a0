// Control flow unrolled at import: Loop with a trip count and condition known
// at import time, Scan over its static sequence length (opset 8's batched
// form too) and If with a constant condition. Each iteration imports the
// body's nodes into the enclosing function with the body's inputs bound to
// that iteration's values; the body reads enclosing values by name.
// SequenceMap runs its body once per element of its input sequence.
// Sequences (lists of tensors, ops/Sequence.cpp) pass through loop-carried
// values, Scan states and branch outputs as they are.
#include "frontends/onnx/Importer.h"

#include "llvm/ADT/StringSet.h"

#include <limits>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

namespace {
/// More iterations than this are refused: the unrolled IR would be huge.
constexpr int64_t kMaxIterations = 100000;

/// A value passed into or out of a subgraph, with its ONNX element type
/// (which tells unsigned types from signed ones).
struct Bound {
  TensorInfo info;
  int32_t onnxType = 0;
};

/// A graph attribute imported inline, once per `run`. The names it defines
/// are in the importer's value table only while it exists; names of the
/// enclosing graphs that they hide are restored afterwards.
class Subgraph {
public:
  Subgraph(Importer &im, const onnx::GraphProto &graph, StringRef what);
  ~Subgraph();
  /// Checks the input and output counts and loads the initializers.
  LogicalResult init(int numInputs, int numOutputs);
  /// Binds input `i` for the next run, checked against its declared type.
  LogicalResult bind(int i, const Bound &value);
  /// Imports the nodes once and returns the graph's outputs; `when` names
  /// the iteration in errors.
  LogicalResult run(SmallVectorImpl<Bound> &outputs, const Twine &when);
  /// The declared type of output `i` when it is a static-shape tensor.
  std::optional<RankedTensorType> declaredOutputType(int i) const;
  /// Whether input `i` is declared as a vector of one element (or of a
  /// symbolic length).
  bool declaresOneElementVector(int i) const;
  const std::string &outputName(int i) const { return graph.output(i).name(); }

private:
  Importer &im;
  const onnx::GraphProto &graph;
  std::string what;
  SmallVector<std::string> defined, nodeOutputs;
  SmallVector<std::pair<std::string, TensorInfo>> hidden;
  SmallVector<std::pair<std::string, int32_t>> hiddenTypes;
};
} // namespace

Subgraph::Subgraph(Importer &im, const onnx::GraphProto &graph, StringRef what)
    : im(im), graph(graph), what(what.str()) {
  llvm::StringSet<> seen;
  auto define = [&](const std::string &name) {
    if (name.empty() || !seen.insert(name).second)
      return;
    defined.push_back(name);
    if (auto it = im.values.find(name); it != im.values.end())
      hidden.push_back({name, it->second});
    if (auto it = im.onnxTypes.find(name); it != im.onnxTypes.end())
      hiddenTypes.push_back({name, it->second});
  };
  for (const auto &vi : graph.input())
    define(vi.name());
  for (const auto &t : graph.initializer())
    define(t.name());
  for (const auto &n : graph.node())
    for (const std::string &out : n.output())
      if (!out.empty()) {
        define(out);
        nodeOutputs.push_back(out);
      }
}

Subgraph::~Subgraph() {
  for (const std::string &name : defined) {
    im.values.erase(name);
    im.onnxTypes.erase(name);
  }
  for (auto &[name, info] : hidden)
    im.values[name] = std::move(info);
  for (auto &[name, type] : hiddenTypes)
    im.onnxTypes[name] = type;
}

LogicalResult Subgraph::init(int numInputs, int numOutputs) {
  if (graph.input_size() != numInputs || graph.output_size() != numOutputs)
    return im.fail(what + " has " + Twine(graph.input_size()) + " inputs and " +
                   Twine(graph.output_size()) +
                   " outputs; the node's inputs and outputs need " +
                   Twine(numInputs) + " and " + Twine(numOutputs));
  if (graph.sparse_initializer_size())
    return im.fail(what + " has sparse initializers, which are not supported");
  for (const auto &t : graph.initializer()) {
    std::string error;
    std::optional<TensorInfo> info =
        loadTensor(im.ctx, t, t.name(), im.modelDir, error);
    if (!info)
      return im.fail(what + " initializer '" + t.name() + "': " + error);
    im.values[t.name()] = std::move(*info);
    im.onnxTypes[t.name()] = t.data_type();
  }
  return success();
}

static std::string declaredStr(const onnx::TypeProto::Tensor &tt) {
  std::string s = onnxTypeName(tt.elem_type());
  if (!tt.has_shape())
    return s;
  s += " [";
  for (const auto &[i, d] : llvm::enumerate(tt.shape().dim()))
    s += (i ? ", " : "") +
         (d.has_dim_value() ? std::to_string(d.dim_value()) : "?");
  return s + "]";
}

static StringRef kindOf(const onnx::TypeProto &t) {
  switch (t.value_case()) {
  case onnx::TypeProto::kSequenceType:
    return "a sequence";
  case onnx::TypeProto::kOptionalType:
    return "an optional";
  case onnx::TypeProto::kMapType:
    return "a map";
  case onnx::TypeProto::kSparseTensorType:
    return "a sparse tensor";
  default:
    return "not a tensor";
  }
}

/// Binds a sequence (a list of tensors, ops/Sequence.cpp) to an input
/// declared as a sequence of tensors or left untyped.
static LogicalResult bindSequence(Importer &im, const onnx::ValueInfoProto &vi,
                                  const onnx::TypeProto &t, const Bound &value,
                                  StringRef what) {
  if (vi.has_type() && !t.has_sequence_type())
    return im.fail(what + " input '" + vi.name() + "' is " + kindOf(t) +
                   " but receives a sequence");
  if (vi.has_type() && t.sequence_type().has_elem_type()) {
    const onnx::TypeProto &e = t.sequence_type().elem_type();
    if (!e.has_tensor_type())
      return im.fail(what + " input '" + vi.name() +
                     "' is a sequence whose elements are " + kindOf(e) +
                     "; only sequences of tensors are supported");
    FailureOr<Type> et = elementTypeFor(im.ctx, e.tensor_type().elem_type());
    if (e.tensor_type().elem_type() &&
        (failed(et) || *et != value.info.sequence->elementType))
      return im.fail(what + " input '" + vi.name() +
                     "' is declared as a sequence of " +
                     onnxTypeName(e.tensor_type().elem_type()) +
                     " but receives a sequence of " +
                     typeStr(value.info.sequence->elementType));
  }
  im.values[vi.name()] = value.info;
  im.onnxTypes[vi.name()] = 0;
  return success();
}

LogicalResult Subgraph::bind(int i, const Bound &value) {
  const onnx::ValueInfoProto &vi = graph.input(i);
  // An input declared optional takes an empty optional or its element.
  bool optional = vi.type().has_optional_type();
  const onnx::TypeProto &t =
      optional ? vi.type().optional_type().elem_type() : vi.type();
  if (value.info.none) {
    if (!optional)
      return im.fail(what + " input '" + vi.name() +
                     "' receives an empty optional but is not an optional");
    im.values[vi.name()] = value.info;
    im.onnxTypes[vi.name()] = 0;
    return success();
  }
  if (value.info.isSequence())
    return bindSequence(im, vi, t, value, what);
  if (t.has_sequence_type())
    return im.fail(what + " input '" + vi.name() + "' is " + kindOf(t) +
                   "; only tensors are supported where the node passes a "
                   "tensor (" +
                   typeStr(value.info.type) + ")");
  if (vi.has_type() && !t.has_tensor_type())
    return im.fail(what + " input '" + vi.name() + "' is " + kindOf(t) +
                   "; only tensors are supported");
  RankedTensorType type = value.info.type;
  int32_t onnxType = value.onnxType;
  if (t.has_tensor_type()) {
    const auto &tt = t.tensor_type();
    bool ok = true;
    if (tt.elem_type()) {
      FailureOr<Type> et = elementTypeFor(im.ctx, tt.elem_type());
      ok = succeeded(et) && *et == type.getElementType();
      onnxType = tt.elem_type();
    }
    if (tt.has_shape() && tt.shape().dim_size() != type.getRank())
      ok = false;
    else if (tt.has_shape())
      for (const auto &[d, dim] : llvm::enumerate(tt.shape().dim()))
        ok &= !dim.has_dim_value() || dim.dim_value() == type.getDimSize(d);
    if (!ok)
      return im.fail(what + " input '" + vi.name() + "' is declared as " +
                     declaredStr(tt) + " but receives " + typeStr(type));
  }
  im.values[vi.name()] = value.info;
  im.onnxTypes[vi.name()] = onnxType;
  return success();
}

LogicalResult Subgraph::run(SmallVectorImpl<Bound> &outputs,
                            const Twine &when) {
  // Drop the previous iteration's values so that a use before its
  // definition is an error, not a stale read.
  for (const std::string &name : nodeOutputs)
    im.values.erase(name);
  if (failed(im.importSubgraph(graph)))
    return im.fail("while importing " + when + " of " + what);
  outputs.clear();
  for (const auto &vi : graph.output()) {
    auto it = im.values.find(vi.name());
    if (it == im.values.end())
      return im.fail(what + " output '" + vi.name() + "' is never produced");
    outputs.push_back({it->second, im.onnxTypeOf(vi.name())});
  }
  return success();
}

bool Subgraph::declaresOneElementVector(int i) const {
  const onnx::TypeProto &t = graph.input(i).type();
  if (!t.has_tensor_type() || !t.tensor_type().has_shape() ||
      t.tensor_type().shape().dim_size() != 1)
    return false;
  const auto &dim = t.tensor_type().shape().dim(0);
  return !dim.has_dim_value() || dim.dim_value() == 1;
}

std::optional<RankedTensorType> Subgraph::declaredOutputType(int i) const {
  const onnx::TypeProto &t = graph.output(i).type();
  if (!t.has_tensor_type() || !t.tensor_type().has_shape())
    return std::nullopt;
  FailureOr<Type> et = elementTypeFor(im.ctx, t.tensor_type().elem_type());
  if (failed(et))
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (const auto &d : t.tensor_type().shape().dim()) {
    if (!d.has_dim_value())
      return std::nullopt;
    shape.push_back(d.dim_value());
  }
  return RankedTensorType::get(shape, *et);
}

static const onnx::GraphProto *graphAttr(Importer &im, StringRef name) {
  const auto *a = im.attr(name);
  if (!a || a->type() != onnx::AttributeProto::GRAPH) {
    (void)im.fail("attribute '" + name + "' must be a graph");
    return nullptr;
  }
  return &a->g();
}

/// Input `i` of the node, to be bound to a subgraph input: constants keep
/// their value (the body folds on them), weights are materialized once.
/// Sequences (lists of tensors) and empty optionals pass as they are where
/// `allowSequence`.
static FailureOr<Bound> outerInput(Importer &im, unsigned i,
                                   bool allowSequence) {
  TensorInfo *v = allowSequence ? im.optionalInput(i) : im.input(i);
  if (!v)
    return allowSequence && !im.hasInput(i)
               ? im.fail("missing input " + Twine(i))
               : failure();
  if (!v->constant && !v->isSequence() && !v->none)
    (void)im.materialize(*v);
  return Bound{*v, im.onnxTypeOf(im.node->input(i))};
}

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

void mlir::tessera::onnx_import::registerControlFlowOps(OpTable &t) {
  t["SequenceMap"] = importSequenceMap;
  t["Loop"] = importLoop;
  t["Scan"] = [](Importer &im) {
    return im.opset < 9 ? importScan8(im) : importScan(im);
  };
  t["If"] = importIf;
}
