#!/usr/bin/env bash
# Feeds bad inputs to every component through the CLI and prints what the user sees (exit code and
# the first line of stderr) as Markdown table rows: the source of docs/BAD_INPUT.md.
#   scripts/bad_input_survey.sh [BUILD_DIR]      (default build/release; needs cli/dotwise)
# MODEL=FILE.dwm: a real model to damage (default: models/*.dwm or the fuzz seeds);
# TRAIN=PATH: dotwise-train (default BUILD_DIR/cli/dotwise-train; its rows are left out without it).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
DW="$PWD/$BUILD/cli/dotwise"
TRAIN=${TRAIN:-$PWD/$BUILD/cli/dotwise-train}
T=$(mktemp -d /tmp/dw-bad-input.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"

rowo() {  # rowo COMPONENT INPUT STDOUT_PATTERN -- command...: a run that succeeds, reporting on stdout
  local comp="$1" what="$2" pat="$3"; shift 4
  local out rc
  out=$("$@" 2>/dev/null </dev/null); rc=$?
  out=$(printf '%s' "$out" | grep -E "$pat" | head -n 1 | cut -c1-200 | sed "s#$T/##g; s/|/\\\\|/g")
  echo "| $comp | $what | $rc | stdout: \`$out\` |"
}
row() {  # row COMPONENT INPUT -- command...
  local comp="$1" what="$2"; shift 3
  local out rc
  out=$("$@" 2>&1 >/dev/null </dev/null); rc=$?
  out=$(printf '%s' "$out" | grep -v '^\s*$' | grep -v '^extract \|^corpus ' | head -n 1 | cut -c1-200 | sed "s#$T/##g; s/|/\\\\|/g")
  [[ -z "$out" ]] && out="(nothing on stderr)"
  echo "| $comp | $what | $rc | \`$out\` |"
}

# --- a small good corpus and its outputs, to damage copies of ---
mkdir -p proj/pkg
printf 'import os\nos.getcwd()\nos.path.join("a", "b")\n' > proj/pkg/a.py
printf 's = "x"\ns.upper()\ns.strip().lower()\n' > proj/pkg/b.py
"$DW" corpus proj -o corpus >/dev/null 2>&1
"$DW" extract corpus -o data --min-count 1 -j 1 >/dev/null 2>&1
shard=$(ls data/*.dws | head -1)

echo "| Component | Bad input | Exit | What the user sees |"
echo "|---|---|---|---|"
# Extractor (dotwise tokens shows a single file; dotwise extract counts skips instead)
: > empty.py; row extractor "empty file" -- "$DW" tokens empty.py
printf 'x = 1\0\0\n' > nul.py; row extractor "NUL bytes (binary)" -- "$DW" tokens nul.py
head -c 3000 /dev/urandom > rand.py; row extractor "random bytes" -- "$DW" tokens rand.py
python3 -c "import sys; sys.stdout.buffer.write(b'x = 1\n' + bytes([0xc3, 0x28]) * 500)" > latin.py; row extractor "invalid UTF-8, no NUL" -- "$DW" tokens latin.py
python3 -c "print('x = ' + '(' * 100000)" > deep.py; row extractor "100k nested parentheses" -- "$DW" tokens deep.py
printf 'def f(:\n    os.getcwd(\n' > syntax.py; row extractor "syntax errors" -- "$DW" tokens syntax.py
printf 'x.\001c\n' > ctrl.py; row extractor "control character between . and name" -- "$DW" tokens ctrl.py
row extractor "missing file" -- "$DW" tokens nonexistent.py
row extractor "a directory" -- "$DW" tokens proj
# Corpus and manifest
row corpus "project directory missing" -- "$DW" corpus nonexistent -o c2
printf 'hello\n' > bad-manifest.tsv; row manifest "wrong header" -- "$DW" extract bad-manifest.tsv -o x1
{ head -1 corpus/manifest.tsv; printf 'p\ttrain\tzz\t1\ta.py\t/x/a.py\n'; } > bad2.tsv; row manifest "bad hash field" -- "$DW" extract bad2.tsv -o x2
cp corpus/manifest.tsv gone.tsv; sed -i "s#$T/proj/pkg/a.py#$T/proj/pkg/deleted.py#" gone.tsv
rowo manifest "listed file deleted since (counted skip)" "skipped" -- "$DW" extract gone.tsv -o x3 --min-count 1 -j 1
# Shards (read by eval; --resume re-extracts a damaged one)
mkdir -p d1 && cp data/* d1/ && f=$(ls d1/*.dws | head -1) && truncate -s -7 "$f"; row shard "truncated shard" -- "$DW" eval d1 --split train --no-default-model
mkdir -p d2 && cp data/* d2/ && f=$(ls d2/*.dws | head -1) && printf '\x55' | dd of="$f" bs=1 seek=60 conv=notrunc 2>/dev/null; row shard "one byte flipped" -- "$DW" eval d2 --split train --no-default-model
mkdir -p d3 && cp data/* d3/ && f=$(ls d3/*.dws | head -1) && printf '\x09' | dd of="$f" bs=1 seek=8 conv=notrunc 2>/dev/null; row shard "future version" -- "$DW" eval d3 --split train --no-default-model
mkdir -p d4 && cp data/* d4/ && f=$(ls d4/*.dws | head -1) && echo 'not a shard' > "$f"; row shard "not a shard at all" -- "$DW" eval d4 --split train --no-default-model
mkdir -p d5 && cp data/* d5/ && f=$(ls d5/*.dws | head -1) && truncate -s -7 "$f"; rowo shard "truncated, then extract --resume (re-extracted)" "resumed_shards" -- "$DW" extract corpus -o d5 --resume --min-count 1 -j 1 --json
# Vocabulary
printf 'garbage without tabs\n' > bad-vocab.tsv; row vocab "malformed vocab.tsv (--vocab)" -- "$DW" extract corpus -o x4 --vocab bad-vocab.tsv
mkdir -p d6 && cp data/* d6/ && : > d6/vocab.tsv; row vocab "empty vocab.tsv in a data dir" -- "$DW" eval d6 --split train --no-default-model
# Model file
: > empty.dwm; row model "empty file" -- "$DW" complete --model empty.dwm proj/pkg/a.py:2:4
echo 'hello' > text.dwm; row model "not a model (text)" -- "$DW" complete --model text.dwm proj/pkg/a.py:2:4
row model "missing file" -- "$DW" complete --model nonexistent.dwm proj/pkg/a.py:2:4
row model "a directory" -- "$DW" complete --model proj proj/pkg/a.py:2:4
# A real model to damage: $MODEL, else one from models/ or from the fuzz seeds (scripts/fuzz.sh).
M=${MODEL:-$(ls "$OLDPWD"/models/*.dwm "$OLDPWD"/build/fuzz/run/seeds/model/*.dwm 2>/dev/null | head -1)}
if [[ -n "$M" ]]; then
  cp "$M" t.dwm && truncate -s -100 t.dwm; row model "truncated model" -- "$DW" complete --model t.dwm proj/pkg/a.py:2:4
  cp "$M" f.dwm && printf '\x55' | dd of=f.dwm bs=1 seek=$(( $(stat -c%s f.dwm) / 2 )) conv=notrunc 2>/dev/null; row model "one byte flipped" -- "$DW" complete --model f.dwm proj/pkg/a.py:2:4
  cp "$M" v.dwm && printf '\x07' | dd of=v.dwm bs=1 seek=8 conv=notrunc 2>/dev/null; row model "future format version" -- "$DW" complete --model v.dwm proj/pkg/a.py:2:4
fi
# LSP server: raw bytes on stdin, what comes back on stdout (first message) and the exit code
frame() { printf 'Content-Length: %d\r\n\r\n%s' "${#1}" "$1"; }
lsp() {  # lsp WHAT RAW_BYTES
  local out rc err
  printf '%s' "$2" | DOTWISE_MODEL= "$DW" serve >lsp.out 2>lsp.err; rc=$?
  out=$(tr -d '\r' <lsp.out | sed 's/Content-Length: [0-9]*/\n/g' | grep -v '^$' | tail -n 1 | cut -c1-200)  # the last reply
  err=$(grep -v 'no model\|loaded' lsp.err | head -n 1 | cut -c1-160)
  echo "| lsp server | $1 | $rc | stdout: \`${out//|/\\|}\`${err:+ stderr: \`$err\`} |"
}
init=$(frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}')
lsp "header without Content-Length" $'Content-Type: x\r\n\r\n{}'
lsp "body is not JSON" "$(frame '{nope')"
lsp "body is JSON but not an object" "$(frame '[1,2]')"
lsp "body shorter than its length, then EOF" $'Content-Length: 99\r\n\r\n{}'
lsp "Content-Length of 10^15" $'Content-Length: 1000000000000000\r\n\r\n{}'
hover=$(frame '{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}')
lsp "Content-Length of 99999999999, then a request" $'Content-Length: 99999999999\r\n\r\n{"id":'"$hover"
lsp "header without its body, then a request" $'Content-Length: 50\r\n\r\n'"$hover"
lsp "body shorter than its length, then a request" $'Content-Length: 500\r\n\r\n{"id":3}'"$hover"
lsp "request before initialize" "$(frame '{"jsonrpc":"2.0","id":1,"method":"textDocument/hover"}')"
lsp "unknown method (after initialize)" "$init$(frame '{"jsonrpc":"2.0","id":2,"method":"no/such/thing"}')"
lsp "completion for a document never opened" "$init$(frame '{"jsonrpc":"2.0","id":2,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///x.py"},"position":{"line":0,"character":0}}}')"
lsp "document over the size cap (maxDocumentBytes 10)" "$(frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"initializationOptions":{"maxDocumentBytes":10}}}')$(frame '{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///x.py","languageId":"python","version":1,"text":"import os\nos."}}}')$(frame '{"jsonrpc":"2.0","id":2,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///x.py"},"position":{"line":1,"character":3}}}')"
lsp "model setting names a missing file" "$(frame '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"initializationOptions":{"model":"/nonexistent.dwm"}}}')"
# Trainer checkpoint (dotwise-train, when built with libtorch)
if [[ -x "$TRAIN" ]]; then
  echo 'not a checkpoint' > bad.dwc; row trainer "--init with a text file as checkpoint" -- "$TRAIN" train data -o tr1 --init bad.dwc --max-steps 1 --threads 1
  mkdir -p tr2 && echo 'garbage' > tr2/checkpoint.dwc; row trainer "--resume with a corrupted checkpoint" -- "$TRAIN" train data -o tr2 --resume --max-steps 1 --threads 1
fi
