"""Run a model compiled by tessera-compile --emit=lib from Python (ctypes and numpy; no
compiled extension).

    import tessera_runtime
    model = tessera_runtime.load("model.so")
    model.inputs                    # [TensorInfo(name='x', dtype=float32, shape=(2, 8))]
    outputs = model(x=np.zeros((2, 8), np.float32))   # {'y': array([...])}

Inputs are matched by name (keyword arguments, or one dict); each must have the model's
shape and dtype (`ValueError` / `TypeError` naming the input otherwise). Outputs come back
as new numpy arrays. The library is the model's shared object: it exports NAME_model_info,
NAME_run and friends for the NAME it was compiled with (--name); `load` finds NAME in the
library's dynamic symbol table (or takes `name=`).
"""
import ctypes
import os
import struct
from typing import Dict, List, NamedTuple, Tuple

import numpy as np

__all__ = ["load", "model_names", "Model", "TensorInfo", "TesseraError"]

# tessera_dtype (runtime/include/tessera_runtime.h) -> numpy
_DTYPES = {
    0: np.float32, 1: np.float16, 3: np.float64, 4: np.bool_, 5: np.int8, 6: np.int32,
    7: np.int64, 8: np.int16, 9: np.uint8, 10: np.uint16, 11: np.uint32, 12: np.uint64,
}
_BF16 = 2  # no numpy dtype: passed as raw uint16 bits


class TesseraError(RuntimeError):
    """A failing runtime call; the message is the runtime's."""


class _TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64))]


class _ModelInfo(ctypes.Structure):
    _fields_ = [("num_inputs", ctypes.c_int32), ("num_outputs", ctypes.c_int32),
                ("inputs", ctypes.POINTER(_TensorInfo)),
                ("outputs", ctypes.POINTER(_TensorInfo)),
                ("entry", ctypes.c_void_p), ("prepare", ctypes.c_void_p)]


