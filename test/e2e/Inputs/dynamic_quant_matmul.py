"""com.microsoft DynamicQuantizeMatMul and MatMulIntegerToFloat (ONNX Runtime's dynamic int8
MatMuls) end to end: each case is a small model compiled with tessera-compile (and with
--no-fused-kernels, the ops' reference decompositions) and run on random inputs (fixed seed);
its output is compared with a numpy reference written from ONNX Runtime's
ContribOperators.md: A quantized to uint8 as DynamicQuantizeLinear does (one scale and zero
point for the tensor), the exact integer product with B and its zero point, then
float(product) * (a_scale * b_scale) + bias. The kernels must match it to 1e-6 (relative L2;
they compute the same integers and the same float products), the decompositions to 1e-5.
Prints "NAME: ok" per case and how the IR holds it (qlinear mode, or the exact product in f64).

usage: dynamic_quant_matmul.py TOOLS_DIR WORK_DIR [BAD_CASE]
(with BAD_CASE, only writes WORK_DIR/bad.onnx: a model the importer must reject)
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)
F32 = np.float32


def dynamic_quantize(x):
    """DynamicQuantizeLinear in float32 arithmetic: (q, scale, zero point)."""
    mx, mn = max(F32(0), x.max()), min(F32(0), x.min())
    scale = F32((mx - mn) / F32(255)) if mx > mn else F32(1)
    zp = np.clip(np.round(-mn / scale), 0, 255).astype(F32)
    q = np.clip(np.round(x / scale) + zp, 0, 255)
    return q.astype(np.int64), scale, int(zp)


def scaled(prod, a_scale, b_scale, bias):
    y = prod.astype(F32) * (F32(a_scale) * b_scale.astype(F32))
    return y + bias if bias is not None else y


def weights(k, n, signed, zp_per_column):
    if signed:
        b = rng.integers(-128, 128, size=(k, n)).astype(np.int8)
    else:
        b = rng.integers(0, 256, size=(k, n)).astype(np.uint8)
    b_scale = (rng.random(n if zp_per_column else 1) * 0.05 + 0.01).astype(F32)
    return b, b_scale


def dqmm(name, a_shape, n, signed=True, b_zp=None, scale_per_column=True, bias=True,
         a_zero=False):
    k = a_shape[-1]
    b, b_scale = weights(k, n, signed, scale_per_column)
    if not scale_per_column:
        b_scale = b_scale.reshape(())
    inits = [numpy_helper.from_array(b, "B"), numpy_helper.from_array(b_scale, "b_scale")]
    ins = ["A", "B", "b_scale"]
    zp = np.zeros(b_scale.shape, b.dtype) if b_zp is None else np.array(b_zp, b.dtype)
    if b_zp is not None:
        inits.append(numpy_helper.from_array(zp, "b_zp"))
        ins.append("b_zp")
    bias_v = rng.standard_normal(n).astype(F32) if bias else None
    if bias:
        ins += [""] * (4 - len(ins)) + ["bias"]
        inits.append(numpy_helper.from_array(bias_v, "bias"))
    node = helper.make_node("DynamicQuantizeMatMul", ins, ["Y"], name=name,
                            domain="com.microsoft")
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("A", TensorProto.FLOAT, list(a_shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(a_shape[:-1]) + [n])],
        inits)
    a = np.zeros(a_shape, F32) if a_zero else (rng.standard_normal(a_shape) + 0.3).astype(F32)
    q, s, z = dynamic_quantize(a)
    prod = (q - z) @ (b.astype(np.int64) - zp.astype(np.int64))
    return graph, {"A": a}, scaled(prod, s, b_scale, bias_v)


def mmitf_after_dql(name, a_shape, n, other_zp=None):
    """x -> DynamicQuantizeLinear -> MatMulIntegerToFloat, as ONNX Runtime fuses its
    quantize_dynamic output; with other_zp, a near miss: A's zero point is a constant, not
    the DynamicQuantizeLinear's."""
    k = a_shape[-1]
    b, b_scale = weights(k, n, True, True)
    bias_v = rng.standard_normal(n).astype(F32)
    zp_name = "zp" if other_zp is None else "zp_const"
    nodes = [helper.make_node("DynamicQuantizeLinear", ["X"], ["q", "s", "zp"]),
             helper.make_node("MatMulIntegerToFloat",
                              ["q", "B", "s", "b_scale", zp_name, "", "bias"], ["Y"], name=name,
                              domain="com.microsoft")]
    inits = [numpy_helper.from_array(b, "B"), numpy_helper.from_array(b_scale, "b_scale"),
             numpy_helper.from_array(bias_v, "bias")]
    if other_zp is not None:
        inits.append(numpy_helper.from_array(np.array(other_zp, np.uint8), "zp_const"))
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(a_shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(a_shape[:-1]) + [n])],
        inits)
    x = (rng.standard_normal(a_shape) - 0.2).astype(F32)
    q, s, z = dynamic_quantize(x)
    z = z if other_zp is None else other_zp
    return graph, {"X": x}, scaled((q - z) @ b.astype(np.int64), s, b_scale, bias_v)


