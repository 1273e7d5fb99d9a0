// Passes of the code generator on buffers (memref level, before LLVM).
#ifndef TESSERA_COMPILER_CPU_CPUPASSES_H
#define TESSERA_COMPILER_CPU_CPUPASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::tessera {

/// `tessera-elementwise-fusion`: elementwise linalg.generic producers fuse
/// into their consumers; contractions and reshapes are left alone.
std::unique_ptr<Pass> createElementwiseFusionPass();

/// `tessera-linalg-to-runtime-calls`: f32 linalg.matmul / linalg.batch_matmul
/// on memrefs become calls of the runtime's `tessera_matmul_f32` /
/// `tessera_batch_matmul_f32` (C += A*B on strided memrefs, C interface).
std::unique_ptr<Pass> createLinalgToRuntimeCallsPass();
/// The same with the GEMMs named PREFIXmatmul_f32 / PREFIXbatch_matmul_f32
/// (the CUDA runtime's are `tessera_cuda_`), with or without the
/// constant-operand suffixes, and with or without tessera.call_kernel.
std::unique_ptr<Pass> createLinalgToRuntimeCallsPass(StringRef prefix,
                                                     bool packedConstants,
                                                     bool contractionsOnly);

/// `tessera-emit-c-interface`: public functions get `llvm.emit_c_interface`,
/// so `_mlir_ciface_main_graph(desc *...)` exists for the runtime; their
/// `tessera.*` argument attributes (already in the C stub) are dropped.
std::unique_ptr<Pass> createEmitCInterfacePass();

/// `tessera-cpu-math-approximation`: f32 tanh/erf/exp/log/... become
/// polynomial approximations that LLVM can vectorize.
std::unique_ptr<Pass> createCpuMathApproximationPass();

/// `tessera-expand-bf16`: arithmetic on bf16 runs in f32 (an extf and a
/// truncf around each op), and bf16 extf/truncf become integer shifts and
/// bitcasts (round to nearest even), so no soft-float helper is linked.
std::unique_ptr<Pass> createExpandBf16Pass();

/// `tessera-reassociate-reductions`: float sums/products of linalg
/// reductions get `reassoc`, so LLVM vectorizes them.
std::unique_ptr<Pass> createReassociateReductionsPass();

/// `tessera-distinct-results`: a tensor returned in several result
/// positions is copied once per repeat (each result needs its own buffer).
std::unique_ptr<Pass> createDistinctResultsPass();

/// `tessera-split-empty-tensors`: a tensor.empty's uses, in groups of 16 in
/// program order, get an empty each (CSE merges them, and one-shot
/// bufferization's conflict checks grow with the square of an alias set).
std::unique_ptr<Pass> createSplitEmptyTensorsPass();

/// `tessera-fold-kernel-transposes`: a linalg.transpose on buffers that only
/// feeds a runtime kernel reading any strides (attention) becomes a
/// transposed view of its source; one that only copies such a kernel's
/// output elsewhere becomes the kernel writing a transposed view of the
/// copy's destination.
std::unique_ptr<Pass> createFoldKernelTransposesPass();

/// `tessera-shorten-buffer-lifetimes`: each temporary's dealloc moves from the
/// end of its block to right after the buffer's last use.
std::unique_ptr<Pass> createShortenBufferLifetimesPass();

/// `tessera-report-temporaries`: a remark per function with the number of
/// heap temporaries, their total bytes and the peak bytes live at once.
std::unique_ptr<Pass> createTemporariesReportPass();

/// `tessera-flatten-constant-globals`: constant memref.globals of rank > 1
/// become 1-D (read through memref.expand_shape), so LLVM translation emits
/// one flat array per weight instead of nested arrays.
std::unique_ptr<Pass> createFlattenConstantGlobalsPass();

/// `tessera-parallel-kernel-calls` (LLVM dialect): calls of range kernels
/// (`tessera.parallel_trip`, from tessera-parallelize-kernels) become calls
/// of the runtime's `tessera_parallel_range(task, ctx, T)` with a generated
/// trampoline `K_task(ctx, lo, hi)` and the arguments in a stack struct.
std::unique_ptr<Pass> createParallelKernelCallsPass();

/// `tessera-profile-kernels` (LLVM dialect): every kernel call of the
/// model's entry functions is bracketed by `tessera_profile_begin/end` with a
/// label "KERNEL|onnx nodes" (TESSERA_PROFILE=FILE.json at run time).
std::unique_ptr<Pass> createProfileKernelsPass();

/// `tessera-plan-arena`: the temporaries of each function's block that are
/// freed in it become views at compile-time offsets of one arena buffer,
/// shared by buffers that are never live at once (liveness in program order,
/// greedy placement, 64-byte aligned). The function records
/// `tessera.arena_bytes`, `tessera.arena_buffers` and
/// `tessera.arena_unplanned_bytes` (the sum of the buffers' sizes).
std::unique_ptr<Pass> createPlanArenaPass();

/// `tessera-collapse-parallel-dims`: all-parallel linalg.generic ops on
/// buffers (projected-permutation maps, no linalg.index) iterate over the
/// fewest loops their operands' strides allow: runs of loop dimensions every
/// operand holds contiguously become one (memref.collapse_shape views), so
/// LLVM sees one long unit-stride inner loop.
std::unique_ptr<Pass> createCollapseParallelDimsPass();
/// Registers the passes above (for --mlir-print-ir-* names and pipelines).
void registerCpuPasses();

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_CPU_CPUPASSES_H
