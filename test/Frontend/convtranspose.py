# ConvTranspose as a stride-1 conv over the zero-stuffed input with the
# flipped, per-group transposed kernel: strides, pads (cropping ones too),
# dilations, groups, output_padding, output_shape and auto_pad. Strided ones
# of one group without dilation as a matmul and col2im (COL2IM), or with
# --conv-transpose-col2im=false as the stuffed conv too (STUFFED).
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s --check-prefixes=CHECK,COL2IM
# RUN: %python -m onnx_testlib %t --conv-transpose-col2im=false | FileCheck %s --check-prefixes=CHECK,STUFFED
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
W = lambda name, shape: const(name, np.ones(shape, np.float32))
CT = lambda **attrs: [node("ConvTranspose", ["x", "w"], ["y"], **attrs)]
X2 = [("x", [1, 1, 3, 3], "f32")]
s.add("plain", CT(), X2, ["y"], inits=[W("w", [1, 2, 3, 3])])
s.add("conv1d", CT(), [("x", [1, 1, 3], "f32")], ["y"], inits=[W("w", [1, 2, 3])])
s.add("conv3d", CT(strides=[1, 2, 1]), [("x", [1, 1, 2, 3, 2], "f32")], ["y"],
      inits=[W("w", [1, 1, 2, 2, 2])])
# torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
# groups=2) with bias.
s.add("torch_style", [node("ConvTranspose", ["x", "w", "b"], ["y"], strides=[2, 2],
                           pads=[1, 1, 1, 1], output_padding=[1, 1], group=2)],
      [("x", [2, 4, 5, 5], "f32")], ["y"],
      inits=[W("w", [4, 3, 3, 3]), const("b", np.zeros(6, np.float32))])
s.add("crop", CT(strides=[3], pads=[2, 2]), [("x", [1, 1, 4], "f32")], ["y"],
      inits=[W("w", [1, 1, 2])])
s.add("dilations", CT(dilations=[2, 2]), X2, ["y"], inits=[W("w", [1, 1, 2, 2])])
s.add("output_shape", CT(strides=[3, 2], output_shape=[10, 8]), X2, ["y"],
      inits=[W("w", [1, 2, 3, 3])])
s.add("same_upper", CT(strides=[2, 2], auto_pad="SAME_UPPER"), X2, ["y"],
      inits=[W("w", [1, 2, 3, 3])])
s.add("same_lower", CT(strides=[2, 2], auto_pad="SAME_LOWER"), X2, ["y"],
      inits=[W("w", [1, 2, 3, 3])])
s.add("valid", CT(strides=[2, 2], auto_pad="VALID", pads=[1, 1, 1, 1]), X2, ["y"],
      inits=[W("w", [1, 2, 3, 3])])
# A weight that is a graph input: one linear layer over all taps, sliced.
s.add("weight_input", CT(strides=[2]), [("x", [1, 2, 3], "f32"), ("w", [2, 1, 3], "f32")],
      ["y"])
# Errors.
s.add("bad_auto_pad", CT(auto_pad="FULL"), X2, ["y"], inits=[W("w", [1, 2, 3, 3])])
s.add("bad_group", CT(group=2), [("x", [1, 3, 3, 3], "f32")], ["y"],
      inits=[W("w", [3, 2, 3, 3])])
s.add("bad_strides", CT(strides=[2]), X2, ["y"], inits=[W("w", [1, 2, 3, 3])])
s.add("bad_kernel_shape", CT(kernel_shape=[2, 2]), X2, ["y"],
      inits=[W("w", [1, 2, 3, 3])])
s.add("negative_pads", CT(pads=[-1, 0, 0, 0]), X2, ["y"], inits=[W("w", [1, 2, 3, 3])])
s.add("empty_output", CT(pads=[3, 0, 2, 0]), X2, ["y"], inits=[W("w", [1, 2, 3, 3])])
s.add("crop_all", CT(pads=[3, 0], output_padding=[5]), [("x", [1, 1, 1], "f32")], ["y"],
      inits=[W("w", [1, 1, 1])])
s.add("int_input", CT(), [("x", [1, 1, 3, 3], "i32")], ["y"],
      inits=[const("w", np.ones([1, 2, 3, 3], np.int32))])

