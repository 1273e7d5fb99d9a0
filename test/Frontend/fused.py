# Fused ONNX ops imported straight into tessera's fused ops: opset-23
# Attention, RMSNormalization and RotaryEmbedding, and ONNX Runtime's
# com.microsoft contrib ops; every unsupported form is a diagnostic naming the
# node, op type, domain and opset.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from onnx_testlib import DTYPES, Suite

s = Suite(sys.argv[1])
rng = np.random.default_rng(0)


def case(name, op, inputs, outputs, inits=(), domain="", opset=23, ms=True, **attrs):
    """One `op` node. inputs/outputs: [(name, shape, dtype)] ("" skips an optional
    input or output); outputs are typed because ONNX 1.12 cannot infer these ops."""
    init_names = {t.name for t in inits}
    node = helper.make_node(op, [i[0] for i in inputs], [o[0] for o in outputs], name=name,
                            domain=domain, **attrs)
    ins = [helper.make_tensor_value_info(n, DTYPES[dt], shape)
           for n, shape, dt in inputs if n and n not in init_names]
    outs = [helper.make_tensor_value_info(n, DTYPES[dt], shape)
            for n, shape, dt in outputs if n]
    graph = helper.make_graph([node], name, ins, outs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)]
    if ms:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    s.save(name, model)


def init(name, shape, dtype=np.float32):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(dtype), name)


def ints(name, values, dtype=np.int32):
    return numpy_helper.from_array(np.array(values, dtype), name)


NONE = ("", [], "f32")
Q4, K4, V4 = ("q", [2, 4, 5, 8], "f32"), ("k", [2, 2, 6, 8], "f32"), ("v", [2, 2, 6, 8], "f32")
Y4 = ("y", [2, 4, 5, 8], "f32")
MS = "com.microsoft"

# --- ONNX Attention (opset 23) -------------------------------------------------
case("attn_4d_gqa", "Attention", [Q4, K4, V4], [Y4])
# CHECK-LABEL: // CASE: attn_4d_gqa
# CHECK: tessera.attention %arg0, %arg1, %arg2 {scale = 0.35355339059327373 : f64} : (tensor<2x4x5x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>) -> tensor<2x4x5x8xf32>

case("attn_3d_causal", "Attention",
     [("q", [2, 5, 32], "f32"), ("k", [2, 5, 16], "f32"), ("v", [2, 5, 24], "f32")],
     [("y", [2, 5, 48], "f32")], q_num_heads=4, kv_num_heads=2, is_causal=1, scale=0.25)
# CHECK-LABEL: // CASE: attn_3d_causal
# CHECK: %[[Q:.+]] = tessera.reshape %arg0 : tensor<2x5x32xf32> to tensor<2x5x4x8xf32>
# CHECK: %[[QT:.+]] = tessera.transpose %[[Q]] {perm = array<i64: 0, 2, 1, 3>} : tensor<2x5x4x8xf32> to tensor<2x4x5x8xf32>
# CHECK: %[[VT:.+]] = tessera.transpose %{{.+}} : tensor<2x5x2x12xf32> to tensor<2x2x5x12xf32>
# CHECK: %[[A:.+]] = tessera.attention %[[QT]], %{{.+}}, %[[VT]] {causal = true, scale = 2.500000e-01 : f64} : (tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x12xf32>) -> tensor<2x4x5x12xf32>
# CHECK: %[[AT:.+]] = tessera.transpose %[[A]] {perm = array<i64: 0, 2, 1, 3>} : tensor<2x4x5x12xf32> to tensor<2x5x4x12xf32>
# CHECK: tessera.reshape %[[AT]] : tensor<2x5x4x12xf32> to tensor<2x5x48xf32>

case("attn_bool_mask", "Attention", [Q4, K4, V4, ("m", [5, 6], "bool")], [Y4])
# CHECK-LABEL: // CASE: attn_bool_mask
# CHECK: tessera.attention %arg0, %arg1, %arg2, %arg3 {mask_kind = "boolean", scale = 0.35355339059327373 : f64} : (tensor<2x4x5x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>, tensor<5x6xi1>) -> tensor<2x4x5x8xf32>

