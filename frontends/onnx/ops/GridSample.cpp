// >>> ENGINEER WORKING ON THIS FILE: first read /tmp/helper-common.md (build dir,
// >>> lock, no git, file ownership, test commands). Delete these two lines.
// GridSample (and RoiAlign) as gathers over computed sample positions.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

void mlir::tessera::onnx_import::registerGridSampleOps(OpTable &t) { (void)t; }
