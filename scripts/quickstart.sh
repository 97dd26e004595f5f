#!/usr/bin/env bash
# Command 1 of the README: set up, build, and run the main job — the shipped default model ranking the
# members after "." at a few positions of examples/demo.py — then the data pipeline on a small corpus
# that needs no download (this machine's Python standard library).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
bin=build/release/cli

echo "== the default model (models/default.dwm) ranking members in examples/demo.py"
for pos in 16:28 18:44 19:13 22:19 27:17; do
  "$bin/dotwise" complete "examples/demo.py:$pos" -n 5
done

echo "== the pipeline on this machine's standard library: corpus -> extract -> tokens"
out=${DOTWISE_OUT:-out/quickstart}
mkdir -p "$out"
scripts/stdlib-corpus.sh "$out/stdlib"
"$bin/dotwise" extract "$out/stdlib/corpus" -o "$out/stdlib/data" --min-count 20
"$bin/dotwise" tokens examples/demo.py | tail -n 12

cat <<'MSG'
== in your editor
  dotwise serve -- pyright-langserver --stdio   # proxy in front of any Python language server
  dotwise serve                                  # standalone
  Neovim, VS Code and Helix setups: editors/README.md
MSG
