# CausalConvWithState and LinearAttention (ONNX opset 27 and ONNX Runtime's
# com.microsoft domain) imported into tessera.causal_conv1d and
# tessera.linear_attention; every unsupported attribute value or input
# combination is a diagnostic naming the node, op type, domain and opset.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

from onnx import helper
from onnx_testlib import DTYPES, Suite

s = Suite(sys.argv[1])
MS = "com.microsoft"


def case(name, op, inputs, outputs, ms=True, opset=None, **attrs):
    """One `op` node in the com.microsoft domain (opset 17 + com.microsoft 1) or,
    with ms=False, in the default domain at `opset` (27 unless given).
    inputs/outputs: [(name, shape, dtype)] ("" skips an optional one); outputs are
    typed because ONNX 1.12 cannot infer these ops."""
    node = helper.make_node(op, [i[0] for i in inputs], [o[0] for o in outputs], name=name,
                            domain=MS if ms else "", **attrs)
    ins = [helper.make_tensor_value_info(n, DTYPES[dt], shape) for n, shape, dt in inputs if n]
    outs = [helper.make_tensor_value_info(n, DTYPES[dt], shape) for n, shape, dt in outputs if n]
    graph = helper.make_graph([node], name, ins, outs)
    opsets = [("", 17), (MS, 1)] if ms else [("", opset or 27)]
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])
    model.ir_version = 8
    s.save(name, model)


NONE = ("", [], "f32")
X, W, B = ("x", [2, 4, 6], "f32"), ("w", [4, 1, 3], "f32"), ("b", [4], "f32")
Y, ST = ("y", [2, 4, 6], "f32"), ("st", [2, 4, 2], "f32")
PAST = ("past", [2, 4, 2], "f32")
# LinearAttention: B=2, T=3, Hq=Hkv=2, Dk=4, Dv=3.
Q, K, V = ("q", [2, 3, 8], "f32"), ("k", [2, 3, 8], "f32"), ("v", [2, 3, 6], "f32")
S0, O, S1 = ("s0", [2, 2, 4, 3], "f32"), ("o", [2, 3, 6], "f32"), ("s1", [2, 2, 4, 3], "f32")
G, BETA = ("g", [2, 3, 2], "f32"), ("beta", [2, 3, 2], "f32")

# --- CausalConvWithState -------------------------------------------------------
case("conv27", "CausalConvWithState", [X, W, B], [Y, ST], ms=False, activation="swish")
# CHECK-LABEL: // CASE: conv27
# CHECK: %[[W:.+]] = tessera.reshape %arg1 : tensor<4x1x3xf32> to tensor<4x3xf32>
# CHECK: %[[Y:.+]] = tessera.causal_conv1d %arg0, %[[W]], %arg2 {activation = "silu"} : (tensor<2x4x6xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4x6xf32>
# CHECK: %[[S:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 0, 4>, steps = array<i64: 1, 1, 1>} : tensor<2x4x6xf32> to tensor<2x4x2xf32>
# CHECK: return %[[Y]], %[[S]]

case("ms_conv_past_dilated", "CausalConvWithState", [X, W, NONE, ("past", [2, 4, 4], "f32")],
     [Y, ("st", [2, 4, 4], "f32")], dilation=2, activation="silu")
# CHECK-LABEL: // CASE: ms_conv_past_dilated
# CHECK: %[[XP:.+]] = tessera.concat %arg2, %arg0 {axis = 2 : i64} : (tensor<2x4x4xf32>, tensor<2x4x6xf32>) -> tensor<2x4x10xf32>
# CHECK: %[[C:.+]] = tessera.conv %[[XP]], %arg1 {dilations = array<i64: 2>, group = 4 : i64, pads = array<i64: 0, 0>, strides = array<i64: 1>} : (tensor<2x4x10xf32>, tensor<4x1x3xf32>) -> tensor<2x4x6xf32>
# CHECK: %[[Y:.+]] = tessera.silu %[[C]] : tensor<2x4x6xf32>
# CHECK: %[[S:.+]] = tessera.slice %[[XP]] {starts = array<i64: 0, 0, 6>, {{.+}}} : tensor<2x4x10xf32> to tensor<2x4x4xf32>
# CHECK: return %[[Y]], %[[S]]

