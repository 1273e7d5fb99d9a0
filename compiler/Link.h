// The linker step: the C stub describing the model to the runtime, and the
// system `cc` call that links object + stub + runtime into an exe or a .so.
#ifndef TESSERA_COMPILER_LINK_H
#define TESSERA_COMPILER_LINK_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::tessera {

struct TensorSignature {
  std::string name;  // the ONNX name (`tessera.name`), or input<i>/output<i>
  std::string dtype; // a tessera_dtype enumerator, e.g. TESSERA_F32
  std::string cType; // the C element type, e.g. float
  llvm::SmallVector<int64_t> shape;
};

struct ModelSignature {
  llvm::SmallVector<TensorSignature> inputs, outputs;
};

/// Reads names, dtypes and shapes of `@main_graph` (tensor level, before
/// bufferization); emits an error on the module and fails otherwise.
FailureOr<ModelSignature> getModelSignature(ModuleOp module);

/// Where libtessera_runtime.a, its header and its link dependencies are.
struct RuntimeLocation {
  std::string library;
  std::string includeDir;
  llvm::SmallVector<std::string> linkFlags;
};

/// Finds the runtime next to the running tool (bin/../lib) or under
/// $TESSERA_RUNTIME_DIR; fails with a message in `error`.
FailureOr<RuntimeLocation> findRuntime(const char *argv0, std::string &error);

void writeModelStub(const ModelSignature &sig, bool withMain,
                    llvm::raw_ostream &os);
void writeModelHeader(const ModelSignature &sig, llvm::StringRef guard,
                      llvm::raw_ostream &os);

/// Links `objectPath` with the stub and the runtime into `outputPath`
/// (an executable, or a shared library when `shared`).
LogicalResult linkModel(llvm::StringRef objectPath, const ModelSignature &sig,
                        bool shared, llvm::StringRef outputPath,
                        const RuntimeLocation &runtime, std::string &error);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_LINK_H
