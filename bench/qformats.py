"""Pre-quantized model formats beside fp32, Tessera against ONNX Runtime on the same model
(make bench; alone with `bench/run.sh BUILD --only qformats`).

Two models, each rewritten into the formats ONNX Runtime's quantizers write, every layer with a
float weight (MatMul by a [K, N] initializer, Conv of one group) getting per-output-channel
symmetric int8 weights (scale max|W| / 127 per column or output channel):

- the BERT-base-sized encoder of bench/quantized.py (12 layers, d=768, T=128, batch 1), as
  - dqmm: com.microsoft DynamicQuantizeMatMul (ONNX Runtime's fusion of quantize_dynamic);
  - qoperator_dynamic: DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul(Mul(scale,
    w_scale)), what quantize_dynamic writes in the QOperator format;
- both it and torchvision ResNet-18 (224x224, batch 1), as
  - qlinear_static: QuantizeLinear -> QLinearMatMul / QLinearConv (int32 bias) ->
    DequantizeLinear (quantize_static, QOperator format);
  - qdq_static: QuantizeLinear -> DequantizeLinear on the activation, DequantizeLinear on the
    weight, the float MatMul / Conv, and QuantizeLinear -> DequantizeLinear on its output
    (quantize_static's default QDQ format).
  Static formats use one uint8 scale and zero point per activation from its range on the
  benchmark inputs (calibrated with Tessera's fp32 build).

Each model is timed with Tessera (-O3) and ONNX Runtime in alternating rounds at the main thread
count; prints medians, the ratio Tessera / ONNX Runtime, and each output's relative L2 against
the fp32 model's (Tessera's fp32 build).
"""
import os
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = {
    "bert_base": ["dqmm", "qoperator_dynamic", "qlinear_static", "qdq_static"],
    "resnet18": ["qlinear_static", "qdq_static"],
}


def weight_layers(model):
    """(node index, node, float weight, float bias or None) of every MatMul by a 2-D float
    initializer and every Conv of one group with an initializer weight."""
    inits = {t.name: t for t in model.graph.initializer}
    found = []
    for i, node in enumerate(model.graph.node):
        if node.op_type not in ("MatMul", "Conv") or node.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[node.input[1]])
        if w.dtype != np.float32:
            continue
        if node.op_type == "MatMul" and w.ndim == 2:
            found.append((i, node, w, None))
        elif node.op_type == "Conv" and all(a.name != "group" or a.i == 1
                                            for a in node.attribute):
            has_bias = len(node.input) > 2 and node.input[2] in inits
            found.append((i, node, w, numpy_helper.to_array(inits[node.input[2]])
                          if has_bias else None))
    return found


