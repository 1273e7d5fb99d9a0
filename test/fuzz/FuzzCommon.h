// Shared by the fuzz targets: the bytes imported as an ONNX model.
#ifndef TESSERA_TEST_FUZZ_FUZZCOMMON_H
#define TESSERA_TEST_FUZZ_FUZZCOMMON_H

#include "frontends/onnx/ModelImporter.h"

#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

/// Imports `data` as a serialized ONNX model into `ctx`, diagnostics
/// swallowed. ONNX's shape inference (a fork per input) runs only with
/// TESSERA_FUZZ_SHAPE_INFERENCE=1: without it the targets run ~50x faster
/// under ASan; with it they also cover the importer's cross-checks.
inline mlir::OwningOpRef<mlir::ModuleOp>
importFuzzInput(mlir::MLIRContext &ctx, const uint8_t *data, size_t size) {
  static const bool inference = [] {
    const char *v = std::getenv("TESSERA_FUZZ_SHAPE_INFERENCE");
    return v && !std::strcmp(v, "1");
  }();
  ctx.getDiagEngine().registerHandler(
      [](mlir::Diagnostic &) { return mlir::success(); });
  mlir::tessera::ImportOptions options;
  options.onnxShapeInference = inference;
  return mlir::tessera::importOnnxModelFromBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      "/nonexistent-tessera-fuzz", ctx, options);
}

#endif // TESSERA_TEST_FUZZ_FUZZCOMMON_H
