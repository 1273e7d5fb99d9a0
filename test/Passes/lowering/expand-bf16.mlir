// RUN: tessera-opt %s --tessera-expand-bf16 | FileCheck %s
// bf16 casts become integer operations (round to nearest even: add 0x7fff
// plus the kept part's lowest bit, shift; NaN becomes the quiet 0x7fc0), and
// bf16 arithmetic runs in f32 between an extension and a rounding. Other
// types are left alone.

// CHECK-LABEL: func @truncate
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : i32
// CHECK-DAG: %[[QNAN:.*]] = arith.constant 32704 : i16
// CHECK-DAG: %[[HALF:.*]] = arith.constant 32767 : i32
// CHECK: %[[ISNAN:.*]] = arith.cmpf une, %arg0, %arg0 : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %arg0 : f32 to i32
// CHECK: %[[HI:.*]] = arith.shrui %[[BITS]], %[[C16]]
// CHECK: %[[ODD:.*]] = arith.andi %[[HI]], %[[C1]]
// CHECK: %[[BIAS:.*]] = arith.addi %[[ODD]], %[[HALF]]
// CHECK: %[[SUM:.*]] = arith.addi %[[BITS]], %[[BIAS]]
// CHECK: %[[SH:.*]] = arith.shrui %[[SUM]], %[[C16]]
// CHECK: %[[T:.*]] = arith.trunci %[[SH]] : i32 to i16
// CHECK: %[[SEL:.*]] = arith.select %[[ISNAN]], %[[QNAN]], %[[T]] : i16
// CHECK: %[[R:.*]] = arith.bitcast %[[SEL]] : i16 to bf16
// CHECK: return %[[R]]
// CHECK-NOT: arith.truncf
func.func @truncate(%a: f32) -> bf16 {
  %0 = arith.truncf %a : f32 to bf16
  return %0 : bf16
}

// CHECK-LABEL: func @extend_vector
// CHECK: %[[B:.*]] = arith.bitcast %arg0 : vector<8xbf16> to vector<8xi16>
// CHECK: %[[W:.*]] = arith.extui %[[B]] : vector<8xi16> to vector<8xi32>
// CHECK: %[[S:.*]] = arith.shli %[[W]], %{{.*}} : vector<8xi32>
// CHECK: %[[F:.*]] = arith.bitcast %[[S]] : vector<8xi32> to vector<8xf32>
// CHECK: return %[[F]]
func.func @extend_vector(%a: vector<8xbf16>) -> vector<8xf32> {
  %0 = arith.extf %a : vector<8xbf16> to vector<8xf32>
  return %0 : vector<8xf32>
}

// The product of two bf16 values: both widened, multiplied in f32, rounded
// once to bf16.
// CHECK-LABEL: func @multiply
// CHECK-NOT: mulf {{.*}} : bf16
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.bitcast %[[P]] : f32 to i32
// CHECK: arith.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT: arith.mulf
func.func @multiply(%a: bf16, %b: bf16) -> bf16 {
  %0 = arith.mulf %a, %b : bf16
  return %0 : bf16
}

// Near misses: f16 and f32 are not touched.
// CHECK-LABEL: func @other_types
// CHECK-NEXT: %[[H:.*]] = arith.truncf %arg0 : f32 to f16
// CHECK-NEXT: %[[A:.*]] = arith.addf %arg0, %arg0 : f32
// CHECK-NEXT: return %[[H]], %[[A]]
func.func @other_types(%a: f32) -> (f16, f32) {
  %0 = arith.truncf %a : f32 to f16
  %1 = arith.addf %a, %a : f32
  return %0, %1 : f16, f32
}
