// Internal interface shared by the ONNX graph walk and the per-op-family
// importers: value bookkeeping, known constants, diagnostics.
#ifndef TESSERA_FRONTENDS_ONNX_IMPORTER_H
#define TESSERA_FRONTENDS_ONNX_IMPORTER_H

#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <memory>
#include <onnx/onnx_pb.h>
#include <optional>

namespace mlir::tessera::onnx_import {

/// Folded results larger than this are not kept as known constants (splats
/// of any size are).
constexpr int64_t kFoldLimit = 1 << 16;
/// Elementwise ops (binary ops, Where) of known constants fold up to this
/// many elements: masks built from constants (a shifted-window attention's,
/// [windows, heads, 49, 49]) are constants rather than kernels run on every
/// call.
constexpr int64_t kElementwiseFoldLimit = 1 << 20;
/// Known constants up to this many elements are materialized as `dense<>`,
/// larger ones (weights) as `dense_resource<>`.
constexpr int64_t kInlineLimit = 64;

/// A tensor whose value the importer knows at import time. Integer and bool
/// elements live in `ints`, float elements in `floats` (already rounded to
/// the element type). A splat stores one element.
struct ConstTensor {
  RankedTensorType type;
  SmallVector<int64_t> ints;
  SmallVector<double> floats;
  bool splat = false;

