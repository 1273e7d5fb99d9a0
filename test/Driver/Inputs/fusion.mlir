// relu -> reshape -> matmul -> reshape -> bias add -> relu: the epilogue fuses,
// the matmul stays a named op, and the prologue is not fused into it.
#id3 = affine_map<(b, i, j) -> (b, i, j)>
#row = affine_map<(b, i, j) -> (j)>
func.func @main_graph(%x: tensor<1x8x16xf32>) -> tensor<1x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x32xf32>
  %bias = arith.constant dense<0.25> : tensor<32xf32>
  %e0 = tensor.empty() : tensor<1x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<1x8x16xf32>) outs(%e0 : tensor<1x8x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x16xf32>
  %c = tensor.collapse_shape %r [[0, 1], [2]] : tensor<1x8x16xf32> into tensor<8x16xf32>
  %e1 = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %mm = linalg.matmul ins(%c, %w : tensor<8x16xf32>, tensor<16x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %ex = tensor.expand_shape %mm [[0, 1], [2]] output_shape [1, 8, 32] : tensor<8x32xf32> into tensor<1x8x32xf32>
  %e2 = tensor.empty() : tensor<1x8x32xf32>
  %a = linalg.generic {indexing_maps = [#id3, #row, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ex, %bias : tensor<1x8x32xf32>, tensor<32xf32>) outs(%e2 : tensor<1x8x32xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x8x32xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<1x8x32xf32>) outs(%e2 : tensor<1x8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}