case("attn_float_mask_causal", "Attention", [Q4, K4, V4, ("m", [2, 1, 5, 6], "f32")], [Y4],
     is_causal=1)
# CHECK-LABEL: // CASE: attn_float_mask_causal
# CHECK: tessera.attention %arg0, %arg1, %arg2, %arg3 {causal = true, mask_kind = "additive", {{.+}}} : ({{.+}}, tensor<2x1x5x6xf32>) -> tensor<2x4x5x8xf32>

# A mask narrower than the keys: the keys past it are masked out.
case("attn_narrow_mask", "Attention", [Q4, K4, V4, ("m", [5, 4], "f32")], [Y4])
# CHECK-LABEL: // CASE: attn_narrow_mask
# CHECK: %[[P:.+]] = tessera.pad %arg3 {pads = array<i64: 0, 0, 0, 2>, value = 0xFFF0000000000000 : f64} : tensor<5x4xf32> to tensor<5x6xf32>
# CHECK: tessera.attention %arg0, %arg1, %arg2, %[[P]] {mask_kind = "additive", scale

# --- RMSNormalization (opset 23) and ONNX Runtime's SimplifiedLayerNormalization
case("rmsnorm", "RMSNormalization", [("x", [2, 5, 16], "f32"), ("g", [16], "f32")],
     [("y", [2, 5, 16], "f32")], inits=[init("g", [16])], epsilon=1e-6)
# CHECK-LABEL: // CASE: rmsnorm
# CHECK: tessera.rms_norm %arg0, %{{.+}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : (tensor<2x5x16xf32>, tensor<16xf32>) -> tensor<2x5x16xf32>

# Leading unit dimensions of the scale are dropped; f16 is normalized in f32.
case("rmsnorm_f16_axis1", "RMSNormalization", [("x", [2, 5, 16], "f16"), ("g", [1, 5, 16], "f16")],
     [("y", [2, 5, 16], "f16")], axis=1)
# CHECK-LABEL: // CASE: rmsnorm_f16_axis1
# CHECK: %[[G:.+]] = tessera.reshape %arg1 : tensor<1x5x16xf16> to tensor<5x16xf16>
# CHECK: %[[X:.+]] = tessera.cast %arg0 : tensor<2x5x16xf16> to tensor<2x5x16xf32>
# CHECK: %[[GF:.+]] = tessera.cast %[[G]] : tensor<5x16xf16> to tensor<5x16xf32>
# CHECK: %[[N:.+]] = tessera.rms_norm %[[X]], %[[GF]] {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
# CHECK: tessera.cast %[[N]] : tensor<2x5x16xf32> to tensor<2x5x16xf16>

case("simplified_layernorm", "SimplifiedLayerNormalization",
     [("x", [2, 5, 16], "f32"), ("g", [16], "f32")], [("y", [2, 5, 16], "f32")], opset=17,
     ms=False, axis=-1, epsilon=1e-5, stash_type=1)
# CHECK-LABEL: // CASE: simplified_layernorm
# CHECK: tessera.rms_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}

# --- RotaryEmbedding (opset 23) ------------------------------------------------
# 4-D X is [B, heads, S, D]; caches [max_pos, D/2] gathered at position_ids.
case("rotary_4d", "RotaryEmbedding",
     [("x", [2, 4, 5, 8], "f32"), ("cos", [16, 4], "f32"), ("sin", [16, 4], "f32"),
      ("pos", [2, 5], "i64")], [("y", [2, 4, 5, 8], "f32")])
