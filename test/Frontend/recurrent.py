# RNN, GRU and LSTM: per direction, one X·W^T matmul, then an scf.for over
# time whose body is one step (a matmul with R^T and the gate math on the
# step's slice), each output inserted into Y at its timestep.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
rng = np.random.default_rng(0)


def weights(gates, hidden, inp, dirs=1, bias=True, peep=False):
    """W, R (and B, P) initializers for a cell."""
    f = lambda name, *shape: const(name, rng.standard_normal(shape).astype(np.float32))
    inits = [f("W", dirs, gates * hidden, inp), f("R", dirs, gates * hidden, hidden)]
    if bias:
        inits.append(f("B", dirs, 2 * gates * hidden))
    if peep:
        inits.append(f("P", dirs, 3 * hidden))
    return inits


def rnn(name, op, gates, outputs, x=(3, 2, 4), hidden=5, dirs=1, extra=(), ins=None,
        inits=(), opset=14, bias=True, peep=False, **attrs):
    """One recurrent node over X [seq, batch, 4] (or batch-first)."""
    inputs = ["X", "W", "R"] + (["B"] if bias else [""]) + list(extra)
    s.add(name, [node(op, inputs, outputs, name=name, hidden_size=hidden, **attrs)],
          [("X", list(x), "f32")] + list(ins or []), [o for o in outputs if o],
          inits=weights(gates, hidden, 4, dirs, bias, peep) + list(inits), opset=opset)


rnn("rnn_defaults", "RNN", 1, ["", "Y_h"], bias=False)
rnn("rnn_reverse_relu", "RNN", 1, ["Y", "Y_h"], direction="reverse", activations=["Relu"],
    extra=["", "h0"], ins=[("h0", [1, 2, 5], "f32")])
rnn("rnn_leakyrelu_clip", "RNN", 1, ["", "Y_h"], activations=["LeakyRelu"],
    activation_alpha=[0.2], clip=2.5, x=(1, 2, 4))
rnn("gru_defaults", "GRU", 3, ["Y", "Y_h"], x=(2, 2, 4))
rnn("gru_linear_before_reset", "GRU", 3, ["", "Y_h"], x=(1, 2, 4), linear_before_reset=1)
rnn("lstm_bidirectional", "LSTM", 4, ["Y", "Y_h", "Y_c"], x=(2, 1, 4), hidden=3, dirs=2,
    direction="bidirectional", peep=True, extra=["", "", "c0", "P"],
    ins=[("c0", [2, 1, 3], "f32")])
rnn("lstm_batchwise", "LSTM", 4, ["Y", "Y_h"], x=(3, 2, 4), hidden=3, layout=1, bias=False)
rnn("lstm_input_forget", "LSTM", 4, ["", "Y_h"], x=(1, 2, 4), hidden=3, input_forget=1)
rnn("lstm_seq_lens_input", "LSTM", 4, ["Y", "Y_h"], x=(2, 3, 4), hidden=3, extra=["lens"],
    ins=[("lens", [3], "i32")])
rnn("lstm_seq_lens_full", "LSTM", 4, ["", "Y_h"], x=(2, 3, 4), hidden=3, extra=["lens"],
    inits=[const("lens", np.array([2, 2, 2], np.int32))])
rnn("gru_opset7", "GRU", 3, ["", "Y_h"], x=(1, 2, 4), opset=7, activations=["HardSigmoid", "Softsign"],
    activation_alpha=[0.3], activation_beta=[0.6])
# Errors.
rnn("bad_direction", "RNN", 1, ["", "Y_h"], direction="sideways")
rnn("bad_activation", "RNN", 1, ["", "Y_h"], activations=["Gelu"])
rnn("bad_activation_count", "GRU", 3, ["", "Y_h"], activations=["Sigmoid"])
rnn("bad_layout", "RNN", 1, ["", "Y_h"], layout=2)
rnn("bad_clip", "RNN", 1, ["", "Y_h"], clip=-1.0)
s.add("bad_hidden_size", [node("RNN", ["X", "W", "R"], ["", "Y_h"], name="bad_hidden_size",
                               hidden_size=6)],
      [("X", [3, 2, 4], "f32")], ["Y_h"], inits=weights(1, 5, 4, bias=False), opset=14)