  bool isFloat() const { return isa<FloatType>(type.getElementType()); }
  int64_t numElements() const { return type.getNumElements(); }
  int64_t getInt(int64_t i) const { return ints[splat ? 0 : i]; }
  double getDouble(int64_t i) const {
    return isFloat() ? floats[splat ? 0 : i] : double(getInt(i));
  }
  /// The values as int64 (floats truncated).
  SmallVector<int64_t> toInts() const;
  DenseElementsAttr toAttr() const;
};

/// Builds a constant of `type` from per-element values (ints for integer
/// and bool types, doubles for floats). Rounds to the element type.
ConstTensor makeConst(RankedTensorType type, ArrayRef<int64_t> ints);
ConstTensor makeConstF(RankedTensorType type, ArrayRef<double> floats);
ConstTensor makeSplat(RankedTensorType type, double value);
/// Reads a DenseElementsAttr (int or float) into a ConstTensor.
std::optional<ConstTensor> constFromAttr(DenseElementsAttr attr);
/// Rounds `x` to what `elementType` can hold (f32/f16/bf16, i1, iN).
double roundTo(Type elementType, double x);
int64_t wrapInt(Type elementType, int64_t x);

/// Data-movement folds: every result element reads one input element.
ConstTensor remapConst(const ConstTensor &in, RankedTensorType outType,
                       llvm::function_ref<int64_t(ArrayRef<int64_t>)> srcIndex);
ConstTensor broadcastConst(const ConstTensor &in, RankedTensorType outType);
ConstTensor castConst(const ConstTensor &in, Type elementType);
/// Elementwise fold over broadcast operands; `fn` gets the operand values as
/// doubles (exact for the small integers of shape arithmetic) or ints.
ConstTensor mapConst(ArrayRef<const ConstTensor *> operands,
                     RankedTensorType outType,
                     llvm::function_ref<double(ArrayRef<double>)> fnF,
                     llvm::function_ref<int64_t(ArrayRef<int64_t>)> fnI);

/// Row-major strides and index helpers.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape);
/// Flat index into `shape` of the broadcast of `outIdx` (numpy rules).
int64_t broadcastIndex(ArrayRef<int64_t> outIdx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> strides);

struct SequenceInfo;

/// What the importer knows about one ONNX value. A sequence value has no
/// type of its own: it is its list of tensors (see ops/Sequence.cpp).
struct TensorInfo {
  RankedTensorType type;
  Value value;                         // materialized SSA value, if any
  std::optional<ConstTensor> constant; // known value, if small enough
  ElementsAttr weight;                 // dense_resource for initializers
  std::shared_ptr<const SequenceInfo> sequence;
  /// An empty optional (Optional without an input, or a graph input given
  /// with --empty-optional). An optional that holds a value is that value.
  bool none = false;
  bool isSequence() const { return bool(sequence); }
};

/// An ONNX sequence at import time: shapes are static and loops unrolled,
/// so a sequence is an ordered list of tensors. Its element type is known
/// even when it is empty (SequenceEmpty's dtype).
struct SequenceInfo {
  Type elementType;
  int32_t onnxType = 0;
  SmallVector<TensorInfo> items;
};

/// Maps an ONNX TensorProto data type to the tessera element type. Tensors
/// are signless: uintN maps to iN, and the importer keeps the signedness
/// (see GraphImporter's unsigned widening).
FailureOr<Type> elementTypeFor(MLIRContext &ctx, int32_t onnxType);
bool isUnsignedOnnxType(int32_t onnxType);
std::string onnxTypeName(int32_t onnxType);

/// The largest tensor a model may declare (16 GiB): any larger value,
/// initializer or graph input is refused, naming it, before anything is
/// allocated for it.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 34;

/// A message when a tensor of `shape` and `elementType` (static dims) holds
/// more than kMaxTensorBytes or its size overflows; empty otherwise.
std::string checkTensorSize(ArrayRef<int64_t> shape, Type elementType);

/// Loads an initializer or Constant tensor; big tensors become resources.
/// On failure returns a message in `error`.
/// `name` names the resource blob.
std::optional<TensorInfo> loadTensor(MLIRContext &ctx,
                                     const onnx::TensorProto &tensor,
                                     StringRef name, StringRef modelDir,
                                     std::string &error);

/// Reads a .npy file into `out` (data type, dims, raw data).
bool readNpyTensor(StringRef path, onnx::TensorProto &out, std::string &error);

class Importer;
using OpHandler = std::function<LogicalResult(Importer &)>;
using OpTable = llvm::StringMap<OpHandler>;

void registerElementwiseOps(OpTable &table);
void registerMatMulOps(OpTable &table);
void registerReductionOps(OpTable &table);
void registerDataMovementOps(OpTable &table);
void registerConvOps(OpTable &table);
void registerMiscOps(OpTable &table);
void registerPoolingOps(OpTable &table);
void registerIndexingOps(OpTable &table);
void registerActivationOps(OpTable &table);
void registerNormalizationOps(OpTable &table);
void registerCompositeOps(OpTable &table);
void registerResizeOps(OpTable &table);
void registerLossOps(OpTable &table);
void registerRecurrentOps(OpTable &table);
void registerConvTransposeOps(OpTable &table);
void registerDecomposedOps(OpTable &table);
void registerQuantizationOps(OpTable &table);
void registerGridSampleOps(OpTable &table);
void registerSpectralOps(OpTable &table);
void registerFusedOps(OpTable &table);
void registerControlFlowOps(OpTable &table);
/// After Misc: wraps Identity to forward sequences.
void registerSequenceOps(OpTable &table);
/// com.microsoft ops, dispatched from their own table.
void registerContribOps(OpTable &table);
/// CausalConvWithState and LinearAttention: opset 27 and com.microsoft.
void registerSsmOps(OpTable &table);
void registerSsmContribOps(OpTable &table);
/// com.microsoft quantized ops: the dynamic int8 MatMuls, QGemm and the
/// QOperator format's QLinear* ops.
void registerQuantizationContribOps(OpTable &table);
/// Optimizer steps of the 'ai.onnx.preview.training' domain (Adagrad,
/// Momentum, Adam).
void registerTrainingOps(OpTable &table);
/// The domain of ONNX's training operators.
inline constexpr const char *kTrainingDomain = "ai.onnx.preview.training";
/// TfIdfVectorizer over integer token ids.
void registerTextOps(OpTable &table);

/// Per-node view of the import state used by op handlers.
class Importer {
public:
  Importer(MLIRContext &ctx, StringRef modelPath, StringRef modelDir);
  virtual ~Importer() = default;

  MLIRContext &ctx;
  OpBuilder builder;
  std::string modelPath, modelDir;
  llvm::StringMap<TensorInfo> values;

  /// What each DynamicQuantizeLinear made, by the name of its quantized
  /// output (names are unique in a model): its input's, scale's and zero
  /// point's names, so that com.microsoft MatMulIntegerToFloat on them can
  /// run as one quantized linear layer on the input.
  struct DynamicQuantized {
    std::string input, scale, zeroPoint;
  };
  llvm::StringMap<DynamicQuantized> dynamicQuantized;

  /// The current node's unsigned inputs as they were before the importer
  /// widened them to i64 (initializers keep their blobs here).
  llvm::StringMap<TensorInfo> unwidened;

