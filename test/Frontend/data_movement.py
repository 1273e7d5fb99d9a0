# Shape and data-movement ops, and the folding of torch's shape subgraphs:
# Reshape (0 / -1), Transpose, Concat, Split (input, attribute, equal),
# Slice (negative, clamped, stepped, reversed), Squeeze/Unsqueeze across the
# opset-13 attribute->input move, Flatten, Expand, Gather, Shape, Size, Pad,
# Tile.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
X = [("x", [2, 3, 4], "f32")]
i64 = lambda name, *v: const(name, np.array(v, np.int64))
s.add("reshape_zero_minus1", [node("Reshape", ["x", "sh"], ["y"])], X, ["y"], inits=[i64("sh", 0, -1)])
s.add("transpose", [node("Transpose", ["x"], ["y"], perm=[2, 0, 1])], X, ["y"])
s.add("transpose_default", [node("Transpose", ["x"], ["y"])], X, ["y"])
s.add("concat", [node("Concat", ["x", "z"], ["y"], axis=-1)], X + [("z", [2, 3, 2], "f32")], ["y"])
# torch.cat's legacy empty 1-d input (Emformer's attention) is dropped.
s.add("concat_legacy_empty", [node("Concat", ["x", "e", "z"], ["y"], axis=1)],
      X + [("z", [2, 1, 4], "f32")], ["y"], inits=[const("e", np.zeros(0, np.float32))])
s.add("split_input", [node("Split", ["x", "sp"], ["a", "b"], axis=2)], X, ["a", "b"],
      inits=[i64("sp", 1, 3)])
s.add("split_equal", [node("Split", ["x"], ["a", "b"], axis=-1)], X, ["a", "b"])
s.add("split_attr_opset11", [node("Split", ["x"], ["a", "b"], axis=1, split=[2, 1])], X, ["a", "b"],
      opset=11)
s.add("split_num_outputs_opset18", [node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)],
      X, ["a", "b", "c"], opset=18)
# Errors name the sizes: split sizes that miss the dimension, and a count
# that differs from the outputs'.
s.add("bad_split_sizes", [node("Split", ["x", "sp"], ["a", "b"], axis=2, name="split")], X,
      ["a", "b"], inits=[i64("sp", 1, 2)])
s.add("bad_split_count", [node("Split", ["x", "sp"], ["a", "b"], axis=2, name="split")], X,
      ["a", "b"], inits=[i64("sp", 1, 1, 2)])
s.add("slice_neg_clamp", [node("Slice", ["x", "st", "en", "ax"], ["y"])], X, ["y"],
      inits=[i64("st", -3, 1), i64("en", 2**62, 100), i64("ax", 2, 0)])
s.add("slice_steps", [node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], X, ["y"],
      inits=[i64("st", 0, -1), i64("en", 4, -5), i64("ax", 2, 1), i64("sp", 2, -1)])
s.add("slice_empty", [node("Slice", ["x", "st", "en"], ["y"])], X, ["y"],
      inits=[i64("st", 1), i64("en", 1)])
s.add("squeeze_input", [node("Squeeze", ["u", "ax"], ["y"])], [("u", [2, 1, 4, 1], "f32")], ["y"],
      inits=[i64("ax", -1)])
s.add("squeeze_all", [node("Squeeze", ["u"], ["y"])], [("u", [2, 1, 4, 1], "f32")], ["y"])
s.add("squeeze_attr_opset11", [node("Squeeze", ["u"], ["y"], axes=[1])], [("u", [2, 1, 4], "f32")],
      ["y"], opset=11)
s.add("unsqueeze_input", [node("Unsqueeze", ["x", "ax"], ["y"])], X, ["y"], inits=[i64("ax", 0, -1)])
s.add("unsqueeze_attr_opset12", [node("Unsqueeze", ["x"], ["y"], axes=[1])], X, ["y"], opset=12)
s.add("flatten", [node("Flatten", ["x"], ["y"], axis=2)], X, ["y"])
s.add("expand", [node("Expand", ["e", "sh"], ["y"])], [("e", [3, 1], "f32")], ["y"],
      inits=[i64("sh", 2, 1, 4)])
s.add("gather", [node("Gather", ["tab", "ids"], ["y"])], [("tab", [10, 4], "f32"), ("ids", [2, 3], "i64")],
      ["y"])
s.add("gather_axis1_const", [node("Gather", ["x", "i"], ["y"], axis=1)], X, ["y"],
      inits=[const("i", np.array(-1, np.int64))])
