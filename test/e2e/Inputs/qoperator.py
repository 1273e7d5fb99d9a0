"""QOperator-format int8 layers end to end: ONNX QLinearMatMul and QLinearConv, and ONNX
Runtime's quantize_dynamic chains DynamicQuantizeLinear -> MatMulInteger / ConvInteger -> Cast
-> Mul (by the product of the activation's and the weight's scales). Each case is a small model
compiled with tessera-compile (and with --no-fused-kernels, the reference decompositions) and
run on random inputs (fixed seed), against numpy references written from the ONNX
specification:

- QLinearMatMul: C = (a - a_zero_point) @ (b - b_zero_point) on exact integers (QLinearConv:
  the convolution of the centered integers plus the int32 bias), then
  saturate(rint(C * (a_scale * b_scale / y_scale)) + y_zero_point), the scale ratio in float32
  and the product in float64 (numpy's promotion, as in ONNX's reference implementation). The
  requantization's float rounding is not exact in the specification (ONNX Runtime multiplies in
  float32), so an output may differ by one step where the scaled sum lies within float error of
  a rounding tie: each case reports its count of such outputs, which must stay below 0.5% and
  never exceed one step.
- The MatMulInteger / ConvInteger chains: float32(C) * (a_scale * b_scale), which the kernels
  compute with the same integers and float products (1e-6 relative L2; the decompositions
  1e-5).

Prints "NAME: ..." per case and how the IR holds it (qlinear mode, or an exact product).

usage: qoperator.py TOOLS_DIR WORK_DIR
"""
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from dynamic_quant_matmul import dynamic_quantize, rel_l2_check, run_builds, write_case

rng = np.random.default_rng(5)
F32 = np.float32
ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8}
RANGE = {np.uint8: (0, 255), np.int8: (-128, 127)}


def ints(dtype, shape, lo=None, hi=None):
    lo = RANGE[dtype][0] if lo is None else lo
    hi = RANGE[dtype][1] if hi is None else hi
    return rng.integers(lo, hi + 1, size=shape).astype(dtype)


def qlinear_matmul(name, a_shape, n, a_type=np.uint8, a_zp=128, b_type=np.int8, b_zp=0,
                   b_range=(-127, 127), per_column=True, y_type=np.uint8, y_zp=100,
                   b_is_input=False, row_zp=False):
    """One QLinearMatMul; b an initializer unless b_is_input; a's zero point per row (1-D of
    size M, a 2-D) with row_zp."""
    k = a_shape[-1]
    a = ints(a_type, a_shape)
    b = ints(b_type, (k, n), *b_range)
    a_scale = np.array(0.02, F32)
    b_scale = (rng.random(n if per_column else 1) * 0.004 + 0.002).astype(F32)
    if not per_column:
        b_scale = b_scale.reshape(())
    a_zp_v = (ints(a_type, (a_shape[0],), a_zp - 5, a_zp + 5) if row_zp
              else np.array(a_zp, a_type))
    b_zp_v = np.full(b_scale.shape, b_zp, b_type)
    y_scale, y_zp_v = np.array(0.05, F32), np.array(y_zp, y_type)
    consts = {"a_scale": a_scale, "a_zp": a_zp_v, "b_scale": b_scale, "b_zp": b_zp_v,
              "y_scale": y_scale, "y_zp": y_zp_v}
    inputs = {"A": a}
    if b_is_input:
        inputs["B"] = b
    else:
        consts["B"] = b
    node = helper.make_node("QLinearMatMul",
                            ["A", "a_scale", "a_zp", "B", "b_scale", "b_zp", "y_scale", "y_zp"],
                            ["Y"], name=name)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(key, ONNX_TYPE[v.dtype.type], list(v.shape))
         for key, v in inputs.items()],
        [helper.make_tensor_value_info("Y", ONNX_TYPE[y_type], list(a_shape[:-1]) + [n])],
        [numpy_helper.from_array(v, key) for key, v in consts.items()])
    a_c = a.astype(np.int64) - (a_zp_v.astype(np.int64)[:, None] if row_zp
                                else a_zp_v.astype(np.int64))
    c = a_c @ (b.astype(np.int64) - b_zp_v.astype(np.int64))
    ratio = (a_scale * b_scale) / y_scale  # float32, as the reference
    d = c.astype(np.float64) * ratio.astype(np.float64)
    lo, hi = RANGE[y_type]
    ref = np.clip(np.rint(d) + int(y_zp), lo, hi).astype(y_type)
    return graph, inputs, ref