# CHECK-LABEL: // CASE: rotary_4d
# CHECK: %[[C:.+]] = tessera.gather %arg1, %arg3 {axis = 0 : i64} : (tensor<16x4xf32>, tensor<2x5xi64>) -> tensor<2x5x4xf32>
# CHECK: %[[S:.+]] = tessera.gather %arg2, %arg3
# CHECK: %[[CR:.+]] = tessera.reshape %[[C]] : tensor<2x5x4xf32> to tensor<2x1x5x4xf32>
# CHECK: %[[CF:.+]] = tessera.concat %[[CR]], %[[CR]] {axis = 3 : i64} : (tensor<2x1x5x4xf32>, tensor<2x1x5x4xf32>) -> tensor<2x1x5x8xf32>
# CHECK: %[[SR:.+]] = tessera.reshape %[[S]]
# CHECK: %[[SF:.+]] = tessera.concat %[[SR]], %[[SR]]
# CHECK: tessera.rotary %arg0, %[[CF]], %[[SF]] : (tensor<2x4x5x8xf32>, tensor<2x1x5x8xf32>, tensor<2x1x5x8xf32>) -> tensor<2x4x5x8xf32>

# 3-D X with num_heads, per-token caches, interleaved, partial rotation.
case("rotary_3d_partial_interleaved", "RotaryEmbedding",
     [("x", [2, 5, 32], "f32"), ("cos", [2, 5, 2], "f32"), ("sin", [2, 5, 2], "f32")],
     [("y", [2, 5, 32], "f32")], num_heads=4, rotary_embedding_dim=4, interleaved=1)
# CHECK-LABEL: // CASE: rotary_3d_partial_interleaved
# CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<2x5x32xf32> to tensor<2x5x4x8xf32>
# CHECK: %[[C:.+]] = tessera.reshape %arg1 : tensor<2x5x2xf32> to tensor<2x5x1x2xf32>
# CHECK: %[[C1:.+]] = tessera.reshape %[[C]] : tensor<2x5x1x2xf32> to tensor<2x5x1x2x1xf32>
# CHECK: %[[C2:.+]] = tessera.concat %[[C1]], %[[C1]] {axis = 4 : i64} : {{.+}} -> tensor<2x5x1x2x2xf32>
# CHECK: %[[CF:.+]] = tessera.reshape %[[C2]] : tensor<2x5x1x2x2xf32> to tensor<2x5x1x4xf32>
# CHECK: %[[XR:.+]] = tessera.slice %[[X]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<2x5x4x8xf32> to tensor<2x5x4x4xf32>
# CHECK: %[[R:.+]] = tessera.rotary %[[XR]], %[[CF]], %{{.+}} {interleaved = true} : (tensor<2x5x4x4xf32>, tensor<2x5x1x4xf32>, tensor<2x5x1x4xf32>) -> tensor<2x5x4x4xf32>
# CHECK: %[[XP:.+]] = tessera.slice %[[X]] {starts = array<i64: 0, 0, 0, 4>, {{.+}}} : tensor<2x5x4x8xf32> to tensor<2x5x4x4xf32>
# CHECK: %[[Y:.+]] = tessera.concat %[[R]], %[[XP]] {axis = 3 : i64}
# CHECK: tessera.reshape %[[Y]] : tensor<2x5x4x8xf32> to tensor<2x5x32xf32>

# --- com.microsoft attention ---------------------------------------------------
case("ms_attention", "Attention",
     [("x", [2, 5, 16], "f32"), ("w", [16, 48], "f32"), ("b", [48], "f32"),
      ("mask", [2, 5], "i32")], [("y", [2, 5, 16], "f32")],
     inits=[init("w", [16, 48]), init("b", [48])], domain=MS, num_heads=2, unidirectional=1)
