#!/usr/bin/env bash
# Installs Tessera's build and test dependencies from Debian's archive (idempotent; root).
# Usage: scripts/install-deps.sh [--bench|--fuzz]   (--bench also fetches onnxruntime-node from
# npm; --fuzz adds clang-22's sanitizer/libFuzzer runtimes for `make fuzz` and check-sanitize)
set -euo pipefail

pkgs=(
  cmake ninja-build g++ make
  clang-22  # builds the tree (~3x less compile time than g++ here)
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libdnnl-dev zlib1g-dev libzstd-dev
  python3-numpy python3-onnx python3-torch python3-torchvision python3-torchaudio
  python3-sklearn  # the digits data set of the trained test models
  libopenblas0-pthread  # torch (test models, references) on OpenBLAS, not the reference BLAS
  graphviz  # `dot` renders --emit=dot (tested)
  lld  # links compiled models (a ViT-B's 350 MB of weights: 0.8 s against 3.1 s with ld.bfd)
)
if [ "${1:-}" = "--fuzz" ]; then
  pkgs+=(libclang-rt-22-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present"
fi

if [ "${1:-}" = "--bench" ]; then
  here="$(cd "$(dirname "$0")/.." && pwd)"
  if [ ! -d "$here/bench/node_modules/onnxruntime-node" ]; then
    (cd "$here/bench" && npm install --no-save --ignore-scripts onnxruntime-node@1.30.0 >/dev/null)
  fi
fi
