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
