#!/bin/bash
# One call on a machine with an NVIDIA GPU (the `device` tool's): runs what
# `bench/cuda.py prepare` built here (DIR, carried along) and writes the log to
# $OUT/cuda.log. Needs no compiler there: the executables only need libc,
# libstdc++, the driver and (for GEMMs) cuBLASLt, which it looks for.
#   bash bench/cuda_device.sh DIR [cuda.py run options...]
set -u
dir=$1; shift
out=${OUT:-/tmp}
exec > >(tee "$out/cuda.log") 2>&1
nvidia-smi -L
lt=$(find / -xdev -name 'libcublasLt.so.1[23]*' 2>/dev/null | head -1)
[ -n "$lt" ] && export LD_LIBRARY_PATH=$(dirname "$lt")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "cuBLASLt: ${lt:-not found}"
if [ -x "$dir/mlp/gpu" ]; then
  python3 -c "import numpy as np; np.save('/tmp/x.npy', np.ones((4, 8), np.float32))"
  "$dir/mlp/gpu" --input x=/tmp/x.npy --output-dir /tmp/mlp-out; echo "mlp exit $?"
  python3 -c "import numpy as np; y = np.load('/tmp/mlp-out/y.npy'); print('mlp', y.shape, 'ok' if np.all(y == 4.25) else y)"
  if [ -n "${CUDA_DEBUG:-}" ]; then
    TESSERA_CUDA_DEBUG=1 "$dir/mlp/gpu" --input x=/tmp/x.npy --output-dir /tmp/mlp-out
    command -v compute-sanitizer >/dev/null &&
      timeout 120 compute-sanitizer --print-limit 5 "$dir/mlp/gpu" --input x=/tmp/x.npy --output-dir /tmp/mlp-out 2>&1 | head -40
  fi
fi
if [ -n "${CUDA_DEBUG:-}" ] && [ -x "$dir/bert/cuda" ]; then
  args=(); for f in "$dir"/bert/inputs/*.npy; do n=$(basename "$f" .npy); args+=(--input "$n=$f"); done
  TESSERA_CUDA_DEBUG=1 "$dir/bert/cuda" "${args[@]}" --output-dir /tmp/bert-dbg 2>&1 | head -30
fi
PYTHONUNBUFFERED=1 python3 bench/cuda.py run "$dir" "$@"
rc=$?
# A failing model again under compute-sanitizer (first one only).
if [ $rc -ne 0 ] && command -v compute-sanitizer >/dev/null; then
  for d in "$dir"/*/; do
    [ -x "$d/cuda" ] || continue
    args=(); for f in "$d"/inputs/*.npy; do n=$(basename "$f" .npy); args+=(--input "$n=$f"); done
    if ! timeout 60 "$d/cuda" "${args[@]}" --output-dir /tmp/san-check >/dev/null 2>&1; then
      echo "== compute-sanitizer on $d"
      timeout 120 compute-sanitizer --print-limit 5 "$d/cuda" "${args[@]}" --output-dir /tmp/san 2>&1 | head -60
      break
    fi
  done
fi
exit $rc
