#!/usr/bin/env bash
# Creates the benchmark virtual environment .venv-bench at the repository root and
# installs the competitor frameworks pinned in Benchmarks/requirements.txt.
# About 7 GB (torch's PyPI wheel brings CUDA libraries; everything runs on the CPU).
#
#   bash Benchmarks/setup.sh && .venv-bench/bin/python Benchmarks/compare.py --quick
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
if [ ! -x .venv-bench/bin/python ]; then
    "$python" -m venv .venv-bench
fi
.venv-bench/bin/python -m pip install --quiet -r Benchmarks/requirements.txt
TF_CPP_MIN_LOG_LEVEL=2 .venv-bench/bin/python - <<'PY'
import keras, matplotlib, numpy, onnx, onnxruntime, tensorflow, torch
print(f"ready: numpy {numpy.__version__}, onnx {onnx.__version__}, "
      f"onnxruntime {onnxruntime.__version__}, torch {torch.__version__}, "
      f"keras {keras.__version__}, tensorflow {tensorflow.__version__}, "
      f"matplotlib {matplotlib.__version__}")
PY
