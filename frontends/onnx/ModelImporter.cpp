// ONNX ModelProto -> `func.func @main_graph` in the tessera dialect: parses
// the file, runs ONNX shape inference (used as a cross-check), then walks the
// nodes in order, dispatching each to its op-family handler.
#include "frontends/onnx/GraphImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

static bool mentions(const onnx::GraphProto &graph, StringRef name);

/// Whether node `n` reads `name`, as an input or in one of its subgraphs.
static bool reads(const onnx::NodeProto &n, StringRef name) {
  if (llvm::is_contained(n.input(), name))
    return true;
  for (const auto &a : n.attribute()) {
    if (a.has_g() && mentions(a.g(), name))
      return true;
    for (const auto &g : a.graphs())
      if (mentions(g, name))
        return true;
  }
  return false;
}

/// Whether a node of `graph` (or of its subgraphs) reads `name`.
static bool mentions(const onnx::GraphProto &graph, StringRef name) {
  return llvm::any_of(graph.node(),
                      [&](const auto &n) { return reads(n, name); });
}

SmallVector<const onnx::NodeProto *> GraphImporter::readersOf(StringRef name) {
  SmallVector<const onnx::NodeProto *> readers;
  if (!current)
    return readers;
  for (const auto &n : current->node())
    if (reads(n, name))
      readers.push_back(&n);
  for (const auto &vi : current->output())
    if (vi.name() == name)
      readers.push_back(nullptr);
  return readers;
}

const onnx::NodeProto *GraphImporter::producerOf(StringRef name) {
  if (current)
    for (const auto &n : current->node())
      if (llvm::is_contained(n.output(), name))
        return &n;
  return nullptr;
}

LogicalResult GraphImporter::readOpsets(const onnx::ModelProto &model) {
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      defaultOpset = imp.version();
    else if (imp.domain() == "com.microsoft")
      contribOpset = imp.version();
    else if (imp.domain() == kTrainingDomain)
      trainingOpset = imp.version();
  // A model of optimizer steps alone imports only the training domain; a
  // default-domain node in it is refused where it is imported.
  if (defaultOpset == 0 && trainingOpset == 0)
    return failGraph("model imports no version of the default ONNX opset");
  // Opsets before 6 are accepted per node, for ops unchanged since then
  // (see importNode).
  return success();
}

/// Copies what shape inference wrote (value_info, input and output types)
/// from `from` into `to`, subgraphs included; both have the same nodes and
/// attributes.
static void copyInferred(const onnx::GraphProto &from, onnx::GraphProto &to) {
  *to.mutable_value_info() = from.value_info();
  for (int i = 0; i < std::min(from.input_size(), to.input_size()); ++i)
    *to.mutable_input(i)->mutable_type() = from.input(i).type();
  for (int i = 0; i < std::min(from.output_size(), to.output_size()); ++i)
    *to.mutable_output(i)->mutable_type() = from.output(i).type();
  for (int n = 0; n < std::min(from.node_size(), to.node_size()); ++n) {
    const onnx::NodeProto &fromNode = from.node(n);
    onnx::NodeProto &toNode = *to.mutable_node(n);
    for (int a = 0;
         a < std::min(fromNode.attribute_size(), toNode.attribute_size());
         ++a) {
      const onnx::AttributeProto &fromAttr = fromNode.attribute(a);
      onnx::AttributeProto &toAttr = *toNode.mutable_attribute(a);
      if (fromAttr.has_g() && toAttr.has_g())
        copyInferred(fromAttr.g(), *toAttr.mutable_g());
      for (int g = 0;
           g < std::min(fromAttr.graphs_size(), toAttr.graphs_size()); ++g)
        copyInferred(fromAttr.graphs(g), *toAttr.mutable_graphs(g));
    }
  }
}