s.add("bad_hidden_zero", [node("RNN", ["X", "W", "R"], ["", "Y_h"], name="bad_hidden_zero",
                               hidden_size=0)],
      [("X", [3, 2, 4], "f32")], ["Y_h"], inits=weights(1, 5, 4, bias=False), opset=14)
rnn("bad_seq_lens", "RNN", 1, ["", "Y_h"], extra=["lens"],
    inits=[const("lens", np.array([3, 4], np.int32))])
rnn("bad_seq_lens_type", "RNN", 1, ["", "Y_h"], extra=["lens"],
    ins=[("lens", [2], "f32")])

# CHECK-LABEL: // CASE: rnn_defaults
# CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<3x2x4xf32> to tensor<6x4xf32>
# CHECK: %[[XW:.+]] = tessera.matmul %[[X]], %{{.+}} : (tensor<6x4xf32>, tensor<4x5xf32>) -> tensor<6x5xf32>
# CHECK: %[[RT:.+]] = tessera.transpose %{{.+}} {perm = array<i64: 1, 0>} : tensor<5x5xf32> to tensor<5x5xf32>
# CHECK: %[[XS:.+]] = tessera.reshape %[[XW]] : tensor<6x5xf32> to tensor<3x2x5xf32>
# CHECK: %[[H0:.+]] = tessera.constant dense<0.000000e+00> : tensor<2x5xf32>
# CHECK: %[[C0:.+]] = arith.constant 0 : index
# CHECK: %[[C3:.+]] = arith.constant 3 : index
# CHECK: %[[C1:.+]] = arith.constant 1 : index
# CHECK: %[[HN:.+]] = scf.for %[[T:[a-z0-9_]+]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[H:[a-z0-9_]+]] = %[[H0]]) -> (tensor<2x5xf32>) {
# CHECK-NEXT: %[[XT:.+]] = tensor.extract_slice %[[XS]][%[[T]], 0, 0] [1, 2, 5] [1, 1, 1] : tensor<3x2x5xf32> to tensor<2x5xf32>
# CHECK-NEXT: %[[M:.+]] = tessera.matmul %[[H]], %[[RT]] : (tensor<2x5xf32>, tensor<5x5xf32>) -> tensor<2x5xf32>
# CHECK-NEXT: %[[A:.+]] = tessera.add %[[XT]], %[[M]]
# CHECK-NEXT: %[[H1:.+]] = tessera.tanh %[[A]] : tensor<2x5xf32>
# CHECK-NEXT: scf.yield %[[H1]] : tensor<2x5xf32>
# CHECK: %[[YH:.+]] = tessera.reshape %[[HN]] : tensor<2x5xf32> to tensor<1x2x5xf32>
# CHECK-NEXT: return %[[YH]]

# Reverse: step i runs t = seq - 1 - i; Y stays in time order.
# CHECK-LABEL: // CASE: rnn_reverse_relu
# CHECK: %[[WB:.+]] = tessera.slice %{{.+}} {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<10xf32> to tensor<5xf32>
# CHECK: %[[RB:.+]] = tessera.slice %{{.+}} {starts = array<i64: 5>, steps = array<i64: 1>} : tensor<10xf32> to tensor<5xf32>
# CHECK: %[[B:.+]] = tessera.add %[[WB]], %[[RB]]
# CHECK: %[[XB:.+]] = tessera.add %{{.+}}, %[[B]] : (tensor<6x5xf32>, tensor<5xf32>) -> tensor<6x5xf32>
# CHECK: %[[XS:.+]] = tessera.reshape %[[XB]] : tensor<6x5xf32> to tensor<3x2x5xf32>
# CHECK: %[[H0:.+]] = tessera.reshape %arg1 : tensor<1x2x5xf32> to tensor<2x5xf32>
# CHECK: %[[Y0:.+]] = tensor.empty() : tensor<3x2x5xf32>
# CHECK: %[[LAST:.+]] = arith.constant 2 : index
# CHECK: %[[R:.+]]:2 = scf.for %[[I:[a-z0-9_]+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[H:[a-z0-9_]+]] = %[[H0]], %[[Y:[a-z0-9_]+]] = %[[Y0]])
# CHECK-NEXT: %[[T:.+]] = arith.subi %[[LAST]], %[[I]] : index
# CHECK-NEXT: %[[XT:.+]] = tensor.extract_slice %[[XS]][%[[T]], 0, 0]
# CHECK-NEXT: tessera.matmul %[[H]]
# CHECK-NEXT: tessera.add
# CHECK-NEXT: %[[HN:.+]] = tessera.relu
# CHECK-NEXT: %[[YN:.+]] = tensor.insert_slice %[[HN]] into %[[Y]][%[[T]], 0, 0] [1, 2, 5] [1, 1, 1] : tensor<2x5xf32> into tensor<3x2x5xf32>
# CHECK-NEXT: scf.yield %[[HN]], %[[YN]]
# CHECK: %[[YOUT:.+]] = tessera.reshape %[[R]]#1 : tensor<3x2x5xf32> to tensor<3x1x2x5xf32>
# CHECK: %[[YH:.+]] = tessera.reshape %[[R]]#0 : tensor<2x5xf32> to tensor<1x2x5xf32>
# CHECK: return %[[YOUT]], %[[YH]]

