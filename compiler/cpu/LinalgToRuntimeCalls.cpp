// Hands f32 GEMMs on memrefs to the runtime's micro-kernels: naive loops run a
// matmul at <1 GFLOP/s, the runtime's kernels at >100.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "tessera/IR/TesseraOps.h"

#include <cstring>

using namespace mlir;

namespace {

/// memref<?x...xf32, strided<[?, ...], offset: ?>>: the one type the kernels
/// take, so any strided view (subview, transpose) can be passed.
MemRefType getFullyDynamicType(MemRefType type) {
  unsigned rank = type.getRank();
  SmallVector<int64_t> dyn(rank, ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic, dyn);
  return MemRefType::get(dyn, type.getElementType(), layout);
}

/// Declares `name(A, B, C)` privately with the C interface, once per module.
func::FuncOp getOrDeclareKernel(ModuleOp module, StringRef name,
                                MemRefType type) {
  if (auto fn = module.lookupSymbol<func::FuncOp>(name))
    return fn;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto fnType = b.getFunctionType({type, type, type}, {});
  auto fn = func::FuncOp::create(b, module.getLoc(), name, fnType);
  fn.setPrivate();
  fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
  return fn;
}

/// The permutation that turns `map`'s results into `expected` dims (identity
/// or a transpose), or nothing when `map` is no permutation of them.
std::optional<SmallVector<int64_t>>
matchOperandMap(AffineMap map, ArrayRef<unsigned> expected) {
  if (map.getNumResults() != expected.size())
    return std::nullopt;
  SmallVector<int64_t> perm;
  for (unsigned dim : expected) {
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(dim, map.getContext()));
    if (!pos)
      return std::nullopt;
    perm.push_back(*pos);
  }
  return perm;
}

/// Whether `v` is a view of a constant memref.global (a weight).
bool isConstantGlobal(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
          get, get.getNameAttr());
      return global && global.getConstant();
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    v = view.getViewSource();
  }
  return false;
}

/// Rewrites an f32 contraction whose operands are strided memrefs of `rank`
/// and whose maps are the default ones up to a transpose of A or B: the
/// kernels take any strides, so a transpose is just a strided view.
struct ContractionToCall : OpInterfaceRewritePattern<linalg::LinalgOp> {
  ContractionToCall(MLIRContext *ctx, StringRef prefix, bool packedConstants)
      : OpInterfaceRewritePattern<linalg::LinalgOp>(ctx), prefix(prefix),
        packedConstants(packedConstants) {}
  std::string prefix;
  bool packedConstants;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    // Loop dims: (m, n, k) for matmul, (b, m, n, k) for batch_matmul.
    StringRef kernel;
    SmallVector<SmallVector<unsigned>, 3> expected;
    if (isa<linalg::MatmulOp>(op)) {
      kernel = "matmul_f32";
      expected = {{0, 2}, {2, 1}, {0, 1}};
    } else if (isa<linalg::BatchMatmulOp>(op)) {
      kernel = "batch_matmul_f32";
      expected = {{0, 1, 3}, {0, 3, 2}, {0, 1, 2}};
    } else {
      return failure();
    }
    if (!op.hasPureBufferSemantics() || op->getNumOperands() != 3)
      return rewriter.notifyMatchFailure(op, "not a contraction on buffers");
    // Element-type casts (mixed precision) are not the kernels' business.
    Block &body = op->getRegion(0).front();
    if (!llvm::all_of(body.getArgumentTypes(),
                      [](Type t) { return t.isF32(); }))
      return rewriter.notifyMatchFailure(op, "not an f32 contraction");
    SmallVector<Value, 3> args;
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    MemRefType argType;
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      auto type = dyn_cast<MemRefType>(operand.getType());
      if (!type || !type.getElementType().isF32() || !type.isStrided())
        return rewriter.notifyMatchFailure(op,
                                           "operand is no strided f32 memref");
      std::optional<SmallVector<int64_t>> perm =
          matchOperandMap(maps[i], expected[i]);
      bool identity =
          perm && llvm::equal(*perm, llvm::seq<int64_t>(0, perm->size()));
      // The output is written in place: it cannot be a transposed view.
      if (!perm || (i == 2 && !identity))
        return rewriter.notifyMatchFailure(op,
                                           "indexing map is not a transpose");
      Value view = operand;
      if (!identity)
        view = memref::TransposeOp::create(
            rewriter, op.getLoc(), operand,
            AffineMapAttr::get(AffineMap::getPermutationMap(
                llvm::to_vector_of<unsigned>(*perm), op.getContext())));
      argType = getFullyDynamicType(cast<MemRefType>(view.getType()));
      args.push_back(
          memref::CastOp::create(rewriter, op.getLoc(), argType, view));
    }
    // Constant weights are packed once by the runtime and reused.
    std::string name = prefix + kernel.str();
    if (packedConstants && isa<linalg::MatmulOp>(op)) {
      bool constA = isConstantGlobal(op->getOperand(0)),
           constB = isConstantGlobal(op->getOperand(1));
      if (constA || constB)
        name += constA && constB ? "_constab" : constA ? "_consta" : "_constb";
    }
    func::FuncOp fn =
        getOrDeclareKernel(op->getParentOfType<ModuleOp>(), name, argType);
    rewriter.replaceOpWithNewOp<func::CallOp>(op, fn, args);
    return success();
  }
};

