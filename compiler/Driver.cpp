// tessera-compile: reads an ONNX model (or MLIR), runs the pipeline up to the
// requested stage and writes IR, an object, an executable or a shared library.
#include "compiler/Driver.h"
#include "compiler/Calibration.h"
#include "compiler/DriverOptions.h"
#include "compiler/Link.h"
#include "compiler/Pipeline.h"
#include "compiler/Report.h"
#include "compiler/cpu/CpuPasses.h"
#include "compiler/cuda/CudaPasses.h"
#include "compiler/targets/Target.h"
#include "frontends/onnx/ModelImporter.h"
#include "passes/Passes.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/ViewOpGraph.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cmath>
#include <tuple>

using namespace mlir;
using namespace mlir::tessera;
using namespace mlir::tessera::driver;
namespace cl = llvm::cl;

namespace {
/// Context for one compilation; errors are printed prefixed with the tool name.
struct Compilation {
  const Options &opts;
  const char *argv0;
  MLIRContext &ctx;
  PipelineOptions pipeline;
  /// --drop-layers: how many attention and MLP sublayers to drop.
  int64_t dropAttention = 0, dropMlp = 0;
  bool dropLayers() const { return dropAttention > 0 || dropMlp > 0; }

  int fail(const Twine &message) const {
    llvm::errs() << "tessera-compile: error: " << message << "\n";
    return 1;
  }
};
} // namespace

/// Writes the LLVM IR or object for `module` (already in the LLVM dialect).
static LogicalResult emitCode(Compilation &c, ModuleOp module,
                              const Target &target,
                              const PipelineOptions &pipeline, bool asObject,
                              StringRef path, TimingScope &timing) {
  std::string error;
  auto out = openOutputFile(path, &error);
  if (!out)
    return c.fail(error), failure();
  if (failed(target.emit(module, pipeline, asObject, out->os(), timing)))
    return failure();
  out->keep();
  return success();
}

/// `module` (fresh from import) through every stage into an executable at
/// `path`, with `pipeline`'s passes and every numbered (would-be) quantized
/// (or pruned) layer's result as an extra output: the builds that the calibration runs
/// compare. Returns the executable's signature and the layers' names.
static FailureOr<ModelSignature>
buildProbedExecutable(Compilation &c, ModuleOp module,
                      const PipelineOptions &pipeline, const Target &target,
                      const RuntimeLocation &runtime, StringRef path,
                      LayerNumbering numbering,
                      std::vector<LayerProbe> &layers,
                      function_ref<void(ModuleOp)> inspect = nullptr) {
  PassManager graph(&c.ctx);
  buildGraphPipeline(graph, pipeline);
  if (failed(graph.run(module)))
    return failure();
  layers = probeLayers(module, numbering);
  if (inspect)
    inspect(module);
  FailureOr<ModelSignature> sig = getModelSignature(module);
  PassManager lower(&c.ctx);
  if (failed(sig) ||
      failed(buildLinalgPipeline(lower, pipeline, containsTesseraOps(module))))
    return failure();
  buildBufferizationPipeline(lower, pipeline);
  target.buildLoweringPipeline(lower, pipeline);
  if (failed(lower.run(module)))
    return failure();
  SmallString<128> objectPath;
  if (llvm::sys::fs::createTemporaryFile("tessera-calibration", "o",
                                         objectPath))
    return failure();
  llvm::FileRemover removeObject(objectPath);
  TimingScope timing;
  std::string error;
  StubOptions stub;
  stub.withMain = true;
  PipelineOptions codegen = pipeline;
  codegen.modelName = stub.name;
  codegen.weightsFile.clear();
  if (failed(emitCode(c, module, target, codegen, /*asObject=*/true, objectPath,
                      timing)) ||
      failed(linkModel(objectPath, *sig, stub, /*shared=*/false, path, runtime,
                       error)))
    return c.fail(error.empty() ? "cannot build a calibration model" : error),
           failure();
  return sig;
}