case("err_conv_activation", "CausalConvWithState", [X, W], [Y, ST], activation="relu")
# CHECK-LABEL: // CASE: err_conv_activation
# CHECK: node 'err_conv_activation' (op type 'CausalConvWithState', domain 'com.microsoft', opset 1): activation 'relu' is not supported (none, silu, swish)
# CHECK: // EXIT: 1
case("err_conv_ndim", "CausalConvWithState", [("x", [2, 4, 3, 6], "f32"), ("w", [4, 1, 2, 3], "f32")],
     [("y", [2, 4, 3, 6], "f32")], ndim=2)
# CHECK-LABEL: // CASE: err_conv_ndim
# CHECK: (op type 'CausalConvWithState', domain 'com.microsoft', opset 1): ndim 2 is not supported (only 1)
# CHECK: // EXIT: 1
case("err_conv_state_window", "CausalConvWithState", [X, W], [Y, ("st", [2, 2, 4, 2], "f32")],
     state_window=2)
# CHECK-LABEL: // CASE: err_conv_state_window
# CHECK: state_window 2 is not supported (only 0: one carried state)
# CHECK: // EXIT: 1
case("err_conv_dilation", "CausalConvWithState", [X, W], [Y], dilation=0)
# CHECK-LABEL: // CASE: err_conv_dilation
# CHECK: dilation must be >= 1, found 0
# CHECK: // EXIT: 1
case("err_conv_rank", "CausalConvWithState", [("x", [2, 4, 3, 6], "f32"), W],
     [("y", [2, 4, 3, 6], "f32")])
# CHECK-LABEL: // CASE: err_conv_rank
# CHECK: input must be [B, C, L] (rank 3), found tensor<2x4x3x6xf32>
# CHECK: // EXIT: 1
case("err_conv_weight", "CausalConvWithState", [X, ("w", [4, 3], "f32")], [Y])
# CHECK-LABEL: // CASE: err_conv_weight
# CHECK: weight must be [C, 1, K] with C = 4 and the input's element type, found tensor<4x3xf32>
# CHECK: // EXIT: 1
case("err_conv_bias", "CausalConvWithState", [X, W, ("b", [2], "f32")], [Y])
# CHECK-LABEL: // CASE: err_conv_bias
# CHECK: bias must be tensor<4xf32>, found tensor<2xf32>
# CHECK: // EXIT: 1
case("err_conv_past", "CausalConvWithState", [X, W, NONE, ("past", [2, 4, 3], "f32")], [Y, ST],
     ms=False)
# CHECK-LABEL: // CASE: err_conv_past
# CHECK: node 'err_conv_past' (op type 'CausalConvWithState', opset 27): past_state must be tensor<2x4x2xf32> (the last (K - 1) * dilation = 2 steps), found tensor<2x4x3xf32>
# CHECK: // EXIT: 1
case("err_conv_k1", "CausalConvWithState", [X, ("w", [4, 1, 1], "f32")], [Y, ("st", [2, 4, 0], "f32")])
# CHECK-LABEL: // CASE: err_conv_k1
# CHECK: a kernel of size 1 carries no state: an empty past_state/present_state is not supported
# CHECK: // EXIT: 1
case("err_conv_int", "CausalConvWithState", [("x", [2, 4, 6], "i32"), ("w", [4, 1, 3], "i32")],
     [("y", [2, 4, 6], "i32")])
# CHECK-LABEL: // CASE: err_conv_int
# CHECK: input must be a float tensor, found tensor<2x4x6xi32>
# CHECK: // EXIT: 1
case("err_conv_opset26", "CausalConvWithState", [X, W], [Y], ms=False, opset=26)
# CHECK-LABEL: // CASE: err_conv_opset26
# CHECK: node 'err_conv_opset26' (op type 'CausalConvWithState', opset 26): this op exists from opset 27 on
# CHECK: // EXIT: 1
case("err_conv_extra_input", "CausalConvWithState", [X, W, B, PAST, ("z", [1], "f32")], [Y, ST])
# CHECK-LABEL: // CASE: err_conv_extra_input
# CHECK: input 4 'z' is not supported (the op takes 4 inputs)
# CHECK: // EXIT: 1

# --- LinearAttention -----------------------------------------------------------
case("la27_gated", "LinearAttention", [Q, K, V, S0, G], [O, S1], ms=False, q_num_heads=2,
     kv_num_heads=2, update_rule="gated", scale=0.25)