/// Drops the tensors' data (the importer has them): what inference wrote
/// crosses the pipe small.
static void dropTensorData(onnx::GraphProto &graph) {
  graph.clear_initializer();
  graph.clear_sparse_initializer();
  for (onnx::NodeProto &node : *graph.mutable_node())
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      attr.clear_t();
      attr.clear_tensors();
      if (attr.has_g())
        dropTensorData(*attr.mutable_g());
      for (onnx::GraphProto &g : *attr.mutable_graphs())
        dropTensorData(g);
    }
}

/// Runs ONNX's shape inference on `model` in a child process and copies the
/// types it inferred back: libonnx's inference functions trust the model
/// (a LayerNormalization axis out of range, a missing required input or
/// attribute crash them), and a crash or hang there must not take the
/// compiler down. Returns false when the child failed.
static bool inferShapesIsolated(onnx::ModelProto &model) {
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL})
      signal(sig, SIG_DFL);
    if (int null = open("/dev/null", O_WRONLY); null >= 0)
      dup2(null, STDERR_FILENO);
    alarm(120);
    try {
      onnx::ShapeInferenceOptions options;
      options.check_type = false;
      options.error_mode = 0;
      onnx::shape_inference::InferShapes(
          model, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception &) {
    }
    dropTensorData(*model.mutable_graph());
    std::string bytes;
    bool ok = model.SerializeToString(&bytes);
    for (size_t done = 0; ok && done < bytes.size();) {
      ssize_t n = write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0 && errno != EINTR)
        _exit(1);
      done += n > 0 ? size_t(n) : 0;
    }
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return false;
  }
  std::string bytes;
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n > 0)
      bytes.append(chunk, size_t(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  onnx::ModelProto inferredModel;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      bytes.size() > size_t(INT_MAX) ||
      !inferredModel.ParseFromArray(bytes.data(), int(bytes.size())))
    return false;
  copyInferred(inferredModel.graph(), *model.mutable_graph());
  return true;
}

/// ONNX's inference fills value_info; it is a cross-check only, so failure
/// (e.g. for newer opsets than this libonnx knows, or a model it crashes
/// on) is not an error: the importer's own checks report bad nodes.
void GraphImporter::inferShapes(onnx::ModelProto &model) {
  if (options.onnxShapeInference)
    (void)inferShapesIsolated(model);
  const onnx::GraphProto &g = model.graph();
  for (const auto &vi : g.value_info())
    inferred[vi.name()] = &vi.type();
  for (const auto &vi : g.output())
    inferred[vi.name()] = &vi.type();
  for (const auto &vi : g.input())
    if (vi.type().has_tensor_type())
      onnxTypes[vi.name()] = vi.type().tensor_type().elem_type();
  for (const auto &t : g.initializer())
    onnxTypes[t.name()] = t.data_type();
  for (const auto &[name, type] : inferred)
    if (type->has_tensor_type() && type->tensor_type().elem_type())
      onnxTypes.try_emplace(name, type->tensor_type().elem_type());
}

LogicalResult GraphImporter::loadInitializers(const onnx::GraphProto &graph) {
  for (const auto &t : graph.initializer()) {
    std::string error;
    std::optional<TensorInfo> info =
        loadTensor(ctx, t, t.name(), modelDir, error);
    if (!info)
      return failGraph("initializer '" + t.name() + "': " + error);
    values[t.name()] = std::move(*info);
  }
  if (graph.sparse_initializer_size())
    return failGraph("sparse initializers are not supported");
  return success();
}

