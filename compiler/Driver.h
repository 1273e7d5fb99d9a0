// The driver library behind tessera-compile.
#ifndef TESSERA_COMPILER_DRIVER_H
#define TESSERA_COMPILER_DRIVER_H

namespace mlir::tessera {

/// Runs tessera-compile with the given command line; returns the exit code.
int compileMain(int argc, char **argv);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_DRIVER_H
