// Ops added for wider ONNX coverage, one file per family.
#ifndef TESSERA_COVERAGE_OPS_TD
#define TESSERA_COVERAGE_OPS_TD

include "TesseraPoolingOps.td"
include "TesseraIndexingOps.td"
include "TesseraMathOps.td"
include "TesseraResizeOps.td"

#endif // TESSERA_COVERAGE_OPS_TD