# CHECK-LABEL: // CASE: ms_attention
# CHECK: %[[P:.+]] = tessera.linear %arg0, %{{.+}} bias %{{.+}} : (tensor<2x5x16xf32>, tensor<16x48xf32>, tensor<48xf32>) -> tensor<2x5x48xf32>
# CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 0, 0>, {{.+}}} : tensor<2x5x48xf32> to tensor<2x5x16xf32>
# CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 0, 16>, {{.+}}}
# CHECK: tessera.slice %[[P]] {starts = array<i64: 0, 0, 32>, {{.+}}}
# CHECK: %[[K:.+]] = tessera.greater %arg1, %{{.+}} : (tensor<2x5xi32>, tensor<i32>) -> tensor<2x5xi1>
# CHECK: %[[KR:.+]] = tessera.reshape %[[K]] : tensor<2x5xi1> to tensor<2x1x1x5xi1>
# CHECK: %[[F:.+]] = tessera.constant dense<-1.000000e+04> : tensor<f32>
# CHECK: %[[M:.+]] = tessera.where %[[KR]], %{{.+}}, %[[F]] : (tensor<2x1x1x5xi1>, tensor<f32>, tensor<f32>) -> tensor<2x1x1x5xf32>
# CHECK: tessera.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[M]] {causal = true, mask_kind = "additive", scale = 0.35355339059327373 : f64} : (tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x1x1x5xf32>) -> tensor<2x2x5x8xf32>

# Bias on Q/K/V, key lengths (right padding) and an attention bias.
case("ms_mha", "MultiHeadAttention",
     [("q", [2, 5, 16], "f32"), ("k", [2, 6, 16], "f32"), ("v", [2, 6, 8], "f32"),
      ("b", [40], "f32"), ("lens", [2], "i32"), ("ab", [1, 2, 5, 6], "f32")],
     [("y", [2, 5, 8], "f32")], domain=MS, num_heads=2)
# CHECK-LABEL: // CASE: ms_mha
# CHECK: tessera.slice %arg3 {starts = array<i64: 0>, steps = array<i64: 1>} : tensor<40xf32> to tensor<16xf32>
# CHECK: tessera.add %arg0, %{{.+}} : (tensor<2x5x16xf32>, tensor<16xf32>) -> tensor<2x5x16xf32>
# CHECK: tessera.slice %arg3 {starts = array<i64: 32>, steps = array<i64: 1>} : tensor<40xf32> to tensor<8xf32>
# CHECK: %[[R:.+]] = tessera.constant dense<[{{\[\[}}[0, 1, 2, 3, 4, 5]]]]> : tensor<1x1x1x6xi32>
# CHECK: %[[L:.+]] = tessera.reshape %arg4 : tensor<2xi32> to tensor<2x1x1x1xi32>
# CHECK: tessera.less %[[R]], %[[L]] : (tensor<1x1x1x6xi32>, tensor<2x1x1x1xi32>) -> tensor<2x1x1x6xi1>
# CHECK: %[[W:.+]] = tessera.where
# CHECK: %[[M:.+]] = tessera.add %[[W]], %arg5 : (tensor<2x1x1x6xf32>, tensor<1x2x5x6xf32>) -> tensor<2x2x5x6xf32>
# CHECK: tessera.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[M]] {mask_kind = "additive", scale = 0.35355339059327373 : f64} : (tensor<2x2x5x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x4xf32>, tensor<2x2x5x6xf32>) -> tensor<2x2x5x4xf32>

case("ms_mha_packed_qkv", "MultiHeadAttention", [("qkv", [2, 5, 2, 3, 8], "f32")],
     [("y", [2, 5, 16], "f32")], domain=MS, num_heads=2, scale=0.5)
# CHECK-LABEL: // CASE: ms_mha_packed_qkv
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 0, 0, 2, 0>, {{.+}}} : tensor<2x5x2x3x8xf32> to tensor<2x5x2x1x8xf32>
# CHECK: tessera.attention {{.+}} {scale = 5.000000e-01 : f64} : (tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>) -> tensor<2x2x5x8xf32>

# Known full lengths: no mask; causal by default.
case("ms_gqa", "GroupQueryAttention",
     [("q", [2, 5, 32], "f32"), ("k", [2, 5, 16], "f32"), ("v", [2, 5, 16], "f32"),
      NONE, NONE, ("seqlens", [2], "i32"), ("total", [], "i32")], [("y", [2, 5, 32], "f32")],
     inits=[ints("seqlens", [4, 4]), ints("total", 5)], domain=MS, num_heads=4, kv_num_heads=2)
