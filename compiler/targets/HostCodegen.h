// The host (x86-64) half of code generation, shared by the targets: every
// target's host code is LLVM IR for this machine's CPU.
#ifndef TESSERA_COMPILER_TARGETS_HOSTCODEGEN_H
#define TESSERA_COMPILER_TARGETS_HOSTCODEGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class TimingScope;
} // namespace mlir

namespace mlir::tessera {

/// The host CPU with all its features, PIC, at `optLevel`; null with a
/// message in `error` where LLVM has no target for it.
std::unique_ptr<llvm::TargetMachine> createHostMachine(unsigned optLevel,
                                                       std::string &error);

/// LLVM's O0-O3 pipeline for `tm` (vectorizers from -O2, 512-bit vectors at
/// -O3 where AVX-512 is there).
void optimizeHostModule(llvm::Module &module, llvm::TargetMachine &tm,
                        unsigned optLevel);

/// `_mlir_ciface_main_graph` becomes NAME_main_graph (hidden), the code's
/// only global symbol; every other definition becomes internal.
void exportOnlyEntry(llvm::Module &module, llvm::StringRef name);

/// Constant float arrays of 4 KiB or more become byte arrays with the same
/// bytes (the asm printer writes those in one piece).
void weightsAsBytes(llvm::Module &module);

/// Translates `module` (LLVM dialect, every target's dialects registered:
/// registerTargetTranslations) to LLVM IR in `ctx` for `tm`'s triple and
/// data layout, timed as "Translate to LLVM IR"; null with an error emitted
/// on `module` when it cannot.
std::unique_ptr<llvm::Module> translateForHost(ModuleOp module,
                                               llvm::LLVMContext &ctx,
                                               llvm::TargetMachine &tm,
                                               TimingScope &timing);

/// Optimizes `llvmModule` and writes it as LLVM IR text or an object.
LogicalResult emitHostModule(ModuleOp module, llvm::Module &llvmModule,
                             llvm::TargetMachine &tm, unsigned optLevel,
                             bool asObject, llvm::raw_pwrite_stream &os,
                             TimingScope &timing);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_TARGETS_HOSTCODEGEN_H
