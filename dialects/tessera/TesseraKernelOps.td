// Kernel-level ops: calls into the runtime's hand-written kernels, in
// destination style so they bufferize like linalg ops.
#ifndef TESSERA_KERNEL_OPS_TD
#define TESSERA_KERNEL_OPS_TD

include "mlir/Interfaces/DestinationStyleOpInterface.td"

def Tessera_CallKernelOp : Tessera_Op<"call_kernel", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Call a runtime kernel on tensors or buffers";
  let description = [{
    Calls the runtime function `_mlir_ciface_<kernel>` with every input and
    output buffer (as strided memref descriptors) followed by the `scalars`
    (f32/f64/i64 attributes) by value. The kernel reads the inputs and
    overwrites the outputs entirely. On tensors, each output's init operand
    is tied to a result (destination style); after bufferization the op has
    no results and `tessera-linalg-to-runtime-calls` turns it into a call.
    With `constant_mask`, one more i64 follows the scalars: bit i is set when
    buffer operand i is a view of a constant global (a weight the kernel may
    pack once and cache).

    ```mlir
    %o = tessera.call_kernel "tessera_attention_f32" ins(%q, %k, %v : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%init : tensor<1x2x4x8xf32>) {scalars = [0.35 : f32, 0 : i64]} -> tensor<1x2x4x8xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<AnyShaped>:$inputs,
                       Variadic<AnyShaped>:$outputs,
                       DefaultValuedAttr<ArrayAttr, "{}">:$scalars,
                       UnitAttr:$constant_mask);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)` attr-dict (`->` type($results)^)?
  }];
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
  }];
  let hasVerifier = 1;
}

#endif // TESSERA_KERNEL_OPS_TD
