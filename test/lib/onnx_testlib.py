"""Small ONNX models for the frontend lit tests, and a runner that imports them.

A test script builds cases with `Suite(outdir).add(...)`; `python -m onnx_testlib
DIR [FLAGS..]` then runs `tessera-compile CASE.onnx --emit=import -o - FLAGS` on every case in
order, printing `// CASE: <name>` before each output (and stderr plus
`// EXIT: <code>` when the import fails) so one FileCheck file covers them all.
`python -m onnx_testlib --timed SECONDS MODEL` imports one model, prints the IR
and `// IMPORT-TIME-OK: True|False (<seconds> s)`.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DTYPES = {
    "f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16, "f64": TensorProto.DOUBLE,
    "bf16": TensorProto.BFLOAT16, "i64": TensorProto.INT64, "i32": TensorProto.INT32,
    "i8": TensorProto.INT8, "bool": TensorProto.BOOL, "u8": TensorProto.UINT8,
    "u64": TensorProto.UINT64, "c64": TensorProto.COMPLEX64,
}


def node(op, inputs, outputs, name=None, **attrs):
    """A NodeProto; `name` defaults to `<op>_<first output>`."""
    return helper.make_node(op, inputs, outputs, name=name or f"{op}_{outputs[0]}", **attrs)


def const(name, array):
    """An initializer from a numpy array."""
    return numpy_helper.from_array(np.asarray(array), name)


class Suite:
    def __init__(self, outdir):
        self.outdir = outdir
        self.names = []
        os.makedirs(outdir, exist_ok=True)

    def add(self, name, nodes, inputs, outputs, inits=(), opset=17, **kwargs):
        """inputs: [(name, shape, dtype)]; outputs: names (types left to the importer)."""
        ins = [helper.make_tensor_value_info(n, DTYPES[dt], shape) for n, shape, dt in inputs]
        outs = [helper.make_empty_tensor_value_info(n) for n in outputs]
        graph = helper.make_graph(nodes, name, ins, outs, initializer=list(inits))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  **kwargs)
        model.ir_version = 8
        self.save(name, model)

    def save(self, name, model):
        onnx.save(model, os.path.join(self.outdir, name + ".onnx"))
        self.names.append(name)
        with open(os.path.join(self.outdir, "cases.json"), "w") as f:
            json.dump(self.names, f)

    def unary(self, name, op, shape=(2, 3), dtype="f32", opset=17, **attrs):
        self.add(name, [node(op, ["x"], ["y"], **attrs)], [("x", list(shape), dtype)],
                 ["y"], opset=opset)

    def binary(self, name, op, a=(2, 3), b=(3,), dtype="f32", opset=17, **attrs):
        self.add(name, [node(op, ["a", "b"], ["y"], **attrs)],
                 [("a", list(a), dtype), ("b", list(b), dtype)], ["y"], opset=opset)


def run_all(outdir, tool=None, flags=()):
    tool = tool or os.environ.get("TESSERA_COMPILE", "tessera-compile")
    with open(os.path.join(outdir, "cases.json")) as f:
        names = json.load(f)
    failed = 0
    for name in names:
        path = os.path.join(outdir, name + ".onnx")
        res = subprocess.run([tool, path, "--emit=import", "-o", "-", *flags],
                             capture_output=True, text=True)
        print(f"// CASE: {name}")
        print(res.stdout)
        if res.returncode != 0:
            print(res.stderr)
            print(f"// EXIT: {res.returncode}")
            failed += 1
    sys.stdout.flush()


def timed_import(model, limit_s, tool=None):
    """Imports `model`, prints the IR, and fails if it took `limit_s` or longer."""
    tool = tool or os.environ.get("TESSERA_COMPILE", "tessera-compile")
    start = time.monotonic()
    res = subprocess.run([tool, model, "--emit=import", "-o", "-"], capture_output=True, text=True)
    elapsed = time.monotonic() - start
    print(res.stdout)
    print(res.stderr, file=sys.stderr)
    print(f"// IMPORT-TIME-OK: {elapsed < limit_s} ({elapsed:.2f} s)")
    return res.returncode


if __name__ == "__main__":
    if sys.argv[1] == "--timed":
        sys.exit(timed_import(sys.argv[3], float(sys.argv[2])))
    # Any further arguments are passed to tessera-compile.
    run_all(sys.argv[1], flags=sys.argv[2:])
