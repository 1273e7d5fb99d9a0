// Resampling: ONNX Resize in nearest and (multi-)linear modes.
#ifndef TESSERA_RESIZE_OPS_TD
#define TESSERA_RESIZE_OPS_TD

def Tessera_ResizeOp : Tessera_Op<"resize",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Resample with nearest or linear interpolation (ONNX Resize)";
  let description = [{
    Each output index `x` of dimension `d` maps to an input coordinate by
    `coordinate_transformation_mode` with the scale `scales[d]`:
    `half_pixel` `(x + 0.5) / s - 0.5`, `pytorch_half_pixel` the same but 0
    for an output of size 1, `align_corners` `x * (in - 1) / (out - 1)`,
    `asymmetric` `x / s`, `tf_half_pixel_for_nn` `(x + 0.5) / s`. `nearest`
    rounds it by `nearest_mode` (`round_prefer_floor`, `round_prefer_ceil`,
    `floor`, `ceil`); `linear` interpolates between the two neighbours in
    every dimension. Reads outside the input clamp to its edge.

    ```mlir
    %y = tessera.resize %x {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : tensor<1x3x4x4xf32> to tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Tessera_FloatTensor:$input, DenseF64ArrayAttr:$scales,
                       StrAttr:$mode, StrAttr:$coordinate_transformation_mode,
                       DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode);
  let results = (outs Tessera_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

#endif // TESSERA_RESIZE_OPS_TD
