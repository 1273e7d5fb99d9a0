// One statically planned arena per function: every temporary of the entry
// block with a static shape and a dealloc in the same block becomes a
// memref.view at a compile-time offset of one buffer, allocated once per run.
// Offsets come from the buffers' live ranges (alloc to dealloc, in program
// order, after tessera-shorten-buffer-lifetimes): buffers that are never
// live at once may share bytes. Greedy placement, largest first, centred:
// each buffer is centred (64-byte aligned) on the centre of the first
// column it fits in without overlapping a buffer live at the same time; a
// buffer that fits in none opens a new column above the others, centred on
// its own middle. So the buffers that share bytes share their middle.
//
// Why centred: the CPU kernels split their outputs between threads in
// order (thread t writes the t-th stretch of rows or positions), so with 2
// threads thread 0 writes a buffer's first half and thread 1 its second.
// Buffers that share a middle hand each core back the lines it wrote
// before; packed from offset 0, a buffer's first half could lie where
// another core had written the previous tensor, each store then fetching
// its line from that core (the two cores of the Zen 5 machines share no
// cache; docs/runtime.md). 2 threads, alternating binaries against the
// lowest-offset placement: MobileNetV2 2.95 -> 2.77 ms, EfficientNet-B0
// 5.43 -> 5.03, MnasNet 3.17 -> 3.07, RegNetY-400MF 4.52 -> 4.29; ResNets,
// DenseNet and the transformers within noise. The arena grows by up to a
// half (Inception-v3 16.6 -> 25.7 MB, MnasNet 8.0 -> 10.2; ViT-S/16 none).
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

#include <algorithm>

using namespace mlir;

namespace {

struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t begin, end; // live over [begin, end] (op positions in the block)
  int64_t bytes, offset = -1;
};

constexpr int64_t arenaAlignment = 64;

struct PlanArenaPass
    : PassWrapper<PlanArenaPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(PlanArenaPass)
  StringRef getName() const final { return "PlanArenaPass"; }
  StringRef getArgument() const final { return "tessera-plan-arena"; }
  StringRef getDescription() const final {
    return "Place the temporaries of each function in one statically "
           "planned arena";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, memref::MemRefDialect>();
  }

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() || !fn.getBody().hasOneBlock())
      return;
    Block &block = fn.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;

    SmallVector<Buffer> buffers;
    for (auto dealloc : block.getOps<memref::DeallocOp>()) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != &block)
        continue;
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          type.getMemorySpace() || !type.getElementType().isIntOrFloat() ||
          alloc.getAlignment().value_or(1) > arenaAlignment)
        continue;
      int64_t bytes =
          type.getNumElements() *
          llvm::divideCeil(type.getElementType().getIntOrFloatBitWidth(), 8);
      buffers.push_back({alloc, dealloc, position[alloc],
                         position[dealloc], std::max<int64_t>(bytes, 1)});
    }
    if (buffers.size() < 2)
      return;

    // Largest first; each at the lowest offset clear of the placed buffers
    // that are live at the same time.
    SmallVector<Buffer *> order;
    for (Buffer &b : buffers)
      order.push_back(&b);
    llvm::stable_sort(order, [](Buffer *a, Buffer *b) {
      return a->bytes > b->bytes;
    });
    int64_t total = 0;
    SmallVector<Buffer *> placed;
    // Each column's centre; its first buffer is its largest, so the later
    // ones, centred on it, lie within it.
    SmallVector<int64_t> centers;
    for (Buffer *b : order) {
      auto clear = [&](int64_t at) {
        return llvm::none_of(placed, [&](Buffer *p) {
          return p->begin <= b->end && b->begin <= p->end &&
                 at < p->offset + p->bytes && p->offset < at + b->bytes;
        });
      };
      int64_t offset = -1;
      for (int64_t center : centers) {
        int64_t at = llvm::alignDown(center - b->bytes / 2, arenaAlignment);
        if (clear(at)) {
          offset = at;
          break;
        }
      }
      if (offset < 0) {
        offset = llvm::alignTo(total, arenaAlignment);
        centers.push_back(offset + b->bytes / 2);
      }
      b->offset = offset;
      total = std::max(total, offset + b->bytes);
      placed.push_back(b);
    }
    total = (int64_t)llvm::alignTo(total, arenaAlignment);

    OpBuilder builder(&block, block.begin());
    Location loc = fn.getLoc();
    auto arenaType = MemRefType::get({total}, builder.getI8Type());
    Value arena = memref::AllocOp::create(builder, loc, arenaType,
                                          builder.getI64IntegerAttr(
                                              arenaAlignment));
    for (Buffer &b : buffers) {
      builder.setInsertionPoint(b.alloc);
      Value shift = arith::ConstantIndexOp::create(builder, b.alloc.getLoc(),
                                                   b.offset);
      Value view = memref::ViewOp::create(builder, b.alloc.getLoc(),
                                          b.alloc.getType(), arena, shift,
                                          ValueRange());
      b.alloc.replaceAllUsesWith(view);
      b.dealloc.erase();
      b.alloc.erase();
    }
    builder.setInsertionPoint(block.getTerminator());
    memref::DeallocOp::create(builder, loc, arena);

    int64_t sum = 0;
    for (Buffer &b : buffers)
      sum += b.bytes;
    fn->setAttr("tessera.arena_bytes", builder.getI64IntegerAttr(total));
    fn->setAttr("tessera.arena_buffers",
                builder.getI64IntegerAttr(buffers.size()));
    fn->setAttr("tessera.arena_unplanned_bytes", builder.getI64IntegerAttr(sum));
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createPlanArenaPass() {
  return std::make_unique<PlanArenaPass>();
}