/// tessera.call_kernel on buffers -> func.call of the C-interface kernel:
/// buffers as fully dynamic strided memrefs, then the scalars by value.
struct CallKernelToCall : OpRewritePattern<tessera::CallKernelOp> {
  /// `prefix` replaces the kernels' "tessera_" (the CUDA target's
  /// tessera_cuda_linear_f32 for tessera_linear_f32).
  CallKernelToCall(MLIRContext *ctx, StringRef prefix)
      : OpRewritePattern(ctx), prefix(prefix.str()) {}
  std::string prefix;
  LogicalResult matchAndRewrite(tessera::CallKernelOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 0)
      return rewriter.notifyMatchFailure(op, "not bufferized yet");
    Location loc = op.getLoc();
    SmallVector<Value> args;
    for (Value v : op->getOperands()) {
      auto type = dyn_cast<MemRefType>(v.getType());
      if (!type || !type.isStrided())
        return rewriter.notifyMatchFailure(op, "operand is no strided memref");
      args.push_back(
          memref::CastOp::create(rewriter, loc, getFullyDynamicType(type), v));
    }
    for (Attribute a : op.getScalars())
      args.push_back(arith::ConstantOp::create(rewriter, loc,
                                               cast<TypedAttr>(a)));
    if (op.getConstantMask()) {
      int64_t mask = 0;
      for (auto [i, v] : llvm::enumerate(op->getOperands()))
        if (isConstantGlobal(v))
          mask |= int64_t(1) << i;
      args.push_back(arith::ConstantOp::create(
          rewriter, loc, rewriter.getI64IntegerAttr(mask)));
    }
    auto module = op->getParentOfType<ModuleOp>();
    std::string name = op.getKernel().str();
    if (StringRef(name).starts_with("tessera_"))
      name = prefix + name.substr(strlen("tessera_"));
    auto fn = module.lookupSymbol<func::FuncOp>(name);
    if (!fn) {
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      fn = func::FuncOp::create(
          b, module.getLoc(), name,
          b.getFunctionType(ValueRange(args).getTypes(), {}));
      fn.setPrivate();
      fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  b.getUnitAttr());
    }
    rewriter.replaceOpWithNewOp<func::CallOp>(op, fn, args);
    return success();
  }
};

struct LinalgToRuntimeCallsPass
    : PassWrapper<LinalgToRuntimeCallsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LinalgToRuntimeCallsPass)
  LinalgToRuntimeCallsPass() = default;
  LinalgToRuntimeCallsPass(const LinalgToRuntimeCallsPass &other)
      : PassWrapper(other) {}
  LinalgToRuntimeCallsPass(StringRef prefix, bool packedConstants,
                           bool contractionsOnly) {
    this->prefix = prefix.str();
    this->packedConstants = packedConstants;
    this->contractionsOnly = contractionsOnly;
  }
  Option<std::string> prefix{
      *this, "prefix",
      llvm::cl::desc("GEMM entry points: PREFIXmatmul_f32, "
                     "PREFIXbatch_matmul_f32"),
      llvm::cl::init("tessera_")};
  Option<bool> packedConstants{
      *this, "packed-constants",
      llvm::cl::desc("name GEMMs of constant operands _consta/_constb/_constab "
                     "(the CPU runtime packs those once)"),
      llvm::cl::init(true)};
  Option<bool> contractionsOnly{
      *this, "contractions-only",
      llvm::cl::desc("leave tessera.call_kernel alone (else the kernels' "
                     "tessera_ prefix becomes `prefix`)"),
      llvm::cl::init(false)};
  StringRef getName() const final { return "LinalgToRuntimeCallsPass"; }
  StringRef getArgument() const final {
    return "tessera-linalg-to-runtime-calls";
  }
  StringRef getDescription() const final {
    return "Replace f32 linalg.matmul/batch_matmul on memrefs by runtime GEMM "
           "calls";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    memref::MemRefDialect, LLVM::LLVMDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ContractionToCall>(&getContext(), prefix, packedConstants);
    if (!contractionsOnly)
      patterns.add<CallKernelToCall>(&getContext(), prefix);
    // The walk never creates new matches; one sweep without folding is all
    // that is needed and keeps the IR otherwise untouched.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

struct EmitCInterfacePass
    : PassWrapper<EmitCInterfacePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterfacePass)
  StringRef getName() const final { return "EmitCInterfacePass"; }
  StringRef getArgument() const final { return "tessera-emit-c-interface"; }
  StringRef getDescription() const final {
    return "Give public functions the C interface; drop tessera.* arg "
           "attributes";
  }
  void runOnOperation() override {
    auto unit = UnitAttr::get(&getContext());
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn.isPublic() || fn.isExternal())
        continue;
      fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), unit);
      // Argument names (tessera.name) live in the C stub; LLVM has no use
      // for them and warns about attributes it does not know.
      auto isTessera = [](NamedAttribute attr) {
        return attr.getName().strref().starts_with("tessera.");
      };
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
        if (DictionaryAttr attrs = fn.getArgAttrDict(i))
          for (NamedAttribute attr : llvm::make_filter_range(attrs, isTessera))
            fn.removeArgAttr(i, attr.getName());
      for (unsigned i = 0, e = fn.getNumResults(); i < e; ++i)
        if (DictionaryAttr attrs = fn.getResultAttrDict(i))
          for (NamedAttribute attr : llvm::make_filter_range(attrs, isTessera))
            fn.removeResultAttr(i, attr.getName());
    }
  }
};

} // namespace

std::unique_ptr<Pass> mlir::tessera::createLinalgToRuntimeCallsPass() {
  return std::make_unique<LinalgToRuntimeCallsPass>();
}

std::unique_ptr<Pass> mlir::tessera::createLinalgToRuntimeCallsPass(
    StringRef prefix, bool packedConstants, bool contractionsOnly) {
  return std::make_unique<LinalgToRuntimeCallsPass>(prefix, packedConstants,
                                                    contractionsOnly);
}

std::unique_ptr<Pass> mlir::tessera::createEmitCInterfacePass() {
  return std::make_unique<EmitCInterfacePass>();
}
