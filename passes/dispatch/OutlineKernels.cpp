// Dispatch formation on buffers: each computation at the top level of a
// function (a linalg op, or an op with regions such as an scf.for over time)
// becomes a call of its own private kernel function, and kernels with
// identical bodies are created once. See Passes.td (tessera-outline-kernels).
#include "passes/Passes.h"
#include "passes/dispatch/KernelWork.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <map>

namespace mlir::tessera {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "passes/Passes.h.inc"
} // namespace mlir::tessera

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kernelAttr = "tessera.kernel";

bool isKernelRoot(Operation *op) {
  return isa<linalg::LinalgOp>(op) ||
         (op->getNumRegions() > 0 && !isa<func::FuncOp>(op));
}

/// Constants without operands are cloned into the kernel rather than passed:
/// loop bounds and scalars stay constants for LLVM.
bool isClonedIn(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
         def->hasTrait<OpTrait::ConstantLike>();
}

/// The kernel's body as text, without its name or locations: equal text is
/// an identical kernel.
std::string bodyKey(func::FuncOp kernel) {
  std::string key;
  llvm::raw_string_ostream os(key);
  OpPrintingFlags flags;
  flags.printGenericOpForm().useLocalScope();
  StringAttr name = kernel.getSymNameAttr();
  kernel.setSymName("k");
  kernel->print(os, flags);
  kernel.setSymNameAttr(name);
  return key;
}

/// `type` with its sizes, offset and strides dynamic, except a unit
/// innermost stride (which keeps the innermost loop vectorizable): kernels
/// that differ only in their operands' static shapes and layouts have the
/// same body with these types. Null where the type has no strided layout to
/// generalize.
MemRefType generalType(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!memref || memref.getRank() == 0 ||
      failed(memref.getStridesAndOffset(strides, offset)))
    return {};
  SmallVector<int64_t> general(strides.size(), ShapedType::kDynamic);
  if (strides.back() == 1)
    general.back() = 1;
  return MemRefType::get(
      SmallVector<int64_t>(memref.getRank(), ShapedType::kDynamic),
      memref.getElementType(),
      StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic, general),
      memref.getMemorySpace());
}

/// The least general type that both `a` and `b` (types that generalType
/// makes the same) are cast to: each size and stride, and the offset,
/// static where they agree. Identical layouts stay as they are.
MemRefType joinTypes(MemRefType a, MemRefType b) {
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  if (a.getLayout() == b.getLayout() && a.getShape() == b.getShape())
    return a;
  if (a.getLayout().isIdentity() && b.getLayout().isIdentity())
    return MemRefType::get(shape, a.getElementType(),
                           MemRefLayoutAttrInterface(), a.getMemorySpace());
  auto [sa, oa] = a.getStridesAndOffset();
  auto [sb, ob] = b.getStridesAndOffset();
  SmallVector<int64_t> strides;
  for (auto [x, y] : llvm::zip_equal(sa, sb))
    strides.push_back(x == y ? x : ShapedType::kDynamic);
  int64_t offset = oa == ob ? oa : ShapedType::kDynamic;
  return MemRefType::get(
      shape, a.getElementType(),
      StridedLayoutAttr::get(a.getContext(), offset, strides),
      a.getMemorySpace());
}

/// A kernel whose buffer arguments are only operands of linalg ops, which
/// take any layout: its arguments' layouts may be generalized.
bool layoutAgnostic(func::FuncOp kernel) {
  for (BlockArgument arg : kernel.getArguments()) {
    if (!isa<MemRefType>(arg.getType()))
      continue;
    for (OpOperand &use : arg.getUses())
      if (!isa<linalg::LinalgOp>(use.getOwner()) ||
          use.getOwner()->getParentOp() != kernel)
        return false;
  }
  return true;
}

/// Gives `kernel`'s arguments the types `types` (same shapes, other
/// layouts).
void setArgumentTypes(func::FuncOp kernel, TypeRange types) {
  for (auto [arg, type] : llvm::zip_equal(kernel.getArguments(), types))
    arg.setType(type);
  kernel.setFunctionType(FunctionType::get(
      kernel.getContext(), types, kernel.getFunctionType().getResults()));
}

