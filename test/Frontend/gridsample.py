# GridSample (bilinear/nearest/bicubic taps, zeros/border/reflection
# padding) and RoiAlign (avg/max) as gathers over computed sample positions.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
XG = [("x", [2, 3, 4, 5], "f32"), ("g", [2, 6, 7, 2], "f32")]


def grid(name, inputs=XG, **attrs):
    s.add(name, [node("GridSample", ["x", "g"], ["y"], **attrs)], inputs, ["y"],
          opset=16)


grid("gridsample_bilinear")
grid("gridsample_nearest_border", mode="nearest", padding_mode="border")
grid("gridsample_bicubic_reflection", mode="bicubic",
     padding_mode="reflection", align_corners=1)
grid("gridsample_5d", [("x", [1, 1, 2, 3, 4], "f32"), ("g", [1, 2, 2, 2, 3], "f32")])
grid("gridsample_bad_mode", mode="cubic")
grid("gridsample_bad_padding", padding_mode="wrap")
grid("gridsample_bad_grid", [("x", [1, 1, 2, 2], "f32"), ("g", [1, 2, 2, 3], "f32")])
grid("gridsample_int", [("x", [1, 1, 2, 2], "i32"), ("g", [1, 2, 2, 2], "f32")])

XR = [("x", [2, 3, 8, 9], "f32"), ("rois", [4, 4], "f32"), ("b", [4], "i64")]
ROIS = const("rois", np.array([[0, 0, 4, 4], [1, 2, 7, 8], [2, 2, 2, 2],
                               [0, 1, 3, 8]], np.float32))


def roi(name, inputs=XR, inits=(), opset=16, **attrs):
    s.add(name, [node("RoiAlign", ["x", "rois", "b"], ["y"], **attrs)], inputs,
          ["y"], inits=inits, opset=opset)


roi("roialign_avg", output_height=2, output_width=3, sampling_ratio=2)
roi("roialign_max", mode="max", output_height=2, output_width=2,
    sampling_ratio=1, coordinate_transformation_mode="output_half_pixel")
roi("roialign_adaptive", [XR[0], XR[2]], [ROIS], output_height=2,
    output_width=2)
roi("roialign_adaptive_runtime_rois", output_height=2, output_width=2)
roi("roialign_opset10", opset=10, sampling_ratio=1)
roi("roialign_too_large", sampling_ratio=100000)
roi("roialign_bad_mode", mode="min", sampling_ratio=1)
roi("roialign_bad_ctm", sampling_ratio=1,
    coordinate_transformation_mode="align_corners")

