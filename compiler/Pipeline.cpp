// Pass ordering for every stage of compilation, per target and -O level.
//
//   graph       canonicalize, cse, [-O1+, unless --no-fusion]
//               tessera-fuse-{activations,norms,rotary,attention,linear,
//               qdq-linear},
//               tessera-merge-projections,
//               tessera-fuse-{causal-conv1d,selective-scan,linear-attention,
//               conv-activation},
//               [--token-merge] tessera-token-merge, [--token-prune]
//               tessera-token-prune,
//               [--sparsity] tessera-sparsify, [--quantize] tessera-quantize,
//               [--padding-free] tessera-padding-free,
//               [CPU kernels] tessera-channels-last,
//               canonicalize, cse                          (--emit=tessera)
//   linalg      tessera-decompose-fused{keep-kernels}, convert-tessera-to-
//               linalg{conv-kernel} (f32 attention, linear and conv ->
//               runtime kernels), canonicalize,
//               [-O1+] tessera-elementwise-fusion, canonicalize, cse
//                                                          (--emit=linalg)
//   buffers     [-O1+] eliminate-empty-tensors, tessera-distinct-results,
//               one-shot-bufferize (function
//               boundaries, identity layouts), [-O1+] tessera-fold-kernel-
//               transposes,
//               buffer-results-to-out-params (hoisted static allocs),
//               ownership-based-buffer-deallocation, buffer-deallocation-
//               simplification, bufferization-lower-deallocations,
//               tessera-shorten-buffer-lifetimes
//   cpu         tessera-linalg-to-runtime-calls, tessera-emit-c-interface,
//               [-O2+] tessera-reassociate-reductions, convert-linalg-to-loops,
//               [-O1+] tessera-cpu-math-approximation, expand-strided-metadata,
//               lower-affine, convert-scf-to-cf, convert-math-to-llvm,
//               convert-math-to-libm, finalize-memref-to-llvm,
//               convert-{arith,index,cf,func,ub}-to-llvm,
//               reconcile-unrealized-casts
//   cuda        tessera-emit-c-interface, tessera-flatten-constant-globals,
//               tessera-gpu-stage-arguments, tessera-gpu-expand-kernels
//               (attention, selective scan), tessera-linalg-to-runtime-
//               calls{prefix=tessera_cuda_} (GEMMs: cuBLASLt),
//               tessera-gpu-map-loops,
//               [--gpu-emulate: the cpu tail from convert-linalg-to-loops]
//               convert-parallel-loops-to-gpu, gpu-launch-sink-index-
//               computations, gpu-kernel-outlining, tessera-gpu-merge-
//               modules, nvvm-attach-target, gpu.module(lower-affine,
//               convert-scf-to-cf, convert-gpu-to-nvvm), the cpu tail with
//               gpu-to-llvm, gpu-module-to-binary{format=isa} (PTX)
//   llvm        (targets/CpuTarget.cpp, CudaTarget.cpp) host CPU and features,
//   LLVM's O0-O3
//               pipeline (loop + SLP vectorization from -O2), object emission
//                                                          (--emit=llvm|obj)
//   link        (Link.cpp) C stub + object + libtessera_runtime.a
//   (--emit=exe|lib)
#include "compiler/Pipeline.h"
#include "compiler/cpu/CpuPasses.h"
#include "compiler/cuda/CudaPasses.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "passes/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