# CHECK-LABEL: // CASE: rnn_leakyrelu_clip
# CHECK: scf.for
# CHECK: %[[C:.+]] = tessera.clamp %{{.+}} {max = 2.500000e+00 : f64, min = -2.500000e+00 : f64} : tensor<2x5xf32>
# CHECK: %[[N:.+]] = tessera.less %[[C]], %{{.+}} : (tensor<2x5xf32>, tensor<f32>) -> tensor<2x5xi1>
# CHECK: %[[A:.+]] = tessera.constant dense<2.000000e-01> : tensor<f32>
# CHECK: %[[S:.+]] = tessera.mul %[[C]], %[[A]]
# CHECK: %[[L:.+]] = tessera.where %[[N]], %[[S]], %[[C]]
# CHECK: scf.yield %[[L]]

# GRU (z, r, h): without linear_before_reset, r scales H before the matmul.
# CHECK-LABEL: // CASE: gru_defaults
# CHECK: tessera.matmul %{{.+}} : (tensor<4x4xf32>, tensor<4x15xf32>) -> tensor<4x15xf32>
# CHECK: %[[RT:.+]] = tessera.transpose %{{.+}} : tensor<15x5xf32> to tensor<5x15xf32>
# CHECK: %[[RZR:.+]] = tessera.slice %[[RT]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<5x15xf32> to tensor<5x10xf32>
# CHECK: %[[RH:.+]] = tessera.slice %[[RT]] {starts = array<i64: 0, 10>, steps = array<i64: 1, 1>} : tensor<5x15xf32> to tensor<5x5xf32>
# CHECK: %[[H0:.+]] = tessera.constant dense<0.000000e+00> : tensor<2x5xf32>
# CHECK: scf.for %{{.+}} iter_args(%[[H:[a-z0-9_]+]] = %[[H0]], %[[Y:[a-z0-9_]+]] = %{{.+}}) -> (tensor<2x5xf32>, tensor<2x2x5xf32>)
# CHECK: %[[XT:.+]] = tensor.extract_slice
# CHECK: %[[ZRX:.+]] = tessera.slice %[[XT]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x15xf32> to tensor<2x10xf32>
# CHECK: %[[ZRH:.+]] = tessera.matmul %[[H]], %[[RZR]]
# CHECK: %[[ZR:.+]] = tessera.add %[[ZRX]], %[[ZRH]]
# CHECK: %[[Z:.+]] = tessera.sigmoid %{{.+}} : tensor<2x5xf32>
# CHECK: %[[R:.+]] = tessera.sigmoid %{{.+}} : tensor<2x5xf32>
# CHECK: %[[RH0:.+]] = tessera.mul %[[R]], %[[H]]
# CHECK: %[[HR:.+]] = tessera.matmul %[[RH0]], %[[RH]]
# CHECK: %[[HX:.+]] = tessera.slice %[[XT]] {starts = array<i64: 0, 10>
# CHECK: %[[HA:.+]] = tessera.add %[[HX]], %[[HR]]
# CHECK: %[[HH:.+]] = tessera.tanh %[[HA]]
# CHECK: %[[D:.+]] = tessera.sub %[[H]], %[[HH]]
# CHECK: %[[ZD:.+]] = tessera.mul %[[Z]], %[[D]]
# CHECK: %[[HN:.+]] = tessera.add %[[HH]], %[[ZD]]
# CHECK: %[[YN:.+]] = tensor.insert_slice %[[HN]] into %[[Y]]
# CHECK: scf.yield %[[HN]], %[[YN]]
# CHECK: tessera.reshape %{{.+}} : tensor<2x2x5xf32> to tensor<2x1x2x5xf32>

