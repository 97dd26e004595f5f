#!/usr/bin/env bash
# A fuzz campaign whose results accumulate in the repo (scripts/fuzz.sh is the short CI run).
#
#   scripts/fuzz-campaign.sh --seconds 600                      each target for 10 minutes
#   scripts/fuzz-campaign.sh --seconds 300 --targets "extract lsp"
#   scripts/fuzz-campaign.sh --totals                           only print the log's cumulative totals
#
# For each target it:
#  1. fuzzes with a coverage-only build (no sanitizers: several times the executions per second),
#     starting from the repo's corpus tests/data/fuzz/<target>/ and generated seeds;
#  2. merges the repo corpus and everything the run found into a minimized corpus (libFuzzer -merge),
#     capped at --max-corpus-kb (default 512; the largest inputs dropped first), and writes it back into
#     tests/data/fuzz/<target>/ — files named by their SHA-1 are the corpus, other names (crash
#     reproducers, hand-written cases) are never removed;
#  3. replays the whole resulting directory under the ASan/UBSan build (what tests/fuzz/ReplayTest.cpp
#     also does in CI), so every input the fast build added has run under the sanitizers;
#  4. copies any crashing input into tests/data/fuzz/<target>/crash-<sha1> (a replay test from then
#     on) and appends one line per target to tests/data/fuzz/campaigns.tsv.
# Prints JSON: this run per target and the log's cumulative totals. Exit 1 on any crash or failed replay.
#
# Environment: COV_BUILD (default build/fuzz-cov), ASAN_BUILD (default build/fuzz), WORK (default
# build/fuzz-campaign), JOBS, PYLIB, SEED_FILES as in scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
targets="extract index lsp model shard"
max_kb=512
totals_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --max-corpus-kb) max_kb="$2"; shift 2 ;;
    --totals) totals_only=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--targets \"extract index lsp model shard\"] [--max-corpus-kb K] [--totals]" >&2
       exit 2 ;;
  esac
done
LOG=tests/data/fuzz/campaigns.tsv
COLUMNS="date	commit	target	seconds	executions	exec_per_s	cov	ft	corpus_files	corpus_kb	dropped_for_cap	crashes	asan_replay"
[[ -f $LOG ]] || echo "$COLUMNS" >"$LOG"

totals() {
  awk -F'\t' 'NR > 1 { e[$3] += $5; s[$3] += $4; c[$3] += $12; if ($13 != "ok") f[$3]++ }
    END { printf "{"; sep = "";
          for (t in e) { printf "%s\"%s\": {\"executions\": %d, \"seconds\": %d, \"crashes\": %d, \"failed_replays\": %d}",
                         sep, t, e[t], s[t], c[t], f[t] + 0; sep = ", " }
          printf "}" }' "$LOG"
}
if [[ $totals_only -eq 1 ]]; then
  echo "{\"cumulative\": $(totals)}"
  exit 0
fi

COV_BUILD=${COV_BUILD:-build/fuzz-cov}
ASAN_BUILD=${ASAN_BUILD:-build/fuzz}
WORK=${WORK:-build/fuzz-campaign}
JOBS=${JOBS:-$(nproc)}
PYLIB=${PYLIB:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}
SEED_FILES=${SEED_FILES:-40}

configure() {  # DIR SANITIZE
  CC=clang CXX=clang++ cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTWISE_FUZZ=ON \
    -DDOTWISE_FUZZ_SANITIZE="$2" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
    -DDOTWISE_WITH_TORCH=OFF >"$1.configure.log" 2>&1 || { cat "$1.configure.log" >&2; exit 1; }
}
bins=()
for t in $targets; do bins+=("fuzz_$t"); done
configure "$COV_BUILD" OFF
configure "$ASAN_BUILD" ON
# The seed writer comes from the ASan build: without a sanitizer runtime, a plain executable has
# nothing to resolve the coverage instrumentation's symbols against.
cmake --build "$COV_BUILD" --target "${bins[@]}" -j"$JOBS" >&2
cmake --build "$ASAN_BUILD" --target "${bins[@]}" dotwise_fuzz_seeds -j"$JOBS" >&2

rm -rf "$WORK/seeds" "$WORK/merged"
mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/artifacts" "$WORK/logs" "$WORK/merged"
mapfile -t pyfiles < <(find "$PYLIB" -maxdepth 2 -name '*.py' -size +300c -size -6k | sort | head -n "$SEED_FILES")
"$ASAN_BUILD/fuzz/dotwise_fuzz_seeds" "$WORK/seeds" "${pyfiles[@]}" >&2
export TMPDIR="$(realpath -m "$WORK")/tmp"  # fuzz_lsp and fuzz_index keep fixtures there
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

