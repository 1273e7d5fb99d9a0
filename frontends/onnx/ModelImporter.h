// ONNX ModelProto -> tessera dialect.
#ifndef TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H
#define TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::tessera {

/// Reads the ONNX model at `path` and returns a module holding
/// `func.func @main_graph` in the tessera dialect (see docs/contracts.md).
/// On failure, reports diagnostics through `ctx` and returns null.
OwningOpRef<ModuleOp> importOnnxModel(llvm::StringRef path,
                                      MLIRContext &ctx);

} // namespace mlir::tessera

#endif // TESSERA_FRONTENDS_ONNX_MODELIMPORTER_H
