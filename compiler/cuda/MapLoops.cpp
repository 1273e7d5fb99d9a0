// Linalg ops on buffers become scf.parallel nests mapped to GPU blocks and
// threads: the loop structure that convert-parallel-loops-to-gpu turns into
// gpu.launch. One scheme for every op: all parallel dimensions collapsed
// into one, tiled by the block size, tiles on blocks and a tile's
// iterations on threads; reductions stay sequential in each thread.
#include "compiler/cuda/CudaPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kBlockSizeAttr = "tessera.gpu_block_size";

bool isOutermost(scf::ParallelOp loop) {
  return !loop->getParentOfType<scf::ParallelOp>();
}

struct GpuMapLoopsPass : PassWrapper<GpuMapLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuMapLoopsPass)

  GpuMapLoopsPass() = default;
  GpuMapLoopsPass(const GpuMapLoopsPass &other) : PassWrapper(other) {}
  explicit GpuMapLoopsPass(int64_t size) { blockSize = size; }

  StringRef getArgument() const override { return "tessera-gpu-map-loops"; }
  StringRef getDescription() const override {
    return "Lower linalg ops on buffers to scf.parallel nests mapped to GPU "
           "blocks and threads";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, gpu::GPUDialect, linalg::LinalgDialect,
                    memref::MemRefDialect, scf::SCFDialect>();
  }

  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};

  /// Copies between device buffers run as kernels; the host's staging copies
  /// (tessera.host_copy) stay memref.copy.
  void copiesToLinalg(func::FuncOp fn) {
    fn.walk([](memref::CopyOp copy) {
      if (copy->hasAttr("tessera.host_copy"))
        return;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    });
  }

  LogicalResult linalgToParallelLoops(func::FuncOp fn) {
    SmallVector<linalg::LinalgOp> ops;
    fn.walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(fn.getContext());
    for (linalg::LinalgOp op : ops) {
      if (op.getNumParallelLoops() == 0 &&
          !op->getParentOfType<scf::ParallelOp>()) {
        // A reduction to one element: one thread on the GPU, not the host
        // reading device memory.
        rewriter.setInsertionPoint(op);
        Location loc = op.getLoc();
        Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
        Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
        auto single = scf::ParallelOp::create(rewriter, loc, zero, one, one);
        rewriter.moveOpBefore(op, single.getBody()->getTerminator());
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToParallelLoops(rewriter, op)))
        return op->emitError("cannot lower this op to parallel loops for the "
                             "GPU");
      rewriter.eraseOp(op);
    }
    return success();
  }

  void collapse(func::FuncOp fn) {
    SmallVector<scf::ParallelOp> loops;
    fn.walk([&](scf::ParallelOp loop) {
      if (isOutermost(loop) && loop.getNumLoops() > 1)
        loops.push_back(loop);
    });
    IRRewriter rewriter(fn.getContext());
    for (scf::ParallelOp loop : loops) {
      std::vector<unsigned> all;
      for (unsigned d = 0; d < loop.getNumLoops(); ++d)
        all.push_back(d);
      // The collapsed loop replaces `loop` in place; it keeps the block
      // size asked for.
      Attribute size = loop->getAttr(kBlockSizeAttr);
      Block *block = loop->getBlock();
      Operation *next = loop->getNextNode();
      rewriter.setInsertionPoint(loop);
      collapseParallelLoops(rewriter, loop, {all});
      Operation *collapsed = next ? next->getPrevNode() : &block->back();
      if (size && isa<scf::ParallelOp>(collapsed))
        collapsed->setAttr(kBlockSizeAttr, size);
    }
  }

  void tileAndMap(func::FuncOp fn) {
    SmallVector<scf::ParallelOp> loops;
    fn.walk([&](scf::ParallelOp loop) {
      if (isOutermost(loop))
        loops.push_back(loop);
    });
    MLIRContext *ctx = fn.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
    auto mapTo = [&](gpu::Processor processor) {
      return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, identity,
                                                  identity);
    };
    for (scf::ParallelOp loop : loops) {
      int64_t tile = blockSize;
      if (auto size = loop->getAttrOfType<IntegerAttr>(kBlockSizeAttr))
        tile = size.getInt();
      // A short loop gets a block of its own length (it is normalized:
      // from 0 in steps of 1).
      if (auto trips = getConstantIntValue(loop.getUpperBound()[0]);
          trips && isConstantIntValue(loop.getLowerBound()[0], 0) &&
          isConstantIntValue(loop.getStep()[0], 1))
        tile = std::max<int64_t>(1, std::min<int64_t>(tile, *trips));
      // (Replaces `loop`.)
      auto [outer, inner] =
          scf::tileParallelLoop(loop, {tile}, /*noMinMaxBounds=*/true);
      (void)gpu::setMappingAttr(outer, {mapTo(gpu::Processor::BlockX)});
      (void)gpu::setMappingAttr(inner, {mapTo(gpu::Processor::ThreadX)});
      // Anything nested deeper runs sequentially in its thread.
      inner.getBody()->walk([&](scf::ParallelOp nested) {
        SmallVector<gpu::ParallelLoopDimMappingAttr> sequential(
            nested.getNumLoops(), mapTo(gpu::Processor::Sequential));
        (void)gpu::setMappingAttr(nested, sequential);
      });
    }
  }

  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal())
        continue;
      copiesToLinalg(fn);
      if (failed(linalgToParallelLoops(fn)))
        return signalPassFailure();
      collapse(fn);
      tileAndMap(fn);
    }
  }
};

struct GpuMergeModulesPass
    : PassWrapper<GpuMergeModulesPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(GpuMergeModulesPass)

  StringRef getArgument() const override { return "tessera-gpu-merge-modules"; }
  StringRef getDescription() const override {
    return "Merge the outlined kernels' gpu.modules into one";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.size() < 2)
      return;
    MLIRContext *ctx = module.getContext();
    OpBuilder b(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, modules.front().getLoc(),
                                           "tessera_kernels");
    SymbolTable table(module);
    table.insert(merged);
    llvm::StringMap<StringAttr> renamed; // old module -> kernel name
    Block *body = merged.getBody();
    for (gpu::GPUModuleOp old : modules) {
      auto &ops = old.getBody()->getOperations();
      auto fn = llvm::hasSingleElement(ops)
                    ? dyn_cast<gpu::GPUFuncOp>(ops.front())
                    : gpu::GPUFuncOp();
      if (!fn) {
        old.emitError("cannot merge a gpu.module that is not one kernel");
        return signalPassFailure();
      }
      renamed[old.getName()] = old.getNameAttr();
      fn.setName(old.getName());
      fn->moveBefore(body, body->end());
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernelModuleName().getValue());
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(), {FlatSymbolRefAttr::get(ctx, it->second)}));
    });
    for (gpu::GPUModuleOp old : modules)
      old.erase();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createGpuMapLoopsPass() {
  return std::make_unique<GpuMapLoopsPass>();
}

std::unique_ptr<Pass> mlir::tessera::createGpuMapLoopsPass(int64_t blockSize) {
  return std::make_unique<GpuMapLoopsPass>(blockSize);
}

std::unique_ptr<Pass> mlir::tessera::createGpuMergeModulesPass() {
  return std::make_unique<GpuMergeModulesPass>();
}

void mlir::tessera::registerCudaPasses() {
  registerPass([] { return createGpuStageArgumentsPass(); });
  registerPass([] { return createGpuLowerHostCopiesPass(); });
  registerPass([] { return createGpuExpandKernelsPass(); });
  registerPass([] { return createGpuMapLoopsPass(); });
  registerPass([] { return createGpuMergeModulesPass(); });
}
