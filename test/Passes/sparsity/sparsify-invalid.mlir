// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=block:2x2" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=unstructured:1.0" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=4:2" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=block:0x16:0.5" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=dense" -verify-diagnostics
// Sparsities tessera-sparsify does not have are errors: a block shape
// without its fraction, a fraction of 1 (nothing left), N >= M, an empty
// block, an unknown name.

// expected-error @+1 {{tessera-sparsify: unsupported sparsity}}
module {
  func.func @f(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    return %x : tensor<3x4xf32>
  }
}
