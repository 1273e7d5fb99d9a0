// RUN: tessera-opt %s -split-input-file --tessera-gpu-expand-kernels --canonicalize | FileCheck %s
// RUN: tessera-opt %s -split-input-file --tessera-gpu-expand-kernels | FileCheck %s --check-prefix=BLOCK

// Causal grouped-query attention (4 query heads on 2 K/V heads, Dv != D):
// one parallel iteration per query row (h, i; B = 1 folds away), K/V head
// h / 2, keys up to the diagonal (min(i + 1, Skv)) by tiles of 32, the
// tile's scores in the scratch column of the row, the online softmax's
// rescale by e^(m - m') and the division by the sum at the end. Every
// expanded loop asks for blocks of 64 threads (BLOCK, before canonicalization
// rebuilds the loops).
// CHECK-LABEL: func.func @causal_gqa(
// CHECK:   %[[SCRATCH:.*]] = memref.alloc() : memref<32x32xf32>
// CHECK:   scf.parallel (%[[H:.*]], %[[I:.*]]) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
// CHECK:     %[[NEXT:.*]] = arith.addi %[[I]], %c1 : index
// CHECK:     %[[END:.*]] = arith.minui %[[NEXT]], %c8 : index
// CHECK:     %[[ROWH:.*]] = arith.muli %[[H]], %c8 : index
// CHECK:     %[[ROW:.*]] = arith.addi %[[ROWH]], %[[I]] : index
// CHECK:     %[[G:.*]] = arith.divui %[[H]], %c2 : index
// CHECK:     scf.for
// CHECK:       memref.store %{{.*}}, %arg3[%c0, %[[H]], %[[I]], %{{.*}}]
// CHECK:     %[[ML:.*]]:2 = scf.for %[[T0:.*]] = %c0 to %[[END]] step %c32 iter_args(%[[M:.*]] = %cst{{.*}}, %[[L:.*]] = %cst{{.*}}) -> (f32, f32) {
// CHECK:       scf.for %[[JJ:.*]] = %c0 to %{{.*}} step %c1 iter_args
// CHECK:         %[[J:.*]] = arith.addi %[[T0]], %[[JJ]] : index
// CHECK:         memref.load %arg0[%c0, %[[H]], %[[I]], %{{.*}}]
// CHECK:         memref.load %arg1[%c0, %[[G]], %[[J]], %{{.*}}]
// CHECK:         memref.store %{{.*}}, %[[SCRATCH]][%[[JJ]], %[[ROW]]]
// CHECK:         arith.maximumf
// CHECK:       arith.cmpf oeq
// CHECK:       math.exp
// CHECK:       memref.load %arg2[%c0, %[[G]], %{{.*}}, %{{.*}}] : memref<1x2x8x12xf32>
// CHECK:       scf.yield
// CHECK:     scf.for
// CHECK:       arith.divf %{{.*}}, %[[ML]]#1 : f32
// CHECK:   memref.dealloc %[[SCRATCH]]
// CHECK-NOT: tessera.call_kernel
// BLOCK-LABEL: func.func @causal_gqa(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
func.func @causal_gqa(%q: memref<1x4x8x16xf32>, %k: memref<1x2x8x16xf32>, %v: memref<1x2x8x12xf32>, %o: memref<1x4x8x12xf32>) {
  tessera.call_kernel "tessera_attention_f32" ins(%q, %k, %v, %q : memref<1x4x8x16xf32>, memref<1x2x8x16xf32>, memref<1x2x8x12xf32>, memref<1x4x8x16xf32>) outs(%o : memref<1x4x8x12xf32>) {scalars = [0.25 : f32, 1 : i64]}
  return
}

// -----

// Near miss of the above: not causal, so every query visits all 8 keys (one
// tile: canonicalization folds the tile loop away); K/V
// heads repeated whole (kv_tiled, flags 4): head h % 2; a broadcast mask
// [B, 1, 1, Skv] added to the scores; strided (transposed) operands are read
// through their layout.
// CHECK-LABEL: func.func @full_tiled_mask(
// CHECK:   scf.parallel (%[[B:.*]], %[[H:.*]], %[[I:.*]]) = (%c0, %c0, %c0) to (%c2, %c4, %c8)
// CHECK:     %[[G:.*]] = arith.remui %[[H]], %c2 : index
// CHECK-NOT: arith.minui %{{.*}}, %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args
// CHECK:         memref.load %arg1[%[[B]], %[[G]], %{{.*}}, %{{.*}}] : memref<2x2x8x16xf32, strided<[256, 16, 32, 1]>>
// CHECK:         %[[MV:.*]] = memref.load %arg3[%[[B]], %c0, %c0, %{{.*}}] : memref<2x1x1x8xf32>
// CHECK:         arith.addf %{{.*}}, %[[MV]] : f32
// BLOCK-LABEL: func.func @full_tiled_mask(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
func.func @full_tiled_mask(%q: memref<2x4x8x16xf32>, %k: memref<2x2x8x16xf32, strided<[256, 16, 32, 1]>>, %v: memref<2x2x8x16xf32>, %m: memref<2x1x1x8xf32>, %o: memref<2x4x8x16xf32>) {
  tessera.call_kernel "tessera_attention_f32" ins(%q, %k, %v, %m : memref<2x4x8x16xf32>, memref<2x2x8x16xf32, strided<[256, 16, 32, 1]>>, memref<2x2x8x16xf32>, memref<2x1x1x8xf32>) outs(%o : memref<2x4x8x16xf32>) {scalars = [0.25 : f32, 6 : i64]}
  return
}

