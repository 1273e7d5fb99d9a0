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

  // nearest (torch's mode="nearest" is asymmetric + floor).
  %n = tessera.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 1.5, 1.5>} : tensor<1x1x2x2xf32> to tensor<1x1x3x3xf32>
  %n_u = tensor.cast %n : tensor<1x1x3x3xf32> to tensor<*xf32>
  call @printMemrefF32(%n_u) : (tensor<*xf32>) -> ()
  // CHECK: data =
  // CHECK-NEXT: {{\[}}{{\[}}{{\[}}[1, 1, 2],
  // CHECK-NEXT: [1, 1, 2],
  // CHECK-NEXT: [3, 3, 4]]]]
  return
}
