"""com.microsoft MatMulNBits (ONNX Runtime's 4-bit blockwise weights) end to end: each case
is a one-node model compiled with tessera-compile and run on random inputs (fixed seed); its
output is compared (relative L2 <= 1e-5) with a numpy reference written from ONNX Runtime's
ContribOperators.md (dequantize, then A · Wᵀ + bias). Prints "NAME: ok" per case, then the
qlinear ops the IR holds (--emit=tessera) for the 4-bit and 8-bit forms.

usage: matmul_nbits.py TOOLS_DIR WORK_DIR
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

rng = np.random.default_rng(7)


def quantize(w, bs, with_zp):
    """w [N, K] -> (B [N, K/bs, bs/2] uint8, scales [N*K/bs], zero points or None,
    the dequantized weight), as MatMul4BitsQuantizer lays them out."""
    n, k = w.shape
    blocks = w.reshape(n, k // bs, bs)
    if with_zp:
        lo, hi = blocks.min(-1), blocks.max(-1)
        scale = np.maximum(hi - lo, 1e-6) / 15
        zp = np.clip(np.round(-lo / scale), 0, 15).astype(np.uint8)
    else:
        scale = np.abs(blocks).max(-1) / 7
        zp = np.full(scale.shape, 8, np.uint8)
    q = np.clip(np.round(blocks / scale[..., None]) + zp[..., None], 0, 15).astype(np.uint8)
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    deq = ((q.astype(np.float32) - zp[..., None]) * scale[..., None].astype(np.float32))
    zps = None
    if with_zp:
        nb = k // bs
        padded = np.concatenate([zp, np.zeros((n, nb % 2), np.uint8)], axis=1)
        zps = (padded[:, 0::2] | (padded[:, 1::2] << 4)).reshape(-1).astype(np.uint8)
    return packed, scale.astype(np.float32).reshape(-1), zps, deq.reshape(n, k)


def model(name, a_shape, n, k, bs, with_zp, with_bias, extra_attrs=None, g_idx=False):
    w = rng.standard_normal((n, k)).astype(np.float32)
    packed, scales, zps, deq = quantize(w, bs, with_zp)
    inits = [numpy_helper.from_array(packed, "B"), numpy_helper.from_array(scales, "scales")]
    ins = ["A", "B", "scales", "zp" if with_zp else ""]
    if with_zp:
        inits.append(numpy_helper.from_array(zps, "zp"))
    bias = rng.standard_normal(n).astype(np.float32) if with_bias else None
    if g_idx:
        inits.append(numpy_helper.from_array(np.arange(k, dtype=np.int32) // bs, "g_idx"))
        ins.append("g_idx")
    if with_bias:
        ins += [""] * (5 - len(ins)) + ["bias"]
        inits.append(numpy_helper.from_array(bias, "bias"))
    attrs = dict(K=k, N=n, bits=4, block_size=bs)
    attrs.update(extra_attrs or {})
    node = helper.make_node("MatMulNBits", ins, ["Y"], name=name, domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("A", onnx.TensorProto.FLOAT, list(a_shape))],
        [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, list(a_shape[:-1]) + [n])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                helper.make_opsetid("com.microsoft", 1)])
    a = rng.standard_normal(a_shape).astype(np.float32)
    ref = a.astype(np.float64) @ deq.T.astype(np.float64)
    if with_bias:
        ref += bias
    return m, a, ref


def run_case(tools, work, name, **kw):
    m, a, ref = model(name, **kw)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(m, os.path.join(d, "model.onnx"))
    np.save(os.path.join(d, "A.npy"), a)
    subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                    "-o", os.path.join(d, "m")], check=True)
    subprocess.run([os.path.join(d, "m"), "--input", "A=" + os.path.join(d, "A.npy"),
                    "--output-dir", d], check=True)
    y = np.load(os.path.join(d, "Y.npy")).astype(np.float64)
    err = np.linalg.norm(y - ref) / np.linalg.norm(ref) if np.isfinite(y).all() else np.inf
    print(f"{name}: {'ok' if err <= 1e-5 else 'FAIL'} (rel_l2 {err:.1e})")
    ir = subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                         "--emit=tessera", "-o", "-"], check=True, capture_output=True,
                        text=True).stdout
    for line in ir.splitlines():
        if "tessera.qlinear" in line:
            print(f"{name} IR:", line.strip())


def main():
    tools, work = sys.argv[1:3]
    if len(sys.argv) > 3:  # one malformed model for an error test
        m, _, _ = model("bad", a_shape=(1, 64), n=8, k=64, bs=32, with_zp=False,
                        with_bias=False, **eval(sys.argv[3]))
        os.makedirs(work, exist_ok=True)
        onnx.save(m, os.path.join(work, "bad.onnx"))
        return
    run_case(tools, work, "sym_3d_bias", a_shape=(2, 5, 128), n=48, k=128, bs=32,
             with_zp=False, with_bias=True)
    run_case(tools, work, "zp_gemv", a_shape=(1, 256), n=96, k=256, bs=64, with_zp=True,
             with_bias=False)
    run_case(tools, work, "zp_odd_blocks_prefill", a_shape=(37, 96), n=40, k=96, bs=32,
             with_zp=True, with_bias=True)
    run_case(tools, work, "sym_bs16", a_shape=(3, 64), n=24, k=64, bs=16, with_zp=False,
             with_bias=False)


if __name__ == "__main__":
    main()
