// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file -verify-diagnostics

// A repeated output letter has no linalg form: the conversion must fail
// loudly rather than drop the op.
func.func @einsum_repeated_output(%v: tensor<3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{failed to legalize operation 'tessera.einsum'}}
  %0 = tessera.einsum %v {equation = "i->ii"} : (tensor<3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}
