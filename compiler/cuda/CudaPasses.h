// Passes of the CUDA code generator on buffers (memref level), before the
// gpu dialect's own lowering to NVVM (see targets/CudaTarget.cpp).
#ifndef TESSERA_COMPILER_CUDA_CUDAPASSES_H
#define TESSERA_COMPILER_CUDA_CUDAPASSES_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::tessera {

/// `tessera-gpu-stage-arguments`: the buffers that the caller passes to a
/// public function live in host memory, which kernels cannot read. Each
/// memref argument gets a device-visible copy (memref.alloc, which the CUDA
/// runtime serves from managed memory): copied in at entry where the function
/// may read it, copied back before every return where it may write it. The
/// staging copies carry `tessera.host_copy` (they stay on the host); host
/// stack buffers (memref.alloca) become heap buffers for the same reason.
std::unique_ptr<Pass> createGpuStageArgumentsPass();

/// `tessera-gpu-lower-host-copies`: the staging copies become calls of the
/// CUDA runtime's `tessera_cuda_copy_to_device(dst, src, bytes)` and
/// `tessera_cuda_copy_to_host(...)` (a copy whose source is a function
/// argument goes to the device). They run on the kernels' stream, so a copy
/// back waits for the kernels before it and launches need no
/// synchronization of their own.
std::unique_ptr<Pass> createGpuLowerHostCopiesPass();

/// `tessera-gpu-expand-kernels`: calls of the fused kernels that the GPU
/// target generates itself (tessera.call_kernel on buffers of
/// `tessera_attention_f32` and `tessera_selective_scan_f32`, operands and
/// flags as in tessera_runtime.h, and the row norms `tessera_layer_norm_f32`
/// and `tessera_rms_norm_f32`) become scf.parallel nests over their
/// independent rows (attention: one query row each, the keys by tiles with
/// an online softmax and the causal diagonal as the loop bound; the scan:
/// one (batch, channel) each, time sequential inside; a norm: one row each),
/// which tessera-gpu-map-loops maps like any other loop nest.
std::unique_ptr<Pass> createGpuExpandKernelsPass();

/// `tessera-gpu-map-loops{block-size=N}`: every linalg op becomes a
/// scf.parallel nest for the GPU. Copies between device buffers become
/// linalg copies first; an op with no parallel dimension runs in a
/// one-iteration parallel loop (one GPU thread) instead of on the host. Each
/// outermost scf.parallel is collapsed to one dimension, tiled by N
/// (constant inner bound, a guard for the tail) and mapped: tiles to blocks
/// (x), the tile's iterations to threads (x); a loop with a
/// `tessera.gpu_block_size` attribute is tiled by that instead.
/// convert-parallel-loops-to-gpu turns the mapped loops into gpu.launch.
std::unique_ptr<Pass> createGpuMapLoopsPass();
std::unique_ptr<Pass> createGpuMapLoopsPass(int64_t blockSize);

/// `tessera-gpu-merge-modules`: the one gpu.module per kernel that
/// gpu-kernel-outlining makes become one module (one PTX image, loaded
/// once); kernels keep unique names and launches are re-pointed.
std::unique_ptr<Pass> createGpuMergeModulesPass();

/// Registers the passes above (for --mlir-print-ir-* names and pipelines).
void registerCudaPasses();

} // namespace mlir::tessera

#endif // TESSERA_COMPILER_CUDA_CUDAPASSES_H