# CHECK-LABEL: // CASE: plain
# CHECK: %[[T:.+]] = tessera.transpose %{{.+}} {perm = array<i64: 1, 0, 2, 3>} : tensor<1x2x3x3xf32> to tensor<2x1x3x3xf32>
# CHECK: %[[F:.+]] = tessera.slice %[[T]] {starts = array<i64: 0, 0, 2, 2>, steps = array<i64: 1, 1, -1, -1>}
# CHECK: tessera.conv %arg0, %[[F]] {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x5x5xf32>
# CHECK-LABEL: // CASE: conv1d
# CHECK: tessera.conv %arg0, %{{.+}} {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 2, 2>, strides = array<i64: 1>} : (tensor<1x1x3xf32>, tensor<2x1x3xf32>) -> tensor<1x2x5xf32>
# CHECK-LABEL: // CASE: conv3d
# COL2IM: %[[T:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 3, 4, 1>} : tensor<1x1x2x3x2xf32> to tensor<1x2x3x2x1xf32>
# COL2IM: %[[X:.+]] = tessera.reshape %[[T]] : tensor<1x2x3x2x1xf32> to tensor<1x12x1xf32>
# COL2IM: %[[W0:.+]] = tessera.constant dense_resource<w_col2im_0> : tensor<1x2xf32>
# COL2IM: tessera.linear %[[X]], %[[W0]] : (tensor<1x12x1xf32>, tensor<1x2xf32>) -> tensor<1x12x2xf32>
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0>} : tensor<1x2x3x2x1x1x2x1xf32> to tensor<1x3x3x3x1x1x2x1xf32>
# COL2IM: tessera.linear %[[X]], %{{.+}}
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0>}
# COL2IM: tessera.add
# COL2IM: tessera.linear %[[X]], %{{.+}}
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0>}
# COL2IM: tessera.add
# COL2IM: tessera.linear %[[X]], %{{.+}}
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
# COL2IM: %[[S:.+]] = tessera.add
# COL2IM: %[[I:.+]] = tessera.transpose %[[S]] {perm = array<i64: 0, 4, 1, 5, 2, 6, 3, 7>} : tensor<1x3x3x3x1x1x2x1xf32> to tensor<1x1x3x1x3x2x3x1xf32>
# COL2IM: tessera.reshape %[[I]] : tensor<1x1x3x1x3x2x3x1xf32> to tensor<1x1x3x6x3xf32>
# COL2IM-NOT: tessera.conv
# COL2IM: w_col2im_0: "0x080000000000803F0000803F"
# STUFFED: %[[R:.+]] = tessera.reshape %arg0 : tensor<1x1x2x3x2xf32> to tensor<1x1x2x1x3x1x2x1xf32>
# STUFFED: %[[P:.+]] = tessera.pad %[[R]] {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0>}
# STUFFED: %[[S:.+]] = tessera.reshape %[[P]] : tensor<1x1x2x1x3x2x2x1xf32> to tensor<1x1x2x6x2xf32>
# STUFFED: tessera.conv %[[S]], %{{.+}} {dilations = array<i64: 1, 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1, 0, 1>, strides = array<i64: 1, 1, 1>} : (tensor<1x1x2x6x2xf32>, tensor<1x1x2x2x2xf32>) -> tensor<1x1x3x6x3xf32>
# CHECK-LABEL: // CASE: torch_style
# CHECK: %[[B:.+]] = tessera.constant dense<0.000000e+00> : tensor<6xf32>
# CHECK: tessera.reshape %arg0 : tensor<2x4x5x5xf32> to tensor<2x4x5x1x5x1xf32>
# CHECK: %[[S:.+]] = tessera.reshape %{{.+}} : tensor<2x4x5x2x5x2xf32> to tensor<2x4x10x10xf32>
# CHECK: tessera.reshape %{{.+}} : tensor<4x3x3x3xf32> to tensor<2x2x3x3x3xf32>
# CHECK: tessera.transpose %{{.+}} {perm = array<i64: 0, 2, 1, 3, 4>} : tensor<2x2x3x3x3xf32> to tensor<2x3x2x3x3xf32>
# CHECK: tessera.reshape %{{.+}} : tensor<2x3x2x3x3xf32> to tensor<6x2x3x3xf32>
# CHECK: %[[F:.+]] = tessera.slice
# CHECK: tessera.conv %[[S]], %[[F]], %[[B]] {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<2x4x10x10xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<2x6x10x10xf32>
# CHECK-LABEL: // CASE: crop
# COL2IM: %[[W:.+]] = tessera.constant dense_resource<w_col2im_0> : tensor<1x3xf32>
# COL2IM: tessera.linear %{{.+}}, %[[W]] : (tensor<1x4x1xf32>, tensor<1x3xf32>) -> tensor<1x4x3xf32>
# COL2IM-NOT: tessera.add
# COL2IM: tessera.transpose %{{.+}} {perm = array<i64: 0, 2, 1, 3>} : tensor<1x4x1x3xf32> to tensor<1x1x4x3xf32>
# COL2IM: %[[F:.+]] = tessera.reshape %{{.+}} : tensor<1x1x4x3xf32> to tensor<1x1x12xf32>
# COL2IM: tessera.pad %[[F]] {pads = array<i64: 0, 0, -2, 0, 0, -3>} : tensor<1x1x12xf32> to tensor<1x1x7xf32>
# The kernel's 2 taps and a zero for the third phase.
# COL2IM: w_col2im_0: "0x080000000000803F0000803F00000000"
# STUFFED: %[[S:.+]] = tessera.reshape %{{.+}} : tensor<1x1x4x3xf32> to tensor<1x1x12xf32>
# STUFFED: %[[C:.+]] = tessera.pad %[[S]] {pads = array<i64: 0, 0, -1, 0, 0, -3>} : tensor<1x1x12xf32> to tensor<1x1x8xf32>
# STUFFED: tessera.conv %[[C]], %{{.+}} {dilations = array<i64: 1>, group = 1 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<1x1x8xf32>, tensor<1x1x2xf32>) -> tensor<1x1x7xf32>
# CHECK-LABEL: // CASE: dilations
# CHECK-NOT: tessera.pad
# CHECK: tessera.conv %arg0, %{{.+}} {dilations = array<i64: 2, 2>, group = 1 : i64, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x5x5xf32>
# CHECK-LABEL: // CASE: output_shape
# COL2IM: tessera.linear %{{.+}}, %{{.+}} : (tensor<1x9x1xf32>, tensor<1x12xf32>) -> tensor<1x9x12xf32>
# COL2IM: tessera.linear %{{.+}}, %{{.+}} : (tensor<1x9x1xf32>, tensor<1x12xf32>) -> tensor<1x9x12xf32>
# COL2IM-NOT: tessera.linear
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, 1, 0>} : tensor<1x2x9x8xf32> to tensor<1x2x10x8xf32>
# STUFFED: tessera.conv %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 2, 2, 1, 2>, strides = array<i64: 1, 1>} : (tensor<1x1x9x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x10x8xf32>
# CHECK-LABEL: // CASE: same_upper
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, -2, -2>} : tensor<1x2x8x8xf32> to tensor<1x2x6x6xf32>
# STUFFED: tessera.conv {{.+}} pads = array<i64: 2, 2, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
# CHECK-LABEL: // CASE: same_lower
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, -1, -1, 0, 0, -1, -1>} : tensor<1x2x8x8xf32> to tensor<1x2x6x6xf32>
# STUFFED: tessera.conv {{.+}} pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x6x6xf32>
# CHECK-LABEL: // CASE: valid
# COL2IM: tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, -1, -1>} : tensor<1x2x8x8xf32> to tensor<1x2x7x7xf32>
# STUFFED: tessera.conv {{.+}} pads = array<i64: 2, 2, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x7x7xf32>
# CHECK-LABEL: // CASE: weight_input
# COL2IM: %[[W:.+]] = tessera.reshape %arg1 : tensor<2x1x3xf32> to tensor<2x3xf32>
# COL2IM: %[[L:.+]] = tessera.linear %{{.+}}, %[[W]] : (tensor<1x3x2xf32>, tensor<2x3xf32>) -> tensor<1x3x3xf32>
# COL2IM: %[[P:.+]] = tessera.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>} : tensor<1x3x1x3xf32> to tensor<1x3x1x4xf32>
# COL2IM: %[[C:.+]] = tessera.reshape %[[P]] : tensor<1x3x1x4xf32> to tensor<1x3x1x2x2xf32>
# COL2IM: tessera.slice %[[C]] {starts = array<i64: 0, 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : tensor<1x3x1x2x2xf32> to tensor<1x3x1x1x2xf32>
# COL2IM: tessera.slice %[[C]] {starts = array<i64: 0, 0, 0, 1, 0>, steps = array<i64: 1, 1, 1, 1, 1>} : tensor<1x3x1x2x2xf32> to tensor<1x3x1x1x2xf32>
# COL2IM: tessera.add
# STUFFED: tessera.conv
# CHECK-LABEL: // CASE: bad_auto_pad
# CHECK: (op type 'ConvTranspose', opset 17): unsupported auto_pad 'FULL'
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_group
# CHECK: group 2 does not fit 3 input channels and weight dimension 0 of 3
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_strides
# CHECK: attribute 'strides' needs 2 entries
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_kernel_shape
# CHECK: kernel_shape disagrees with the weight shape
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: negative_pads
# CHECK: pads and output_padding must not be negative
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: empty_output
# CHECK: output size of spatial dimension 0 is not positive
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: crop_all
# CHECK: pads crop away all of spatial dimension 0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: int_input
# CHECK: unsupported element types (matching floats expected)
# CHECK: // EXIT: 1
