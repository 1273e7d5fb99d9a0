// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=unstructured:0.5" | FileCheck %s --check-prefix=UNSTR
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=block:2x2:0.5" | FileCheck %s --check-prefix=BLOCK
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=2:4" | FileCheck %s --check-prefix=NM
// RUN: tessera-opt %s -split-input-file -tessera-sparsify | FileCheck %s --check-prefix=AUTO
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="kernels=avx2" | FileCheck %s --check-prefix=AVX2
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=2:4 tag-only" | FileCheck %s --check-prefix=TAG
// RUN: tessera-opt %s -split-input-file -tessera-sparsify="sparsity=2:4 skip-first skip-last" | FileCheck %s --check-prefix=SKIP
// f32 linear layers with constant weights are pruned by magnitude per layer,
// in the weight's [N, K] view, and numbered in tessera.slayer; `sparsity`
// names the kernel format when one is expected to beat the dense GEMM.
// tag-only numbers the same layers and changes nothing (the accuracy
// report's reference build); auto prunes nothing.
// Resources print as hex: 4 bytes of alignment, then the data.

// [K, N] weight (not transposed): W[n, k] rows (1, -0.5, 0.25, 2) and
// (0.1, 0.2, -0.3, 0.4).
// unstructured:0.5: the 4 of least magnitude (0.1, 0.2, 0.25, -0.3) go; at
// 50% no sparse kernel beats the dense one: no `sparsity`.
// UNSTR-LABEL: func @kn
// UNSTR: %[[W:.*]] = tessera.constant dense_resource<pruned_weight> : tensor<4x2xf32>
// UNSTR: tessera.linear %arg0, %[[W]] bias %{{.*}} {activation = "gelu", tessera.slayer = 0 : i64}
// [K, N] again: (1, 0), (-0.5, 0), (0, 0), (2, 0.4).
// UNSTR: pruned_weight: "0x080000000000803F00000000000000BF00000000000000000000000000000040CDCCCC3E"
// block:2x2:0.5: block k 0-1 (squared norm 1.3) goes, k 2-3 (4.31) stays.
// BLOCK-LABEL: func @kn
// BLOCK: tessera.linear %arg0, %{{.*}} bias %{{.*}} {activation = "gelu", sparsity = "block:2x2", tessera.slayer = 0 : i64}
// BLOCK: pruned_weight: "0x08000000000000000000000000000000000000000000803E9A9999BE00000040CDCCCC3E"
// 2:4: row 0 keeps 1 and 2, row 1 keeps -0.3 and 0.4.
// NM-LABEL: func @kn
// NM: tessera.linear %arg0, %{{.*}} bias %{{.*}} {activation = "gelu", sparsity = "2:4", tessera.slayer = 0 : i64}
// NM: pruned_weight: "0x080000000000803F000000000000000000000000000000009A9999BE00000040CDCCCC3E"
// AUTO-LABEL: func @kn
// AUTO: tessera.linear %arg0, %{{.*}} bias %{{.*}} {activation = "gelu"} :
// TAG-LABEL: func @kn
// TAG-NOT: pruned_weight
// TAG: tessera.linear %arg0, %{{.*}} bias %{{.*}} {activation = "gelu", tessera.slayer = 0 : i64} :
// The only layer is the first and the last.
// SKIP-LABEL: func @kn
// SKIP: tessera.linear %arg0, %{{.*}} bias %{{.*}} {activation = "gelu"} :
func.func @kn(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = tessera.constant dense<[[1.0, 0.1], [-0.5, 0.2], [0.25, -0.3], [2.0, 0.4]]> : tensor<4x2xf32>
  %b = tessera.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = tessera.linear %x, %w bias %b {activation = "gelu"} : (tensor<3x4xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// auto: a [N, K] = [2, 32] weight (transposed) whose only nonzeros are
// row 0's first 16 k is 75% zero 1x16 blocks: the 1x16 kernel (break-even
// at 40%: 0.25 / 0.6 of the dense time) wins over 1x32 (50% zero: 0.83)
// and 1x1 (75% zero, break-even 45%: 0.45). The weight itself is unchanged.
// With 3 rows of input (%y) only the formats that win below 16 rows count
// (16x1 and 4x4, which do not tile this weight): dense. A dense weight stays
// dense. The pruning modes number the three layers in walk order;
// skip-first and skip-last leave the first and last alone.
// AUTO-LABEL: func @auto_block
// AUTO: %[[W:.*]] = tessera.constant dense<{{.*}}> : tensor<2x32xf32>
// AUTO: tessera.linear %arg0, %[[W]] {sparsity = "block:1x16", transpose_weight = true} :
// AUTO: tessera.linear %arg1, %[[W]] {transpose_weight = true} :
// AUTO: tessera.linear %arg0, %{{.*}} {transpose_weight = true} :
// NM-LABEL: func @auto_block
// NM: tessera.linear %arg0, %{{.*}} {sparsity = "2:4", tessera.slayer = 0 : i64, transpose_weight = true}
// NM: tessera.linear %arg1, %{{.*}} {sparsity = "2:4", tessera.slayer = 1 : i64, transpose_weight = true}
// NM: tessera.linear %arg0, %{{.*}} {sparsity = "2:4", tessera.slayer = 2 : i64, transpose_weight = true}
// SKIP-LABEL: func @auto_block
// SKIP: tessera.linear %arg0, %{{.*}} {transpose_weight = true} :
// SKIP: tessera.linear %arg1, %{{.*}} {sparsity = "2:4", tessera.slayer = 0 : i64, transpose_weight = true}
// SKIP: tessera.linear %arg0, %{{.*}} {transpose_weight = true} :
func.func @auto_block(%x: tensor<16x32xf32>, %y: tensor<3x32xf32>) -> (tensor<16x2xf32>, tensor<3x2xf32>, tensor<16x2xf32>) {
  %w = tessera.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<2x32xf32>
  %0 = tessera.linear %x, %w {transpose_weight = true} : (tensor<16x32xf32>, tensor<2x32xf32>) -> tensor<16x2xf32>
  %1 = tessera.linear %y, %w {transpose_weight = true} : (tensor<3x32xf32>, tensor<2x32xf32>) -> tensor<3x2xf32>
  %d = tessera.constant dense<1.0> : tensor<2x32xf32>
  %2 = tessera.linear %x, %d {transpose_weight = true} : (tensor<16x32xf32>, tensor<2x32xf32>) -> tensor<16x2xf32>
  return %0, %1, %2 : tensor<16x2xf32>, tensor<3x2xf32>, tensor<16x2xf32>
}

// -----

// auto with each kernel set's break-even sparsities: a [1, 32] weight whose
// last 16 k are zero is 50% zero 1x16 blocks. The AVX-512 1x16 kernel wins
// from 40% (0.5 / 0.6 of the dense time); the AVX2 one only from 60% (0.5 /
// 0.4), and 1x1 from 75%: dense there.
// AUTO-LABEL: func @auto_tables
// AUTO: tessera.linear %arg0, %{{.*}} {sparsity = "block:1x16", transpose_weight = true} :
// AVX2-LABEL: func @auto_tables
// AVX2: tessera.linear %arg0, %{{.*}} {transpose_weight = true} :
// AVX2-LABEL: func @auto_tables_sparser
// AVX2: tessera.linear %arg0, %{{.*}} {sparsity = "block:1x16", transpose_weight = true} :
func.func @auto_tables(%x: tensor<16x32xf32>) -> tensor<16x1xf32> {
  %w = tessera.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %0 = tessera.linear %x, %w {transpose_weight = true} : (tensor<16x32xf32>, tensor<1x32xf32>) -> tensor<16x1xf32>
  return %0 : tensor<16x1xf32>
}
// 75% zero 1x16 blocks: 0.25 / 0.4 of the dense time on AVX2.
func.func @auto_tables_sparser(%x: tensor<16x64xf32>) -> tensor<16x1xf32> {
  %w = tessera.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x64xf32>
  %0 = tessera.linear %x, %w {transpose_weight = true} : (tensor<16x64xf32>, tensor<1x64xf32>) -> tensor<16x1xf32>
  return %0 : tensor<16x1xf32>
}

// -----

// Near misses, left alone in every mode: a weight that is an activation, an
// f64 layer, and (for block:2x2 and 2:4) a [N, K] = [3, 3] weight neither
// pattern tiles, which unstructured pruning does take.
// UNSTR-LABEL: func @near_misses
// UNSTR: tessera.linear %arg0, %arg1 :
// UNSTR: tessera.linear %arg2, %{{.*}} :
// UNSTR: tessera.linear %arg3, %{{.*}} {tessera.slayer = 0 : i64} :
// BLOCK-LABEL: func @near_misses
// BLOCK-NOT: slayer
// BLOCK: return
// NM-LABEL: func @near_misses
// NM-NOT: slayer
// NM: return
// AUTO-LABEL: func @near_misses
// AUTO-NOT: sparsity =
// AUTO: return
func.func @near_misses(%x: tensor<3x4xf32>, %y: tensor<4x4xf32>, %d: tensor<3x4xf64>, %z: tensor<2x3xf32>) -> (tensor<3x4xf32>, tensor<3x2xf64>, tensor<2x3xf32>) {
  %0 = tessera.linear %x, %y : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
  %w = tessera.constant dense<0.0> : tensor<4x2xf64>
  %1 = tessera.linear %d, %w : (tensor<3x4xf64>, tensor<4x2xf64>) -> tensor<3x2xf64>
  %s = tessera.constant dense<[[1.0, 0.0, 2.0], [0.0, 3.0, 0.0], [4.0, 0.0, 5.0]]> : tensor<3x3xf32>
  %2 = tessera.linear %z, %s : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<3x2xf64>, tensor<2x3xf32>
}