s.add("pad", [node("Pad", ["x", "p", "v"], ["y"], mode="constant")], X, ["y"],
      inits=[i64("p", 0, 1, 0, 0, 2, 1), const("v", np.array(0.5, np.float32))])
s.add("pad_reflect", [node("Pad", ["x", "p"], ["y"], mode="reflect")], X, ["y"],
      inits=[i64("p", 0, 0, 1, 0, 0, 2)])
s.add("tile", [node("Tile", ["x", "r"], ["y"])], X, ["y"], inits=[i64("r", 1, 2, 1)])
# ConstantOfShape -> Expand (torch's ones(...).expand(x.shape)) folds to a splat.
s.add("constantofshape_expand_fold", [
    node("ConstantOfShape", ["one_shape"], ["ones"]),
    node("Shape", ["x"], ["s"]),
    node("Expand", ["ones", "s"], ["e"]),
    node("Add", ["x", "e"], ["y"])], X, ["y"], inits=[i64("one_shape", 1, 1)])
# Shape -> Slice -> Squeeze -> Range -> Cast: x + arange(x.shape[-1]).
s.add("shape_slice_range", [
    node("Shape", ["x"], ["s"]),
    node("Slice", ["s", "m1", "big"], ["last"]),
    node("Squeeze", ["last", "ax0"], ["n"]),
    node("Range", ["zero", "n", "one"], ["r"]),
    node("Cast", ["r"], ["rf"], to=1),
    node("Add", ["x", "rf"], ["y"])], X, ["y"],
    inits=[i64("m1", -1), i64("big", 2**40), i64("ax0", 0), const("zero", np.array(0, np.int64)),
           const("one", np.array(1, np.int64))])
# ScatterND into a constant mask (torchvision Swin's shifted windows) folds.
s.add("scatternd_fold", [
    node("ConstantOfShape", ["msh"], ["mask"]),
    node("ScatterND", ["mask", "idx", "upd"], ["m2"]),
    node("Add", ["m4", "m2"], ["y"])], [("m4", [2, 2], "f32")], ["y"],
    inits=[i64("msh", 2, 2), const("idx", np.array([[1, 0], [0, 1]], np.int64)),
           const("upd", np.array([5.0, 7.0], np.float32))])
