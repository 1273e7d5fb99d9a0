// Folds transposes into the operands of runtime kernels that read and write
// through any strides: a buffer that a linalg.transpose fills only for such
// a kernel to read becomes a transposed view of the transpose's source, and
// a kernel output that a linalg.transpose only copies elsewhere is written
// through a transposed view of the copy's destination. Attention's heads
// ([B,S,H,D] <-> [B,H,S,D]) then need no copy at all: the four copies of
// each BERT layer took 7% of its attention block's time. The convolution
// and max pool kernels then read and write channels-last buffers
// (tessera-channels-last) as channel-first views.
#include "compiler/cpu/CpuPasses.h"
#include "tessera/IR/TesseraOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace {

/// Kernels that take every buffer operand as a strided memref and read or
/// write it through its strides at no extra cost (runtime/include/
/// tessera_runtime.h: "any strides").
bool takesAnyStrides(tessera::CallKernelOp call) {
  return llvm::is_contained({"tessera_attention_f32", "tessera_conv2d_f32",
                             "tessera_depthwise_conv2d_f32",
                             "tessera_max_pool2d_f32",
                             "tessera_qconv2d_static_f32"},
                            call.getKernel());
}

/// The view that `v` is of, if any: ViewLikeOpInterface ops and
/// memref.transpose (metadata only, but not one of them).
Value viewSource(Value v) {
  if (auto transpose = v.getDefiningOp<memref::TransposeOp>())
    return transpose.getIn();
  auto view = v.getDefiningOp<ViewLikeOpInterface>();
  return view && view.getViewDest() == v ? view.getViewSource() : Value();
}

/// The buffer that `v` is a view of.
Value rootBuffer(Value v) {
  while (Value source = viewSource(v))
    v = source;
  return v;
}

/// Whether writing `written` may change `read`'s contents: conservatively
/// yes, unless their roots are different allocations of this function.
bool mayAlias(Value written, Value read) {
  Value a = rootBuffer(written), b = rootBuffer(read);
  if (a == b)
    return true;
  return !a.getDefiningOp<memref::AllocOp>() &&
         !b.getDefiningOp<memref::AllocOp>();
}

/// Whether some op strictly between `from` and `to` (one block) may write
/// memory that `buffer` views.
bool writtenBetween(Operation *from, Operation *to, Value buffer) {
  for (Operation *op = from->getNextNode(); op && op != to;
       op = op->getNextNode()) {
    if (isMemoryEffectFree(op))
      continue;
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface || op->getNumRegions() != 0 &&
                      !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return true;
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value target = effect.getValue();
      if (!target || mayAlias(target, buffer))
        return true;
    }
  }
  return false;
}

SmallVector<int64_t> inverse(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inv(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inv[p] = int64_t(i);
  return inv;
}

/// A view of `source` with dim k = source's dim perm[k].
Value transposedView(OpBuilder &b, Location loc, Value source,
                     ArrayRef<int64_t> perm) {
  return memref::TransposeOp::create(
      b, loc, source,
      AffineMapAttr::get(AffineMap::getPermutationMap(
          llvm::to_vector_of<unsigned>(perm), b.getContext())));
}

/// Whether `op` reshapes a buffer (a view, no copy).
bool isReshape(Operation *op) {
  return isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(op);
}

/// `source` expanded by `groups` to `sizes` (static where `shape` is), or
/// null where its strides do not allow it without a copy.
Value expandView(OpBuilder &b, Location loc, Value source,
                 ArrayRef<int64_t> shape, ArrayRef<OpFoldResult> sizes,
                 ArrayRef<ReassociationIndices> groups) {
  FailureOr<MemRefType> result = memref::ExpandShapeOp::computeExpandedType(
      cast<MemRefType>(source.getType()), shape, groups);
  if (failed(result))
    return {};
  return memref::ExpandShapeOp::create(b, loc, *result, source, groups, sizes);
}

/// `source` collapsed by `groups`, or null where its strides do not allow
/// it without a copy.
Value collapseView(OpBuilder &b, Location loc, Value source,
                   ArrayRef<ReassociationIndices> groups) {
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(
          cast<MemRefType>(source.getType()), groups))
    return {};
  return memref::CollapseShapeOp::create(b, loc, source, groups);
}

