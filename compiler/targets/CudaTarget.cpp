// The NVIDIA GPU target (--target=cuda): kernels from the gpu dialect through
// NVVM to PTX, which the host code embeds and launches through the CUDA
// runtime (runtime/cuda). The host code is LLVM IR for this machine's CPU,
// as on the CPU target, with two changes made here:
//   - the model's buffers come from the CUDA runtime's managed memory
//     (memref allocation calls renamed to tessera_cuda_*);
//   - every constant or global buffer the host code addresses is read
//     through tessera_cuda_global(host, bytes), its device-visible copy.
// With --gpu-emulate the mapped loop nests run on the CPU instead, and the
// CPU target emits them.
#include "compiler/Pipeline.h"
#include "compiler/targets/HostCodegen.h"
#include "compiler/targets/Target.h"

#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ReplaceConstant.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::tessera;

void mlir::tessera::registerTargetTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  // gpu.binary's embedding (#gpu.select_object) and NVVM serialization.
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

LogicalResult Target::emitDeviceCode(ModuleOp module, raw_ostream &) const {
  return module.emitError()
         << "target '" << name() << "' has no device code to emit";
}

namespace {

/// Host code addresses globals through their device-visible copies: the
/// uses of each of `names` in a function become one call of
/// tessera_cuda_global(@global, bytes) in its entry block.
void globalsThroughDevice(llvm::Module &module,
                          const llvm::StringSet<> &names) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptrType = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  llvm::FunctionCallee upload =
      module.getOrInsertFunction("tessera_cuda_global", ptrType, ptrType, i64);
  const llvm::DataLayout &layout = module.getDataLayout();
  for (const auto &entry : names) {
    llvm::GlobalVariable *global = module.getNamedGlobal(entry.getKey());
    if (!global || global->use_empty())
      continue;
    llvm::convertUsersOfConstantsToInstructions({global});
    uint64_t bytes = layout.getTypeAllocSize(global->getValueType());
    llvm::DenseMap<llvm::Function *, llvm::Value *> copies;
    for (llvm::Use &use : llvm::make_early_inc_range(global->uses())) {
      auto *inst = dyn_cast<llvm::Instruction>(use.getUser());
      if (!inst)
        continue;
      llvm::Function *fn = inst->getFunction();
      llvm::Value *&copy = copies[fn];
      if (!copy) {
        llvm::IRBuilder<> b(&*fn->getEntryBlock().getFirstInsertionPt());
        copy = b.CreateCall(upload, {global, b.getInt64(bytes)},
                            global->getName() + ".device");
      }
      use.set(copy);
    }
  }
}

/// memref allocations (finalize-memref-to-llvm's generic functions) take
/// managed memory from the CUDA runtime.
void allocationsThroughDevice(llvm::Module &module) {
  static const std::pair<StringRef, StringRef> renames[] = {
      {"_mlir_memref_to_llvm_alloc", "tessera_cuda_alloc"},
      {"_mlir_memref_to_llvm_aligned_alloc", "tessera_cuda_aligned_alloc"},
      {"_mlir_memref_to_llvm_free", "tessera_cuda_free"}};
  for (auto [from, to] : renames)
    if (llvm::Function *fn = module.getFunction(from))
      fn->setName(to);
}

class CudaTarget : public Target {
public:
  llvm::StringRef name() const override { return "cuda"; }

  void buildLoweringPipeline(OpPassManager &pm,
                             const PipelineOptions &opts) const override {
    buildCudaLoweringPipeline(pm, opts);
  }

  LogicalResult emit(ModuleOp module, const PipelineOptions &opts,
                     bool asObject, llvm::raw_pwrite_stream &os,
                     TimingScope &timing) const override {
    if (opts.gpuEmulate)
      return cpu->emit(module, opts, asObject, os, timing);
    std::string error;
    std::unique_ptr<llvm::TargetMachine> tm =
        createHostMachine(opts.optLevel, error);
    if (!tm)
      return module.emitError() << "no LLVM target for the host: " << error;

    // The model's globals, before translation adds its own (the PTX image,
    // kernel names).
    llvm::StringSet<> globals;
    for (auto global : module.getOps<LLVM::GlobalOp>())
      globals.insert(global.getSymName());

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateForHost(module, llvmContext, *tm, timing);
    if (!llvmModule)
      return failure();

    globalsThroughDevice(*llvmModule, globals);
    allocationsThroughDevice(*llvmModule);
    exportOnlyEntry(*llvmModule, opts.modelName);
    weightsAsBytes(*llvmModule);
    return emitHostModule(module, *llvmModule, *tm, opts.optLevel, asObject, os,
                          timing);
  }

  LogicalResult emitDeviceCode(ModuleOp module,
                               llvm::raw_ostream &os) const override {
    bool found = false;
    for (auto binary : module.getOps<gpu::BinaryOp>())
      for (Attribute attr : binary.getObjects()) {
        auto object = cast<gpu::ObjectAttr>(attr);
        if (object.getFormat() != gpu::CompilationTarget::Assembly)
          continue;
        os << object.getObject().getValue();
        found = true;
      }
    if (!found)
      os << "// no kernels\n";
    return success();
  }

private:
  std::unique_ptr<Target> cpu = createCpuTarget();
};

} // namespace

std::unique_ptr<Target> mlir::tessera::createCudaTarget() {
  return std::make_unique<CudaTarget>();
}