# CHECK-LABEL: // CASE: ms_gqa
# CHECK: tessera.attention {{.+}} {causal = true, scale = 0.35355339059327373 : f64} : (tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>) -> tensor<2x4x5x8xf32>

# Packed QKV and runtime lengths: keys past seqlens_k[b] are masked.
case("ms_gqa_packed_lens", "GroupQueryAttention",
     [("qkv", [2, 5, 64], "f32"), NONE, NONE, NONE, NONE, ("seqlens", [2], "i32"),
      ("total", [], "i32")], [("y", [2, 5, 32], "f32")],
     domain=MS, num_heads=4, kv_num_heads=2, causal=0)
# CHECK-LABEL: // CASE: ms_gqa_packed_lens
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 0, 32>, {{.+}}} : tensor<2x5x64xf32> to tensor<2x5x16xf32>
# CHECK: tessera.slice %arg0 {starts = array<i64: 0, 0, 48>, {{.+}}} : tensor<2x5x64xf32> to tensor<2x5x16xf32>
# CHECK: %[[K:.+]] = tessera.less_equal %{{.+}}, %{{.+}} : (tensor<1x1x1x5xi32>, tensor<2x1x1x1xi32>) -> tensor<2x1x1x5xi1>
# CHECK: tessera.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[K]] {mask_kind = "boolean", scale

# --- com.microsoft norms, GELU, rotary ------------------------------------------
case("ms_skip_layernorm", "SkipLayerNormalization",
     [("x", [2, 5, 16], "f32"), ("skip", [5, 16], "f32"), ("g", [16], "f32"), ("b", [16], "f32"),
      ("bias", [16], "f32")], [("y", [2, 5, 16], "f32"), NONE, NONE, ("sum", [2, 5, 16], "f32")],
     domain=MS, epsilon=1e-5)
# CHECK-LABEL: // CASE: ms_skip_layernorm
# CHECK: %[[S0:.+]] = tessera.add %arg0, %arg1 : (tensor<2x5x16xf32>, tensor<5x16xf32>) -> tensor<2x5x16xf32>
# CHECK: %[[S:.+]] = tessera.add %[[S0]], %arg4 : (tensor<2x5x16xf32>, tensor<16xf32>) -> tensor<2x5x16xf32>
# CHECK: %[[Y:.+]] = tessera.layer_norm %[[S]], %arg2, %arg3 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}
# CHECK: return %[[Y]], %[[S]]

case("ms_skip_simplified", "SkipSimplifiedLayerNormalization",
     [("x", [2, 5, 16], "f32"), ("skip", [2, 5, 16], "f32"), ("g", [16], "f32")],
     [("y", [2, 5, 16], "f32")], domain=MS)
# CHECK-LABEL: // CASE: ms_skip_simplified
# CHECK: %[[S:.+]] = tessera.add %arg0, %arg1
# CHECK: tessera.rms_norm %[[S]], %arg2 {axis = 2 : i64, epsilon = 9.99999996E-13 : f32}

case("ms_simplified_layernorm", "SimplifiedLayerNormalization",
     [("x", [2, 5, 16], "f32"), ("g", [16], "f32")], [("y", [2, 5, 16], "f32")], domain=MS)
# CHECK-LABEL: // CASE: ms_simplified_layernorm
# CHECK: tessera.rms_norm %arg0, %arg1 {axis = 2 : i64, epsilon = 9.99999974E-6 : f32}

case("ms_fastgelu", "FastGelu", [("x", [2, 5, 16], "f32"), ("b", [16], "f32")],
     [("y", [2, 5, 16], "f32")], domain=MS)
# CHECK-LABEL: // CASE: ms_fastgelu
# CHECK: %[[A:.+]] = tessera.add %arg0, %arg1
# CHECK: tessera.gelu_tanh %[[A]] : tensor<2x5x16xf32>

