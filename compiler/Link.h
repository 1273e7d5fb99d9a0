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
  /// libtessera_cuda_runtime.a beside it (empty: built without CUDA).
  std::string cudaLibrary;
  std::string includeDir;
  llvm::SmallVector<std::string> linkFlags;
};

/// Finds the runtime next to the running tool (bin/../lib) or under
/// $TESSERA_RUNTIME_DIR; fails with a message in `error`.
FailureOr<RuntimeLocation> findRuntime(const char *argv0, std::string &error);

/// What the stub and header of one compiled model declare.
struct StubOptions {
  /// The prefix of every exported symbol (--name): NAME_model_info,
  /// NAME_run, NAME_main, ... and the code's entry NAME_main_graph.
  std::string name = "model";
  /// An executable's main().
  bool withMain = false;
  /// --weights=external: the side file's name and size (0: weights inside).
  std::string weightsFile;
  uint64_t weightsBytes = 0;
  /// --target=cuda: the runs go through the CUDA runtime (prepare/finish),
  /// which is linked in.
  bool cuda = false;
};

/// `name` if it is a C identifier, else empty.
bool isValidModelName(llvm::StringRef name);

/// The default --name for an output file: its stem without a shared
/// library's `lib` prefix, as a C identifier (`libgpt2.so` -> gpt2).
std::string defaultModelName(llvm::StringRef outputPath);

void writeModelStub(const ModelSignature &sig, const StubOptions &opts,
                    llvm::raw_ostream &os);
void writeModelHeader(const ModelSignature &sig, const StubOptions &opts,
                      llvm::raw_ostream &os);

/// Links `objectPath` with the stub and the runtime into `outputPath`
/// (an executable, or a shared library when `shared` that exports the
/// NAME_* API only).
LogicalResult linkModel(llvm::StringRef objectPath, const ModelSignature &sig,
                        const StubOptions &stub, bool shared,
                        llvm::StringRef outputPath,
                        const RuntimeLocation &runtime, std::string &error);

/// Combines `objectPath` and the compiled stub into one relocatable object
/// at `outputPath` (--emit=obj); the runtime is linked by its user.
LogicalResult writeModelObject(llvm::StringRef objectPath,
                               const ModelSignature &sig,
                               const StubOptions &stub,
                               llvm::StringRef outputPath,
                               llvm::StringRef includeDir, std::string &error);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_LINK_H
