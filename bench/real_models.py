"""Real third-party architectures at their real sizes, Tessera beside ONNX Runtime.

torchvision ViT-B/32, a ViT-S/16 and Swin-T (224x224), torchaudio wav2vec2-base (1 s of
audio) and a Conformer, torch.nn.Transformer and a TransformerEncoder with a key-padding
mask, and the torchvision CNNs ResNet-18, ResNet-50, MobileNetV2, EfficientNet-B0,
ResNeXt-50 32x4d, RegNetY-400MF and MnasNet 1.0 (224x224): random
weights (fixed seeds), exported by torch at opset 17. Per model: compile time,
median latency of Tessera and of ONNX Runtime at the same thread count, the ratio, the
achieved GFLOP/s (the contractions' work from tessera-compile --report) and its share of
the fp32 FMA peak measured at that thread count (tessera-fma-peak; the work counts a
3x3 conv as direct, so a CNN whose 3x3 convs run as Winograd, with fewer multiply-adds, can
pass 100%), peak RSS of both and the relative L2 against torch. Run alone with `bench/run.sh BUILD --only real`.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def vit_b_32():
    import torchvision
    return torchvision.models.vit_b_32(), [("image", (1, 3, 224, 224))]


def vit_b_16():
    import torchvision
    return torchvision.models.vit_b_16(), [("image", (1, 3, 224, 224))]


def vit_s_16():
    import torchvision
    m = torchvision.models.VisionTransformer(image_size=224, patch_size=16, num_layers=12,
                                             num_heads=6, hidden_dim=384, mlp_dim=1536)
    return m, [("image", (1, 3, 224, 224))]


def swin_t():
    import torchvision
    return torchvision.models.swin_t(), [("image", (1, 3, 224, 224))]


def wav2vec2_base():
    import torch
    from torchaudio.models import wav2vec2_base

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = wav2vec2_base()

        def forward(self, wave):
            return self.m(wave)[0]

    return M(), [("wave", (1, 16000))]


def conformer():
    import torch
    from torchaudio.models import Conformer

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c = Conformer(input_dim=256, num_heads=4, ffn_dim=1024, num_layers=8,
                               depthwise_conv_kernel_size=31)

        def forward(self, x, lengths):
            return self.c(x, lengths)[0]

    return M(), [("x", (1, 200, 256)), ("lengths", None)]


def transformer():
    import torch
    t = torch.nn.Transformer(512, 8, 6, 6, 2048, dropout=0.0, batch_first=True)

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.t = t

        def forward(self, src, tgt):
            causal = torch.nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
            return self.t(src, tgt, tgt_mask=causal)

    return M(), [("src", (1, 64, 512)), ("tgt", (1, 64, 512))]


def encoder_mask():
    import torch
    layer = torch.nn.TransformerEncoderLayer(512, 8, 2048, dropout=0.0, batch_first=True)
    enc = torch.nn.TransformerEncoder(layer, 6, enable_nested_tensor=False)

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = enc

        def forward(self, x, pad):
            return self.enc(x, src_key_padding_mask=pad)

    return M(), [("x", (2, 128, 512)), ("pad", None)]


def resnet18():
    import torchvision
    return torchvision.models.resnet18(), [("image", (1, 3, 224, 224))]


def resnet50():
    import torchvision
    return torchvision.models.resnet50(), [("image", (1, 3, 224, 224))]


def mobilenet_v2():
    import torchvision
    return torchvision.models.mobilenet_v2(), [("image", (1, 3, 224, 224))]


def efficientnet_b0():
    # Squeeze-and-excitation blocks (SiLU, sigmoid gates), depthwise convs.
    import torchvision
    return torchvision.models.efficientnet_b0(), [("image", (1, 3, 224, 224))]


def resnext50_32x4d():
    # Grouped 3x3 convs (32 groups of 4 to 32 channels).
    import torchvision
    return torchvision.models.resnext50_32x4d(), [("image", (1, 3, 224, 224))]


def regnet_y_400mf():
    # Grouped convs of 8 channels per group, squeeze-and-excitation.
    import torchvision
    return torchvision.models.regnet_y_400mf(), [("image", (1, 3, 224, 224))]


def mnasnet1_0():
    # Channel counts no multiple of 16 (24, 40, 72, 120, ...), 5x5 depthwise.
    import torchvision
    return torchvision.models.mnasnet1_0(), [("image", (1, 3, 224, 224))]


def densenet121():
    # Dense blocks: every layer normalizes the concat of all earlier
    # features (kernels that differ only in their buffers' layouts).
    import torchvision
    return torchvision.models.densenet121(), [("image", (1, 3, 224, 224))]


def inception_v3():
    # Asymmetric 1x7 / 7x1 convs, four-branch concats, average pools.
    import torchvision
    return (torchvision.models.inception_v3(aux_logits=False,
                                            init_weights=True),
            [("image", (1, 3, 299, 299))])


MODELS = {
    "vit_b_32": vit_b_32,
    "vit_s_16": vit_s_16,
    "swin_t": swin_t,
    "wav2vec2_base": wav2vec2_base,
    "conformer": conformer,
    "transformer": transformer,
    "encoder_mask": encoder_mask,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
    "resnext50_32x4d": resnext50_32x4d,
    "regnet_y_400mf": regnet_y_400mf,
    "mnasnet1_0": mnasnet1_0,
    "densenet121": densenet121,
    "inception_v3": inception_v3,
}
def _recurrent(layer, frames):
    """A torch.nn recurrent layer (batch first) over `frames` frames of 80
    features; its sequence output."""
    import torch

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x)[0]

    return M(), [("x", (1, frames, 80))]


def gru():
    """torch.nn.GRU over 100 frames, 2 bidirectional layers of 256."""
    import torch
    return _recurrent(torch.nn.GRU(80, 256, num_layers=2, batch_first=True,
                                   bidirectional=True), 100)


def lstm():
    """torch.nn.LSTM over 120 frames, 3 layers of 320."""
    import torch
    return _recurrent(torch.nn.LSTM(80, 320, num_layers=3, batch_first=True), 120)


def deepspeech():
    """torchaudio's DeepSpeech (a bidirectional ReLU RNN of 2048) on 100 frames."""
    import torch
    from torchaudio.models import DeepSpeech

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.m = DeepSpeech(n_feature=161)

        def forward(self, x):
            return self.m(x)

    return M(), [("x", (1, 1, 100, 161))]


