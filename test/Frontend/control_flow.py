# Loop, Scan and If unrolled at import: each iteration imports the body with
# its inputs bound (iteration number and condition as constants, scan inputs
# as tessera.gather of one step), scan outputs stacked with reshape + concat.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx import TensorProto, helper
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL


def vi(name, elem, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def graph(nodes, name, inputs, outputs, inits=()):
    return helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))


def loop_body(nodes, carried_in, carried_out, scans=()):
    """A Loop body: (i, cond_in, carried_in...) -> (cond_out, carried_out..., scans...)."""
    ins = [vi("i", I64, []), vi("cond_in", B, [])] + [vi(n, F) for n in carried_in]
    outs = [vi("cond_out", B, [])] + [vi(n, F) for n in list(carried_out) + list(scans)]
    return graph(nodes, "body", ins, outs)


def trip(m, cond=True):
    return [const("M", np.array(m, np.int64)), const("c", np.array(cond))]


# Scan (opset 16): a running sum over axis 1 of x, read last step first, with
# its per-step values stacked along axis 1 in reverse (so back in x's order).
scan_body = graph([node("Add", ["acc_in", "xt"], ["acc"]), node("Identity", ["acc"], ["yt"])],
                  "scan_body", [vi("acc_in", F, [2]), vi("xt", F, [2])],
                  [vi("acc", F, [2]), vi("yt", F, [2])])
s.add("scan_reverse_axis1",
      [node("Scan", ["h0", "x"], ["h", "y"], name="scan", body=scan_body, num_scan_inputs=1,
            scan_input_axes=[1], scan_input_directions=[1], scan_output_axes=[1],
            scan_output_directions=[1])],
      [("h0", [2], "f32"), ("x", [2, 3], "f32")], ["h", "y"], opset=16)
# Opset 9: axis 0, forward; a negative output axis.
s.add("scan9_sum",
      [node("Scan", ["h0", "x"], ["h", "y"], name="scan", body=scan_body, num_scan_inputs=1,
            scan_output_axes=[-1])],
      [("h0", [2], "f32"), ("x", [2, 2], "f32")], ["h", "y"], opset=9)
# Opset 8: batch dimension 0 on states and scan inputs, sequence along axis 1.
s.add("scan8_batched",
      [node("Scan", ["", "h0", "x"], ["h", "y"], name="scan", body=scan_body, num_scan_inputs=1)],
      [("h0", [2, 2], "f32"), ("x", [2, 3, 2], "f32")], ["h", "y"], opset=8)

# Loop with a constant trip count: a loop-carried sum and a scan output; the
# iteration number folds into the Slice that reads a constant table.
table = helper.make_tensor("table", F, [3], [10.0, 20.0, 30.0])
body = loop_body([node("Identity", ["cond_in"], ["cond_out"]),
                  node("Constant", [], ["table"], value=table),
                  node("Unsqueeze", ["i", "zero"], ["start"]),
                  node("Add", ["i", "one"], ["end1"]),
                  node("Unsqueeze", ["end1", "zero"], ["end"]),
                  node("Slice", ["table", "start", "end"], ["t"]),
                  node("Add", ["y_in", "t"], ["y_out"]),
                  node("Mul", ["y_out", "y_out"], ["sq"])], ["y_in"], ["y_out"], ["sq"])
s.add("loop_trip3", [node("Loop", ["M", "c", "y0"], ["y", "ys"], name="loop", body=body)],
      [("y0", [1], "f32")], ["y", "ys"],
      inits=trip(3) + [const("zero", np.array([0], np.int64)), const("one", np.array(1, np.int64))],
      opset=13)

# torch's exports declare the iteration number and the condition as
# one-element vectors: the body gets [1] tensors (as ONNX Runtime gives it).
vec_body = graph([node("Identity", ["cond_in"], ["cond_out"]),
                  node("Gather", ["table", "i"], ["t"], axis=0),
                  node("Add", ["y_in", "t"], ["y_out"])],
                 "body", [vi("i", I64, [1]), vi("cond_in", B, [1]), vi("y_in", F)],
                 [vi("cond_out", B, [1]), vi("y_out", F)])
