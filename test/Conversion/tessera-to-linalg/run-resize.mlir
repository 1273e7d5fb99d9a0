// Numerics of the resize lowering, JIT-compiled on the CPU. Expected values
// are torch.nn.functional.interpolate of the same input.
// RUN: tessera-opt %s --convert-tessera-to-linalg | tessera-opt %cpu-pipeline | %mlir-runner | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = tessera.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>

  // bilinear, align_corners=False (half_pixel).
  %l = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %l_u = tensor.cast %l : tensor<1x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%l_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 1.25, 1.75, 2],
  // CHECK-NEXT: [1.5, 1.75, 2.25, 2.5],
  // CHECK-NEXT: [2.5, 2.75, 3.25, 3.5],
  // CHECK-NEXT: [3, 3.25, 3.75, 4]]]]

  // bilinear, align_corners=True, to 3x3.
  %a = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "align_corners", scales = array<f64: 1.0, 1.0, 1.5, 1.5>} : tensor<1x1x2x2xf32> to tensor<1x1x3x3xf32>
  %a_u = tensor.cast %a : tensor<1x1x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%a_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 1.5, 2],
  // CHECK-NEXT: [2, 2.5, 3],
  // CHECK-NEXT: [3, 3.5, 4]]]]

  // align_corners maps by the result's size, as ONNX Runtime and torch do
  // (not by in * scale: 3 * 2.5 = 7.5 and 4 * 0.6 = 2.4 here).
  %r3 = tessera.constant dense<[[[[1.0, 2.0, 3.0]]]]> : tensor<1x1x1x3xf32>
  %up = tessera.resize %r3 {mode = "linear", coordinate_transformation_mode = "align_corners", scales = array<f64: 1.0, 1.0, 1.0, 2.5>} : tensor<1x1x1x3xf32> to tensor<1x1x1x7xf32>
  %up_u = tensor.cast %up : tensor<1x1x1x7xf32> to tensor<*xf32>
  call @printMemrefF32(%up_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 1.33333, 1.66667, 2, 2.33333, 2.66667, 3]]]]
  %x24 = tessera.constant dense<[[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]]> : tensor<1x1x2x4xf32>
  %down = tessera.resize %x24 {mode = "linear", coordinate_transformation_mode = "align_corners", scales = array<f64: 1.0, 1.0, 0.6, 0.6>} : tensor<1x1x2x4xf32> to tensor<1x1x1x2xf32>
  %down_u = tensor.cast %down : tensor<1x1x1x2xf32> to tensor<*xf32>
  call @printMemrefF32(%down_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 4]]]]

  // nearest (torch's mode="nearest" is asymmetric + floor).
  %n = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 1.5, 1.5>} : tensor<1x1x2x2xf32> to tensor<1x1x3x3xf32>
  %n_u = tensor.cast %n : tensor<1x1x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%n_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 1, 2],
  // CHECK-NEXT: [1, 1, 2],
  // CHECK-NEXT: [3, 3, 4]]]]
  // bicubic (A = -0.75, clamped taps), align_corners=False (half_pixel).
  %c = tessera.resize %x {mode = "cubic", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x1x2x2xf32> to tensor<1x1x4x4xf32>
  %c_u = tensor.cast %c : tensor<1x1x4x4xf32> to tensor<*xf32>
  call @printMemrefF32(%c_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[0.683594, 1.01562, 1.5625, 1.89453],
  // CHECK-NEXT: [1.34766, 1.67969, 2.22656, 2.55859],
  // CHECK-NEXT: [2.44141, 2.77344, 3.32031, 3.65234],
  // CHECK-NEXT: [3.10547, 3.4375, 3.98438, 4.31641]]]]

  // Expected values below are the ONNX reference implementation's.
  %r = tessera.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]> : tensor<1x8xf32>

  // cubic, A = -0.5, exclude_outside, downscale by 0.5 (half_pixel).
  %e = tessera.resize %r {mode = "cubic", coordinate_transformation_mode = "half_pixel", cubic_coeff_a = -0.5, exclude_outside = true, scales = array<f64: 1.0, 0.375>} : tensor<1x8xf32> to tensor<1x3xf32>
  %e_u = tensor.cast %e : tensor<1x3xf32> to tensor<*xf32>
  call @printMemrefF32(%e_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[0.812357, 3.5, 6.18764]]

  // tf_crop_and_resize over [0.5, 1.25] of the row: the last two
  // coordinates fall past the end and read the extrapolation value.
  %t = tessera.resize %r {mode = "cubic", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.5, 1.0, 1.25>, extrapolation_value = -1.0, scales = array<f64: 1.0, 0.625>} : tensor<1x8xf32> to tensor<1x5xf32>
  %t_u = tensor.cast %t : tensor<1x5xf32> to tensor<*xf32>
  call @printMemrefF32(%t_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}[3.5, 4.76489, 6.17627, -1, -1]]
  return
}
