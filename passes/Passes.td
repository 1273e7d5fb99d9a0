// Pass declarations for Tessera. Each pass is usable alone from tessera-opt.
#ifndef TESSERA_PASSES_TD
#define TESSERA_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTesseraToLinalg : Pass<"convert-tessera-to-linalg", "func::FuncOp"> {
  let summary = "Lower every tessera op to linalg/tensor/arith/math on tensors";
  let description = [{
    Rewrites each tessera op with the dialect-conversion framework into ops on
    tensors: elementwise ops (numpy broadcasting included) become one
    `linalg.generic` each, `tessera.matmul` becomes `linalg.matmul` or
    `linalg.batch_matmul`, reductions, softmax, layer norm, convolution,
    einsum and cumulative sums become `linalg.generic` reductions, and data
    movement becomes `tensor` ops (`expand_shape`/`collapse_shape`,
    `extract_slice`, `insert_slice`, `pad`) or `linalg.transpose`. Pooling,
    gathers and resize become `linalg.generic`s with index math; scatters
    become `scf.for` nests that `tensor.insert` into a copy of the input.
    `tessera.constant` becomes `arith.constant` with the same attribute
    (dense resources stay resources). The pass fails if any tessera op is
    left.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // TESSERA_PASSES_TD
