#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang + ASan/UBSan) and runs each for N seconds, then prints
# JSON with the executions per target. Exit status 1 when any target crashed, leaked or hung.
#
#   scripts/fuzz.sh                  long run (1800 s per target, for bench/soak use)
#   scripts/fuzz.sh --seconds 10     short run, what CI runs
#   scripts/fuzz.sh --targets "shard model" --seconds 60
#   scripts/fuzz.sh --build build/asan --seconds 10 --fresh   CI: the asan preset's build (clang,
#       DOTWISE_FUZZ=ON), mutating from the seeds only: the ~7,000 inputs in tests/data/fuzz/ are
#       replayed by the test suite (FuzzReplay), and loading them took the fuzzers ~100 s before
#       their first mutation, longer than the whole short run
#
# Seeds are generated, never committed: the Python files of the system's stdlib, their extracted
# shards, small real model files and framed LSP sessions (dotwise_fuzz_seeds), plus the inputs in
# tests/data/fuzz/<target>/ (earlier crashes and a few hand-written ones). New inputs the fuzzer finds
# stay in $WORK/corpus between runs. Crashing inputs land in $WORK/artifacts: copy each into
# tests/data/fuzz/<target>/ so tests/fuzz/ReplayTest.cpp replays it from then on.
#
# Environment: BUILD (default build/fuzz), WORK (default $BUILD/run), JOBS (build jobs, default nproc), OPT,
# PYLIB (where to take Python seeds from, default the python3 stdlib), SEED_FILES (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=1800
targets="extract index lsp model shard"
reuse=0
fresh=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --build) BUILD="$2"; reuse=1; shift 2 ;;
    --fresh) fresh=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--targets \"extract index lsp model shard\"] [--build CONFIGURED_DIR] [--fresh]" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD:-build/fuzz}
WORK=${WORK:-$BUILD/run}
JOBS=${JOBS:-$(nproc)}
PYLIB=${PYLIB:-$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')}
SEED_FILES=${SEED_FILES:-40}
OPT=${OPT:--O2 -g}  # compiler optimisation; CI's short run uses -O1 (a faster build, no line numbers)

t0=$(date +%s)
[[ $reuse -eq 1 ]] || CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDOTWISE_FUZZ=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$OPT" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$OPT" \
  -DDOTWISE_WITH_TORCH=OFF >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log" >&2; exit 1; }
bins=()
for t in $targets; do bins+=("fuzz_$t"); done
cmake --build "$BUILD" --target "${bins[@]}" dotwise_fuzz_seeds -j"$JOBS" >&2
build_s=$(( $(date +%s) - t0 ))

# Seeds from real inputs: small stdlib modules (small inputs mutate fastest; extraction costs ~10 ms/KB
# under the sanitizers).
rm -rf "$WORK/seeds"
mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/artifacts" "$WORK/logs"
mapfile -t pyfiles < <(find "$PYLIB" -maxdepth 2 -name '*.py' -size +300c -size -6k | sort | head -n "$SEED_FILES")
"$BUILD/fuzz/dotwise_fuzz_seeds" "$WORK/seeds" "${pyfiles[@]}" >&2

# fuzz_lsp keeps a fixture (stubs, a model) in a temp dir that a crash or the time limit leaves behind.
export TMPDIR="$(realpath -m "$WORK")/tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
json="{\"seconds_per_target\": $seconds, \"build_seconds\": $build_s, \"targets\": {"
sep=""
for t in $targets; do
  mkdir -p "$WORK/corpus/$t" "$WORK/seeds/$t"
  log="$WORK/logs/$t.log"
  rc=0
  touch "$log.start"
  # -timeout: an input taking 25 s is a hang and counts as a failure. -max_len: big enough for a small
  # module or a session around one, small enough to keep the slow targets (extract, lsp) mutating.
  case $t in extract) max_len=8192 ;; *) max_len=16384 ;; esac
  committed=("tests/data/fuzz/$t")
  [[ $fresh -eq 1 ]] && committed=()
  "$BUILD/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -max_len=$max_len \
    -artifact_prefix="$WORK/artifacts/$t-" "$WORK/corpus/$t" "$WORK/seeds/$t" "${committed[@]}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  units=$(find "$WORK/corpus/$t" -type f | wc -l)
  artifacts=$(find "$WORK/artifacts" -name "$t-*" -newer "$log.start" | wc -l)
  [[ $rc -ne 0 ]] && status=1 && echo "fuzz_$t failed (exit $rc): see $log" >&2
  json+="$sep\"$t\": {\"executions\": ${execs:-0}, \"exec_per_s\": ${rate:-0}, \"peak_rss_mb\": ${rss:-0},"
  json+=" \"corpus_units\": $units, \"new_artifacts\": $artifacts, \"exit\": $rc, \"log\": \"$log\"}"
  sep=", "
done
json+="}, \"total_seconds\": $(( $(date +%s) - t0 )), \"ok\": $([[ $status -eq 0 ]] && echo true || echo false)}"
echo "$json"
exit $status
