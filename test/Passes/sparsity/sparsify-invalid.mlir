// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=block:2x2" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=unstructured:1.0" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=4:2" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=block:0x16:0.5" -verify-diagnostics
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=dense" -verify-diagnostics
// RUN: not tessera-opt %s -tessera-sparsify="kernels=avx1" 2>&1 | FileCheck %s --check-prefix=KERNELS
// Sparsities tessera-sparsify does not have are errors: a block shape
// without its fraction, a fraction of 1 (nothing left), N >= M, an empty
// block, an unknown name; and kernels other than avx512 and avx2.
// KERNELS: error: tessera-sparsify: kernels must be avx512 or avx2, found 'avx1'

// expected-error @+1 {{tessera-sparsify: unsupported sparsity}}
module {
  func.func @f(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    return %x : tensor<3x4xf32>
  }
}
