#!/usr/bin/env bash
# Command 1 of the README: set up, build, and run the main job on a small corpus that needs no
# download (this machine's Python standard library): corpus -> extract -> what the model sees.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
bin=build/release/cli
out=${DOTWISE_OUT:-out/quickstart}
mkdir -p "$out"
scripts/stdlib-corpus.sh "$out/stdlib"
"$bin/dotwise" extract "$out/stdlib/corpus" -o "$out/stdlib/data" --min-count 20
"$bin/dotwise" tokens examples/demo.py | tail -n 12
