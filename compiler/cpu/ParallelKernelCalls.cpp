// Calls of range kernels (tessera-parallelize-kernels) become calls of the
// runtime's thread pool, at the LLVM dialect level where every kernel
// argument is a plain value: the arguments go into a stack struct, and a
// generated trampoline `K_task(ctx, lo, hi)` unpacks them and calls
// `K(args..., lo, hi)`. The pool (`tessera_parallel_range`) splits [0, T)
// into disjoint ranges, or runs it whole on the caller for one thread.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral tripAttr = "tessera.parallel_trip";

struct ParallelKernelCallsPass
    : PassWrapper<ParallelKernelCallsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ParallelKernelCallsPass)
  StringRef getName() const final { return "ParallelKernelCallsPass"; }
  StringRef getArgument() const final {
    return "tessera-parallel-kernel-calls";
  }
  StringRef getDescription() const final {
    return "Run calls of range kernels on the runtime's thread pool";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder builder(ctx);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto voidType = LLVM::LLVMVoidType::get(ctx);

    DenseMap<StringAttr, LLVM::LLVMFuncOp> tasks;
    SmallVector<LLVM::CallOp> calls;
    module.walk([&](LLVM::CallOp call) {
      auto callee = call.getCallee();
      if (!callee)
        return;
      auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(*callee);
      if (fn && fn->hasAttr(tripAttr) && !fn->hasAttr("tessera.task"))
        calls.push_back(call);
    });
    if (calls.empty())
      return;
    FailureOr<LLVM::LLVMFuncOp> pool = LLVM::lookupOrCreateFn(
        builder, module, "tessera_parallel_range", {ptr, ptr, i64}, voidType);
    if (failed(pool))
      return signalPassFailure();

    for (LLVM::CallOp call : calls) {
      auto kernel = module.lookupSymbol<LLVM::LLVMFuncOp>(*call.getCallee());
      ArrayRef<Type> params = kernel.getFunctionType().getParams();
      // The arguments before lo and hi.
      SmallVector<Type> fields(params.drop_back(2));
      auto ctxType = LLVM::LLVMStructType::getLiteral(ctx, fields);

      LLVM::LLVMFuncOp &task = tasks[kernel.getSymNameAttr()];
      if (!task) {
        builder.setInsertionPointAfter(kernel);
        task = LLVM::LLVMFuncOp::create(
            builder, kernel.getLoc(), (kernel.getSymName() + "_task").str(),
            LLVM::LLVMFunctionType::get(voidType, {ptr, i64, i64}),
            LLVM::Linkage::Internal);
        task->setAttr("tessera.task", builder.getUnitAttr());
        Block *body = task.addEntryBlock(builder);
        builder.setInsertionPointToStart(body);
        SmallVector<Value> args;
        for (auto [i, field] : llvm::enumerate(fields)) {
          Value addr = LLVM::GEPOp::create(
              builder, kernel.getLoc(), ptr, ctxType, body->getArgument(0),
              ArrayRef<LLVM::GEPArg>{0, int32_t(i)});
          args.push_back(
              LLVM::LoadOp::create(builder, kernel.getLoc(), field, addr));
        }
        args.push_back(body->getArgument(1));
        args.push_back(body->getArgument(2));
        LLVM::CallOp::create(builder, kernel.getLoc(), kernel, args);
        LLVM::ReturnOp::create(builder, kernel.getLoc(), ValueRange());
      }

      // The struct lives in the caller's entry block (no stack growth when
      // the call sits in a loop).
      auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
      Location loc = call.getLoc();
      builder.setInsertionPointToStart(&caller.getBody().front());
      Value one = LLVM::ConstantOp::create(builder, loc, i64, 1);
      Value slot = LLVM::AllocaOp::create(builder, loc, ptr, ctxType, one);
      builder.setInsertionPoint(call);
      for (auto [i, arg] : llvm::enumerate(
               call.getArgOperands().drop_back(2))) {
        Value addr = LLVM::GEPOp::create(builder, loc, ptr, ctxType, slot,
                                         ArrayRef<LLVM::GEPArg>{0, int32_t(i)});
        LLVM::StoreOp::create(builder, loc, arg, addr);
      }
      Value fnAddr = LLVM::AddressOfOp::create(builder, loc, ptr,
                                               task.getSymName());
      // The full range the call passed as `hi` (its trip count: a constant,
      // or the size of a buffer's dim in a kernel of dynamic shapes).
      Value n = call.getArgOperands().back();
      LLVM::CallOp::create(builder, loc, *pool, ValueRange{fnAddr, slot, n});
      call.erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createParallelKernelCallsPass() {
  return std::make_unique<ParallelKernelCallsPass>();
}