# torch's view(x.size(0), -1, heads, dim): Shape -> Gather -> Unsqueeze -> Concat -> Reshape,
# plus Size and a Shape(start, end) slice, all folded to constants.
s.add("torch_shape_chain", [
    node("Shape", ["x"], ["s"]),
    node("Gather", ["s", "zero"], ["b"], axis=0),
    node("Unsqueeze", ["b", "ax0"], ["b1"]),
    node("Shape", ["x"], ["tail"], start=-1),
    node("Div", ["tail", "two"], ["half"]),
    node("Concat", ["b1", "m1", "two", "half"], ["shape"], axis=0),
    node("Reshape", ["x", "shape"], ["r"]),
    node("Size", ["x"], ["n"]),
    node("Cast", ["n"], ["nf"], to=1),
    node("Mul", ["r", "nf"], ["y"])], X, ["y"],
    inits=[const("zero", np.array(0, np.int64)), i64("ax0", 0),
           i64("two", 2), i64("m1", -1)])

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: reshape_zero_minus1
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x12xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<2x12xf32>
# CHECK-LABEL: // CASE: transpose
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<4x2x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.transpose %arg0 {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> to tensor<4x2x3xf32>
# CHECK-LABEL: // CASE: transpose_default
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<4x3x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.transpose %arg0 {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> to tensor<4x3x2xf32>
# CHECK-LABEL: // CASE: concat
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}, %arg1: tensor<2x3x2xf32> {tessera.name = "z"}) -> (tensor<2x3x6xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.concat %arg0, %arg1 {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2x3x2xf32>) -> tensor<2x3x6xf32>
# CHECK-LABEL: // CASE: concat_legacy_empty
# CHECK: {{%[0-9]+}} = tessera.concat %arg0, %arg1 {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x4x4xf32>
# CHECK-LABEL: // CASE: split_input
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x1xf32> {tessera.name = "a"}, tensor<2x3x3xf32> {tessera.name = "b"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x3x1xf32>
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 1>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x3x3xf32>
# CHECK-LABEL: // CASE: split_equal
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x2xf32> {tessera.name = "a"}, tensor<2x3x2xf32> {tessera.name = "b"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x3x2xf32>
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 2>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x3x2xf32>
# CHECK-LABEL: // CASE: split_attr_opset11
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x2x4xf32> {tessera.name = "a"}, tensor<2x1x4xf32> {tessera.name = "b"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x2x4xf32>
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 2, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK-LABEL: // CASE: split_num_outputs_opset18
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x1x4xf32> {tessera.name = "a"}, tensor<2x1x4xf32> {tessera.name = "b"}, tensor<2x1x4xf32> {tessera.name = "c"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 1, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 2, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<2x1x4xf32>
# CHECK-LABEL: // CASE: bad_split_sizes
# CHECK: node 'split' (op type 'Split', opset 17): split sizes add up to 3, but dimension 2 of tensor<2x3x4xf32> has 4
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_split_count
# CHECK: node 'split' (op type 'Split', opset 17): 3 split sizes for 2 outputs
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: slice_neg_clamp
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<1x3x3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 1, 0, 1>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<1x3x3xf32>
# CHECK-LABEL: // CASE: slice_steps
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 2, 0>, steps = array<i64: 1, -1, 2>} : tensor<2x3x4xf32> to tensor<2x3x2xf32>
# CHECK-LABEL: // CASE: slice_empty
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<0x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.slice %arg0 {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x3x4xf32> to tensor<0x3x4xf32>
# CHECK-LABEL: // CASE: squeeze_input
# CHECK: func.func @main_graph(%arg0: tensor<2x1x4x1xf32> {tessera.name = "u"}) -> (tensor<2x1x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x1x4x1xf32> to tensor<2x1x4xf32>
# CHECK-LABEL: // CASE: squeeze_all
# CHECK: func.func @main_graph(%arg0: tensor<2x1x4x1xf32> {tessera.name = "u"}) -> (tensor<2x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x1x4x1xf32> to tensor<2x4xf32>
# CHECK-LABEL: // CASE: squeeze_attr_opset11
# CHECK: func.func @main_graph(%arg0: tensor<2x1x4xf32> {tessera.name = "u"}) -> (tensor<2x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x1x4xf32> to tensor<2x4xf32>
# CHECK-LABEL: // CASE: unsqueeze_input
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<1x2x3x4x1xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<1x2x3x4x1xf32>
# CHECK-LABEL: // CASE: unsqueeze_attr_opset12
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x1x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<2x1x3x4xf32>
# CHECK-LABEL: // CASE: flatten
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<6x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<6x4xf32>
# CHECK-LABEL: // CASE: expand
# CHECK: func.func @main_graph(%arg0: tensor<3x1xf32> {tessera.name = "e"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.broadcast_to %arg0 : tensor<3x1xf32> to tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: gather
# CHECK: func.func @main_graph(%arg0: tensor<10x4xf32> {tessera.name = "tab"}, %arg1: tensor<2x3xi64> {tessera.name = "ids"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.gather %arg0, %arg1 {axis = 0 : i64} : (tensor<10x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: gather_axis1_const
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<-1> : tensor<i64>
# CHECK: {{%[0-9]+}} = tessera.gather %arg0, {{%[0-9]+}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x4xf32>
# CHECK-LABEL: // CASE: pad
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x6x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.pad %arg0 {pads = array<i64: 0, 1, 0, 0, 2, 1>, value = 5.000000e-01 : f64} : tensor<2x3x4xf32> to tensor<2x6x5xf32>
# CHECK-LABEL: // CASE: pad_reflect
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x7xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.pad %arg0 {mode = "reflect", pads = array<i64: 0, 0, 1, 0, 0, 2>} : tensor<2x3x4xf32> to tensor<2x3x7xf32>
# CHECK-LABEL: // CASE: tile
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x6x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.concat %arg0, %arg0 {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
# CHECK-LABEL: // CASE: constantofshape_expand_fold
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<2x3x4xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: shape_slice_range
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x4xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
# CHECK-LABEL: // CASE: scatternd_fold
# CHECK: func.func @main_graph(%arg0: tensor<2x2xf32> {tessera.name = "m4"}) -> (tensor<2x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.constant dense<{{\[\[}}0.000000e+00, 7.000000e+00], [5.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
# CHECK: {{%[0-9]+}} = tessera.add %arg0, {{%[0-9]+}} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
# CHECK-LABEL: // CASE: torch_shape_chain
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4xf32> {tessera.name = "x"}) -> (tensor<2x3x2x2xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<2x3x4xf32> to tensor<2x3x2x2xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<2.400000e+01> : tensor<f32>
# CHECK: {{%[0-9]+}} = tessera.mul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<2x3x2x2xf32>, tensor<f32>) -> tensor<2x3x2x2xf32>
