# DFT and STFT as matmuls with constant DFT matrices; MelWeightMatrix and the
# Hann, Hamming and Blackman windows as constants.
# RUN: rm -rf %t && %python %s %t
# RUN: %python -m onnx_testlib %t | FileCheck %s
import sys

import numpy as np
from onnx_testlib import Suite, const, node

s = Suite(sys.argv[1])
I64 = lambda name, v: const(name, np.array(v, np.int64))
F32 = lambda name, v: const(name, np.array(v, np.float32))
s.add("dft_real", [node("DFT", ["x"], ["y"])], [("x", [1, 10, 10, 1], "f32")], ["y"])
s.add("dft_complex_axis2_inverse", [node("DFT", ["x"], ["y"], axis=2, inverse=1)],
      [("x", [2, 3, 4, 2], "f32")], ["y"])
s.add("dft_onesided_length", [node("DFT", ["x", "n"], ["y"], axis=-2, onesided=1)],
      [("x", [3, 5, 1], "f64")], ["y"], inits=[I64("n", 8)])
# onesided is explicit: ONNX 1.12 shape inference defaults it to 0, not 1.
s.add("stft", [node("STFT", ["x", "step", "", "len"], ["y"], onesided=1)],
      [("x", [1, 128, 1], "f32")], ["y"], inits=[I64("step", 8), I64("len", 16)])
s.add("stft_window_complex", [node("STFT", ["x", "step", "w"], ["y"], onesided=0)],
      [("x", [2, 20, 2], "f32"), ("w", [6], "f32")], ["y"], inits=[I64("step", 4)])
s.add("melweightmatrix", [node("MelWeightMatrix", ["m", "n", "r", "lo", "hi"], ["y"])],
      [], ["y"], inits=[I64("m", 8), I64("n", 16), I64("r", 8192), F32("lo", 0),
                        F32("hi", 4096)])
s.add("hannwindow", [node("HannWindow", ["n"], ["y"])], [], ["y"], inits=[I64("n", 4)])
s.add("hammingwindow_f64", [node("HammingWindow", ["n"], ["y"], periodic=0,
                                 output_datatype=11)], [], ["y"], inits=[I64("n", 3)])
s.add("blackmanwindow_i32", [node("BlackmanWindow", ["n"], ["y"], output_datatype=6)],
      [], ["y"], inits=[I64("n", 4)])

# Diagnosed variants.
s.add("dft_axis_last", [node("DFT", ["x"], ["y"], axis=2)],
      [("x", [1, 4, 1], "f32")], ["y"])
s.add("dft_bad_components", [node("DFT", ["x"], ["y"])], [("x", [1, 4, 3], "f32")], ["y"])
s.add("dft_onesided_inverse", [node("DFT", ["x"], ["y"], onesided=1, inverse=1)],
      [("x", [1, 4, 1], "f32")], ["y"])
s.add("dft_onesided_complex", [node("DFT", ["x"], ["y"], onesided=1)],
      [("x", [1, 4, 2], "f32")], ["y"])
s.add("dft_bad_flag", [node("DFT", ["x"], ["y"], inverse=2)], [("x", [1, 4, 1], "f32")], ["y"])
s.add("dft_runtime_length", [node("DFT", ["x", "n"], ["y"])],
      [("x", [1, 4, 1], "f32"), ("n", [], "i64")], ["y"])
s.add("dft_zero_length", [node("DFT", ["x", "n"], ["y"])],
      [("x", [1, 4, 1], "f32")], ["y"], inits=[I64("n", 0)])
s.add("dft_huge_length", [node("DFT", ["x", "n"], ["y"])],
      [("x", [1, 4, 1], "f32")], ["y"], inits=[I64("n", 1 << 62)])
s.add("dft_empty", [node("DFT", ["x"], ["y"])], [("x", [1, 0, 1], "f32")], ["y"])
s.add("dft_integer", [node("DFT", ["x"], ["y"])], [("x", [1, 4, 1], "i32")], ["y"])
s.add("dft_too_large", [node("DFT", ["x"], ["y"])], [("x", [1, 8192, 2], "f32")], ["y"])
s.add("stft_no_length", [node("STFT", ["x", "step"], ["y"])],
      [("x", [1, 16, 1], "f32")], ["y"], inits=[I64("step", 4)])
