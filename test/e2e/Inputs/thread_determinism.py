"""Runs a compiled model (from run_family.py's work directory) at several thread
counts, twice each, and checks that every output is bit-identical: the thread pool
splits work into disjoint pieces, each computed in the same order whatever the
thread count.

usage: thread_determinism.py FAMILY_DIR THREADS...
Prints `NAME: identical at threads T1 T2 ...` per output, or what differs.
"""
import os
import subprocess
import sys

import numpy as np


def run(d, threads, out):
    args = [os.path.join(d, "model"), "--output-dir", out, "--threads", str(threads)]
    for f in sorted(os.listdir(os.path.join(d, "inputs"))):
        args += ["--input", f"{f[:-4]}={os.path.join(d, 'inputs', f)}"]
    subprocess.run(args, check=True)
    return {f[:-4]: np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))}


def main():
    d, counts = sys.argv[1], [int(t) for t in sys.argv[2:]]
    runs = []
    for t in counts:
        for rep in range(2):
            runs.append((t, run(d, t, os.path.join(d, f"out-t{t}-{rep}"))))
    base_t, base = runs[0]
    rc = 0
    for name, want in base.items():
        bad = [t for t, got in runs
               if got[name].tobytes() != want.tobytes() or np.isnan(got[name]).any()]
        if bad:
            diff = max(float(np.max(np.abs(got[name] - want))) for t, got in runs)
            print(f"{name}: differs at threads {sorted(set(bad))} (max |diff| {diff:.3e})")
            rc = 1
        else:
            print(f"{name}: identical at threads {' '.join(map(str, counts))}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
