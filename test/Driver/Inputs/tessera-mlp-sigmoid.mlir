// tessera-mlp.mlir with a sigmoid: an epilogue that cuBLASLt does not have,
// so --target=cuda runs the GEMM and a generated kernel after it.
func.func @main_graph(%x: tensor<4x8xf32> {tessera.name = "x"}) -> (tensor<4x16xf32> {tessera.name = "y"}) {
  %w = tessera.constant dense<0.5> : tensor<8x16xf32>
  %b = tessera.constant dense<0.25> : tensor<16xf32>
  %m = tessera.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %a = tessera.add %m, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %y = tessera.sigmoid %a : tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
