// libFuzzer target: bytes as a serialized ONNX ModelProto; a model that
// imports with static shapes goes through the whole CPU pipeline (graph
// passes, linalg, bufferization, LLVM) to an object file in memory. Every
// stage may refuse with a diagnostic; none may crash.
#include "compiler/Pipeline.h"
#include "compiler/cpu/CpuPasses.h"
#include "compiler/targets/Target.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"
#include "test/fuzz/FuzzCommon.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/SmallString.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

namespace {

const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *reg = new DialectRegistry;
    registerAllDialects(*reg);
    registerAllExtensions(*reg);
    reg->insert<tessera::TesseraDialect>();
    return reg;
  }();
  return *r;
}

/// Only statically shaped tensors of the dtypes the runtime describes cross
/// the compiled model's boundary (the driver refuses the rest up front).
bool hasStaticSignature(ModuleOp module) {
  auto fn = module.lookupSymbol<func::FuncOp>("main_graph");
  if (!fn || fn.isExternal())
    return false;
  auto ok = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.hasStaticShape() &&
           tensor.getNumElements() < (1 << 24);
  };
  return llvm::all_of(fn.getArgumentTypes(), ok) &&
         llvm::all_of(fn.getResultTypes(), ok);
}

bool containsTesseraOps(ModuleOp module) {
  return module
      .walk([](Operation *op) {
        return isa<tessera::TesseraDialect>(op->getDialect())
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  OwningOpRef<ModuleOp> module = importFuzzInput(ctx, data, size);
  if (!module || !hasStaticSignature(*module))
    return 0;
  if (failed(verify(*module))) {
    fprintf(stderr, "tessera-fuzz-compile: an imported module does not "
                    "verify\n");
    abort();
  }
  tessera::PipelineOptions pipeline;
  std::string error;
  std::unique_ptr<tessera::Target> target = tessera::createTarget("cpu", error);
  PassManager pm(&ctx);
  tessera::buildGraphPipeline(pm, pipeline);
  if (failed(pm.run(*module)))
    return 0;
  PassManager lower(&ctx);
  if (failed(tessera::buildLinalgPipeline(lower, pipeline,
                                          containsTesseraOps(*module))))
    return 0;
  tessera::buildBufferizationPipeline(lower, pipeline);
  target->buildLoweringPipeline(lower, pipeline);
  if (failed(lower.run(*module)))
    return 0;
  SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  TimingScope timing;
  (void)target->emit(*module, pipeline, /*asObject=*/true, os, timing);
  return 0;
}
