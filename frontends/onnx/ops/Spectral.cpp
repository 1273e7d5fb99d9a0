// >>> ENGINEER WORKING ON THIS FILE: first read /tmp/helper-common.md (build dir,
// >>> lock, no git, file ownership, test commands). Delete these two lines.
// DFT, STFT and MelWeightMatrix as products with constant DFT matrices.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

void mlir::tessera::onnx_import::registerSpectralOps(OpTable &t) { (void)t; }