/// Compares a computed output type with ONNX's inferred one when the latter
/// is fully static: a mismatch means one of the two is wrong, so stop.
LogicalResult GraphImporter::checkOutputs() {
  for (unsigned i = 0; i < numOutputs(); ++i) {
    if (!hasOutput(i))
      continue;
    auto it = values.find(node->output(i));
    if (it == values.end())
      return fail("output " + Twine(i) + " was not produced (importer bug)");
    if (it->second.isSequence() || it->second.none)
      continue;
    if (std::string big = checkTensorSize(it->second.type.getShape(),
                                          it->second.type.getElementType());
        !big.empty())
      return fail("output '" + node->output(i) + "': " + big);
    auto found = inferred.find(node->output(i));
    if (found == inferred.end() || !found->second->has_tensor_type())
      continue;
    const auto &tt = found->second->tensor_type();
    FailureOr<Type> et = elementTypeFor(ctx, tt.elem_type());
    RankedTensorType mine = it->second.type;
    if (succeeded(et) && *et != mine.getElementType())
      return fail("output '" + node->output(i) + "' element type differs " +
                  "from ONNX type inference");
    if (!tt.has_shape())
      continue;
    SmallVector<int64_t> shape;
    for (const auto &d : tt.shape().dim()) {
      if (!d.has_dim_value())
        break;
      shape.push_back(d.dim_value());
    }
    if (shape.size() == size_t(tt.shape().dim_size()) &&
        ArrayRef<int64_t>(shape) != mine.getShape()) {
      std::string msg;
      llvm::raw_string_ostream os(msg);
      os << "computed type " << mine << " for output '" << node->output(i)
         << "' but ONNX shape inference gives shape [";
      llvm::interleaveComma(shape, os);
      os << "]";
      return fail(msg);
    }
  }
  return success();
}

/// The op handlers implement each op's semantics from opset 6 on. In an
/// older model an op is accepted when its definition did not change between
/// the model's opset and opset 6 (e.g. Not, Softplus, GlobalAveragePool).
LogicalResult GraphImporter::checkLegacyVersion(StringRef opType) {
  if (defaultOpset >= 6)
    return success();
  const onnx::OpSchema *old =
      onnx::OpSchemaRegistry::Schema(opType.str(), int(defaultOpset));
  const onnx::OpSchema *six = onnx::OpSchemaRegistry::Schema(opType.str(), 6);
  if (!old || !six || old->SinceVersion() != six->SinceVersion())
    return fail("this op changed after opset " + Twine(defaultOpset) +
                "; Tessera supports it from opset 6");
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &n, int index) {
  node = &n;
  nodeName =
      n.name().empty() ? n.op_type() + "_" + std::to_string(index) : n.name();
  opset = defaultOpset;
  domain.clear();
  loc = NameLoc::get(builder.getStringAttr(nodeName),
                     FileLineColLoc::get(&ctx, modelPath, 0, 0));
  // ONNX Runtime's contrib ops and ONNX's preview training ops have their
  // own tables and opsets; any other domain is unknown.
  bool contrib = n.domain() == "com.microsoft";
  bool training = n.domain() == kTrainingDomain;
  bool standard = n.domain().empty() || n.domain() == "ai.onnx";
  if (!standard && !contrib && !training)
    return fail("unsupported op (domain '" + n.domain() + "')");
  OpTable &ops = contrib ? contribTable : training ? trainingTable : table;
  auto it = ops.find(n.op_type());
  if (it == ops.end())
    return fail(standard ? std::string("unsupported op")
                         : "unsupported op (domain '" + n.domain() + "')");
  if (!standard) {
    domain = n.domain();
    opset = contrib ? contribOpset : trainingOpset;
    if (!opset)
      return fail("the model does not import the '" + n.domain() + "' opset");
  } else if (!defaultOpset) {
    return fail("the model does not import the default ONNX opset");
  } else if (failed(checkLegacyVersion(n.op_type()))) {
    return failure();
  }
  // A node whose outputs an earlier handler computed (see precomputed).
  if (n.output_size() > 0 && llvm::all_of(n.output(), [&](const auto &o) {
        return !o.empty() && precomputed.count(o);
      })) {
    for (int i = 0; i < n.output_size(); ++i)
      setOutput(i, precomputed.lookup(n.output(i)));
    return checkOutputs();
  }
  badAttribute.clear();
  SmallVector<std::pair<std::string, TensorInfo>> widened;
  if (failed(widenUnsignedInputs(widened)))
    return failure();
  for (auto &[name, info] : widened)
    unwidened[name] = info;
  LogicalResult imported = it->second(*this);
  unwidened.clear();
  for (auto &[name, info] : widened)
    values[name] = std::move(info);
  if (failed(imported))
    return failure();
  if (!badAttribute.empty())
    return fail("attribute '" + badAttribute + "' has an unexpected type");
  if (!widened.empty() && failed(narrowWidenedOutputs()))
    return failure();
  for (const std::string &out : n.output())
    if (!out.empty() && !onnxTypes.count(out) && values.count(out))
      onnxTypes[out] = 0; // unknown: treated as signed
  return checkOutputs();
}