  /// Outputs an earlier node's handler computed ahead, importing a chain of
  /// nodes as one op: importing the node that makes all of its outputs
  /// binds these instead of running its handler.
  llvm::StringMap<Value> precomputed;

  /// The nodes of the graph being imported that read value `name`; a null
  /// entry stands for a graph output, and a node whose subgraphs mention
  /// `name` counts as a reader.
  virtual SmallVector<const onnx::NodeProto *> readersOf(StringRef name) = 0;
  /// The node of the graph being imported that makes `name`, if any.
  virtual const onnx::NodeProto *producerOf(StringRef name) = 0;
  /// The handler of default-domain op `opType`, for ops that import as
  /// another op on converted inputs (com.microsoft QLinearSigmoid runs
  /// Sigmoid's on the dequantized input); null if there is none.
  virtual const OpHandler *defaultHandler(StringRef opType) = 0;

  // The node being imported.
  const onnx::NodeProto *node = nullptr;
  std::string nodeName;
  /// The node's domain when it is not the default one (named in errors).
  std::string domain;
  int64_t opset = 0;
  Location loc;

  /// Imports the nodes of `graph` (a Loop/Scan body or an If branch) in
  /// order into the current block, as part of the current node (see
  /// ops/ControlFlow.cpp): the caller binds the graph's inputs in `values`,
  /// and values of enclosing graphs stay visible by name. The current node's
  /// state is restored afterwards.
  virtual LogicalResult importSubgraph(const onnx::GraphProto &graph) = 0;

  /// Diagnostics (Diagnostics.cpp). `fail` names file, node, op type, opset.
  LogicalResult fail(const Twine &message);
  LogicalResult failGraph(const Twine &message);

  /// ONNX element type of each value, from the graph's declarations,
  /// initializers and ONNX type inference (0 when unknown).
  llvm::StringMap<int32_t> onnxTypes;
  int32_t onnxTypeOf(StringRef name) const { return onnxTypes.lookup(name); }

  // Inputs.
  bool hasInput(unsigned i) const;
  /// The i-th input's info, tensor or sequence; reports an error and
  /// returns null when absent or an empty optional.
  TensorInfo *anyInput(unsigned i);
  /// The i-th input's info; reports an error and returns null when absent
  /// or a sequence.
  TensorInfo *input(unsigned i);
  /// Input `i` even when it is an empty optional (anyInput refuses those);
  /// null without an error when the node leaves it out.
  TensorInfo *optionalInput(unsigned i);
  /// The i-th input as a sequence; error when absent or a tensor.
  const SequenceInfo *seqInput(unsigned i);
  /// The i-th input as an SSA value (materializing constants).
  Value operand(unsigned i);
  Value materialize(TensorInfo &info);
  /// The i-th input's known value; error when absent or not constant.
  const ConstTensor *constInput(unsigned i, StringRef what);
  FailureOr<SmallVector<int64_t>> constInts(unsigned i, StringRef what);

  // Outputs.
  unsigned numOutputs() const { return node->output_size(); }
  bool hasOutput(unsigned i) const;
  void setOutput(unsigned i, Value v);
  void setConst(unsigned i, ConstTensor c);
  void setSequence(unsigned i, SequenceInfo s);

  // Attributes. A present attribute of the wrong type is recorded in
  // `badAttribute` and reported after the handler runs.
  std::string badAttribute;
  const onnx::AttributeProto *attr(StringRef name) const;
  const onnx::AttributeProto *
  attrOfType(StringRef name, onnx::AttributeProto::AttributeType type,
             bool orInt = false) const;
  int64_t attrInt(StringRef name, int64_t dflt) const;
  float attrFloat(StringRef name, float dflt) const;
  std::string attrString(StringRef name, StringRef dflt) const;
  std::optional<SmallVector<int64_t>> attrInts(StringRef name) const;

  /// Normalizes `axis` into [0, rank); reports an error when out of range.
  FailureOr<int64_t> normAxis(int64_t axis, int64_t rank);

