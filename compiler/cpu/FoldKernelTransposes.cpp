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
                             "tessera_max_pool2d_f32"},
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

/// %a = alloc; linalg.transpose ins(%x) outs(%a); kernel(ins %a): the
/// kernel reads a transposed view of %x instead, when %a has no other use
/// and nothing writes %x in between.
bool foldInput(linalg::TransposeOp transpose) {
  Value dst = transpose.getInit(), src = transpose.getInput();
  auto alloc = dst.getDefiningOp<memref::AllocOp>();
  if (!alloc || !isa<MemRefType>(src.getType()))
    return false;
  SmallVector<tessera::CallKernelOp> calls;
  for (OpOperand &use : dst.getUses()) {
    if (use.getOwner() == transpose)
      continue;
    auto call = dyn_cast<tessera::CallKernelOp>(use.getOwner());
    if (!call || !takesAnyStrides(call) || call.isDpsInit(&use) ||
        call->getBlock() != transpose->getBlock() ||
        !transpose->isBeforeInBlock(call) ||
        writtenBetween(transpose, call, src) ||
        llvm::any_of(call.getOutputs(),
                     [&](Value out) { return mayAlias(out, src); }))
      return false;
    calls.push_back(call);
  }
  if (calls.empty())
    return false;
  OpBuilder b(transpose);
  Value view =
      transposedView(b, transpose.getLoc(), src, transpose.getPermutation());
  dst.replaceAllUsesExcept(view, transpose);
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
/// uses %t between the kernel and the copy.
bool foldOutput(linalg::TransposeOp transpose) {
  Value src = transpose.getInput(), dst = transpose.getInit();
  Block *block = transpose->getBlock();
  auto dstAlloc = dst.getDefiningOp<memref::AllocOp>();
  if (!src.getDefiningOp<memref::AllocOp>() || !dstAlloc ||
      dstAlloc->getNumOperands() != 0 || dstAlloc->getBlock() != block)
    return false;
  // The last use of %o before the copy and the first one after it.
  Operation *before = nullptr, *after = nullptr;
  for (Operation *user : usersInBlock(src, block)) {
    if (user == transpose)
      continue;
    if (user->isBeforeInBlock(transpose)) {
      if (!before || before->isBeforeInBlock(user))
        before = user;
    } else if (!after || user->isBeforeInBlock(after)) {
      after = user;
    }
  }
  auto call = dyn_cast_or_null<tessera::CallKernelOp>(before);
  if (!call || !takesAnyStrides(call) || !overwrites(call, src) ||
      (after && !overwrites(after, src)))
    return false;
  for (Operation *user : usersInBlock(dst, block))
    if (user != transpose && user != dstAlloc &&
        (user == call.getOperation() ||
         (call->isBeforeInBlock(user) && user->isBeforeInBlock(transpose))))
      return false;
  if (call->isBeforeInBlock(dstAlloc))
    dstAlloc->moveBefore(call);
  OpBuilder b(call);
  Value view = transposedView(b, transpose.getLoc(), dst,
                              inverse(transpose.getPermutation()));
  for (OpOperand &out : call.getOutputsMutable())
    if (out.get() == src)
      out.set(view);
  transpose.erase();
  if (src.use_empty())
    src.getDefiningOp()->erase();
  return true;
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
