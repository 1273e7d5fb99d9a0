// The one place that orders passes per target and optimization level.
#ifndef TESSERA_COMPILER_PIPELINE_H
#define TESSERA_COMPILER_PIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace mlir::tessera {

struct PipelineOptions {
  unsigned optLevel = 2;
  /// Remark with the heap temporaries' count, total and peak bytes.
  bool reportTemporaries = false;
  /// Graph-level fusion into tessera.attention, norms, linear epilogues...
  /// (at -O1 and above).
  bool fusion = true;
  /// Fused ops with a runtime kernel use it; otherwise every fused op takes
  /// its reference decomposition into primitive ops.
  bool fusedKernels = true;
  /// With fusedKernels on the CPU: 2-d convs and pools channels-last
  /// (tessera-channels-last).
  bool channelsLast = true;
  /// Opt-in weight quantization of linear layers after fusion (empty: none;
  /// int8, int8-static, w8 or w4, see tessera-quantize) and its group size
  /// (0: default).
  std::string quantize;
  int64_t quantizeGroupSize = 0;
  /// int8-static: each quantized layer's input range (lo, hi), measured on
  /// the calibration inputs, in layer order.
  std::vector<double> quantizeInputRanges;
  /// tessera-quantize only numbers the layers it would change (the build
  /// that measures int8-static's input ranges); other passes as usual.
  bool quantizeTagOnly = false;
  /// Opt-in weight sparsity of linear layers after fusion (empty: none;
  /// auto, unstructured:P, block:RxC:P or N:M, see tessera-sparsify), and
  /// whether the first and last linear layers stay dense.
  std::string sparsity;
  bool sparsitySkipFirst = false, sparsitySkipLast = false;
  /// Whose break-even sparsities tessera-sparsify uses: "avx512" or "avx2"
  /// (the host's, for the CPU target).
  std::string sparseKernels = "avx512";
  /// Opt-in token merging (ToMe) in encoder layers: pairs merged per layer
  /// (0: none), and whether token 0 is protected (see tessera-token-merge).
  int64_t tokenMerge = 0;
  bool tokenMergeProtectFirst = false;
  /// Opt-in token pruning: the fraction of tokens kept (0: none) after the
  /// attention of one layer (-1: a quarter of the depth; tessera-token-prune).
  double tokenPruneKeep = 0;
  int64_t tokenPruneLayer = -1;
  /// Opt-in sublayer dropping (tessera-drop-layers): the attention and MLP
  /// sublayers to drop (their index among their kind), or, with
  /// `dropMeasure`, none: each sublayer's input/output similarity becomes an
  /// extra output instead (the build --drop-layers measures them with).
  std::vector<int64_t> dropAttention, dropMlp;
  /// Opt-in: linear layers of a padded encoder batch compute the valid
  /// tokens' rows only (tessera-padding-free); results differ from the
  /// padded computation at padding positions only.
  bool paddingFree = false;
  bool dropMeasure = false;
  /// The accuracy-changing passes (--quantize, --sparsity) only number the
  /// layers they would change, and --token-merge/--token-prune/--drop-layers
  /// do nothing: the accuracy report's reference build.
  bool tagOnly = false;
  /// Code generation: the prefix of the model's only global symbol,
  /// NAME_main_graph (--name), and with --weights=external the file that
  /// every constant of 4 KiB or more goes to (the code reads them through
  /// NAME_weights, the mapped file); empty: constants stay in the object.
  std::string modelName = "model";
  std::string weightsFile;
  /// --target=cuda: the GPU architecture (sm_80, sm_90, ...) and threads per
  /// block; with `gpuEmulate` the kernels' mapped loop nests run on the host
  /// CPU instead (checks the GPU mapping where there is no GPU).
  std::string gpuArch = "sm_90";
  int64_t gpuBlockSize = 256;
  bool gpuEmulate = false;
  /// The GEMMs' arithmetic on the GPU: "fp32", or "tf32", "fp16", "bf16"
  /// (cuBLASLt's tensor-core compute types on fp32 operands).
  std::string gpuPrecision = "fp32";
  /// --target=cuda: linear ops whose epilogue cuBLASLt applies stay fused
  /// (one cuBLASLt call with its epilogue instead of a GEMM and a kernel).
  bool gpuLinear = false;
  /// --target=cuda: f32 attention and selective scans stay fused and become
  /// one generated kernel each (tessera-gpu-expand-kernels).
  bool gpuKernels = false;
  /// --target=cuda: the kernels' image is a fatbin (a cubin for gpuArch
  /// from the toolkit's ptxas, plus the PTX for newer GPUs' JIT) instead of
  /// PTX alone, which the driver compiles when it loads it.
  bool gpuFatbin = false;
};

/// Why this compiler cannot make fatbins (the CUDA toolkit's ptxas and
/// fatbinary, found where the build found the toolkit); empty when it can.
std::string cudaFatbinToolsMissing();

/// Graph-level pipeline on the tessera dialect: canonicalization, CSE, fusion.
void buildGraphPipeline(OpPassManager &pm, const PipelineOptions &opts);

/// tessera -> linalg/tensor/arith/math on tensors (when `lowerTessera`), then
/// linalg-level optimization (elementwise fusion at -O1 and above). Fails when
/// asked to lower tessera in a build without `convert-tessera-to-linalg`.
LogicalResult buildLinalgPipeline(OpPassManager &pm,
                                  const PipelineOptions &opts,
                                  bool lowerTessera);

/// Tensors -> buffers: one-shot bufferization with identity layouts at the
/// function boundary, results turned into caller-allocated out-params, and
/// deallocation of every temporary.
void buildBufferizationPipeline(OpPassManager &pm, const PipelineOptions &opts);

/// Buffers -> LLVM dialect on the CPU: matmuls become runtime GEMM calls, the
/// rest of linalg becomes loops, math gets vectorizable approximations.
void buildCpuLoweringPipeline(OpPassManager &pm, const PipelineOptions &opts);

/// The CPU pipeline's tail: what is left of linalg to loops, math, and every
/// dialect to LLVM (host code of any target; `gpuLaunches`: gpu.launch_func
/// becomes calls of the mgpu* runtime too).
void buildHostLoopsToLLVMPipeline(OpPassManager &pm,
                                  const PipelineOptions &opts,
                                  bool gpuLaunches = false);

/// Buffers -> gpu dialect -> NVVM on the GPU and LLVM on the host, the
/// kernels serialized to PTX (gpu.binary): see targets/CudaTarget.cpp.
void buildCudaLoweringPipeline(OpPassManager &pm, const PipelineOptions &opts);

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_PIPELINE_H
