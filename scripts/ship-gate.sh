#!/usr/bin/env bash
# The ship gate for a new default model: it replaces models/default.dwm only if, on the Debian test
# split, its MRR is higher with a paired-bootstrap 95% CI above zero under both paper protocols and the
# editor protocol (each model with its own learned ranker, as the server would rank), and its INT8 file
# loses at most 0.5 point of top-5 against FP32. This script measures; it decides nothing by itself.
#
#   scripts/ship-gate.sh NEW_FP32.dwm DATA CORPUS OUT [OLD.dwm]
#
# NEW_FP32: `dotwise-train export` of the run. DATA: `dotwise extract` output with the new model's
# vocabulary (the old model is ranked with its own, see `dotwise eval`). CORPUS: `dotwise corpus`
# output (the editor protocol reads the sources). OLD: the current default (its .dwr beside it).
# Writes OUT/new.dwm (+ .dwr, trained here unless present), OUT/paper.json, OUT/editor.json.
# CAP (default 500) sites per project in the paper protocols; ABLATE (default 0) as in train-ranker.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
fp32=${1:?new FP32 model}; data=${2:?data dir}; corpus=${3:?corpus dir}; out=${4:?output dir}
old=${5:-models/default.dwm}
bin=build/release/cli
mkdir -p "$out"
cp "$fp32" "$out/new-fp32.dwm"
cp "$old" "$out/old.dwm" && cp "${old%.dwm}.dwr" "$out/old.dwr"
[[ -f "$out/new.dwm" ]] || "$bin/dotwise" export "$out/new-fp32.dwm" --int8 -o "$out/new.dwm"
if [[ ! -f "$out/new.dwr" ]]; then
  ABLATE=${ABLATE:-0} scripts/train-ranker.sh "$corpus" "$out/ranker" "$out/new.dwm"
  cp "$out/ranker/ranker.dwr" "$out/new.dwr"
fi
"$bin/dotwise" eval "$data" --split test --cap "${CAP:-500}" --rankers markov --model "$out/new.dwm" \
  --model "$out/new-fp32.dwm" --model "$out/old.dwm" --compare model:new,model:old --json > "$out/paper.json"
"$bin/dotwise" eval --protocol editor "$corpus" --split test --model "$out/new.dwm" --model "$out/old.dwm" \
  --json > "$out/editor.json"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
paper, editor = json.load(open(f"{out}/paper.json")), json.load(open(f"{out}/editor.json"))
ok = True
for c in paper["comparisons"]:
    m = c["mrr"]
    print(f"paper {c['protocol']:<10} new - old MRR {m['diff']:+.4f} [{m['lo']:+.4f}, {m['hi']:+.4f}]")
    ok &= m["lo"] > 0
for c in editor["compare"]:
    if c["a"].endswith("@new") and c["b"].endswith("@old"):
        m = c["mrr"]
        print(f"editor {c['a']} - {c['b']} MRR {m['diff']:+.4f} [{m['lo']:+.4f}, {m['hi']:+.4f}]")
        ok &= m["lo"] > 0 if c["a"].startswith(("learned", "heuristic")) else True
for proto, p in paper["protocols"].items():
    r = p["rankers"]
    loss = r["model:new-fp32"]["top5"] - r["model:new"]["top5"]
    print(f"paper {proto:<10} INT8 top-5 {r['model:new']['top5']:.4f}, FP32 {r['model:new-fp32']['top5']:.4f}: loss {100 * loss:.2f} points")
    ok &= loss <= 0.005
print("gate:", "PASS" if ok else "FAIL")
PY
