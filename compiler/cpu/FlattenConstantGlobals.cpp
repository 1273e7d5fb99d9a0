// Constant memref.globals of rank > 1 become 1-D, read back through a
// memref.expand_shape. LLVM translates an N-d global into nested arrays
// (one uniqued constant per innermost row: millions for a conv weight),
// while a 1-D one is a single ConstantDataArray; this keeps weight-heavy
// models from spending most of their compile time in translation.
#include "compiler/cpu/CpuPasses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace {

/// `init` re-typed as a 1-D tensor, or null when it cannot be.
ElementsAttr flatten(Attribute init, RankedTensorType flatType) {
  if (auto dense = dyn_cast<DenseElementsAttr>(init))
    return dense.reshape(flatType);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(init))
    return DenseResourceElementsAttr::get(flatType, resource.getRawHandle());
  return nullptr;
}

struct FlattenConstantGlobalsPass
    : PassWrapper<FlattenConstantGlobalsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FlattenConstantGlobalsPass)

  StringRef getArgument() const override {
    return "tessera-flatten-constant-globals";
  }
  StringRef getDescription() const override {
    return "Make constant memref.globals 1-D (fast translation to LLVM)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<memref::MemRefDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<MemRefType> original;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      auto init = global.getInitialValue();
      if (!global.getConstant() || !init || type.getRank() < 2 ||
          !type.hasStaticShape() || !type.getLayout().isIdentity())
        continue;
      auto flatTensor =
          RankedTensorType::get({type.getNumElements()}, type.getElementType());
      ElementsAttr flat = flatten(*init, flatTensor);
      if (!flat)
        continue;
      original[global.getSymName()] = type;
      global.setType(MemRefType::get({type.getNumElements()},
                                     type.getElementType(), AffineMap(),
                                     type.getMemorySpace()));
      global.setInitialValueAttr(flat);
    }
    if (original.empty())
      return;
    module.walk([&](memref::GetGlobalOp get) {
      auto it = original.find(get.getName());
      if (it == original.end())
        return;
      MemRefType type = it->second;
      OpBuilder b(get);
      auto flat = memref::GetGlobalOp::create(
          b, get.getLoc(),
          MemRefType::get({type.getNumElements()}, type.getElementType(),
                          AffineMap(), type.getMemorySpace()),
          get.getName());
      ReassociationIndices all;
      for (int64_t d = 0; d < type.getRank(); ++d)
        all.push_back(d);
      Value shaped = memref::ExpandShapeOp::create(b, get.getLoc(), type, flat,
                                                   ArrayRef{all});
      get.replaceAllUsesWith(shaped);
      get.erase();
    });
  }
};
} // namespace

std::unique_ptr<Pass> mlir::tessera::createFlattenConstantGlobalsPass() {
  return std::make_unique<FlattenConstantGlobalsPass>();
}
