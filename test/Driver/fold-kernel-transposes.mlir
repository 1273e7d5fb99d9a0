// RUN: tessera-opt %s -split-input-file --tessera-fold-kernel-transposes | FileCheck %s

// Attention's query, key and value as heads of a [B,S,H*D] projection: the
// kernel reads transposed views of it, and writes its output through a
// transposed view of the [B,S,H,D] buffer that the copy filled.
// CHECK-LABEL: func.func @heads(
// CHECK-SAME: %[[X:.*]]: memref<2x8x4x16xf32>, %[[M:.*]]: memref<2x1x1x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK:   %[[QT:.*]] = memref.transpose %[[X]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<2x8x4x16xf32> to memref<2x4x8x16xf32, strided<[512, 16, 64, 1]>>
// CHECK:   %[[OUT:.*]] = memref.alloc() : memref<2x8x4x16xf32>
// CHECK:   %[[OT:.*]] = memref.transpose %[[OUT]] (d0, d1, d2, d3) -> (d0, d2, d1, d3)
// CHECK:   tessera.call_kernel "tessera_attention_f32" ins(%[[QT]], %[[QT]], %[[QT]], %[[M]] : {{.*}}) outs(%[[OT]] : memref<2x4x8x16xf32, strided<[512, 16, 64, 1]>>)
// CHECK-NOT: linalg.transpose
// CHECK:   return %[[OUT]]
func.func @heads(%x: memref<2x8x4x16xf32>, %m: memref<2x1x1x8xf32>) -> memref<2x8x4x16xf32> {
  %q = memref.alloc() : memref<2x4x8x16xf32>
  linalg.transpose ins(%x : memref<2x8x4x16xf32>) outs(%q : memref<2x4x8x16xf32>) permutation = [0, 2, 1, 3]
  %o = memref.alloc() : memref<2x4x8x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %m : memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x4x8x16xf32>, memref<2x1x1x8xf32>) outs(%o : memref<2x4x8x16xf32>) {scalars = [2.500000e-01 : f32, 2]}
  %out = memref.alloc() : memref<2x8x4x16xf32>
  linalg.transpose ins(%o : memref<2x4x8x16xf32>) outs(%out : memref<2x8x4x16xf32>) permutation = [0, 2, 1, 3]
  return %out : memref<2x8x4x16xf32>
}

// -----

// One output buffer for two layers (as one-shot bufferization leaves it):
// each call's result is copied before the next call overwrites it, so both
// copies fold.
// CHECK-LABEL: func.func @reused(
// CHECK-NOT: linalg.transpose
// CHECK: %[[T:.*]] = memref.alloc() : memref<1x4x2x8xf32>
// CHECK: %[[V1:.*]] = memref.transpose %[[T]]
// CHECK: tessera.call_kernel "tessera_attention_f32" {{.*}} outs(%[[V1]] :
// CHECK: call @use(%[[T]])
// CHECK: %[[V2:.*]] = memref.transpose %[[T]]
// CHECK: tessera.call_kernel "tessera_attention_f32" {{.*}} outs(%[[V2]] :
// CHECK: call @use(%[[T]])
func.func private @use(memref<1x4x2x8xf32>)
func.func @reused(%q: memref<1x2x4x8xf32>) {
  %o = memref.alloc() : memref<1x2x4x8xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 0]}
  %t = memref.alloc() : memref<1x4x2x8xf32>
  linalg.transpose ins(%o : memref<1x2x4x8xf32>) outs(%t : memref<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  func.call @use(%t) : (memref<1x4x2x8xf32>) -> ()
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 0]}
  linalg.transpose ins(%o : memref<1x2x4x8xf32>) outs(%t : memref<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  func.call @use(%t) : (memref<1x4x2x8xf32>) -> ()
  return
}

// -----

