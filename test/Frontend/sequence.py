# ONNX sequences as import-time lists of tensors: the sequence ops only
# rearrange the list, ConcatFromSequence joins it with reshape + concat and
# SplitToSequence slices (tessera.gather per step without keepdims); a
# sequence flows through Loop-carried state and If branches. Errors name the
# node, op type and opset.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx import TensorProto, helper
from onnx_testlib import DTYPES, Suite, const, node

s = Suite(sys.argv[1])
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, elem, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def seq_vi(name, elem=F):
    return helper.make_tensor_sequence_value_info(name, elem, None)


def pos(name, value):
    return const(name, np.array(value, np.int64))


# SequenceAt with a negative position, SequenceLength as a constant.
s.add("construct_at_length",
      [node("SequenceConstruct", ["a", "b", "c"], ["sq"]),
       node("SequenceAt", ["sq", "m1"], ["last"]),
       node("SequenceLength", ["sq"], ["n"])],
      [("a", [2], "f32"), ("b", [3], "f32"), ("c", [4], "f32")], ["last", "n"],
      inits=[pos("m1", -1)])

# Insert at the back, the front and in the middle, erase the first and the
# last (default): [b, c, a] -> [c, a] -> [c]... then concatenate along axis 0.
s.add("insert_erase_concat",
      [node("SequenceEmpty", [], ["e"], dtype=F),
       node("SequenceInsert", ["e", "a"], ["s1"]),
       node("SequenceInsert", ["s1", "b", "zero"], ["s2"]),
       node("SequenceInsert", ["s2", "c", "one"], ["s3"]),
       node("SequenceErase", ["s3", "zero"], ["s4"]),
       node("SequenceInsert", ["s4", "b"], ["s5"]),
       node("SequenceErase", ["s5"], ["s6"]),
       node("ConcatFromSequence", ["s6"], ["y"], axis=0)],
      [("a", [1, 2], "f32"), ("b", [2, 2], "f32"), ("c", [3, 2], "f32")], ["y"],
      inits=[pos("zero", 0), pos("one", 1)])

# new_axis = 1 stacks along a new (negative) last axis.
s.add("concat_new_axis",
      [node("SequenceConstruct", ["a", "b"], ["sq"]),
       node("ConcatFromSequence", ["sq"], ["y"], axis=-1, new_axis=1)],
      [("a", [2, 3], "f32"), ("b", [2, 3], "f32")], ["y"])

# SplitToSequence without split: steps of axis 1, squeezed by keepdims = 0
# (tessera.gather) or kept (tessera.slice).
s.add("split_steps",
      [node("SplitToSequence", ["x"], ["sq"], axis=1, keepdims=0),
       node("SequenceAt", ["sq", "one"], ["y"]),
       node("SplitToSequence", ["x"], ["sk"], axis=1),
       node("SequenceAt", ["sk", "one"], ["z"])],
      [("x", [2, 3], "f32")], ["y", "z"], inits=[pos("one", 1)])

# A scalar split gives chunks of 2, the last one shorter; a 1-D split gives
# those sizes; both join back to x.
s.add("split_sizes",
      [node("SplitToSequence", ["x", "two"], ["sq"]),
       node("SequenceAt", ["sq", "m1"], ["last"]),
       node("ConcatFromSequence", ["sq"], ["y"], axis=0),
       node("SplitToSequence", ["x", "sizes"], ["sz"]),
       node("SequenceLength", ["sz"], ["n"])],
      [("x", [5, 2], "f32")], ["last", "y", "n"],
      inits=[pos("two", 2), pos("m1", -1), pos("sizes", [1, 4])])

# Constant inputs fold through the list.
s.add("split_const",
      [node("SplitToSequence", ["k"], ["sq"], keepdims=0),
       node("SequenceAt", ["sq", "one"], ["y"])],
      [], ["y"], inits=[const("k", np.arange(6, dtype=np.float32).reshape(3, 2)),
                        pos("one", 1)])

# A Python list appended to in a loop (torch.jit.script's ys.append(y)):
# SequenceEmpty, a loop-carried SequenceInsert, ConcatFromSequence after the
# loop stacks the per-step values like a Loop scan output.
body = helper.make_graph(
    [node("Identity", ["cond_in"], ["cond_out"]),
     node("Cast", ["i"], ["fi"], to=F),
     node("Mul", ["x", "fi"], ["yt"]),
     node("SequenceInsert", ["seq_in", "yt"], ["seq_out"])],
    "body", [vi("i", I64, []), vi("cond_in", B, []), seq_vi("seq_in")],
    [vi("cond_out", B, []), seq_vi("seq_out")])