def conv_int(x, w, strides, pads, dilations):
    """The convolution of integer x [N, C, D1..Dk] and w [F, C, K1..Kk] (one group), exact in
    int64; pads are begins then ends."""
    import itertools
    k = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[k + i]) for i in range(k)])
    out = [(xp.shape[2 + i] - dilations[i] * (w.shape[2 + i] - 1) - 1) // strides[i] + 1
           for i in range(k)]
    y = np.zeros((x.shape[0], w.shape[0], *out), np.int64)
    for off in itertools.product(*[range(w.shape[2 + i]) for i in range(k)]):
        window = xp[(slice(None), slice(None)) + tuple(
            slice(off[i] * dilations[i], off[i] * dilations[i] + (out[i] - 1) * strides[i] + 1,
                  strides[i]) for i in range(k))]
        y += np.einsum("nc...,fc->nf...", window, w[(slice(None), slice(None)) + off])
    return y


def qlinear_conv(name, x_shape, w_shape, strides=None, pads=None, dilations=None, group=1,
                 auto_pad=None, x_type=np.uint8, x_zp=120, per_channel=True, bias=True,
                 y_type=np.uint8, y_zp=90, w_is_input=False):
    """One QLinearConv with int8 weights in [-127, 127] (zero point 0) and an int32 bias;
    pads are computed here for auto_pad SAME_UPPER."""
    k = len(x_shape) - 2
    strides = strides or [1] * k
    dilations = dilations or [1] * k
    f = w_shape[0]
    x = ints(x_type, x_shape)
    w = ints(np.int8, w_shape, -127, 127)
    x_scale, y_scale = np.array(0.02, F32), np.array(0.08, F32)
    w_scale = (rng.random(f if per_channel else 1) * 0.004 + 0.002).astype(F32)
    if not per_channel:
        w_scale = w_scale.reshape(())
    b = rng.integers(-2000, 2000, size=f).astype(np.int32)
    consts = {"x_scale": x_scale, "x_zp": np.array(x_zp, x_type), "w_scale": w_scale,
              "w_zp": np.zeros(w_scale.shape, np.int8), "y_scale": y_scale,
              "y_zp": np.array(y_zp, y_type)}
    inputs = {"X": x}
    (inputs if w_is_input else consts)["W"] = w
    names = ["X", "x_scale", "x_zp", "W", "w_scale", "w_zp", "y_scale", "y_zp"]
    if bias:
        consts["B"] = b
        names.append("B")
    attrs = {"strides": strides, "dilations": dilations, "group": group}
    if auto_pad:
        attrs["auto_pad"] = auto_pad
        begins, ends = [], []
        for i in range(k):
            out = -(-x_shape[2 + i] // strides[i])
            total = max(0, (out - 1) * strides[i] + dilations[i] * (w_shape[2 + i] - 1) + 1 -
                        x_shape[2 + i])
            begins.append(total // 2)
            ends.append(total - total // 2)
        pads = begins + ends
    else:
        pads = pads or [0] * (2 * k)
        attrs["pads"] = pads
    node = helper.make_node("QLinearConv", names, ["Y"], name=name, **attrs)
    xc = x.astype(np.int64) - x_zp
    if group == 1:
        c = conv_int(xc, w.astype(np.int64), strides, pads, dilations)
    else:
        cg, fg = x_shape[1] // group, f // group
        c = np.concatenate([conv_int(xc[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg]
                                     .astype(np.int64), strides, pads, dilations)
                            for g in range(group)], axis=1)
    if bias:
        c = c + b.reshape([1, f] + [1] * k)
    ratio = ((x_scale * w_scale) / y_scale).astype(np.float64)
    d = c.astype(np.float64) * (ratio.reshape([1, f] + [1] * k) if per_channel else ratio)
    lo, hi = RANGE[y_type]
    ref = np.clip(np.rint(d) + int(y_zp), lo, hi).astype(y_type)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(key, ONNX_TYPE[v.dtype.type], list(v.shape))
         for key, v in inputs.items()],
        [helper.make_tensor_value_info("Y", ONNX_TYPE[y_type], list(ref.shape))],
        [numpy_helper.from_array(v, key) for key, v in consts.items()])
    return graph, inputs, ref


def mmi_chain(name, a_shape, n, swapped=False, scale_per_column=True, zero_zp_input=False,
              cast_is_output=False, other_scale=False):
    """x -> DynamicQuantizeLinear -> MatMulInteger -> Cast(float) -> Mul(., Mul(s, w_scale))
    -> Add(bias), as ONNX Runtime's quantize_dynamic writes a MatMul in the QOperator format.
    swapped: both Muls' operands in the other order; zero_zp_input: W's zero point given (0);
    near misses: cast_is_output (the float product is also a graph output), other_scale (the
    multiplier is a constant times w_scale, not the DynamicQuantizeLinear's scale)."""
    k = a_shape[-1]
    w = ints(np.int8, (k, n), -127, 127)
    w_scale = (rng.random(n if scale_per_column else 1) * 0.05 + 0.01).astype(F32)
    if not scale_per_column:
        w_scale = w_scale.reshape(())
    bias = rng.standard_normal(n).astype(F32)
    inits = [numpy_helper.from_array(w, "W"), numpy_helper.from_array(w_scale, "w_scale"),
             numpy_helper.from_array(bias, "bias")]
    mmi_inputs = ["q", "W", "zp"]
    if zero_zp_input:
        inits.append(numpy_helper.from_array(np.zeros(w_scale.shape, np.int8), "w_zp"))
        mmi_inputs.append("w_zp")
    s_name = "s"
    if other_scale:
        inits.append(numpy_helper.from_array(np.array(0.01, F32), "s_const"))
        s_name = "s_const"
    pair = lambda a, b: [b, a] if swapped else [a, b]
    nodes = [helper.make_node("DynamicQuantizeLinear", ["X"], ["q", "s", "zp"]),
             helper.make_node("MatMulInteger", mmi_inputs, ["prod"], name=name),
             helper.make_node("Cast", ["prod"], ["prod_f"], to=TensorProto.FLOAT),
             helper.make_node("Mul", pair(s_name, "w_scale"), ["mult"]),
             helper.make_node("Mul", pair("prod_f", "mult"), ["scaled"]),
             helper.make_node("Add", ["scaled", "bias"], ["Y"])]
    out_shape = list(a_shape[:-1]) + [n]
    outputs = [helper.make_tensor_value_info("Y", TensorProto.FLOAT, out_shape)]
    if cast_is_output:
        outputs.append(helper.make_tensor_value_info("prod_f", TensorProto.FLOAT, out_shape))
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(a_shape))],
        outputs, inits)
    x = (rng.standard_normal(a_shape) + 0.1).astype(F32)
    q, s, z = dynamic_quantize(x)
    prod = (q - z) @ w.astype(np.int64)
    mult = (F32(0.01) if other_scale else s) * w_scale
    return graph, {"X": x}, prod.astype(F32) * mult + bias