// -----

// Few query rows (decoding: 4 heads x 1 query) and many keys (300): each
// row's keys are split into 4 ranges of 75 (at least 64 keys each), one
// thread per head and range, each range's accumulator row, maximum and
// denominator kept apart; a second loop merges the ranges by their maxima.
// BLOCK-LABEL: func.func @split_keys(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
// CHECK-LABEL: func.func @split_keys(
// CHECK:   %[[SCRATCH:.*]] = memref.alloc() : memref<32x16xf32>
// CHECK:   %[[ACC:.*]] = memref.alloc() : memref<4x4x64xf32>
// CHECK:   %[[ML:.*]] = memref.alloc() : memref<2x4x4xf32>
// CHECK:   scf.parallel (%[[H:.*]], %[[SP:.*]]) = (%c0, %c0) to (%c4, %c4) step (%c1, %c1) {
// CHECK:     %[[BEGIN:.*]] = arith.muli %[[SP]], %c75 : index
// CHECK:     %[[B:.*]] = arith.minui %[[BEGIN]], %c300 : index
// CHECK:     %[[STOP:.*]] = arith.addi %[[B]], %c75 : index
// CHECK:     %[[E:.*]] = arith.minui %[[STOP]], %c300 : index
// CHECK:     memref.store %{{.*}}, %[[ACC]][%[[SP]], %[[H]], %{{.*}}]
// CHECK:     %[[RES:.*]]:2 = scf.for %{{.*}} = %[[B]] to %[[E]] step %c32
// CHECK:     memref.store %[[RES]]#0, %[[ML]][%c0, %[[SP]], %[[H]]]
// CHECK:     memref.store %[[RES]]#1, %[[ML]][%c1, %[[SP]], %[[H]]]
// CHECK:   scf.parallel (%[[H2:.*]]) = (%c0) to (%c4) step (%c1) {
// CHECK:     arith.maximumf
// CHECK:     math.exp
// CHECK:     memref.load %[[ACC]][%{{.*}}, %[[H2]], %{{.*}}]
// CHECK:     arith.divf
// CHECK:     memref.store %{{.*}}, %arg3[%c0, %[[H2]], %c0, %{{.*}}]
// CHECK:   memref.dealloc %[[ACC]]
// CHECK:   memref.dealloc %[[ML]]
// CHECK:   memref.dealloc %[[SCRATCH]]
func.func @split_keys(%q: memref<1x4x1x64xf32>, %k: memref<1x1x300x64xf32>, %v: memref<1x1x300x64xf32>, %o: memref<1x4x1x64xf32>) {
  tessera.call_kernel "tessera_attention_f32" ins(%q, %k, %v, %q : memref<1x4x1x64xf32>, memref<1x1x300x64xf32>, memref<1x1x300x64xf32>, memref<1x4x1x64xf32>) outs(%o : memref<1x4x1x64xf32>) {scalars = [0.125 : f32, 0 : i64]}
  return
}

// -----

// Padding queries (flags 2 | 8): a query whose own key is masked
// (mask[b, 0, 0, i] <= -1e4) gets a 0 row; the others are computed.
// CHECK-LABEL: func.func @padding_queries(
// CHECK:   scf.parallel (%[[B:.*]], %[[H:.*]], %[[I:.*]]) =
// CHECK:     %[[OWN:.*]] = memref.load %arg3[%[[B]], %c0, %c0, %[[I]]] : memref<2x1x1x8xf32>
// CHECK:     %[[PAD:.*]] = arith.cmpf ole, %[[OWN]], %cst{{.*}} : f32
// CHECK:     scf.if %[[PAD]] {
// CHECK:       scf.for
// CHECK:         memref.store %cst{{.*}}, %arg4[%[[B]], %[[H]], %[[I]], %{{.*}}]
// CHECK:     } else {
// CHECK:       math.exp
// BLOCK-LABEL: func.func @padding_queries(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
func.func @padding_queries(%q: memref<2x4x8x16xf32>, %k: memref<2x4x8x16xf32>, %v: memref<2x4x8x16xf32>, %m: memref<2x1x1x8xf32>, %o: memref<2x4x8x16xf32>) {
  tessera.call_kernel "tessera_attention_f32" ins(%q, %k, %v, %m : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x1x1x8xf32>) outs(%o : memref<2x4x8x16xf32>) {scalars = [0.25 : f32, 10 : i64]}
  return
}

