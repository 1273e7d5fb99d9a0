"""Loop, Scan and If end to end: small models built with onnx.helper (fixed seed) are
compiled with tessera-compile (the importer unrolls them), run on random inputs, and
every output is compared (relative L2 <= 1e-4) with a numpy reference that runs the
recurrence step by step. Includes a Mamba-style selective scan written as a Scan body.

usage: control_flow.py TOOLS_DIR WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
cases = []


def randn(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def vi(name, elem, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def case(name, nodes, inputs, refs, inits=(), opset=17):
    """A model over `inputs` (name -> array) whose outputs `refs` (name -> array)
    are checked; initializers as TensorProtos."""
    ins = [vi(n, F, a.shape) for n, a in inputs.items()]
    outs = [vi(n, F, a.shape) for n, a in refs.items()]
    graph = helper.make_graph(nodes, name, ins, outs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    cases.append((name, model, inputs, {k: v.astype(np.float32) for k, v in refs.items()}))


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


# --- Scan: two scan inputs (axis 1 reversed, axis 0 forward), two scan outputs
# (axis 1 reversed, axis 0 forward), one state.
x, z, h0 = randn(4, 6), randn(6, 4), randn(4)
body = helper.make_graph(
    [node("Mul", ["h_in", "decay"], ["hd"]), node("Add", ["hd", "xt"], ["a"]),
     node("Add", ["a", "zt"], ["pre"]), node("Tanh", ["pre"], ["h"]),
     node("Add", ["h", "h"], ["yt"]), node("Sub", ["h", "zt"], ["wt"])],
    "body", [vi("h_in", F, [4]), vi("xt", F, [4]), vi("zt", F, [4])],
    [vi("h", F, [4]), vi("yt", F, [4]), vi("wt", F, [4])])
h, ys, ws = h0.astype(np.float64), [], []
for t in range(6):
    h = np.tanh(0.9 * h + x[:, 5 - t] + z[t])
    ys.append(2 * h)
    ws.append(h - z[t])
case("scan_dirs",
     [node("Scan", ["h0", "x", "z"], ["scan_dirs_h", "scan_dirs_y", "scan_dirs_w"], body=body,
           num_scan_inputs=2, scan_input_axes=[1, 0], scan_input_directions=[1, 0],
           scan_output_axes=[1, 0], scan_output_directions=[1, 0])],
     dict(h0=h0, x=x, z=z),
     dict(scan_dirs_h=h, scan_dirs_y=np.stack(ys[::-1], 1), scan_dirs_w=np.stack(ws, 0)),
     inits=[init("decay", np.float32(0.9))], opset=16)

# Opset 9 Scan: a running sum.
x9, s9 = randn(5, 3), randn(3)
body = helper.make_graph([node("Add", ["s_in", "xt"], ["s"]), node("Identity", ["s"], ["st"])],
                         "body", [vi("s_in", F, [3]), vi("xt", F, [3])],
                         [vi("s", F, [3]), vi("st", F, [3])])
case("scan9", [node("Scan", ["s0", "x"], ["scan9_s", "scan9_all"], body=body, num_scan_inputs=1)],
     dict(s0=s9, x=x9), dict(scan9_s=s9 + x9.sum(0), scan9_all=s9 + np.cumsum(x9, 0)), opset=9)

# --- Loop: an RNN over X [5, 3, 8], the step read with Gather(X, i); W, U, b are
# initializers of the enclosing graph, X one of its inputs.
X, h0 = randn(5, 3, 8), randn(3, 8)
W, U, bias = randn(8, 8, scale=0.3), randn(8, 8, scale=0.3), randn(8)
body = helper.make_graph(
    [node("Identity", ["cond_in"], ["cond_out"]), node("Gather", ["X", "i"], ["xi"], axis=0),
     node("MatMul", ["h_in", "W"], ["hw"]), node("MatMul", ["xi", "U"], ["xu"]),
     node("Add", ["hw", "xu"], ["s"]), node("Add", ["s", "b"], ["sb"]),
     node("Tanh", ["sb"], ["h"]), node("Identity", ["h"], ["h_scan"])],
    "body", [vi("i", I64, []), vi("cond_in", B, []), vi("h_in", F, [3, 8])],
    [vi("cond_out", B, []), vi("h", F, [3, 8]), vi("h_scan", F, [3, 8])])
h, hs = h0.astype(np.float64), []
for i in range(5):
    h = np.tanh(h @ W + X[i] @ U + bias)
    hs.append(h)
case("loop_rnn", [node("Loop", ["M", "c", "h0"], ["loop_rnn_h", "loop_rnn_hs"], body=body)],
     dict(X=X, h0=h0), dict(loop_rnn_h=h, loop_rnn_hs=np.stack(hs)),
     inits=[init("M", np.int64(5)), init("c", np.bool_(True)), init("W", W), init("U", U),
            init("b", bias)], opset=13)

# Nested Loops: the inner body reads the outer iteration number and input x.
xn, a0 = randn(2, 3), randn(2, 3)
inner = helper.make_graph(
    [node("Identity", ["ci"], ["co"]), node("Cast", ["j"], ["jf"], to=F),
     node("Cast", ["k"], ["kf"], to=F), node("Mul", ["x", "jf"], ["xj"]),
     node("Mul", ["v_in", "half"], ["vh"]), node("Add", ["vh", "xj"], ["v1"]),
     node("Add", ["v1", "kf"], ["v"])],
    "inner", [vi("k", I64, []), vi("ci", B, []), vi("v_in", F)], [vi("co", B, []), vi("v", F)])
outer = helper.make_graph(
    [node("Identity", ["cj"], ["cjo"]), node("Loop", ["M2", "", "acc_in"], ["acc"], body=inner),
     node("Sin", ["acc"], ["acc_sin"])],
    "outer", [vi("j", I64, []), vi("cj", B, []), vi("acc_in", F)],
    [vi("cjo", B, []), vi("acc", F), vi("acc_sin", F)])
acc, sins = a0.astype(np.float64), []
for j in range(3):
    for k in range(2):
        acc = acc * 0.5 + xn * j + k
    sins.append(np.sin(acc))
case("loop_nested",
     [node("Loop", ["M3", "", "a0"], ["loop_nested_acc", "loop_nested_sin"], body=outer)],
     dict(x=xn, a0=a0), dict(loop_nested_acc=acc, loop_nested_sin=np.stack(sins)),
     inits=[init("M3", np.int64(3)), init("M2", np.int64(2)), init("half", np.float32(0.5))])

# A while loop (no trip count): the condition i + 1 < 4 folds at import.
xw, yw = randn(4), randn(4)
body = helper.make_graph(
    [node("Add", ["i", "one"], ["n"]), node("Less", ["n", "four"], ["cond_out"]),
     node("Mul", ["y_in", "k"], ["yk"]), node("Sub", ["yk", "x"], ["y"])],
    "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F, [4])],
    [vi("cond_out", B, []), vi("y", F, [4])])
y = yw.astype(np.float64)
for _ in range(4):
    y = 1.5 * y - xw
case("loop_while", [node("Loop", ["", "", "y0"], ["loop_while_y"], body=body)],
     dict(x=xw, y0=yw), dict(loop_while_y=y),
     inits=[init("one", np.int64(1)), init("four", np.int64(4)), init("k", np.float32(1.5))])

# If with a constant condition: the then branch reads the enclosing input.
xi = randn(3, 3)
then_g = helper.make_graph([node("MatMul", ["x", "x"], ["t"])], "then", [], [vi("t", F)])
else_g = helper.make_graph([node("Neg", ["x"], ["e"])], "else", [], [vi("e", F)])
case("if_const", [node("If", ["c"], ["if_const_y"], then_branch=then_g, else_branch=else_g)],
     dict(x=xi), dict(if_const_y=xi.astype(np.float64) @ xi), inits=[init("c", np.bool_(True))])

# --- Mamba-style selective scan: h = dA_t * h + dBu_t, y_t = sum_n h * C_t, with
# dA = exp(delta * A) and dBu = delta * u * B_t computed before the Scan (as Mamba's
# reference implementation does) and the skip y + D * u after it.
b, T, d, n = 2, 16, 8, 4
u, Bm, C = randn(b, T, d), randn(b, T, n), randn(b, T, n)
delta = np.log1p(np.exp(randn(b, T, d))).astype(np.float32)  # softplus
A = -np.exp(randn(d, n, scale=0.5)).astype(np.float32)
D, hm0 = randn(d), randn(b, d, n, scale=0.1)


def mamba_ref(h, dA, dBu, C):
    h, ys = h.astype(np.float64), []
    for t in range(T):
        h = dA[:, t] * h + dBu[:, t]
        ys.append(np.einsum("bdn,bn->bd", h, C[:, t]))
    return h, np.stack(ys, 1)


dA = np.exp(delta[..., None].astype(np.float64) * A)
dBu = (delta * u)[..., None].astype(np.float64) * Bm[:, :, None, :]
hN, yss = mamba_ref(hm0, dA, dBu, C)
sel_body = helper.make_graph(
    [node("Mul", ["dA_t", "h_in"], ["ah"]), node("Add", ["ah", "dBu_t"], ["h"]),
     node("Unsqueeze", ["C_t", "ax1"], ["Cu"]), node("Mul", ["h", "Cu"], ["hc"]),
     node("ReduceSum", ["hc", "axm1"], ["y_t"], keepdims=0)],
    "selective_scan", [vi("h_in", F, [b, d, n]), vi("dA_t", F, [b, d, n]),
                       vi("dBu_t", F, [b, d, n]), vi("C_t", F, [b, n])],
    [vi("h", F, [b, d, n]), vi("y_t", F, [b, d])],
    initializer=[init("ax1", np.array([1], np.int64)), init("axm1", np.array([-1], np.int64))])
case("mamba_scan",
     [node("Unsqueeze", ["delta", "axm1"], ["delta_e"]), node("Mul", ["delta_e", "A"], ["dA_pre"]),
      node("Exp", ["dA_pre"], ["dA"]), node("Mul", ["delta", "u"], ["du"]),
      node("Unsqueeze", ["du", "axm1"], ["du_e"]), node("Unsqueeze", ["Bm", "ax2"], ["B_e"]),
      node("Mul", ["du_e", "B_e"], ["dBu"]),
      node("Scan", ["h0", "dA", "dBu", "C"], ["mamba_scan_h", "ys"], body=sel_body,
           num_scan_inputs=3, scan_input_axes=[1, 1, 1], scan_output_axes=[1]),
      node("Mul", ["u", "D"], ["Du"]), node("Add", ["ys", "Du"], ["mamba_scan_y"])],
     dict(u=u, delta=delta, Bm=Bm, C=C, h0=hm0),
     dict(mamba_scan_h=hN, mamba_scan_y=yss + u * D),
     inits=[init("A", A), init("D", D), init("axm1", np.array([-1], np.int64)),
            init("ax2", np.array([2], np.int64))])

# The same recurrence with y_t as an Einsum, on given dA/dBu, scanned in reverse.
dA2 = np.exp(-np.abs(randn(b, T, d, n)))
dBu2 = randn(b, T, d, n)
hN2, ys2 = mamba_ref(hm0, dA2[:, ::-1], dBu2[:, ::-1], C[:, ::-1])
ein_body = helper.make_graph(
    [node("Mul", ["dA_t", "h_in"], ["ah"]), node("Add", ["ah", "dBu_t"], ["h"]),
     node("Einsum", ["h", "C_t"], ["y_t"], equation="bdn,bn->bd")],
    "selective_scan_einsum", [vi("h_in", F, [b, d, n]), vi("dA_t", F, [b, d, n]),
                              vi("dBu_t", F, [b, d, n]), vi("C_t", F, [b, n])],
    [vi("h", F, [b, d, n]), vi("y_t", F, [b, d])])
case("mamba_einsum_rev",
     [node("Scan", ["h0", "dA", "dBu", "C"], ["mamba_einsum_rev_h", "mamba_einsum_rev_y"],
           body=ein_body, num_scan_inputs=3, scan_input_axes=[1, 1, 1],
           scan_input_directions=[1, 1, 1], scan_output_axes=[1],
           scan_output_directions=[1])],
     dict(h0=hm0, dA=dA2, dBu=dBu2, C=C),
     dict(mamba_einsum_rev_h=hN2, mamba_einsum_rev_y=ys2[:, ::-1]))


def main():
    tools, work = sys.argv[1:3]
    status = 0
    for name, model, inputs, refs in cases:
        root = os.path.join(work, name)
        for sub in ("in", "ref", "out"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        onnx.save(model, os.path.join(root, "model.onnx"))
        args = []
        for k, v in inputs.items():
            path = os.path.join(root, "in", k + ".npy")
            np.save(path, v)
            args += ["--input", f"{k}={path}"]
        for k, v in refs.items():
            np.save(os.path.join(root, "ref", k + ".npy"), v)
        exe = os.path.join(root, "model")
        subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(root, "model.onnx"),
                        "-o", exe], check=True)
        subprocess.run([exe, *args, "--output-dir", os.path.join(root, "out")], check=True)
        sys.stdout.flush()
        status |= subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "compare.py"),
                                  os.path.join(root, "ref"), os.path.join(root, "out")]).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
