// The ONNX graph importer (ModelImporter.cpp: the node walk, shape
// inference, unsigned types; GraphIO.cpp: graph inputs and outputs). Private
// to the frontend.
#ifndef TESSERA_FRONTENDS_ONNX_GRAPHIMPORTER_H
#define TESSERA_FRONTENDS_ONNX_GRAPHIMPORTER_H

#include "frontends/onnx/Importer.h"
#include "frontends/onnx/ModelImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tessera::onnx_import {

class GraphImporter : public Importer {
public:
  GraphImporter(MLIRContext &ctx, StringRef modelPath, StringRef modelDir,
                const ImportOptions &options)
      : Importer(ctx, modelPath, modelDir), options(options) {}
  OwningOpRef<ModuleOp> run(onnx::ModelProto &model);
  LogicalResult importSubgraph(const onnx::GraphProto &graph) override;
  SmallVector<const onnx::NodeProto *> readersOf(StringRef name) override;
  const onnx::NodeProto *producerOf(StringRef name) override;
  const OpHandler *defaultHandler(StringRef opType) override {
    auto it = table.find(opType);
    return it == table.end() ? nullptr : &it->second;
  }

private:
  LogicalResult readOpsets(const onnx::ModelProto &model);
  void inferShapes(onnx::ModelProto &model);

  // Graph inputs and outputs (GraphIO.cpp).
  /// The main function's arguments: one per tensor input, one per element
  /// of a sequence input.
  struct GraphArguments {
    struct Argument {
      RankedTensorType type;
      std::string name;
      /// Index into `sequences` of the sequence input it is an element of,
      /// or -1.
      int sequence = -1;
    };
    struct Sequence {
      std::string name;
      size_t first = 0, count = 0;
      int32_t onnxType = 0;
    };
    SmallVector<Argument> arguments;
    SmallVector<Sequence> sequences;
    SmallVector<Type> types() const;
  };
  /// Reads the graph inputs: types (--input-shape), constants
  /// (--const-input), sequences (--sequence-input) and empty optionals.
  FailureOr<GraphArguments> readGraphInputs(const onnx::GraphProto &graph);
  /// Binds the inputs to the entry block's arguments and names them.
  void bindGraphInputs(func::FuncOp func, const GraphArguments &args);
  /// Returns the graph outputs from `func` (a sequence as its elements).
  LogicalResult returnGraphOutputs(const onnx::GraphProto &graph,
                                   func::FuncOp func, Location loc);
  FailureOr<RankedTensorType> graphValueType(const onnx::ValueInfoProto &vi,
                                             StringRef kind);
  FailureOr<SmallVector<RankedTensorType>>
  sequenceInputTypes(const onnx::ValueInfoProto &vi, int32_t &onnxType);
  LogicalResult loadInitializers(const onnx::GraphProto &graph);
  LogicalResult importNode(const onnx::NodeProto &n, int index);
  LogicalResult checkLegacyVersion(StringRef opType);
  LogicalResult widenUnsignedInputs(
      SmallVectorImpl<std::pair<std::string, TensorInfo>> &saved);
  LogicalResult narrowWidenedOutputs();
  /// v + 2^63, wrapping (see isOrderOnly).
  Value flipSignBit(Value v);
  /// Whether the current node's uint64 inputs were biased by 2^63.
  bool biasedUint64 = false;
  LogicalResult checkSpecializedNames(const onnx::GraphProto &graph);
  LogicalResult loadConstInput(StringRef name, RankedTensorType declared);

  LogicalResult checkOutputs();

  const ImportOptions &options;
  OpTable table, contribTable, trainingTable;
  int64_t defaultOpset = 0, contribOpset = 0, trainingOpset = 0;
  llvm::StringMap<const onnx::TypeProto *> inferred;
  /// The graph whose nodes are being imported (the main graph or a
  /// subgraph).
  const onnx::GraphProto *current = nullptr;
};

} // namespace mlir::tessera::onnx_import

#endif // TESSERA_FRONTENDS_ONNX_GRAPHIMPORTER_H
