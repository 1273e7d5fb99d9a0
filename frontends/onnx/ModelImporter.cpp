// Placeholder until the importer lands.
#include "frontends/onnx/ModelImporter.h"

#include "mlir/IR/Diagnostics.h"

mlir::OwningOpRef<mlir::ModuleOp>
mlir::tessera::importOnnxModel(llvm::StringRef path, mlir::MLIRContext &ctx) {
  mlir::emitError(mlir::UnknownLoc::get(&ctx)) << path << ": ONNX import is not implemented yet";
  return nullptr;
}