/// `reshape` (with the same reassociation and result shape) applied to
/// `source` instead, or null where the strides of `source` do not allow it
/// without a copy.
Value reshapeView(OpBuilder &b, Operation *reshape, Value source) {
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(reshape))
    return expandView(
        b, reshape->getLoc(), source, expand.getResultType().getShape(),
        expand.getMixedOutputShape(), expand.getReassociationIndices());
  return collapseView(
      b, reshape->getLoc(), source,
      cast<memref::CollapseShapeOp>(reshape).getReassociationIndices());
}

/// The inverse of `reshape` applied to `source` (shaped as the reshape's
/// result): a collapse's expand back to its source shape, an expand's
/// collapse; null where the strides of `source` do not allow it.
Value inverseReshapeView(OpBuilder &b, Operation *reshape, Value source) {
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(reshape)) {
    MemRefType srcType = collapse.getSrcType();
    if (!srcType.hasStaticShape())
      return {};
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : srcType.getShape())
      sizes.push_back(b.getIndexAttr(size));
    return expandView(b, reshape->getLoc(), source, srcType.getShape(), sizes,
                      collapse.getReassociationIndices());
  }
  return collapseView(
      b, reshape->getLoc(), source,
      cast<memref::ExpandShapeOp>(reshape).getReassociationIndices());
}

/// Erases `ops` (in reverse) that have no uses left.
void eraseUnused(ArrayRef<Operation *> ops) {
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty())
      op->erase();
}

/// %a = alloc; linalg.transpose ins(%x) outs(%a); kernel(ins %a): the
/// kernel reads a transposed view of %x instead, when %a has no other use
/// and nothing writes %x in between. The kernels may read %a through
/// reshapes (torch's attention: [S,H,D] -> [H,S,D] -> [1,H,S,D]), which are
/// then rebuilt on the view where its strides allow.
bool foldInput(linalg::TransposeOp transpose) {
  Value dst = transpose.getInit(), src = transpose.getInput();
  auto alloc = dst.getDefiningOp<memref::AllocOp>();
  if (!alloc || !isa<MemRefType>(src.getType()))
    return false;
  // The reads of %a, directly or through reshapes (parents first).
  SmallVector<OpOperand *> reads;
  SmallVector<Operation *> reshapes;
  SmallVector<Value> worklist = {dst};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == transpose)
        continue;
      if (isReshape(user) && user->getBlock() == transpose->getBlock()) {
        reshapes.push_back(user);
        worklist.push_back(user->getResult(0));
        continue;
      }
      auto call = dyn_cast<tessera::CallKernelOp>(user);
      if (!call || !takesAnyStrides(call) || call.isDpsInit(&use) ||
          call->getBlock() != transpose->getBlock() ||
          !transpose->isBeforeInBlock(call) ||
          writtenBetween(transpose, call, src) ||
          llvm::any_of(call.getOutputs(),
                       [&](Value out) { return mayAlias(out, src); }))
        return false;
      reads.push_back(&use);
    }
  }
  if (reads.empty())
    return false;
  OpBuilder b(transpose);
  Value view =
      transposedView(b, transpose.getLoc(), src, transpose.getPermutation());
  IRMapping views;
  views.map(dst, view);
  SmallVector<Operation *> created = {view.getDefiningOp()};
  for (Operation *reshape : reshapes) {
    Value rebuilt =
        reshapeView(b, reshape, views.lookup(reshape->getOperand(0)));
    if (!rebuilt) {
      eraseUnused(created);
      return false;
    }
    created.push_back(rebuilt.getDefiningOp());
    views.map(reshape->getResult(0), rebuilt);
  }
  for (OpOperand *read : reads)
    read->set(views.lookup(read->get()));
  eraseUnused(reshapes);
  transpose.erase();
  alloc.erase();
  return true;
}

