// Smaller ops that decompose into existing tessera ops (Hardmax, LRN,
// Shrink, MeanVarianceNormalization, ...).
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

void mlir::tessera::onnx_import::registerDecomposedOps(OpTable &t) { (void)t; }