s.add("loop_vector_counter", [node("Loop", ["M", "c", "y0"], ["y"], name="loop", body=vec_body)],
      [("y0", [1], "f32")], ["y"],
      inits=trip(2) + [const("table", np.array([10.0, 20.0, 30.0], np.float32))])

# The body reads an enclosing graph input and an enclosing initializer by name.
body = loop_body([node("Identity", ["cond_in"], ["cond_out"]),
                  node("MatMul", ["h_in", "w"], ["hw"]),
                  node("Add", ["hw", "x"], ["h"])], ["h_in"], ["h"])
s.add("loop_outer_scope", [node("Loop", ["M", "c", "h0"], ["hN"], name="loop", body=body)],
      [("h0", [1, 2], "f32"), ("x", [1, 2], "f32")], ["hN"],
      inits=trip(2) + [const("w", np.eye(2, dtype=np.float32))], opset=13)

# A body value whose name an outer value reuses later: the body's inferred
# type ([1]) must not be checked against the outer 'tmp' ([2, 2]).
body = graph([node("Identity", ["cond_in"], ["cond_out"]),
              node("Add", ["y_in", "y_in"], ["tmp"]),
              node("Identity", ["tmp"], ["y_out"])],
             "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F, [1])],
             [vi("cond_out", B, []), vi("y_out", F, [1])])
body.value_info.extend([vi("tmp", F, [1])])
s.add("loop_body_name_reused",
      [node("Loop", ["M", "c", "y0"], ["y"], name="loop", body=body),
       node("Mul", ["x", "x"], ["tmp"]), node("Identity", ["tmp"], ["z"])],
      [("y0", [1], "f32"), ("x", [2, 2], "f32")], ["y", "z"], inits=trip(2), opset=13)

# Nested loops: the inner body reads the outer body's iteration number j and
# loop-carried value; each outer iteration runs the inner loop twice.
inner = graph([node("Identity", ["ci"], ["co"]),
               node("Cast", ["j"], ["jf"], to=F),
               node("Add", ["v_in", "jf"], ["v"]),
               node("Add", ["v", "acc_in"], ["v2"])],
              "inner", [vi("k", I64, []), vi("ci", B, []), vi("v_in", F)],
              [vi("co", B, []), vi("v2", F)])
outer = graph([node("Identity", ["cj"], ["cjo"]),
               node("Loop", ["M2", "", "acc_in"], ["acc"], name="inner_loop", body=inner)],
              "outer", [vi("j", I64, []), vi("cj", B, []), vi("acc_in", F)],
              [vi("cjo", B, []), vi("acc", F)])
s.add("loop_nested", [node("Loop", ["M", "", "a0"], ["a"], name="outer_loop", body=outer)],
      [("a0", [2], "f32")], ["a"], inits=trip(2)[:1] + [const("M2", np.array(2, np.int64))],
      opset=16)

# An If on the iteration number and a Scan over an enclosing input, inside a
# Loop body: If takes then (Neg) in iteration 0, else (Relu) in iteration 1.
then_i = graph([node("Neg", ["y_in"], ["tn"])], "then", [], [vi("tn", F)])
else_i = graph([node("Relu", ["y_in"], ["tr"])], "else", [], [vi("tr", F)])
body = loop_body([node("Identity", ["cond_in"], ["cond_out"]),
                  node("Equal", ["i", "zero_i"], ["first"]),
                  node("If", ["first"], ["t"], name="pick", then_branch=then_i,
                       else_branch=else_i),
                  node("Scan", ["t", "xs"], ["y", ""], name="inner_scan", body=scan_body,
                       num_scan_inputs=1)], ["y_in"], ["y"])
s.add("loop_if_scan_inside", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=body)],
      [("y0", [2], "f32"), ("xs", [2, 2], "f32")], ["yN"],
      inits=trip(2)[:1] + [const("zero_i", np.array(0, np.int64))])

# No trip count: the condition i + 1 < 3 folds each iteration; three run.
body = loop_body([node("Add", ["i", "one"], ["n"]),
                  node("Less", ["n", "three"], ["cond_out"]),
                  node("Neg", ["y_in"], ["y"])], ["y_in"], ["y"])