/// The ops of `block` that use `buffer` or a view of it (or hold such a
/// use in their regions).
SmallVector<Operation *> usersInBlock(Value buffer, Block *block) {
  SmallVector<Operation *> users;
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      for (Value result : user->getResults())
        if (viewSource(result) == v)
          worklist.push_back(result);
      if (Operation *ancestor = block->findAncestorOpInBlock(*user))
        users.push_back(ancestor);
    }
  }
  return users;
}

/// Whether `op` is an output-only use of `buffer` by a kernel (which
/// overwrites its outputs entirely).
bool overwrites(Operation *op, Value buffer) {
  auto call = dyn_cast<tessera::CallKernelOp>(op);
  return call && llvm::is_contained(call.getOutputs(), buffer) &&
         !llvm::is_contained(call.getInputs(), buffer);
}

/// kernel(outs %o) ... linalg.transpose ins(%o) outs(%t): the kernel writes
/// a transposed view of %t instead, when the copy is the only reader of
/// that result (the next use of %o after it overwrites %o; one-shot
/// bufferization gives every layer's attention the same %o) and nothing
/// uses %t between the kernel and the copy. The copy may read %o through
/// reshapes; the kernel then writes their inverses of the view.
bool foldOutput(linalg::TransposeOp transpose) {
  Value src = transpose.getInput(), dst = transpose.getInit();
  Block *block = transpose->getBlock();
  auto dstAlloc = dst.getDefiningOp<memref::AllocOp>();
  if (!dstAlloc || dstAlloc->getNumOperands() != 0 ||
      dstAlloc->getBlock() != block)
    return false;
  // %o itself, and the reshapes from it to the copy's input (last first).
  SmallVector<Operation *> chain;
  Value root = src;
  while (Operation *def = root.getDefiningOp()) {
    if (!isReshape(def) || def->getBlock() != block ||
        !def->getResult(0).hasOneUse())
      break;
    chain.push_back(def);
    root = def->getOperand(0);
  }
  if (!root.getDefiningOp<memref::AllocOp>())
    return false;
  // The last use of %o before the copy and the first one after it (the
  // reshapes on the way to the copy are views, not uses).
  Operation *before = nullptr, *after = nullptr;
  for (Operation *user : usersInBlock(root, block)) {
    if (user == transpose || llvm::is_contained(chain, user))
      continue;
    if (user->isBeforeInBlock(transpose)) {
      if (!before || before->isBeforeInBlock(user))
        before = user;
    } else if (!after || user->isBeforeInBlock(after)) {
      after = user;
    }
  }
  auto call = dyn_cast_or_null<tessera::CallKernelOp>(before);
  if (!call || !takesAnyStrides(call) || !overwrites(call, root) ||
      (after && !overwrites(after, root)))
    return false;
  for (Operation *user : usersInBlock(dst, block))
    if (user != transpose && user != dstAlloc &&
        (user == call.getOperation() ||
         (call->isBeforeInBlock(user) && user->isBeforeInBlock(transpose))))
      return false;
  Operation *dstAllocPos = dstAlloc->getNextNode();
  bool moved = call->isBeforeInBlock(dstAlloc);
  if (moved)
    dstAlloc->moveBefore(call);
  OpBuilder b(call);
  Value view = transposedView(b, transpose.getLoc(), dst,
                              inverse(transpose.getPermutation()));
  SmallVector<Operation *> created = {view.getDefiningOp()};
  for (Operation *reshape : chain) {
    view = inverseReshapeView(b, reshape, view);
    if (!view) {
      eraseUnused(created);
      if (moved)
        dstAlloc->moveBefore(dstAllocPos);
      return false;
    }
    created.push_back(view.getDefiningOp());
  }
  for (OpOperand &out : call.getOutputsMutable())
    if (out.get() == root)
      out.set(view);
  transpose.erase();
  eraseUnused(llvm::to_vector(llvm::reverse(chain)));
  if (root.use_empty())
    root.getDefiningOp()->erase();
  return true;
}

