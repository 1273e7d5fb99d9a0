"""ONNX sequences end to end: models built with onnx.helper (fixed seed) whose sequence
values the importer keeps as lists of tensors are compiled with tessera-compile, run on
random inputs, and every output is compared (relative L2 <= 1e-4) with a numpy
reference. The Mamba-style selective scan of control_flow.py is written as
torch.jit.script exports a Python list appended to in a loop (SequenceEmpty, a
loop-carried SequenceInsert, ConcatFromSequence after the loop), once reading its steps
with Gather and once from SplitToSequence; for those, the fused-op counts of
`--emit=tessera --report=-` are printed too.

usage: sequence.py TOOLS_DIR WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(11)
F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
cases = []


def randn(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def vi(name, elem, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


def seq_vi(name):
    return helper.make_tensor_sequence_value_info(name, F, None)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def case(name, nodes, inputs, refs, inits=(), opset=17, report=False):
    ins = [vi(n, F, a.shape) for n, a in inputs.items()]
    outs = [vi(n, F, a.shape) for n, a in refs.items()]
    graph = helper.make_graph(nodes, name, ins, outs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    cases.append((name, model, inputs, {k: v.astype(np.float32) for k, v in refs.items()},
                  report))


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, **attrs)


# --- List manipulation: [a, b] -> insert c at 1 -> [a, c, b] -> erase -1 -> [a, c];
# SequenceAt(-2) is a; stacked along a new axis 1; SplitToSequence of x by [1, 3]
# along axis 1 joined back in reverse order.
a, bb, c, x = randn(3, 4), randn(3, 4), randn(3, 4), randn(2, 4)
case("seq_list",
     [node("SequenceConstruct", ["a", "b"], ["s0"]),
      node("SequenceInsert", ["s0", "c", "one"], ["s1"]),
      node("SequenceErase", ["s1", "m1"], ["s2"]),
      node("SequenceAt", ["s2", "m2"], ["first"]),
      node("Mul", ["first", "first"], ["seq_list_sq"]),
      node("ConcatFromSequence", ["s2"], ["seq_list_stack"], axis=1, new_axis=1),
      node("SplitToSequence", ["x", "sizes"], ["parts"], axis=1),
      node("SequenceAt", ["parts", "zero"], ["p0"]),
      node("SequenceAt", ["parts", "one"], ["p1"]),
      node("SequenceConstruct", ["p1", "p0"], ["swapped"]),
      node("ConcatFromSequence", ["swapped"], ["seq_list_swap"], axis=-1)],
     dict(a=a, b=bb, c=c, x=x),
     dict(seq_list_sq=a * a, seq_list_stack=np.stack([a, c], 1),
          seq_list_swap=np.concatenate([x[:, 1:], x[:, :1]], 1)),
     inits=[init("zero", np.int64(0)), init("one", np.int64(1)), init("m1", np.int64(-1)),
            init("m2", np.int64(-2)), init("sizes", np.array([1, 3], np.int64))])

# --- Mamba-style selective scan (control_flow.py's mamba_scan) as a Loop appending
# y_t to a list: dA = exp(delta * A) and dBu = delta * u * B before the loop,
# h = dA_t * h + dBu_t, y_t = sum_n h * C_t in it, then ys = torch.stack(ys, 1) and
# the skip ys + D * u.
b, T, d, n = 2, 16, 8, 4
u, Bm, C = randn(b, T, d), randn(b, T, n), randn(b, T, n)
delta = np.log1p(np.exp(randn(b, T, d))).astype(np.float32)  # softplus
A = -np.exp(randn(d, n, scale=0.5)).astype(np.float32)
D, h0 = randn(d), randn(b, d, n, scale=0.1)
dA = np.exp(delta[..., None].astype(np.float64) * A)
dBu = (delta * u)[..., None].astype(np.float64) * Bm[:, :, None, :]
h, ys = h0.astype(np.float64), []
for t in range(T):
    h = dA[:, t] * h + dBu[:, t]
    ys.append(np.einsum("bdn,bn->bd", h, C[:, t]))
hN, yss = h, np.stack(ys, 1) + u * D
prologue = [node("Unsqueeze", ["delta", "axm1"], ["delta_e"]),
            node("Mul", ["delta_e", "A"], ["dA_pre"]), node("Exp", ["dA_pre"], ["dA"]),
            node("Mul", ["delta", "u"], ["du"]), node("Unsqueeze", ["du", "axm1"], ["du_e"]),
            node("Unsqueeze", ["Bm", "ax2"], ["B_e"]), node("Mul", ["du_e", "B_e"], ["dBu"]),
            node("SequenceEmpty", [], ["ys0"])]
mamba_inits = [init("A", A), init("D", D), init("axm1", np.array([-1], np.int64)),
               init("ax2", np.array([2], np.int64))]


def epilogue(name):
    return [node("ConcatFromSequence", ["ys"], ["ys_t"], axis=1, new_axis=1),
            node("Mul", ["u", "D"], ["Du"]), node("Add", ["ys_t", "Du"], [name + "_y"])]


def loop_body(read):
    """Reads dA_t, dBu_t, C_t with `read`, steps the recurrence, appends y_t."""
    return helper.make_graph(
        read + [node("Identity", ["cond_in"], ["cond_out"]),
                node("Mul", ["dA_t", "h_in"], ["ah"]), node("Add", ["ah", "dBu_t"], ["h"]),
                node("Unsqueeze", ["C_t", "ax1"], ["Cu"]), node("Mul", ["h", "Cu"], ["hc"]),
                node("ReduceSum", ["hc", "axm1"], ["y_t"], keepdims=0),
                node("SequenceInsert", ["ys_in", "y_t"], ["ys_out"])],
        "selective_scan",
        [vi("i", I64, []), vi("cond_in", B, []), vi("h_in", F, [b, d, n]), seq_vi("ys_in")],
        [vi("cond_out", B, []), vi("h", F, [b, d, n]), seq_vi("ys_out")],
        initializer=[init("ax1", np.array([1], np.int64))])


gather = loop_body([node("Gather", ["dA", "i"], ["dA_t"], axis=1),
                    node("Gather", ["dBu", "i"], ["dBu_t"], axis=1),
                    node("Gather", ["C", "i"], ["C_t"], axis=1)])
case("seq_mamba_gather",
     prologue + [node("Loop", ["M", "", "h0", "ys0"], ["seq_mamba_gather_h", "ys"],
                      body=gather)] + epilogue("seq_mamba_gather"),
     dict(u=u, delta=delta, Bm=Bm, C=C, h0=h0),
     dict(seq_mamba_gather_h=hN, seq_mamba_gather_y=yss),
     inits=mamba_inits + [init("M", np.int64(T))], report=True)

split = loop_body([node("SequenceAt", ["dA_seq", "i"], ["dA_t"]),
                   node("SequenceAt", ["dBu_seq", "i"], ["dBu_t"]),
                   node("SequenceAt", ["C_seq", "i"], ["C_t"])])
case("seq_mamba_split",
     prologue + [node("SplitToSequence", ["dA"], ["dA_seq"], axis=1, keepdims=0),
                 node("SplitToSequence", ["dBu"], ["dBu_seq"], axis=1, keepdims=0),
                 node("SplitToSequence", ["C"], ["C_seq"], axis=1, keepdims=0),
                 node("SequenceLength", ["dA_seq"], ["steps"]),
                 node("Loop", ["steps", "", "h0", "ys0"], ["seq_mamba_split_h", "ys"],
                      body=split)] + epilogue("seq_mamba_split"),
     dict(u=u, delta=delta, Bm=Bm, C=C, h0=h0),
     dict(seq_mamba_split_h=hN, seq_mamba_split_y=yss), inits=mamba_inits, report=True)


def report(model_path):
    """The fusion and graph-op lines of `--emit=tessera --report=-`."""
    res = subprocess.run([os.path.join(sys.argv[1], "tessera-compile"), model_path,
                          "--emit=tessera", "--report=-", "-o", os.devnull],
                         capture_output=True, text=True, check=True)
    lines = (res.stdout + res.stderr).splitlines()
    return "; ".join(l.strip() for l in lines if l.strip().startswith(("fusion:", "graph ops:")))


def main():
    tools, work = sys.argv[1:3]
    status = 0
    for name, model, inputs, refs, with_report in cases:
        root = os.path.join(work, name)
        for sub in ("in", "ref", "out"):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
        path = os.path.join(root, "model.onnx")
        onnx.save(model, path)
        args = []
        for k, v in inputs.items():
            p = os.path.join(root, "in", k + ".npy")
            np.save(p, v)
            args += ["--input", f"{k}={p}"]
        for k, v in refs.items():
            np.save(os.path.join(root, "ref", k + ".npy"), v)
        exe = os.path.join(root, "model")
        subprocess.run([os.path.join(tools, "tessera-compile"), path, "-o", exe], check=True)
        subprocess.run([exe, *args, "--output-dir", os.path.join(root, "out")], check=True)
        sys.stdout.flush()
        status |= subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "compare.py"),
                                  os.path.join(root, "ref"), os.path.join(root, "out")]).returncode
        if with_report:
            print(f"{name} report: {report(path)}")
            sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