s.add("loop_append",
      [node("SequenceEmpty", [], ["e"]),
       node("Loop", ["M", "", "e"], ["ys"], name="loop", body=body),
       node("ConcatFromSequence", ["ys"], ["y"], axis=0, new_axis=1)],
      [("x", [2], "f32")], ["y"], inits=[pos("M", 3)])

# A Scan state holding a sequence: each step inserts its input at the front;
# the list is concatenated after the Scan.
scan_body = helper.make_graph(
    [node("Neg", ["xt"], ["nt"]), node("SequenceInsert", ["acc_in", "nt", "zero"], ["acc"])],
    "scan_body", [seq_vi("acc_in"), vi("xt", F, [2])], [seq_vi("acc")])
s.add("scan_state",
      [node("SequenceEmpty", [], ["e"]),
       node("Scan", ["e", "x"], ["sq"], name="scan", body=scan_body, num_scan_inputs=1),
       node("ConcatFromSequence", ["sq"], ["y"], axis=0)],
      [("x", [3, 2], "f32")], ["y"], inits=[pos("zero", 0)])

# If branches returning a sequence; Identity forwards one.
then_g = helper.make_graph([node("SequenceConstruct", ["x", "x"], ["t"])], "then", [],
                           [seq_vi("t")])
else_g = helper.make_graph([node("SequenceConstruct", ["x"], ["e"])], "else", [], [seq_vi("e")])
s.add("if_sequence",
      [node("If", ["c"], ["sq"], name="if", then_branch=then_g, else_branch=else_g),
       node("Identity", ["sq"], ["sq2"]),
       node("SequenceLength", ["sq2"], ["n"])],
      [("x", [2], "f32")], ["n"], inits=[const("c", np.array(True))])

# Errors.
s.add("bad_dynamic_position",
      [node("SequenceConstruct", ["a"], ["sq"]), node("SequenceAt", ["sq", "p"], ["y"])],
      [("a", [2], "f32"), ("p", [], "i64")], ["y"])
s.add("bad_position_range",
      [node("SequenceConstruct", ["a", "a"], ["sq"]), node("SequenceAt", ["sq", "p"], ["y"])],
      [("a", [2], "f32")], ["y"], inits=[pos("p", -3)])
s.add("bad_sequence_of_sequences",
      [node("SequenceConstruct", ["a"], ["sq"]), node("SequenceConstruct", ["sq"], ["sqq"]),
       node("SequenceLength", ["sqq"], ["n"])],
      [("a", [2], "f32")], ["n"])
s.add("bad_element_type",
      [node("SequenceEmpty", [], ["e"]), node("SequenceInsert", ["e", "a"], ["sq"]),
       node("SequenceLength", ["sq"], ["n"])],
      [("a", [2], "i64")], ["n"])
s.add("bad_concat_empty",
      [node("SequenceEmpty", [], ["e"]), node("ConcatFromSequence", ["e"], ["y"], axis=0)],
      [], ["y"])
s.add("bad_concat_shapes",
      [node("SequenceConstruct", ["a", "b"], ["sq"]),
       node("ConcatFromSequence", ["sq"], ["y"], axis=0, new_axis=1)],
      [("a", [2], "f32"), ("b", [3], "f32")], ["y"])
s.add("bad_tensor_op_on_sequence",
      [node("SequenceConstruct", ["a"], ["sq"]), node("Relu", ["sq"], ["y"])],
      [("a", [2], "f32")], ["y"])
s.add("optional_roundtrip",
      [node("Optional", ["a"], ["o"]), node("OptionalGetElement", ["o"], ["y"]),
       node("OptionalHasElement", ["o"], ["has"])],
      [("a", [2], "f32")], ["y", "has"])
s.add("optional_empty",
      [node("Optional", [], ["o"], type=helper.make_tensor_type_proto(1, [2])),
       node("OptionalHasElement", ["o"], ["has"])],
      [("a", [2], "f32")], ["has"])
s.add("bad_optional_get_empty",
      [node("Optional", [], ["o"], type=helper.make_tensor_type_proto(1, [2])),
       node("OptionalGetElement", ["o"], ["y"])],
      [("a", [2], "f32")], ["y"])
s.add("bad_optional_untyped", [node("Optional", [], ["o"]), node("OptionalHasElement", ["o"], ["y"])],
      [("a", [2], "f32")], ["y"])
s.add("bad_optional_as_tensor",
      [node("Optional", [], ["o"], type=helper.make_tensor_type_proto(1, [2])),
       node("Relu", ["o"], ["y"])],
      [("a", [2], "f32")], ["y"])
