"""Driven by python-runtime.test (argument: its temporary directory)."""
import os
import sys

import numpy as np
import tessera_runtime as tr

t = sys.argv[1]
mlp = tr.load(os.path.join(t, "mlp.so"))
two = tr.load(os.path.join(t, "two.so"))
print(mlp)
print(two)
x = np.load(os.path.join(t, "x.npy"))
y = mlp(x=x)["y"]
print("mlp matches the executable:", np.array_equal(y, np.load(os.path.join(t, "out", "y.npy"))))
mlp.set_num_threads(1)
print("one thread matches:", np.array_equal(mlp({"x": x})["y"], y))
out = two(ids=np.arange(6).reshape(2, 3), x=np.full((2, 3), 0.5, np.float32))
for name in ("sum", "twice"):
    print(name, out[name].tolist(), out[name].dtype)
for model, feeds in [(mlp, dict(x=x.astype(np.float64))), (mlp, dict(x=x[:1])),
                     (two, dict(x=np.zeros((2, 3), np.float32))),
                     (two, dict(ids=np.zeros((2, 3), np.int64), x=np.zeros((2, 3), np.float32),
                                z=x))]:
    try:
        model(**feeds)
        print("no error")
    except Exception as e:  # noqa: BLE001 - the test prints what was raised
        print(f"{type(e).__name__}: {e}")
for path in (os.path.join(t, "nowhere.so"), "/lib/x86_64-linux-gnu/libm.so.6"):
    try:
        tr.load(path)
        print("no error")
    except Exception as e:  # noqa: BLE001
        print(f"{type(e).__name__}: {e}")