def quantize_weight(w, conv):
    """Symmetric int8 per output channel (axis 0 of a conv weight, 1 of a MatMul's)."""
    axes = tuple(range(1, w.ndim)) if conv else (0,)
    scale = np.maximum(np.abs(w).max(axis=axes), 1e-12) / 127
    shaped = scale.reshape([-1] + [1] * (w.ndim - 1)) if conv else scale
    q = np.clip(np.round(w / shaped), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def uint8_params(lo, hi):
    lo, hi = min(0.0, lo), max(0.0, hi)
    scale = np.float32((hi - lo) / 255 if hi > lo else 1.0)
    return scale, np.uint8(np.clip(np.round(-lo / scale), 0, 255))


def rewrite(model, fmt, ranges):
    """A copy of `model` with its weight layers in format `fmt` (None when it has none)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = out.graph
    replace = {}
    for layer, (i, node, w, bias) in enumerate(weight_layers(model)):
        conv = node.op_type == "Conv"
        if conv and fmt in ("dqmm", "qoperator_dynamic"):
            continue
        p = f"q{layer}_"
        q, scale = quantize_weight(w, conv)
        g.initializer.extend([numpy_helper.from_array(q, p + "w"),
                              numpy_helper.from_array(scale, p + "w_scale"),
                              numpy_helper.from_array(np.zeros(scale.shape, np.int8), p + "wz")])
        a, y = node.input[0], node.output[0]
        if fmt == "dqmm":
            nodes = [helper.make_node("DynamicQuantizeMatMul", [a, p + "w", p + "w_scale"], [y],
                                      domain="com.microsoft")]
        elif fmt == "qoperator_dynamic":
            nodes = [helper.make_node("DynamicQuantizeLinear", [a], [p + "aq", p + "as", p + "az"]),
                     helper.make_node("MatMulInteger", [p + "aq", p + "w", p + "az"], [p + "prod"]),
                     helper.make_node("Cast", [p + "prod"], [p + "prod_f"], to=TensorProto.FLOAT),
                     helper.make_node("Mul", [p + "as", p + "w_scale"], [p + "mult"]),
                     helper.make_node("Mul", [p + "prod_f", p + "mult"], [y])]
        else:
            a_scale, a_zp = uint8_params(*ranges[layer][:2])
            y_scale, y_zp = uint8_params(*ranges[layer][2:])
            g.initializer.extend([
                numpy_helper.from_array(np.array(a_scale), p + "as"),
                numpy_helper.from_array(np.array(a_zp), p + "az"),
                numpy_helper.from_array(np.array(y_scale), p + "ys"),
                numpy_helper.from_array(np.array(y_zp), p + "yz")])
            attrs = {a_.name: helper.get_attribute_value(a_) for a_ in node.attribute}
            if fmt == "qlinear_static":
                ins = [p + "aq", p + "as", p + "az", p + "w", p + "w_scale", p + "wz", p + "ys",
                       p + "yz"]
                if bias is not None:
                    b32 = np.round(bias / (a_scale * scale)).astype(np.int32)
                    g.initializer.append(numpy_helper.from_array(b32, p + "b"))
                    ins.append(p + "b")
                layer_node = helper.make_node("QLinearConv" if conv else "QLinearMatMul", ins,
                                              [p + "yq"], **(attrs if conv else {}))
                nodes = [helper.make_node("QuantizeLinear", [a, p + "as", p + "az"], [p + "aq"]),
                         layer_node,
                         helper.make_node("DequantizeLinear", [p + "yq", p + "ys", p + "yz"], [y])]
            else:  # qdq_static
                layer_node = helper.make_node(
                    node.op_type, [p + "ad", p + "wd"] + list(node.input[2:]), [p + "y"],
                    **attrs)
                nodes = [helper.make_node("QuantizeLinear", [a, p + "as", p + "az"], [p + "aq"]),
                         helper.make_node("DequantizeLinear", [p + "aq", p + "as", p + "az"],
                                          [p + "ad"]),
                         helper.make_node("DequantizeLinear", [p + "w", p + "w_scale", p + "wz"],
                                          [p + "wd"], axis=0 if conv else 1),
                         layer_node,
                         helper.make_node("QuantizeLinear", [p + "y", p + "ys", p + "yz"],
                                          [p + "yq"]),
                         helper.make_node("DequantizeLinear", [p + "yq", p + "ys", p + "yz"], [y])]
        replace[i] = nodes
    if not replace:
        return None
    new_nodes = []
    for i, node in enumerate(model.graph.node):
        new_nodes.extend(replace.get(i, [node]))
    del g.node[:]
    g.node.extend(new_nodes)
    used = {n for node in g.node for n in node.input}
    kept = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)
    if fmt == "dqmm":
        out.opset_import.extend([helper.make_opsetid("com.microsoft", 1)])
    return out


def calibrate(args, model, d, flags):
    """(min, max) of every weight layer's input and output on the benchmark inputs, from
    Tessera's fp32 build of the model with those values as extra outputs."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    found = weight_layers(model)
    for layer, (_, node, _, _) in enumerate(found):
        for role, name in (("a", node.input[0]), ("y", node.output[0])):
            m.graph.node.append(helper.make_node("Identity", [name], [f"calib{layer}{role}"]))
            m.graph.output.append(helper.make_tensor_value_info(f"calib{layer}{role}",
                                                                TensorProto.FLOAT, None))
    path = os.path.join(d, "calib.onnx")
    onnx.save(m, path)
    exe = os.path.join(d, "calib")
    subprocess.run([os.path.join(args.build, "bin/tessera-compile"), path, "-o", exe],
                   check=True)
    out = os.path.join(d, "calib_out")
    subprocess.run([exe, *flags, "--output-dir", out], check=True, stdout=subprocess.DEVNULL)
    ranges = []
    for layer in range(len(found)):
        a = np.load(os.path.join(out, f"calib{layer}a.npy"))
        y = np.load(os.path.join(out, f"calib{layer}y.npy"))
        ranges.append((float(a.min()), float(a.max()), float(y.min()), float(y.max())))
    return ranges


def section(args, work):
    from quantized import bench_json, model_dir
    from run import rel_l2
    threads = args.thread_counts[0]
    iters = max(5, args.iters // 3)
    rows = []
    for name, model_formats in FORMATS.items():
        d = model_dir(name, work)
        inputs = sorted(os.listdir(os.path.join(d, "inputs")))
        flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}" for n in inputs]
        fp32 = onnx.load(os.path.join(d, "model.onnx"))
        ranges = calibrate(args, fp32, d, flags)
        formats = ["fp32"] + model_formats
        paths, exes = {}, {}
        for fmt in formats:
            paths[fmt] = os.path.join(d, "model.onnx" if fmt == "fp32" else f"model_{fmt}.onnx")
            if fmt != "fp32":
                onnx.save(rewrite(fp32, fmt, ranges), paths[fmt])
            exes[fmt] = os.path.join(d, "exe_" + fmt)
            subprocess.run([os.path.join(args.build, "bin/tessera-compile"), paths[fmt], "-o",
                            exes[fmt], "-O3"], check=True)
        times = {(f, who): [] for f in formats for who in ("tessera", "ort")}
        for _ in range(args.rounds):
            for fmt in formats:
                times[(fmt, "tessera")].append(bench_json(
                    [exes[fmt], *flags, "--output-dir", os.path.join(d, "out_" + fmt), "--bench",
                     str(iters), "--threads", str(threads)], threads))
                times[(fmt, "ort")].append(bench_json(
                    ["node", os.path.join(HERE, "ort_bench.js"), paths[fmt],
                     os.path.join(d, "inputs"), str(iters), str(threads)], threads))
        outs = sorted(os.listdir(os.path.join(d, "out_fp32")))
        for fmt in formats:
            t, o = np.median(times[(fmt, "tessera")]), np.median(times[(fmt, "ort")])
            err = max(rel_l2(np.load(os.path.join(d, "out_" + fmt, f)),
                             np.load(os.path.join(d, "out_fp32", f))) for f in outs)
            rows.append((name, fmt, t, o, err))
            print(f"  {name} {fmt}: tessera {t:.2f} ms, ort {o:.2f} ms", flush=True)
    print(f"\npre-quantized formats, {threads} threads "
          f"(ms, medians of {args.rounds} rounds; rel L2 vs Tessera fp32)")
    print(f"{'model':10s} {'format':18s} {'tessera':>8s} {'ort':>8s} {'ratio':>6s} {'rel L2':>8s}")
    for name, fmt, t, o, err in rows:
        print(f"{name:10s} {fmt:18s} {t:8.2f} {o:8.2f} {t / o:6.2f} {err:8.1e}", flush=True)
