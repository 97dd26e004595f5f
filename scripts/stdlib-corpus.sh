#!/usr/bin/env bash
# The small corpus tier that needs no download: the machine's Python standard library plus the
# Debian-packaged libraries in /usr/lib/python3/dist-packages, cleaned and split by `dotwise corpus`
# into OUT_DIR/corpus/manifest.tsv.
#
#   scripts/stdlib-corpus.sh OUT_DIR [--python-lib DIR] [--dist-packages DIR] [--dotwise PATH] [-j N]
#
# Each top-level package of the standard library is its own project ("stdlib.asyncio",
# "stdlib.email", ...), and so is each top-level module ("stdlib.argparse"), so the hash split puts
# about 80/10/10 of them in train/valid/test instead of the whole library landing in one split.
# Likewise each top-level package or module in dist-packages is a project under its own name
# ("numpy", "jedi", "six"). Single-file modules get a folder of their own under OUT_DIR/modules/
# holding a symlink to the file; packages are read in place.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="" pylib="" dist=/usr/lib/python3/dist-packages dotwise="" jobs=()
while (($#)); do
  case "$1" in
    --python-lib) pylib=$2; shift 2 ;;
    --dist-packages) dist=$2; shift 2 ;;
    --dotwise) dotwise=$2; shift 2 ;;
    -j) jobs=(-j "$2"); shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "stdlib-corpus: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $out ]] || { echo "stdlib-corpus: one OUT_DIR only" >&2; exit 2; }; out=$1; shift ;;
  esac
done
[[ -n $out ]] || { echo "usage: $0 OUT_DIR [--python-lib DIR] [--dist-packages DIR] [--dotwise PATH] [-j N]" >&2; exit 2; }
if [[ -z $pylib ]]; then
  pylib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null || echo /usr/lib/python3.11)
fi
[[ -d $pylib ]] || { echo "stdlib-corpus: no standard library at $pylib (use --python-lib)" >&2; exit 2; }
if [[ -z $dotwise ]]; then
  dotwise="$repo/build/release/cli/dotwise"
  [[ -x $dotwise ]] || dotwise=$(command -v dotwise || true)
fi
[[ -x $dotwise ]] || { echo "stdlib-corpus: dotwise binary not found (build it, or pass --dotwise)" >&2; exit 1; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/modules.tmp"
mkdir -p "$out/modules.tmp"

# Prints name<TAB>dir lines for the top-level packages and modules of one library folder.
# Skips folders that hold no library source of their own (caches, build config, nested site dirs).
list_projects() {
  local lib=$1 prefix=$2 e name
  for e in "$lib"/*; do
    name=${e##*/}
    case "$name" in
      __pycache__|__phello__|dist-packages|site-packages|lib-dynload|config-*|*.dist-info|*.egg-info) continue ;;
    esac
    if [[ -d $e ]]; then
      printf '%s%s\t%s\n' "$prefix" "$name" "$e"
    elif [[ $name == *.py && -f $e ]]; then
      name=${name%.py}
      mkdir -p "$out/modules.tmp/$prefix$name"
      ln -s "$e" "$out/modules.tmp/$prefix$name/$name.py"
      printf '%s%s\t%s\n' "$prefix" "$name" "$out/modules/$prefix$name"
    fi
  done
}
{
  list_projects "$pylib" "stdlib."
  [[ -d $dist ]] && list_projects "$dist" ""
} | LC_ALL=C sort >"$out/projects.tsv"
rm -rf "$out/modules"
mv "$out/modules.tmp" "$out/modules"

echo "stdlib-corpus: $(wc -l <"$out/projects.tsv") projects from $pylib and $dist"
"$dotwise" corpus --projects "$out/projects.tsv" "${jobs[@]}" -o "$out/corpus"