// Near misses, inputs: the transposed copy is read by something else too;
// the source is written between the copy and the call; the kernel is not
// one that reads any strides.
// CHECK-LABEL: func.func @input_kept(
// CHECK-COUNT-3: linalg.transpose
// CHECK-NOT: memref.transpose
func.func private @read(memref<1x2x4x8xf32>)
func.func @input_kept(%x: memref<1x4x2x8xf32>, %m: memref<1x1x1x4xf32>, %w: memref<8x8xf32>) {
  %a = memref.alloc() : memref<1x2x4x8xf32>
  linalg.transpose ins(%x : memref<1x4x2x8xf32>) outs(%a : memref<1x2x4x8xf32>) permutation = [0, 2, 1, 3]
  func.call @read(%a) : (memref<1x2x4x8xf32>) -> ()
  %o = memref.alloc() : memref<1x2x4x8xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%a, %a, %a, %m : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x1x1x4xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 2]}
  %b = memref.alloc() : memref<1x2x4x8xf32>
  linalg.transpose ins(%x : memref<1x4x2x8xf32>) outs(%b : memref<1x2x4x8xf32>) permutation = [0, 2, 1, 3]
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%x : memref<1x4x2x8xf32>)
  tessera.call_kernel "tessera_attention_f32" ins(%b, %b, %b, %m : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x1x1x4xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 2]}
  %c = memref.alloc() : memref<8x8xf32>
  linalg.transpose ins(%w : memref<8x8xf32>) outs(%c : memref<8x8xf32>) permutation = [1, 0]
  %y = memref.alloc() : memref<8x8xf32>
  tessera.call_kernel "tessera_matmul_f32" ins(%c, %c : memref<8x8xf32>, memref<8x8xf32>) outs(%y : memref<8x8xf32>)
  return
}

// -----

// Near misses, outputs: the copy's destination is read between the kernel
// and the copy; the kernel's result is read again after the copy.
// CHECK-LABEL: func.func @output_kept(
// CHECK-COUNT-2: linalg.transpose
// CHECK-NOT: memref.transpose
func.func private @use2(memref<1x4x2x8xf32>)
func.func private @read2(memref<1x2x4x8xf32>)
func.func @output_kept(%q: memref<1x2x4x8xf32>) {
  %t = memref.alloc() : memref<1x4x2x8xf32>
  %o = memref.alloc() : memref<1x2x4x8xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 0]}
  func.call @use2(%t) : (memref<1x4x2x8xf32>) -> ()
  linalg.transpose ins(%o : memref<1x2x4x8xf32>) outs(%t : memref<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  %o2 = memref.alloc() : memref<1x2x4x8xf32>
  %t2 = memref.alloc() : memref<1x4x2x8xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%q, %q, %q, %q : memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>, memref<1x2x4x8xf32>) outs(%o2 : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 0]}
  linalg.transpose ins(%o2 : memref<1x2x4x8xf32>) outs(%t2 : memref<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  func.call @read2(%o2) : (memref<1x2x4x8xf32>) -> ()
  func.call @use2(%t2) : (memref<1x4x2x8xf32>) -> ()
  return
}

// -----

// A channels-last conv between the transposes that tessera-channels-last
// leaves at a model's ends: it reads a channels-last view of the
// channel-first input and writes through one of the channel-first output;
// so does a max pool.
// CHECK-LABEL: func.func @conv_ends(
// CHECK-SAME: %[[X:.*]]: memref<1x3x8x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[XV:.*]] = memref.transpose %[[X]] (d0, d1, d2, d3) -> (d0, d2, d3, d1) : memref<1x3x8x8xf32> to memref<1x8x8x3xf32, strided<[192, 8, 1, 64]>>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x4x8x8xf32>
// CHECK: %[[OV:.*]] = memref.transpose %[[OUT]] (d0, d1, d2, d3) -> (d0, d2, d3, d1)
// CHECK: tessera.call_kernel "tessera_conv2d_f32" ins(%[[XV]], {{.*}}) outs(%[[OV]] :
// CHECK: %[[PV:.*]] = memref.transpose %[[X]]
// CHECK: tessera.call_kernel "tessera_max_pool2d_f32" ins(%[[PV]] :
// CHECK-NOT: linalg.transpose
// CHECK: return %[[OUT]]
func.func @conv_ends(%x: memref<1x3x8x8xf32>, %w: memref<4x3xf32>, %b: memref<4xf32>, %r: memref<0x0x0x0xf32>) -> (memref<1x4x8x8xf32>, memref<1x4x4x3xf32>) {
  %xc = memref.alloc() : memref<1x8x8x3xf32>
  linalg.transpose ins(%x : memref<1x3x8x8xf32>) outs(%xc : memref<1x8x8x3xf32>) permutation = [0, 2, 3, 1]
  %y = memref.alloc() : memref<1x8x8x4xf32>
  tessera.call_kernel "tessera_conv2d_f32" ins(%xc, %w, %b, %r : memref<1x8x8x3xf32>, memref<4x3xf32>, memref<4xf32>, memref<0x0x0x0xf32>) outs(%y : memref<1x8x8x4xf32>) {scalars = [272, 1, 1, 1, 1, 1, 1, 0, 0, 0.0 : f32, 0.0 : f32]}
  %out = memref.alloc() : memref<1x4x8x8xf32>
  linalg.transpose ins(%y : memref<1x8x8x4xf32>) outs(%out : memref<1x4x8x8xf32>) permutation = [0, 3, 1, 2]
  %xp = memref.alloc() : memref<1x8x8x3xf32>
  linalg.transpose ins(%x : memref<1x3x8x8xf32>) outs(%xp : memref<1x8x8x3xf32>) permutation = [0, 2, 3, 1]
  %p = memref.alloc() : memref<1x4x4x3xf32>
  tessera.call_kernel "tessera_max_pool2d_f32" ins(%xp : memref<1x8x8x3xf32>) outs(%p : memref<1x4x4x3xf32>) {scalars = [2, 2, 2, 2, 1, 1, 0, 0, 256]}
  return %out, %p : memref<1x4x8x8xf32>, memref<1x4x4x3xf32>
}

