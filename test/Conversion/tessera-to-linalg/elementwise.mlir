// RUN: tessera-opt %s --convert-tessera-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @add_broadcast
// CHECK-SAME: %[[A:.+]]: tensor<2x1xf32>, %[[B:.+]]: tensor<3xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x1xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
// CHECK-NOT: tessera.
func.func @add_broadcast(%a: tensor<2x1xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = tessera.add %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @int_binary
// CHECK: arith.addi
// CHECK: arith.subi
// CHECK: arith.muli
// Division: divisors 0 and -1 are replaced so that nothing traps.
// CHECK: %[[Z:.+]] = arith.cmpi eq, %[[Y:.+]], %{{.+}} : i64
// CHECK: %[[M1:.+]] = arith.cmpi eq, %[[Y]], %{{.+}} : i64
// CHECK: %[[TRAP:.+]] = arith.ori %[[Z]], %[[M1]]
// CHECK: %[[D:.+]] = arith.select %[[TRAP]], %{{.+}}, %[[Y]]
// CHECK: %[[Q:.+]] = arith.divsi %{{.+}}, %[[D]]
// CHECK: %[[NEG:.+]] = arith.subi
// CHECK: %[[Q2:.+]] = arith.select %[[M1]], %[[NEG]], %[[Q]]
// CHECK: arith.select %[[Z]], %{{.+}}, %[[Q2]]
// CHECK: arith.maxsi
// CHECK: arith.minsi
// Python mod: the remainder moves to the divisor's sign.
// CHECK: arith.remsi
// CHECK: arith.cmpi ne
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi slt
// CHECK: arith.xori
// CHECK: arith.andi
// CHECK: arith.addi
// CHECK: arith.select
// CHECK: linalg.yield
// C fmod: the plain remainder.
// CHECK: arith.remsi
// CHECK-NEXT: linalg.yield
func.func @int_binary(%a: tensor<4xi64>, %b: tensor<4xi64>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %0 = tessera.add %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = tessera.sub %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %2 = tessera.mul %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %3 = tessera.div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %4 = tessera.max %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %5 = tessera.min %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %6 = tessera.mod %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %7 = tessera.mod %a, %b {fmod = true} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func @float_binary
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: math.powf
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.remf
// CHECK: arith.select
func.func @float_binary(%a: tensor<4xf32>, %b: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = tessera.add %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = tessera.sub %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = tessera.mul %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = tessera.div %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %4 = tessera.pow %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %5 = tessera.max %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %6 = tessera.min %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %7 = tessera.mod %a, %b : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @logic
// CHECK: arith.andi
// CHECK: arith.ori
// CHECK: arith.xori
// CHECK: %[[T:.+]] = arith.constant true
// CHECK: arith.xori %{{.+}}, %[[T]] : i1
func.func @logic(%a: tensor<4xi1>, %b: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = tessera.and %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %1 = tessera.or %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %2 = tessera.xor %a, %b : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %3 = tessera.not %a : tensor<4xi1>
  return %0, %1, %2, %3 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func @compare_where
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ole
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oge
// CHECK: arith.cmpi slt
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<4xi1>, tensor<2x4xf32>, tensor<f32>)
// CHECK: arith.select
func.func @compare_where(%a: tensor<2x4xf32>, %b: tensor<4xf32>, %i: tensor<4xi32>, %s: tensor<f32>) -> (tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<4xi1>, tensor<2x4xf32>) {
  %0 = tessera.equal %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %1 = tessera.less %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %2 = tessera.less_equal %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %3 = tessera.greater %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %4 = tessera.greater_equal %a, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xi1>
  %5 = tessera.less %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  %6 = tessera.where %5, %a, %s : (tensor<4xi1>, tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<2x4xi1>, tensor<4xi1>, tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func @unary_float
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf olt
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.rsqrt
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: math.exp
// CHECK: arith.cmpf oge
// CHECK: arith.maximumf
// CHECK: math.erf
// CHECK: math.sin
// CHECK: math.cos
// CHECK: math.log1p
// CHECK: math.floor
// CHECK: math.ceil
// CHECK: math.roundeven
// CHECK: math.erf
// CHECK: arith.mulf
func.func @unary_float(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = tessera.abs %x : tensor<8xf32>
  %1 = tessera.neg %x : tensor<8xf32>
  %2 = tessera.sign %x : tensor<8xf32>
  %3 = tessera.exp %x : tensor<8xf32>
  %4 = tessera.log %x : tensor<8xf32>
  %5 = tessera.sqrt %x : tensor<8xf32>
  %6 = tessera.rsqrt %x : tensor<8xf32>
  %7 = tessera.reciprocal %x : tensor<8xf32>
  %8 = tessera.tanh %x : tensor<8xf32>
  %9 = tessera.sigmoid %x : tensor<8xf32>
  %10 = tessera.relu %x : tensor<8xf32>
  %11 = tessera.erf %x : tensor<8xf32>
  %12 = tessera.sin %x : tensor<8xf32>
  %13 = tessera.cos %x : tensor<8xf32>
  %14 = tessera.softplus %x : tensor<8xf32>
  %15 = tessera.floor %x : tensor<8xf32>
  %16 = tessera.ceil %x : tensor<8xf32>
  %17 = tessera.round %x : tensor<8xf32>
  %18 = tessera.gelu %x : tensor<8xf32>
  %19 = tessera.silu %x : tensor<8xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// x * min(max(x + 3, 0), 6) / 6
// CHECK-LABEL: func @hardswish
// CHECK: linalg.generic
// CHECK: %[[S:.+]] = arith.addf %{{.+}}, %cst{{.*}} : f32
// CHECK: %[[L:.+]] = arith.maximumf %[[S]], %{{.+}} : f32
// CHECK: %[[H:.+]] = arith.minimumf %[[L]], %{{.+}} : f32
// CHECK: %[[M:.+]] = arith.mulf %{{.+}}, %[[H]] : f32
// CHECK: arith.divf %[[M]], %{{.+}} : f32
func.func @hardswish(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = tessera.hardswish %x : tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func @unary_int
// CHECK: math.absi
// CHECK: arith.subi
// CHECK: arith.cmpi sgt
// CHECK: arith.maxsi
func.func @unary_int(%x: tensor<8xi32>) -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
  %0 = tessera.abs %x : tensor<8xi32>
  %1 = tessera.neg %x : tensor<8xi32>
  %2 = tessera.sign %x : tensor<8xi32>
  %3 = tessera.relu %x : tensor<8xi32>
  return %0, %1, %2, %3 : tensor<8xi32>, tensor<8xi32>, tensor<8xi32>, tensor<8xi32>
}

// -----

// CHECK-LABEL: func @cast
// CHECK: arith.fptosi %{{.+}} : f32 to i64
// CHECK: arith.cmpf une
// CHECK: arith.uitofp %{{.+}} : i1 to f16
// CHECK: arith.sitofp %{{.+}} : i32 to f64
// CHECK: arith.extsi %{{.+}} : i32 to i64
// CHECK: arith.trunci %{{.+}} : i64 to i8
// CHECK: arith.extui %{{.+}} : i1 to i32
// CHECK: arith.truncf %{{.+}} : f32 to bf16
// CHECK: arith.extf %{{.+}} : f32 to f64
func.func @cast(%f: tensor<4xf32>, %b: tensor<4xi1>, %i: tensor<4xi32>, %l: tensor<4xi64>) -> (tensor<4xi64>, tensor<4xi1>, tensor<4xf16>, tensor<4xf64>, tensor<4xi64>, tensor<4xi8>, tensor<4xi32>, tensor<4xbf16>, tensor<4xf64>) {
  %0 = tessera.cast %f : tensor<4xf32> to tensor<4xi64>
  %1 = tessera.cast %f : tensor<4xf32> to tensor<4xi1>
  %2 = tessera.cast %b : tensor<4xi1> to tensor<4xf16>
  %3 = tessera.cast %i : tensor<4xi32> to tensor<4xf64>
  %4 = tessera.cast %i : tensor<4xi32> to tensor<4xi64>
  %5 = tessera.cast %l : tensor<4xi64> to tensor<4xi8>
  %6 = tessera.cast %b : tensor<4xi1> to tensor<4xi32>
  %7 = tessera.cast %f : tensor<4xf32> to tensor<4xbf16>
  %8 = tessera.cast %f : tensor<4xf32> to tensor<4xf64>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8 : tensor<4xi64>, tensor<4xi1>, tensor<4xf16>, tensor<4xf64>, tensor<4xi64>, tensor<4xi8>, tensor<4xi32>, tensor<4xbf16>, tensor<4xf64>
}

// -----

// CHECK-LABEL: func @clamp
// CHECK: %[[LO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.+}}, %[[LO]]
// CHECK: %[[HI:.+]] = arith.constant 6.000000e+00 : f32
// CHECK: arith.minimumf %{{.+}}, %[[HI]]
// CHECK: arith.constant 3 : i64
// CHECK: arith.minsi
// CHECK-NOT: arith.maxsi
// CHECK: return
func.func @clamp(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xi64>) {
  %0 = tessera.clamp %x {min = 0.0, max = 6.0} : tensor<4xf32>
  %1 = tessera.clamp %i {max = 3.0} : tensor<4xi64>
  return %0, %1 : tensor<4xf32>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func @constants
// CHECK: arith.constant dense<1.000000e+00> : tensor<4x4xf32>
// CHECK: arith.constant dense_resource<blob> : tensor<2xf32>
func.func @constants() -> (tensor<4x4xf32>, tensor<2xf32>) {
  %0 = tessera.constant dense<1.0> : tensor<4x4xf32>
  %1 = tessera.constant dense_resource<blob> : tensor<2xf32>
  return %0, %1 : tensor<4x4xf32>, tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
