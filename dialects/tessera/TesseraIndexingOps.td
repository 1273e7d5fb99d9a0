// Indexing ops: element-wise and N-d gathers and scatters (ONNX GatherElements,
// GatherND, ScatterElements, ScatterND).
#ifndef TESSERA_INDEXING_OPS_TD
#define TESSERA_INDEXING_OPS_TD

def Tessera_GatherElementsOp : Tessera_Op<"gather_elements",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Gather single elements along an axis (ONNX GatherElements)";
  let description = [{
    `result` has the shape of `indices`; `result[i] = input[i with i[axis]
    replaced by indices[i]]`. Negative indices count from the end of `axis`.
    Every dimension but `axis` of `indices` must not exceed the input's.

    ```mlir
    %y = tessera.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Tessera_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_GatherNDOp : Tessera_Op<"gather_nd",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Gather slices addressed by index tuples (ONNX GatherND)";
  let description = [{
    The last dimension of `indices` (size `q`) holds tuples indexing input
    dims `batch_dims..batch_dims+q-1`; the first `batch_dims` dims of input
    and indices are shared. Result shape:
    `indices.shape[:-1] + input.shape[batch_dims + q:]`.

    ```mlir
    %y = tessera.gather_nd %x, %i {batch_dims = 0 : i64} : (tensor<2x3x4xf32>, tensor<5x2xi64>) -> tensor<5x4xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Tessera_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

class Tessera_ScatterOp<string mnemonic, string onnxName, string semantics,
                        dag extra, string example>
    : Tessera_Op<mnemonic, [Pure, AllTypesMatch<["input", "result"]>,
                            AllElementTypesMatch<["input", "updates"]>]> {
  let summary = "Scatter updates into a copy of the input (ONNX " # onnxName # ")";
  let description = semantics # " `reduction` is `none` (overwrite), `add`, "
      # "`mul`, `max` or `min` (combine with the existing value). Negative "
      # "indices count from the end.\n\n```mlir\n" # example # "\n```";
  let arguments = !con((ins Tessera_Tensor:$input, Tessera_IndexTensor:$indices,
                            Tessera_Tensor:$updates),
                       extra,
                       (ins DefaultValuedStrAttr<StrAttr, "none">:$reduction));
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Tessera_ScatterElementsOp : Tessera_ScatterOp<"scatter_elements",
    "ScatterElements",
    "`indices` and `updates` share a shape; update `u[i]` goes to the input "
    # "position `i` with `i[axis]` replaced by `indices[i]`.",
    (ins I64Attr:$axis),
    "%y = tessera.scatter_elements %x, %i, %u {axis = 0 : i64} : "
    # "(tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>">;

def Tessera_ScatterNDOp : Tessera_ScatterOp<"scatter_nd", "ScatterND",
    "The last dimension of `indices` (size `q`) holds tuples addressing "
    # "slices `input[t]`; `updates` has shape `indices.shape[:-1] + "
    # "input.shape[q:]`.",
    (ins),
    "%y = tessera.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, "
    # "tensor<2x4xf32>) -> tensor<4x4xf32>">;

#endif // TESSERA_INDEXING_OPS_TD
