#!/usr/bin/env bash
# Trains the learned ranker for a model on the Debian corpus, the way models/default.dwr was made:
# editor-protocol rows from every train project (60 sites each), early stopping on the valid split (60
# per project) within 250 rounds, the report on the test split (100 per project), then the ablation
# (each feature group removed and the ranker retrained). The round cap bounds the server's cost per
# completion: on 2026-12-08, 376 uncapped rounds reached valid NDCG@5 .7115 against .7095 at 242.
#
#   scripts/train-ranker.sh CORPUS_DIR OUT_DIR [MODEL.dwm]      (CORPUS_DIR: `dotwise corpus` output)
#
# ABLATE=0 leaves the ablation out (it retrains the ranker six more times: most of the run's time).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?corpus dir}; out=${2:?output dir}; model=${3:-models/default.dwm}
bin=build/release/cli
mkdir -p "$out"
for split in train valid test; do
  case $split in
    train) opts=(--cap 60) ;;
    valid) opts=(--cap 60) ;;
    test) opts=(--cap 100) ;;
  esac
  [[ -f "$out/$split.feat" ]] || "$bin/dotwise" eval --protocol editor "$corpus" --split "$split" "${opts[@]}" \
    --model "$model" --no-ranker --dump-features "$out/$split.feat" --json > "$out/$split.json"
done
"$bin/dotwise-ranker" --train "$out/train.feat" --valid "$out/valid.feat" --test "$out/test.feat" --model "$model" \
  -o "$out/ranker.dwr" --xgboost-json "$out/ranker.xgboost.json" --rounds 250 \
  $([[ ${ABLATE:-1} == 0 ]] || echo --ablate) "${@:4}" |
  tee "$out/report.json"
echo "train-ranker: $out/ranker.dwr (copy it beside the model as ${model%.dwm}.dwr)"