def conv_chain(name, x_shape, w_shape, pads, strides=None, group=1, weight_u8=False,
               per_channel=True):
    """x -> DynamicQuantizeLinear -> ConvInteger -> Cast(float) -> Mul(., Mul(s, w_scale)),
    as quantize_dynamic writes a Conv in the QOperator format; w_scale [F, 1, 1] per output
    channel (or a scalar); with weight_u8, uint8 weights around a zero point of 128."""
    k = len(x_shape) - 2
    strides = strides or [1] * k
    f = w_shape[0]
    if weight_u8:
        w = ints(np.uint8, w_shape, 1, 255)
        w_zp = np.array(128, np.uint8)
    else:
        w = ints(np.int8, w_shape, -127, 127)
        w_zp = None
    w_scale = (rng.random(f if per_channel else 1) * 0.05 + 0.01).astype(F32)
    w_scale = w_scale.reshape([f] + [1] * k) if per_channel else w_scale.reshape(())
    inits = [numpy_helper.from_array(w, "W"), numpy_helper.from_array(w_scale, "w_scale")]
    ci_inputs = ["q", "W", "zp"]
    if w_zp is not None:
        inits.append(numpy_helper.from_array(w_zp, "w_zp"))
        ci_inputs.append("w_zp")
    nodes = [helper.make_node("DynamicQuantizeLinear", ["X"], ["q", "s", "zp"]),
             helper.make_node("ConvInteger", ci_inputs, ["prod"], name=name, pads=pads,
                              strides=strides, group=group),
             helper.make_node("Cast", ["prod"], ["prod_f"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["s", "w_scale"], ["mult"]),
             helper.make_node("Mul", ["prod_f", "mult"], ["Y"])]
    x = (rng.standard_normal(x_shape) - 0.2).astype(F32)
    q, s_, z = dynamic_quantize(x)
    wc = w.astype(np.int64) - (128 if weight_u8 else 0)
    if group == 1:
        prod = conv_int(q - z, wc, strides, pads, [1] * k)
    else:
        cg, fg = x_shape[1] // group, f // group
        prod = np.concatenate([conv_int((q - z)[:, g * cg:(g + 1) * cg], wc[g * fg:(g + 1) * fg],
                                        strides, pads, [1] * k) for g in range(group)], axis=1)
    ref = prod.astype(F32) * (s_ * w_scale)
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(ref.shape))], inits)
    return graph, {"X": x}, ref


def compare(ref):
    """A check for run_builds: float outputs by relative L2, integer ones by the count of
    one-step differences."""
    if ref.dtype == F32:
        return rel_l2_check(ref)

    def check(y, tol):
        if y.dtype != ref.dtype or y.shape != ref.shape:
            return False, f"{y.dtype}{list(y.shape)}"
        diff = np.abs(y.astype(np.int64) - ref.astype(np.int64))
        off = int((diff > 0).sum())
        return diff.max() <= 1 and off <= 0.005 * diff.size, f"{off}/{diff.size} off by one"
    return check


