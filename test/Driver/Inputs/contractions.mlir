// Contractions for the runtime-call lowering: f32 matmul and batch_matmul go
// to the runtime; f64 and user-defined (transposed) maps stay as loops.
func.func @main_graph(%a: tensor<2x4x8xf32> {tessera.name = "a"}, %b: tensor<2x8x16xf32> {tessera.name = "b"},
                      %c: tensor<4x8xf64> {tessera.name = "c"}, %d: tensor<8x4xf64> {tessera.name = "d"},
                      %e: tensor<4x8xf32> {tessera.name = "e"}, %f: tensor<16x8xf32> {tessera.name = "f"})
    -> (tensor<2x4x16xf32> {tessera.name = "ab"}, tensor<4x4xf64> {tessera.name = "cd"}, tensor<4x16xf32> {tessera.name = "ef"}) {
  %z32 = arith.constant 0.0 : f32
  %z64 = arith.constant 0.0 : f64
  %0 = tensor.empty() : tensor<2x4x16xf32>
  %1 = linalg.fill ins(%z32 : f32) outs(%0 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %ab = linalg.batch_matmul ins(%a, %b : tensor<2x4x8xf32>, tensor<2x8x16xf32>) outs(%1 : tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %2 = tensor.empty() : tensor<4x4xf64>
  %3 = linalg.fill ins(%z64 : f64) outs(%2 : tensor<4x4xf64>) -> tensor<4x4xf64>
  %cd = linalg.matmul ins(%c, %d : tensor<4x8xf64>, tensor<8x4xf64>) outs(%3 : tensor<4x4xf64>) -> tensor<4x4xf64>
  %4 = tensor.empty() : tensor<4x16xf32>
  %5 = linalg.fill ins(%z32 : f32) outs(%4 : tensor<4x16xf32>) -> tensor<4x16xf32>
  %ef = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%e, %f : tensor<4x8xf32>, tensor<16x8xf32>) outs(%5 : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %ab, %cd, %ef : tensor<2x4x16xf32>, tensor<4x4xf64>, tensor<4x16xf32>
}
