// RUN: tessera-opt %s -split-input-file -tessera-parallelize-kernels | FileCheck %s
// Big kernels take a [lo, hi) range of one parallel loop; callers pass the
// full range.

#id = affine_map<(d0, d1) -> (d0, d1)>

// 64 x 1024 elementwise: the outer dim runs over [lo, hi), the caller passes
// [0, 64), the kernel records the trip count.
// CHECK-LABEL: func.func private @big(
// CHECK-SAME: %{{.*}}: memref<64x1024xf32>, %{{.*}}: memref<64x1024xf32>, %[[LO:.*]]: index, %[[HI:.*]]: index)
// CHECK-SAME: tessera.parallel_trip = 64 : i64
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%[[LO]], %{{.*}}) to (%[[HI]], %[[C1024]])
// CHECK: math.exp
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @caller(
// CHECK-DAG: %[[Z:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[T:.*]] = arith.constant 64 : index
// CHECK: call @big(%arg0, %arg1, %[[Z]], %[[T]])
// CHECK: call @big(%arg1, %arg0, %{{.*}}, %{{.*}})
func.func private @big(%a: memref<64x1024xf32>, %b: memref<64x1024xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<64x1024xf32>) outs(%b : memref<64x1024xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func @caller(%a: memref<64x1024xf32>, %b: memref<64x1024xf32>) {
  call @big(%a, %b) : (memref<64x1024xf32>, memref<64x1024xf32>) -> ()
  call @big(%b, %a) : (memref<64x1024xf32>, memref<64x1024xf32>) -> ()
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// A unit batch dim: the range goes to the first dim with a few iterations.
// CHECK-LABEL: func.func private @batch1(
// CHECK-SAME: %[[LO:[^:]*]]: index, %[[HI:[^:]*]]: index)
// CHECK-SAME: tessera.parallel_trip = 65536 : i64
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %[[LO]]) to (%{{.*}}, %[[HI]])
func.func private @batch1(%a: memref<1x65536xf32>, %b: memref<1x65536xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<1x65536xf32>) outs(%b : memref<1x65536xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Row sums: the parallel rows take the range, the reduction stays inside.
// CHECK-LABEL: func.func private @rowsum(
// CHECK-SAME: %[[LO:[^:]*]]: index, %[[HI:[^:]*]]: index)
// CHECK: scf.parallel (%[[I:.*]]) = (%[[LO]]) to (%[[HI]])
// CHECK:   scf.for
// CHECK:     arith.addf
func.func private @rowsum(%a: memref<256x512xf32>, %b: memref<256xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<256x512xf32>) outs(%b : memref<256xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(d0) -> (d0)>

// Near misses: too little work, not a kernel, a full reduction and a
// reduction outermost all keep their signatures.
// CHECK-LABEL: func.func private @small(%{{[^,]*}}: memref<16xf32>, %{{[^,]*}}: memref<16xf32>)
// CHECK-SAME: attributes {tessera.kernel}
// CHECK: linalg.generic
// CHECK-LABEL: func.func @not_a_kernel(%{{[^,]*}}: memref<65536xf32>, %{{[^,]*}}: memref<65536xf32>) {
// CHECK: linalg.generic
// CHECK-LABEL: func.func private @total(%{{[^,]*}}: memref<65536xf32>, %{{[^,]*}}: memref<f32>)
// CHECK-SAME: attributes {tessera.kernel}
// CHECK: linalg.generic
// CHECK-LABEL: func.func private @colsum(%{{[^,]*}}: memref<512x256xf32>, %{{[^,]*}}: memref<256xf32>)
// CHECK-SAME: attributes {tessera.kernel}
// CHECK-NOT: tessera.parallel_trip
// CHECK-NOT: func.func
// CHECK: scf.for
func.func private @small(%a: memref<16xf32>, %b: memref<16xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<16xf32>) outs(%b : memref<16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func @not_a_kernel(%a: memref<65536xf32>, %b: memref<65536xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<65536xf32>) outs(%b : memref<65536xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func private @total(%a: memref<65536xf32>, %b: memref<f32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%a : memref<65536xf32>) outs(%b : memref<f32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}
func.func private @colsum(%a: memref<512x256xf32>, %b: memref<256xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%a : memref<512x256xf32>) outs(%b : memref<256xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id1 = affine_map<(d0) -> (d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// Kernels merged from twins of other sizes (tessera-outline-kernels): the
// dynamic ranges are long, the work is the least twin's. A dynamic dim
// takes the range, and each call passes its buffer's size as hi; the
// kernel's trip count is 0 (each call's own). With a static outer dim
// (the rows every twin shares), that one takes it.
// CHECK-LABEL: func.func private @merged(
// CHECK-SAME: %[[A:[^:]*]]: memref<?xf32>, %{{[^:]*}}: memref<?xf32>, %[[LO:[^:]*]]: index, %[[HI:[^:]*]]: index)
// CHECK-SAME: tessera.parallel_trip = 0 : i64
// CHECK: scf.parallel (%{{.*}}) = (%[[LO]]) to (%[[HI]])
// CHECK-LABEL: func.func private @rows(
// CHECK-SAME: tessera.parallel_trip = 64 : i64
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}})
// CHECK-LABEL: func.func @calls(
// CHECK: %[[D:.*]] = memref.dim %arg0, %{{.*}} : memref<?xf32>
// CHECK: call @merged(%arg0, %arg1, %{{.*}}, %[[D]])
// CHECK: call @rows(%arg2, %arg3, %{{.*}}, %{{.*}})
func.func private @merged(%a: memref<?xf32>, %b: memref<?xf32>) attributes {tessera.kernel, tessera.min_work = 65536 : i64} {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : memref<?xf32>) outs(%b : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func private @rows(%a: memref<64x?xf32>, %b: memref<64x?xf32>) attributes {tessera.kernel, tessera.min_work = 65536 : i64} {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<64x?xf32>) outs(%b : memref<64x?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func @calls(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<64x?xf32>, %d: memref<64x?xf32>) {
  call @merged(%a, %b) : (memref<?xf32>, memref<?xf32>) -> ()
  call @rows(%c, %d) : (memref<64x?xf32>, memref<64x?xf32>) -> ()
  return
}

// -----

#id1 = affine_map<(d0) -> (d0)>

// Near misses: a merged kernel whose least twin is small stays serial, and
// so does a dynamic kernel that records no work.
// CHECK-LABEL: func.func private @small_twins(%{{[^,]*}}: memref<?xf32>, %{{[^,]*}}: memref<?xf32>) attributes
// CHECK-NOT: parallel_trip
// CHECK-LABEL: func.func private @unknown(%{{[^,]*}}: memref<?xf32>, %{{[^,]*}}: memref<?xf32>) attributes
// CHECK-NOT: parallel_trip
func.func private @small_twins(%a: memref<?xf32>, %b: memref<?xf32>) attributes {tessera.kernel, tessera.min_work = 16 : i64} {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : memref<?xf32>) outs(%b : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func private @unknown(%a: memref<?xf32>, %b: memref<?xf32>) attributes {tessera.kernel} {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : memref<?xf32>) outs(%b : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