// -----

// torch's MultiheadAttention: Q, K and V are [S,1,H*D] slices of one fused
// projection, reshaped to [S,H,D], transposed to [H,S,D] and read as
// [1,H,S,D]; the output goes back the same way. Two layers share the key
// and output buffers (as one-shot bufferization leaves them): each
// transpose gets a buffer of its own first, and then every transpose folds,
// the reshapes rebuilt on the transposed views.
// CHECK-LABEL: func.func @torch_mha(
// CHECK-SAME: %[[A:[^:]*]]: memref<5x1x96xf32>, %[[B:[^:]*]]: memref<5x1x96xf32>
// CHECK-NOT: linalg.transpose
// CHECK:     %[[QS:.*]] = memref.subview %[[A]][0, 0, 0]
// CHECK:     %[[KS:.*]] = memref.subview %[[A]][0, 0, 32]
// CHECK:     %[[KC:.*]] = memref.collapse_shape %[[KS]]
// CHECK:     %[[KE:.*]] = memref.expand_shape %[[KC]]
// CHECK:     %[[KT:.*]] = memref.transpose %[[KE]] (d0, d1, d2) -> (d1, d0, d2) : memref<5x2x16xf32, strided<[96, 16, 1], offset: 32>> to memref<2x5x16xf32, strided<[16, 96, 1], offset: 32>>
// CHECK:     %[[K4:.*]] = memref.expand_shape %[[KT]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32, strided<[16, 96, 1], offset: 32>> into memref<1x2x5x16xf32, strided<[32, 16, 96, 1], offset: 32>>
// CHECK:     %[[QC:.*]] = memref.collapse_shape %[[QS]]
// CHECK:     %[[QE:.*]] = memref.expand_shape %[[QC]]
// CHECK:     %[[QT:.*]] = memref.transpose %[[QE]]
// CHECK:     %[[Q4:.*]] = memref.expand_shape %[[QT]] {{.*}} into memref<1x2x5x16xf32, strided<[32, 16, 96, 1]>>
// CHECK:     %[[O:.*]] = memref.alloc() : memref<5x2x16xf32>
// CHECK:     %[[OT:.*]] = memref.transpose %[[O]] (d0, d1, d2) -> (d1, d0, d2) : memref<5x2x16xf32> to memref<2x5x16xf32, strided<[16, 32, 1]>>
// CHECK:     %[[O4:.*]] = memref.expand_shape %[[OT]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 2, 5, 16]
// CHECK:     tessera.call_kernel "tessera_attention_f32" ins(%[[Q4]], %[[K4]], %[[Q4]], %{{.*}} : {{.*}}) outs(%[[O4]] :
// CHECK:     %[[R:.*]] = memref.collapse_shape %[[O]] {{\[\[}}0], [1, 2]] : memref<5x2x16xf32> into memref<5x32xf32>
// CHECK:     call @consume(%[[R]])
// CHECK:     memref.subview %[[B]][0, 0, 32]
// CHECK:     %[[KT2:.*]] = memref.transpose
// CHECK:     %[[K42:.*]] = memref.expand_shape %[[KT2]]
// CHECK:     %[[O2:.*]] = memref.alloc() : memref<5x2x16xf32>
// CHECK:     %[[OT2:.*]] = memref.transpose %[[O2]]
// CHECK:     %[[O42:.*]] = memref.expand_shape %[[OT2]]
// CHECK:     tessera.call_kernel "tessera_attention_f32" ins(%[[K42]], %[[K42]], %[[K42]], %{{.*}} : {{.*}}) outs(%[[O42]] :
// CHECK:     %[[R2:.*]] = memref.collapse_shape %[[O2]]
// CHECK:     call @consume(%[[R2]])
// CHECK-NOT: linalg.transpose
func.func private @consume(memref<5x32xf32>)
func.func @torch_mha(%qkv: memref<5x1x96xf32>, %qkv2: memref<5x1x96xf32>, %m: memref<1x1x1x5xf32>) {
  %sq = memref.subview %qkv[0, 0, 0] [5, 1, 32] [1, 1, 1] : memref<5x1x96xf32> to memref<5x1x32xf32, strided<[96, 96, 1]>>
  %sk = memref.subview %qkv[0, 0, 32] [5, 1, 32] [1, 1, 1] : memref<5x1x96xf32> to memref<5x1x32xf32, strided<[96, 96, 1], offset: 32>>
  %ck = memref.collapse_shape %sk [[0], [1, 2]] : memref<5x1x32xf32, strided<[96, 96, 1], offset: 32>> into memref<5x32xf32, strided<[96, 1], offset: 32>>
  %ek = memref.expand_shape %ck [[0], [1, 2]] output_shape [5, 2, 16] : memref<5x32xf32, strided<[96, 1], offset: 32>> into memref<5x2x16xf32, strided<[96, 16, 1], offset: 32>>
  %tk = memref.alloc() : memref<2x5x16xf32>
  linalg.transpose ins(%ek : memref<5x2x16xf32, strided<[96, 16, 1], offset: 32>>) outs(%tk : memref<2x5x16xf32>) permutation = [1, 0, 2]
  %cq = memref.collapse_shape %sq [[0], [1, 2]] : memref<5x1x32xf32, strided<[96, 96, 1]>> into memref<5x32xf32, strided<[96, 1]>>
  %eq = memref.expand_shape %cq [[0], [1, 2]] output_shape [5, 2, 16] : memref<5x32xf32, strided<[96, 1]>> into memref<5x2x16xf32, strided<[96, 16, 1]>>
  %tq = memref.alloc() : memref<2x5x16xf32>
  linalg.transpose ins(%eq : memref<5x2x16xf32, strided<[96, 16, 1]>>) outs(%tq : memref<2x5x16xf32>) permutation = [1, 0, 2]
  %q4 = memref.expand_shape %tq [[0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32> into memref<1x2x5x16xf32>
  %k4 = memref.expand_shape %tk [[0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32> into memref<1x2x5x16xf32>
  %o = memref.alloc() : memref<1x2x5x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%q4, %k4, %q4, %m : memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x1x1x5xf32>) outs(%o : memref<1x2x5x16xf32>) {scalars = [2.500000e-01 : f32, 0]}
  %o3 = memref.collapse_shape %o [[0, 1], [2], [3]] : memref<1x2x5x16xf32> into memref<2x5x16xf32>
  %t = memref.alloc() : memref<5x2x16xf32>
  linalg.transpose ins(%o3 : memref<2x5x16xf32>) outs(%t : memref<5x2x16xf32>) permutation = [1, 0, 2]
  %r = memref.collapse_shape %t [[0], [1, 2]] : memref<5x2x16xf32> into memref<5x32xf32>
  func.call @consume(%r) : (memref<5x32xf32>) -> ()
  // The second layer: its keys from the second projection, into %tk again.
  %sk2 = memref.subview %qkv2[0, 0, 32] [5, 1, 32] [1, 1, 1] : memref<5x1x96xf32> to memref<5x1x32xf32, strided<[96, 96, 1], offset: 32>>
  %ck2 = memref.collapse_shape %sk2 [[0], [1, 2]] : memref<5x1x32xf32, strided<[96, 96, 1], offset: 32>> into memref<5x32xf32, strided<[96, 1], offset: 32>>
  %ek2 = memref.expand_shape %ck2 [[0], [1, 2]] output_shape [5, 2, 16] : memref<5x32xf32, strided<[96, 1], offset: 32>> into memref<5x2x16xf32, strided<[96, 16, 1], offset: 32>>
  linalg.transpose ins(%ek2 : memref<5x2x16xf32, strided<[96, 16, 1], offset: 32>>) outs(%tk : memref<2x5x16xf32>) permutation = [1, 0, 2]
  %k4b = memref.expand_shape %tk [[0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32> into memref<1x2x5x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%k4b, %k4b, %k4b, %m : memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x1x1x5xf32>) outs(%o : memref<1x2x5x16xf32>) {scalars = [2.500000e-01 : f32, 0]}
  %o3b = memref.collapse_shape %o [[0, 1], [2], [3]] : memref<1x2x5x16xf32> into memref<2x5x16xf32>
  %t2 = memref.alloc() : memref<5x2x16xf32>
  linalg.transpose ins(%o3b : memref<2x5x16xf32>) outs(%t2 : memref<5x2x16xf32>) permutation = [1, 0, 2]
  %r2 = memref.collapse_shape %t2 [[0], [1, 2]] : memref<5x2x16xf32> into memref<5x32xf32>
  func.call @consume(%r2) : (memref<5x32xf32>) -> ()
  return
}

// -----

// Near misses with reshapes: the kernel reads the transposed copy through a
// collapse that the transposed view's strides do not allow ([2,5,16] with
// strides [16,96,1] has no [10,16] view); a buffer two transposes fill is
// also read by something other than a kernel, so it keeps one buffer and
// neither copy folds.
// CHECK-LABEL: func.func @reshape_kept(
// CHECK-COUNT-3: linalg.transpose
// CHECK-NOT: memref.transpose
func.func private @read3(memref<2x5x16xf32>)
func.func @reshape_kept(%x: memref<5x2x16xf32>, %y: memref<5x2x16xf32>, %m: memref<1x1x1x5xf32>, %mm: memref<1x1x1x10xf32>) {
  %a = memref.alloc() : memref<2x5x16xf32>
  linalg.transpose ins(%x : memref<5x2x16xf32>) outs(%a : memref<2x5x16xf32>) permutation = [1, 0, 2]
  %a4 = memref.expand_shape %a [[0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32> into memref<1x2x5x16xf32>
  %flat = memref.collapse_shape %a [[0, 1], [2]] : memref<2x5x16xf32> into memref<10x16xf32>
  %f4 = memref.expand_shape %flat [[0, 1, 2], [3]] output_shape [1, 1, 10, 16] : memref<10x16xf32> into memref<1x1x10x16xf32>
  %o = memref.alloc() : memref<1x2x5x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%a4, %a4, %a4, %m : memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x1x1x5xf32>) outs(%o : memref<1x2x5x16xf32>) {scalars = [1.000000e+00 : f32, 2]}
  %o1 = memref.alloc() : memref<1x1x10x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%f4, %f4, %f4, %mm : memref<1x1x10x16xf32>, memref<1x1x10x16xf32>, memref<1x1x10x16xf32>, memref<1x1x1x10xf32>) outs(%o1 : memref<1x1x10x16xf32>) {scalars = [1.000000e+00 : f32, 2]}
  %s = memref.alloc() : memref<2x5x16xf32>
  linalg.transpose ins(%x : memref<5x2x16xf32>) outs(%s : memref<2x5x16xf32>) permutation = [1, 0, 2]
  %s4 = memref.expand_shape %s [[0, 1], [2], [3]] output_shape [1, 2, 5, 16] : memref<2x5x16xf32> into memref<1x2x5x16xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%s4, %s4, %s4, %m : memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x1x1x5xf32>) outs(%o : memref<1x2x5x16xf32>) {scalars = [1.000000e+00 : f32, 2]}
  func.call @read3(%s) : (memref<2x5x16xf32>) -> ()
  linalg.transpose ins(%y : memref<5x2x16xf32>) outs(%s : memref<2x5x16xf32>) permutation = [1, 0, 2]
  tessera.call_kernel "tessera_attention_f32" ins(%s4, %s4, %s4, %m : memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x2x5x16xf32>, memref<1x1x1x5xf32>) outs(%o : memref<1x2x5x16xf32>) {scalars = [1.000000e+00 : f32, 2]}
  return
}