case("ms_fastgelu_nobias", "FastGelu", [("x", [2, 5, 16], "f32")], [("y", [2, 5, 16], "f32")],
     domain=MS)
# CHECK-LABEL: // CASE: ms_fastgelu_nobias
# CHECK: func.func @main_graph
# CHECK-NEXT: tessera.gelu_tanh %arg0 : tensor<2x5x16xf32>

case("ms_biasgelu", "BiasGelu", [("x", [2, 5, 16], "f32"), ("b", [16], "f32")],
     [("y", [2, 5, 16], "f32")], domain=MS)
# CHECK-LABEL: // CASE: ms_biasgelu
# CHECK: %[[A:.+]] = tessera.add %arg0, %arg1
# CHECK: tessera.gelu %[[A]] : tensor<2x5x16xf32>

# One start position for every batch: positions p + [0, S).
case("ms_rotary", "RotaryEmbedding",
     [("x", [2, 5, 32], "f32"), ("pos", [1], "i64"), ("cos", [16, 4], "f32"),
      ("sin", [16, 4], "f32")], [("y", [2, 5, 32], "f32")], domain=MS, interleaved=1)
# CHECK-LABEL: // CASE: ms_rotary
# CHECK: %[[X:.+]] = tessera.reshape %arg0 : tensor<2x5x32xf32> to tensor<2x5x4x8xf32>
# CHECK: %[[R:.+]] = tessera.constant dense<{{\[\[}}0, 1, 2, 3, 4]]> : tensor<1x5xi64>
# CHECK: %[[P:.+]] = tessera.add %[[R]], %{{.+}} : (tensor<1x5xi64>, tensor<1x1xi64>) -> tensor<1x5xi64>
# CHECK: tessera.gather %arg2, %[[P]] {axis = 0 : i64} : (tensor<16x4xf32>, tensor<1x5xi64>) -> tensor<1x5x4xf32>
# CHECK: tessera.rotary %[[X]], %{{.+}}, %{{.+}} {interleaved = true} : (tensor<2x5x4x8xf32>, tensor<1x5x1x8xf32>, tensor<1x5x1x8xf32>) -> tensor<2x5x4x8xf32>

# Partial rotation of a [B, N, S, H] input.
case("ms_rotary_4d_partial", "RotaryEmbedding",
     [("x", [2, 4, 5, 8], "f32"), ("pos", [2, 5], "i64"), ("cos", [16, 2], "f32"),
      ("sin", [16, 2], "f32")], [("y", [2, 4, 5, 8], "f32")], domain=MS, num_heads=4,
     rotary_embedding_dim=4)
# CHECK-LABEL: // CASE: ms_rotary_4d_partial
# CHECK: tessera.rotary %{{.+}}, %{{.+}}, %{{.+}} : (tensor<2x4x5x4xf32>, tensor<2x1x5x4xf32>, tensor<2x1x5x4xf32>) -> tensor<2x4x5x4xf32>
# CHECK: tessera.concat %{{.+}}, %{{.+}} {axis = 3 : i64} : (tensor<2x4x5x4xf32>, tensor<2x4x5x4xf32>) -> tensor<2x4x5x8xf32>

# --- diagnostics ---------------------------------------------------------------
case("err_attn_past", "Attention",
     [Q4, K4, V4, NONE, ("pk", [2, 2, 3, 8], "f32"), ("pv", [2, 2, 3, 8], "f32")], [Y4])