s.add("loop_while", [node("Loop", ["", "", "y0"], ["yN"], name="loop", body=body)],
      [("y0", [2], "f32")], ["yN"],
      inits=[const("one", np.array(1, np.int64)), const("three", np.array(3, np.int64))])

# A constant-false condition at entry: no iterations, the carried value passes
# through and the scan output is empty with its declared shape.
body = graph([node("Identity", ["cond_in"], ["cond_out"]), node("Neg", ["y_in"], ["y"]),
              node("Identity", ["y"], ["yt"])],
             "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F)],
             [vi("cond_out", B, []), vi("y", F), vi("yt", F, [2])])
s.add("loop_zero_trips", [node("Loop", ["M", "c", "y0"], ["yN", "ys"], name="loop", body=body)],
      [("y0", [2], "f32")], ["yN", "ys"], inits=trip(4, cond=False))

# If with a constant condition imports the taken branch only.
then_g = graph([node("Neg", ["x"], ["t"])], "then", [], [vi("t", F)])
else_g = graph([node("Relu", ["x"], ["e"])], "else", [], [vi("e", F)])
s.add("if_const", [node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=else_g)],
      [("x", [2], "f32")], ["y"], inits=[const("c", np.array(False))])

# Errors: each names the node, op type and opset and why.
body = loop_body([node("Identity", ["cond_in"], ["cond_out"]), node("Neg", ["y_in"], ["y"])],
                 ["y_in"], ["y"])
s.add("bad_dynamic_trip", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=body)],
      [("M", [], "i64"), ("y0", [2], "f32")], ["yN"])
s.add("bad_dynamic_cond", [node("Loop", ["M", "c", "y0"], ["yN"], name="loop", body=body)],
      [("c", [], "bool"), ("y0", [2], "f32")], ["yN"], inits=trip(2)[:1])
s.add("bad_trip_limit", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=body)],
      [("y0", [2], "f32")], ["yN"], inits=trip(200000)[:1])
s.add("bad_never_ends", [node("Loop", ["", "", "y0"], ["yN"], name="loop", body=body)],
      [("y0", [2], "f32")], ["yN"])
data_body = loop_body([node("ReduceSum", ["y_in"], ["total"], keepdims=0),
                       node("Less", ["total", "ten"], ["cond_out"]),
                       node("Add", ["y_in", "y_in"], ["y"])], ["y_in"], ["y"])
s.add("bad_data_cond", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=data_body)],
      [("y0", [2], "f32")], ["yN"],
      inits=trip(5)[:1] + [const("ten", np.array(10, np.float32))])
seq_body = graph([node("Identity", ["cond_in"], ["cond_out"]), node("Identity", ["s_in"], ["s"])],
                 "body", [vi("i", I64, []), vi("cond_in", B, []),
                          helper.make_tensor_sequence_value_info("s_in", F, None)],
                 [vi("cond_out", B, []), helper.make_tensor_sequence_value_info("s", F, None)])
s.add("bad_sequence_carried", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=seq_body)],
      [("y0", [2], "f32")], ["yN"], inits=trip(2)[:1])
grow = loop_body([node("Identity", ["cond_in"], ["cond_out"]),
                  node("Concat", ["y_in", "y_in"], ["y"], axis=0),
                  node("Identity", ["y"], ["yt"])], ["y_in"], ["y"], ["yt"])
s.add("bad_scan_shape", [node("Loop", ["M", "", "y0"], ["yN", "ys"], name="loop", body=grow)],
      [("y0", [1], "f32")], ["yN", "ys"], inits=trip(2)[:1])
undeclared = graph([node("Identity", ["cond_in"], ["cond_out"]), node("Neg", ["y_in"], ["y"]),
                    node("Identity", ["y"], ["yt"])],
                   "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F)],
                   [vi("cond_out", B, []), vi("y", F), vi("yt", F)])
s.add("bad_zero_trips_shape",
      [node("Loop", ["M", "", "y0"], ["yN", "ys"], name="loop", body=undeclared)],
      [("y0", [2], "f32")], ["yN", "ys"], inits=trip(0)[:1])
