// tessera-opt: mlir-opt with the tessera dialect, its passes and the upstream
// dialects and passes that Tessera lowers through.
#include "compiler/cpu/CpuPasses.h"
#include "compiler/cuda/CudaPasses.h"
#include "compiler/targets/Target.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tessera::registerTesseraPasses();
  mlir::tessera::registerCpuPasses();
  mlir::tessera::registerCudaPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::tessera::registerTargetTranslations(registry);
  registry.insert<mlir::tessera::TesseraDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessera optimizer driver\n", registry));
}
