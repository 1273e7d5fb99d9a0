// The x86-64 host target: LLVM IR for the host CPU (AVX-512 where present),
// optimized with LLVM's O2/O3 pipeline and emitted as a PIC object in-process.
#include "compiler/cpu/CpuPasses.h"
#include "compiler/targets/HostCodegen.h"
#include "compiler/targets/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ReplaceConstant.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::tessera;

namespace {

llvm::OptimizationLevel toLLVMLevel(unsigned optLevel) {
  switch (optLevel) {
  case 0:
    return llvm::OptimizationLevel::O0;
  case 1:
    return llvm::OptimizationLevel::O1;
  case 2:
    return llvm::OptimizationLevel::O2;
  default:
    return llvm::OptimizationLevel::O3;
  }
}

llvm::CodeGenOptLevel toCodeGenLevel(unsigned optLevel) {
  switch (optLevel) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

} // namespace

std::unique_ptr<llvm::TargetMachine>
mlir::tessera::createHostMachine(unsigned optLevel, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getProcessTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::SubtargetFeatures features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  // Constructors (the CUDA target registers its kernels' image in one) go
  // to .init_array: lld, which links models, does not run .ctors.
  llvm::TargetOptions options;
  options.UseInitArray = true;
  // PIC always: Debian's cc links position-independent executables, and the
  // same object goes into shared libraries.
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), options,
      llvm::Reloc::PIC_, std::nullopt, toCodeGenLevel(optLevel)));
}

void mlir::tessera::optimizeHostModule(llvm::Module &module,
                                       llvm::TargetMachine &tm,
                                       unsigned optLevel) {
  // Without these per-function attributes the vectorizer's cost model falls
  // back to a generic x86 and stays at 128 or 256 bits.
  for (llvm::Function &fn : module) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", tm.getTargetCPU());
    fn.addFnAttr("target-features", tm.getTargetFeatureString());
    if (optLevel >= 3 && tm.getTargetFeatureString().contains("+avx512f"))
      fn.addFnAttr("prefer-vector-width", "512");
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      optLevel == 0 ? pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0)
                    : pb.buildPerModuleDefaultPipeline(toLLVMLevel(optLevel));
  mpm.run(module, mam);
}

namespace {

/// The weights: constant globals holding a data array of 4 KiB or more.
SmallVector<llvm::GlobalVariable *> weightGlobals(llvm::Module &module) {
  SmallVector<llvm::GlobalVariable *> globals;
  for (llvm::GlobalVariable &global : module.globals())
    if (global.hasInitializer() && global.isConstant())
      if (auto *data =
              dyn_cast<llvm::ConstantDataSequential>(global.getInitializer()))
        if (data->getRawDataValues().size() >= 4096)
          globals.push_back(&global);
  return globals;
}

} // namespace

/// Constant arrays of floats (the weights) become byte arrays with the same
/// bytes: the asm printer writes a byte array with one copy but a float array
/// one element at a time (ViT-B/32's 88 M weights took ~5 s). Pointers are
/// opaque, so every use stays as it is.
void mlir::tessera::weightsAsBytes(llvm::Module &module) {
  for (llvm::GlobalVariable *global : weightGlobals(module)) {
    auto *data = cast<llvm::ConstantDataSequential>(global->getInitializer());
    if (data->getElementType()->isIntegerTy(8))
      continue;
    StringRef raw = data->getRawDataValues();
    llvm::Constant *bytes = llvm::ConstantDataArray::get(
        module.getContext(),
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(raw.data()),
                          raw.size()));
    auto *replacement = new llvm::GlobalVariable(
        module, bytes->getType(), /*isConstant=*/true, global->getLinkage(),
        bytes, "", global, global->getThreadLocalMode(),
        global->getAddressSpace());
    replacement->copyAttributesFrom(global);
    replacement->setAlignment(
        std::max(global->getAlign().valueOrOne(), llvm::Align(64)));
    replacement->takeName(global);
    global->replaceAllUsesWith(replacement);
    global->eraseFromParent();
  }
}

void mlir::tessera::exportOnlyEntry(llvm::Module &module, StringRef name) {
  llvm::Function *entry = module.getFunction("_mlir_ciface_main_graph");
  for (llvm::Function &fn : module)
    if (!fn.isDeclaration() && &fn != entry)
      fn.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &global : module.globals())
    if (!global.isDeclaration() && !global.hasAppendingLinkage())
      global.setLinkage(llvm::GlobalValue::InternalLinkage);
  if (entry) {
    // Hidden: the stub of the same library or object calls it; users call
    // the stub's NAME_run.
    entry->setName(name + "_main_graph");
    entry->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
}

