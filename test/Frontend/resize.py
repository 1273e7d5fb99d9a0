# Resize with constant scales or sizes (nearest, linear and cubic, several
# coordinate transformation modes, tf_crop_and_resize with a constant roi,
# opset-18 axes); runtime scales and a missing roi are diagnosed.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [1, 2, 4, 4], "f32")]
scales = lambda *v: const("scales", np.array(v, np.float32))
sizes = lambda *v: const("sizes", np.array(v, np.int64))
roi = lambda *v: const("roi", np.array(v, np.float32))
s.add("resize_scales_linear", [node("Resize", ["x", "", "scales"], ["y"], mode="linear")], X,
      ["y"], inits=[scales(1, 1, 2, 2)])
s.add("resize_sizes_nearest", [node("Resize", ["x", "", "", "sizes"], ["y"],
                                    coordinate_transformation_mode="asymmetric",
                                    nearest_mode="floor")], X, ["y"], inits=[sizes(1, 2, 3, 6)])
s.add("resize_runtime_scales", [node("Resize", ["x", "", "s"], ["y"])],
      X + [("s", [4], "f32")], ["y"])
s.add("resize_cubic", [node("Resize", ["x", "", "scales"], ["y"], mode="cubic")], X, ["y"],
      inits=[scales(1, 1, 2, 2)])
s.add("resize_cubic_exclude_outside",
      [node("Resize", ["x", "", "", "sizes"], ["y"], mode="cubic", cubic_coeff_a=-0.5,
            exclude_outside=1, coordinate_transformation_mode="align_corners")],
      X, ["y"], inits=[sizes(1, 2, 3, 3)])
s.add("resize_tf_crop_and_resize",
      [node("Resize", ["x", "roi", "", "sizes"], ["y"], mode="linear",
            coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=10.0)],
      X, ["y"], inits=[roi(0, 0, 0.4, 0.6, 1, 1, 1.2, 0.8), sizes(1, 2, 3, 3)])
s.add("resize_tf_crop_and_resize_no_roi",
      [node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
            coordinate_transformation_mode="tf_crop_and_resize")],
      X, ["y"], inits=[sizes(1, 2, 3, 3)])
s.add("resize_axes_crop",
      [node("Resize", ["x", "roi", "scales"], ["y"], mode="cubic", axes=[-1, 2],
            coordinate_transformation_mode="tf_crop_and_resize")],
      X, ["y"], inits=[roi(0.25, 0, 0.75, 1), scales(2, 0.5)], opset=18)
s.add("resize_antialias", [node("Resize", ["x", "", "scales"], ["y"], mode="cubic",
                                antialias=1)], X, ["y"], inits=[scales(1, 1, 0.5, 0.5)], opset=18)
s.add("upsample9_nearest", [node("Upsample", ["x", "scales"], ["y"])], X, ["y"],
      inits=[scales(1, 1, 2, 3)], opset=9)
s.add("upsample7_bilinear", [node("Upsample", ["x"], ["y"], mode="bilinear",
                                  scales=[1.0, 1.0, 2.0, 2.0])], X, ["y"], opset=7)
s.add("upsample_cubic", [node("Upsample", ["x", "scales"], ["y"], mode="cubic")], X, ["y"],
      inits=[scales(1, 1, 2, 2)], opset=9)

# CHECK-LABEL: // CASE: resize_scales_linear
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "half_pixel", mode = "linear", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x8x8xf32>
# CHECK-LABEL: // CASE: resize_sizes_nearest
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 1.500000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x3x6xf32>
# CHECK-LABEL: // CASE: resize_runtime_scales
# CHECK: (op type 'Resize', opset 17): scales (input 2 's') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: resize_cubic
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "half_pixel", mode = "cubic", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x8x8xf32>
# CHECK-LABEL: // CASE: resize_cubic_exclude_outside
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "align_corners", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, mode = "cubic", scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 7.500000e-01>} : tensor<1x2x4x4xf32> to tensor<1x2x3x3xf32>
# CHECK-LABEL: // CASE: resize_tf_crop_and_resize
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f64, mode = "linear", roi = array<f64: 0.000000e+00, 0.000000e+00, 0.40000000596046448, 0.60000002384185791, 1.000000e+00, 1.000000e+00, 1.2000000476837158, 0.80000001192092896>, scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 7.500000e-01>} : tensor<1x2x4x4xf32> to tensor<1x2x3x3xf32>
# CHECK-LABEL: // CASE: resize_tf_crop_and_resize_no_roi
# CHECK: (op type 'Resize', opset 17): tf_crop_and_resize needs a roi
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: resize_axes_crop
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "tf_crop_and_resize", mode = "cubic", roi = array<f64: 0.000000e+00, 0.000000e+00, 0.000000e+00, 2.500000e-01, 1.000000e+00, 1.000000e+00, 1.000000e+00, 7.500000e-01>, scales = array<f64: 1.000000e+00, 1.000000e+00, 5.000000e-01, 2.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x2x8xf32>
# CHECK-LABEL: // CASE: resize_antialias
# CHECK: (op type 'Resize', opset 18): keep_aspect_ratio_policy and antialias are not supported
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: upsample9_nearest
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x8x12xf32>
# CHECK-LABEL: // CASE: upsample7_bilinear
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "asymmetric", mode = "linear", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x8x8xf32>
# CHECK-LABEL: // CASE: upsample_cubic
# CHECK: (op type 'Upsample', opset 9): unsupported mode 'cubic'
# CHECK: // EXIT: 1