# CHECK-LABEL: // CASE: la27_gated
# CHECK: %[[G:.+]] = tessera.exp %arg4 : tensor<2x3x2xf32>
# CHECK: %[[GR:.+]] = tessera.reshape %[[G]] : tensor<2x3x2xf32> to tensor<2x3x2x1xf32>
# CHECK: %[[GT:.+]] = tessera.transpose %[[GR]] {perm = array<i64: 0, 2, 1, 3>} : tensor<2x3x2x1xf32> to tensor<2x2x3x1xf32>
# CHECK: %result, %final_state = tessera.linear_attention %{{.+}}, %{{.+}}, %{{.+}} gate %[[GT]] initial_state %arg3 {scale = 2.500000e-01 : f64} : (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x3xf32>, tensor<2x2x3x1xf32>, tensor<2x2x4x3xf32>) -> (tensor<2x2x3x3xf32>, tensor<2x2x4x3xf32>)
# CHECK: return %{{.+}}, %final_state

# ONNX Runtime ignores the inputs an update rule does not use.
case("ms_la_linear_unused_decay", "LinearAttention", [Q, K, V, NONE, G, BETA], [O, S1],
     q_num_heads=2, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: ms_la_linear_unused_decay
# CHECK-NOT: tessera.exp
# CHECK: tessera.linear_attention %{{.+}}, %{{.+}}, %{{.+}} {scale = 5.000000e-01 : f64} : (tensor<2x2x3x4xf32>, tensor<2x2x3x4xf32>, tensor<2x2x3x3xf32>) ->

# Shared key heads (one key head for two state heads), unrolled delta rule.
case("ms_la_delta_shared_key", "LinearAttention",
     [Q, ("k", [2, 3, 4], "f32"), V, NONE, NONE, ("beta", [2, 3, 1], "f32")], [O, S1],
     q_num_heads=2, kv_num_heads=2, update_rule="delta")
# CHECK-LABEL: // CASE: ms_la_delta_shared_key
# CHECK: tessera.broadcast_to %{{.+}} : tensor<2x3x1x1x4xf32> to tensor<2x3x1x2x4xf32>
# CHECK-NOT: tessera.linear_attention
# CHECK: tessera.matmul {{.+}} : (tensor<2x2x1x4xf32>, tensor<2x2x4x3xf32>) -> tensor<2x2x1x3xf32>
# CHECK: tessera.matmul {{.+}} : (tensor<2x2x1x4xf32>, tensor<2x2x4x3xf32>) -> tensor<2x2x1x3xf32>
# CHECK-NOT: tessera.linear_attention
# CHECK: return

case("err_la_rule", "LinearAttention", [Q, K, V], [O], q_num_heads=2, kv_num_heads=2,
     update_rule="mamba2")
# CHECK-LABEL: // CASE: err_la_rule
# CHECK: node 'err_la_rule' (op type 'LinearAttention', domain 'com.microsoft', opset 1): update_rule 'mamba2' is not supported (linear, gated, delta, gated_delta)
# CHECK: // EXIT: 1
case("err_la_heads", "LinearAttention", [Q, K, V], [O], ms=False, update_rule="linear",
     kv_num_heads=2)
# CHECK-LABEL: // CASE: err_la_heads
# CHECK: (op type 'LinearAttention', opset 27): q_num_heads and kv_num_heads must be positive, found 0 and 2
# CHECK: // EXIT: 1
case("err_la27_inverse_gqa", "LinearAttention", [("q", [2, 3, 4], "f32"), K, V], [O], ms=False,
     q_num_heads=1, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la27_inverse_gqa
# CHECK: q_num_heads (1) must be a multiple of kv_num_heads (2)
# CHECK-NOT: or divide it
# CHECK: // EXIT: 1
case("err_la_gqa", "LinearAttention", [("q", [2, 3, 12], "f32"), K, V], [O], q_num_heads=3,
     kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_gqa
# CHECK: q_num_heads (3) must be a multiple of kv_num_heads (2) or divide it
# CHECK: // EXIT: 1
case("err_la_state_window", "LinearAttention", [Q, K, V], [O], q_num_heads=2, kv_num_heads=2,
     update_rule="linear", state_window=4)
# CHECK-LABEL: // CASE: err_la_state_window
# CHECK: state_window 4 is not supported (only 0: one carried state)
# CHECK: // EXIT: 1
case("err_la_no_decay", "LinearAttention", [Q, K, V, S0], [O], q_num_heads=2, kv_num_heads=2,
     update_rule="gated")
# CHECK-LABEL: // CASE: err_la_no_decay
# CHECK: update_rule 'gated' needs the decay input (4)
# CHECK: // EXIT: 1
case("err_la_no_beta", "LinearAttention", [Q, K, V, NONE, G], [O], ms=False, q_num_heads=2,
     kv_num_heads=2)
# CHECK-LABEL: // CASE: err_la_no_beta
# CHECK: (op type 'LinearAttention', opset 27): update_rule 'gated_delta' needs the beta input (5)
# CHECK: // EXIT: 1
case("err_la27_unused_decay", "LinearAttention", [Q, K, V, NONE, G, BETA], [O], ms=False,
     q_num_heads=2, kv_num_heads=2, update_rule="delta")
# CHECK-LABEL: // CASE: err_la27_unused_decay
# CHECK: update_rule 'delta' takes no decay input
# CHECK: // EXIT: 1
case("err_la27_unused_beta", "LinearAttention", [Q, K, V, NONE, NONE, BETA], [O], ms=False,
     q_num_heads=2, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la27_unused_beta
# CHECK: update_rule 'linear' takes no beta input
# CHECK: // EXIT: 1
case("err_la27_key_heads", "LinearAttention", [Q, ("k", [2, 3, 4], "f32"), V], [O], ms=False,
     q_num_heads=2, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la27_key_heads
# CHECK: key hidden size 4 must be kv_num_heads * Dk = 8
# CHECK: // EXIT: 1
case("err_la_key_heads", "LinearAttention", [Q, ("k", [2, 3, 12], "f32"), V], [O],
     q_num_heads=2, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_key_heads
# CHECK: key hidden size 12 must be a number of heads of size Dk = 4 that divides kv_num_heads 2
# CHECK: // EXIT: 1
case("err_la_value", "LinearAttention", [Q, K, ("v", [2, 3, 5], "f32")], [O], q_num_heads=2,
     kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_value
# CHECK: value hidden size 5 is not a positive multiple of kv_num_heads 2
# CHECK: // EXIT: 1
case("err_la_layout", "LinearAttention", [("q", [2, 2, 3, 4], "f32"), K, V], [O], q_num_heads=2,
     kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_layout
# CHECK: query, key and value must be float [B, T, H * D] tensors of one element type, B and T, found tensor<2x2x3x4xf32>, tensor<2x3x8xf32>, tensor<2x3x6xf32>
# CHECK: // EXIT: 1
case("err_la_decay_shape", "LinearAttention", [Q, K, V, NONE, ("g", [2, 3, 3], "f32")], [O],
     q_num_heads=2, kv_num_heads=2, update_rule="gated")
# CHECK-LABEL: // CASE: err_la_decay_shape
# CHECK: decay must be [B, T, kv_num_heads (* Dk)] = tensor<2x3x2xf32> or tensor<2x3x8xf32>, found tensor<2x3x3xf32>
# CHECK: // EXIT: 1
case("err_la_beta_shape", "LinearAttention", [Q, K, V, NONE, NONE, ("beta", [2, 3, 4], "f32")],
     [O], q_num_heads=2, kv_num_heads=2, update_rule="delta")
# CHECK-LABEL: // CASE: err_la_beta_shape
# CHECK: beta must be [B, T, kv_num_heads or 1] = tensor<2x3x2xf32> or tensor<2x3x1xf32>, found tensor<2x3x4xf32>
# CHECK: // EXIT: 1
case("err_la_past_type", "LinearAttention", [Q, K, V, ("s0", [2, 2, 4, 3], "f16")], [O],
     q_num_heads=2, kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_past_type
# CHECK: past_state must be tensor<2x2x4x3xf32> ([B, kv_num_heads, Dk, Dv], the query's element type), found tensor<2x2x4x3xf16>
# CHECK: // EXIT: 1
case("err_la27_extra_input", "LinearAttention",
     [Q, K, V, NONE, G, BETA, ("erase", [2, 3, 8], "f32")], [O], ms=False, q_num_heads=2,
     kv_num_heads=2)
# CHECK-LABEL: // CASE: err_la27_extra_input
# CHECK: input 6 'erase' is not supported (the op takes 6 inputs)
# CHECK: // EXIT: 1
case("err_la_opset23", "LinearAttention", [Q, K, V], [O], ms=False, opset=23, q_num_heads=2,
     kv_num_heads=2, update_rule="linear")
# CHECK-LABEL: // CASE: err_la_opset23
# CHECK: node 'err_la_opset23' (op type 'LinearAttention', opset 23): this op exists from opset 27 on
# CHECK: // EXIT: 1
