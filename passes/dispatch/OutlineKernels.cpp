// Dispatch formation on buffers: each computation at the top level of a
// function (a linalg op, or an op with regions such as an scf.for over time)
// becomes a call of its own private kernel function, and kernels with
// identical bodies are created once. See Passes.td (tessera-outline-kernels).
#include "passes/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

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
