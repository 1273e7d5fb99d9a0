"""Writes the fuzz targets' seed corpus into OUT: the six model families at tiny sizes
(test/models/gen_models.py), examples/mlp.onnx and every K-th small model of the ONNX
backend test data (Debian's libonnx-testdata), in a fixed order.

usage: make_seeds.py OUT [--onnx-tests N] [--no-families]
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = "/usr/share/libonnx-testdata/data"
TINY = ["--layers", "1", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--seq", "8",
        "--vocab", "24", "--state", "4", "--image", "16", "--patch", "8"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--onnx-tests", type=int, default=200,
                   help="how many ONNX backend test models (spread over all of them)")
    p.add_argument("--no-families", action="store_true")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    shutil.copy(os.path.join(ROOT, "examples", "mlp.onnx"), os.path.join(a.out, "mlp.onnx"))
    if not a.no_families:
        work = os.path.join(a.out, ".families")
        subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work,
                        *TINY], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for family in sorted(os.listdir(work)):
            shutil.copy(os.path.join(work, family, "model.onnx"),
                        os.path.join(a.out, f"family_{family}.onnx"))
        shutil.rmtree(work)
    models = []
    for kind in ("node", "simple", "pytorch-operator", "pytorch-converted"):
        base = os.path.join(DATA, kind)
        if not os.path.isdir(base):
            continue
        for test in sorted(os.listdir(base)):
            path = os.path.join(base, test, "model.onnx")
            if os.path.isfile(path) and os.path.getsize(path) <= 32768:
                models.append((kind, test, path))
    step = max(1, len(models) // max(1, a.onnx_tests))
    for kind, test, path in models[::step][:a.onnx_tests]:
        shutil.copy(path, os.path.join(a.out, f"{kind}_{test}.onnx"))
    print(f"{len(os.listdir(a.out))} seeds in {a.out}")


if __name__ == "__main__":
    main()
