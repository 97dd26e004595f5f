#!/usr/bin/env bash
# Trains the default LSTM the way models/default.dwm is made, in legs: each call runs at most
# MINUTES (default 80) and leaves RUN/checkpoint.dwc; the same call again goes on from there (bit-exact
# with one uninterrupted run) until the epochs are done. Then export and quantize (see models/README.md).
#
#   scripts/train-default.sh DATA RUN [MINUTES] [extra dotwise-train flags...]
#
# DATA: `dotwise extract` output (min-count 200, see the model card). Hyper-parameters from
# `dotwise-train tune --keep-size --keep-vocab` (the model card has the sweep). 2 processes x 256 lanes:
# the same steps as one process with 512 (tested), ~10% faster on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:?data dir}; run=${2:?run dir}; minutes=${3:-80}
shift $(($# < 3 ? $# : 3))
: "${LR:=0.005}" "${DROPOUT:=0.1}" "${BPTT:=100}"
exec build/release/cli/dotwise-train train "$data" -o "$run" --resume --procs 2 --batch 256 --no-lr-scale \
  --lr "$LR" --dropout "$DROPOUT" --bptt "$BPTT" --epochs 2 --patience 0 --max-valid-files 500 \
  --valid-every 5000000 --checkpoint-minutes 10 --max-minutes "$minutes" --quiet "$@"
