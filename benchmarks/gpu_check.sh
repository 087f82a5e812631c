#!/usr/bin/env bash
# The paper's training setting on a GPU: batch 8 x 128 frames, bf16 autocast, with and without
# gradient checkpointing; the full-size model with random weights (nothing downloaded).
# Prints per-part times, torch.cuda.max_memory_allocated per step, the three ratios to the limit,
# and `sign2gpt summary`'s estimate for the same shapes, to check the estimate against the GPU.
# Never a test dependency. About 3-5 minutes on one A100/H100 (the model build is most of it).
#
#   bash benchmarks/gpu_check.sh [cuda:0] [extra full_size.py arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
DEVICE="${1:-cuda}"
shift || true
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: this check needs a GPU')"
for ckpt in off on; do
  "$PY" -m sign2gpt summary --config configs/phoenix14t/translate.yaml --batch 8 --frames 128 \
    model.spatial.gradient_checkpointing=$([ $ckpt = on ] && echo true || echo false) \
    model.lm.gradient_checkpointing=$([ $ckpt = on ] && echo true || echo false) | tail -8
done
exec "$PY" benchmarks/full_size.py --device "$DEVICE" --batches 8 --frames 128 \
  --checkpointing off on --extra-tokens --reps 3 --ratio-frames 128 "$@"
