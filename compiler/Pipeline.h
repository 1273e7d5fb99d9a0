// The one place that orders passes per target and optimization level.
#ifndef TESSERA_COMPILER_PIPELINE_H
#define TESSERA_COMPILER_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::tessera {

struct PipelineOptions {
  unsigned optLevel = 2;
};

/// Graph-level pipeline on the tessera dialect: canonicalization, CSE, fusion.
void buildGraphPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_PIPELINE_H
