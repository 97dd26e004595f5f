#!/usr/bin/env bash
# Jedi's order vs the baselines on the same sample of sites (issue 3's static-analysis peer).
#   bench/jedi.sh DATA MANIFEST [N] [BUILD_DIR]     -> JSON summary on stdout, per-site ranks in DATA/jedi_ranks.jsonl
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${1:?usage: bench/jedi.sh DATA MANIFEST [N] [BUILD_DIR]} manifest=${2:?manifest.tsv} n=${3:-500}
build=${4:-$repo/build/release}
sites=$(mktemp --suffix=.jsonl)
trap 'rm -f "$sites"' EXIT
"$build/bench/jedi_sample" "$data" "$manifest" "$sites" --n "$n" >&2
/usr/bin/python3 "$repo/bench/jedi_order.py" "$sites" --out "$data/jedi_ranks.jsonl"