/// --quantize=int8-static: the input range of every layer it quantizes, from
/// a build that returns them run on the calibration inputs, into
/// `c.pipeline`. Returns the number of samples.
static FailureOr<int64_t> measureStaticRanges(Compilation &c, ModuleOp module,
                                              const Target &target) {
  std::string error;
  FailureOr<RuntimeLocation> runtime = findRuntime(c.argv0, error);
  if (failed(runtime))
    return c.fail(error), failure();
  SmallString<128> exe;
  if (llvm::sys::fs::createTemporaryFile("tessera-measure", "", exe))
    return c.fail("cannot create a temporary file"), failure();
  llvm::FileRemover removeExe(exe);
  OwningOpRef<ModuleOp> measured = module.clone();
  PipelineOptions measure = c.pipeline;
  measure.quantizeTagOnly = true;
  std::vector<LayerProbe> none;
  std::vector<RangeProbe> probes;
  FailureOr<ModelSignature> sig = buildProbedExecutable(
      c, *measured, measure, target, *runtime, exe, kNoLayers, none,
      [&](ModuleOp m) { probes = probeLayerInputRanges(m, kQuantizedLayers); });
  if (failed(sig))
    return c.fail("cannot build the model that measures the input ranges for "
                  "--quantize=int8-static"),
           failure();
  c.ctx.getOrLoadDialect<TesseraDialect>()->takeCounts();
  FailureOr<int64_t> samples =
      measureRanges(exe, *sig, c.opts.calibration, probes,
                    c.pipeline.quantizeInputRanges, error);
  if (failed(samples))
    return c.fail(error), failure();
  return samples;
}

/// Whether `pipeline` has a pass that changes results (whose accuracy the
/// report measures).
static bool changesAccuracy(const PipelineOptions &pipeline) {
  return !pipeline.quantize.empty() || pipeline.tokenMerge > 0 ||
         pipeline.tokenPruneKeep > 0 ||
         (!pipeline.sparsity.empty() && pipeline.sparsity != "auto");
}

using Clock = std::chrono::steady_clock;
static double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