void mlir::tessera::buildGraphPipeline(OpPassManager &pm,
                                       const PipelineOptions &opts) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (!opts.fusion || opts.optLevel < 1)
    return;
  // Activations and norms first: attention and linear epilogues match on
  // the fused forms (a linear's GELU, a norm feeding the Q/K/V projections).
  pm.addPass(createActivationFusion());
  pm.addPass(createNormFusion());
  pm.addPass(createRotaryFusion());
  pm.addPass(createAttentionFusion());
  pm.addPass(createLinearFusion());
  pm.addPass(createQdqLinearFusion());
  pm.addPass(createProjectionMerge());
  // State-space models: the short conv, then the scan (its skip and gate
  // fold in after it is formed).
  pm.addPass(createCausalConv1dFusion());
  pm.addPass(createSelectiveScanFusion());
  pm.addPass(createLinearAttentionFusion());
  // Last: the QDQ and SSM patterns above match plain convolutions.
  pm.addPass(createConvActivationFusion());
  // Exact: kernel taps that read only padding (large dilations).
  pm.addPass(createPruneConvTaps());
  // Opt-in and accuracy-changing: the token count of encoder layers, then
  // the fused linear layers.
  if (opts.tokenMerge > 0) {
    TokenMergeOptions merge;
    merge.r = opts.tokenMerge;
    merge.protectFirst = opts.tokenMergeProtectFirst;
    merge.tagOnly = opts.tagOnly;
    pm.addPass(createTokenMerge(merge));
  }
  if (opts.tokenPruneKeep > 0) {
    TokenPruneOptions prune;
    prune.keep = opts.tokenPruneKeep;
    prune.layer = opts.tokenPruneLayer;
    prune.tagOnly = opts.tagOnly;
    pm.addPass(createTokenPrune(prune));
  }
  if (!opts.tagOnly && (opts.dropMeasure || !opts.dropAttention.empty() ||
                        !opts.dropMlp.empty())) {
    DropLayersOptions drop;
    drop.attention.assign(opts.dropAttention.begin(), opts.dropAttention.end());
    drop.mlp.assign(opts.dropMlp.begin(), opts.dropMlp.end());
    drop.measure = opts.dropMeasure;
    pm.addPass(createDropLayers(drop));
  }
  if (!opts.sparsity.empty()) {
    SparsifyOptions sparsify;
    sparsify.sparsity = opts.sparsity;
    sparsify.skipFirst = opts.sparsitySkipFirst;
    sparsify.skipLast = opts.sparsitySkipLast;
    sparsify.tagOnly = opts.tagOnly;
    sparsify.kernels = opts.sparseKernels;
    pm.addPass(createSparsify(sparsify));
  }
  if (!opts.quantize.empty()) {
    QuantizeOptions quantize;
    quantize.mode = opts.quantize;
    quantize.groupSize = opts.quantizeGroupSize;
    quantize.tagOnly = opts.tagOnly || opts.quantizeTagOnly;
    if (!quantize.tagOnly)
      quantize.inputRanges.assign(opts.quantizeInputRanges.begin(),
                                  opts.quantizeInputRanges.end());
    pm.addPass(createQuantize(quantize));
  }
  // Last: it marks the linear layers that remain (dense f32).
  if (opts.paddingFree && !opts.tagOnly)
    pm.addPass(createPaddingFree());
  // The CPU runtime's conv and pool kernels (the CUDA target takes the
  // fused ops' decompositions: fusedKernels is off there).
  // 3-d convs as 2-d ones for the runtime's conv kernels, which the layout
  // pass then takes channels-last.
  if (opts.fusedKernels)
    pm.addPass(createConv3dAsConv2d());
  if (opts.channelsLast && opts.fusedKernels)
    pm.addPass(createChannelsLast());
  // After the fusions, which match concats (rotary's), and after the layout
  // change, which moves concats between transposes.
  pm.addPass(createSinkIntoConcat());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

LogicalResult mlir::tessera::buildLinalgPipeline(OpPassManager &pm,
                                                 const PipelineOptions &opts,
                                                 bool lowerTessera) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  if (lowerTessera) {
    DecomposeFusedOptions decompose;
    decompose.keepKernels = opts.fusedKernels;
    decompose.keepGpuLinear = opts.gpuLinear;
    decompose.keepGpuKernels = opts.gpuKernels;
    fpm.addPass(createDecomposeFused(decompose));
    fpm.addPass(createLowerConcatChains());
    ConvertTesseraToLinalgOptions lower;
    lower.convKernel = opts.fusedKernels;
    lower.normKernels = opts.fusedKernels || opts.gpuKernels;
    fpm.addPass(createConvertTesseraToLinalg(lower));
  }
  fpm.addPass(createCanonicalizerPass());
  if (opts.optLevel >= 1) {
    // Producer/consumer fusion of elementwise generics (bias + activation
    // epilogues, broadcasts) removes whole temporaries; named contractions
    // stay as they are for the runtime's GEMM kernels.
    fpm.addPass(createElementwiseFusionPass());
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
  return success();
}