s.add("stft_length_mismatch", [node("STFT", ["x", "step", "w", "len"], ["y"])],
      [("x", [1, 16, 1], "f32"), ("w", [4], "f32")], ["y"],
      inits=[I64("step", 4), I64("len", 8)])
s.add("stft_frame_too_long", [node("STFT", ["x", "step", "", "len"], ["y"])],
      [("x", [1, 16, 1], "f32")], ["y"], inits=[I64("step", 4), I64("len", 32)])
s.add("stft_bad_step", [node("STFT", ["x", "step", "", "len"], ["y"])],
      [("x", [1, 16, 1], "f32")], ["y"], inits=[I64("step", 0), I64("len", 4)])
s.add("stft_onesided_complex", [node("STFT", ["x", "step", "", "len"], ["y"])],
      [("x", [1, 16, 2], "f32")], ["y"], inits=[I64("step", 4), I64("len", 4)])
s.add("stft_bad_rank", [node("STFT", ["x", "step", "", "len"], ["y"])],
      [("x", [16, 1], "f32")], ["y"], inits=[I64("step", 4), I64("len", 4)])
s.add("mel_runtime_input", [node("MelWeightMatrix", ["m", "n", "r", "lo", "hi"], ["y"])],
      [("m", [], "i64")], ["y"], inits=[I64("n", 16), I64("r", 8192), F32("lo", 0),
                                        F32("hi", 4096)])
s.add("mel_out_of_range", [node("MelWeightMatrix", ["m", "n", "r", "lo", "hi"], ["y"])],
      [], ["y"], inits=[I64("m", 4), I64("n", 16), I64("r", 100), F32("lo", 0),
                        F32("hi", 4096)])
s.add("mel_bad_datatype", [node("MelWeightMatrix", ["m", "n", "r", "lo", "hi"], ["y"],
                                output_datatype=9)],
      [], ["y"], inits=[I64("m", 8), I64("n", 16), I64("r", 8192), F32("lo", 0),
                        F32("hi", 4096)])
s.add("window_zero_size", [node("HannWindow", ["n"], ["y"])], [], ["y"], inits=[I64("n", 0)])
s.add("window_bad_periodic", [node("HannWindow", ["n"], ["y"], periodic=3)], [], ["y"],
      inits=[I64("n", 4)])

