// RUN: tessera-opt %s -split-input-file -tessera-fuse-qdq-linear | FileCheck %s
// QDQ linear layers (as the importer writes QuantizeLinear/DequantizeLinear)
// onto static tessera.qlinear: the activation's scale and zero point, the
// weight's int8 values transposed to [N, K] and its scales per channel.

// uint8 activations (zero point 128, read back through the unsigned
// widening), per-channel weight scales along N of a [K, N] weight.
// CHECK-LABEL: func @uint8_per_channel
// CHECK-DAG: %[[Q:.*]] = tessera.constant dense_resource<qweight> : tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = tessera.constant dense_resource<qscale> : tensor<2x1xf32>
// CHECK: tessera.qlinear %arg0, %[[Q]], %[[S]] bias %{{.*}} {activation = "relu", input_scale = 2.000000e-02 : f32, input_zero_point = 128 : i64, mode = "static"} : (tensor<4x3xf32>, tensor<2x3xi8>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK-NOT: tessera.linear
// q [K=3, N=2] = [[1, -2], [3, 4], [-5, 6]] -> [N, K] = [[1, 3, -5], [-2, 4, 6]];
// scales 0.5 (0x3F000000) and 0.25 (0x3E800000).
// CHECK: qweight: "0x080000000103FBFE0406"
// CHECK: qscale: "0x080000000000003F0000803E"
func.func @uint8_per_channel(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %b = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %zw = tessera.constant dense<0> : tensor<2xi8>
  %sw = tessera.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %wq = tessera.constant dense<[[1, -2], [3, 4], [-5, 6]]> : tensor<3x2xi8>
  %c256 = tessera.constant dense<256> : tensor<i64>
  %c0 = tessera.constant dense<0> : tensor<i64>
  %hi = tessera.constant dense<2.550000e+02> : tensor<f32>
  %lo = tessera.constant dense<0.000000e+00> : tensor<f32>
  %s = tessera.constant dense<2.000000e-02> : tensor<f32>
  %zi = tessera.constant dense<128> : tensor<i64>
  %0 = tessera.div %x, %s : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %1 = tessera.round %0 : tensor<4x3xf32>
  %z = tessera.cast %zi : tensor<i64> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %3 = tessera.max %2, %lo : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %4 = tessera.min %3, %hi : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %5 = tessera.cast %4 : tensor<4x3xf32> to tensor<4x3xi64>
  %6 = tessera.cast %5 : tensor<4x3xi64> to tensor<4x3xi8>
  %7 = tessera.cast %6 : tensor<4x3xi8> to tensor<4x3xi64>
  %8 = tessera.less %7, %c0 : (tensor<4x3xi64>, tensor<i64>) -> tensor<4x3xi1>
  %9 = tessera.add %7, %c256 : (tensor<4x3xi64>, tensor<i64>) -> tensor<4x3xi64>
  %10 = tessera.where %8, %9, %7 : (tensor<4x3xi1>, tensor<4x3xi64>, tensor<4x3xi64>) -> tensor<4x3xi64>
  %11 = tessera.cast %10 : tensor<4x3xi64> to tensor<4x3xf32>
  %12 = tessera.sub %11, %z : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %xd = tessera.mul %12, %s : (tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  %w0 = tessera.cast %wq : tensor<3x2xi8> to tensor<3x2xf32>
  %z0 = tessera.cast %zw : tensor<2xi8> to tensor<2xf32>
  %w1 = tessera.sub %w0, %z0 : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %wd = tessera.mul %w1, %sw : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %y = tessera.linear %xd, %wd bias %b {activation = "relu"} : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// int8 activations (zero point -3) as uint8 with zero point 125, a
// transposed [N, K] weight (Gemm transB) with one scale for the tensor,
// the scale multiplied from the left.
// CHECK-LABEL: func @int8_per_tensor
// CHECK: tessera.qlinear %arg0, %{{.*}}, %{{.*}} {input_scale = 1.000000e-01 : f32, input_zero_point = 125 : i64, mode = "static"} : (tensor<2x3xf32>, tensor<2x3xi8>, tensor<2x1xf32>) -> tensor<2x2xf32>
// CHECK: qweight: "0x08000000010203FC0581"
func.func @int8_per_tensor(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zw = tessera.constant dense<0> : tensor<i8>
  %sw = tessera.constant dense<0.5> : tensor<f32>
  %wq = tessera.constant dense<[[1, 2, 3], [-4, 5, -127]]> : tensor<2x3xi8>
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %s2 = tessera.constant dense<1.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<-3> : tensor<i8>
  %0 = tessera.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = tessera.round %0 : tensor<2x3xf32>
  %z = tessera.cast %zi : tensor<i8> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = tessera.max %2, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = tessera.min %3, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = tessera.cast %4 : tensor<2x3xf32> to tensor<2x3xi64>
  %6 = tessera.cast %5 : tensor<2x3xi64> to tensor<2x3xi8>
  %7 = tessera.cast %6 : tensor<2x3xi8> to tensor<2x3xf32>
  %8 = tessera.sub %7, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %xd = tessera.mul %8, %s2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %w0 = tessera.cast %wq : tensor<2x3xi8> to tensor<2x3xf32>
  %z0 = tessera.cast %zw : tensor<i8> to tensor<f32>
  %w1 = tessera.sub %w0, %z0 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %wd = tessera.mul %sw, %w1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = tessera.linear %xd, %wd {transpose_weight = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Near misses, left as they are: QuantizeLinear and DequantizeLinear with
// different scales.
// CHECK-LABEL: func @near_scales_differ
// CHECK-NOT: qlinear
// CHECK: tessera.linear
func.func @near_scales_differ(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zw = tessera.constant dense<0> : tensor<i8>
  %sw = tessera.constant dense<0.5> : tensor<f32>
  %wq = tessera.constant dense<[[1, 2, 3], [-4, 5, -127]]> : tensor<2x3xi8>
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %s2 = tessera.constant dense<2.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<-3> : tensor<i8>
  %0 = tessera.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = tessera.round %0 : tensor<2x3xf32>
  %z = tessera.cast %zi : tensor<i8> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = tessera.max %2, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = tessera.min %3, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = tessera.cast %4 : tensor<2x3xf32> to tensor<2x3xi64>
  %6 = tessera.cast %5 : tensor<2x3xi64> to tensor<2x3xi8>
  %7 = tessera.cast %6 : tensor<2x3xi8> to tensor<2x3xf32>
  %8 = tessera.sub %7, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %xd = tessera.mul %8, %s2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %w0 = tessera.cast %wq : tensor<2x3xi8> to tensor<2x3xf32>
  %z0 = tessera.cast %zw : tensor<i8> to tensor<f32>
  %w1 = tessera.sub %w0, %z0 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %wd = tessera.mul %sw, %w1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = tessera.linear %xd, %wd {transpose_weight = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A weight zero point other than 0 (asymmetric weights).
// CHECK-LABEL: func @near_weight_zero_point
// CHECK-NOT: qlinear
// CHECK: tessera.linear
func.func @near_weight_zero_point(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zw = tessera.constant dense<2> : tensor<i8>
  %sw = tessera.constant dense<0.5> : tensor<f32>
  %wq = tessera.constant dense<[[1, 2, 3], [-4, 5, -127]]> : tensor<2x3xi8>
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %s2 = tessera.constant dense<1.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<-3> : tensor<i8>
  %0 = tessera.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = tessera.round %0 : tensor<2x3xf32>
  %z = tessera.cast %zi : tensor<i8> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = tessera.max %2, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = tessera.min %3, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = tessera.cast %4 : tensor<2x3xf32> to tensor<2x3xi64>
  %6 = tessera.cast %5 : tensor<2x3xi64> to tensor<2x3xi8>
  %7 = tessera.cast %6 : tensor<2x3xi8> to tensor<2x3xf32>
  %8 = tessera.sub %7, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %xd = tessera.mul %8, %s2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %w0 = tessera.cast %wq : tensor<2x3xi8> to tensor<2x3xf32>
  %z0 = tessera.cast %zw : tensor<i8> to tensor<f32>
  %w1 = tessera.sub %w0, %z0 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %wd = tessera.mul %sw, %w1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = tessera.linear %xd, %wd {transpose_weight = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A weight of -128 (outside the kernels' [-127, 127]).
// CHECK-LABEL: func @near_weight_minus_128
// CHECK-NOT: qlinear
// CHECK: tessera.linear
func.func @near_weight_minus_128(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zw = tessera.constant dense<0> : tensor<i8>
  %sw = tessera.constant dense<0.5> : tensor<f32>
  %wq = tessera.constant dense<[[1, 2, 3], [-4, 5, -128]]> : tensor<2x3xi8>
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %s2 = tessera.constant dense<1.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<-3> : tensor<i8>
  %0 = tessera.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = tessera.round %0 : tensor<2x3xf32>
  %z = tessera.cast %zi : tensor<i8> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = tessera.max %2, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = tessera.min %3, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = tessera.cast %4 : tensor<2x3xf32> to tensor<2x3xi64>
  %6 = tessera.cast %5 : tensor<2x3xi64> to tensor<2x3xi8>
  %7 = tessera.cast %6 : tensor<2x3xi8> to tensor<2x3xf32>
  %8 = tessera.sub %7, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %xd = tessera.mul %8, %s2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %w0 = tessera.cast %wq : tensor<2x3xi8> to tensor<2x3xf32>
  %z0 = tessera.cast %zw : tensor<i8> to tensor<f32>
  %w1 = tessera.sub %w0, %z0 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %wd = tessera.mul %sw, %w1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = tessera.linear %xd, %wd {transpose_weight = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Integers clamped to [0, 255] but read back from i8 as signed (values
// above 127 would wrap): not QuantizeLinear's uint8.
// CHECK-LABEL: func @near_unsigned_wraps
// CHECK-NOT: qlinear
// CHECK: tessera.linear
func.func @near_unsigned_wraps(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %zw = tessera.constant dense<0> : tensor<i8>
  %sw = tessera.constant dense<0.5> : tensor<f32>
  %wq = tessera.constant dense<[[1, 2, 3], [-4, 5, -127]]> : tensor<2x3xi8>
  %hi = tessera.constant dense<2.550000e+02> : tensor<f32>
  %lo = tessera.constant dense<0.000000e+00> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %s2 = tessera.constant dense<1.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<3> : tensor<i8>
  %0 = tessera.div %x, %s : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = tessera.round %0 : tensor<2x3xf32>
  %z = tessera.cast %zi : tensor<i8> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %3 = tessera.max %2, %lo : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %4 = tessera.min %3, %hi : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %5 = tessera.cast %4 : tensor<2x3xf32> to tensor<2x3xi64>
  %6 = tessera.cast %5 : tensor<2x3xi64> to tensor<2x3xi8>
  %7 = tessera.cast %6 : tensor<2x3xi8> to tensor<2x3xf32>
  %8 = tessera.sub %7, %z : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %xd = tessera.mul %8, %s2 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %w0 = tessera.cast %wq : tensor<2x3xi8> to tensor<2x3xf32>
  %z0 = tessera.cast %zw : tensor<i8> to tensor<f32>
  %w1 = tessera.sub %w0, %z0 : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %wd = tessera.mul %sw, %w1 : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = tessera.linear %xd, %wd {transpose_weight = true} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A QDQ convolution (int8 activations, per-output-channel weight scales
// shaped [F, 1, 1, 1], bias): a tessera.qconv on the float input, its weight
// [F, KH·KW·C] in the patches' column order (kernel offsets, then channels)
// and its channels-last result back to [N, F, H', W'].
// CHECK-LABEL: func @conv_per_channel
// CHECK: %[[Y:.*]] = tessera.qconv %arg0, %{{.*}}, %{{.*}} bias %{{.*}} {dilations = array<i64: 1, 1>, input_scale = 1.000000e-01 : f32, input_zero_point = 125 : i64, kernel_shape = array<i64: 2, 2>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 2, 1>} : (tensor<1x2x4x4xf32>, tensor<3x8xi8>, tensor<3x1xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
// CHECK: tessera.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x3x3xf32> to tensor<1x3x3x3xf32>
// CHECK-NOT: tessera.conv
// Weight [F=3, C=2, 2, 2] = 1..24 as [F, offsets, C]: c0's 1 2 3 4 and c1's
// 5 6 7 8 interleave per offset.
// CHECK: qconv_q: "0x080000000105020603070408090D0A0E0B0F0C101115121613171418"
func.func @conv_per_channel(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x3x3xf32> {
  %b = tessera.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %sw = tessera.constant dense<[[[[0.5]]], [[[0.25]]], [[[0.125]]]]> : tensor<3x1x1x1xf32>
  %wq = tessera.constant dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[9, 10], [11, 12]], [[13, 14], [15, 16]]], [[[17, 18], [19, 20]], [[21, 22], [23, 24]]]]> : tensor<3x2x2x2xi8>
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %zi = tessera.constant dense<-3> : tensor<i64>
  %0 = tessera.div %x, %s : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %1 = tessera.round %0 : tensor<1x2x4x4xf32>
  %z = tessera.cast %zi : tensor<i64> to tensor<f32>
  %2 = tessera.add %1, %z : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %3 = tessera.max %2, %lo : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %4 = tessera.min %3, %hi : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %5 = tessera.cast %4 : tensor<1x2x4x4xf32> to tensor<1x2x4x4xi64>
  %6 = tessera.cast %5 : tensor<1x2x4x4xi64> to tensor<1x2x4x4xi8>
  %7 = tessera.cast %6 : tensor<1x2x4x4xi8> to tensor<1x2x4x4xf32>
  %8 = tessera.sub %7, %z : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %xd = tessera.mul %8, %s : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %w0 = tessera.cast %wq : tensor<3x2x2x2xi8> to tensor<3x2x2x2xf32>
  %wd = tessera.mul %w0, %sw : (tensor<3x2x2x2xf32>, tensor<3x1x1x1xf32>) -> tensor<3x2x2x2xf32>
  %y = tessera.conv %xd, %wd, %b {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 1, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>, tensor<3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}

// -----

// Two groups of 2 channels x 4x4 = 32 terms each: one qconv per group on
// its channels, the results concatenated along the channels.
// CHECK-LABEL: func @conv_grouped
// CHECK: %[[X0:.*]] = tessera.slice %arg0 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x4xf32> to tensor<1x2x4x4xf32>
// CHECK: %[[Y0:.*]] = tessera.qconv %[[X0]], {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x32xi8>, tensor<2x1xf32>) -> tensor<1x1x1x2xf32>
// CHECK: %[[X1:.*]] = tessera.slice %arg0 {starts = array<i64: 0, 2, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x4x4x4xf32> to tensor<1x2x4x4xf32>
// CHECK: %[[Y1:.*]] = tessera.qconv %[[X1]], {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x32xi8>, tensor<2x1xf32>) -> tensor<1x1x1x2xf32>
// CHECK: tessera.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x4x1x1xf32>
// CHECK-NOT: tessera.conv
func.func @conv_grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32> {
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %0 = tessera.div %x, %s : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %1 = tessera.round %0 : tensor<1x4x4x4xf32>
  %3 = tessera.max %1, %lo : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %4 = tessera.min %3, %hi : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %5 = tessera.cast %4 : tensor<1x4x4x4xf32> to tensor<1x4x4x4xi8>
  %7 = tessera.cast %5 : tensor<1x4x4x4xi8> to tensor<1x4x4x4xf32>
  %xd = tessera.mul %7, %s : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %wq = tessera.constant dense<3> : tensor<4x2x4x4xi8>
  %w0 = tessera.cast %wq : tensor<4x2x4x4xi8> to tensor<4x2x4x4xf32>
  %wd = tessera.mul %w0, %s : (tensor<4x2x4x4xf32>, tensor<f32>) -> tensor<4x2x4x4xf32>
  %y = tessera.conv %xd, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<4x2x4x4xf32>) -> tensor<1x4x1x1xf32>
  return %y : tensor<1x4x1x1xf32>
}

// -----

// Near misses: two groups of only 4 terms, and a weight scale that varies
// inside an output channel, stay convolutions.
// CHECK-LABEL: func @conv_near_misses
// CHECK: tessera.conv
// CHECK: tessera.conv
// CHECK-NOT: tessera.qlinear
func.func @conv_near_misses(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x3x3x3xf32>) {
  %hi = tessera.constant dense<1.270000e+02> : tensor<f32>
  %lo = tessera.constant dense<-1.280000e+02> : tensor<f32>
  %s = tessera.constant dense<1.000000e-01> : tensor<f32>
  %0 = tessera.div %x, %s : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %1 = tessera.round %0 : tensor<1x2x4x4xf32>
  %3 = tessera.max %1, %lo : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %4 = tessera.min %3, %hi : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %5 = tessera.cast %4 : tensor<1x2x4x4xf32> to tensor<1x2x4x4xi8>
  %7 = tessera.cast %5 : tensor<1x2x4x4xi8> to tensor<1x2x4x4xf32>
  %xd = tessera.mul %7, %s : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %wq = tessera.constant dense<3> : tensor<2x1x2x2xi8>
  %w0 = tessera.cast %wq : tensor<2x1x2x2xi8> to tensor<2x1x2x2xf32>
  %wd = tessera.mul %w0, %s : (tensor<2x1x2x2xf32>, tensor<f32>) -> tensor<2x1x2x2xf32>
  %g = tessera.conv %xd, %wd {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x3x3xf32>
  %wq2 = tessera.constant dense<3> : tensor<3x2x2x2xi8>
  %sv = tessera.constant dense<[[[[0.5, 0.25]]], [[[0.5, 0.25]]], [[[0.5, 0.25]]]]> : tensor<3x1x1x2xf32>
  %w2 = tessera.cast %wq2 : tensor<3x2x2x2xi8> to tensor<3x2x2x2xf32>
  %wd2 = tessera.mul %w2, %sv : (tensor<3x2x2x2xf32>, tensor<3x1x1x2xf32>) -> tensor<3x2x2x2xf32>
  %c = tessera.conv %xd, %wd2 {strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x3x3xf32>
  return %g, %c : tensor<1x2x3x3xf32>, tensor<1x3x3x3xf32>
}