void mlir::tessera::buildBufferizationPipeline(OpPassManager &pm,
                                               const PipelineOptions &opts) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Loops over time (the SSM reference lowerings) carry new state tensors.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  // A result that is inserted into a larger tensor (a concat's operands)
  // is computed straight into its slice when nothing else reads the slot
  // first: GoogLeNet's 36 concat copies per run went down to 6 (0.39 ->
  // 0.07 ms at 2 threads). Before tessera-distinct-results, whose copies
  // it would otherwise fold back into one buffer.
  // Empties with many uses split first: CSE merged them, and the analyses
  // below check pairs of uses in an alias set.
  pm.addNestedPass<func::FuncOp>(createSplitEmptyTensorsPass());
  if (opts.optLevel >= 1)
    pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addNestedPass<func::FuncOp>(createDistinctResultsPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Attention reads and writes its heads through strides: no head
  // transposes.
  if (opts.optLevel >= 1)
    pm.addNestedPass<func::FuncOp>(createFoldKernelTransposesPass());

  // Outputs become caller-allocated out-params (the runtime allocates them);
  // a statically shaped result buffer is replaced by the out-param itself,
  // so no copy is left behind.
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());

  // Every temporary is freed. The ownership-based scheme needs no
  // function-result buffers, which out-params guarantee; it frees at the end
  // of the block, so the deallocs then move up to each buffer's last use
  // (the malloc'ed memory gets reused: the encoder layer's peak of live
  // temporaries drops well below the sum of all of them).
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createShortenBufferLifetimesPass());
  if (opts.reportTemporaries)
    pm.addNestedPass<func::FuncOp>(createTemporariesReportPass());
  // Then one arena per function, its offsets planned from those lifetimes.
  if (opts.optLevel >= 1)
    pm.addNestedPass<func::FuncOp>(createPlanArenaPass());
}

void mlir::tessera::buildCpuLoweringPipeline(OpPassManager &pm,
                                             const PipelineOptions &opts) {
  // GEMMs go to the runtime's kernels before anything else touches them.
  pm.addPass(createLinalgToRuntimeCallsPass());
  pm.addPass(createEmitCInterfacePass());
  pm.addPass(createFlattenConstantGlobalsPass());
  // Elementwise loop nests as few loops as their operands' strides allow
  // (one long unit-stride inner loop for LLVM to vectorize).
  if (opts.optLevel >= 1)
    pm.addNestedPass<func::FuncOp>(createCollapseParallelDimsPass());
  // Kernels as their own (deduplicated) functions: LLVM's time then grows
  // with the number of distinct kernels, not with the model's depth.
  pm.addPass(createOutlineKernels());
  if (opts.optLevel >= 2)
    pm.nest<func::FuncOp>().addPass(createReassociateReductionsPass());
  // Big kernels take a range of a parallel loop; their calls go to the
  // thread pool once lowered (tessera-parallel-kernel-calls).
  if (opts.optLevel >= 1)
    pm.addPass(createParallelizeKernels());
  buildHostLoopsToLLVMPipeline(pm, opts);
  if (opts.optLevel >= 1)
    pm.addPass(createParallelKernelCallsPass());
  // Kernel calls report to TESSERA_PROFILE=trace.json when it is set.
  pm.addPass(createProfileKernelsPass());
}

