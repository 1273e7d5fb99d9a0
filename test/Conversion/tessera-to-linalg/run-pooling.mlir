// Numerics of the pooling lowering, JIT-compiled on the CPU. Expected values
// are torch.nn.functional.{max,avg}_pool{1,2}d of the same inputs.
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = tessera.constant dense<[[[[1.0, -2.0, 3.0, 0.5], [4.0, 5.0, -6.0, 7.0], [-8.0, 9.0, 10.0, -11.0], [12.0, 0.0, -13.0, 14.0]]]]> : tensor<1x1x4x4xf32>

  // 3x3 window, stride 2, pad 1 at the start, ceil_mode: the padding loses.
  %m = tessera.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, ceil_mode = true} : tensor<1x1x4x4xf32> to tensor<1x1x3x3xf32>
  %m_u = tensor.cast %m : tensor<1x1x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%m_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[5, 7, 7],
  // CHECK-NEXT: [12, 14, 14],
  // CHECK-NEXT: [12, 14, 14]]]]

  // Dilation 2, no padding.
  %md = tessera.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>} : tensor<1x1x4x4xf32> to tensor<1x1x2x2xf32>
  %md_u = tensor.cast %md : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%md_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[10, 9],
  // CHECK-NEXT: [12, 14]]]]

  // Average, count_include_pad = false: border windows divide by fewer.
  %a = tessera.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4xf32> to tensor<1x1x2x2xf32>
  %a_u = tensor.cast %a : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%a_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[2, 1.25],
  // CHECK-NEXT: [3.66667, 1.66667]]]]

  // Average, count_include_pad = true: always 9.
  %ai = tessera.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true} : tensor<1x1x4x4xf32> to tensor<1x1x2x2xf32>
  %ai_u = tensor.cast %ai : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ai_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[0.888889, 0.833333],
  // CHECK-NEXT: [2.44444, 1.66667]]]]

  // Channels-last [N, H, W, C]: channel 0 the image above, channel 1 ten
  // times it; the same border counts per position.
  %ten = tessera.constant dense<10.0> : tensor<1x1x4x4xf32>
  %x10 = tessera.mul %x, %ten : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %x2 = tessera.concat %x, %x10 {axis = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %xl = tessera.transpose %x2 {perm = array<i64: 0, 2, 3, 1>} : tensor<1x2x4x4xf32> to tensor<1x4x4x2xf32>
  %al = tessera.avg_pool %xl {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, channels_last} : tensor<1x4x4x2xf32> to tensor<1x2x2x2xf32>
  %al_u = tensor.cast %al : tensor<1x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%al_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[2,{{ +}}20],
  // CHECK-NEXT: [1.25,{{ +}}12.5]],
  // CHECK-NEXT: {{\[}}[3.66667,{{ +}}36.6667],
  // CHECK-NEXT: [1.66667,{{ +}}16.6667]]]]

  // 1-D ceil_mode: the last window reads past the end (not counted) and a
  // window starting in the end padding is dropped.
  %y = tessera.constant dense<[[[1.0, 2.0, 3.0, 4.0, 5.0]]]> : tensor<1x1x5xf32>
  %c = tessera.avg_pool %y {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 1>, dilations = array<i64: 1>, ceil_mode = true, count_include_pad = true} : tensor<1x1x5xf32> to tensor<1x1x3xf32>
  %c_u = tensor.cast %c : tensor<1x1x3xf32> to tensor<*xf32>
  call @printMemrefF32(%c_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}[1.5, 3.5, 2.5]]]
  %cm = tessera.max_pool %y {kernel_shape = array<i64: 2>, strides = array<i64: 2>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, ceil_mode = true} : tensor<1x1x5xf32> to tensor<1x1x3xf32>
  %cm_u = tensor.cast %cm : tensor<1x1x3xf32> to tensor<*xf32>
  call @printMemrefF32(%cm_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}[2, 4, 5]]]
  return
}
