// Reports the heap temporaries of bufferized functions: how many buffers, the
// bytes allocated in total and the peak bytes live at once (in program order,
// allocations inside loops counted per iteration). The numbers a static arena
// would be sized from.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace {

/// The allocation a (possibly viewed or decomposed) buffer value comes from.
Value getAllocation(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def))
      v = meta.getSource();
    else if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      v = view.getViewSource();
    else
      break;
  }
  return v;
}

struct TemporariesReportPass
    : PassWrapper<TemporariesReportPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TemporariesReportPass)
  StringRef getName() const final { return "TemporariesReportPass"; }
  StringRef getArgument() const final { return "tessera-report-temporaries"; }
  StringRef getDescription() const final {
    return "Remark with the count, total and peak bytes of heap temporaries";
  }
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal())
      return;
    llvm::DenseMap<Value, int64_t> live;
    int64_t count = 0, total = 0, current = 0, peak = 0, dynamic = 0;
    fn.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        MemRefType type = alloc.getType();
        ++count;
        if (!type.hasStaticShape()) {
          ++dynamic;
          return;
        }
        int64_t bytes = type.getNumElements() *
                        llvm::divideCeil(type.getElementTypeBitWidth(), 8);
        live[alloc.getResult()] = bytes;
        total += bytes;
        current += bytes;
        peak = std::max(peak, current);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        auto it = live.find(getAllocation(dealloc.getMemref()));
        if (it != live.end()) {
          current -= it->second;
          live.erase(it);
        }
      }
    });
    InFlightDiagnostic remark =
        fn.emitRemark() << "temporaries: " << count << " buffers, " << total
                        << " bytes allocated, peak " << peak << " bytes live";
    if (dynamic)
      remark << " (" << dynamic << " dynamically sized, not counted)";
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createTemporariesReportPass() {
  return std::make_unique<TemporariesReportPass>();
}
