// Brackets every kernel call of a model's entry functions with the
// runtime's profile hooks (see runtime/cpu/Profile.cpp): generated kernels,
// kernels run on the thread pool, and runtime kernels (GEMM, attention,
// ...). Each call site gets a label "KERNEL|onnx nodes" from the callee and
// the ONNX node names in the call's location.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace {

/// The ONNX node names in a location (NameLocs, through fused locations).
void collectNames(Location loc, llvm::SetVector<StringRef> &names) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    names.insert(name.getName().getValue());
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      collectNames(inner, names);
  if (auto site = dyn_cast<CallSiteLoc>(loc))
    collectNames(site.getCallee(), names);
}

struct ProfileKernelsPass
    : PassWrapper<ProfileKernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ProfileKernelsPass)
  StringRef getName() const final { return "ProfileKernelsPass"; }
  StringRef getArgument() const final { return "tessera-profile-kernels"; }
  StringRef getDescription() const final {
    return "Bracket kernel calls with the runtime's profile hooks";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect>();
  }

  /// The profile name of what `call` runs, or "" if it is not a kernel.
  static std::string kernelName(ModuleOp module, LLVM::CallOp call) {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee)
      return "";
    if (*callee == "tessera_parallel_range") {
      auto task = call.getArgOperands()[0].getDefiningOp<LLVM::AddressOfOp>();
      return task ? task.getGlobalName().drop_back(5).str() : "";
    }
    auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(*callee);
    if (fn && fn->hasAttr("tessera.kernel"))
      return callee->str();
    StringRef name = *callee;
    name.consume_front("_mlir_ciface_");
    if (name.starts_with("tessera_") && !name.starts_with("tessera_profile"))
      return name.drop_front(8).str();
    if (name == "memrefCopy")
      return "memref_copy";
    return "";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder builder(ctx);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto voidType = LLVM::LLVMVoidType::get(ctx);

    // Entry functions: public definitions that are not C wrappers.
    SmallVector<std::pair<LLVM::CallOp, std::string>> calls;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
      if (fn.isExternal() || fn.isPrivate() ||
          fn.getLinkage() == LLVM::Linkage::Internal ||
          fn.getLinkage() == LLVM::Linkage::Private ||
          fn->hasAttr("tessera.kernel") ||
          fn.getSymName().starts_with("_mlir_ciface_"))
        continue;
      fn.walk([&](LLVM::CallOp call) {
        std::string name = kernelName(module, call);
        if (name.empty())
          return;
        llvm::SetVector<StringRef> nodes;
        collectNames(call.getLoc(), nodes);
        if (*call.getCallee() == "tessera_parallel_range")
          if (auto task = call.getArgOperands()[0]
                              .getDefiningOp<LLVM::AddressOfOp>())
            collectNames(task.getLoc(), nodes);
        std::string label = name + "|";
        for (auto [i, node] : llvm::enumerate(nodes)) {
          if (label.size() > 400) {
            label += ",...";
            break;
          }
          label += (i ? "," : "") + node.str();
        }
        calls.push_back({call, label});
      });
    }
    if (calls.empty())
      return;

    FailureOr<LLVM::LLVMFuncOp> begin = LLVM::lookupOrCreateFn(
        builder, module, "tessera_profile_begin", {ptr}, i64);
    FailureOr<LLVM::LLVMFuncOp> end = LLVM::lookupOrCreateFn(
        builder, module, "tessera_profile_end", {ptr, i64}, voidType);
    if (failed(begin) || failed(end))
      return signalPassFailure();

    llvm::StringMap<LLVM::GlobalOp> labels;
    for (auto &[call, label] : calls) {
      LLVM::GlobalOp &global = labels[label];
      if (!global) {
        builder.setInsertionPointToStart(module.getBody());
        std::string text = label;
        text.push_back('\0');
        auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8),
                                             text.size());
        global = LLVM::GlobalOp::create(
            builder, module.getLoc(), type, /*isConstant=*/true,
            LLVM::Linkage::Internal,
            "__tessera_profile_" + std::to_string(labels.size()),
            builder.getStringAttr(text));
      }
      Location loc = call.getLoc();
      builder.setInsertionPoint(call);
      Value addr = LLVM::AddressOfOp::create(builder, loc, global);
      Value start =
          LLVM::CallOp::create(builder, loc, *begin, ValueRange{addr})
              .getResult();
      builder.setInsertionPointAfter(call);
      LLVM::CallOp::create(builder, loc, *end, ValueRange{addr, start});
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createProfileKernelsPass() {
  return std::make_unique<ProfileKernelsPass>();
}