/// ONNX type inference also fills the value_info of subgraphs (with the
/// types the enclosing node passes in), so their values are cross-checked
/// and their ONNX element types known like the main graph's.
LogicalResult GraphImporter::importSubgraph(const onnx::GraphProto &graph) {
  // The body's inferred types hold while it is imported only: an outer
  // value of the same name must not be checked against them afterwards.
  // (Its values and element types are scoped by the caller's Subgraph.)
  SmallVector<std::pair<std::string, const onnx::TypeProto *>> saved;
  for (const auto *infos : {&graph.value_info(), &graph.output()})
    for (const auto &vi : *infos) {
      saved.push_back({vi.name(), inferred.lookup(vi.name())});
      inferred[vi.name()] = &vi.type();
      if (vi.type().has_tensor_type() && vi.type().tensor_type().elem_type())
        onnxTypes[vi.name()] = vi.type().tensor_type().elem_type();
    }
  auto restore = llvm::make_scope_exit([&] {
    for (const auto &[name, type] : llvm::reverse(saved)) {
      if (type)
        inferred[name] = type;
      else
        inferred.erase(name);
    }
  });
  const onnx::NodeProto *outerNode = node;
  std::string outerName = nodeName, outerDomain = domain,
              outerBad = badAttribute;
  int64_t outerOpset = opset;
  Location outerLoc = loc;
  const onnx::GraphProto *outerGraph = current;
  current = &graph;
  LogicalResult result = success();
  for (const auto &[i, n] : llvm::enumerate(graph.node()))
    if (failed(importNode(n, int(i)))) {
      result = failure();
      break;
    }
  current = outerGraph;
  node = outerNode;
  nodeName = outerName;
  domain = outerDomain;
  opset = outerOpset;
  loc = outerLoc;
  badAttribute = outerBad;
  return result;
}

/// Ops whose result bits do not depend on whether integer inputs are signed
/// (data movement, and wrapping add/sub/mul). Every other op sees unsigned
/// inputs zero-extended to i64, so its signed i64 semantics are the unsigned
/// ones, and its integer outputs are truncated back to their ONNX type.
static bool isSignAgnostic(StringRef opType) {
  static const llvm::StringSet<> ops = {
      "Identity",  "Reshape",      "Flatten",      "Squeeze",
      "Unsqueeze", "Transpose",    "Concat",       "Split",
      "Slice",     "Gather",       "GatherElements", "GatherND",
      "ScatterElements", "ScatterND", "Expand",    "Tile",
      "Shape",     "Size",         "Where",        "Equal",
      "Add",       "Sub",          "Mul",          "Neg",
      "Sum",       "DepthToSpace", "SpaceToDepth", "Pad",
      // Control flow passes values through; its body's ops widen their own.
      "Loop",      "Scan",         "If",
      // Sequence ops only move tensors around.
      "SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceAt",
      "SequenceErase", "SequenceLength", "ConcatFromSequence",
      "SplitToSequence"};
  return ops.contains(opType);
}

