// What tessera-outline-kernels and tessera-parallelize-kernels both ask of
// a kernel function: its one computation, and how much work it does.
#ifndef TESSERA_PASSES_DISPATCH_KERNELWORK_H
#define TESSERA_PASSES_DISPATCH_KERNELWORK_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <algorithm>

namespace mlir::tessera::dispatch {

/// The kernel's one computation: a linalg op on buffers, or null.
inline linalg::LinalgOp kernelRoot(func::FuncOp kernel) {
  linalg::LinalgOp root;
  for (Operation &op : kernel.getBody().front()) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (root)
        return nullptr;
      root = linalgOp;
    } else if (op.getNumRegions() > 0) {
      return nullptr;
    }
  }
  return root && root.hasPureBufferSemantics() ? root : nullptr;
}

/// Loop iterations times the ops of the body: 0 if not static.
inline int64_t staticWork(linalg::LinalgOp op) {
  int64_t iterations = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return 0;
    iterations *= range;
  }
  int64_t bodyOps =
      std::max<int64_t>(1, (int64_t)op.getBlock()->getOperations().size() - 1);
  return iterations * bodyOps;
}

/// staticWork of the kernel's root; 0 without one.
inline int64_t staticWork(func::FuncOp kernel) {
  linalg::LinalgOp root = kernelRoot(kernel);
  return root ? staticWork(root) : 0;
}

} // namespace mlir::tessera::dispatch

#endif
