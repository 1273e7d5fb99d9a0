// RUN: tessera-opt %s -split-input-file -canonicalize | FileCheck %s
// Folders and canonicalization patterns of the tessera ops.

// CHECK-LABEL: func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @add_zero(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %z = tessera.constant dense<0.0> : tensor<3xf32>
  %0 = tessera.add %x, %z : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Adding zero that broadcasts the operand up is not an identity.
// CHECK-LABEL: func @add_zero_broadcasts
// CHECK: tessera.add
func.func @add_zero_broadcasts(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %z = tessera.constant dense<0.0> : tensor<2x3xf32>
  %0 = tessera.add %x, %z : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @mul_one_left
// CHECK-SAME: (%[[X:.*]]: tensor<4xi64>)
// CHECK-NEXT: return %[[X]]
func.func @mul_one_left(%x: tensor<4xi64>) -> tensor<4xi64> {
  %one = tessera.constant dense<1> : tensor<i64>
  %0 = tessera.mul %one, %x : (tensor<i64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func @mul_two_stays
// CHECK: tessera.mul
func.func @mul_two_stays(%x: tensor<4xf32>) -> tensor<4xf32> {
  %two = tessera.constant dense<2.0> : tensor<f32>
  %0 = tessera.mul %x, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Constant f32 operands fold (numpy broadcasting), dense while small.
// CHECK-LABEL: func @add_constants
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense<{{\[\[}}1.100000e+01, 2.100000e+01, 3.100000e+01], [1.200000e+01, 2.200000e+01, 3.200000e+01]]> : tensor<2x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @add_constants() -> tensor<2x3xf32> {
  %a = tessera.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %b = tessera.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %0 = tessera.add %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @mul_constants
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense<[-2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @mul_constants() -> tensor<2xf32> {
  %a = tessera.constant dense<[4.0, -1.0]> : tensor<2xf32>
  %b = tessera.constant dense<-0.5> : tensor<f32>
  %0 = tessera.mul %a, %b : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A shifted-window attention's mask: a relative position bias (a weight,
// dense_resource: 36 ones, then 36 twos) plus a window mask [0, -100]; past
// 64 elements the result is a dense_resource too.
// CHECK-LABEL: func @add_resource_mask
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense_resource<folded> : tensor<2x2x4x9xf32>
// CHECK-NEXT: return %[[C]]
// CHECK: folded: "0x{{[0-9A-F]{8}(0000803F){36}(00000040){36}(0000C6C2){36}(0000C4C2){36}"}}
func.func @add_resource_mask() -> tensor<2x2x4x9xf32> {
  %bias = tessera.constant dense_resource<bias> : tensor<1x2x4x9xf32>
  %m = tessera.constant dense<[[[[0.0]]], [[[-100.0]]]]> : tensor<2x1x1x1xf32>
  %0 = tessera.add %bias, %m : (tensor<1x2x4x9xf32>, tensor<2x1x1x1xf32>) -> tensor<2x2x4x9xf32>
  return %0 : tensor<2x2x4x9xf32>
}

{-#
  dialect_resources: {
    builtin: {
      bias: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040000000400000004000000040"
    }
  }
#-}

// -----

// Near misses: f16 constants, and a result past 2^20 elements (1025 x 1024),
// stay adds.
// CHECK-LABEL: func @add_f16_constants_stay
// CHECK: tessera.add
func.func @add_f16_constants_stay() -> tensor<2xf16> {
  %a = tessera.constant dense<[1.0, 2.0]> : tensor<2xf16>
  %b = tessera.constant dense<[3.0, 4.0]> : tensor<2xf16>
  %0 = tessera.add %a, %b : (tensor<2xf16>, tensor<2xf16>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// CHECK-LABEL: func @add_huge_constants_stay
// CHECK: tessera.add
func.func @add_huge_constants_stay() -> tensor<1025x512x2xf32> {
  %a = tessera.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %b = tessera.constant dense<1.0> : tensor<1025x512x2xf32>
  %0 = tessera.add %b, %a : (tensor<1025x512x2xf32>, tensor<1x2xf32>) -> tensor<1025x512x2xf32>
  return %0 : tensor<1025x512x2xf32>
}

// -----

// Q, K and V split off one projection as qkv.permute(2, 0, 3, 1, 4)[i]:
// each slice first, then its own transpose (of the slice's dims).
// CHECK-LABEL: func @gather_of_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x3x4x8xf32>
// CHECK: %[[Q:.*]] = tessera.gather %[[X]], %{{.*}} {axis = 2 : i64} : (tensor<2x5x3x4x8xf32>, tensor<i64>) -> tensor<2x5x4x8xf32>
// CHECK: tessera.transpose %[[Q]] {perm = array<i64: 0, 2, 1, 3>} : tensor<2x5x4x8xf32> to tensor<2x4x5x8xf32>
// CHECK: %[[K:.*]] = tessera.gather %[[X]], %{{.*}} {axis = 2 : i64}
// CHECK: tessera.transpose %[[K]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK-NOT: tessera.transpose %[[X]]
func.func @gather_of_transpose(%x: tensor<2x5x3x4x8xf32>) -> (tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>) {
  %i0 = tessera.constant dense<0> : tensor<i64>
  %i1 = tessera.constant dense<-2> : tensor<i64>
  %t = tessera.transpose %x {perm = array<i64: 2, 0, 3, 1, 4>} : tensor<2x5x3x4x8xf32> to tensor<3x2x4x5x8xf32>
  %q = tessera.gather %t, %i0 {axis = 0 : i64} : (tensor<3x2x4x5x8xf32>, tensor<i64>) -> tensor<2x4x5x8xf32>
  %k = tessera.gather %t, %i1 {axis = 0 : i64} : (tensor<3x2x4x5x8xf32>, tensor<i64>) -> tensor<2x4x5x8xf32>
  return %q, %k : tensor<2x4x5x8xf32>, tensor<2x4x5x8xf32>
}

// -----

// Near misses: the transposed tensor has another user (it stays, and so do
// the gathers), and a gather of several indices.
// CHECK-LABEL: func @gather_of_transpose_other_user
// CHECK: %[[T:.*]] = tessera.transpose
// CHECK: tessera.gather %[[T]]
func.func @gather_of_transpose_other_user(%x: tensor<2x3x4xf32>) -> (tensor<2x4xf32>, tensor<3x2x4xf32>) {
  %i = tessera.constant dense<1> : tensor<i64>
  %t = tessera.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> to tensor<3x2x4xf32>
  %g = tessera.gather %t, %i {axis = 0 : i64} : (tensor<3x2x4xf32>, tensor<i64>) -> tensor<2x4xf32>
  return %g, %t : tensor<2x4xf32>, tensor<3x2x4xf32>
}

// CHECK-LABEL: func @gather_of_transpose_indices
// CHECK: %[[T:.*]] = tessera.transpose
// CHECK: tessera.gather %[[T]]
func.func @gather_of_transpose_indices(%x: tensor<2x3x4xf32>) -> tensor<2x2x4xf32> {
  %i = tessera.constant dense<[0, 2]> : tensor<2xi64>
  %t = tessera.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> to tensor<3x2x4xf32>
  %g = tessera.gather %t, %i {axis = 0 : i64} : (tensor<3x2x4xf32>, tensor<2xi64>) -> tensor<2x2x4xf32>
  return %g : tensor<2x2x4xf32>
}

// -----

// CHECK-LABEL: func @reshape_chain
// CHECK-NEXT: %[[R:.*]] = tessera.reshape %{{.*}} : tensor<2x3x4xf32> to tensor<24xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %0 = tessera.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  %1 = tessera.reshape %0 : tensor<6x4xf32> to tensor<24xf32>
  return %1 : tensor<24xf32>
}

// -----

// CHECK-LABEL: func @reshape_constant
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi64>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<2x2xi64> {
  %c = tessera.constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %0 = tessera.reshape %c : tensor<4xi64> to tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = tessera.reshape %x : tensor<2x3xf32> to tensor<2x3xf32>
  %1 = tessera.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> to tensor<2x3xf32>
  %2 = tessera.cast %x : tensor<2x3xf32> to tensor<2x3xf32>
  %3 = tessera.broadcast_to %x : tensor<2x3xf32> to tensor<2x3xf32>
  %4 = tessera.slice %x {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x3xf32> to tensor<2x3xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A reversed full slice is not an identity.
// CHECK-LABEL: func @reverse_slice_stays
// CHECK: tessera.slice
func.func @reverse_slice_stays(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = tessera.slice %x {starts = array<i64: 2>, steps = array<i64: -1>} : tensor<3xf32> to tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func @broadcast_splat
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense<7.000000e+00> : tensor<4x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_splat() -> tensor<4x3xf32> {
  %c = tessera.constant dense<7.0> : tensor<1x3xf32>
  %0 = tessera.broadcast_to %c : tensor<1x3xf32> to tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func @transpose_stays
// CHECK: tessera.transpose
func.func @transpose_stays(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = tessera.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> to tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Unused pure ops and constants are erased.
// CHECK-LABEL: func @dead_code
// CHECK-NEXT: return
func.func @dead_code(%x: tensor<2x3xf32>) {
  %0 = tessera.exp %x : tensor<2x3xf32>
  %1 = tessera.constant dense<1.0> : tensor<3xf32>
  return
}

// -----

// A reshaped weight blob folds to the same blob in the new shape (no copy).
// CHECK-LABEL: func @reshape_resource
// CHECK-NEXT: %[[C:.*]] = tessera.constant dense_resource<blob> : tensor<2x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_resource() -> tensor<2x3xf32> {
  %w = tessera.constant dense_resource<blob> : tensor<6xf32>
  %0 = tessera.reshape %w : tensor<6xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F000000400000404000008040000000410000A040"
    }
  }
#-}

// -----

// transpose(reshape(transpose(x))) that keeps x's elements in order is one
// reshape: a 3-d conv's channels-last frames [T, H, W, C] to channel-first
// [C, T, H, W], merged into [1, C, T, H*W], then channels-last again; and
// back, splitting H*W.
// CHECK-LABEL: func @frames_to_temporal
// CHECK-SAME: (%[[X:.*]]: tensor<4x3x5x8xf32>, %[[Y:.*]]: tensor<1x4x15x8xf32>)
// CHECK-DAG: %[[A:.+]] = tessera.reshape %[[X]] : tensor<4x3x5x8xf32> to tensor<1x4x15x8xf32>
// CHECK-DAG: %[[B:.+]] = tessera.reshape %[[Y]] : tensor<1x4x15x8xf32> to tensor<4x3x5x8xf32>
// CHECK-NOT: tessera.transpose
// CHECK: return %[[A]], %[[B]]
func.func @frames_to_temporal(%x: tensor<4x3x5x8xf32>, %y: tensor<1x4x15x8xf32>) -> (tensor<1x4x15x8xf32>, tensor<4x3x5x8xf32>) {
  %0 = tessera.transpose %x {perm = array<i64: 3, 0, 1, 2>} : tensor<4x3x5x8xf32> to tensor<8x4x3x5xf32>
  %1 = tessera.reshape %0 : tensor<8x4x3x5xf32> to tensor<1x8x4x15xf32>
  %2 = tessera.transpose %1 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x8x4x15xf32> to tensor<1x4x15x8xf32>
  %3 = tessera.transpose %y {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x15x8xf32> to tensor<1x8x4x15xf32>
  %4 = tessera.reshape %3 : tensor<1x8x4x15xf32> to tensor<8x4x3x5xf32>
  %5 = tessera.transpose %4 {perm = array<i64: 1, 2, 3, 0>} : tensor<8x4x3x5xf32> to tensor<4x3x5x8xf32>
  return %2, %5 : tensor<1x4x15x8xf32>, tensor<4x3x5x8xf32>
}

// -----

// Chains whose dims end out of order: one transpose of x split into the
// chain's parts (the channels between T and H*W; the parts of a split dim
// swapped, 15 split as 3x5, then 5 before 3), then a reshape. A reshape
// that regroups across dims ([4, 6] as [6, 4]) keeps both transposes.
// CHECK-LABEL: func @not_in_order
// CHECK: %[[A:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 3, 1, 2>} : tensor<4x3x5x8xf32> to tensor<4x8x3x5xf32>
// CHECK: tessera.reshape %[[A]] : tensor<4x8x3x5xf32> to tensor<1x4x8x15xf32>
// CHECK: %[[B:.+]] = tessera.reshape %arg1 : tensor<4x15x8xf32> to tensor<4x3x5x8xf32>
// CHECK: %[[C:.+]] = tessera.transpose %[[B]] {perm = array<i64: 0, 2, 1, 3>} : tensor<4x3x5x8xf32> to tensor<4x5x3x8xf32>
// CHECK-NOT: tessera.reshape %[[C]]
// CHECK: tessera.transpose %arg2 {perm = array<i64: 0, 2, 1>}
// CHECK: tessera.transpose %{{.+}} {perm = array<i64: 0, 2, 1>}
func.func @not_in_order(%x: tensor<4x3x5x8xf32>, %y: tensor<4x15x8xf32>, %z: tensor<2x6x4xf32>) -> (tensor<1x4x8x15xf32>, tensor<4x5x3x8xf32>, tensor<2x4x6xf32>) {
  %0 = tessera.transpose %x {perm = array<i64: 3, 0, 1, 2>} : tensor<4x3x5x8xf32> to tensor<8x4x3x5xf32>
  %1 = tessera.reshape %0 : tensor<8x4x3x5xf32> to tensor<1x8x4x15xf32>
  %2 = tessera.transpose %1 {perm = array<i64: 0, 2, 1, 3>} : tensor<1x8x4x15xf32> to tensor<1x4x8x15xf32>
  %3 = tessera.transpose %y {perm = array<i64: 2, 0, 1>} : tensor<4x15x8xf32> to tensor<8x4x15xf32>
  %4 = tessera.reshape %3 : tensor<8x4x15xf32> to tensor<8x4x3x5xf32>
  %5 = tessera.transpose %4 {perm = array<i64: 1, 3, 2, 0>} : tensor<8x4x3x5xf32> to tensor<4x5x3x8xf32>
  %6 = tessera.transpose %z {perm = array<i64: 0, 2, 1>} : tensor<2x6x4xf32> to tensor<2x4x6xf32>
  %7 = tessera.reshape %6 : tensor<2x4x6xf32> to tensor<2x6x4xf32>
  %8 = tessera.transpose %7 {perm = array<i64: 0, 2, 1>} : tensor<2x6x4xf32> to tensor<2x4x6xf32>
  return %2, %5, %8 : tensor<1x4x8x15xf32>, tensor<4x5x3x8xf32>, tensor<2x4x6xf32>
}

// -----

// MaxViT's window partition of a channels-last conv's output: to
// channel-first, H and W split by the window, then the windows first and
// the channels last again. One transpose of the [N, H, W, C] image split
// into its parts, which moves runs of 64 channels; so also where the first
// transpose has another user. Near miss: a shared first transpose where the
// chain moves the innermost dim (the channels to the front) keeps both.
// CHECK-LABEL: func @window_partition
// CHECK: %[[P:.+]] = tessera.reshape %arg0 : tensor<1x56x56x64xf32> to tensor<8x7x8x7x64xf32>
// CHECK: %[[T:.+]] = tessera.transpose %[[P]] {perm = array<i64: 0, 2, 1, 3, 4>} : tensor<8x7x8x7x64xf32> to tensor<8x8x7x7x64xf32>
// CHECK: tessera.reshape %[[T]] : tensor<8x8x7x7x64xf32> to tensor<1x64x49x64xf32>
// CHECK: %[[F:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 3, 1, 2>}
// CHECK: %[[P2:.+]] = tessera.reshape %arg0 : tensor<1x56x56x64xf32> to tensor<8x7x8x7x64xf32>
// CHECK: tessera.transpose %[[P2]] {perm = array<i64: 0, 2, 1, 3, 4>}
// CHECK: %[[G:.+]] = tessera.transpose %arg1 {perm = array<i64: 0, 3, 1, 2>}
// CHECK: %[[R:.+]] = tessera.reshape %[[G]]
// CHECK: tessera.transpose %[[R]] {perm = array<i64: 0, 1, 2, 4, 3, 5>}
func.func @window_partition(%x: tensor<1x56x56x64xf32>, %y: tensor<1x14x14x64xf32>) -> (tensor<1x64x49x64xf32>, tensor<1x8x8x7x7x64xf32>, tensor<1x64x56x56xf32>, tensor<1x64x2x2x7x7xf32>, tensor<1x64x14x14xf32>) {
  %0 = tessera.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x56x56x64xf32> to tensor<1x64x56x56xf32>
  %1 = tessera.reshape %0 : tensor<1x64x56x56xf32> to tensor<1x64x8x7x8x7xf32>
  %2 = tessera.transpose %1 {perm = array<i64: 0, 2, 4, 3, 5, 1>} : tensor<1x64x8x7x8x7xf32> to tensor<1x8x8x7x7x64xf32>
  %3 = tessera.reshape %2 : tensor<1x8x8x7x7x64xf32> to tensor<1x64x49x64xf32>
  %4 = tessera.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x56x56x64xf32> to tensor<1x64x56x56xf32>
  %5 = tessera.reshape %4 : tensor<1x64x56x56xf32> to tensor<1x64x8x7x8x7xf32>
  %6 = tessera.transpose %5 {perm = array<i64: 0, 2, 4, 3, 5, 1>} : tensor<1x64x8x7x8x7xf32> to tensor<1x8x8x7x7x64xf32>
  %7 = tessera.transpose %y {perm = array<i64: 0, 3, 1, 2>} : tensor<1x14x14x64xf32> to tensor<1x64x14x14xf32>
  %8 = tessera.reshape %7 : tensor<1x64x14x14xf32> to tensor<1x64x2x7x2x7xf32>
  %9 = tessera.transpose %8 {perm = array<i64: 0, 1, 2, 4, 3, 5>} : tensor<1x64x2x7x2x7xf32> to tensor<1x64x2x2x7x7xf32>
  return %3, %6, %4, %9, %7 : tensor<1x64x49x64xf32>, tensor<1x8x8x7x7x64xf32>, tensor<1x64x56x56xf32>, tensor<1x64x2x2x7x7xf32>, tensor<1x64x14x14xf32>
}

// -----

// A zero Pad of the spatial dims before an average pool becomes the pool's
// pads with count_include_pad (the padded zeros counted as the input's
// elements were): channel-first (PyTorch's avg_pool2d(x, 3, 1, 1) export),
// channels-last, and a pool whose own pads are counted (the amounts add).
// CHECK-LABEL: func @avg_pool_of_zero_pad
// CHECK-NOT: tessera.pad
// CHECK: tessera.avg_pool %arg0 {count_include_pad = true, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x4x35x35xf32> to tensor<1x4x35x35xf32>
// CHECK: tessera.avg_pool %arg1 {channels_last, count_include_pad = true, {{.*}}pads = array<i64: 1, 2, 1, 0>{{.*}} : tensor<1x8x8x5xf32> to tensor<1x8x7x5xf32>
// CHECK: tessera.avg_pool %arg2 {count_include_pad = true, {{.*}}pads = array<i64: 3, 1>, strides = array<i64: 2>} : tensor<1x2x9xf32> to tensor<1x2x6xf32>
func.func @avg_pool_of_zero_pad(%x: tensor<1x4x35x35xf32>, %y: tensor<1x8x8x5xf32>, %z: tensor<1x2x9xf32>) -> (tensor<1x4x35x35xf32>, tensor<1x8x7x5xf32>, tensor<1x2x6xf32>) {
  %0 = tessera.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : tensor<1x4x35x35xf32> to tensor<1x4x37x37xf32>
  %1 = tessera.avg_pool %0 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x37x37xf32> to tensor<1x4x35x35xf32>
  %2 = tessera.pad %y {pads = array<i64: 0, 1, 2, 0, 0, 1, 0, 0>} : tensor<1x8x8x5xf32> to tensor<1x10x10x5xf32>
  %3 = tessera.avg_pool %2 {channels_last, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 4>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x10x10x5xf32> to tensor<1x8x7x5xf32>
  %4 = tessera.pad %z {pads = array<i64: 0, 0, 2, 0, 0, 1>} : tensor<1x2x9xf32> to tensor<1x2x12xf32>
  %5 = tessera.avg_pool %4 {count_include_pad = true, dilations = array<i64: 1>, kernel_shape = array<i64: 3>, pads = array<i64: 1, 0>, strides = array<i64: 2>} : tensor<1x2x12xf32> to tensor<1x2x6xf32>
  return %1, %3, %5 : tensor<1x4x35x35xf32>, tensor<1x8x7x5xf32>, tensor<1x2x6xf32>
}

// -----

// Near misses, kept: a pad value of 1; a pad of the channels; the pool's
// own pads not counted (count_include_pad false) while the Pad's are; a
// crop (negative amount); ceil_mode, where the padded input keeps a last
// window that starts in the Pad's end amount and the pool's end padding
// would drop it; a max pool.
// CHECK-LABEL: func @avg_pool_of_pad_kept
// CHECK-COUNT-6: tessera.pad
func.func @avg_pool_of_pad_kept(%x: tensor<1x2x6x6xf32>, %z: tensor<1x1x4xf32>) -> (tensor<1x2x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x2x8x8xf32>, tensor<1x2x5x6xf32>, tensor<1x1x2xf32>, tensor<1x2x6x6xf32>) {
  %0 = tessera.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 1.0} : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %1 = tessera.avg_pool %0 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x8x8xf32> to tensor<1x2x6x6xf32>
  %2 = tessera.pad %x {pads = array<i64: 0, 1, 1, 1, 0, 1, 1, 1>} : tensor<1x2x6x6xf32> to tensor<1x4x8x8xf32>
  %3 = tessera.avg_pool %2 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x4x8x8xf32> to tensor<1x4x6x6xf32>
  %4 = tessera.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %5 = tessera.avg_pool %4 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : tensor<1x2x8x8xf32> to tensor<1x2x8x8xf32>
  %6 = tessera.pad %x {pads = array<i64: 0, 0, -1, 1, 0, 0, 1, 1>} : tensor<1x2x6x6xf32> to tensor<1x2x6x8xf32>
  %7 = tessera.avg_pool %6 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x6x8xf32> to tensor<1x2x5x6xf32>
  %8 = tessera.pad %z {pads = array<i64: 0, 0, 0, 0, 0, 3>} : tensor<1x1x4xf32> to tensor<1x1x7xf32>
  %9 = tessera.avg_pool %8 {ceil_mode = true, dilations = array<i64: 1>, kernel_shape = array<i64: 3>, pads = array<i64: 0, 0>, strides = array<i64: 4>} : tensor<1x1x7xf32> to tensor<1x1x2xf32>
  %10 = tessera.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : tensor<1x2x6x6xf32> to tensor<1x2x8x8xf32>
  %11 = tessera.max_pool %10 {dilations = array<i64: 1, 1>, kernel_shape = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : tensor<1x2x8x8xf32> to tensor<1x2x6x6xf32>
  return %1, %3, %5, %7, %9, %11 : tensor<1x2x6x6xf32>, tensor<1x4x6x6xf32>, tensor<1x2x8x8xf32>, tensor<1x2x5x6xf32>, tensor<1x1x2xf32>, tensor<1x2x6x6xf32>
}