def mmitf_uint8(name, m, k, n):
    """uint8 A (a graph input) and B, zero points for both (B's per column)."""
    b, b_scale = weights(k, n, False, True)
    b_zp = rng.integers(100, 156, size=n).astype(np.uint8)
    a_scale, a_zp = np.array(0.03, F32), np.array(131, np.uint8)
    inits = [numpy_helper.from_array(b, "B"), numpy_helper.from_array(a_scale, "a_scale"),
             numpy_helper.from_array(b_scale, "b_scale"), numpy_helper.from_array(a_zp, "a_zp"),
             numpy_helper.from_array(b_zp, "b_zp")]
    node = helper.make_node("MatMulIntegerToFloat",
                            ["A", "B", "a_scale", "b_scale", "a_zp", "b_zp"], ["Y"], name=name,
                            domain="com.microsoft")
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])], inits)
    a = rng.integers(0, 256, size=(m, k)).astype(np.uint8)
    prod = (a.astype(np.int64) - 131) @ (b.astype(np.int64) - b_zp.astype(np.int64))
    return graph, {"A": a}, scaled(prod, a_scale, b_scale, None)


def emit_summary(tools, path):
    ir = subprocess.run([os.path.join(tools, "tessera-compile"), path, "--emit=tessera", "-o",
                         "-"], check=True, capture_output=True, text=True).stdout
    modes = sorted({line.split('mode = "')[1].split('"')[0] for line in ir.splitlines()
                    if "tessera.qlinear" in line})
    if modes:
        return "qlinear " + ",".join(modes)
    # A 2-D static convolution is tessera.qconv (qlinear static on patches).
    if any("tessera.qconv " in line for line in ir.splitlines()):
        return "qconv static"
    for kind in ("f64", "f32", "i32"):
        if any(any(f"tessera.{op} " in line for op in ("linear", "matmul", "conv")) and
               f"x{kind}>" in line for line in ir.splitlines()):
            return f"exact {kind} product"
    return "?"


def write_case(work, name, model, inputs):
    """Saves `model` and its `inputs` (.npy) under WORK/NAME: (that folder, the model's path,
    the executables' --input flags)."""
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    flags = []
    for key, value in inputs.items():
        np.save(os.path.join(d, key + ".npy"), value)
        flags += ["--input", f"{key}={os.path.join(d, key + '.npy')}"]
    return d, path, flags


def run_builds(tools, name, d, path, flags, check):
    """Compiles the model with the kernels and with --no-fused-kernels, runs both and prints
    "NAME: kernels ok (...) decomposed ok (...) [how the IR holds it]"; check(Y, tolerance)
    gives (ok, text) for an output (tolerances 1e-6 and 1e-5 for float outputs)."""
    results = []
    for label, extra, tol in [("kernels", [], 1e-6), ("decomposed", ["--no-fused-kernels"], 1e-5)]:
        exe = os.path.join(d, label)
        subprocess.run([os.path.join(tools, "tessera-compile"), path, "-o", exe, *extra],
                       check=True)
        out = os.path.join(d, label + "_out")
        subprocess.run([exe, *flags, "--output-dir", out], check=True)
        ok, text = check(np.load(os.path.join(out, "Y.npy")), tol)
        results.append(f"{label} {'ok' if ok else 'FAIL'} ({text})")
    print(f"{name}: {' '.join(results)} [{emit_summary(tools, path)}]")