def model_names(path: str) -> List[str]:
    """The NAMEs of the `NAME_model_info` symbols a 64-bit little-endian ELF file defines."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    if shentsize != 64 or shoff + shnum * 64 > len(data):
        return []
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * 64) for i in range(shnum)]
    names = []
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != 11 or entsize != 24 or link >= shnum:  # SHT_DYNSYM
            continue
        strings_offset, strings_size = sections[link][4], sections[link][5]
        for i in range(size // 24):
            st_name, st_info, _, st_shndx = struct.unpack_from("<IBBH", data, offset + i * 24)
            if st_shndx == 0 or st_info >> 4 == 0 or st_name >= strings_size:  # undefined/local
                continue
            start = strings_offset + st_name
            name = data[start:data.index(b"\0", start)].decode(errors="replace")
            if name.endswith("_model_info") and len(name) > len("_model_info"):
                names.append(name[:-len("_model_info")])
    return names


class TensorInfo(NamedTuple):
    name: str
    dtype: np.dtype  # uint16 for bfloat16 (its raw bits)
    shape: Tuple[int, ...]
    bfloat16: bool = False


def _describe(t: _TensorInfo) -> TensorInfo:
    shape = tuple(int(t.shape[i]) for i in range(t.rank))
    if t.dtype == _BF16:
        return TensorInfo(t.name.decode(), np.dtype(np.uint16), shape, True)
    if t.dtype not in _DTYPES:
        raise TesseraError(f"tensor '{t.name.decode()}' has an unknown dtype code {t.dtype}")
    return TensorInfo(t.name.decode(), np.dtype(_DTYPES[t.dtype]), shape)


class Model:
    """A loaded model: `inputs`, `outputs` (TensorInfo lists) and `__call__`."""

    def __init__(self, path: str, name: str = None, weights: str = None):
        if not os.path.exists(path):
            raise FileNotFoundError(f"no compiled model at '{path}'")
        self.path = path
        if name is None:
            names = model_names(path)
            if len(names) != 1:
                what = (f"several models ({', '.join(names)}): pass name=" if names else
                        "no NAME_model_info symbol: not a library from tessera-compile "
                        "--emit=lib")
                raise TesseraError(f"'{path}' has {what}")
            name = names[0]
        self.name = name
        # RTLD_LOCAL: two models (each with its own copy of the runtime) do not
        # resolve each other's symbols.
        self._lib = ctypes.CDLL(os.path.abspath(path), mode=os.RTLD_LOCAL | os.RTLD_NOW)
        try:
            describe = getattr(self._lib, f"{name}_model_info")
            self._run = getattr(self._lib, f"{name}_run")
            self._message = getattr(self._lib, f"{name}_status_message")
            self._set_threads = getattr(self._lib, f"{name}_set_num_threads")
            self._message.restype = ctypes.c_char_p
        except AttributeError:
            raise TesseraError(f"'{path}' has no model '{name}' ({name}_model_info, "
                               f"{name}_run): not a library from tessera-compile "
                               f"--emit=lib --name={name}") from None
        if weights is not None:
            set_weights = getattr(self._lib, f"{name}_set_weights_path", None)
            if set_weights is None:
                raise TesseraError(f"'{path}' was not compiled with --weights=external")
            set_weights.argtypes = [ctypes.c_char_p]
            if set_weights(os.fsencode(weights)) != 0:
                raise TesseraError(self._message().decode())
        describe.restype = ctypes.POINTER(_ModelInfo)
        self._info = describe().contents
        self._run.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
        self._run.restype = ctypes.c_int
        self.inputs: List[TensorInfo] = [_describe(self._info.inputs[i])
                                         for i in range(self._info.num_inputs)]
        self.outputs: List[TensorInfo] = [_describe(self._info.outputs[i])
                                          for i in range(self._info.num_outputs)]

    def set_num_threads(self, n: int) -> None:
        """The runtime's thread count (n <= 0: $TESSERA_NUM_THREADS or all cores)."""
        self._set_threads(ctypes.c_int(n))

    def _check(self, info: TensorInfo, value) -> np.ndarray:
        a = np.asarray(value)
        if a.dtype != info.dtype:
            want = "bfloat16 (as uint16 bits)" if info.bfloat16 else str(info.dtype)
            raise TypeError(f"input '{info.name}': expected dtype {want}, got {a.dtype}")
        if a.shape != info.shape:
            raise ValueError(f"input '{info.name}': expected shape {list(info.shape)}, "
                             f"got {list(a.shape)}")
        return np.ascontiguousarray(a)

    def __call__(self, feeds: Dict[str, np.ndarray] = None, **kwargs) -> Dict[str, np.ndarray]:
        feeds = dict(feeds or {}, **kwargs)
        names = [i.name for i in self.inputs]
        unknown = sorted(set(feeds) - set(names))
        if unknown:
            raise ValueError(f"unknown input '{unknown[0]}' (the model's inputs: "
                             f"{', '.join(names)})")
        missing = [n for n in names if n not in feeds]
        if missing:
            raise ValueError(f"missing input '{missing[0]}'")
        arrays = [self._check(info, feeds[info.name]) for info in self.inputs]
        outs = [np.empty(info.shape, info.dtype) for info in self.outputs]
        ins_p = (ctypes.c_void_p * max(1, len(arrays)))(*[a.ctypes.data for a in arrays])
        outs_p = (ctypes.c_void_p * max(1, len(outs)))(*[o.ctypes.data for o in outs])
        status = self._run(ins_p, outs_p)
        if status != 0:
            raise TesseraError(self._message().decode() or f"{self.name}_run failed ({status})")
        return {info.name: o for info, o in zip(self.outputs, outs)}

    def __repr__(self):
        def fmt(ts):
            return ", ".join(f"{t.name}: {'bfloat16' if t.bfloat16 else t.dtype}"
                             f"{list(t.shape)}" for t in ts)
        return f"<tessera model {self.name} '{self.path}' ({fmt(self.inputs)}) -> ({fmt(self.outputs)})>"


def load(path: str, name: str = None, weights: str = None) -> Model:
    """Loads a shared library compiled with tessera-compile --emit=lib (--name=NAME: found in
    the library when not given). `weights`: the weights file of a library compiled with
    --weights=external (default: OUT.weights next to the library, mapped at the first run)."""
    return Model(path, name, weights)