is_corpus_name() { [[ $(basename "$1") =~ ^[0-9a-f]{40}$ ]]; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
status=0
json="{\"seconds_per_target\": $seconds, \"targets\": {"
sep=""
for t in $targets; do
  repo=tests/data/fuzz/$t
  mkdir -p "$repo" "$WORK/corpus/$t" "$WORK/seeds/$t" "$WORK/merged/$t"
  # Small inputs: tree-sitter's cost grows with the input, and at 1-2 KB the parsing targets run
  # ~1000/s in the coverage build (300/s at 8 KB) with the same grammar coverage to reach.
  case $t in extract) max_len=1024 ;; lsp) max_len=2048 ;; index) max_len=4096 ;; *) max_len=16384 ;; esac
  log="$WORK/logs/$t.log"
  touch "$log.start"
  rc=0
  "$COV_BUILD/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -max_len=$max_len \
    -artifact_prefix="$WORK/artifacts/$t-" "$WORK/corpus/$t" "$WORK/seeds/$t" "$repo" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)

  # Crashes become reproducers in the repo (named by content, so a rerun adds no duplicate).
  crashes=0
  while IFS= read -r a; do
    cp "$a" "$repo/crash-$(sha1sum "$a" | cut -c1-40)"
    crashes=$((crashes + 1))
  done < <(find "$WORK/artifacts" -name "$t-*" -newer "$log.start" -type f)
  [[ $rc -ne 0 || $crashes -gt 0 ]] && status=1 && echo "fuzz_$t: exit $rc, $crashes crash(es): see $log" >&2

  # Minimize the old corpus and the new finds together, then write it back under the cap.
  rm -rf "$WORK/merged/$t" && mkdir -p "$WORK/merged/$t"
  "$COV_BUILD/fuzz/fuzz_$t" -merge=1 -timeout=25 -max_len=$max_len "$WORK/merged/$t" "$repo" "$WORK/corpus/$t" \
    >"$WORK/logs/$t.merge.log" 2>&1 || { echo "fuzz_$t: merge failed, see $WORK/logs/$t.merge.log" >&2; status=1; }
  # The cap, on the inputs' own sizes: the smallest are kept.
  dropped=0
  while read -r size f; do
    kept_bytes=$(( ${kept_bytes:-0} + size ))
    if [[ $kept_bytes -gt $((max_kb * 1024)) ]]; then rm -f "$f"; dropped=$((dropped + 1)); fi
  done < <(find "$WORK/merged/$t" -type f -printf '%s %p\n' | sort -n)
  unset kept_bytes
  if [[ -n $(ls -A "$WORK/merged/$t") ]]; then
    for f in "$repo"/*; do is_corpus_name "$f" && rm -f "$f"; done
    cp "$WORK/merged/$t"/* "$repo"/
  fi
  files=$(find "$repo" -type f | wc -l)
  kb=$(( $(find "$repo" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') / 1024 ))

  # Everything in the repo directory, under ASan/UBSan, once.
  replay=ok
  "$ASAN_BUILD/fuzz/fuzz_$t" -runs=0 -timeout=25 -max_len=$max_len "$repo" >"$WORK/logs/$t.replay.log" 2>&1 ||
    { replay=failed; status=1; echo "fuzz_$t: ASan replay failed, see $WORK/logs/$t.replay.log" >&2; }

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" "$t" "$seconds" \
    "${execs:-0}" "${rate:-0}" "${cov:-0}" "${ft:-0}" "$files" "$kb" "$dropped" "$crashes" "$replay" >>"$LOG"
  json+="$sep\"$t\": {\"executions\": ${execs:-0}, \"exec_per_s\": ${rate:-0}, \"cov\": ${cov:-0}, \"ft\": ${ft:-0},"
  json+=" \"corpus_files\": $files, \"corpus_kb\": $kb, \"dropped_for_cap\": $dropped, \"crashes\": $crashes,"
  json+=" \"asan_replay\": \"$replay\", \"exit\": $rc}"
  sep=", "
done
json+="}, \"cumulative\": $(totals), \"ok\": $([[ $status -eq 0 ]] && echo true || echo false)}"
echo "$json"
exit $status
