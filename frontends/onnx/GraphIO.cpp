// Graph inputs and outputs of the main graph: declared types with
// --input-shape, --const-input constants, --sequence-input elements,
// --empty-optional, and the outputs returned (a sequence as its elements).
#include "frontends/onnx/GraphImporter.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

SmallVector<Type> GraphImporter::GraphArguments::types() const {
  SmallVector<Type> types;
  for (const Argument &a : arguments)
    types.push_back(a.type);
  return types;
}

FailureOr<RankedTensorType>
GraphImporter::graphValueType(const onnx::ValueInfoProto &vi, StringRef kind) {
  if (vi.type().has_optional_type())
    return failGraph(kind + " '" + vi.name() +
                     "' is an optional of an optional, which is not supported");
  if (!vi.type().has_tensor_type())
    return failGraph(kind + " '" + vi.name() + "' is not a tensor");
  const auto &tt = vi.type().tensor_type();
  FailureOr<Type> et = elementTypeFor(ctx, tt.elem_type());
  if (failed(et))
    return failGraph(kind + " '" + vi.name() + "' has unsupported data type " +
                     onnxTypeName(tt.elem_type()));
  if (!tt.has_shape())
    return failGraph(kind + " '" + vi.name() + "' has no shape");
  SmallVector<int64_t> shape;
  const SmallVector<int64_t> *given = nullptr;
  if (auto it = options.inputShapes.find(vi.name());
      it != options.inputShapes.end()) {
    given = &it->second;
    if (given->size() != size_t(tt.shape().dim_size()))
      return failGraph(kind + " '" + vi.name() + "' has rank " +
                       Twine(tt.shape().dim_size()) +
                       ", but --input-shape gives rank " +
                       Twine(given->size()));
  }
  for (const auto &[i, d] : llvm::enumerate(tt.shape().dim())) {
    bool symbolic = !d.has_dim_value() || d.dim_value() < 0;
    if (given) {
      if (!symbolic && d.dim_value() != (*given)[i])
        return failGraph(kind + " '" + vi.name() + "' has dimension " +
                         Twine(d.dim_value()) + " at index " + Twine(i) +
                         ", but --input-shape gives " + Twine((*given)[i]));
      shape.push_back((*given)[i]);
      continue;
    }
    if (symbolic)
      return failGraph(kind + " '" + vi.name() + "' has a symbolic dimension " +
                       (d.has_dim_param() ? "'" + d.dim_param() + "' " : "") +
                       "at index " + Twine(i) +
                       "; give it a size with --input-shape=" + vi.name() +
                       "=d0x..., or export without dynamic_axes");
    shape.push_back(d.dim_value());
  }
  if (std::string big = checkTensorSize(shape, *et); !big.empty())
    return failGraph(kind + " '" + vi.name() + "': " + big);
  return RankedTensorType::get(shape, *et);
}

/// Every --const-input and --input-shape must name a graph input.
LogicalResult
GraphImporter::checkSpecializedNames(const onnx::GraphProto &graph) {
  llvm::StringSet<> inputs;
  for (const auto &vi : graph.input())
    inputs.insert(vi.name());
  std::pair<StringRef, SmallVector<StringRef>> flags[] = {
      {"--const-input", llvm::to_vector(options.constInputs.keys())},
      {"--input-shape", llvm::to_vector(options.inputShapes.keys())},
      {"--sequence-input", llvm::to_vector(options.sequenceInputs.keys())},
      {"--empty-optional", llvm::to_vector(options.emptyOptionals.keys())}};
  for (const auto &[flag, names] : flags)
    for (StringRef name : names)
      if (!inputs.contains(name))
        return failGraph(flag + " names '" + name +
                         "', which is not a graph input");
  return success();
}