/// Ops whose result depends only on the order of their inputs. uint64 values
/// (which do not fit a wider signed type) reach them biased by 2^63, which
/// maps the unsigned order onto the signed one; a uint64 result is unbiased.
static bool isOrderOnly(StringRef opType) {
  static const llvm::StringSet<> ops = {
      "Max",       "Min",         "Less",
      "Greater",   "LessOrEqual", "GreaterOrEqual",
      "ArgMax",    "ArgMin",      "ReduceMax",
      "ReduceMin", "TopK",        "Clip"};
  return ops.contains(opType);
}

/// x + 2^63 on the two's-complement bits of x (an xor of the sign bit).
static int64_t flipSign(int64_t v) {
  return int64_t(uint64_t(v) ^ (uint64_t(1) << 63));
}

Value GraphImporter::flipSignBit(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  Value bias =
      constant(makeConst(RankedTensorType::get({}, type.getElementType()),
                         {std::numeric_limits<int64_t>::min()}));
  return create<AddOp>(type, v, bias);
}

LogicalResult GraphImporter::widenUnsignedInputs(
    SmallVectorImpl<std::pair<std::string, TensorInfo>> &saved) {
  biasedUint64 = false;
  if (isSignAgnostic(node->op_type()))
    return success();
  Type i64 = builder.getI64Type();
  for (const std::string &name : node->input()) {
    if (name.empty() || !isUnsignedOnnxType(onnxTypeOf(name)) ||
        llvm::any_of(saved, [&](auto &s) { return s.first == name; }))
      continue;
    auto it = values.find(name);
    if (it == values.end() || it->second.isSequence())
      continue; // the handler reports a missing input or a sequence
    TensorInfo &info = it->second;
    unsigned width = info.type.getElementType().getIntOrFloatBitWidth();
    if (width >= 64 && isOrderOnly(node->op_type())) {
      saved.push_back({name, info});
      TensorInfo biased;
      biased.type = info.type;
      if (info.constant) {
        ConstTensor c = *info.constant;
        for (int64_t &v : c.ints)
          v = flipSign(v);
        biased.constant = std::move(c);
      } else {
        biased.value = flipSignBit(materialize(info));
      }
      info = std::move(biased);
      biasedUint64 = true;
      continue;
    }
    if (width >= 64)
      return fail("uint64 input '" + name +
                  "' is supported only by data-movement ops, Add/Sub/Mul "
                  "and comparisons (Max, Min, Less, ArgMax, TopK, ...)");
    saved.push_back({name, info});
    TensorInfo wide;
    wide.type = info.type.clone(i64);
    uint64_t mask = (uint64_t(1) << width) - 1;
    if (info.constant) {
      ConstTensor c = castConst(*info.constant, i64);
      for (int64_t &v : c.ints)
        v = int64_t(uint64_t(v) & mask);
      wide.constant = std::move(c);
    } else {
      // sext, then add 2^width where the sign bit was set.
      Value s = create<CastOp>(wide.type, materialize(info));
      auto boolType = wide.type.clone(builder.getI1Type());
      Value neg = create<LessOp>(boolType, s, scalar(i64, 0));
      Value fixed = create<AddOp>(wide.type, s, scalar(i64, double(mask + 1)));
      wide.value = create<WhereOp>(wide.type, neg, fixed, s);
    }
    info = std::move(wide);
  }
  return success();
}

