"""Generates the six model families at a given size, compiles each to the
tessera level with --report and checks that every attention block became one
tessera.attention, every norm one norm op, and that no softmax is left.

usage: family_fusion.py TOOLS_DIR WORK_DIR LAYERS [gen_models size flags...]
Prints `FAMILY: attention=A norms=N softmax=S ok` (or `MISMATCH`, with the
expected counts).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def expected(family, layers):
    """(attention blocks, norms) of each family with `layers` layers."""
    return {
        "bert": (layers, 2 * layers + 1),     # + the embedding LayerNorm
        "gpt2": (layers, 2 * layers + 1),     # + the final LayerNorm
        "vit": (layers, 2 * layers + 1),
        "llama": (layers, 2 * layers + 1),    # RMSNorms
        "mamba": (0, layers + 1),             # RMSNorms
        "encdec": (3 * layers, 5 * layers),   # self, self + cross; 2 + 3 norms
    }[family]


def main():
    tools, work, layers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    subprocess.run([sys.executable, os.path.join(ROOT, "test/models/gen_models.py"), work,
                    "--layers", str(layers), *sys.argv[4:]], check=True,
                   stdout=subprocess.DEVNULL)
    rc = 0
    for family in ["bert", "gpt2", "vit", "llama", "mamba", "encdec"]:
        d = os.path.join(work, family)
        report = os.path.join(d, "report.json")
        subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                        "--emit=tessera", "-o", os.path.join(d, "model.mlir"),
                        "--report=" + report], check=True)
        ops = json.load(open(report))["ops_after"]
        att = ops.get("tessera.attention", 0)
        norms = ops.get("tessera.layer_norm", 0) + ops.get("tessera.rms_norm", 0)
        soft = ops.get("tessera.softmax", 0)
        want = expected(family, layers)
        ok = (att, norms, soft) == (*want, 0)
        rc |= not ok
        print(f"{family}: attention={att} norms={norms} softmax={soft} "
              + ("ok" if ok else f"MISMATCH (expected attention={want[0]} norms={want[1]})"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
