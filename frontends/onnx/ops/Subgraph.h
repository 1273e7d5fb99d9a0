// Subgraphs (graph attributes: Loop/Scan bodies, If branches, SequenceMap's
// body) imported inline into the enclosing function, once per iteration.
#ifndef TESSERA_FRONTENDS_ONNX_OPS_SUBGRAPH_H
#define TESSERA_FRONTENDS_ONNX_OPS_SUBGRAPH_H

#include "frontends/onnx/Importer.h"

#include <optional>

namespace mlir::tessera::onnx_import {

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

/// Graph attribute `name` of the current node (an error if it is not one).
const onnx::GraphProto *graphAttr(Importer &im, StringRef name);

/// Input `i` of the node, to be bound to a subgraph input: constants keep
/// their value (the body folds on them), weights are materialized once.
/// Sequences (lists of tensors) and empty optionals pass as they are where
/// `allowSequence`.
FailureOr<Bound> outerInput(Importer &im, unsigned i, bool allowSequence);

} // namespace mlir::tessera::onnx_import

#endif // TESSERA_FRONTENDS_ONNX_OPS_SUBGRAPH_H
