// RUN: tessera-opt %s --tessera-shorten-buffer-lifetimes | FileCheck %s

// A buffer read through a memref.transpose view (not a ViewLikeOpInterface
// op) lives until the view's last use: here the kernel call, not the
// transpose (freed before the call, the arena would hand its bytes to the
// kernel's output while the kernel reads it).
// CHECK-LABEL: func.func @transposed_view(
// CHECK:   %[[P:.*]] = memref.alloc() : memref<1x4x2x8xf32>
// CHECK:   %[[T:.*]] = memref.transpose %[[P]]
// CHECK:   %[[O:.*]] = memref.alloc() : memref<1x2x4x8xf32>
// CHECK:   tessera.call_kernel "tessera_attention_f32" ins(%[[T]], %[[T]], %[[T]], %arg0 : {{.*}}) outs(%[[O]] :
// CHECK-NEXT: memref.dealloc %[[P]]
// CHECK-NEXT: call @use(%[[O]])
// CHECK-NEXT: memref.dealloc %[[O]]
// CHECK-NEXT: return
func.func private @fill(memref<1x4x2x8xf32>)
func.func private @use(memref<1x2x4x8xf32>)
func.func @transposed_view(%m: memref<1x1x1x4xf32>) {
  %p = memref.alloc() : memref<1x4x2x8xf32>
  func.call @fill(%p) : (memref<1x4x2x8xf32>) -> ()
  %t = memref.transpose %p (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<1x4x2x8xf32> to memref<1x2x4x8xf32, strided<[64, 8, 16, 1]>>
  %o = memref.alloc() : memref<1x2x4x8xf32>
  tessera.call_kernel "tessera_attention_f32" ins(%t, %t, %t, %m : memref<1x2x4x8xf32, strided<[64, 8, 16, 1]>>, memref<1x2x4x8xf32, strided<[64, 8, 16, 1]>>, memref<1x2x4x8xf32, strided<[64, 8, 16, 1]>>, memref<1x1x1x4xf32>) outs(%o : memref<1x2x4x8xf32>) {scalars = [1.000000e+00 : f32, 2]}
  func.call @use(%o) : (memref<1x2x4x8xf32>) -> ()
  memref.dealloc %p : memref<1x4x2x8xf32>
  memref.dealloc %o : memref<1x2x4x8xf32>
  return
}