/// The element tensor types of graph input `vi`, a sequence of tensors,
/// from --sequence-input (each checked against the declared element type).
FailureOr<SmallVector<RankedTensorType>>
GraphImporter::sequenceInputTypes(const onnx::ValueInfoProto &vi,
                                  int32_t &onnxType) {
  const onnx::TypeProto &elem = vi.type().sequence_type().elem_type();
  if (!elem.has_tensor_type())
    return failGraph("graph input '" + vi.name() +
                     "' is a sequence whose elements are not tensors");
  const auto &tt = elem.tensor_type();
  onnxType = tt.elem_type();
  FailureOr<Type> et = elementTypeFor(ctx, onnxType);
  if (failed(et))
    return failGraph("graph input '" + vi.name() +
                     "' is a sequence of unsupported data type " +
                     onnxTypeName(onnxType));
  auto it = options.sequenceInputs.find(vi.name());
  if (it == options.sequenceInputs.end())
    return failGraph("graph input '" + vi.name() +
                     "' is a sequence; give its element shapes with "
                     "--sequence-input=" +
                     vi.name() + "=D0xD1x...,... (its elements become inputs " +
                     vi.name() + ".0, " + vi.name() + ".1, ...)");
  SmallVector<RankedTensorType> types;
  for (const auto &[j, shape] : llvm::enumerate(it->second)) {
    if (tt.has_shape()) {
      bool ok = tt.shape().dim_size() == int(shape.size());
      for (const auto &[d, dim] : llvm::enumerate(tt.shape().dim()))
        ok = ok && (!dim.has_dim_value() || dim.dim_value() == shape[d]);
      if (!ok)
        return failGraph("--sequence-input gives element " + Twine(j) +
                         " of '" + vi.name() + "' the type " +
                         typeStr(RankedTensorType::get(shape, *et)) +
                         ", which its declared element type does not allow");
    }
    if (std::string big = checkTensorSize(shape, *et); !big.empty())
      return failGraph("graph input '" + vi.name() + "." + Twine(j) +
                       "': " + big);
    types.push_back(RankedTensorType::get(shape, *et));
  }
  return types;
}

/// Replaces graph input `name` (declared as `declared`, symbolic dimensions
/// already resolved) by the value of its --const-input file.
LogicalResult GraphImporter::loadConstInput(StringRef name,
                                            RankedTensorType declared) {
  std::string path = options.constInputs.lookup(name);
  onnx::TensorProto tensor;
  std::string error;
  if (!readNpyTensor(path, tensor, error))
    return failGraph("--const-input " + name + ": " + error);
  tensor.set_name(name.str());
  std::optional<TensorInfo> info =
      loadTensor(ctx, tensor, name, modelDir, error);
  if (!info)
    return failGraph("--const-input " + name + ": " + error);
  if (info->type != declared) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "--const-input " << name << ": the file holds " << info->type
       << ", the graph input is " << declared;
    return failGraph(msg);
  }
  values[name] = std::move(*info);
  return success();
}

FailureOr<GraphImporter::GraphArguments>
GraphImporter::readGraphInputs(const onnx::GraphProto &graph) {
  if (failed(checkSpecializedNames(graph)))
    return failure();
  GraphArguments args;
  for (const auto &declared : graph.input()) {
    if (values.count(declared.name()))
      continue; // an initializer listed as input (IR version < 4 style)
    // An optional input is empty (--empty-optional: no argument) or holds
    // its element, an input declared as that element.
    onnx::ValueInfoProto element;
    const onnx::ValueInfoProto &vi =
        declared.type().has_optional_type() ? element : declared;
    if (declared.type().has_optional_type()) {
      if (options.emptyOptionals.contains(declared.name())) {
        TensorInfo none;
        none.none = true;
        values[declared.name()] = std::move(none);
        continue;
      }
      element.set_name(declared.name());
      *element.mutable_type() = declared.type().optional_type().elem_type();
      if (element.type().has_tensor_type())
        onnxTypes[declared.name()] = element.type().tensor_type().elem_type();
    } else if (options.emptyOptionals.contains(declared.name())) {
      return failGraph("--empty-optional names '" + declared.name() +
                       "', which is not an optional");
    }
    if (vi.type().has_sequence_type()) {
      int32_t onnxType = 0;
      FailureOr<SmallVector<RankedTensorType>> types =
          sequenceInputTypes(vi, onnxType);
      if (failed(types))
        return failure();
      int sequence = int(args.sequences.size());
      args.sequences.push_back(
          {vi.name(), args.arguments.size(), types->size(), onnxType});
      for (auto [j, t] : llvm::enumerate(*types)) {
        std::string name = vi.name() + "." + std::to_string(j);
        onnxTypes[name] = onnxType;
        args.arguments.push_back({t, std::move(name), sequence});
      }
      continue;
    }
    FailureOr<RankedTensorType> type = graphValueType(vi, "graph input");
    if (failed(type))
      return failure();
    if (options.constInputs.count(vi.name())) {
      if (failed(loadConstInput(vi.name(), *type)))
        return failure();
      continue;
    }
    args.arguments.push_back({*type, vi.name()});
  }
  return args;
}