# With linear_before_reset, Rb stays in the recurrent term and r scales H·R^T + Rb.
# CHECK-LABEL: // CASE: gru_linear_before_reset
# CHECK: %[[RT:.+]] = tessera.transpose %{{.+}} : tensor<15x5xf32> to tensor<5x15xf32>
# CHECK: %[[WB:.+]] = tessera.slice %{{.+}} {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<30xf32> to tensor<15xf32>
# CHECK: %[[RB:.+]] = tessera.slice %{{.+}} {starts = array<i64: 15>, steps = array<i64: 1>} : tensor<30xf32> to tensor<15xf32>
# CHECK: tessera.add %{{.+}}, %[[WB]] : (tensor<2x15xf32>, tensor<15xf32>) -> tensor<2x15xf32>
# CHECK: scf.for
# CHECK: %[[M:.+]] = tessera.matmul %{{.+}}, %[[RT]] : (tensor<2x5xf32>, tensor<5x15xf32>) -> tensor<2x15xf32>
# CHECK: %[[HR:.+]] = tessera.add %[[M]], %[[RB]]
# CHECK: tessera.sigmoid %{{.+}} : tensor<2x5xf32>
# CHECK: %[[R:.+]] = tessera.sigmoid %{{.+}} : tensor<2x5xf32>
# CHECK: %[[HRH:.+]] = tessera.slice %[[HR]] {starts = array<i64: 0, 10>
# CHECK: tessera.mul %[[R]], %[[HRH]]