declared = graph([node("Identity", ["cond_in"], ["cond_out"]), node("Neg", ["y_in"], ["y"])],
                 "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F, [3])],
                 [vi("cond_out", B, []), vi("y", F)])
s.add("bad_body_input_shape", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=declared)],
      [("y0", [2], "f32")], ["yN"], inits=trip(2)[:1])
# Near miss: a counter declared with two elements is refused.
vec2 = graph([node("Identity", ["cond_in"], ["cond_out"]), node("Neg", ["y_in"], ["y"])],
             "body", [vi("i", I64, [2]), vi("cond_in", B, []), vi("y_in", F)],
             [vi("cond_out", B, []), vi("y", F)])
s.add("bad_counter_shape", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=vec2)],
      [("y0", [2], "f32")], ["yN"], inits=trip(2)[:1])
foo = loop_body([node("Identity", ["cond_in"], ["cond_out"]),
                 node("Foo", ["y_in"], ["y"], name="foo")], ["y_in"], ["y"])
s.add("bad_body_op", [node("Loop", ["M", "", "y0"], ["yN"], name="loop", body=foo)],
      [("y0", [2], "f32")], ["yN"], inits=trip(2)[:1])
s.add("bad_if_cond", [node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=else_g)],
      [("c", [], "bool"), ("x", [2], "f32")], ["y"])
s.add("bad_scan8_lens",
      [node("Scan", ["lens", "h0", "x"], ["h", "y"], name="scan", body=scan_body,
            num_scan_inputs=1)],
      [("h0", [2, 2], "f32"), ("x", [2, 2, 2], "f32")], ["h", "y"], opset=8,
      inits=[const("lens", np.array([2, 1], np.int64))])
s.add("bad_scan_axes",
      [node("Scan", ["h0", "x"], ["h", "y"], name="scan", body=scan_body, num_scan_inputs=1,
            scan_input_axes=[0, 1])],
      [("h0", [2], "f32"), ("x", [2, 2], "f32")], ["h", "y"], opset=11)

# Reverse input: steps read x[:, 2], x[:, 1], x[:, 0]; reverse output: the
# stack puts the last step first, one concat along axis 1.
# CHECK-LABEL: // CASE: scan_reverse_axis1
# CHECK: %[[C2:.+]] = tessera.constant dense<2> : tensor<i64>
# CHECK: %[[X2:.+]] = tessera.gather %arg1, %[[C2]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: %[[S0:.+]] = tessera.add %arg0, %[[X2]]
# CHECK: tessera.constant dense<1> : tensor<i64>
# CHECK: %[[S1:.+]] = tessera.add %[[S0]],
# CHECK: %[[C0:.+]] = tessera.constant dense<0> : tensor<i64>
# CHECK: %[[X0:.+]] = tessera.gather %arg1, %[[C0]] {axis = 1 : i64}
# CHECK: %[[S2:.+]] = tessera.add %[[S1]], %[[X0]]
# CHECK: %[[R2:.+]] = tessera.reshape %[[S2]] : tensor<2xf32> to tensor<2x1xf32>
# CHECK: %[[R1:.+]] = tessera.reshape %[[S1]] : tensor<2xf32> to tensor<2x1xf32>
# CHECK: %[[R0:.+]] = tessera.reshape %[[S0]] : tensor<2xf32> to tensor<2x1xf32>
# CHECK: %[[Y:.+]] = tessera.concat %[[R2]], %[[R1]], %[[R0]] {axis = 1 : i64} : {{.*}} -> tensor<2x3xf32>
# CHECK: return %[[S2]], %[[Y]]

# CHECK-LABEL: // CASE: scan9_sum
# CHECK: tessera.gather %arg1, %{{.+}} {axis = 0 : i64} : (tensor<2x2xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: tessera.concat {{.*}} {axis = 1 : i64} : (tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>

