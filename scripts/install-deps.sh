#!/usr/bin/env bash
# Installs the Debian 12 packages smq needs to build, test and benchmark, if any is missing.
# Usage: scripts/install-deps.sh [--test]
#   --test adds clang and the sanitizer runtimes, and Chromium for the browser tests.
# Node.js >= 18 and npm build the web app and run the JavaScript client's and the browser
# tests: Debian 12's own nodejs (18.x) and npm are installed if none is; a Node that is
# already there (e.g. 20 from NodeSource) is used as it is, if it is 18 or newer.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libsystemd-dev libasio-dev libssl-dev libmsgpack-cxx-dev
          libfmt-dev libtomlplusplus-dev nlohmann-json3-dev prometheus-cpp-dev libgtest-dev
          libgmock-dev libbenchmark-dev python3 curl openssl)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang libclang-rt-14-dev llvm chromium)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "install-deps.sh: Node.js $(node --version) is too old; 18 or newer is needed" >&2
  exit 1
fi
