// RUN: tessera-opt %s -split-input-file --tessera-sink-into-concat | FileCheck %s
// Elementwise ops on a concat that nothing else reads apply to its pieces.

// DenseNet's norm before a layer: a per-channel scale and shift, then ReLU,
// over the concat of earlier features: each piece gets its slice of the
// scale and shift; one concat is left.
// CHECK-LABEL: func @dense_norm
// CHECK-DAG: %[[SA:.+]] = tessera.slice %arg2 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x1x1x6xf32> to tensor<1x1x1x4xf32>
// CHECK-DAG: %[[SB:.+]] = tessera.slice %arg2 {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : tensor<1x1x1x6xf32> to tensor<1x1x1x2xf32>
// CHECK-DAG: %[[MA:.+]] = tessera.mul %arg0, %[[SA]] : (tensor<1x3x3x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK-DAG: %[[MB:.+]] = tessera.mul %arg1, %[[SB]] : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
// CHECK-DAG: %[[AA:.+]] = tessera.add %[[MA]], %arg3 : (tensor<1x3x3x4xf32>, tensor<1xf32>) -> tensor<1x3x3x4xf32>
// CHECK-DAG: %[[RA:.+]] = tessera.relu %[[AA]] : tensor<1x3x3x4xf32>
// CHECK-DAG: %[[RB:.+]] = tessera.relu %{{.+}} : tensor<1x3x3x2xf32>
// CHECK: %[[C:.+]] = tessera.concat %[[RA]], %[[RB]] {axis = 3 : i64}
// CHECK-NOT: tessera.concat
// CHECK: return %[[C]]
func.func @dense_norm(%a: tensor<1x3x3x4xf32>, %b: tensor<1x3x3x2xf32>, %s: tensor<1x1x1x6xf32>, %t: tensor<1xf32>) -> tensor<1x3x3x6xf32> {
  %0 = tessera.concat %a, %b {axis = 3 : i64} : (tensor<1x3x3x4xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x6xf32>
  %1 = tessera.mul %0, %s : (tensor<1x3x3x6xf32>, tensor<1x1x1x6xf32>) -> tensor<1x3x3x6xf32>
  %2 = tessera.add %1, %t : (tensor<1x3x3x6xf32>, tensor<1xf32>) -> tensor<1x3x3x6xf32>
  %3 = tessera.relu %2 : tensor<1x3x3x6xf32>
  return %3 : tensor<1x3x3x6xf32>
}

// -----

// The concat as the second operand, and an operand of the concat's full
// shape: sliced the same way.
// CHECK-LABEL: func @full_operand
// CHECK-DAG: %[[XA:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : tensor<2x5xf32> to tensor<2x3xf32>
// CHECK-DAG: %[[XB:.+]] = tessera.slice %arg0 {starts = array<i64: 0, 3>, steps = array<i64: 1, 1>} : tensor<2x5xf32> to tensor<2x2xf32>
// CHECK-DAG: %[[A:.+]] = tessera.sub %[[XA]], %arg1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-DAG: %[[B:.+]] = tessera.sub %[[XB]], %arg2 : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK: tessera.concat %[[A]], %[[B]] {axis = 1 : i64}
func.func @full_operand(%x: tensor<2x5xf32>, %a: tensor<2x3xf32>, %b: tensor<2x2xf32>) -> tensor<2x5xf32> {
  %0 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %1 = tessera.sub %x, %0 : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  return %1 : tensor<2x5xf32>
}

// -----

// Near misses: a concat also returned (another use), an op that broadcasts
// the concat to a larger shape, a one-input concat, a non-elementwise user
// (softmax) and a concat read by two elementwise ops: nothing moves.
// CHECK-LABEL: func @near_misses
// CHECK: %[[C0:.+]] = tessera.concat %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT: tessera.relu %[[C0]]
// CHECK: %[[C1:.+]] = tessera.concat %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT: tessera.add %[[C1]], %arg2 : (tensor<2x5xf32>, tensor<3x2x5xf32>) -> tensor<3x2x5xf32>
// CHECK: %[[C2:.+]] = tessera.concat %arg0 {axis = 1 : i64}
// CHECK-NEXT: tessera.exp %[[C2]]
// CHECK: %[[C3:.+]] = tessera.concat %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT: tessera.softmax %[[C3]]
// CHECK: %[[C4:.+]] = tessera.concat %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT: tessera.neg %[[C4]]
// CHECK-NEXT: tessera.abs %[[C4]]
func.func @near_misses(%a: tensor<2x3xf32>, %b: tensor<2x2xf32>, %w: tensor<3x2x5xf32>) -> (tensor<2x5xf32>, tensor<2x5xf32>, tensor<3x2x5xf32>, tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  %0 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %1 = tessera.relu %0 : tensor<2x5xf32>
  %2 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %3 = tessera.add %2, %w : (tensor<2x5xf32>, tensor<3x2x5xf32>) -> tensor<3x2x5xf32>
  %4 = tessera.concat %a {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %5 = tessera.exp %4 : tensor<2x3xf32>
  %6 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %7 = tessera.softmax %6 {axis = 1 : i64} : tensor<2x5xf32>
  %8 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %9 = tessera.neg %8 : tensor<2x5xf32>
  %10 = tessera.abs %8 : tensor<2x5xf32>
  return %0, %1, %3, %5, %7, %9, %10 : tensor<2x5xf32>, tensor<2x5xf32>, tensor<3x2x5xf32>, tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x5xf32>, tensor<2x5xf32>
}

// -----

// Near miss: concats that extend one another (DenseNet's layers) keep their
// ops: tessera-lower-concat-chains gives them one buffer, and sunk, every
// later layer would apply its op to each earlier piece.
// CHECK-LABEL: func @chain
// CHECK: %[[C1:.+]] = tessera.concat %arg0, %arg1 {axis = 1 : i64}
// CHECK-NEXT: tessera.relu %[[C1]]
// CHECK: %[[C2:.+]] = tessera.concat %arg0, %arg1, %arg2 {axis = 1 : i64}
// CHECK-NEXT: tessera.relu %[[C2]]
func.func @chain(%a: tensor<2x3xf32>, %b: tensor<2x2xf32>, %c: tensor<2x2xf32>) -> (tensor<2x5xf32>, tensor<2x7xf32>) {
  %0 = tessera.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %1 = tessera.relu %0 : tensor<2x5xf32>
  %2 = tessera.concat %a, %b, %c {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x7xf32>
  %3 = tessera.relu %2 : tensor<2x7xf32>
  return %1, %3 : tensor<2x5xf32>, tensor<2x7xf32>
}
