#!/usr/bin/env bash
# Builds the Debian 12 Python corpus reproducibly: downloads every package of the list with
# `apt-get download`, unpacks only its *.py files, records the exact versions fetched, then runs
# `dotwise corpus` to clean, dedup and split it into OUT_DIR/corpus/manifest.tsv.
#
#   scripts/debian-corpus.sh OUT_DIR [--limit N] [--list TSV] [--packages FILE] [-j N]
#                            [--dotwise PATH] [--no-corpus]
#
#   --list TSV       package list (default: ../shared/corpus/debian-python-packages.tsv next to the repo)
#                    columns: package, project, ... (header line first)
#   --packages FILE  only these packages (one name a line, '#' comments allowed)
#   --limit N        only the first N packages of the (filtered) list, for trials
#   -j N             parallel downloads (default 4) and unpacks (default: CPU count)
#   --dotwise PATH   the dotwise binary (default: build/release/cli/dotwise, else `dotwise` on PATH)
#   --no-corpus      download and unpack only
#
# Layout of OUT_DIR:
#   debs/NAME_VERSION_ARCH.deb      what apt-get fetched (only complete, hash-checked files land here)
#   versions.tsv                    package, version, arch, project, sha256 of the .deb (sorted)
#   failed.tsv                      packages that could not be downloaded or unpacked, and why
#   src/<project>/<package>/...     the *.py files of each package (+ a .dotwise-deb stamp)
#   projects.tsv                    name<TAB>dir for `dotwise corpus --projects`
#   corpus/manifest.tsv, corpus.json
#
# Resumable: downloads go to a temp dir and are moved into debs/ only when apt-get has verified
# them; each package unpacks into src/.tmp/ and is renamed into place when complete, so a kill at
# any moment leaves no half package. Re-running skips what is already there (a package whose
# stamp names another .deb, e.g. after a Debian point release, is unpacked again).
#
# Where the giants go (a deliberate decision, see GIANTS below): the split is
# fnv1a64(project) % 100 (<80 train, 80-89 valid, 90-99 test). With that rule a few very large
# projects hash into validation or test, where one project would dominate every metric: ansible
# alone is 3.7M cleaned lines, 42% of the test split. Every project over 300K cleaned lines that
# hashes into valid/test is moved to train: the model gets their code as training data, and the
# evaluation sets stay a sample of many ordinary projects (measured on the 2026-11 fetch: train
# 43.2M lines / valid 3.8M / test 4.0M, instead of 36.5M / 5.7M / 8.8M). The standard library
# (project "python") and numpy already hash to train. Evaluation should still cap sites per
# project; the biggest left in an evaluation split is under 7% of it.
set -euo pipefail

# Projects over 300K cleaned lines that hash into valid/test (largest first), moved to train.
GIANTS=(ansible sympy nova pandas breezy scipy pytorch)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="" limit=0 list="" only="" jobs=4 ujobs=$(nproc) dotwise="" run_corpus=1
while (($#)); do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --list) list=$2; shift 2 ;;
    --packages) only=$2; shift 2 ;;
    -j) jobs=$2; ujobs=$2; shift 2 ;;
    --dotwise) dotwise=$2; shift 2 ;;
    --no-corpus) run_corpus=0; shift ;;
    -h|--help) usage 0 ;;
    -*) echo "debian-corpus: unknown option $1" >&2; usage ;;
    *) [[ -z $out ]] || usage; out=$1; shift ;;
  esac
done
[[ -n $out ]] || usage
if [[ -z $list ]]; then
  for c in "$repo/../shared/corpus/debian-python-packages.tsv" "$repo/shared/corpus/debian-python-packages.tsv"; do
    [[ -f $c ]] && list=$c && break
  done
fi
[[ -f $list ]] || { echo "debian-corpus: package list not found (use --list)" >&2; exit 2; }
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "debian-corpus: needs apt-get and dpkg-deb (Debian)" >&2
  exit 2
fi

