#!/usr/bin/env bash
# Installs the Debian 12 packages smq needs to build, test and benchmark, if any is missing.
# Usage: scripts/install-deps.sh [--test]
#   --test adds clang and the sanitizer runtimes, and Chromium for the browser tests.
# Node.js (>= 18) is needed to build the web app; Debian's nodejs is installed if none is.
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libasio-dev libssl-dev libmsgpack-cxx-dev libfmt-dev
          libgtest-dev libgmock-dev libbenchmark-dev python3 curl openssl)
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