LogicalResult GraphImporter::narrowWidenedOutputs() {
  for (unsigned i = 0; i < numOutputs(); ++i) {
    if (!hasOutput(i))
      continue;
    TensorInfo &info = values[node->output(i)];
    if (info.isSequence() || info.none)
      continue; // sign-agnostic containers: their elements keep their type
    int32_t onnxType = onnxTypeOf(node->output(i));
    if (!onnxType)
      return fail("cannot tell the ONNX type of output '" + node->output(i) +
                  "' of an op with unsigned inputs");
    if (biasedUint64 && onnxType == onnx::TensorProto::UINT64) {
      if (info.constant) {
        ConstTensor c = *info.constant;
        for (int64_t &v : c.ints)
          v = flipSign(v);
        setConst(i, std::move(c));
      } else {
        setOutput(i, flipSignBit(materialize(info)));
      }
      continue;
    }
    FailureOr<Type> et = elementTypeFor(ctx, onnxType);
    Type have = info.type.getElementType();
    if (failed(et) || *et == have || !isa<IntegerType>(*et) ||
        !isa<IntegerType>(have))
      continue;
    auto type = info.type.clone(*et);
    if (info.constant)
      setConst(i, castConst(*info.constant, *et));
    else
      setOutput(i, create<CastOp>(type, materialize(info)));
  }
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run(onnx::ModelProto &model) {
  if (failed(readOpsets(model)))
    return nullptr;
  inferShapes(model);
  registerElementwiseOps(table);
  registerMatMulOps(table);
  registerReductionOps(table);
  registerDataMovementOps(table);
  registerConvOps(table);
  registerMiscOps(table);
  registerPoolingOps(table);
  registerIndexingOps(table); // after Misc: wraps its ScatterND fold
  registerActivationOps(table);
  registerNormalizationOps(table);
  registerCompositeOps(table);
  registerResizeOps(table);
  registerLossOps(table);
  registerRecurrentOps(table);
  registerConvTransposeOps(table);
  registerDecomposedOps(table);
  registerQuantizationOps(table);
  registerGridSampleOps(table);
  registerSpectralOps(table);
  registerFusedOps(table);
  registerControlFlowOps(table);
  registerSequenceOps(table);
  registerSsmOps(table);
  registerTextOps(table);
  registerContribOps(contribTable);
  registerSsmContribOps(contribTable);
  registerQuantizationContribOps(contribTable);
  registerTrainingOps(trainingTable);

  const onnx::GraphProto &graph = model.graph();
  if (failed(loadInitializers(graph)))
    return nullptr;
  Location fileLoc = FileLineColLoc::get(&ctx, modelPath, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  FailureOr<GraphArguments> args = readGraphInputs(graph);
  if (failed(args))
    return nullptr;
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, "main_graph",
                                   builder.getFunctionType(args->types(), {}));
  bindGraphInputs(func, *args);
  builder.setInsertionPointToEnd(&func.getBody().front());
  current = &graph;
  for (const auto &[i, n] : llvm::enumerate(graph.node()))
    if (failed(importNode(n, int(i))))
      return nullptr;
  current = nullptr;

  node = nullptr;
  domain.clear();
  loc = fileLoc;
  if (failed(returnGraphOutputs(graph, func, fileLoc)) ||
      failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp>
mlir::tessera::importOnnxModel(llvm::StringRef path, MLIRContext &ctx,
                               const ImportOptions &options) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    emitError(FileLineColLoc::get(&ctx, path, 0, 0))
        << path << ": cannot read model: " << buf.getError().message();
    return nullptr;
  }
  SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  return importOnnxModelFromBuffer((*buf)->getBuffer(), path, dir, ctx,
                                   options);
}

OwningOpRef<ModuleOp> mlir::tessera::importOnnxModelFromBuffer(
    llvm::StringRef bytes, llvm::StringRef name, llvm::StringRef externalDir,
    MLIRContext &ctx, const ImportOptions &options) {
  ctx.getOrLoadDialect<TesseraDialect>();
  ctx.getOrLoadDialect<func::FuncDialect>();
  // Recurrent layers import as loops over time (ops/Recurrent.cpp).
  ctx.getOrLoadDialect<arith::ArithDialect>();
  ctx.getOrLoadDialect<scf::SCFDialect>();
  ctx.getOrLoadDialect<tensor::TensorDialect>();
  onnx::ModelProto model;
  if (bytes.size() > size_t(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size())) ||
      !model.has_graph()) {
    emitError(FileLineColLoc::get(&ctx, name, 0, 0))
        << name
        << ": not a valid ONNX model (malformed or truncated protobuf, or no "
           "graph)";
    return nullptr;
  }
  GraphImporter importer(ctx, name, externalDir, options);
  return importer.run(model);
}
