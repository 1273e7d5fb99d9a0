# TfIdfVectorizer and the training domain's optimizer steps through a compiled
# model, against numpy references written from the ONNX specification:
# TfIdf in TF/IDF/TFIDF modes over batches and 1-D inputs, skips, weights,
# n-gram lengths outside [min, max], a pool n-gram repeated and two n-grams
# sharing an output column; Adagrad with a decay, Momentum (standard and
# Nesterov), Adam with post-step regularization, at T = 0 and T > 0.
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper

out = sys.argv[1]
rng = np.random.default_rng(0)
TRAINING = "ai.onnx.preview.training"


def tfidf_ref(x, mode, min_len, max_len, max_skip, counts, indexes, pool, weights=None):
    grams = {}  # n-gram tuple -> output column; a later duplicate wins
    gram_id = 0
    for i, begin in enumerate(counts):
        n = i + 1
        end = counts[i + 1] if i + 1 < len(counts) else len(pool)
        for g in range((end - begin) // n):
            if min_len <= n <= max_len:
                grams[tuple(pool[begin + g * n:begin + (g + 1) * n])] = indexes[gram_id]
            gram_id += 1
    width = max(indexes) + 1
    rows = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
    freq = np.zeros((rows.shape[0], width), np.float32)
    for r, row in enumerate(rows):
        for n in range(min_len, max_len + 1):
            for d in range(1, (1 if n == 1 else max_skip + 1) + 1):
                for s in range(len(row) - d * (n - 1)):
                    col = grams.get(tuple(int(v) for v in row[s:s + d * (n - 1) + 1:d]))
                    if col is not None:
                        freq[r, col] += 1
    w = np.ones(width, np.float32) if weights is None else np.asarray(weights, np.float32)[:width]
    y = {"TF": freq, "IDF": (freq > 0) * w, "TFIDF": freq * w}[mode].astype(np.float32)
    return y if x.ndim == 2 else y.reshape(width)


inputs, refs, nodes, ins, outs = {}, {}, [], [], []
types = {np.dtype(np.int32): T.INT32, np.dtype(np.int64): T.INT64,
         np.dtype(np.float32): T.FLOAT, np.dtype(np.float64): T.DOUBLE}


def vi(name, arr):
    return helper.make_tensor_value_info(name, types[arr.dtype], arr.shape)


def add_input(name, arr):
    inputs[name] = arr
    ins.append(vi(name, arr))


def add_output(name, arr):
    refs[name] = arr
    outs.append(vi(name, arr))


# Token ids from a small vocabulary, so that n-grams repeat; the trigrams of
# the pools are taken from the documents (contiguous and with skips of 1, 2).
docs = rng.integers(0, 6, (3, 12)).astype(np.int64)
doc32 = rng.integers(0, 5, (15,)).astype(np.int32)
add_input("docs", docs)
add_input("doc32", doc32)
pool_cases = [
    # name, input, mode, min, max, skip, counts, indexes, pool, weights
    ("tf_uni_bi_skip2", "docs", "TF", 1, 2, 2, [0, 4],
     [0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 5, 0, 1, 2, 2, 5, 3, 4, 4], None),
    ("idf_weights", "docs", "IDF", 1, 3, 1, [0, 3, 7],
     [3, 0, 4, 1, 2, 5, 6], [1, 3, 4, 0, 0, 2, 5, *docs[0, 3:6], 3, 3, 4],
     [0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75]),
    ("tfidf_tri_only", "docs", "TFIDF", 3, 3, 2, [0, 2, 4],
     [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, *docs[0, 0:3], *docs[1, 2:7:2], *docs[2, 1:8:3]],
     [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    # a repeated unigram (the later column wins) and two bigrams sharing column 1
    ("tf_dup_shared", "doc32", "TF", 1, 2, 0, [0, 4],
     [0, 2, 3, 4, 1, 1], [1, 2, 3, 1, 1, 2, 3, 4], None),
    ("tfidf_no_weights", "doc32", "TFIDF", 2, 2, 3, [0, 0],
     [0, 1, 2], [0, 1, 1, 2, 4, 3], None),
]
for name, x, mode, lo, hi, skip, counts, indexes, pool, weights in pool_cases:
    pool = [int(v) for v in pool]
    attrs = dict(mode=mode, min_gram_length=lo, max_gram_length=hi, max_skip_count=skip,
                 ngram_counts=counts, ngram_indexes=indexes, pool_int64s=pool)
    if weights is not None:
        attrs["weights"] = weights
    nodes.append(helper.make_node("TfIdfVectorizer", [x], [name], **attrs))
    add_output(name, tfidf_ref(inputs[x], mode, lo, hi, skip, counts, indexes, pool, weights))

# Optimizer steps on two tensors each, at T = 0 and T = 3.
add_input("r", np.array(0.05, np.float32))
for t in (0, 3):
    add_input(f"t{t}", np.array(t, np.int64))
shapes = [(4, 3), (5,)]
state = {k: [rng.standard_normal(s).astype(np.float32) for s in shapes]
         for k in ("x", "g", "v", "h")}
for k in ("h",):
    state[k] = [np.abs(a) for a in state[k]]
for k, arrs in state.items():
    for i, a in enumerate(arrs):
        add_input(f"{k}{i}", a)
r = 0.05


def step(op, t, outputs, **attrs):
    kinds = {"Adagrad": "xgh", "Momentum": "xgv", "Adam": "xgvh"}[op]
    node_ins = ["r", f"t{t}"] + [f"{k}{i}" for k in kinds for i in range(2)]
    nodes.append(helper.make_node(op, node_ins, outputs, domain=TRAINING, **attrs))


for t in (0, 3):
    # Adagrad
    decay, eps, nc = 0.1, 1e-3, 0.01
    names = [f"adagrad{t}_{k}{i}" for k in "xh" for i in range(2)]
    step("Adagrad", t, names, decay_factor=decay, epsilon=eps, norm_coefficient=nc)
    for i in range(2):
        x, g, h = state["x"][i], state["g"][i], state["h"][i]
        rr = r / (1 + t * decay)
        gr = nc * x + g
        hn = h + gr * gr
        add_output(f"adagrad{t}_h{i}", hn.astype(np.float32))
        add_output(f"adagrad{t}_x{i}", (x - rr * gr / (np.sqrt(hn) + eps)).astype(np.float32))
    # Momentum, both modes
    for mode in ("standard", "nesterov"):
        alpha, beta, nc = 0.9, 0.7, 0.02
        names = [f"{mode}{t}_{k}{i}" for k in "xv" for i in range(2)]
        step("Momentum", t, names, alpha=alpha, beta=beta, mode=mode, norm_coefficient=nc)
        for i in range(2):
            x, g, v = state["x"][i], state["g"][i], state["v"][i]
            gr = nc * x + g
            vn = alpha * v + (beta if t > 0 else 1) * gr
            xn = x - r * (vn if mode == "standard" else gr + alpha * vn)
            add_output(f"{mode}{t}_v{i}", vn.astype(np.float32))
            add_output(f"{mode}{t}_x{i}", xn.astype(np.float32))
    # Adam; only the new X of the second tensor and the new states of the first
    alpha, beta, eps, nc, post = 0.8, 0.95, 1e-4, 0.01, 0.05
    names = ["", f"adam{t}_x1", f"adam{t}_v0", "", f"adam{t}_h0", ""]
    step("Adam", t, names, alpha=alpha, beta=beta, epsilon=eps, norm_coefficient=nc,
         norm_coefficient_post=post)
    for i in range(2):
        x, g, v, h = (state[k][i] for k in "xgvh")
        gr = nc * x + g
        vn = alpha * v + (1 - alpha) * gr
        hn = beta * h + (1 - beta) * gr * gr
        rr = r * np.sqrt(1 - beta ** t) / (1 - alpha ** t) if t > 0 else r
        xn = (1 - post) * (x - rr * vn / (np.sqrt(hn) + eps))
        if i == 0:
            add_output(f"adam{t}_v0", vn.astype(np.float32))
            add_output(f"adam{t}_h0", hn.astype(np.float32))
        else:
            add_output(f"adam{t}_x1", xn.astype(np.float32))

graph = helper.make_graph(nodes, "text_training", ins, outs)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                helper.make_opsetid(TRAINING, 1)])
onnx.save(model, f"{out}/model.onnx")
for d, arrays in (("in", inputs), ("ref", refs)):
    os.makedirs(f"{out}/{d}", exist_ok=True)
    for k, v in arrays.items():
        np.save(f"{out}/{d}/{k}.npy", v)
with open(f"{out}/inputs.txt", "w") as f:
    f.write(" ".join(f"--input {k}={out}/in/{k}.npy" for k in inputs))
