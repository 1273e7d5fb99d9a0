// Recurrent layers unrolled over the (static) sequence: RNN, GRU, LSTM.
#include "frontends/onnx/Importer.h"

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::onnx_import;

void mlir::tessera::onnx_import::registerRecurrentOps(OpTable &t) { (void)t; }
