// Subgraphs imported inline: binding a graph attribute's inputs (checked
// against their declared types), importing its nodes, returning its outputs,
// and restoring the enclosing names that its own hid.
#include "frontends/onnx/ops/Subgraph.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

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

const onnx::GraphProto *mlir::tessera::onnx_import::graphAttr(Importer &im,
                                                              StringRef name) {
  const auto *a = im.attr(name);
  if (!a || a->type() != onnx::AttributeProto::GRAPH) {
    (void)im.fail("attribute '" + name + "' must be a graph");
    return nullptr;
  }
  return &a->g();
}

FailureOr<Bound> mlir::tessera::onnx_import::outerInput(Importer &im,
                                                        unsigned i,
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
