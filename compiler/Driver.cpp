// tessera-compile: reads an ONNX model (or tessera MLIR), runs the pipeline up
// to the requested stage and writes the result.
#include "compiler/Driver.h"
#include "compiler/Pipeline.h"
#include "frontends/onnx/ModelImporter.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::tessera;
namespace cl = llvm::cl;

namespace {
enum class Emit { Import, Tessera };

struct Options {
  cl::opt<std::string> input{cl::Positional, cl::desc("<model.onnx|.mlir>"),
                             cl::Required};
  cl::opt<std::string> output{"o", cl::desc("Output file"), cl::Required};
  cl::opt<Emit> emit{
      "emit", cl::desc("What to write"), cl::init(Emit::Tessera),
      cl::values(clEnumValN(Emit::Import, "import", "IR right after import"),
                 clEnumValN(Emit::Tessera, "tessera",
                            "IR after the graph-level pipeline"))};
  cl::opt<unsigned> optLevel{"O", cl::desc("Optimization level"), cl::Prefix,
                             cl::init(2)};
};
} // namespace

static OwningOpRef<ModuleOp> loadInput(StringRef path, MLIRContext &ctx) {
  if (path.ends_with(".mlir")) {
    llvm::SourceMgr sourceMgr;
    std::string err;
    auto file = openInputFile(path, &err);
    if (!file) {
      emitError(UnknownLoc::get(&ctx)) << err;
      return nullptr;
    }
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &ctx);
  }
  return tessera::importOnnxModel(path, ctx);
}

int mlir::tessera::compileMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  Options opts;
  cl::ParseCommandLineOptions(argc, argv, "Tessera ONNX compiler\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<TesseraDialect>();
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  OwningOpRef<ModuleOp> module = loadInput(opts.input, ctx);
  if (!module)
    return 1;

  if (opts.emit != Emit::Import) {
    PassManager pm(&ctx);
    if (failed(applyPassManagerCLOptions(pm)))
      return 1;
    PipelineOptions popts;
    popts.optLevel = opts.optLevel;
    buildGraphPipeline(pm, popts);
    if (failed(pm.run(*module)))
      return 1;
  }

  std::string err;
  auto out = openOutputFile(opts.output, &err);
  if (!out) {
    llvm::errs() << "tessera-compile: " << err << "\n";
    return 1;
  }
  module->print(out->os());
  out->keep();
  return 0;
}