# LSTM (i, o, f, c) with peepholes (i, o, f), both directions, all outputs:
# one loop per direction, the reverse one at t = seq - 1 - i.
# CHECK-LABEL: // CASE: lstm_bidirectional
# CHECK: tessera.matmul %{{.+}} : (tensor<2x4xf32>, tensor<4x12xf32>) -> tensor<2x12xf32>
# CHECK: %[[XF:.+]] = tessera.reshape %{{.+}} : tensor<2x12xf32> to tensor<2x1x12xf32>
# CHECK: %[[C0:.+]] = tessera.reshape %{{.+}} : tensor<1x1x3xf32> to tensor<1x3xf32>
# CHECK: %[[PI:.+]] = tessera.slice %{{.+}} {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<9xf32> to tensor<3xf32>
# CHECK: %[[PO:.+]] = tessera.slice %{{.+}} {starts = array<i64: 3>, steps = array<i64: 1>} : tensor<9xf32> to tensor<3xf32>
# CHECK: %[[PF:.+]] = tessera.slice %{{.+}} {starts = array<i64: 6>, steps = array<i64: 1>} : tensor<9xf32> to tensor<3xf32>
# CHECK: tessera.slice %{{.+}} {starts = array<i64: 1, 0, 0>, steps = array<i64: 1, 1, 1>} : tensor<2x12x4xf32> to tensor<1x12x4xf32>
# CHECK: tessera.matmul %{{.+}} : (tensor<2x4xf32>, tensor<4x12xf32>) -> tensor<2x12xf32>
# CHECK: %[[XR:.+]] = tessera.reshape %{{.+}} : tensor<2x12xf32> to tensor<2x1x12xf32>
# CHECK: %[[F:.+]]:3 = scf.for %[[I:[a-z0-9_]+]] = {{.+}} iter_args(%[[H:[a-z0-9_]+]] = %{{.+}}, %[[C:[a-z0-9_]+]] = %[[C0]], %[[Y:[a-z0-9_]+]] = %{{.+}})
# CHECK-NEXT: %[[XT:.+]] = tensor.extract_slice %[[XF]][%[[I]], 0, 0] [1, 1, 12] [1, 1, 1] : tensor<2x1x12xf32> to tensor<1x12xf32>
# CHECK-NEXT: tessera.matmul %[[H]]
# CHECK-NEXT: %[[G:.+]] = tessera.add %[[XT]], %{{.+}} : (tensor<1x12xf32>, tensor<1x12xf32>) -> tensor<1x12xf32>
# CHECK-NEXT: %[[GI:.+]] = tessera.slice %[[G]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<1x12xf32> to tensor<1x3xf32>
# CHECK-NEXT: %[[PIC:.+]] = tessera.mul %[[PI]], %[[C]]
# CHECK: %[[IG:.+]] = tessera.sigmoid
# CHECK: %[[GF:.+]] = tessera.slice %[[G]] {starts = array<i64: 0, 6>
# CHECK: tessera.mul %[[PF]], %[[C]]
# CHECK: %[[FG:.+]] = tessera.sigmoid
# CHECK: %[[GC:.+]] = tessera.slice %[[G]] {starts = array<i64: 0, 9>
# CHECK: %[[CC:.+]] = tessera.tanh %[[GC]]
# CHECK: %[[FC:.+]] = tessera.mul %[[FG]], %[[C]]
# CHECK: %[[IC:.+]] = tessera.mul %[[IG]], %[[CC]]
# CHECK: %[[C1:.+]] = tessera.add %[[FC]], %[[IC]]
# CHECK: %[[GO:.+]] = tessera.slice %[[G]] {starts = array<i64: 0, 3>
# CHECK: tessera.mul %[[PO]], %[[C1]]
# CHECK: %[[O:.+]] = tessera.sigmoid
# CHECK: %[[TC:.+]] = tessera.tanh %[[C1]]
# CHECK: %[[HN:.+]] = tessera.mul %[[O]], %[[TC]]
# CHECK: %[[YN:.+]] = tensor.insert_slice %[[HN]] into %[[Y]][%[[I]], 0, 0]
# CHECK: scf.yield %[[HN]], %[[C1]], %[[YN]]
# CHECK: arith.constant 1 : index
# CHECK-NEXT: %[[LAST:.+]] = arith.constant 1 : index
# CHECK-NEXT: %[[R:.+]]:3 = scf.for %[[J:[a-z0-9_]+]] =
# CHECK-NEXT: %[[T:.+]] = arith.subi %[[LAST]], %[[J]] : index
# CHECK-NEXT: tensor.extract_slice %[[XR]][%[[T]], 0, 0]
# CHECK: tensor.insert_slice %{{.+}}[%[[T]], 0, 0]
# CHECK: %[[YF:.+]] = tessera.reshape %[[F]]#2 : tensor<2x1x3xf32> to tensor<2x1x1x3xf32>
# CHECK: %[[YR:.+]] = tessera.reshape %[[R]]#2 : tensor<2x1x3xf32> to tensor<2x1x1x3xf32>
# CHECK: %[[YOUT:.+]] = tessera.concat %[[YF]], %[[YR]] {axis = 1 : i64} : {{.+}} -> tensor<2x2x1x3xf32>
# CHECK: %[[YH:.+]] = tessera.concat %{{.+}} {axis = 0 : i64} : {{.+}} -> tensor<2x1x3xf32>
# CHECK: %[[YC:.+]] = tessera.concat %{{.+}} {axis = 0 : i64} : {{.+}} -> tensor<2x1x3xf32>
# CHECK: return %[[YOUT]], %[[YH]], %[[YC]]

# layout = 1: X, Y and Y_h are batch-first.
# CHECK-LABEL: // CASE: lstm_batchwise
# CHECK: tessera.transpose %arg0 {perm = array<i64: 1, 0, 2>} : tensor<3x2x4xf32> to tensor<2x3x4xf32>
# CHECK: %[[L:.+]]:3 = scf.for
# CHECK: %[[Y:.+]] = tessera.reshape %[[L]]#2 : tensor<2x3x3xf32> to tensor<2x1x3x3xf32>
# CHECK: %[[YT:.+]] = tessera.transpose %[[Y]] {perm = array<i64: 2, 0, 1, 3>} : tensor<2x1x3x3xf32> to tensor<3x2x1x3xf32>
# CHECK: %[[YH:.+]] = tessera.transpose %{{.+}} {perm = array<i64: 1, 0, 2>} : tensor<1x3x3xf32> to tensor<3x1x3xf32>
# CHECK: return %[[YT]], %[[YH]]

