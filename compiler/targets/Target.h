// A code-generation target: the lowering from bufferized IR to the LLVM
// dialect, and the translation of that module to LLVM IR or an object file.
// A new target is a new file implementing this interface.
#ifndef TESSERA_COMPILER_TARGETS_TARGET_H
#define TESSERA_COMPILER_TARGETS_TARGET_H

#include "compiler/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace mlir {
class DialectRegistry;
class DefaultTimingManager;
class TimingScope;
} // namespace mlir

namespace mlir::tessera {

class Target {
public:
  virtual ~Target() = default;
  virtual llvm::StringRef name() const = 0;

  /// Appends the passes from bufferized (memref) IR to the LLVM dialect.
  virtual void buildLoweringPipeline(OpPassManager &pm,
                                     const PipelineOptions &opts) const = 0;

  /// Translates an LLVM-dialect module and optimizes it at `opts.optLevel`;
  /// then writes LLVM IR text (`asObject` false) or a relocatable object.
  virtual LogicalResult emit(ModuleOp module, const PipelineOptions &opts,
                             bool asObject, llvm::raw_pwrite_stream &os,
                             TimingScope &timing) const = 0;

  /// Writes the device code of a module in the LLVM dialect (the PTX of a
  /// GPU target); fails with a message on targets without device code.
  virtual LogicalResult emitDeviceCode(ModuleOp module,
                                       llvm::raw_ostream &os) const;
};

/// The target called `name` ("cpu" or "cuda"), or null with a message in
/// `error`.
std::unique_ptr<Target> createTarget(llvm::StringRef name, std::string &error);

/// What the targets' passes need in the context: the GPU and NVVM dialects'
/// translations to LLVM IR (gpu-module-to-binary serializes kernels).
void registerTargetTranslations(DialectRegistry &registry);

std::unique_ptr<Target> createCpuTarget();
std::unique_ptr<Target> createCudaTarget();

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_TARGETS_TARGET_H
