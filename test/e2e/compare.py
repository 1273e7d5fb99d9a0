#!/usr/bin/env python3
"""Compares a compiled model's .npy outputs with references.

usage: compare.py REF_DIR OUT_DIR [--tol 1e-4] [--names a,b]
Every REF_DIR/NAME.npy must have a matching OUT_DIR/NAME.npy of the same shape
and dtype. Floats pass when the relative L2 error ||out - ref|| / ||ref|| is at
most --tol (absolute L2 error when ||ref|| is 0); a NaN or Inf where the
reference is finite never passes, nor anything else where it is infinite. Integers and bools must match exactly.
"""
import argparse
import os
import sys

import numpy as np


def compare(name, ref, out, tol):
    if out.shape != ref.shape:
        return f"{name}: shape {out.shape}, expected {ref.shape}"
    if out.dtype != ref.dtype:
        return f"{name}: dtype {out.dtype}, expected {ref.dtype}"
    if not np.issubdtype(ref.dtype, np.floating):
        bad = int(np.count_nonzero(out != ref))
        if bad:
            return f"{name}: {bad} of {ref.size} elements differ"
        print(f"{name}: ok (exact)")
        return None
    ref64, out64 = ref.astype(np.float64), out.astype(np.float64)
    finite = np.isfinite(ref64)
    if np.any(~np.isfinite(out64) & finite) or np.any(np.isnan(out64) != np.isnan(ref64)):
        return f"{name}: non-finite values where the reference is finite"
    if np.any(np.isinf(ref64) & (out64 != ref64)):
        return f"{name}: an infinity of the reference is not matched"
    diff = np.linalg.norm(out64[finite] - ref64[finite])
    norm = np.linalg.norm(ref64[finite])
    err = diff / norm if norm > 0 else diff
    if not err <= tol:
        return f"{name}: relative L2 error {err:.3e} > {tol:.1e}"
    print(f"{name}: ok (relative L2 error {err:.3e})")
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ref_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--names", default="")
    args = parser.parse_args()
    names = [n for n in args.names.split(",") if n] or sorted(
        f[:-4] for f in os.listdir(args.ref_dir) if f.endswith(".npy"))
    if not names:
        print("compare.py: no reference outputs", file=sys.stderr)
        return 1
    failures = []
    for name in names:
        out_path = os.path.join(args.out_dir, name + ".npy")
        if not os.path.exists(out_path):
            failures.append(f"{name}: missing output {out_path}")
            continue
        ref = np.load(os.path.join(args.ref_dir, name + ".npy"))
        problem = compare(name, ref, np.load(out_path), args.tol)
        if problem:
            failures.append(problem)
    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
