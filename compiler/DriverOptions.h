// tessera-compile's command line (the options --help lists) and the
// driver's input and output files. Used by compiler/Driver.cpp.
#ifndef TESSERA_COMPILER_DRIVEROPTIONS_H
#define TESSERA_COMPILER_DRIVEROPTIONS_H

#include "frontends/onnx/ModelImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace mlir::tessera::driver {

namespace cl = llvm::cl;

// Stages in pipeline order: every emit kind runs all stages up to its own.
enum class Emit { Import, Tessera, Dot, Linalg, LLVM, Ptx, Obj, Exe, Lib };

/// Tessera's own options: the ones --help shows (with a few MLIR ones);
/// LLVM's and MLIR's hundreds of others only appear with --help-hidden.
inline cl::OptionCategory &category() {
  static cl::OptionCategory cat("Tessera options");
  return cat;
}

struct Options {
  cl::opt<std::string> input{cl::Positional, cl::desc("<model.onnx|.mlir>"),
                             cl::Required, cl::cat(category())};
  cl::opt<std::string> output{"o", cl::desc("Output file"), cl::Required,
                              cl::cat(category())};
  cl::opt<std::string> target{"target", cl::desc("Target: cpu or cuda"),
                              cl::init("cpu"), cl::cat(category())};
  cl::opt<std::string> gpuArch{
      "gpu-arch",
      cl::desc("--target=cuda: the GPU architecture (sm_80, "
               "sm_86, sm_89, sm_90; default sm_90)"),
      cl::init("sm_90"), cl::cat(category())};
  cl::opt<std::string> precision{
      "precision",
      cl::desc("--target=cuda: the GEMMs' arithmetic: fp32 (default), or "
               "tf32, fp16, bf16 on tensor cores (fp32 operands rounded "
               "inside cuBLASLt; other kernels and storage stay fp32)"),
      cl::init("fp32"), cl::cat(category())};
  cl::opt<std::string> gpuBinary{
      "gpu-binary",
      cl::desc("--target=cuda: the kernels' image: fatbin (ptxas's cubin "
               "for --gpu-arch plus the PTX), ptx (compiled by the driver "
               "when it loads it), or auto (default: fatbin where the CUDA "
               "toolkit's ptxas and fatbinary are found, else ptx)"),
      cl::init("auto"), cl::cat(category())};
  cl::opt<bool> gpuEmulate{
      "gpu-emulate",
      cl::desc("--target=cuda: run the kernels' block/thread loop nests on "
               "the host CPU instead of a GPU (checks the GPU mapping)"),
      cl::init(false), cl::cat(category())};
  cl::opt<Emit> emit{
      "emit", cl::desc("What to write"), cl::init(Emit::Exe),
      cl::values(
          clEnumValN(Emit::Import, "import", "IR right after import"),
          clEnumValN(Emit::Tessera, "tessera",
                     "IR after the graph-level pipeline"),
          clEnumValN(Emit::Dot, "dot",
                     "Graphviz graph of the IR after the graph-level "
                     "pipeline (upstream view-op-graph)"),
          clEnumValN(Emit::Linalg, "linalg",
                     "IR after lowering to linalg and fusion"),
          clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR"),
          clEnumValN(Emit::Ptx, "ptx", "the kernels' PTX (--target=cuda)"),
          clEnumValN(Emit::Obj, "obj", "object file"),
          clEnumValN(Emit::Exe, "exe", "executable (default)"),
          clEnumValN(Emit::Lib, "lib",
                     "shared library OUT and C header OUT.h")),
      cl::cat(category())};
  cl::list<std::string> constInputs{
      "const-input",
      cl::desc("NAME=FILE.npy: compile graph input NAME as a constant with "
               "this value (it is no longer an input of the result)"),
      cl::cat(category())};
  cl::list<std::string> inputShapes{
      "input-shape",
      cl::desc("NAME=D0xD1x...: the shape of graph input NAME, giving sizes "
               "to its symbolic dimensions (use 'NAME=' for a scalar)"),
      cl::cat(category())};
  cl::list<std::string> sequenceInputs{
      "sequence-input",
      cl::desc("NAME=SHAPE,SHAPE,...: graph input NAME, a sequence of "
               "tensors, holds tensors of these shapes (D0xD1x..., 'scalar' "
               "for rank 0; 'NAME=' for an empty sequence); the result takes "
               "its elements as inputs NAME.0, NAME.1, ..."),
      cl::cat(category())};
  cl::list<std::string> emptyOptionals{
      "empty-optional",
      cl::desc("NAME: graph input NAME, an optional, holds no value (it is "
               "no input of the result); without this an optional input "
               "holds its element"),
      cl::Hidden, cl::cat(category())};
  cl::opt<unsigned> optLevel{"O", cl::desc("Optimization level (0-3)"),
                             cl::Prefix, cl::init(2), cl::cat(category())};
  cl::opt<bool> reportTemporaries{
      "report-temporaries",
      cl::desc("Print the count, total and peak bytes of heap temporaries"),
      cl::cat(category())};
  cl::opt<std::string> report{
      "report",
      cl::desc("FILE.json: what the graph passes fused, op counts before and "
               "after them and stage times ('-': a summary on stderr)"),
      cl::cat(category())};
  cl::opt<bool> progress{
      "progress",
      cl::desc("Print each stage and its time on stderr as it "
               "ends (the default when stderr is a terminal)"),
      cl::cat(category())};
  cl::opt<bool> noFusion{"no-fusion",
                         cl::desc("Skip graph-level fusion (attention, norms, "
                                  "activations, linear epilogues)"),
                         cl::cat(category())};
  cl::opt<std::string> quantize{
      "quantize",
      cl::desc("Quantize linear layers with constant weights (changes "
               "accuracy): int8 (W8A8, activations per row at run time), "
               "int8-static (W8A8, activation scales from --calibration), w8 "
               "or w4 (weight-only, fp32 compute)"),
      cl::cat(category())};
  cl::opt<int64_t> quantizeGroupSize{
      "quantize-group-size",
      cl::desc("Consecutive k per weight scale for w8/w4 (default: one scale "
               "per output channel for w8, 32 for w4; w4 needs a multiple of "
               "32)"),
      cl::init(0), cl::cat(category())};
  cl::opt<std::string> sparsity{
      "sparsity",
      cl::desc("Weight sparsity of linear layers: auto (sparse kernels for "
               "weights already sparse; results unchanged), or prune by "
               "magnitude (changes accuracy): unstructured:P, block:RxC:P "
               "(P: the fraction of RxC blocks removed, e.g. block:1x16:0.9) "
               "or N:M (e.g. 2:4); append ,skip-first and/or ,skip-last to "
               "keep the first/last linear layer dense"),
      cl::cat(category())};
  cl::opt<std::string> tokenMerge{
      "token-merge",
      cl::desc("Token Merging (ToMe) in encoder layers (changes accuracy): "
               "R[,protect-first] merges the R most similar token pairs "
               "after each layer's attention; protect-first never merges "
               "token 0 (a class token)"),
      cl::value_desc("R[,protect-first]"), cl::cat(category())};
  cl::opt<std::string> tokenPrune{
      "token-prune",
      cl::desc("Token pruning in encoder layers (changes accuracy): "
               "keep:F[,layer:L] keeps the class token and the fraction F of "
               "the other tokens it attends to most, after the attention of "
               "layer L (0-based; default: a quarter of the depth)"),
      cl::value_desc("keep:F[,layer:L]"), cl::cat(category())};
  cl::opt<std::string> dropLayers{
      "drop-layers",
      cl::desc("Drop whole sublayers (changes accuracy): attention:K[,mlp:K] "
               "measures every attention and MLP sublayer's input/output "
               "cosine similarity on the calibration inputs and drops the K "
               "most similar of each kind"),
      cl::value_desc("attention:K[,mlp:K]"), cl::cat(category())};
  cl::opt<std::string> calibration{
      "calibration",
      cl::desc("DIR of NAME.npy per graph input (or sub-directories of such "
               "sets): --report then says what --quantize, --sparsity, "
               "--token-merge or --token-prune changed on them (random "
               "inputs without it)"),
      cl::cat(category())};
  cl::opt<std::string> name{
      "name",
      cl::desc("Prefix of the compiled model's symbols (NAME_run, "
               "NAME_model_info, ...; a C identifier): libraries and objects "
               "of several models link into one program. Default: the output "
               "file's name without 'lib' and extension"),
      cl::value_desc("NAME"), cl::cat(category())};
  cl::opt<std::string> weights{
      "weights",
      cl::desc("Where the weights go: 'internal' (default, inside the "
               "result) or 'external' (OUT.weights, memory-mapped at the "
               "first run; smaller object, faster compile)"),
      cl::value_desc("internal|external"), cl::init("internal"),
      cl::cat(category())};
  cl::opt<bool> paddingFree{
      "padding-free",
      cl::desc("Linear layers of a batch padded to one length compute the "
               "valid tokens only (the attention's key-padding mask input "
               "says which); outputs differ at padding positions only"),
      cl::init(false), cl::cat(category())};
  cl::opt<bool> noFusedKernels{
      "no-fused-kernels",
      cl::desc("Lower fused ops through their reference decomposition "
               "instead of the runtime's fused kernels"),
      cl::cat(category())};
  cl::opt<std::string> convLayout{
      "conv-layout",
      cl::desc("Layout of the activations between 2-d convolutions and "
               "pools (and 1-d convolutions) on the CPU: nhwc (channels-last, "
               "the default) or nchw (the ONNX layout)"),
      cl::value_desc("nhwc|nchw"), cl::init("nhwc"), cl::cat(category())};
};

/// Parses the --const-input and --input-shape lists.
LogicalResult parseImportOptions(const Options &opts, ImportOptions &out,
                                 std::string &error);

/// The model at `path`: ONNX imported, or .mlir parsed (its buffer in
/// `sourceMgr`, for diagnostics with source lines).
OwningOpRef<ModuleOp> loadInput(StringRef path, MLIRContext &ctx,
                                llvm::SourceMgr &sourceMgr,
                                const ImportOptions &import);

/// Whether `module` holds any op of the Tessera dialect.
bool containsTesseraOps(ModuleOp module);

/// Fails early (before any work) when the output's directory cannot be
/// written.
LogicalResult checkOutputPath(StringRef path, std::string &error);

/// Writes what `fn` prints to the file at `path`.
LogicalResult writeText(StringRef path,
                        llvm::function_ref<void(raw_ostream &)> fn,
                        std::string &error);

} // namespace mlir::tessera::driver

#endif // TESSERA_COMPILER_DRIVEROPTIONS_H
