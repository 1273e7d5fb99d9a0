// Host buffers of a public function's arguments get device-visible copies:
// the caller's inputs and outputs are plain host memory (malloc, numpy, a
// mapped file), which a kernel cannot address. The copies are made on the
// host into buffers that the CUDA runtime allocates as managed memory, so
// the host and every kernel see the same bytes.
#include "compiler/cuda/CudaPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace {

/// Whether the function may read and may write the buffer `root`, through
/// any view of it. Ops that do not describe their effects count as both.
struct Access {
  bool read = false, write = false;
};

Access accessOf(Value root) {
  Access access;
  SmallVector<Value> worklist = {root};
  while (!worklist.empty() && !(access.read && access.write)) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value) {
        for (Value result : user->getResults())
          worklist.push_back(result);
        continue;
      }
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects) {
        access.read = access.write = true;
        break;
      }
      SmallVector<MemoryEffects::EffectInstance> onValue;
      effects.getEffectsOnValue(value, onValue);
      for (const MemoryEffects::EffectInstance &effect : onValue) {
        access.read |= isa<MemoryEffects::Read>(effect.getEffect());
        access.write |= isa<MemoryEffects::Write>(effect.getEffect());
      }
    }
  }
  return access;
}

/// memref.alloc of `type` with the dynamic sizes of `like`.
Value allocLike(OpBuilder &b, Location loc, MemRefType type, Value like) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, like, d));
  auto alloc = memref::AllocOp::create(b, loc, type, sizes);
  alloc.setAlignment(64);
  return alloc;
}

struct GpuStageArgumentsPass
    : PassWrapper<GpuStageArgumentsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuStageArgumentsPass)

  StringRef getArgument() const override {
    return "tessera-gpu-stage-arguments";
  }
  StringRef getDescription() const override {
    return "Copy public functions' buffer arguments to and from "
           "device-visible buffers; host allocas become heap buffers";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<memref::MemRefDialect>();
  }

  LogicalResult stage(func::FuncOp fn) {
    Block &entry = fn.getBody().front();
    SmallVector<func::ReturnOp> returns;
    fn.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
    for (BlockArgument arg : fn.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || arg.use_empty())
        continue;
      if (!type.getLayout().isIdentity())
        return fn.emitError() << "argument #" << arg.getArgNumber()
                              << " has a non-identity layout (" << type
                              << "): cannot stage it for the GPU";
      Access access = accessOf(arg);
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          arg.getUses(), [](OpOperand &use) { return &use; });
      OpBuilder b = OpBuilder::atBlockBegin(&entry);
      Location loc = arg.getLoc();
      Value device = allocLike(b, loc, type, arg);
      for (OpOperand *use : uses)
        use->set(device);
      UnitAttr hostCopy = b.getUnitAttr();
      if (access.read) {
        auto copy = memref::CopyOp::create(b, loc, arg, device);
        copy->setAttr("tessera.host_copy", hostCopy);
      }
      for (func::ReturnOp ret : returns) {
        b.setInsertionPoint(ret);
        if (access.write) {
          auto copy = memref::CopyOp::create(b, loc, device, arg);
          copy->setAttr("tessera.host_copy", hostCopy);
        }
        memref::DeallocOp::create(b, loc, device);
      }
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal() || !fn.isPublic())
        continue;
      if (!fn.getBody().hasOneBlock()) {
        fn.emitError("cannot stage the arguments of a function with several "
                     "blocks for the GPU");
        return signalPassFailure();
      }
      if (failed(stage(fn)))
        return signalPassFailure();
    }
    // Stack buffers are host memory too: heap buffers, freed at the end of
    // their block (an alloca lives until its scope returns; its uses do not
    // outlive the block that defines it in bufferized code).
    module.walk([](memref::AllocaOp alloca) {
      OpBuilder b(alloca);
      auto alloc = memref::AllocOp::create(
          b, alloca.getLoc(), alloca.getType(), alloca.getDynamicSizes(),
          alloca.getSymbolOperands(), alloca.getAlignmentAttr());
      alloca.replaceAllUsesWith(alloc.getResult());
      b.setInsertionPoint(alloca->getBlock()->getTerminator());
      memref::DeallocOp::create(b, alloca.getLoc(), alloc);
      alloca.erase();
    });
  }
};

/// The staging copies as calls of the CUDA runtime's copies, which run on
/// the stream of the kernels, in order with them: a copy back waits for the
/// kernels that wrote the buffer, so launches need no synchronization of
/// their own.
struct GpuLowerHostCopiesPass
    : PassWrapper<GpuLowerHostCopiesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuLowerHostCopiesPass)

  StringRef getArgument() const override {
    return "tessera-gpu-lower-host-copies";
  }
  StringRef getDescription() const override {
    return "Staging copies (tessera.host_copy) become calls of the CUDA "
           "runtime's stream-ordered copies";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    memref::MemRefDialect>();
  }

  /// The address of a buffer's first element and its size in bytes.
  static std::pair<Value, Value> span(OpBuilder &b, Location loc,
                                      Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
    Value elementBytes = arith::ConstantIndexOp::create(
        b, loc, (type.getElementTypeBitWidth() + 7) / 8);
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
    Value offset =
        arith::MulIOp::create(b, loc, meta.getOffset(), elementBytes);
    Value bytes = elementBytes;
    for (Value size : meta.getSizes())
      bytes = arith::MulIOp::create(b, loc, bytes, size);
    return {arith::AddIOp::create(b, loc, base, offset), bytes};
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::CopyOp> copies;
    module.walk([&](memref::CopyOp copy) {
      if (copy->hasAttr("tessera.host_copy"))
        copies.push_back(copy);
    });
    if (copies.empty())
      return;
    OpBuilder b(module.getBodyRegion());
    Type index = b.getIndexType();
    auto fnType = b.getFunctionType({index, index, index}, {});
    for (StringRef name :
         {"tessera_cuda_copy_to_device", "tessera_cuda_copy_to_host"})
      if (!module.lookupSymbol(name))
        func::FuncOp::create(b, module.getLoc(), name, fnType).setPrivate();
    for (memref::CopyOp copy : copies) {
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (!source.getLayout().isIdentity() ||
          !target.getLayout().isIdentity()) {
        copy.emitError("a staging copy needs buffers of identity layout");
        return signalPassFailure();
      }
      // The caller's buffers are the function's arguments.
      bool toDevice = isa<BlockArgument>(copy.getSource());
      b.setInsertionPoint(copy);
      Location loc = copy.getLoc();
      auto [src, bytes] = span(b, loc, copy.getSource());
      Value dst = span(b, loc, copy.getTarget()).first;
      func::CallOp::create(b, loc,
                           toDevice ? "tessera_cuda_copy_to_device"
                                    : "tessera_cuda_copy_to_host",
                           TypeRange(), ValueRange{dst, src, bytes});
      copy.erase();
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createGpuStageArgumentsPass() {
  return std::make_unique<GpuStageArgumentsPass>();
}

std::unique_ptr<Pass> mlir::tessera::createGpuLowerHostCopiesPass() {
  return std::make_unique<GpuLowerHostCopiesPass>();
}