static int compile(Compilation &c, DefaultTimingManager &timingManager) {
  auto start = Clock::now();
  const Options &opts = c.opts;
  TimingScope rootTimer = timingManager.getRootScope();
  std::string error;

  std::unique_ptr<Target> target = createTarget(opts.target, error);
  if (!target)
    return c.fail(error);
  bool cuda = target->name() == "cuda";
  if (cuda && (c.dropLayers() || !opts.calibration.empty() ||
               (changesAccuracy(c.pipeline) && !opts.report.empty())))
    return c.fail("--target=cuda does not run calibration builds yet "
                  "(--calibration, --drop-layers, --report with an "
                  "accuracy-changing pass): use --target=cpu");
  if (cuda && !c.pipeline.weightsFile.empty())
    return c.fail("--weights=external is not supported with --target=cuda");
  if (!cuda && opts.gpuEmulate)
    return c.fail("--gpu-emulate applies to --target=cuda only");
  if (opts.precision != "fp32" && opts.precision != "tf32" &&
      opts.precision != "fp16" && opts.precision != "bf16")
    return c.fail("--precision=" + opts.precision +
                  " is not a precision (fp32, tf32, fp16, bf16)");
  if (!cuda && opts.precision != "fp32")
    return c.fail("--precision=" + opts.precision +
                  " applies to --target=cuda only (on the CPU, see "
                  "--quantize)");
  if (opts.emit == Emit::Ptx && (!cuda || opts.gpuEmulate))
    return c.fail("--emit=ptx needs --target=cuda (without --gpu-emulate)");
  if (failed(checkOutputPath(opts.output, error)))
    return c.fail(error);
  tessera::ImportOptions import;
  if (failed(parseImportOptions(opts, import, error)))
    return c.fail(error);
  if (StringRef(opts.input).ends_with(".mlir") &&
      (!import.constInputs.empty() || !import.inputShapes.empty() ||
       !import.sequenceInputs.empty() || !import.emptyOptionals.empty()))
    return c.fail("--const-input, --input-shape, --sequence-input and "
                  "--empty-optional apply to ONNX models only");

  // Diagnostics print as FILE:LINE:COL: error: ..., with the source line for
  // .mlir inputs.
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &c.ctx);
  TimingScope importTimer = rootTimer.nest("Import");
  OwningOpRef<ModuleOp> module = loadInput(opts.input, c.ctx, sourceMgr, import);
  importTimer.stop();
  double importMs = msSince(start);
  if (!module)
    return c.fail("cannot compile '" + opts.input + "'");

  Emit emit = opts.emit;
  FailureOr<ModelSignature> signature;
  if (emit == Emit::Exe || emit == Emit::Lib || emit == Emit::Obj) {
    signature = getModelSignature(*module);
    if (failed(signature))
      return c.fail("cannot compile '" + opts.input + "'");
  }

  // What --quantize or a pruning --sparsity changes is measured on
  // calibration inputs for the report, against a build without it from this
  // same imported module.
  bool calibrate = (changesAccuracy(c.pipeline) || c.dropLayers()) &&
                   !opts.report.empty() &&
                   (emit == Emit::Exe || emit == Emit::Lib);
  OwningOpRef<ModuleOp> reference, probed;
  if (calibrate) {
    reference = module->clone();
    probed = module->clone();
  }

  // --drop-layers: a build that returns every sublayer's input/output
  // similarity runs on the calibration inputs; the most similar go.
  std::vector<SublayerSimilarity> sublayers;
  int64_t dropSamples = 0;
  auto dropStart = Clock::now();
  if (c.dropLayers()) {
    FailureOr<RuntimeLocation> runtime = findRuntime(c.argv0, error);
    if (failed(runtime))
      return c.fail(error);
    SmallString<128> exe;
    if (llvm::sys::fs::createTemporaryFile("tessera-measure", "", exe))
      return c.fail("cannot create a temporary file");
    llvm::FileRemover removeExe(exe);
    OwningOpRef<ModuleOp> measured = module->clone();
    PipelineOptions measure = c.pipeline;
    measure.dropMeasure = true;
    std::vector<LayerProbe> none;
    auto collect = [&](ModuleOp m) {
      auto fn = m.lookupSymbol<func::FuncOp>("main_graph");
      if (!fn)
        return;
      for (unsigned i = 0; i < fn.getNumResults(); ++i) {
        DictionaryAttr attrs = fn.getResultAttrDict(i);
        auto kind = attrs ? attrs.getAs<StringAttr>("tessera.sublayer_kind")
                          : StringAttr();
        if (!kind)
          continue;
        SublayerSimilarity l;
        l.kind = kind.str();
        l.index = attrs.getAs<IntegerAttr>("tessera.sublayer_index").getInt();
        l.node = attrs.getAs<StringAttr>("tessera.sublayer_node").str();
        l.output = attrs.getAs<StringAttr>("tessera.name").str();
        sublayers.push_back(std::move(l));
      }
    };
    FailureOr<ModelSignature> sig =
        buildProbedExecutable(c, *measured, measure, *target, *runtime, exe,
                              kNoLayers, none, collect);
    if (failed(sig))
      return c.fail("cannot build the model that measures the sublayers of "
                    "--drop-layers");
    c.ctx.getOrLoadDialect<TesseraDialect>()->takeCounts();
    FailureOr<int64_t> samples =
        measureSublayers(exe, *sig, opts.calibration, sublayers, error);
    if (failed(samples))
      return c.fail(error);
    dropSamples = *samples;
    for (auto [kind, k, list] :
         {std::tuple<StringRef, int64_t, std::vector<int64_t> *>{
              "attention", c.dropAttention, &c.pipeline.dropAttention},
          {"mlp", c.dropMlp, &c.pipeline.dropMlp}}) {
      if (k == 0)
        continue;
      SmallVector<SublayerSimilarity *> ofKind;
      for (SublayerSimilarity &l : sublayers)
        if (l.kind == kind)
          ofKind.push_back(&l);
      if (k > (int64_t)ofKind.size())
        return c.fail("--drop-layers=" + opts.dropLayers + ": the model has " +
                      Twine(ofKind.size()) + " " + kind + " sublayers");
      // Most similar first; a NaN similarity is never the most redundant.
      llvm::stable_sort(ofKind, [](const SublayerSimilarity *a,
                                   const SublayerSimilarity *b) {
        double x = std::isnan(a->similarity) ? -2 : a->similarity;
        double y = std::isnan(b->similarity) ? -2 : b->similarity;
        return x > y;
      });
      for (int64_t i = 0; i < k; ++i) {
        ofKind[i]->dropped = true;
        list->push_back(ofKind[i]->index);
      }
    }
  }

  double dropMs = msSince(dropStart);
  auto rangesStart = Clock::now();
  if (c.pipeline.quantize == "int8-static" &&
      failed(measureStaticRanges(c, *module, *target)))
    return 1;
  double rangesMs = msSince(rangesStart);

  CompileReport report;
  report.model = opts.input;
  // Every stage's time goes to the report, and with --progress (or a
  // terminal) to stderr as the stage ends: big models compile for minutes.
  bool showProgress = opts.progress || llvm::errs().is_displayed();
  auto stage = [&](StringRef name, double ms) {
    report.stageMs.push_back({name.str(), ms});
    if (showProgress)
      llvm::errs() << "tessera-compile: " << name << " "
                   << llvm::format("%.0f", ms) << " ms\n";
  };
  report.sublayers = sublayers;
  report.dropSamples = dropSamples;
  report.dropInputs = opts.calibration;
  stage("import", importMs);
  if (c.dropLayers())
    stage("drop-layers measure", dropMs);
  if (c.pipeline.quantize == "int8-static")
    stage("int8-static ranges", rangesMs);
  // Runs the passes `build` adds, timed under `name`; --mlir-* pass-manager
  // options apply.
  auto runPasses = [&](StringRef name,
                       function_ref<LogicalResult(PassManager &)> build) {
    PassManager pm(&c.ctx);
    if (failed(applyPassManagerCLOptions(pm)))
      return c.fail("invalid pass manager options"), failure();
    TimingScope timer = rootTimer.nest(name);
    pm.enableTiming(timer);
    if (failed(build(pm)))
      return c.fail("cannot build the pipeline"), failure();
    if (failed(pm.run(*module)))
      return c.fail("compiling '" + opts.input + "' failed"), failure();
    return success();
  };
  if (emit != Emit::Import) {
    // The graph level runs on its own, so the report sees its result.
    auto graphStart = Clock::now();
    report.opsBefore = CompileReport::countOps(*module);
    c.ctx.getOrLoadDialect<TesseraDialect>()->takeCounts();
    if (failed(runPasses("Graph passes", [&](PassManager &pm) {
          buildGraphPipeline(pm, c.pipeline);
          return success();
        })))
      return 1;
    report.patterns = c.ctx.getOrLoadDialect<TesseraDialect>()->takeCounts();
    if (!c.pipeline.sparsity.empty())
      report.countSparsity(*module);
    if (c.pipeline.paddingFree)
      report.countPadding(*module);
    report.opsAfter = CompileReport::countOps(*module);
    report.flops = CompileReport::countFlops(*module);
    stage("graph", msSince(graphStart));
  }
  if (emit >= Emit::Linalg) {
    auto lowerStart = Clock::now();
    bool lowerTessera = containsTesseraOps(*module);
    if (failed(runPasses("MLIR passes", [&](PassManager &pm) {
          if (failed(buildLinalgPipeline(pm, c.pipeline, lowerTessera)))
            return failure();
          if (emit >= Emit::LLVM) {
            buildBufferizationPipeline(pm, c.pipeline);
            target->buildLoweringPipeline(pm, c.pipeline);
          }
          return success();
        })))
      return 1;
    report.countKernels(*module);
    stage("lowering", msSince(lowerStart));
  }
  // Written when the compilation is done (or now, for IR outputs).
  auto writeReport = [&]() -> int {
    stage("total", msSince(start));
    if (opts.report.empty())
      return 0;
    if (opts.report == "-") {
      report.writeSummary(llvm::errs());
      return 0;
    }
    if (failed(writeText(
            opts.report, [&](raw_ostream &os) { report.writeJson(os); },
            error)))
      return c.fail(error);
    return 0;
  };

  if (emit == Emit::Dot) {
    // One node per op (name, attributes and result types, truncated), one
    // edge per use, a cluster per region.
    PassManager dot(&c.ctx);
    if (failed(writeText(
            opts.output,
            [&](raw_ostream &os) {
              dot.addPass(createPrintOpGraphPass(os));
              (void)dot.run(*module);
            },
            error)))
      return c.fail(error);
    return writeReport();
  }
  if (emit <= Emit::Linalg) {
    if (failed(writeText(
            opts.output, [&](raw_ostream &os) { module->print(os); }, error)))
      return c.fail(error);
    return writeReport();
  }
  auto codegenStart = Clock::now();
  StubOptions stub;
  stub.name = c.pipeline.modelName;
  stub.withMain = emit == Emit::Exe;
  stub.cuda = cuda && !c.pipeline.gpuEmulate;
  auto weightsSize = [&]() -> LogicalResult {
    if (c.pipeline.weightsFile.empty())
      return success();
    if (std::error_code ec =
            llvm::sys::fs::file_size(c.pipeline.weightsFile, stub.weightsBytes))
      return c.fail("cannot read '" + c.pipeline.weightsFile +
                    "': " + ec.message()),
             failure();
    stub.weightsFile = llvm::sys::path::filename(c.pipeline.weightsFile).str();
    return success();
  };
  if (emit == Emit::Ptx) {
    auto out = openOutputFile(opts.output, &error);
    if (!out)
      return c.fail(error);
    if (failed(target->emitDeviceCode(*module, out->os())))
      return 1;
    out->keep();
    stage("codegen", msSince(codegenStart));
    return writeReport();
  }
  if (emit == Emit::LLVM) {
    if (failed(emitCode(c, *module, *target, c.pipeline, /*asObject=*/false,
                        opts.output, rootTimer)))
      return 1;
    stage("codegen", msSince(codegenStart));
    return writeReport();
  }

  // obj / exe / lib: the code into a temporary object, then with the stub
  // into the result.
  FailureOr<RuntimeLocation> runtime = findRuntime(c.argv0, error);
  if (failed(runtime))
    return c.fail(error);
  SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("tessera-model", "o", objectPath))
    return c.fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (failed(emitCode(c, *module, *target, c.pipeline, /*asObject=*/true,
                      objectPath, rootTimer)) ||
      failed(weightsSize()))
    return 1;
  stage("codegen", msSince(codegenStart));
  auto linkStart = Clock::now();

  TimingScope linkTimer = rootTimer.nest("Link");
  bool shared = emit == Emit::Lib;
  if (emit == Emit::Obj) {
    if (failed(writeModelObject(objectPath, *signature, stub, opts.output,
                                runtime->includeDir, error)))
      return c.fail(error);
  } else if (failed(linkModel(objectPath, *signature, stub, shared, opts.output,
                              *runtime, error))) {
    return c.fail(error);
  }
  if (emit == Emit::Obj || emit == Emit::Lib) {
    SmallString<128> headerPath(opts.output);
    llvm::sys::path::replace_extension(headerPath, "h");
    if (failed(writeText(
            headerPath,
            [&](raw_ostream &os) { writeModelHeader(*signature, stub, os); },
            error)))
      return c.fail(error);
  }
  stage("link", msSince(linkStart));
  if (calibrate) {
    // Both builds with every quantized layer's result as an extra output:
    // the fp32 one numbers the same layers (tag-only) and leaves them f32.
    auto calibrationStart = Clock::now();
    SmallString<128> referenceExe, changedExe;
    if (llvm::sys::fs::createTemporaryFile("tessera-reference", "",
                                           referenceExe) ||
        llvm::sys::fs::createTemporaryFile("tessera-changed", "", changedExe))
      return c.fail("cannot create a temporary file");
    llvm::FileRemover removeReference(referenceExe), removeChanged(changedExe);
    PipelineOptions tagOnly = c.pipeline;
    tagOnly.tagOnly = true;
    bool quantized = !c.pipeline.quantize.empty();
    // Merged tokens change the layers' shapes, dropped sublayers remove
    // them: only the outputs compare.
    bool tokens = c.pipeline.tokenMerge > 0 ||
                  c.pipeline.tokenPruneKeep > 0 || c.dropLayers();
    LayerNumbering numbering = tokens      ? kNoLayers
                               : quantized ? kQuantizedLayers
                                           : kPrunedLayers;
    std::vector<LayerProbe> layers, changedLayers;
    FailureOr<ModelSignature> sig =
        buildProbedExecutable(c, *reference, tagOnly, *target, *runtime,
                              referenceExe, numbering, layers);
    if (failed(sig) ||
        failed(buildProbedExecutable(c, *probed, c.pipeline, *target, *runtime,
                                     changedExe, numbering, changedLayers)))
      return c.fail("cannot build the models for --calibration");
    // Those graph passes must not count in the report.
    c.ctx.getOrLoadDialect<TesseraDialect>()->takeCounts();
    if (layers.size() != changedLayers.size())
      return c.fail("the reference and changed builds differ in their layers");
    FailureOr<AccuracyReport> accuracy = measureAccuracy(
        referenceExe, changedExe, *sig, signature->outputs.size(), layers,
        opts.calibration, error);
    if (failed(accuracy))
      return c.fail(error);
    report.accuracy = std::move(*accuracy);
    report.accuracy->change = c.pipeline.tokenMerge > 0       ? "token-merged"
                              : c.pipeline.tokenPruneKeep > 0 ? "token-pruned"
                              : c.dropLayers()                ? "layer-dropped"
                              : quantized                     ? "quantized"
                                                              : "pruned";
    stage("calibration", msSince(calibrationStart));
  }
  return writeReport();
}

