# Resize with constant scales or sizes (nearest and linear, several
# coordinate transformation modes); runtime scales and cubic are diagnosed.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [1, 2, 4, 4], "f32")]
scales = lambda *v: const("scales", np.array(v, np.float32))
sizes = lambda *v: const("sizes", np.array(v, np.int64))
s.add("resize_scales_linear", [node("Resize", ["x", "", "scales"], ["y"], mode="linear")], X,
      ["y"], inits=[scales(1, 1, 2, 2)])
s.add("resize_sizes_nearest", [node("Resize", ["x", "", "", "sizes"], ["y"],
                                    coordinate_transformation_mode="asymmetric",
                                    nearest_mode="floor")], X, ["y"], inits=[sizes(1, 2, 3, 6)])
s.add("resize_runtime_scales", [node("Resize", ["x", "", "s"], ["y"])],
      X + [("s", [4], "f32")], ["y"])
s.add("resize_cubic", [node("Resize", ["x", "", "scales"], ["y"], mode="cubic")], X, ["y"],
      inits=[scales(1, 1, 2, 2)])

# CHECK-LABEL: // CASE: resize_scales_linear
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "half_pixel", mode = "linear", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x8x8xf32>
# CHECK-LABEL: // CASE: resize_sizes_nearest
# CHECK: tessera.resize %arg0 {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 7.500000e-01, 1.500000e+00>} : tensor<1x2x4x4xf32> to tensor<1x2x3x6xf32>
# CHECK-LABEL: // CASE: resize_runtime_scales
# CHECK: (op type 'Resize', opset 17): scales (input 2 's') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: resize_cubic
# CHECK: (op type 'Resize', opset 17): unsupported mode 'cubic'
# CHECK: // EXIT: 1