# CHECK-LABEL: // CASE: gridsample_bilinear
# CHECK: tessera.slice %{{.+}} {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x1x42x2xf32> to tensor<2x1x42x1xf32>
# CHECK: tessera.floor
# CHECK: tessera.concat {{.+}} {axis = 1 : i64} : (tensor<2x1x42xf32>, tensor<2x1x42xf32>) -> tensor<2x2x42xf32>
# CHECK: tessera.cast %{{.+}} : tensor<2x2x1x42xf32> to tensor<2x2x1x42xi64>
# CHECK: tessera.broadcast_to %{{.+}} : tensor<2x1x168xi64> to tensor<2x3x168xi64>
# CHECK: tessera.gather_elements %{{.+}}, %{{.+}} {axis = 2 : i64} : (tensor<2x3x20xf32>, tensor<2x3x168xi64>) -> tensor<2x3x168xf32>
# CHECK: tessera.where %{{.+}} : (tensor<2x1x4x42xi1>, tensor<2x3x4x42xf32>, tensor<f32>) -> tensor<2x3x4x42xf32>
# CHECK: tessera.reduce_sum %{{.+}} {axes = array<i64: 2>, keepdims = false} : tensor<2x3x4x42xf32> to tensor<2x3x42xf32>
# CHECK: tessera.reshape %{{.+}} : tensor<2x3x42xf32> to tensor<2x3x6x7xf32>
# CHECK-LABEL: // CASE: gridsample_nearest_border
# CHECK: tessera.clamp %{{.+}} {max = 4.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<2x1x42xf32>
# CHECK: tessera.round
# CHECK: tessera.gather_elements %{{.+}} : (tensor<2x3x20xf32>, tensor<2x3x42xi64>) -> tensor<2x3x42xf32>
# CHECK-NOT: tessera.reduce_sum
# CHECK: tessera.reshape %{{.+}} : tensor<2x3x1x42xf32> to tensor<2x3x6x7xf32>
# CHECK-LABEL: // CASE: gridsample_bicubic_reflection
# CHECK: tessera.mod %{{.+}} {fmod = true}
# CHECK: tessera.concat {{.+}} {axis = 1 : i64} : (tensor<2x1x42xf32>, tensor<2x1x42xf32>, tensor<2x1x42xf32>, tensor<2x1x42xf32>) -> tensor<2x4x42xf32>
# CHECK: tessera.gather_elements %{{.+}} : (tensor<2x3x20xf32>, tensor<2x3x672xi64>) -> tensor<2x3x672xf32>
# CHECK: tessera.reduce_sum %{{.+}} : tensor<2x3x16x42xf32> to tensor<2x3x42xf32>
# CHECK-LABEL: // CASE: gridsample_5d
# CHECK: (op type 'GridSample', opset 16): only 4-D input [N, C, H, W] is supported, got rank 5
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: gridsample_bad_mode
# CHECK: (op type 'GridSample', opset 16): unsupported mode 'cubic'
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: gridsample_bad_padding
# CHECK: (op type 'GridSample', opset 16): unsupported padding_mode 'wrap'
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: gridsample_bad_grid
# CHECK: (op type 'GridSample', opset 16): grid must have shape [N, H_out, W_out, 2] with the input's N
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: gridsample_int
# CHECK: (op type 'GridSample', opset 16): input and grid must be float tensors
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: roialign_avg
# CHECK: tessera.gather %arg0, %arg2 {axis = 0 : i64} : (tensor<2x3x8x9xf32>, tensor<4xi64>) -> tensor<4x3x8x9xf32>
# CHECK: tessera.gather_elements %{{.+}} {axis = 2 : i64} : (tensor<4x3x72xf32>, tensor<4x3x96xi64>) -> tensor<4x3x96xf32>
# CHECK: tessera.reduce_sum %{{.+}} {axes = array<i64: 3, 5>, keepdims = false} : tensor<4x3x2x4x3x4xf32> to tensor<4x3x2x3xf32>
# CHECK: tessera.div %{{.+}} : (tensor<4x3x2x3xf32>, tensor<1x1x1x1xf32>) -> tensor<4x3x2x3xf32>
# CHECK-LABEL: // CASE: roialign_max
# CHECK: tessera.max %{{.+}} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
# CHECK: tessera.reduce_max %{{.+}} {axes = array<i64: 3, 5>, keepdims = false} : tensor<4x3x2x2x2x2xf32> to tensor<4x3x2x2xf32>
# CHECK-NOT: tessera.div {{.+}} -> tensor<4x3x2x2xf32>
# CHECK-LABEL: // CASE: roialign_adaptive
# CHECK: tessera.where %{{.+}} : (tensor<4x1x1x8x1x6xi1>, tensor<4x3x2x8x2x6xf32>, tensor<4x1x1x1x1x1xf32>) -> tensor<4x3x2x8x2x6xf32>
# CHECK: tessera.reduce_sum %{{.+}} {axes = array<i64: 3, 5>, keepdims = false} : tensor<4x3x2x8x2x6xf32> to tensor<4x3x2x2xf32>
# CHECK: tessera.div %{{.+}} : (tensor<4x3x2x2xf32>, tensor<4x1x1x1xf32>) -> tensor<4x3x2x2xf32>
# CHECK-LABEL: // CASE: roialign_adaptive_runtime_rois
# CHECK: (op type 'RoiAlign', opset 16): {{.*}}rois (with sampling_ratio 0){{.*}}constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: roialign_opset10
# CHECK-NOT: // EXIT
# CHECK: tessera.max %{{.+}} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
# CHECK: tessera.reduce_sum
# CHECK-LABEL: // CASE: roialign_too_large
# CHECK: (op type 'RoiAlign', opset 16): the sampling grid of 100000 x 100000 samples per bin is too large
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: roialign_bad_mode
# CHECK: (op type 'RoiAlign', opset 16): unsupported mode 'min'
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: roialign_bad_ctm
# CHECK: (op type 'RoiAlign', opset 16): unsupported coordinate_transformation_mode 'align_corners'
# CHECK: // EXIT: 1