mkdir -p "$out"/debs "$out"/src "$out"/.work
out=$(cd "$out" && pwd)
start=$(date +%s)

# package<TAB>project for the selected packages, in list order.
sel="$out/.work/selected.tsv"
awk -F'\t' 'NR > 1 && NF >= 2 && $1 !~ /^#/ { print $1 "\t" $2 }' "$list" >"$sel.all"
if [[ -n $only ]]; then
  awk -F'\t' 'NR == FNR { sub(/#.*/, ""); gsub(/[ \t]/, ""); if ($0 != "") want[$0] = 1; next } ($1 in want)' "$only" "$sel.all" >"$sel"
else
  cp "$sel.all" "$sel"
fi
((limit > 0)) && { head -n "$limit" "$sel" >"$sel.tmp"; mv "$sel.tmp" "$sel"; }
total=$(wc -l <"$sel")
echo "debian-corpus: $total packages from $list"

# ---- download ----------------------------------------------------------------------------------
have_deb() { compgen -G "$out/debs/${1}_*.deb" >/dev/null; }
todo="$out/.work/todo.txt"
: >"$todo"
while IFS=$'\t' read -r pkg _; do have_deb "$pkg" || echo "$pkg" >>"$todo"; done <"$sel"
echo "debian-corpus: $(wc -l <"$todo") to download"

# Downloads a batch into its own temp dir; if the batch fails (one unknown package fails all of
# apt-get's selection), retries each package alone and logs the ones that still fail.
download_batch() {
  local out=$1; shift
  local tmp
  tmp=$(mktemp -d "$out/.work/dl.XXXXXX")
  local apt=(apt-get -q -o APT::Sandbox::User=root download)
  if (cd "$tmp" && "${apt[@]}" "$@" >"$tmp/log" 2>&1); then
    mv "$tmp"/*.deb "$out/debs/" 2>/dev/null || true
  else
    rm -f "$tmp"/*.deb
    for p in "$@"; do
      if (cd "$tmp" && "${apt[@]}" "$p" >"$tmp/log" 2>&1); then
        mv "$tmp"/*.deb "$out/debs/"
      else
        rm -f "$tmp"/*.deb
        printf '%s\tdownload\t%s\n' "$p" "$(grep -m1 '^E:' "$tmp/log" | tr '\t' ' ')" >>"$out/.work/failed-download.tsv"
      fi
    done
  fi
  rm -rf "$tmp"
}
export -f download_batch
rm -rf "$out/.work/failed-download.tsv" "$out"/.work/dl.*  # leftovers of a killed run
if [[ -s $todo ]]; then
  # shellcheck disable=SC2016  # expanded by the inner bash
  xargs -a "$todo" -n 20 -P "$jobs" bash -c 'download_batch "$0" "$@"' "$out"
fi
echo "debian-corpus: downloaded in $(($(date +%s) - start))s"

# ---- unpack ------------------------------------------------------------------------------------
# The newest .deb of a package (by version order), if several versions accumulated over time.
deb_of() {
  local best="" f v bv=""
  for f in "$1"/debs/"$2"_*.deb; do
    [[ -e $f ]] || continue
    v=${f##*/}; v=${v#"$2"_}; v=${v%_*}; v=${v//%3a/:}
    if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$bv"; then best=$f bv=$v; fi
  done
  echo "$best"
}
unpack_one() {
  local out=$1 pkg=$2 project=$3
  local deb dest tmp
  deb=$(deb_of "$out" "$pkg")
  [[ -n $deb ]] || return 0  # download failed: already logged
  dest="$out/src/$project/$pkg"
  [[ -f $dest/.dotwise-deb && $(<"$dest/.dotwise-deb") == "${deb##*/}" ]] && return 0
  mkdir -p "$out/src/.tmp" "$out/src/$project"
  tmp=$(mktemp -d "$out/src/.tmp/$pkg.XXXXXX")
  # tar exits 2 when no member matches '*.py' (a package whose Python moved): that is an empty
  # package, not an error; any other failure is logged.
  local err
  if ! err=$( { dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --no-same-owner --no-same-permissions \
                 --wildcards '*.py'; } 2>&1 ) && ! grep -q 'Not found in archive' <<<"$err"; then
    printf '%s\tunpack\t%s\n' "$pkg" "$(head -n1 <<<"$err" | tr '\t' ' ')" >>"$out/.work/failed-unpack.$$.tsv"
    rm -rf "$tmp"
    return 0
  fi
  chmod -R u+rwX "$tmp"
  echo "${deb##*/}" >"$tmp/.dotwise-deb"
  if [[ -e $dest ]]; then mv "$dest" "$tmp.old"; fi
  mv "$tmp" "$dest"
  rm -rf "$tmp.old"
}
export -f deb_of unpack_one
rm -rf "$out/src/.tmp" "$out"/.work/failed-unpack.*.tsv
t_unpack=$(date +%s)
# shellcheck disable=SC2016  # expanded by the inner bash
tr '\t' '\n' <"$sel" | xargs -d '\n' -n 2 -P "$ujobs" bash -c 'set -o pipefail; unpack_one "$0" "$1" "$2"' "$out"
rm -rf "$out/src/.tmp"
echo "debian-corpus: unpacked in $(($(date +%s) - t_unpack))s"