# input_forget: f = 1 - i.
# CHECK-LABEL: // CASE: lstm_input_forget
# CHECK: %[[I:.+]] = tessera.sigmoid
# CHECK: %[[ONE:.+]] = tessera.constant dense<1.000000e+00> : tensor<f32>
# CHECK: tessera.sub %[[ONE]], %[[I]] : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK-NOT: tessera.sigmoid
# CHECK: tessera.tanh

# sequence_lens known only at run time: the step's mask is t < lens; finished
# sequences keep their state and output zeros.
# CHECK-LABEL: // CASE: lstm_seq_lens_input
# CHECK: %[[LENS:.+]] = tessera.reshape %arg1 : tensor<3xi32> to tensor<3x1xi32>
# CHECK: scf.for %[[T:[a-z0-9_]+]] = {{.+}} iter_args(%[[H:[a-z0-9_]+]] = %{{.+}}, %[[C:[a-z0-9_]+]] = %{{.+}}, %[[Y:[a-z0-9_]+]] = %{{.+}})
# CHECK-NEXT: %[[TI:.+]] = arith.index_cast %[[T]] : index to i32
# CHECK-NEXT: %[[TT:.+]] = tensor.from_elements %[[TI]] : tensor<i32>
# CHECK-NEXT: %[[M:.+]] = tessera.less %[[TT]], %[[LENS]] : (tensor<i32>, tensor<3x1xi32>) -> tensor<3x1xi1>
# CHECK: %[[Z:.+]] = tessera.constant dense<0.000000e+00> : tensor<f32>
# CHECK: %[[YT:.+]] = tessera.where %[[M]], %[[HN:.+]], %[[Z]] : (tensor<3x1xi1>, tensor<3x3xf32>, tensor<f32>) -> tensor<3x3xf32>
# CHECK: %[[H1:.+]] = tessera.where %[[M]], %[[HN]], %[[H]]
# CHECK: %[[C1:.+]] = tessera.where %[[M]], %{{.+}}, %[[C]]
# CHECK: %[[YN:.+]] = tensor.insert_slice %[[YT]] into %[[Y]]
# CHECK: scf.yield %[[H1]], %[[C1]], %[[YN]]

# sequence_lens known to be full: no masking.
# CHECK-LABEL: // CASE: lstm_seq_lens_full
# CHECK-NOT: tessera.where
# CHECK: return

# Opset 7; alpha/beta go to the activations that take them (HardSigmoid).
# CHECK-LABEL: // CASE: gru_opset7
# CHECK: tessera.constant dense<3.000000e-01> : tensor<f32>
# CHECK: tessera.constant dense<6.000000e-01> : tensor<f32>
# CHECK: tessera.clamp %{{.+}} {max = 1.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<2x5xf32>
# CHECK: %[[A:.+]] = tessera.abs %[[X:.+]] : tensor<2x5xf32>
# CHECK: %[[D:.+]] = tessera.add %[[A]], %{{.+}}
# CHECK: tessera.div %[[X]], %[[D]]

# CHECK-LABEL: // CASE: bad_direction
# CHECK: node 'bad_direction' (op type 'RNN', opset 14): unsupported direction 'sideways' (expected forward, reverse or bidirectional)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_activation
# CHECK: node 'bad_activation' (op type 'RNN', opset 14): unsupported activation 'Gelu' (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_activation_count
# CHECK: node 'bad_activation_count' (op type 'GRU', opset 14): expected 2 activations, found 1
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_layout
# CHECK: node 'bad_layout' (op type 'RNN', opset 14): layout must be 0 or 1, found 2
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_clip
# CHECK: node 'bad_clip' (op type 'RNN', opset 14): clip must be positive, found -1.0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_hidden_size
# CHECK: node 'bad_hidden_size' (op type 'RNN', opset 14): input 1 'W' must be tensor<1x6x4xf32>, found tensor<1x5x4xf32>
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_hidden_zero
# CHECK: node 'bad_hidden_zero' (op type 'RNN', opset 14): hidden_size must be positive, found 0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_seq_lens
# CHECK: node 'bad_seq_lens' (op type 'RNN', opset 14): sequence_lens[1] = 4 is outside [0, 3]
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: bad_seq_lens_type
# CHECK: node 'bad_seq_lens_type' (op type 'RNN', opset 14): sequence_lens must be an integer tensor of shape [2]
# CHECK: // EXIT: 1
