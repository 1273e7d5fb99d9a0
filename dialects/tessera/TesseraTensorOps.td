// Data-movement ops: reshape, transpose, broadcast, concat, slice, gather, pad.
#ifndef TESSERA_TENSOR_OPS_TD
#define TESSERA_TENSOR_OPS_TD

def Tessera_ReshapeOp : Tessera_Op<"reshape", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Reinterpret a tensor with a new static shape";
  let description = [{
    Row-major reshape; the element count must not change.

    ```mlir
    %y = tessera.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tessera_TransposeOp : Tessera_Op<"transpose", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Permute dimensions";
  let description = [{
    `result.shape[i] = input.shape[perm[i]]`.

    ```mlir
    %y = tessera.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> to tensor<2x4x3xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tessera_BroadcastToOp : Tessera_Op<"broadcast_to", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Broadcast a tensor to a larger shape (ONNX Expand)";
  let description = [{
    Numpy broadcasting of the operand to exactly the result shape.

    ```mlir
    %y = tessera.broadcast_to %x : tensor<1x4xf32> to tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_ConcatOp : Tessera_Op<"concat", [Pure]> {
  let summary = "Concatenate tensors along one axis";
  let description = [{
    All operands share the element type and every dimension but `axis`.

    ```mlir
    %y = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Tessera_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
}

def Tessera_SliceOp : Tessera_Op<"slice", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Strided slice with static starts and steps";
  let description = [{
    Along each dimension `d`, element `i` of the result is element
    `starts[d] + i * steps[d]` of the input; the result shape gives the count.
    Steps may be negative (reverse order). Every index read must be in range.

    ```mlir
    %y = tessera.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : tensor<4x8xf32> to tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessera_GatherOp : Tessera_Op<"gather", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Gather slices along an axis (ONNX Gather)";
  let description = [{
    `result.shape = input.shape[:axis] + indices.shape + input.shape[axis+1:]`.
    Negative indices count from the end of `axis`.

    ```mlir
    %e = tessera.gather %table, %ids {axis = 0 : i64} : (tensor<100x16xf32>, tensor<2x7xi64>) -> tensor<2x7x16xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, Tessera_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tessera_PadOp : Tessera_Op<"pad", [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Pad with a constant, by reflection or by edge replication";
  let description = [{
    `pads` holds the begin amounts of every dimension followed by the end
    amounts (the ONNX layout); negative amounts crop. `mode` is `constant`,
    `reflect` or `edge`; `value` is the constant for `constant` mode.

    ```mlir
    %y = tessera.pad %x {mode = "constant", pads = array<i64: 0, 1, 0, 1>, value = 0.0} : tensor<2x3xf32> to tensor<2x5xf32>
    ```
  }];
  let arguments = (ins Tessera_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Tessera_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

#endif // TESSERA_TENSOR_OPS_TD