struct OutlineKernelsPass
    : tessera::impl::OutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    llvm::StringMap<func::FuncOp> kernels;
    // Kernels from an earlier run are reused, not outlined again.
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kernelAttr))
        kernels.try_emplace(bodyKey(fn), fn);
    SmallVector<func::FuncOp> functions;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() && !fn->hasAttr(kernelAttr))
        functions.push_back(fn);
    for (func::FuncOp fn : functions)
      for (Block &block : fn.getBody())
        for (Operation &op : llvm::make_early_inc_range(block))
          if (isKernelRoot(&op))
            outline(&op, fn, symbols, kernels);
    mergeLayoutVariants(module);
  }

  /// Kernels that are the same but for the static shapes, offsets and
  /// strides of their buffers (each layer of a DenseNet block normalizes a
  /// wider prefix of its features, through a view of one buffer) become one
  /// kernel whose buffers have those sizes and layouts dynamic where they
  /// differ; its calls cast their buffers to them. A kernel with no such
  /// twin keeps its static types. The merged kernel records the least work
  /// of its members (`tessera.min_work`), which
  /// tessera-parallelize-kernels reads where its loop ranges are dynamic.
  void mergeLayoutVariants(ModuleOp module) {
    std::map<std::string, SmallVector<func::FuncOp>> groups;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn->hasAttr(kernelAttr) || !layoutAgnostic(fn))
        continue;
      SmallVector<Type> original(fn.getArgumentTypes()), general;
      for (Type type : original) {
        MemRefType free = generalType(type);
        general.push_back(free ? Type(free) : type);
      }
      setArgumentTypes(fn, general);
      std::string key = bodyKey(fn);
      setArgumentTypes(fn, original);
      groups[key].push_back(fn);
    }
    llvm::DenseMap<StringAttr, func::FuncOp> replacement;
    for (auto &[key, members] : groups) {
      if (members.size() < 2)
        continue;
      func::FuncOp kept = members.front();
      SmallVector<Type> joined(kept.getArgumentTypes());
      int64_t minWork = tessera::dispatch::staticWork(kept);
      for (func::FuncOp other : llvm::drop_begin(members)) {
        minWork = std::min(minWork, tessera::dispatch::staticWork(other));
        for (auto [type, otherType] :
             llvm::zip_equal(joined, other.getArgumentTypes()))
          if (type != otherType)
            type =
                joinTypes(cast<MemRefType>(type), cast<MemRefType>(otherType));
      }
      setArgumentTypes(kept, joined);
      if (tessera::dispatch::staticWork(kept) == 0 && minWork > 0)
        kept->setAttr(
            "tessera.min_work",
            IntegerAttr::get(IntegerType::get(kept.getContext(), 64), minWork));
      for (func::FuncOp member : members)
        replacement[member.getSymNameAttr()] = kept;
      numMerged += members.size() - 1;
    }
    if (replacement.empty())
      return;
    module.walk([&](func::CallOp call) {
      auto it = replacement.find(call.getCalleeAttr().getAttr());
      if (it == replacement.end())
        return;
      func::FuncOp kept = it->second;
      OpBuilder builder(call);
      for (auto [operand, type] :
           llvm::zip_equal(call->getOpOperands(), kept.getArgumentTypes()))
        if (operand.get().getType() != type)
          operand.set(memref::CastOp::create(builder, call.getLoc(), type,
                                             operand.get()));
      call.setCallee(kept.getSymName());
    });
    for (auto [name, kept] : replacement)
      if (name != kept.getSymNameAttr())
        SymbolTable::lookupSymbolIn(module, name)->erase();
  }

  void outline(Operation *op, func::FuncOp parent, SymbolTable &symbols,
               llvm::StringMap<func::FuncOp> &kernels) {
    llvm::SetVector<Value> used;
    used.insert(op->operand_begin(), op->operand_end());
    getUsedValuesDefinedAbove(op->getRegions(), used);
    SmallVector<Value> args, clonedIn;
    for (Value value : used)
      (isClonedIn(value) ? clonedIn : args).push_back(value);

    OpBuilder builder(op->getContext());
    auto type = builder.getFunctionType(ValueRange(args).getTypes(),
                                        op->getResultTypes());
    auto kernel = func::FuncOp::create(builder, op->getLoc(), "k", type);
    kernel.setPrivate();
    kernel->setAttr(kernelAttr, builder.getUnitAttr());
    Block *entry = kernel.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    IRMapping mapping;
    mapping.map(args, entry->getArguments());
    for (Value value : clonedIn)
      builder.clone(*value.getDefiningOp(), mapping);
    Operation *body = builder.clone(*op, mapping);
    func::ReturnOp::create(builder, op->getLoc(), body->getResults());

    ++numOutlined;
    auto [it, isNew] = kernels.try_emplace(bodyKey(kernel), kernel);
    func::FuncOp callee = it->second;
    if (isNew) {
      std::string name = (parent.getSymName() + "_" +
                          op->getName().stripDialect() + "_" +
                          Twine(kernels.size() - 1))
                             .str();
      std::replace(name.begin(), name.end(), '.', '_');
      kernel.setSymName(name);
      symbols.insert(kernel, Block::iterator(parent));
      ++numKernels;
    } else {
      kernel.erase();
    }
    builder.setInsertionPoint(op);
    auto call = func::CallOp::create(builder, op->getLoc(), callee, args);
    op->replaceAllUsesWith(call.getResults());
    op->erase();
  }
};

} // namespace