// -----

// Mamba's scan with softplus, D skip and the z gate (flags 7): one parallel
// iteration per (batch, channel), the state in hLast's row, time
// sequential; the optional operands the flags leave out (deltaBias, h0) are
// not read.
// CHECK-LABEL: func.func @scan(
// CHECK:   scf.parallel (%[[B:.*]], %[[D:.*]]) = (%c0, %c0) to (%c2, %c6) step (%c1, %c1) {
// CHECK:     scf.for %[[N:.*]] = %c0 to %c4 step %c1 {
// CHECK:       memref.store %cst{{.*}}, %arg10[%[[B]], %[[D]], %[[N]]]
// CHECK:     %[[SKIP:.*]] = memref.load %arg5[%[[D]]] : memref<6xf32>
// CHECK:     scf.for %[[T:.*]] = %c0 to %c5 step %c1 {
// CHECK:       %[[DT:.*]] = memref.load %arg1[%[[B]], %[[T]], %[[D]]]
// CHECK:       math.exp %[[DT]]
// CHECK:       math.log1p
// CHECK:       arith.cmpf ogt, %[[DT]]
// CHECK:       scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK:         memref.load %arg3[%[[B]], %[[T]], %{{.*}}] : memref<2x5x4xf32>
// CHECK:         memref.load %arg4[%[[B]], %[[T]], %{{.*}}] : memref<2x5x4xf32>
// CHECK:         memref.load %arg2[%[[D]], %{{.*}}] : memref<6x4xf32>
// CHECK:         memref.store %{{.*}}, %arg10[%[[B]], %[[D]], %{{.*}}]
// CHECK:       arith.mulf %[[SKIP]]
// CHECK:       memref.load %arg6[%[[B]], %[[T]], %[[D]]]
// CHECK:       arith.divf
// CHECK:       memref.store %{{.*}}, %arg9[%[[B]], %[[T]], %[[D]]]
// CHECK-NOT: memref.load %arg7
// CHECK-NOT: memref.load %arg8
// BLOCK-LABEL: func.func @scan(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
func.func @scan(%x: memref<2x5x6xf32>, %dt: memref<2x5x6xf32>, %a: memref<6x4xf32>, %b: memref<2x5x4xf32>, %c: memref<2x5x4xf32>, %d: memref<6xf32>, %z: memref<2x5x6xf32>, %bias: memref<6xf32>, %h0: memref<2x6x4xf32>, %y: memref<2x5x6xf32>, %h: memref<2x6x4xf32>) {
  tessera.call_kernel "tessera_selective_scan_f32" ins(%x, %dt, %a, %b, %c, %d, %z, %bias, %h0 : memref<2x5x6xf32>, memref<2x5x6xf32>, memref<6x4xf32>, memref<2x5x4xf32>, memref<2x5x4xf32>, memref<6xf32>, memref<2x5x6xf32>, memref<6xf32>, memref<2x6x4xf32>) outs(%y, %h : memref<2x5x6xf32>, memref<2x6x4xf32>) {scalars = [7 : i64]}
  return
}

// -----

// Near miss: no softplus, skip or gate, but a delta bias, an initial state
// and B/C per channel ([1, D, N], flags 8 | 16 | 64 | 128).
// CHECK-LABEL: func.func @scan_per_channel(
// CHECK:   scf.parallel (%[[B:.*]], %[[D:.*]]) =
// CHECK:       memref.load %arg8[%[[B]], %[[D]], %{{.*}}] : memref<2x6x4xf32>
// CHECK:     %[[BIAS:.*]] = memref.load %arg7[%[[D]]] : memref<6xf32>
// CHECK:     scf.for %[[T:.*]] =
// CHECK-NOT:   math.log1p
// CHECK:       arith.addf %{{.*}}, %[[BIAS]] : f32
// CHECK:         memref.load %arg3[%c0, %[[D]], %{{.*}}] : memref<1x6x4xf32>
// CHECK:         memref.load %arg4[%c0, %[[D]], %{{.*}}] : memref<1x6x4xf32>
// CHECK-NOT:   arith.divf
// CHECK:       memref.store %{{.*}}, %arg9[%[[B]], %[[T]], %[[D]]]
// BLOCK-LABEL: func.func @scan_per_channel(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
func.func @scan_per_channel(%x: memref<2x5x6xf32>, %dt: memref<2x5x6xf32>, %a: memref<6x4xf32>, %b: memref<1x6x4xf32>, %c: memref<1x6x4xf32>, %d: memref<6xf32>, %z: memref<2x5x6xf32>, %bias: memref<6xf32>, %h0: memref<2x6x4xf32>, %y: memref<2x5x6xf32>, %h: memref<2x6x4xf32>) {
  tessera.call_kernel "tessera_selective_scan_f32" ins(%x, %dt, %a, %b, %c, %d, %z, %bias, %h0 : memref<2x5x6xf32>, memref<2x5x6xf32>, memref<6x4xf32>, memref<1x6x4xf32>, memref<1x6x4xf32>, memref<6xf32>, memref<2x5x6xf32>, memref<6xf32>, memref<2x6x4xf32>) outs(%y, %h : memref<2x5x6xf32>, memref<2x6x4xf32>) {scalars = [216 : i64]}
  return
}

