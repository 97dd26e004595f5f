#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite: the release build, the ASan/UBSan build, and
# a short libFuzzer run of each fuzz target (10 s each; the long run is scripts/fuzz.sh alone).
# This is exactly what CI runs (.ci/run). Pass --fast to skip the sanitizer build and the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
ctest --preset release -j"$jobs"

if [[ "${1:-}" != "--fast" ]]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$jobs"
  ctest --preset asan -j"$jobs"
  scripts/fuzz.sh --build build/asan --seconds 10 --fresh  # the asan build holds the fuzzers too
fi
