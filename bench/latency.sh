#!/usr/bin/env bash
# One run of the runtime comparison (issue 5), JSON on stdout: the same random default-size model
# (V=20000 + 100 OOV, dx=150, dh=100, 2 layers; until a trained model exists) and the same contexts through our FP32 and INT8 runtime and through onnxruntime-node (FP32), one process each.
#   bench/latency.sh [BUILD_DIR]      (default build/release; needs `npm install` for onnxruntime-node)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bench/runtime_latency" make "$work" >/dev/null
model=$work/model-fp32.dwm
"$build/cli/dotwise" export "$model" --fp32 -o "$work/fp32.dwm" --onnx "$work/model.onnx" >&2
"$build/cli/dotwise" export "$model" --int8 -o "$work/int8.dwm" >&2
echo '{"fp32":'
"$build/bench/runtime_latency" run "$work/fp32.dwm" "$work/contexts.json" --logits "$work/ours.json"
echo ',"int8":'
"$build/bench/runtime_latency" run "$work/int8.dwm" "$work/contexts.json"
echo ',"onnxruntime_node_fp32":'
(cd "$root" && node bench/onnx_run.mjs "$work/model.onnx" "$work/contexts.json" "$work/ours.json")
echo "}"