  // Builders for ops the handlers decompose into.
  template <typename OpTy, typename... Args>
  Value create(Type type, Args &&...args) {
    return OpTy::create(builder, loc, type, std::forward<Args>(args)...)
        .getResult();
  }
  Value reshape(Value v, ArrayRef<int64_t> shape);
  Value transpose(Value v, ArrayRef<int64_t> perm);
  /// Constant-mode tessera.pad of `v` by `pads` (begins, then ends;
  /// negative amounts crop).
  Value pad(Value v, ArrayRef<int64_t> pads, double value);
  Value constant(const ConstTensor &c);
  Value scalar(Type elementType, double value);
  static RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
};

/// A numpy-style MatMul of `a` and `b` (rank >= 1, batch broadcasting);
/// null after reporting an error.
Value buildMatMul(Importer &im, Value a, Value b);
/// The current node's Conv attributes (strides, pads, dilations, group,
/// auto_pad, kernel_shape) resolved for input `xt` [N, C, D1..Dk] and weight
/// `wt` [F, C / group, K1..Kk]: explicit pads (begins, then ends) and the
/// output shape. Reports an error and fails on attributes that do not fit.
struct ConvGeometry {
  SmallVector<int64_t> strides, pads, dilations;
  int64_t group;
  SmallVector<int64_t> outShape;
};
FailureOr<ConvGeometry> convGeometry(Importer &im, RankedTensorType xt,
                                     RankedTensorType wt);
/// A Conv of `x` and `w` (optional `bias`) with the current node's Conv
/// attributes (strides, pads, dilations, group, auto_pad, kernel_shape);
/// null after reporting an error.
Value buildConv(Importer &im, Value x, Value w, Value bias);

/// The values of input `i` when it is an initializer (or a known constant)
/// of 8-bit integers (with their ONNX signedness) or float32; nullopt
/// otherwise, without an error.
std::optional<std::vector<double>> initializerDoubles(Importer &im, unsigned i);
/// The same for the value named `name`.
std::optional<std::vector<double>> initializerDoubles(Importer &im,
                                                      StringRef name);

/// A weight computed at import time, as a dense_resource blob named `name`.
template <typename T>
Value blobConstant(Importer &im, RankedTensorType type, StringRef name,
                   ArrayRef<T> values) {
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T)),
      alignof(uint64_t), /*dataIsMutable=*/false);
  return ConstantOp::create(
      im.builder, im.loc,
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

/// Text of a type or a shape (`[2, 3]`) for error messages.
std::string typeStr(Type t);
std::string shapeStr(ArrayRef<int64_t> shape);

// Fused-op builders shared by the opset-23 (ops/Fused.cpp) and com.microsoft
// (ops/Contrib.cpp) importers. Each returns null after reporting an error.

/// `[B, S, heads * D]` -> `[B, heads, S, D]`.
Value splitHeads(Importer &im, Value x, int64_t heads);
/// `[B, H, S, D]` -> `[B, S, H * D]`.
Value mergeHeads(Importer &im, Value x);
/// `size` elements of the last dimension of `v` from `start`.
Value sliceLast(Importer &im, Value v, int64_t start, int64_t size);
/// tessera.attention of `[B, H, S, D]` queries and `[B, Hkv, Skv, D|Dv]` keys
/// and values; `mask` (null for none) must broadcast to `[B, H, S, Skv]`.
Value buildAttention(Importer &im, Value q, Value k, Value v, Value mask,
                     StringRef maskKind, double scale, bool causal);
/// Rotary embedding of the first `rotaryDim` channels of the last dimension
/// of `x` (`[B, H, S, D]` when `headsFirst`, else `[B, S, H, D]`; the other
/// channels pass through). The half-width caches are gathered at
/// `positions` (`[B|1, S]` integers) from `[max_pos, rotaryDim / 2]` tables,
/// or, without positions, are per-token `[B|1, S, rotaryDim / 2]` tensors.
Value buildRotaryEmbedding(Importer &im, Value x, Value cosCache,
                           Value sinCache, Value positions, bool headsFirst,
                           bool interleaved, int64_t rotaryDim);
/// tessera.rms_norm over dimensions `axis..` with ONNX's stash_type 1: f16
/// and bf16 inputs are normalized in f32.
Value buildRmsNorm(Importer &im, Value x, Value scale, int64_t axis,
                   float epsilon);
/// RMSNormalization / SimplifiedLayerNormalization (X, scale; axis, epsilon,
/// stash_type), shared by the default and com.microsoft tables.
LogicalResult importRmsNormalization(Importer &im);

} // namespace mlir::tessera::onnx_import

#endif // TESSERA_FRONTENDS_ONNX_IMPORTER_H