namespace {

/// --weights=external: every constant array of 4 KiB or more moves to
/// `file` (at 64-byte aligned offsets) and its uses become `NAME_weights +
/// offset`, NAME_weights being set by the stub to the mapped file before
/// the first run. Writes the file even when nothing moves (0 bytes).
LogicalResult externalizeWeights(llvm::Module &module, StringRef name,
                                 StringRef file, std::string &error) {
  SmallVector<llvm::GlobalVariable *> globals = weightGlobals(module);
  std::error_code ec;
  llvm::raw_fd_ostream os(file, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = ("cannot write '" + file + "': " + ec.message()).str();
    return failure();
  }
  if (globals.empty())
    return success();
  // Uses in constant expressions become instructions, whose operand can be
  // a loaded pointer.
  SmallVector<llvm::Constant *> constants(globals.begin(), globals.end());
  llvm::convertUsersOfConstantsToInstructions(constants);

  auto *ptrType = llvm::PointerType::getUnqual(module.getContext());
  auto *base = new llvm::GlobalVariable(
      module, ptrType, /*isConstant=*/false, llvm::GlobalValue::ExternalLinkage,
      /*Initializer=*/nullptr, (name + "_weights").str());
  base->setVisibility(llvm::GlobalValue::HiddenVisibility);
  auto *i8 = llvm::Type::getInt8Ty(module.getContext());
  uint64_t offset = 0;
  for (llvm::GlobalVariable *global : globals) {
    StringRef raw = cast<llvm::ConstantDataSequential>(global->getInitializer())
                        ->getRawDataValues();
    uint64_t aligned = llvm::alignTo(offset, 64);
    os.write_zeros(aligned - offset);
    os.write(raw.data(), raw.size());
    offset = aligned + raw.size();
    // One load of the base per function, in its entry block.
    llvm::DenseMap<llvm::Function *, llvm::Value *> addresses;
    for (llvm::Use &use : llvm::make_early_inc_range(global->uses())) {
      auto *inst = dyn_cast<llvm::Instruction>(use.getUser());
      if (!inst) {
        error = ("a use of weight '" + global->getName() +
                 "' outside a function cannot read an external weight")
                    .str();
        return failure();
      }
      llvm::Function *fn = inst->getFunction();
      llvm::Value *&address = addresses[fn];
      if (!address) {
        llvm::IRBuilder<> builder(&*fn->getEntryBlock().getFirstInsertionPt());
        llvm::Value *loaded = builder.CreateLoad(ptrType, base);
        address = builder.CreateInBoundsGEP(
            i8, loaded, builder.getInt64(aligned), global->getName());
      }
      use.set(address);
    }
    global->eraseFromParent();
  }
  if (os.has_error()) {
    error = ("cannot write '" + file + "'").str();
    return failure();
  }
  return success();
}

class CpuTarget : public Target {
public:
  llvm::StringRef name() const override { return "cpu"; }

  void buildLoweringPipeline(OpPassManager &pm,
                             const PipelineOptions &opts) const override {
    buildCpuLoweringPipeline(pm, opts);
  }

  LogicalResult emit(ModuleOp module, const PipelineOptions &opts,
                     bool asObject, llvm::raw_pwrite_stream &os,
                     TimingScope &timing) const override {
    std::string error;
    std::unique_ptr<llvm::TargetMachine> tm =
        createHostMachine(opts.optLevel, error);
    if (!tm)
      return module.emitError() << "no LLVM target for the host: " << error;

    // Outlined kernels (tessera-outline-kernels) stay functions: inlined back
    // they would rebuild the one huge function LLVM is slow on.
    module.walk([](LLVM::LLVMFuncOp fn) {
      if (fn->hasAttr("tessera.kernel"))
        fn.setNoInline(true);
    });

    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        translateForHost(module, llvmContext, *tm, timing);
    if (!llvmModule)
      return failure();

    exportOnlyEntry(*llvmModule, opts.modelName);
    if (!opts.weightsFile.empty()) {
      if (failed(externalizeWeights(*llvmModule, opts.modelName,
                                    opts.weightsFile, error)))
        return module.emitError() << error;
    }
    weightsAsBytes(*llvmModule);

    return emitHostModule(module, *llvmModule, *tm, opts.optLevel, asObject, os,
                          timing);
  }
};

} // namespace

std::unique_ptr<llvm::Module>
mlir::tessera::translateForHost(ModuleOp module, llvm::LLVMContext &ctx,
                                llvm::TargetMachine &tm, TimingScope &timing) {
  DialectRegistry registry;
  registerTargetTranslations(registry);
  module.getContext()->appendDialectRegistry(registry);
  TimingScope translateTimer = timing.nest("Translate to LLVM IR");
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, ctx, "tessera_model");
  if (!llvmModule) {
    module.emitError() << "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple());
  llvmModule->setDataLayout(tm.createDataLayout());
  return llvmModule;
}

LogicalResult mlir::tessera::emitHostModule(ModuleOp module,
                                            llvm::Module &llvmModule,
                                            llvm::TargetMachine &tm,
                                            unsigned optLevel, bool asObject,
                                            llvm::raw_pwrite_stream &os,
                                            TimingScope &timing) {
  TimingScope optTimer = timing.nest("LLVM optimization");
  optimizeHostModule(llvmModule, tm, optLevel);
  optTimer.stop();

  if (!asObject) {
    llvmModule.print(os, nullptr);
    return success();
  }
  TimingScope codegenTimer = timing.nest("LLVM code generation");
  llvm::legacy::PassManager codegen;
  if (tm.addPassesToEmitFile(codegen, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile))
    return module.emitError() << "the host target cannot emit object files";
  codegen.run(llvmModule);
  return success();
}

std::unique_ptr<Target> mlir::tessera::createCpuTarget() {
  return std::make_unique<CpuTarget>();
}

std::unique_ptr<Target> mlir::tessera::createTarget(llvm::StringRef name,
                                                    std::string &error) {
  if (name == "cpu")
    return createCpuTarget();
  if (name == "cuda")
    return createCudaTarget();
  error = ("unknown target '" + name + "' (expected cpu or cuda)").str();
  return nullptr;
}
