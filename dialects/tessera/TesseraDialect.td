// The tessera dialect: graph-level tensor ops for transformer and SSM inference.
#ifndef TESSERA_DIALECT_TD
#define TESSERA_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Tessera_Dialect : Dialect {
  let name = "tessera";
  let cppNamespace = "::mlir::tessera";
  let summary = "Graph-level tensor ops for transformer and SSM inference";
  let description = [{
    Ops on ranked, statically shaped tensors. The ONNX importer emits the primitive
    ops; graph-level passes rewrite them into fused ops (attention, norms, selective
    scan); lowering turns everything into linalg/tensor/arith/math.
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::func::FuncDialect"];
  let extraClassDeclaration = [{
    /// Counts of what graph-level passes did ("pass/what" -> n), for
    /// --report (pass statistics are compiled out of release builds).
    void addCount(::llvm::StringRef pass, ::llvm::StringRef what, int64_t n);
    /// The counts so far, in the order first recorded; clears them.
    std::vector<std::pair<std::string, int64_t>> takeCounts();

  private:
    std::vector<std::pair<std::string, int64_t>> counts;
    std::mutex countsMutex;

  public:
  }];
}

// Element types Tessera computes in.
def Tessera_ElementType : AnyTypeOf<[F32, F16, BF16, F64, I1, I8, I16, I32, I64]>;
def Tessera_Tensor : StaticShapeTensorOf<[F32, F16, BF16, F64, I1, I8, I16, I32, I64]>;
def Tessera_FloatTensor : StaticShapeTensorOf<[F32, F16, BF16, F64]>;
def Tessera_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Tessera_BoolTensor : StaticShapeTensorOf<[I1]>;

class Tessera_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tessera_Dialect, mnemonic, traits>;

#endif // TESSERA_DIALECT_TD
