// ONNX ModelProto -> tessera dialect.
#ifndef TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H
#define TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace mlir::tessera {

/// Compile-time specialization of a model's graph inputs.
struct ImportOptions {
  /// Graph inputs fixed to a value (name -> .npy file): they become
  /// constants and are no longer inputs of the compiled function. This is
  /// how shape-like inputs (Reshape's shape, Slice's starts, TopK's k) that
  /// decide output shapes are given to a static-shape compiler.
  llvm::StringMap<std::string> constInputs;
  /// Shapes for graph inputs, replacing symbolic (dim_param) dimensions;
  /// static dimensions must agree.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// The element shapes of graph inputs that are sequences of tensors: each
  /// element becomes an input of its own, named NAME.0, NAME.1, ...
  llvm::StringMap<llvm::SmallVector<llvm::SmallVector<int64_t>>> sequenceInputs;
  /// Optional graph inputs that hold no value (they are then not inputs of
  /// the compiled function); other optional inputs hold their element.
  llvm::StringSet<> emptyOptionals;
  /// ONNX's shape inference as a cross-check of the importer's types (run
  /// in a child process). The fuzz targets turn it off: a fork per input
  /// costs more than the import itself.
  bool onnxShapeInference = true;
};

/// Reads the ONNX model at `path` and returns a module holding
/// `func.func @main_graph` in the tessera dialect (see docs/contracts.md).
/// On failure, reports diagnostics through `ctx` and returns null.
OwningOpRef<ModuleOp> importOnnxModel(llvm::StringRef path, MLIRContext &ctx,
                                      const ImportOptions &options = {});

/// The same for a serialized ModelProto in memory; `name` stands for the
/// file in messages and locations, external data is read from
/// `externalDir`.
OwningOpRef<ModuleOp>
importOnnxModelFromBuffer(llvm::StringRef bytes, llvm::StringRef name,
                          llvm::StringRef externalDir, MLIRContext &ctx,
                          const ImportOptions &options = {});

} // namespace mlir::tessera

#endif // TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H