// -----

// Layer norm with a bias (flags 1): one parallel iteration per row; the
// mean, then the sum of squared deviations, rsqrt(var + eps), and the row
// written scaled and shifted.
// BLOCK-LABEL: func.func @layer_norm(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
// CHECK-LABEL: func.func @layer_norm(
// CHECK:   scf.parallel (%[[R:.*]]) = (%c0) to (%c6) step (%c1) {
// CHECK:     %[[SUM:.*]] = scf.for %{{.*}} = %c0 to %c10 step %c1 iter_args
// CHECK:       memref.load %arg0[%[[R]], %{{.*}}] : memref<6x10xf32>
// CHECK:     %[[MEAN:.*]] = arith.divf %[[SUM]], %cst{{.*}} : f32
// CHECK:     %[[SQ:.*]] = scf.for
// CHECK:       arith.subf %{{.*}}, %[[MEAN]] : f32
// CHECK:     %[[VAR:.*]] = arith.divf %[[SQ]], %cst{{.*}} : f32
// CHECK:     %[[EPS:.*]] = arith.addf %[[VAR]], %cst{{.*}} : f32
// CHECK:     %[[INV:.*]] = math.rsqrt %[[EPS]] : f32
// CHECK:     scf.for %[[C:.*]] = %c0 to %c10 step %c1 {
// CHECK:       memref.load %arg1[%[[C]]]
// CHECK:       memref.load %arg2[%[[C]]]
// CHECK:       memref.store %{{.*}}, %arg3[%[[R]], %[[C]]]
func.func @layer_norm(%x: memref<6x10xf32>, %g: memref<10xf32>, %b: memref<10xf32>, %y: memref<6x10xf32>) {
  tessera.call_kernel "tessera_layer_norm_f32" ins(%x, %g, %b : memref<6x10xf32>, memref<10xf32>, memref<10xf32>) outs(%y : memref<6x10xf32>) {scalars = [1.0e-05 : f32, 1 : i64]}
  return
}

// -----

// Near miss: RMS norm, no mean and no bias (flags 0: its operand is not
// read); a strided row view.
// BLOCK-LABEL: func.func @rms_norm(
// BLOCK: } {tessera.gpu_block_size = 64 : i64}
// CHECK-LABEL: func.func @rms_norm(
// CHECK:   scf.parallel (%[[R:.*]]) =
// CHECK-NOT:   arith.subf
// CHECK:     scf.for
// CHECK:       memref.load %arg0[%[[R]], %{{.*}}] : memref<6x10xf32, strided<[16, 1]>>
// CHECK:     math.rsqrt
// CHECK-NOT:   memref.load %arg2
// CHECK:       memref.store %{{.*}}, %arg3[%[[R]], %{{.*}}]
func.func @rms_norm(%x: memref<6x10xf32, strided<[16, 1]>>, %g: memref<10xf32>, %b: memref<10xf32>, %y: memref<6x10xf32>) {
  tessera.call_kernel "tessera_rms_norm_f32" ins(%x, %g, %b : memref<6x10xf32, strided<[16, 1]>>, memref<10xf32>, memref<10xf32>) outs(%y : memref<6x10xf32>) {scalars = [1.0e-06 : f32, 0 : i64]}
  return
}

// -----

// Other runtime kernels are left alone (the GEMM-based linear layer is a
// cuBLASLt call on the GPU).
// CHECK-LABEL: func.func @other_kernel(
// CHECK: tessera.call_kernel "tessera_linear_f32"
// CHECK-NOT: scf.parallel
// BLOCK-LABEL: func.func @other_kernel(
// BLOCK-NOT: gpu_block_size
func.func @other_kernel(%x: memref<4x8xf32>, %w: memref<8x8xf32>, %y: memref<4x8xf32>) {
  tessera.call_kernel "tessera_linear_f32" ins(%x, %w, %x, %x : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>, memref<4x8xf32>) outs(%y : memref<4x8xf32>) {scalars = [0 : i64]}
  return
}
