"""Driven by weights-external.test (argument: its temporary directory): a library compiled
with --weights=external, loaded from Python next to its weights, moved away from them, and
given their path."""
import os
import shutil
import sys

import numpy as np
import tessera_runtime as tr

t = sys.argv[1]
x = np.load(os.path.join(t, "vit", "inputs", "pixel_values.npy"))
embedded = np.load(os.path.join(t, "vit", "out", "logits.npy"))
print("next to the library:", np.array_equal(tr.load(os.path.join(t, "libvit.so"))(pixel_values=x)["logits"], embedded))
os.makedirs(os.path.join(t, "away"), exist_ok=True)
moved = shutil.copy(os.path.join(t, "libvit.so"), os.path.join(t, "away", "libvit.so"))
# Loading the same path again reuses the library (and its mapped weights):
# the failures come first.
try:
    tr.load(moved, name="vit")(pixel_values=x)
    print("no error")
except tr.TesseraError as e:
    print(f"TesseraError: {e}")
try:
    tr.load(moved, weights=os.path.join(t, "nowhere.weights"))
    print("no error")
except tr.TesseraError as e:
    print(f"TesseraError: {e}")
given = tr.load(moved, weights=os.path.join(t, "libvit.so.weights"))
print("by path:", np.array_equal(given(pixel_values=x)["logits"], embedded))