# CHECK-LABEL: // CASE: err_attn_past
# CHECK: node 'err_attn_past' (op type 'Attention', opset 23): past_key/past_value inputs (a KV cache) are not supported
# CHECK: // EXIT: 1
case("err_attn_present", "Attention", [Q4, K4, V4], [Y4, ("pk", [2, 2, 6, 8], "f32")])
# CHECK-LABEL: // CASE: err_attn_present
# CHECK: (op type 'Attention', opset 23): present_key/present_value outputs (a KV cache) are not supported
# CHECK: // EXIT: 1
case("err_attn_softcap", "Attention", [Q4, K4, V4], [Y4], softcap=30.0)
# CHECK-LABEL: // CASE: err_attn_softcap
# CHECK: (op type 'Attention', opset 23): softcap 30.0{{0*}} is not supported (only 0)
# CHECK: // EXIT: 1
case("err_attn_qk_mode", "Attention", [Q4, K4, V4], [Y4], qk_matmul_output_mode=1)
# CHECK-LABEL: // CASE: err_attn_qk_mode
# CHECK: qk_matmul_output_mode 1 is not supported (only 0)
# CHECK: // EXIT: 1
case("err_attn_3d_heads", "Attention",
     [("q", [2, 5, 32], "f32"), ("k", [2, 5, 16], "f32"), ("v", [2, 5, 16], "f32")],
     [("y", [2, 5, 32], "f32")], q_num_heads=4)
# CHECK-LABEL: // CASE: err_attn_3d_heads
# CHECK: 3-D inputs need positive q_num_heads and kv_num_heads attributes
# CHECK: // EXIT: 1
case("err_attn_opset17", "Attention", [Q4, K4, V4], [Y4], opset=17, ms=False)
# CHECK-LABEL: // CASE: err_attn_opset17
# CHECK: (op type 'Attention', opset 17): this op exists from opset 23 on
# CHECK: // EXIT: 1
case("err_attn_int_mask", "Attention", [Q4, K4, V4, ("m", [5, 6], "i64")], [Y4])
# CHECK-LABEL: // CASE: err_attn_int_mask
# CHECK: attn_mask must be bool or float, found tensor<5x6xi64>
# CHECK: // EXIT: 1
case("err_attn_mask_shape", "Attention", [Q4, K4, V4, ("m", [3, 5, 6], "bool")], [Y4])
# CHECK-LABEL: // CASE: err_attn_mask_shape
# CHECK: mask of shape [3, 5, 6] does not broadcast to the attention scores [B, H, S, Skv] = [2, 4, 5, 6]
# CHECK: // EXIT: 1
case("err_attn_heads", "Attention", [("q", [2, 3, 5, 8], "f32"), K4, V4],
     [("y", [2, 3, 5, 8], "f32")])
# CHECK-LABEL: // CASE: err_attn_heads
# CHECK: query heads (3) must be a multiple of key/value heads (2)
# CHECK: // EXIT: 1
case("err_rmsnorm_stash", "RMSNormalization", [("x", [2, 16], "f32"), ("g", [16], "f32")],
     [("y", [2, 16], "f32")], stash_type=11)
# CHECK-LABEL: // CASE: err_rmsnorm_stash
# CHECK: (op type 'RMSNormalization', opset 23): stash_type 11 is not supported (only 1, float32 statistics)
# CHECK: // EXIT: 1
case("err_rotary_3d_heads", "RotaryEmbedding",
     [("x", [2, 5, 32], "f32"), ("cos", [2, 5, 4], "f32"), ("sin", [2, 5, 4], "f32")],
     [("y", [2, 5, 32], "f32")])
# CHECK-LABEL: // CASE: err_rotary_3d_heads
# CHECK: a 3-D input [B, S, 32] needs a num_heads attribute that divides it, found 0
# CHECK: // EXIT: 1
case("err_rotary_cache", "RotaryEmbedding",
     [("x", [2, 4, 5, 8], "f32"), ("cos", [16, 8], "f32"), ("sin", [16, 8], "f32"),
      ("pos", [2, 5], "i64")], [("y", [2, 4, 5, 8], "f32")])
# CHECK-LABEL: // CASE: err_rotary_cache
# CHECK: with position_ids, cos_cache and sin_cache must be [max_position, 4], found tensor<16x8xf32>
# CHECK: // EXIT: 1
case("err_ms_attention_past", "Attention",
     [("x", [2, 5, 16], "f32"), ("w", [16, 48], "f32"), NONE, NONE, ("past", [2, 2, 2, 3, 8], "f32")],
     [("y", [2, 5, 16], "f32")], domain=MS, num_heads=2)
