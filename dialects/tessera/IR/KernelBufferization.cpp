// One-shot bufferization of tessera.call_kernel: outputs bufferize in place
// of their inits (destination style), inputs are only read; the op is rebuilt
// on buffers without results.
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::tessera;

namespace {
struct CallKernelBufferization
    : DstBufferizableOpInterfaceExternalModel<CallKernelBufferization,
                                              CallKernelOp> {
  /// Kernels overwrite their outputs without reading them, so an init's
  /// contents never need to be preserved (no copy of a tensor.empty).
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto call = cast<CallKernelOp>(op);
    auto buffers = [&](ValueRange values) -> FailureOr<SmallVector<Value>> {
      SmallVector<Value> out;
      for (Value v : values) {
        if (!isa<TensorType>(v.getType())) {
          out.push_back(v);
          continue;
        }
        FailureOr<Value> buffer = getBuffer(rewriter, v, options, state);
        if (failed(buffer))
          return failure();
        out.push_back(*buffer);
      }
      return out;
    };
    FailureOr<SmallVector<Value>> ins = buffers(call.getInputs());
    FailureOr<SmallVector<Value>> outs = buffers(call.getOutputs());
    if (failed(ins) || failed(outs))
      return failure();
    rewriter.setInsertionPoint(op);
    CallKernelOp::create(rewriter, op->getLoc(), TypeRange{},
                         call.getKernelAttr(), *ins, *outs,
                         call.getScalarsAttr(), call.getConstantMaskAttr());
    replaceOpWithBufferizedValues(rewriter, op, *outs);
    return success();
  }
};
} // namespace

void mlir::tessera::attachKernelBufferization(MLIRContext &ctx) {
  CallKernelOp::attachInterface<CallKernelBufferization>(ctx);
}
