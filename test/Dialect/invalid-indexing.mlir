// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the gather/scatter ops.

func.func @ge_axis(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = tessera.gather_elements %x, %i {axis = 2 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @ge_rank(%x: tensor<3x4xf32>, %i: tensor<6xi64>) -> tensor<6xf32> {
  // expected-error @+1 {{indices must have the input's rank 2, found 1}}
  %0 = tessera.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<6xi64>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @ge_dim(%x: tensor<3x4xf32>, %i: tensor<3x5xi64>) -> tensor<3x5xf32> {
  // expected-error @+1 {{indices dimension 1 is 5, larger than the input's 4}}
  %0 = tessera.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3x5xi64>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

func.func @ge_result(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<2x3xf32> {
  // expected-error @+1 {{result shape must equal the indices shape}}
  %0 = tessera.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @gnd_tuple(%x: tensor<2x3xf32>, %i: tensor<5x3xi64>) -> tensor<5xf32> {
  // expected-error @+1 {{index tuples of length 3 after 0 batch dims do not fit input rank 2}}
  %0 = tessera.gather_nd %x, %i : (tensor<2x3xf32>, tensor<5x3xi64>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @gnd_batch(%x: tensor<2x3x4xf32>, %i: tensor<3x1xi64>) -> tensor<3x4xf32> {
  // expected-error @+1 {{batch dimension 0 differs between input and indices}}
  %0 = tessera.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x1xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @gnd_result(%x: tensor<2x3x4xf32>, %i: tensor<5x2xi64>) -> tensor<5x3xf32> {
  // expected-error @+1 {{result type must be 'tensor<5x4xf32>', found 'tensor<5x3xf32>'}}
  %0 = tessera.gather_nd %x, %i : (tensor<2x3x4xf32>, tensor<5x2xi64>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @se_updates(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<3x2xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{updates shape must equal the indices shape}}
  %0 = tessera.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<3x2xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @se_reduction(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{reduction must be none, add, mul, max or min, found 'sub'}}
  %0 = tessera.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = "sub"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @se_bool(%x: tensor<3xi1>, %i: tensor<2xi64>, %u: tensor<2xi1>) -> tensor<3xi1> {
  // expected-error @+1 {{reduction 'add' needs a non-bool type}}
  %0 = tessera.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = "add"} : (tensor<3xi1>, tensor<2xi64>, tensor<2xi1>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

func.func @snd_updates(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{updates type must be 'tensor<2x4xf32>', found 'tensor<2xf32>'}}
  %0 = tessera.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @snd_result(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf16> {
  // expected-error @+1 {{all of {input, result} have same type}}
  %0 = tessera.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf16>
  return %0 : tensor<4x4xf16>
}
