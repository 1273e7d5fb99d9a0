// tessera-compile: ONNX model -> executable, library, object or IR.
#include "compiler/Driver.h"

int main(int argc, char **argv) {
  return mlir::tessera::compileMain(argc, argv);
}