void mlir::tessera::buildHostLoopsToLLVMPipeline(OpPassManager &pm,
                                                 const PipelineOptions &opts,
                                                 bool gpuLaunches) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createConvertLinalgToLoopsPass());
  if (opts.optLevel >= 1)
    fpm.addPass(createCpuMathApproximationPass());
  fpm.addPass(createExpandBf16Pass());
  fpm.addPass(memref::createExpandStridedMetadataPass());
  fpm.addPass(createLowerAffinePass());
  fpm.addPass(createSCFToControlFlowPass());
  if (opts.optLevel >= 1)
    fpm.addPass(createCanonicalizerPass());

  // LLVM intrinsics first (sqrt, rsqrt, fabs, floor, ...); libm calls only for
  // what LLVM has no intrinsic for (f64 erf, tan, ...).
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // Temporaries go through the runtime's caching allocator.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (gpuLaunches)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::tessera::buildCudaLoweringPipeline(OpPassManager &pm,
                                              const PipelineOptions &opts) {
  pm.addPass(createEmitCInterfacePass());
  pm.addPass(createFlattenConstantGlobalsPass());
  // The caller's buffers are host memory: kernels work on staged copies.
  pm.addPass(createGpuStageArgumentsPass());
  // Attention and selective scans: one generated kernel each.
  pm.addPass(createGpuExpandKernelsPass());
  // GEMMs are library calls: cuBLASLt on the device, the CPU runtime's GEMM
  // when emulated (same operands, so the emulated build checks the calls).
  // Reduced precision has its own entry points (tessera_cuda_tf32_...);
  // emulated, every GEMM is the CPU's fp32 one.
  std::string gemmPrefix = opts.gpuEmulate ? "tessera_"
                           : opts.gpuPrecision == "fp32"
                               ? "tessera_cuda_"
                               : "tessera_cuda_" + opts.gpuPrecision + "_";
  pm.addPass(createLinalgToRuntimeCallsPass(gemmPrefix,
                                            /*packedConstants=*/false,
                                            /*contractionsOnly=*/false));
  pm.addPass(createGpuMapLoopsPass(opts.gpuBlockSize));
  if (opts.gpuEmulate) {
    // The mapped loop nests, as they are, on the host CPU.
    buildHostLoopsToLLVMPipeline(pm, opts);
    return;
  }
  pm.addPass(createGpuLowerHostCopiesPass());
  pm.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createGpuMergeModulesPass());

  GpuNVVMAttachTargetOptions nvvm;
  nvvm.chip = opts.gpuArch;
  // PTX ISA 8.0 (CUDA 12.0): sm_90's minimum, accepted from sm_50 up.
  nvvm.features = "+ptx80";
  nvvm.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(nvvm));
  OpPassManager &gpm = pm.nest<gpu::GPUModuleOp>();
  gpm.addPass(createLowerAffinePass());
  gpm.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.indexBitwidth = 64;
  gpm.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  gpm.addPass(createCanonicalizerPass());
  gpm.addPass(createCSEPass());
  gpm.addPass(createReconcileUnrealizedCastsPass());

  buildHostLoopsToLLVMPipeline(pm, opts, /*gpuLaunches=*/true);
  // The kernels inside the module (gpu.binary): a fatbin (ptxas's cubin
  // for the architecture and the PTX, from the toolkit's ptxas and
  // fatbinary), or the PTX alone, which the driver compiles for the device
  // at load time. libdevice (math) comes from the toolkit.
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = opts.gpuFatbin ? "fatbin" : "isa";
#ifdef TESSERA_CUDA_TOOLKIT_DIR
  binary.toolkitPath = TESSERA_CUDA_TOOLKIT_DIR;
#endif
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

std::string mlir::tessera::cudaFatbinToolsMissing() {
#ifdef TESSERA_CUDA_TOOLKIT_DIR
  for (const char *tool : {"ptxas", "fatbinary"}) {
    llvm::SmallString<128> path(TESSERA_CUDA_TOOLKIT_DIR);
    llvm::sys::path::append(path, "bin", tool);
    if (!llvm::sys::fs::can_execute(path))
      return (path + " is missing").str();
  }
  return "";
#else
  return "this compiler was built without the CUDA toolkit";
#endif
}