# Exported on request (`--model NAME`; bench/token_merge.py) but not part of
# this section.
def conv_tasnet():
    # torchaudio's Conv-TasNet at a small size (1 s at 8 kHz): its decoder is
    # a ConvTranspose1d of kernel 16 and stride 8.
    import torchaudio
    m = torchaudio.models.ConvTasNet(num_sources=2, enc_kernel_size=16, enc_num_feats=128,
                                     msk_kernel_size=3, msk_num_feats=64,
                                     msk_num_hidden_feats=128, msk_num_layers=4,
                                     msk_num_stacks=2)
    return m, [("audio", (1, 1, 8000))]


EXTRA = {"vit_b_16": vit_b_16, "gru": gru, "lstm": lstm, "deepspeech": deepspeech,
         "conv_tasnet": conv_tasnet}


def make_inputs(name, spec, g):
    import torch
    out = []
    for n, shape in spec:
        if n == "lengths":
            out.append(torch.tensor([200]))
        elif n == "pad":
            pad = torch.zeros(2, 128, dtype=torch.bool)
            pad[1, 90:] = True
            out.append(pad)
        else:
            out.append(torch.randn(*shape, generator=g))
    return out


def export(name, work):
    import torch
    d = os.path.join(work, name)
    onnx_path = os.path.join(d, "model.onnx")
    if os.path.exists(onnx_path):
        return d
    os.makedirs(os.path.join(d, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(d, "reference"), exist_ok=True)
    torch.manual_seed(0)
    model, spec = {**MODELS, **EXTRA}[name]()
    # torch.nn's stacks deep-copy one layer: fresh weights per layer, or the
    # compiler would see (and share) identical constants.
    for m in model.modules():
        for reset in ("reset_parameters", "_reset_parameters"):
            if hasattr(m, reset):
                getattr(m, reset)()
                break
    # Batch norms with statistics and affine parameters of their own: fresh
    # ones (mean 0, variance 1, scale 1, shift 0) are all alike, which the
    # compiler may share, and they left EfficientNet-B0's output the same
    # for every input.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
    model.eval()
    args = make_inputs(name, spec, torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = model(*args)
    torch.onnx.export(model, tuple(args), onnx_path, opset_version=17,
                      input_names=[n for n, _ in spec], output_names=["y"],
                      do_constant_folding=True)
    for (n, _), a in zip(spec, args):
        np.save(os.path.join(d, "inputs", n + ".npy"), a.numpy())
    np.save(os.path.join(d, "reference", "y.npy"), ref.numpy())
    return d


def peak_rss_mb(cmd, timeout=None):
    """Runs cmd under /usr/bin/time -f %M; returns (stdout, peak RSS in MB)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, capture_output=True,
                       text=True, timeout=timeout)
    return r.stdout, int(r.stderr.strip().splitlines()[-1]) / 1024


def fma_peak(build, threads):
    """The measured fp32 FMA peak of `threads` cores (tessera-fma-peak), GFLOP/s."""
    from run import pinned
    subprocess.run(["ninja", "-C", build, "tessera-fma-peak"], check=True,
                   stdout=subprocess.DEVNULL)
    r = subprocess.run(pinned([os.path.join(build, "bin/tessera-fma-peak"), str(threads)],
                              threads), check=True, capture_output=True, text=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def section(args, work):
    from run import geomean, pinned, rel_l2
    names = args.model or list(MODELS)
    # The FMA peak per thread count, measured before the models (achieved
    # GFLOP/s is reported as a share of it).
    peaks = {t: fma_peak(args.build, t) for t in args.thread_counts}
    for t, p in peaks.items():
        print(f"  fp32 FMA peak, {t} thread(s) ({p['isa']}): {p['gflops']:.1f} GFLOP/s",
              flush=True)
    rows = []
    for name in names:
        d = export(name, work)
        onnx_path = os.path.join(d, "model.onnx")
        exe = os.path.join(d, "model")
        t0 = time.time()
        report = os.path.join(d, "report.json")
        subprocess.run([os.path.join(args.build, "bin/tessera-compile"), onnx_path, "-o", exe,
                        "-O3", "--report=" + report], check=True)
        compile_s = time.time() - t0
        gflop = json.load(open(report))["gflop"]
        flags = [f"--input={n[:-4]}={os.path.join(d, 'inputs', n)}"
                 for n in sorted(os.listdir(os.path.join(d, "inputs")))]
        out_dir = os.path.join(d, "out")
        iters = max(5, args.iters // 3)
        res = {}
        for threads in args.thread_counts:
            # Rounds alternate Tessera and ONNX Runtime, so that a noisy spell
            # on the shared machine hits both; each figure is the median of
            # the rounds' medians.
            tms, oms, rss, orss = [], [], 0, 0
            for _ in range(args.rounds):
                stdout, r = peak_rss_mb(pinned([exe, *flags, "--output-dir", out_dir, "--bench",
                                                str(iters), "--threads", str(threads)], threads))
                tms.append(json.loads(stdout.strip().splitlines()[-1])["median_ms"])
                ostdout, o = peak_rss_mb(pinned(["node", os.path.join(HERE, "ort_bench.js"),
                                                 onnx_path, os.path.join(d, "inputs"), str(iters),
                                                 str(threads)], threads))
                oms.append(json.loads(ostdout.strip().splitlines()[-1])["median_ms"])
                rss, orss = max(rss, r), max(orss, o)
            res[threads] = (float(np.median(tms)), float(np.median(oms)), rss, orss)
        err = rel_l2(np.load(os.path.join(out_dir, "y.npy")),
                     np.load(os.path.join(d, "reference", "y.npy")))
        rows.append((name, compile_s, res, gflop, err))
        print(f"  {name}: compiled in {compile_s:.1f} s, " +
              ", ".join(f"{t}T {v[0]:.2f} vs ort {v[1]:.2f} ms" for t, v in res.items()),
              flush=True)

    head = f"\n{'model':14s} {'compile s':>9s} {'GFLOP':>6s}"
    for t in args.thread_counts:
        head += f" | {t}T {'ms':>8s} {'ort ms':>8s} {'ratio':>6s} {'GFLOP/s':>7s} {'%peak':>5s}"
    head += f" | {'RSS MB':>7s} {'ort RSS':>7s} {'rel L2':>8s}"
    print(head)
    ratios = {t: [] for t in args.thread_counts}
    for name, cs, res, gflop, err in rows:
        line = f"{name:14s} {cs:9.1f} {gflop:6.2f}"
        for t in args.thread_counts:
            tms, oms, rss, orss = res[t]
            ratios[t].append(tms / oms)
            rate = gflop / tms * 1e3
            line += (f" | {'':2s} {tms:8.2f} {oms:8.2f} {tms / oms:6.2f} {rate:7.1f}"
                     f" {100 * rate / peaks[t]['gflops']:5.0f}")
        tms, oms, rss, orss = res[args.thread_counts[0]]
        line += f" | {rss:7.0f} {orss:7.0f} {err:8.1e}"
        print(line)
    line = f"{'geomean':14s} {'':9s} {'':6s}"
    for t in args.thread_counts:
        geo = geomean(ratios[t])
        line += f" | {'':2s} {'':8s} {'':8s} {geo:6.2f} {'':7s} {'':5s}"
    print(line)
    return ratios[args.thread_counts[0]]
