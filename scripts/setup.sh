#!/usr/bin/env bash
# Installs everything dotwise needs to build, test and benchmark on Debian 12 (run as root; idempotent).
# Debian packages by name; npm packages exactly as pinned in package-lock.json. Nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev
  libtorch-dev libopenblas0-openmp libgloo-dev libonnx-dev
  libxgboost-dev nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev
  python3 python3-jedi python3-pylsp python3-onnx gnuplot-nox neovim
)
# Node.js may come from elsewhere (NodeSource bundles npm, and Debian's npm conflicts with it):
# take Debian's only when no node/npm is on the PATH.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci is exact and reproducible; --ignore-scripts because we only need the C sources and typeshed.
if ! cmp -s package-lock.json node_modules/.dotwise-lock 2>/dev/null; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.dotwise-lock
fi
echo "setup: ok"
