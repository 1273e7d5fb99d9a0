// Pass ordering for every stage of compilation.
#include "compiler/Pipeline.h"

#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::tessera::buildGraphPipeline(OpPassManager &pm, const PipelineOptions &) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
