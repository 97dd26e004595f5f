#!/usr/bin/env bash
# One run of the runtime comparison (issue 5), JSON on stdout: the same model and the same contexts
# through our FP32 and INT8 runtime and through onnxruntime-node (FP32), one process each.
#   bench/latency.sh [BUILD_DIR]         a random default-size model (V=20000 + 100 OOV, dx=150,
#                                        dh=100, 2 layers) on random Zipf-like token ids: the worst case
#   bench/latency.sh --real [BUILD_DIR]  the shipped model (models/default.dwm; FP32 = its INT8 weights
#                                        dequantized, so all three run the same weights) on contexts cut
#                                        from real code (the python3 stdlib) before member-access sites
# (default build/release; needs `npm ci` for onnxruntime-node, scripts/setup.sh does it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
real=0
if [[ "${1:-}" == "--real" ]]; then real=1; shift; fi
build=${1:-$root/build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ((real)); then
  model=$root/models/default.dwm
  pylib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
  "$build/bench/runtime_latency" real "$model" "$pylib" "$work" >&2
else
  "$build/bench/runtime_latency" make "$work" >/dev/null
  model=$work/model-fp32.dwm
fi
"$build/cli/dotwise" export "$model" --fp32 -o "$work/fp32.dwm" --onnx "$work/model.onnx" >&2
"$build/cli/dotwise" export "$model" --int8 -o "$work/int8.dwm" >&2
echo '{"fp32":'
"$build/bench/runtime_latency" run "$work/fp32.dwm" "$work/contexts.json" --logits "$work/ours.json"
echo ',"int8":'
"$build/bench/runtime_latency" run "$work/int8.dwm" "$work/contexts.json"
echo ',"int8_16_documents":'
"$build/bench/runtime_latency" sessions "$work/int8.dwm"
echo ',"onnxruntime_node_fp32":'
(cd "$root" && node bench/onnx_run.mjs "$work/model.onnx" "$work/contexts.json" "$work/ours.json")
echo "}"