int mlir::tessera::compileMain(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Pass names for --mlir-print-ir-after=<pass> and friends: registered before
  // the pass-manager options that list them.
  registerAllPasses();
  registerCpuPasses();
  registerCudaPasses();
  registerTesseraPasses();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  registerAsmPrinterCLOptions();
  Options opts;
  static cl::OptionCategory mlirCategory(
      "MLIR options (--help-hidden lists every LLVM and MLIR option)");
  for (StringRef name :
       {"mlir-print-ir-after-all", "mlir-print-ir-before-all",
        "mlir-print-ir-after", "mlir-print-ir-before", "mlir-timing",
        "mlir-pass-statistics"})
    if (cl::Option *opt = cl::getRegisteredOptions().lookup(name))
      opt->addCategory(mlirCategory);
  // Hidden, not ReallyHidden (what cl::HideUnrelatedOptions sets): the rest
  // stays listed by --help-hidden.
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *opt = entry.second;
    bool shown = llvm::any_of(opt->Categories, [&](cl::OptionCategory *c) {
      return c == &category() || c == &mlirCategory;
    }) || opt->ArgStr.starts_with("help") || opt->ArgStr == "version";
    if (!shown && opt->getOptionHiddenFlag() == cl::NotHidden)
      opt->setHiddenFlag(cl::Hidden);
  }
  cl::ParseCommandLineOptions(argc, argv, "Tessera ONNX compiler\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerTargetTranslations(registry);
  registry.insert<TesseraDialect>();
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);

  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);

  Compilation c{opts, argv[0], ctx, {}};
  if (opts.optLevel > 3)
    return c.fail("-O" + Twine(opts.optLevel) +
                  " is not an optimization level (0-3)");
  c.pipeline.optLevel = opts.optLevel;
  c.pipeline.modelName =
      opts.name.empty() ? defaultModelName(opts.output) : opts.name;
  if (!isValidModelName(c.pipeline.modelName))
    return c.fail("--name=" + opts.name +
                  " is not a C identifier (letters, digits and '_', not "
                  "starting with a digit)");
  if (opts.weights == "external")
    c.pipeline.weightsFile = opts.output + ".weights";
  else if (opts.weights != "internal")
    return c.fail("--weights=" + opts.weights +
                  " is not a mode (internal, external)");
  c.pipeline.reportTemporaries = opts.reportTemporaries;
  c.pipeline.fusion = !opts.noFusion;
  c.pipeline.fusedKernels = !opts.noFusedKernels;
  c.pipeline.paddingFree = opts.paddingFree;
  if (opts.convLayout != "nhwc" && opts.convLayout != "nchw")
    return c.fail("--conv-layout=" + opts.convLayout +
                  " is not a layout (nhwc, nchw)");
  c.pipeline.channelsLast = opts.convLayout == "nhwc";
  if (opts.target == "cuda") {
    // Fused ops keep their decompositions: the runtime's fused kernels are
    // CPU code.
    c.pipeline.fusedKernels = false;
    unsigned sm = 0;
    StringRef arch = opts.gpuArch;
    if (!arch.consume_front("sm_") || arch.getAsInteger(10, sm) || sm < 50)
      return c.fail("--gpu-arch=" + opts.gpuArch +
                    " is not a CUDA architecture (sm_50 or newer, e.g. "
                    "sm_80, sm_90)");
    c.pipeline.gpuArch = opts.gpuArch;
    c.pipeline.gpuEmulate = opts.gpuEmulate;
    c.pipeline.gpuPrecision = opts.precision;
    // --no-fused-kernels: the fused ops' decompositions here too.
    c.pipeline.gpuLinear = !opts.noFusedKernels;
    c.pipeline.gpuKernels = !opts.noFusedKernels;
    StringRef binary = opts.gpuBinary;
    if (binary != "auto" && binary != "fatbin" && binary != "ptx")
      return c.fail("--gpu-binary=" + opts.gpuBinary +
                    " is not a kernel image (auto, fatbin, ptx)");
    std::string missing = cudaFatbinToolsMissing();
    if (binary == "fatbin" && !missing.empty())
      return c.fail("--gpu-binary=fatbin needs the CUDA toolkit's ptxas and "
                    "fatbinary: " +
                    missing);
    // --emit=ptx shows the PTX; emulated builds have no kernel image.
    c.pipeline.gpuFatbin = binary != "ptx" && missing.empty() &&
                           opts.emit != Emit::Ptx && !opts.gpuEmulate;
  }
  if (!opts.quantize.empty()) {
    StringRef q = opts.quantize;
    if (q != "int8" && q != "int8-static" && q != "w8" && q != "w4")
      return c.fail("--quantize=" + q +
                    " is not a mode (int8, int8-static, w8, w4)");
    int64_t gs = opts.quantizeGroupSize;
    if (gs < 0 || (q.starts_with("int8") && gs != 0) ||
        (q == "w4" && gs % 32 != 0))
      return c.fail("--quantize-group-size=" + Twine(gs) + " does not apply "
                    "to --quantize=" + q + " (int8: per channel only; w4: a "
                    "multiple of 32)");
    if (q == "int8-static" && opts.calibration.empty())
      return c.fail("--quantize=int8-static takes its activation scales from "
                    "calibration runs: give --calibration=DIR");
    if (opts.noFusion || opts.optLevel < 1)
      return c.fail("--quantize works on the fused linear layers: it needs "
                    "-O1 or above and no --no-fusion");
    c.pipeline.quantize = opts.quantize;
    // The int8 GEMM has AVX-512 VNNI and AVX2 kernels; elsewhere it runs
    // portable integer loops, much slower than the fp32 build.
    if (q.starts_with("int8") && opts.target == "cpu") {
      llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
      if (!features.lookup("avx512vnni") &&
          !(features.lookup("avx2") && features.lookup("fma")))
        llvm::errs() << "tessera-compile: warning: --quantize=" << q
                     << ": this CPU has neither AVX-512 VNNI nor AVX2, so the "
                        "int8 kernels run their portable code, slower than "
                        "the fp32 build here; --quantize=w8 keeps weights "
                        "8-bit with fp32 compute\n";
    }
    c.pipeline.quantizeGroupSize = gs;
  }
  if (!opts.sparsity.empty()) {
    SmallVector<StringRef> parts;
    StringRef(opts.sparsity).split(parts, ',');
    c.pipeline.sparsity = parts.front().str();
    for (StringRef part : llvm::drop_begin(parts)) {
      if (part == "skip-first")
        c.pipeline.sparsitySkipFirst = true;
      else if (part == "skip-last")
        c.pipeline.sparsitySkipLast = true;
      else
        return c.fail("--sparsity=" + opts.sparsity + ": unknown option '" +
                      part + "' (skip-first, skip-last)");
    }
    if (!isSparsitySpec(c.pipeline.sparsity))
      return c.fail("--sparsity=" + opts.sparsity +
                    " is not a sparsity (auto, unstructured:P, block:RxC:P "
                    "or N:M, with 0 <= P < 1 and N < M)");
    if (opts.noFusion || opts.optLevel < 1)
      return c.fail("--sparsity works on the fused linear layers: it needs "
                    "-O1 or above and no --no-fusion");
    if (!opts.quantize.empty())
      return c.fail("--sparsity and --quantize do not combine: the sparse "
                    "kernels are fp32");
    // Which kernels' break-even sparsities decide: those of the CPU the
    // model will run on (the CPU target builds for this one).
    if (!llvm::sys::getHostCPUFeatures().lookup("avx512f"))
      c.pipeline.sparseKernels = "avx2";
  }
  if (!opts.tokenMerge.empty()) {
    SmallVector<StringRef> parts;
    StringRef(opts.tokenMerge).split(parts, ',');
    int64_t r = 0;
    if (parts.front().getAsInteger(10, r) || r < 1)
      return c.fail("--token-merge=" + opts.tokenMerge +
                    ": R must be a count of token pairs >= 1");
    for (StringRef part : llvm::drop_begin(parts)) {
      if (part != "protect-first")
        return c.fail("--token-merge=" + opts.tokenMerge +
                      ": unknown option '" + part + "' (protect-first)");
      c.pipeline.tokenMergeProtectFirst = true;
    }
    if (opts.noFusion || opts.optLevel < 1)
      return c.fail("--token-merge works on the fused attention: it needs "
                    "-O1 or above and no --no-fusion");
    c.pipeline.tokenMerge = r;
  }
  if (!opts.tokenPrune.empty()) {
    SmallVector<StringRef> parts;
    StringRef(opts.tokenPrune).split(parts, ',');
    double keep = 0;
    if (!parts.front().consume_front("keep:") ||
        parts.front().getAsDouble(keep) || !(keep > 0 && keep <= 1))
      return c.fail("--token-prune=" + opts.tokenPrune +
                    ": expected keep:F with 0 < F <= 1");
    for (StringRef part : llvm::drop_begin(parts)) {
      StringRef value = part;
      if (!value.consume_front("layer:"))
        return c.fail("--token-prune=" + opts.tokenPrune +
                      ": unknown option '" + part + "' (layer:L)");
      int64_t layer;
      if (value.getAsInteger(10, layer) || layer < 0)
        return c.fail("--token-prune=" + opts.tokenPrune + ": " + part +
                      ": L must be a layer index >= 0");
      c.pipeline.tokenPruneLayer = layer;
    }
    if (opts.noFusion || opts.optLevel < 1)
      return c.fail("--token-prune works on the fused attention: it needs "
                    "-O1 or above and no --no-fusion");
    if (!opts.tokenMerge.empty())
      return c.fail("--token-prune and --token-merge do not combine");
    c.pipeline.tokenPruneKeep = keep;
  }
  if (!opts.dropLayers.empty()) {
    SmallVector<StringRef> parts;
    StringRef(opts.dropLayers).split(parts, ',');
    for (StringRef part : parts) {
      auto [kind, count] = part.split(':');
      int64_t k;
      if ((kind != "attention" && kind != "mlp") || count.getAsInteger(10, k) ||
          k < 1)
        return c.fail("--drop-layers=" + opts.dropLayers + ": expected " +
                      "attention:K or mlp:K with K >= 1, found '" + part + "'");
      (kind == "attention" ? c.dropAttention : c.dropMlp) = k;
    }
    if (opts.noFusion || opts.optLevel < 1)
      return c.fail("--drop-layers works on the fused attention and linear "
                    "layers: it needs -O1 or above and no --no-fusion");
  }
  // --drop-layers measures on the calibration inputs whether or not there
  // is a report.
  if (!opts.calibration.empty() && !c.dropLayers() &&
      c.pipeline.quantize != "int8-static" &&
      (!changesAccuracy(c.pipeline) || opts.report.empty()))
    return c.fail("--calibration measures what --quantize, a pruning "
                  "--sparsity, --token-merge or --token-prune changes for "
                  "--report (it needs one of them and --report), chooses "
                  "the sublayers of --drop-layers, or sets the activation "
                  "scales of --quantize=int8-static");
  if (!opts.calibration.empty() &&
      !llvm::sys::fs::is_directory(opts.calibration))
    return c.fail("--calibration=" + opts.calibration +
                  ": not a directory");
  return compile(c, timingManager);
}