/// One buffer filled by several transposes (one-shot bufferization gives
/// every layer's key heads the same one) becomes one buffer per transpose,
/// so that each can fold on its own: the reads after a transpose (directly
/// or through reshapes), up to the next one, take its new buffer. Left
/// alone when anything else uses the buffer or a read lies elsewhere.
void privatizeTransposeTargets(memref::AllocOp alloc) {
  Value buffer = alloc.getResult();
  Block *block = alloc->getBlock();
  if (alloc->getNumOperands() != 0)
    return;
  SmallVector<linalg::TransposeOp> writers;
  for (Operation *user : buffer.getUsers()) {
    auto transpose = dyn_cast<linalg::TransposeOp>(user);
    if (transpose && transpose.getInit() == buffer &&
        transpose.getInput() != buffer && transpose->getBlock() == block)
      writers.push_back(transpose);
  }
  if (writers.size() < 2)
    return;
  llvm::sort(writers, [](linalg::TransposeOp a, linalg::TransposeOp b) {
    return a->isBeforeInBlock(b);
  });
  // The writer whose data `op` (in the block) sees: the last one before it.
  auto segment = [&](Operation *op) -> int {
    int found = -1;
    for (auto [i, writer] : llvm::enumerate(writers))
      if (writer->isBeforeInBlock(op))
        found = int(i);
    return found;
  };
  // Every use: a writer, or a read after one (through reshapes whose own
  // readers see the same writer).
  SmallVector<std::pair<OpOperand *, int>> reads;
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(user);
        transpose && llvm::is_contained(writers, transpose))
      continue;
    if (user->getBlock() != block)
      return;
    int seg = segment(user);
    if (seg < 0)
      return;
    if (isReshape(user)) {
      SmallVector<Value> worklist = {user->getResult(0)};
      while (!worklist.empty()) {
        Value v = worklist.pop_back_val();
        for (Operation *reader : v.getUsers()) {
          if (reader->getBlock() != block || segment(reader) != seg)
            return;
          if (isReshape(reader))
            worklist.push_back(reader->getResult(0));
        }
      }
    } else if (auto call = dyn_cast<tessera::CallKernelOp>(user);
               !call || call.isDpsInit(&use)) {
      return;
    }
    reads.push_back({&use, seg});
  }
  OpBuilder b(alloc);
  SmallVector<Value> buffers;
  for (linalg::TransposeOp writer : writers) {
    b.setInsertionPoint(writer);
    auto fresh = cast<memref::AllocOp>(b.clone(*alloc));
    writer.getInitMutable().set(fresh);
    buffers.push_back(fresh);
  }
  for (auto [use, seg] : reads)
    use->set(buffers[seg]);
  if (buffer.use_empty())
    alloc.erase();
}

struct FoldKernelTransposesPass
    : PassWrapper<FoldKernelTransposesPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FoldKernelTransposesPass)
  StringRef getName() const final { return "FoldKernelTransposesPass"; }
  StringRef getArgument() const final {
    return "tessera-fold-kernel-transposes";
  }
  StringRef getDescription() const final {
    return "Read and write the operands of stride-agnostic runtime kernels "
           "through transposed views instead of transposed copies";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<memref::MemRefDialect>();
  }
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp op) { allocs.push_back(op); });
    for (memref::AllocOp alloc : allocs)
      privatizeTransposeTargets(alloc);
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk(
        [&](linalg::TransposeOp op) { transposes.push_back(op); });
    for (linalg::TransposeOp op : transposes) {
      if (!op.hasPureBufferSemantics())
        continue;
      if (!foldInput(op))
        foldOutput(op);
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createFoldKernelTransposesPass() {
  return std::make_unique<FoldKernelTransposesPass>();
}