s.add("sequence_output", [node("SequenceConstruct", ["a"], ["sq"])],
      [("a", [2], "f32")], ["sq"])
graph = helper.make_graph([node("SequenceLength", ["sq"], ["n"])], "bad_sequence_input",
                          [seq_vi("sq")], [helper.make_empty_tensor_value_info("n")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
s.save("bad_sequence_input", model)
untyped = helper.TypeProto()
kind_body = helper.make_graph(
    [node("Identity", ["cond_in"], ["cond_out"]), node("SequenceConstruct", ["v_in"], ["v"])],
    "body", [vi("i", I64, []), vi("cond_in", B, []), helper.make_value_info("v_in", untyped)],
    [vi("cond_out", B, []), helper.make_value_info("v", untyped)])
s.add("bad_carried_kind",
      [node("Loop", ["M", "", "x"], ["vN"], name="loop", body=kind_body)],
      [("x", [2], "f32")], ["vN"], inits=[pos("M", 2)])
scan_body = helper.make_graph(
    [node("Identity", ["cond_in"], ["cond_out"]), node("SequenceConstruct", ["x"], ["st"])],
    "body", [vi("i", I64, []), vi("cond_in", B, [])], [vi("cond_out", B, []), seq_vi("st")])
s.add("bad_loop_scan_output",
      [node("Loop", ["M", ""], ["sts"], name="loop", body=scan_body)],
      [("x", [2], "f32")], ["sts"], inits=[pos("M", 2)])

# CHECK-LABEL: // CASE: construct_at_length
# CHECK: %[[N:.+]] = tessera.constant dense<3> : tensor<i64>
# CHECK-NEXT: return %arg2, %[[N]] : tensor<4xf32>, tensor<i64>

# Only [c, a] is left to concatenate.
# CHECK-LABEL: // CASE: insert_erase_concat
# CHECK: %[[Y:.+]] = tessera.concat %arg2, %arg0 {axis = 0 : i64} : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
# CHECK-NEXT: return %[[Y]]

# CHECK-LABEL: // CASE: concat_new_axis
# CHECK: %[[A:.+]] = tessera.reshape %arg0 : tensor<2x3xf32> to tensor<2x3x1xf32>
# CHECK: %[[B:.+]] = tessera.reshape %arg1 : tensor<2x3xf32> to tensor<2x3x1xf32>
# CHECK: %[[Y:.+]] = tessera.concat %[[A]], %[[B]] {axis = 2 : i64} : {{.*}} -> tensor<2x3x2xf32>
# CHECK: return %[[Y]]

# CHECK-LABEL: // CASE: split_steps
# CHECK: tessera.gather %arg0, %{{.+}} {axis = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: %[[C1:.+]] = tessera.constant dense<1> : tensor<i64>
# CHECK: %[[Y:.+]] = tessera.gather %arg0, %[[C1]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: %[[Z:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : tensor<2x3xf32> to tensor<2x1xf32>
# CHECK: return %[[Y]], %[[Z]]

# CHECK-LABEL: // CASE: split_sizes
# CHECK: %[[S0:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 0>, {{.*}} to tensor<2x2xf32>
# CHECK: %[[S1:.+]] = tessera.slice %arg0 {starts = array<i64: 2, 0>, {{.*}} to tensor<2x2xf32>
# CHECK: %[[S2:.+]] = tessera.slice %arg0 {starts = array<i64: 4, 0>, {{.*}} to tensor<1x2xf32>
# CHECK: %[[Y:.+]] = tessera.concat %[[S0]], %[[S1]], %[[S2]] {axis = 0 : i64} : {{.*}} -> tensor<5x2xf32>
# CHECK: tessera.slice %arg0 {starts = array<i64: 1, 0>, {{.*}} to tensor<4x2xf32>
# CHECK: %[[N:.+]] = tessera.constant dense<2> : tensor<i64>
# CHECK: return %[[S2]], %[[Y]], %[[N]]

# CHECK-LABEL: // CASE: split_const
# CHECK: %[[Y:.+]] = tessera.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
# CHECK-NEXT: return %[[Y]]

# CHECK-LABEL: // CASE: loop_append
# CHECK: %[[Y0:.+]] = tessera.mul %arg0, %{{.+}}
# CHECK: %[[Y1:.+]] = tessera.mul %arg0, %{{.+}}
# CHECK: %[[Y2:.+]] = tessera.mul %arg0, %{{.+}}
# CHECK: %[[R0:.+]] = tessera.reshape %[[Y0]] : tensor<2xf32> to tensor<1x2xf32>
# CHECK: %[[R1:.+]] = tessera.reshape %[[Y1]]
# CHECK: %[[R2:.+]] = tessera.reshape %[[Y2]]
# CHECK: %[[Y:.+]] = tessera.concat %[[R0]], %[[R1]], %[[R2]] {axis = 0 : i64} : {{.*}} -> tensor<3x2xf32>
# CHECK: return %[[Y]]

# Inserted at the front each step: the last step's value comes first.
# CHECK-LABEL: // CASE: scan_state
# CHECK: %[[N0:.+]] = tessera.neg
# CHECK: %[[N1:.+]] = tessera.neg
# CHECK: %[[N2:.+]] = tessera.neg
# CHECK: %[[Y:.+]] = tessera.concat %[[N2]], %[[N1]], %[[N0]] {axis = 0 : i64} : {{.*}} -> tensor<6xf32>
# CHECK: return %[[Y]]

# The then branch's two-element sequence.
# CHECK-LABEL: // CASE: if_sequence
# CHECK: %[[N:.+]] = tessera.constant dense<2> : tensor<i64>
# CHECK-NEXT: return %[[N]]

# CHECK-LABEL: // CASE: bad_dynamic_position
# CHECK: node 'SequenceAt_y' (op type 'SequenceAt', opset 17): position (input 1 'p') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_position_range
# CHECK: node 'SequenceAt_y' (op type 'SequenceAt', opset 17): position -3 is out of range for a sequence of 2 elements
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_sequence_of_sequences
# CHECK: node 'SequenceConstruct_sqq' (op type 'SequenceConstruct', opset 17): input 0 'sq' is a sequence; this op takes a tensor there
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_element_type
# CHECK: node 'SequenceInsert_sq' (op type 'SequenceInsert', opset 17): input 1 is tensor<2xi64>, but the sequence holds f32
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_concat_empty
# CHECK: node 'ConcatFromSequence_y' (op type 'ConcatFromSequence', opset 17): the sequence is empty, so the result's shape is unknown
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_concat_shapes
# CHECK: node 'ConcatFromSequence_y' (op type 'ConcatFromSequence', opset 17): sequence element 1 is tensor<3xf32>, which does not stack with element 0, tensor<2xf32>
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_tensor_op_on_sequence
# CHECK: node 'Relu_y' (op type 'Relu', opset 17): input 0 'sq' is a sequence; this op takes a tensor there
# CHECK: // EXIT: 1
# An optional known at import time: one that holds a value is that value.
# CHECK-LABEL: // CASE: optional_roundtrip
# CHECK: %[[T:.+]] = tessera.constant dense<true> : tensor<i1>
# CHECK: return %arg0, %[[T]] : tensor<2xf32>, tensor<i1>
# CHECK-LABEL: // CASE: optional_empty
# CHECK: %[[F:.+]] = tessera.constant dense<false> : tensor<i1>
# CHECK: return %[[F]] : tensor<i1>
# CHECK-LABEL: // CASE: bad_optional_get_empty
# CHECK: node 'OptionalGetElement_y' (op type 'OptionalGetElement', opset 17): input 0 'o' is an empty optional; it has no element to get
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_optional_untyped
# CHECK: node 'Optional_o' (op type 'Optional', opset 17): an Optional without an input needs the 'type' attribute
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_optional_as_tensor
# CHECK: node 'Relu_y' (op type 'Relu', opset 17): input 0 'o' is an empty optional; this op needs a value there
# CHECK: // EXIT: 1
# A sequence output is its elements, sq.0, ...
# CHECK-LABEL: // CASE: sequence_output
# CHECK: func.func @main_graph(%arg0: tensor<2xf32> {tessera.name = "a"}) -> (tensor<2xf32> {tessera.name = "sq.0"})
# CHECK-NEXT: return %arg0 : tensor<2xf32>
# A sequence input needs its element shapes (test/Driver/specialize.test).
# CHECK-LABEL: // CASE: bad_sequence_input
# CHECK: bad_sequence_input.onnx: graph input 'sq' is a sequence; give its element shapes with --sequence-input=sq=D0xD1x...,... (its elements become inputs sq.0, sq.1, ...)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_carried_kind
# CHECK: node 'loop' (op type 'Loop', opset 17): loop-carried value 'v' changes from a tensor to a sequence
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_loop_scan_output
# CHECK: node 'loop' (op type 'Loop', opset 17): scan output 'st' is a sequence; only tensors can be stacked
# CHECK: // EXIT: 1