void GraphImporter::bindGraphInputs(func::FuncOp func,
                                    const GraphArguments &args) {
  Block *body = func.addEntryBlock();
  for (auto [i, arg] : llvm::enumerate(args.arguments)) {
    func.setArgAttr(i, "tessera.name", builder.getStringAttr(arg.name));
    if (isUnsignedOnnxType(onnxTypeOf(arg.name)))
      func.setArgAttr(i, "tessera.unsigned", builder.getUnitAttr());
    if (arg.sequence >= 0)
      continue;
    TensorInfo info;
    info.type = arg.type;
    info.value = body->getArgument(i);
    values[arg.name] = std::move(info);
  }
  // A sequence input is the list of its element arguments.
  for (const GraphArguments::Sequence &s : args.sequences) {
    SequenceInfo seq;
    seq.elementType = *elementTypeFor(ctx, s.onnxType);
    seq.onnxType = s.onnxType;
    for (size_t j = 0; j < s.count; ++j) {
      TensorInfo item;
      item.type = args.arguments[s.first + j].type;
      item.value = body->getArgument(s.first + j);
      seq.items.push_back(std::move(item));
    }
    TensorInfo info;
    info.sequence = std::make_shared<const SequenceInfo>(std::move(seq));
    values[s.name] = std::move(info);
    onnxTypes[s.name] = 0;
  }
}

LogicalResult GraphImporter::returnGraphOutputs(const onnx::GraphProto &graph,
                                                func::FuncOp func,
                                                Location loc) {
  // Each result with its name and ONNX element type; a sequence output is
  // its elements, NAME.0, NAME.1, ...
  SmallVector<Value> results;
  SmallVector<std::pair<std::string, int32_t>> resultNames;
  for (const auto &vi : graph.output()) {
    auto it = values.find(vi.name());
    if (it == values.end())
      return failGraph("graph output '" + vi.name() + "' is never produced");
    if (it->second.none)
      continue; // an empty optional: no result
    if (it->second.isSequence()) {
      const SequenceInfo &seq = *it->second.sequence;
      for (auto [j, item] : llvm::enumerate(seq.items)) {
        TensorInfo copy = item;
        results.push_back(materialize(copy));
        resultNames.push_back(
            {vi.name() + "." + std::to_string(j), seq.onnxType});
      }
      continue;
    }
    results.push_back(materialize(it->second));
    resultNames.push_back({vi.name(), vi.type().has_tensor_type()
                                          ? vi.type().tensor_type().elem_type()
                                          : onnxTypeOf(vi.name())});
  }
  func::ReturnOp::create(builder, loc, results);
  func.setType(builder.getFunctionType(func.getArgumentTypes(),
                                       ValueRange(results).getTypes()));
  for (const auto &[i, nameType] : llvm::enumerate(resultNames)) {
    func.setResultAttr(i, "tessera.name",
                       builder.getStringAttr(nameType.first));
    if (isUnsignedOnnxType(nameType.second))
      func.setResultAttr(i, "tessera.unsigned", builder.getUnitAttr());
  }
  return success();
}