# Opset 8: one unrolled scan per batch element, stacked back along axis 0.
# CHECK-LABEL: // CASE: scan8_batched
# CHECK: %[[H0:.+]] = tessera.gather %arg0, %{{.+}} {axis = 0 : i64} : (tensor<2x2xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: %[[XB0:.+]] = tessera.gather %arg1, %{{.+}} {axis = 0 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<3x2xf32>
# CHECK: tessera.gather %[[XB0]], %{{.+}} {axis = 0 : i64} : (tensor<3x2xf32>, tensor<i64>) -> tensor<2xf32>
# CHECK: tessera.concat {{.*}} -> tensor<3x2xf32>
# CHECK: tessera.gather %arg1, %{{.+}} {axis = 0 : i64} : (tensor<2x3x2xf32>, tensor<i64>) -> tensor<3x2xf32>
# CHECK: %[[H:.+]] = tessera.concat {{.*}} -> tensor<2x2xf32>
# CHECK: %[[Y:.+]] = tessera.concat {{.*}} -> tensor<2x3x2xf32>
# CHECK: return %[[H]], %[[Y]]

# The iteration number is a constant: the Slice of the table folds per step.
# CHECK-LABEL: // CASE: loop_trip3
# CHECK: %[[T0:.+]] = tessera.constant dense<1.000000e+01> : tensor<1xf32>
# CHECK: %[[Y0:.+]] = tessera.add %arg0, %[[T0]]
# CHECK: %[[Q0:.+]] = tessera.mul %[[Y0]], %[[Y0]]
# CHECK: tessera.constant dense<2.000000e+01> : tensor<1xf32>
# CHECK: %[[Y2:.+]] = tessera.add %{{.+}}, %{{.+}} : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
# CHECK: tessera.constant dense<3.000000e+01> : tensor<1xf32>
# CHECK: %[[Q2:.+]] = tessera.mul
# CHECK: %[[R0:.+]] = tessera.reshape %[[Q0]] : tensor<1xf32> to tensor<1x1xf32>
# CHECK: %[[YS:.+]] = tessera.concat %[[R0]], %{{.+}}, %{{.+}} {axis = 0 : i64} : {{.*}} -> tensor<3x1xf32>
# CHECK: return %{{.+}}, %[[YS]] : tensor<1xf32>, tensor<3x1xf32>

# CHECK-LABEL: // CASE: loop_vector_counter
# CHECK: %[[T0:.+]] = tessera.constant dense<1.000000e+01> : tensor<1xf32>
# CHECK: %[[Y1:.+]] = tessera.add %arg0, %[[T0]] : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
# CHECK: %[[T1:.+]] = tessera.constant dense<2.000000e+01> : tensor<1xf32>
# CHECK: %[[Y2:.+]] = tessera.add %[[Y1]], %[[T1]]
# CHECK: return %[[Y2]]

# CHECK-LABEL: // CASE: loop_outer_scope
# CHECK: %[[W:.+]] = tessera.constant dense<{{.*}}> : tensor<2x2xf32>
# CHECK: %[[M0:.+]] = tessera.matmul %arg0, %[[W]]
# CHECK: %[[H1:.+]] = tessera.add %[[M0]], %arg1
# CHECK: %[[M1:.+]] = tessera.matmul %[[H1]], %[[W]]
# CHECK: %[[H2:.+]] = tessera.add %[[M1]], %arg1
# CHECK: return %[[H2]]

# CHECK-LABEL: // CASE: loop_body_name_reused
# CHECK: %[[T1:.+]] = tessera.add %arg0, %arg0 : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
# CHECK: %[[T2:.+]] = tessera.add %[[T1]], %[[T1]]
# CHECK: %[[Z:.+]] = tessera.mul %arg1, %arg1 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
# CHECK: return %[[T2]], %[[Z]]

# Inner iterations read the outer iteration number (0, 0, 1, 1) and the outer
# loop-carried value.
# CHECK-LABEL: // CASE: loop_nested
# CHECK: tessera.constant dense<0.000000e+00> : tensor<f32>
# CHECK: %[[A:.+]] = tessera.add %{{.+}}, %arg0 :
# CHECK: tessera.constant dense<0.000000e+00> : tensor<f32>
# CHECK: %[[A1:.+]] = tessera.add %{{.+}}, %arg0 :
# CHECK: tessera.constant dense<1.000000e+00> : tensor<f32>
# CHECK: tessera.add %{{.+}}, %[[A1]] :
# CHECK: tessera.constant dense<1.000000e+00> : tensor<f32>
# CHECK: %[[R:.+]] = tessera.add %{{.+}}, %[[A1]] :
# CHECK: return %[[R]]