# ---- record ------------------------------------------------------------------------------------
# versions.tsv: what was actually fetched (Debian serves the current point release).
{
  printf 'package\tversion\tarch\tproject\tsha256\n'
  while IFS=$'\t' read -r pkg project; do
    deb=$(deb_of "$out" "$pkg")
    [[ -n $deb ]] || continue
    f=${deb##*/}; f=${f%.deb}
    ver=${f#"$pkg"_}; ver=${ver%_*}; ver=${ver//%3a/:}
    printf '%s\t%s\t%s\t%s\t%s\n' "$pkg" "$ver" "${f##*_}" "$project" "$(sha256sum "$deb" | cut -d' ' -f1)"
  done <"$sel" | LC_ALL=C sort
} >"$out/versions.tsv.tmp"
mv "$out/versions.tsv.tmp" "$out/versions.tsv"
{
  printf 'package\tstage\treason\n'
  cat "$out"/.work/failed-download.tsv "$out"/.work/failed-unpack.*.tsv 2>/dev/null | LC_ALL=C sort || true
} >"$out/failed.tsv.tmp"
mv "$out/failed.tsv.tmp" "$out/failed.tsv"
rm -f "$out"/.work/failed-unpack.*.tsv

# Projects: one per Debian source project (all its binary packages together).
for d in "$out"/src/*/; do
  d=${d%/}
  printf '%s\t%s\n' "${d##*/}" "$d"
done | LC_ALL=C sort >"$out/projects.tsv.tmp"
mv "$out/projects.tsv.tmp" "$out/projects.tsv"

fetched=$(($(wc -l <"$out/versions.tsv") - 1))
failed=$(($(wc -l <"$out/failed.tsv") - 1))
pyfiles=$(find "$out/src" -name '*.py' -type f | wc -l)
bytes=$(du -sb "$out/src" | cut -f1)
echo "debian-corpus: $fetched packages fetched, $failed failed, $pyfiles .py files, $bytes bytes in src/ ($(($(date +%s) - start))s)"

# ---- clean, dedup, split -----------------------------------------------------------------------
((run_corpus)) || exit 0
if [[ -z $dotwise ]]; then
  dotwise="$repo/build/release/cli/dotwise"
  [[ -x $dotwise ]] || dotwise=$(command -v dotwise || true)
fi
[[ -x $dotwise ]] || { echo "debian-corpus: dotwise binary not found (build it, or pass --dotwise)" >&2; exit 1; }
overrides=()
for g in "${GIANTS[@]}"; do overrides+=(--split-override "$g=train"); done
"$dotwise" corpus --projects "$out/projects.tsv" "${overrides[@]}" -o "$out/corpus"
echo "debian-corpus: done in $(($(date +%s) - start))s"
