#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running broker: installs what is missing,
# builds the broker in Release and the web app (chat, hello5, dashboard), and starts
# smq-broker on its defaults (loopback, port 9700) with the hello5 demo server code.
# Extra arguments go to smq-broker, e.g. scripts/run.sh --listen 0.0.0.0:9700
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMQ_BUILD_TESTS=OFF \
  -DSMQ_BUILD_BENCH=OFF >/dev/null
cmake --build build/release --target smq-broker hello5 smq-pub smq-sub
(cd broker/web/app && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
exec build/release/broker/smq-broker --hello5 "$@"
