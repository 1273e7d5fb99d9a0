# Contractions: MatMul (batched, broadcast, 1-D operands), Gemm (transposes,
# alpha/beta, bias), Einsum (explicit, ellipsis, implicit output).
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])


def mm(name, a, b, op="MatMul", **attrs):
    s.add(name, [node(op, ["a", "b"], ["y"], **attrs)],
          [("a", list(a), "f32"), ("b", list(b), "f32")], ["y"])


mm("matmul_2d", (4, 8), (8, 16))
mm("matmul_batched_bcast", (2, 3, 4, 8), (8, 5))
mm("matmul_vec_mat", (8,), (2, 8, 5))
mm("matmul_mat_vec", (3, 8), (8,))
mm("matmul_vec_vec", (8,), (8,))
s.add("gemm_full", [node("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1, alpha=0.5, beta=2.0)],
      [("a", [8, 4], "f32"), ("b", [16, 8], "f32")], ["y"],
      inits=[const("c", np.zeros(16, np.float32))])
mm("gemm_plain", (4, 8), (8, 16), op="Gemm")
for name, eq, shapes in [
        ("einsum_qk", "bhqd,bhkd->bhqk", [(1, 2, 4, 8), (1, 2, 6, 8)]),
        ("einsum_ellipsis", "...qd,...kd->...qk", [(2, 3, 4, 8), (2, 3, 6, 8)]),
        ("einsum_ellipsis_bcast", "...ij,...jk", [(2, 1, 4, 8), (3, 8, 5)]),
        ("einsum_implicit", "ij,jk", [(4, 8), (8, 5)]),
        ("einsum_upper", "BiJ,BJk->Bik", [(2, 4, 8), (2, 8, 5)])]:
    ins = [f"x{i}" for i in range(len(shapes))]
    s.add(name, [node("Einsum", ins, ["y"], equation=eq)],
          [(n, list(sh), "f32") for n, sh in zip(ins, shapes)], ["y"])

# Expected IR, one block per case in the order above.
# CHECK-LABEL: // CASE: matmul_2d
# CHECK: func.func @main_graph(%arg0: tensor<4x8xf32> {tessera.name = "a"}, %arg1: tensor<8x16xf32> {tessera.name = "b"}) -> (tensor<4x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, %arg1 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
# CHECK-LABEL: // CASE: matmul_batched_bcast
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4x8xf32> {tessera.name = "a"}, %arg1: tensor<8x5xf32> {tessera.name = "b"}) -> (tensor<2x3x4x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, %arg1 : (tensor<2x3x4x8xf32>, tensor<8x5xf32>) -> tensor<2x3x4x5xf32>
# CHECK-LABEL: // CASE: matmul_vec_mat
# CHECK: func.func @main_graph(%arg0: tensor<8xf32> {tessera.name = "a"}, %arg1: tensor<2x8x5xf32> {tessera.name = "b"}) -> (tensor<2x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<8xf32> to tensor<1x8xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul {{%[0-9]+}}, %arg1 : (tensor<1x8xf32>, tensor<2x8x5xf32>) -> tensor<2x1x5xf32>
# CHECK: {{%[0-9]+}} = tessera.reshape {{%[0-9]+}} : tensor<2x1x5xf32> to tensor<2x5xf32>
# CHECK-LABEL: // CASE: matmul_mat_vec
# CHECK: func.func @main_graph(%arg0: tensor<3x8xf32> {tessera.name = "a"}, %arg1: tensor<8xf32> {tessera.name = "b"}) -> (tensor<3xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg1 : tensor<8xf32> to tensor<8x1xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, {{%[0-9]+}} : (tensor<3x8xf32>, tensor<8x1xf32>) -> tensor<3x1xf32>
# CHECK: {{%[0-9]+}} = tessera.reshape {{%[0-9]+}} : tensor<3x1xf32> to tensor<3xf32>
# CHECK-LABEL: // CASE: matmul_vec_vec
# CHECK: func.func @main_graph(%arg0: tensor<8xf32> {tessera.name = "a"}, %arg1: tensor<8xf32> {tessera.name = "b"}) -> (tensor<f32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.reshape %arg0 : tensor<8xf32> to tensor<1x8xf32>
# CHECK: {{%[0-9]+}} = tessera.reshape %arg1 : tensor<8xf32> to tensor<8x1xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<1x8xf32>, tensor<8x1xf32>) -> tensor<1x1xf32>
# CHECK: {{%[0-9]+}} = tessera.reshape {{%[0-9]+}} : tensor<1x1xf32> to tensor<f32>
# CHECK-LABEL: // CASE: gemm_full
# CHECK: func.func @main_graph(%arg0: tensor<8x4xf32> {tessera.name = "a"}, %arg1: tensor<16x8xf32> {tessera.name = "b"}) -> (tensor<4x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.transpose %arg0 {perm = array<i64: 1, 0>} : tensor<8x4xf32> to tensor<4x8xf32>
# CHECK: {{%[0-9]+}} = tessera.transpose %arg1 {perm = array<i64: 1, 0>} : tensor<16x8xf32> to tensor<8x16xf32>
# CHECK: {{%[0-9]+}} = tessera.matmul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<5.000000e-01> : tensor<f32>
# CHECK: {{%[0-9]+}} = tessera.mul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<4x16xf32>, tensor<f32>) -> tensor<4x16xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<0.000000e+00> : tensor<16xf32>
# CHECK: {{%[0-9]+}} = tessera.constant dense<2.000000e+00> : tensor<f32>
# CHECK: {{%[0-9]+}} = tessera.mul {{%[0-9]+}}, {{%[0-9]+}} : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
# CHECK: {{%[0-9]+}} = tessera.add {{%[0-9]+}}, {{%[0-9]+}} : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
# CHECK-LABEL: // CASE: gemm_plain
# CHECK: func.func @main_graph(%arg0: tensor<4x8xf32> {tessera.name = "a"}, %arg1: tensor<8x16xf32> {tessera.name = "b"}) -> (tensor<4x16xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.matmul %arg0, %arg1 : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
# CHECK-LABEL: // CASE: einsum_qk
# CHECK: func.func @main_graph(%arg0: tensor<1x2x4x8xf32> {tessera.name = "x0"}, %arg1: tensor<1x2x6x8xf32> {tessera.name = "x1"}) -> (tensor<1x2x4x6xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.einsum %arg0, %arg1 {equation = "abcd,abed->abce"} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
# CHECK-LABEL: // CASE: einsum_ellipsis
# CHECK: func.func @main_graph(%arg0: tensor<2x3x4x8xf32> {tessera.name = "x0"}, %arg1: tensor<2x3x6x8xf32> {tessera.name = "x1"}) -> (tensor<2x3x4x6xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.einsum %arg0, %arg1 {equation = "abcd,abed->abce"} : (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>) -> tensor<2x3x4x6xf32>
# CHECK-LABEL: // CASE: einsum_ellipsis_bcast
# CHECK: func.func @main_graph(%arg0: tensor<2x1x4x8xf32> {tessera.name = "x0"}, %arg1: tensor<3x8x5xf32> {tessera.name = "x1"}) -> (tensor<2x3x4x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.broadcast_to %arg0 : tensor<2x1x4x8xf32> to tensor<2x3x4x8xf32>
# CHECK: {{%[0-9]+}} = tessera.einsum {{%[0-9]+}}, %arg1 {equation = "abcd,bde->abce"} : (tensor<2x3x4x8xf32>, tensor<3x8x5xf32>) -> tensor<2x3x4x5xf32>
# CHECK-LABEL: // CASE: einsum_implicit
# CHECK: func.func @main_graph(%arg0: tensor<4x8xf32> {tessera.name = "x0"}, %arg1: tensor<8x5xf32> {tessera.name = "x1"}) -> (tensor<4x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.einsum %arg0, %arg1 {equation = "ab,bc->ac"} : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
# CHECK-LABEL: // CASE: einsum_upper
# CHECK: func.func @main_graph(%arg0: tensor<2x4x8xf32> {tessera.name = "x0"}, %arg1: tensor<2x8x5xf32> {tessera.name = "x1"}) -> (tensor<2x4x5xf32> {tessera.name = "y"}) {
# CHECK: {{%[0-9]+}} = tessera.einsum %arg0, %arg1 {equation = "abc,acd->abd"} : (tensor<2x4x8xf32>, tensor<2x8x5xf32>) -> tensor<2x4x5xf32>