def run_case(tools, work, name, built):
    graph, inputs, ref = built
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    d, path, flags = write_case(work, name, model, inputs)
    run_builds(tools, name, d, path, flags, compare(ref))


def main():
    tools, work = sys.argv[1:3]
    cases = [
        ("qlmm_u8_3d", lambda n: qlinear_matmul(n, (2, 9, 64), 48)),
        ("qlmm_scalar_scale", lambda n: qlinear_matmul(n, (33, 96), 40, per_column=False,
                                                       a_zp=7, y_zp=3)),
        ("qlmm_u8_weights", lambda n: qlinear_matmul(n, (17, 80), 24, b_type=np.uint8, b_zp=128,
                                                     b_range=(1, 255))),
        ("qlmm_int8", lambda n: qlinear_matmul(n, (12, 64), 32, a_type=np.int8, a_zp=-3,
                                               y_type=np.int8, y_zp=-5)),
        # Near misses: the exact integer product.
        ("qlmm_u8_weights_zp0", lambda n: qlinear_matmul(n, (6, 32), 16, b_type=np.uint8,
                                                         b_range=(0, 255))),
        ("qlmm_weight_minus128", lambda n: qlinear_matmul(n, (6, 32), 16, b_range=(-128, 127))),
        ("qlmm_b_input", lambda n: qlinear_matmul(n, (6, 32), 16, b_is_input=True)),
        ("qlmm_row_zp", lambda n: qlinear_matmul(n, (6, 32), 16, row_zp=True)),
        # Sums that could reach 2^24 (2048 uint8 weights around 0): in f64.
        ("qlmm_large_sums", lambda n: qlinear_matmul(n, (3, 2048), 8, b_type=np.uint8,
                                                     b_range=(0, 255))),
        ("qlconv_3x3_pad_bias", lambda n: qlinear_conv(n, (1, 8, 9, 9), (16, 8, 3, 3),
                                                       pads=[1, 1, 1, 1])),
        ("qlconv_strided_dilated", lambda n: qlinear_conv(
            n, (2, 4, 11, 10), (6, 4, 3, 2), strides=[2, 1], dilations=[1, 2],
            pads=[1, 0, 0, 1], per_channel=False, bias=False)),
        ("qlconv_1x1", lambda n: qlinear_conv(n, (1, 16, 5, 5), (8, 16, 1, 1))),
        ("qlconv_1d_int8_same", lambda n: qlinear_conv(
            n, (2, 6, 20), (5, 6, 3), strides=[2], auto_pad="SAME_UPPER", x_type=np.int8,
            x_zp=-4, y_type=np.int8, y_zp=2)),
        # Near misses: the exact integer convolution.
        ("qlconv_group2", lambda n: qlinear_conv(n, (1, 8, 6, 6), (6, 4, 3, 3), group=2,
                                                 pads=[1, 1, 1, 1])),
        # Depthwise: 9 terms per group, the exact f32 loops.
        ("qlconv_depthwise", lambda n: qlinear_conv(n, (1, 4, 6, 6), (4, 1, 3, 3), group=4,
                                                    pads=[1, 1, 1, 1])),
        ("qlconv_weight_input", lambda n: qlinear_conv(n, (1, 4, 6, 6), (4, 4, 3, 3),
                                                       w_is_input=True)),
        ("cint_chain", lambda n: conv_chain(n, (1, 6, 9, 9), (8, 6, 3, 3), [1, 1, 1, 1])),
        ("cint_chain_u8_weights", lambda n: conv_chain(n, (2, 4, 10), (5, 4, 3), [0, 1],
                                                       strides=[2], weight_u8=True,
                                                       per_channel=False)),
        ("cint_chain_grouped", lambda n: conv_chain(n, (1, 4, 6, 6), (4, 2, 3, 3),
                                                    [0, 0, 0, 0], group=2)),
        ("mmi_chain", lambda n: mmi_chain(n, (2, 7, 80), 32)),
        ("mmi_chain_swapped", lambda n: mmi_chain(n, (5, 48), 24, swapped=True,
                                                  scale_per_column=False, zero_zp_input=True)),
        ("mmi_chain_cast_is_output", lambda n: mmi_chain(n, (5, 48), 24, cast_is_output=True)),
        ("mmi_chain_other_scale", lambda n: mmi_chain(n, (5, 48), 24, other_scale=True)),
    ]
    for name, build in cases:
        run_case(tools, work, name, build(name))


if __name__ == "__main__":
    main()