# CHECK-LABEL: // CASE: dft_real
# CHECK: %[[T:.+]] = tessera.transpose %arg0 {perm = array<i64: 0, 2, 1, 3>}
# CHECK: %[[M:.+]] = tessera.constant dense<"0x{{.+}}"> : tensor<10x20xf32>
# CHECK: %[[R:.+]] = tessera.reshape %[[T]] : tensor<1x10x10x1xf32> to tensor<10x10xf32>
# CHECK: %[[Y:.+]] = tessera.matmul %[[R]], %[[M]] : (tensor<10x10xf32>, tensor<10x20xf32>) -> tensor<10x20xf32>
# CHECK: %[[Y4:.+]] = tessera.reshape %[[Y]] : tensor<10x20xf32> to tensor<1x10x10x2xf32>
# CHECK: tessera.transpose %[[Y4]] {perm = array<i64: 0, 2, 1, 3>}
# CHECK-LABEL: // CASE: dft_complex_axis2_inverse
# CHECK-NOT: tessera.transpose
# CHECK: tessera.constant dense<{{\[\[}}2.500000e-01, 0.000000e+00, {{.+}}> : tensor<8x8xf32>
# CHECK: tessera.reshape %arg0 : tensor<2x3x4x2xf32> to tensor<6x8xf32>
# CHECK: tessera.matmul {{.+}} : (tensor<6x8xf32>, tensor<8x8xf32>) -> tensor<6x8xf32>
# CHECK: tessera.reshape {{.+}} : tensor<6x8xf32> to tensor<2x3x4x2xf32>
# CHECK-LABEL: // CASE: dft_onesided_length
# CHECK: tessera.constant {{.+}} : tensor<5x10xf64>
# CHECK: tessera.matmul {{.+}} : (tensor<3x5xf64>, tensor<5x10xf64>) -> tensor<3x10xf64>
# CHECK: tessera.reshape {{.+}} : tensor<3x10xf64> to tensor<3x5x2xf64>
# CHECK-LABEL: // CASE: stft
# CHECK: %[[I:.+]] = tessera.constant dense<"0x{{.+}}"> : tensor<15x16xi64>
# CHECK: %[[F:.+]] = tessera.gather %arg0, %[[I]] {axis = 1 : i64} : (tensor<1x128x1xf32>, tensor<15x16xi64>) -> tensor<1x15x16x1xf32>
# CHECK-NOT: tessera.mul
# CHECK: tessera.matmul {{.+}} : (tensor<15x16xf32>, tensor<16x18xf32>) -> tensor<15x18xf32>
# CHECK: tessera.reshape {{.+}} : tensor<15x18xf32> to tensor<1x15x9x2xf32>
# CHECK-LABEL: // CASE: stft_window_complex
# CHECK: tessera.constant dense<{{\[\[}}0, 1, 2, 3, 4, 5], [4, 5, 6, 7, 8, 9], {{.+}}> : tensor<4x6xi64>
# CHECK: %[[F:.+]] = tessera.gather %arg0, %{{.+}} {axis = 1 : i64} : (tensor<2x20x2xf32>, tensor<4x6xi64>) -> tensor<2x4x6x2xf32>
# CHECK: %[[W:.+]] = tessera.reshape %arg1 : tensor<6xf32> to tensor<6x1xf32>
# CHECK: tessera.mul %[[F]], %[[W]] : (tensor<2x4x6x2xf32>, tensor<6x1xf32>) -> tensor<2x4x6x2xf32>
# CHECK: tessera.matmul {{.+}} : (tensor<8x12xf32>, tensor<12x12xf32>) -> tensor<8x12xf32>
# CHECK: tessera.reshape {{.+}} : tensor<8x12xf32> to tensor<2x4x6x2xf32>
# CHECK-LABEL: // CASE: melweightmatrix
# CHECK: tessera.constant dense<{{\[\[}}1.000000e+00, 1.000000e+00, 0.000000e+00, {{.+}}, [0.000000e+00, 0.000000e+00, 1.000000e+00, 1.000000e+00, {{.+}}> : tensor<9x8xf32>
# CHECK-LABEL: // CASE: hannwindow
# CHECK: tessera.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01]> : tensor<4xf32>
# CHECK-LABEL: // CASE: hammingwindow_f64
# CHECK: tessera.constant dense<[0.086956501007080078, 1.000000e+00, 0.086956501007080078]> : tensor<3xf64>
# CHECK-LABEL: // CASE: blackmanwindow_i32
# CHECK: tessera.constant dense<0> : tensor<4xi32>

# CHECK-LABEL: // CASE: dft_axis_last
# CHECK: (op type 'DFT', opset 17): axis must not be the last (real/imaginary) dimension
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_bad_components
# CHECK: last dimension must be 1 (real) or 2 (complex), got 3
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_onesided_inverse
# CHECK: onesided and inverse cannot both be set
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_onesided_complex
# CHECK: onesided needs a real input (last dimension 1)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_bad_flag
# CHECK: inverse must be 0 or 1, got 2
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_runtime_length
# CHECK: dft_length (input 1 'n') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_zero_length
# CHECK: dft_length must be positive, got 0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_huge_length
# CHECK: DFT of 4 samples to 4611686018427387904 bins needs a matrix larger than 16777216 elements
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_empty
# CHECK: the signal axis must not be empty
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_integer
# CHECK: input must be a float tensor
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: dft_too_large
# CHECK: DFT of 8192 samples to 8192 bins needs a matrix larger than 16777216 elements
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_no_length
# CHECK: (op type 'STFT', opset 17): needs a window or a frame_length
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_length_mismatch
# CHECK: frame_length 8 differs from the window length 4
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_frame_too_long
# CHECK: frame length 32 must be in [1, signal length 16]
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_bad_step
# CHECK: frame_step must be positive, got 0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_onesided_complex
# CHECK: onesided needs a real signal (last dimension 1)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: stft_bad_rank
# CHECK: signal must have a static shape [batch, length, 1 or 2]
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: mel_runtime_input
# CHECK: (op type 'MelWeightMatrix', opset 17): num_mel_bins (input 0 'm') must be a constant known at import time
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: mel_out_of_range
# CHECK: mel band 0 maps to spectrogram bins [0, 107] outside [0, 9)
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: mel_bad_datatype
# CHECK: unsupported output_datatype BOOL
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: window_zero_size
# CHECK: (op type 'HannWindow', opset 17): size must be positive, got 0
# CHECK: // EXIT: 1
# CHECK-LABEL: // CASE: window_bad_periodic
# CHECK: periodic must be 0 or 1, got 3
# CHECK: // EXIT: 1