# CHECK-LABEL: // CASE: loop_if_scan_inside
# CHECK: %[[N:.+]] = tessera.neg %arg0
# CHECK: %[[X0:.+]] = tessera.gather %arg1, %{{.+}} {axis = 0 : i64}
# CHECK: %[[A0:.+]] = tessera.add %[[N]], %[[X0]]
# CHECK: %[[A1:.+]] = tessera.add %[[A0]], %{{.+}}
# CHECK: %[[R:.+]] = tessera.relu %[[A1]]
# CHECK: tessera.add %[[R]], %{{.+}}
# CHECK-NOT: tessera.neg
# CHECK: return

# CHECK-LABEL: // CASE: loop_while
# CHECK: tessera.neg
# CHECK: tessera.neg
# CHECK: %[[N:.+]] = tessera.neg
# CHECK-NEXT: return %[[N]]

# CHECK-LABEL: // CASE: loop_zero_trips
# CHECK: %[[E:.+]] = tessera.constant dense<> : tensor<0x2xf32>
# CHECK: return %arg0, %[[E]] : tensor<2xf32>, tensor<0x2xf32>

# CHECK-LABEL: // CASE: if_const
# CHECK-NOT: tessera.neg
# CHECK: %[[R:.+]] = tessera.relu %arg0
# CHECK-NEXT: return %[[R]]

# CHECK-LABEL: // CASE: bad_dynamic_trip
# CHECK: bad_dynamic_trip.onnx: node 'loop' (op type 'Loop', opset 17): trip count M (input 0 'M') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_dynamic_cond
# CHECK: node 'loop' (op type 'Loop', opset 17): condition cond (input 1 'c') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_trip_limit
# CHECK: node 'loop' (op type 'Loop', opset 17): trip count M = 200000 is above the unrolling limit of 100000 iterations
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_never_ends
# CHECK: node 'loop' (op type 'Loop', opset 17): the body's condition stays true for 100000 iterations (the unrolling limit) and no trip count ends the loop
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_data_cond
# CHECK: node 'loop' (op type 'Loop', opset 17): the body's condition output 'cond_out' is not known at import time in iteration 0: the loop ends on data, and only loops with a static trip count can be unrolled
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_sequence_carried
# CHECK: node 'loop' (op type 'Loop', opset 17): the body input 's_in' is a sequence; only tensors are supported
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_scan_shape
# CHECK: node 'loop' (op type 'Loop', opset 17): scan output 'yt' is tensor<2xf32> in iteration 0 but tensor<4xf32> in iteration 1; only values of one type can be stacked
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_zero_trips_shape
# CHECK: node 'loop' (op type 'Loop', opset 17): no iterations run, and the body does not declare a static shape for scan output 'yt', so the empty result's shape is unknown
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_body_input_shape
# CHECK: node 'loop' (op type 'Loop', opset 17): the body input 'y_in' is declared as FLOAT [3] but receives tensor<2xf32>
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_counter_shape
# CHECK: node 'loop' (op type 'Loop', opset 17): the body input 'i' is declared as INT64 [2] but receives tensor<i64>
# CHECK: // EXIT: 1
# A failure inside the body names the body's node, then the iteration.
# CHECK-LABEL: // CASE: bad_body_op
# CHECK: bad_body_op.onnx: node 'foo' (op type 'Foo', opset 17): unsupported op
# CHECK: bad_body_op.onnx: node 'loop' (op type 'Loop', opset 17): while importing iteration 0 of the body
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_if_cond
# CHECK: node 'if' (op type 'If', opset 17): condition cond (input 0 'c') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_scan8_lens
# CHECK: node 'scan' (op type 'Scan', opset 8): sequence_lens shorter than the sequence length 2 are not supported
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_scan_axes
# CHECK: node 'scan' (op type 'Scan', opset 11): attribute 'scan_input_axes' has 2 values, 1 expected
# CHECK: // EXIT: 1
