// Registers the code generator's own passes by name (tessera-opt style
// pipelines, --mlir-print-ir-after=<pass>).
#include "compiler/cpu/CpuPasses.h"

void mlir::tessera::registerCpuPasses() {
  registerPass([] { return createElementwiseFusionPass(); });
  registerPass([] { return createLinalgToRuntimeCallsPass(); });
  registerPass([] { return createEmitCInterfacePass(); });
  registerPass([] { return createCpuMathApproximationPass(); });
  registerPass([] { return createExpandBf16Pass(); });
  registerPass([] { return createReassociateReductionsPass(); });
  registerPass([] { return createDistinctResultsPass(); });
  registerPass([] { return createSplitEmptyTensorsPass(); });
  registerPass([] { return createShortenBufferLifetimesPass(); });
  registerPass([] { return createFoldKernelTransposesPass(); });
  registerPass([] { return createTemporariesReportPass(); });
  registerPass([] { return createFlattenConstantGlobalsPass(); });
  registerPass([] { return createParallelKernelCallsPass(); });
  registerPass([] { return createProfileKernelsPass(); });
  registerPass([] { return createPlanArenaPass(); });
  registerPass([] { return createCollapseParallelDimsPass(); });
}