# CHECK-LABEL: // CASE: err_ms_attention_past
# CHECK: node 'err_ms_attention_past' (op type 'Attention', domain 'com.microsoft', opset 1): input 4 'past' (a KV cache) is not supported
# CHECK: // EXIT: 1
case("err_ms_attention_left_pad", "Attention",
     [("x", [2, 5, 16], "f32"), ("w", [16, 48], "f32"), NONE, ("mask", [4], "i32")],
     [("y", [2, 5, 16], "f32")], domain=MS, num_heads=2)
# CHECK-LABEL: // CASE: err_ms_attention_left_pad
# CHECK: mask_index of shape [4] is not supported (supported: (B) key counts, (B, Skv) key padding, (B, S, Skv))
# CHECK: // EXIT: 1
case("err_ms_mha_present", "MultiHeadAttention",
     [("q", [2, 5, 16], "f32"), ("k", [2, 5, 16], "f32"), ("v", [2, 5, 16], "f32")],
     [("y", [2, 5, 16], "f32"), ("pk", [2, 2, 5, 8], "f32")], domain=MS, num_heads=2)
# CHECK-LABEL: // CASE: err_ms_mha_present
# CHECK: (op type 'MultiHeadAttention', domain 'com.microsoft', opset 1): output 1 'present_key' (a KV cache) is not supported
# CHECK: // EXIT: 1
case("err_ms_gqa_past", "GroupQueryAttention",
     [("q", [2, 1, 32], "f32"), ("k", [2, 1, 16], "f32"), ("v", [2, 1, 16], "f32"),
      ("pk", [2, 2, 4, 8], "f32"), ("pv", [2, 2, 4, 8], "f32"), ("seqlens", [2], "i32"),
      ("total", [], "i32")], [("y", [2, 1, 32], "f32")], domain=MS, num_heads=4, kv_num_heads=2)
# CHECK-LABEL: // CASE: err_ms_gqa_past
# CHECK: input 3 'past_key' (a KV cache) is not supported
# CHECK: // EXIT: 1
case("err_ms_gqa_rotary", "GroupQueryAttention",
     [("q", [2, 5, 32], "f32"), ("k", [2, 5, 16], "f32"), ("v", [2, 5, 16], "f32"), NONE, NONE,
      ("seqlens", [2], "i32"), ("total", [], "i32")], [("y", [2, 5, 32], "f32")],
     domain=MS, num_heads=4, kv_num_heads=2, do_rotary=1)
# CHECK-LABEL: // CASE: err_ms_gqa_rotary
# CHECK: do_rotary is not supported (apply RotaryEmbedding to Q and K before the op)
# CHECK: // EXIT: 1
case("err_ms_skip_mean", "SkipLayerNormalization",
     [("x", [2, 5, 16], "f32"), ("skip", [2, 5, 16], "f32"), ("g", [16], "f32")],
     [("y", [2, 5, 16], "f32"), ("mean", [2, 5, 1], "f32")], domain=MS)
# CHECK-LABEL: // CASE: err_ms_skip_mean
# CHECK: output 1 'mean' is not supported
# CHECK: // EXIT: 1
case("err_ms_unknown", "QuickGelu", [("x", [2, 3], "f32")], [("y", [2, 3], "f32")], domain=MS)
# CHECK-LABEL: // CASE: err_ms_unknown
# CHECK: node 'err_ms_unknown' (op type 'QuickGelu', opset 23): unsupported op (domain 'com.microsoft')
# CHECK: // EXIT: 1
case("err_ms_no_import", "FastGelu", [("x", [2, 3], "f32")], [("y", [2, 3], "f32")], domain=MS,
     ms=False)
# CHECK-LABEL: // CASE: err_ms_no_import
# CHECK: (op type 'FastGelu', domain 'com.microsoft', opset 0): the model does not import the 'com.microsoft' opset
# CHECK: // EXIT: 1