def rel_l2_check(ref):
    def check(y, tol):
        r = ref.astype(np.float64)
        den = max(np.linalg.norm(r), 1e-30)
        err = (np.linalg.norm(y.astype(np.float64) - r) / den
               if np.isfinite(y).all() and y.shape == ref.shape else np.inf)
        return err <= tol, f"{err:.1e}"
    return check


def run_case(tools, work, name, built):
    graph, inputs, ref = built
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    d, path, flags = write_case(work, name, model, inputs)
    run_builds(tools, name, d, path, flags, rel_l2_check(ref))


def bad_model(case):
    """One malformed node: b_scale, bias or a_scale of the wrong size, or a float B."""
    k, n = 16, 8
    b = numpy_helper.from_array(np.ones((k, n), np.int8), "B")
    f = lambda name, shape: numpy_helper.from_array(np.ones(shape, F32), name)
    if case == "b_scale":
        node, inits = ["A", "B", "s"], [b, f("s", (3,))]
    elif case == "bias":
        node, inits = ["A", "B", "s", "", "bias"], [b, f("s", (n,)), f("bias", (n + 1,))]
    elif case == "float_b":
        node, inits = ["A", "B", "s"], [f("B", (k, n)), f("s", (n,))]
    else:  # a_scale of MatMulIntegerToFloat
        a = helper.make_tensor_value_info("A", TensorProto.INT8, [2, k])
        nd = helper.make_node("MatMulIntegerToFloat", ["A", "B", "as", "s"], ["Y"],
                              name="bad", domain="com.microsoft")
        return helper.make_graph([nd], "bad", [a],
                                 [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, n])],
                                 [b, f("as", (2,)), f("s", (n,))])
    nd = helper.make_node("DynamicQuantizeMatMul", node, ["Y"], name="bad",
                          domain="com.microsoft")
    return helper.make_graph([nd], "bad",
                             [helper.make_tensor_value_info("A", TensorProto.FLOAT, [2, k])],
                             [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, n])],
                             inits)


def main():
    tools, work = sys.argv[1:3]
    if len(sys.argv) > 3:
        os.makedirs(work, exist_ok=True)
        onnx.save(helper.make_model(bad_model(sys.argv[3]),
                                    opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)]),
                  os.path.join(work, "bad.onnx"))
        return
    run_case(tools, work, "dqmm_3d_bias", dqmm("dqmm_3d_bias", (2, 5, 64), 48))
    run_case(tools, work, "dqmm_scalar_scale_zero_zp",
             dqmm("dqmm_scalar_scale_zero_zp", (37, 96), 40, b_zp=0, scale_per_column=False,
                  bias=False))
    run_case(tools, work, "dqmm_gemv", dqmm("dqmm_gemv", (1, 256), 96))
    run_case(tools, work, "dqmm_zero_input", dqmm("dqmm_zero_input", (3, 32), 16, a_zero=True))
    run_case(tools, work, "dqmm_uint8_zp",
             dqmm("dqmm_uint8_zp", (4, 64), 24, signed=False,
                  b_zp=rng.integers(120, 136, size=24)))
    run_case(tools, work, "dqmm_int8_nonzero_zp",
             dqmm("dqmm_int8_nonzero_zp", (4, 64), 24, b_zp=rng.integers(-3, 4, size=24)))
    run_case(tools, work, "mmitf_after_dql", mmitf_after_dql("mmitf_after_dql", (2, 7, 80), 32))
    run_case(tools, work, "mmitf_other_zp",
             mmitf_after_dql("mmitf_other_zp", (3, 48), 16, other_zp=7))
    run_case(tools, work, "mmitf_uint8", mmitf_uint8("mmitf_uint8", 9, 48, 20))


if __name__ == "__main__":
    main()
