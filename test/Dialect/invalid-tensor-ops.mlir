// RUN: tessera-opt %s -split-input-file -verify-diagnostics
// Verifier errors of the data-movement ops.

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{cannot reshape 6 elements into 7}}
  %0 = tessera.reshape %x : tensor<2x3xf32> to tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @perm_size(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm has 3 entries for an operand of rank 2}}
  %0 = tessera.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3xf32> to tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @perm_repeats(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm is not a permutation of 0..1}}
  %0 = tessera.transpose %x {perm = array<i64: 1, 1>} : tensor<2x3xf32> to tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{result dimension 0 must be 3 (operand dimension 1)}}
  %0 = tessera.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @broadcast_to_smaller(%x: tensor<3x4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operand type 'tensor<3x4xf32>' does not broadcast to 'tensor<4xf32>'}}
  %0 = tessera.broadcast_to %x : tensor<3x4xf32> to tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @broadcast_to_mismatch(%x: tensor<2x4xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{operand type 'tensor<2x4xf32>' does not broadcast to 'tensor<3x4xf32>'}}
  %0 = tessera.broadcast_to %x : tensor<2x4xf32> to tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

func.func @concat_empty() -> tensor<0xf32> {
  // expected-error @+1 {{needs at least one operand}}
  %0 = tessera.concat {axis = 0 : i64} : () -> tensor<0xf32>
  return %0 : tensor<0xf32>
}

// -----

func.func @concat_axis(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = tessera.concat %x, %x {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_element_type(%x: tensor<2x3xf32>, %y: tensor<2x3xi64>) -> tensor<2x6xf32> {
  // expected-error @+1 {{operand 1 has type 'tensor<2x3xi64>', incompatible with result 'tensor<2x6xf32>'}}
  %0 = tessera.concat %x, %y {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_other_dim(%x: tensor<2x3xf32>, %y: tensor<4x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{operand 1 dimension 0 is 4, expected 2}}
  %0 = tessera.concat %x, %y {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_sum(%x: tensor<2x3xf32>) -> tensor<2x7xf32> {
  // expected-error @+1 {{result dimension 1 is 7 but the operands sum to 6}}
  %0 = tessera.concat %x, %x {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
  return %0 : tensor<2x7xf32>
}

// -----

func.func @slice_rank(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{starts, steps and result must all have rank 2}}
  %0 = tessera.slice %x {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<4x8xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{step of dimension 1 is zero}}
  %0 = tessera.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : tensor<4x8xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_out_of_range(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{dimension 1 reads indices 4..8, outside [0, 8)}}
  %0 = tessera.slice %x {starts = array<i64: 0, 4>, steps = array<i64: 1, 2>} : tensor<4x8xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_backwards_out_of_range(%x: tensor<4x8xf32>) -> tensor<3x8xf32> {
  // expected-error @+1 {{dimension 0 reads indices 1..-1, outside [0, 4)}}
  %0 = tessera.slice %x {starts = array<i64: 1, 0>, steps = array<i64: -1, 1>} : tensor<4x8xf32> to tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

func.func @gather_axis(%x: tensor<4x8xf32>, %i: tensor<2xi64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = tessera.gather %x, %i {axis = 2 : i64} : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @gather_shape(%x: tensor<4x8xf32>, %i: tensor<2xi64>) -> tensor<2x4xf32> {
  // expected-error @+1 {{result shape must be 'tensor<4x2xf32>', found 'tensor<2x4xf32>'}}
  %0 = tessera.gather %x, %i {axis = 1 : i64} : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @gather_float_indices(%x: tensor<4x8xf32>, %i: tensor<2xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = tessera.gather %x, %i {axis = 0 : i64} : (tensor<4x8xf32>, tensor<2xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @pad_count(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{pads must have 4 entries}}
  %0 = tessera.pad %x {pads = array<i64: 1, 1>} : tensor<2x3xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @pad_mode(%x: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{mode must be constant, reflect or edge, found 'wrap'}}
  %0 = tessera.pad %x {mode = "wrap", pads = array<i64: 0, 1, 0, 1>} : tensor<2x3xf32> to tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @pad_result(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{result dimension 1 must be 5, found 6}}
  %0 = tessera.pad %x {pads = array<i64: 0, 1, 0, 1>} : tensor<2x3xf32> to tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @pad_reflect_too_far(%x: tensor<2x3xf32>) -> tensor<2x9xf32> {
  // expected-error @+1 {{reflect pad of dimension 1 must be smaller than its size 3}}
  %0 = tessera.pad %x {mode = "reflect", pads = array<i64: 0, 3, 0, 3>} : tensor<2x3xf32> to tensor<2x9xf32>
  return %0 : tensor<2x9xf32>
}
