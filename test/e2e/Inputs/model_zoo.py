"""Architectures from torchvision and torchaudio that no other test covers,
exported by torch (random weights, fixed seed, small inputs), compiled with
tessera-compile and compared with torch (relative L2 <= 1e-4).

usage: model_zoo.py TOOLS_DIR WORK_DIR [NAME...]   -> "NAME: ok (...)" lines
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torchaudio
import torchvision

tv = torchvision.models


def seg(ctor):
    return lambda: ctor(weights=None, weights_backbone=None)


# name: (constructor, input shapes); sizes cut down where the architecture
# allows, so that the whole file runs in about a minute.
MODELS = {
    "densenet121": (lambda: tv.densenet121(), [(1, 3, 64, 64)]),
    "inception_v3": (lambda: tv.inception_v3(aux_logits=False, init_weights=True),
                     [(1, 3, 96, 96)]),
    "shufflenet_v2": (lambda: tv.shufflenet_v2_x0_5(), [(1, 3, 64, 64)]),
    "mobilenet_v3_small": (lambda: tv.mobilenet_v3_small(), [(1, 3, 64, 64)]),
    "efficientnet_b0": (lambda: tv.efficientnet_b0(), [(1, 3, 64, 64)]),
    "regnet_y_400mf": (lambda: tv.regnet_y_400mf(), [(1, 3, 64, 64)]),
    "convnext_tiny": (lambda: tv.convnext_tiny(), [(1, 3, 64, 64)]),
    "lraspp_mobilenet_v3": (seg(tv.segmentation.lraspp_mobilenet_v3_large), [(1, 3, 64, 64)]),
    # 224x224: a 14x14 map under the ASPP's dilated 3x3 convs, so rate 12's
    # outer taps read the map in part and rates 24 and 36 only the padding
    # (cut to 1x1 convs); a bilinear upsampling by 16 at the end.
    "deeplabv3_mobilenet_v3": (seg(tv.segmentation.deeplabv3_mobilenet_v3_large),
                               [(1, 3, 224, 224)]),
    "r2plus1d_18": (lambda: tv.video.r2plus1d_18(), [(1, 3, 4, 32, 32)]),
    # The smallest clip its final 2x7x7 average pool takes; 3-d max pools.
    "s3d": (lambda: tv.video.s3d(), [(1, 3, 16, 224, 224)]),
    "conv_tasnet": (lambda: torchaudio.models.ConvTasNet(
        num_sources=2, enc_num_feats=64, msk_num_feats=32, msk_num_hidden_feats=64,
        msk_num_layers=3, msk_num_stacks=1), [(1, 1, 2000)]),
    "deepspeech": (lambda: torchaudio.models.DeepSpeech(n_feature=40, n_hidden=64, n_class=20),
                   [(1, 1, 20, 40)]),
}


def main():
    tools, work = sys.argv[1:3]
    names = sys.argv[3:] or list(MODELS)
    torch.set_num_threads(1)
    failed = 0
    for name in names:
        ctor, shapes = MODELS[name]
        d = os.path.join(work, name)
        os.makedirs(os.path.join(d, "out"), exist_ok=True)
        torch.manual_seed(0)
        model = ctor().eval()
        # Batch norms with statistics and affine parameters of their own
        # (fresh ones hold mean 0, variance 1, scale 1, shift 0), so that
        # their folded per-channel factors and shifts are checked.
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.running_mean.normal_(0.0, 0.1)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0.0, 0.1)
        xs = [torch.randn(*s) for s in shapes]
        with torch.no_grad():
            y = model(*xs)
            y = y["out"] if isinstance(y, dict) else y
            torch.onnx.export(model, tuple(xs), os.path.join(d, "model.onnx"), opset_version=17,
                              input_names=[f"x{i}" for i in range(len(xs))],
                              output_names=["y"], do_constant_folding=True)
        args = [os.path.join(d, "model"), "--output-dir", os.path.join(d, "out")]
        for i, x in enumerate(xs):
            np.save(os.path.join(d, f"x{i}.npy"), x.numpy())
            args += ["--input", f"x{i}={os.path.join(d, f'x{i}.npy')}"]
        subprocess.run([os.path.join(tools, "tessera-compile"), os.path.join(d, "model.onnx"),
                        "-o", os.path.join(d, "model")], check=True)
        subprocess.run(args, check=True)
        got = np.load(os.path.join(d, "out", "y.npy")).astype(np.float64)
        want = y.numpy().astype(np.float64)
        if got.shape != want.shape or np.isnan(got).any():
            print(f"{name}: FAIL shape {got.shape} vs {want.shape} or NaN")
            failed += 1
            continue
        rel = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30)
        print(f"{name}: {'ok' if rel <= 1e-4 else 'FAIL'} (relative L2 {rel:.1e})", flush=True)
        failed += rel > 1e-4
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
