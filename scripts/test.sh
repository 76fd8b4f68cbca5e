#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs what is missing,
# then
#   1. builds in Release and runs every unit and integration test (ctest);
#   2. builds the suite with AddressSanitizer + UndefinedBehaviorSanitizer and runs it again;
#   3. builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 30);
#   4. runs the JavaScript client's tests (unit, and end to end against the built broker);
#      builds the web app and runs the browser tests in headless Chromium;
#   5. runs each micro-benchmark once, briefly, so they cannot rot.
# Ends with one line "tests: N passed, N failed". Exit status non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-30}
passed=0
failed=0
status=0

step() { printf '\n==== %s\n' "$*"; }
count_ctest() {  # adds the counts from a ctest log to the totals
  local line total bad
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$1" | tail -n 1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  if [[ -z "$line" ]]; then failed=$((failed + 1)); return; fi
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

step "installing dependencies"
scripts/install-deps.sh --test || exit 1
# The JavaScript client's packages: its own tests, and the C++ <-> JS interop test, use them
# (SMQ_REQUIRE_JS=1 below makes that test fail rather than skip if they are missing).
(cd clients/js && npm ci --no-audit --no-fund --loglevel=error) || exit 1

step "release build"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMQ_WERROR=ON >/dev/null || exit 1
cmake --build build/test -j "$jobs" || exit 1

step "tests (release)"
SMQ_REQUIRE_JS=1 ctest --test-dir build/test --output-on-failure -j "$jobs" --timeout 300 2>&1 | tee build/test/ctest.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
count_ctest build/test/ctest.log

step "sanitizer build (ASan + UBSan)"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSMQ_SANITIZE=ON -DSMQ_WERROR=ON \
  -DSMQ_BUILD_BENCH=OFF >/dev/null || exit 1
cmake --build build/asan -j "$jobs" || exit 1

step "tests (ASan + UBSan)"
SMQ_REQUIRE_JS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 600 2>&1 | tee build/asan/ctest.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
count_ctest build/asan/ctest.log

step "fuzz targets (${fuzz_seconds}s each)"
CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMQ_BUILD_FUZZ=ON \
  >/dev/null || exit 1
cmake --build build/fuzz -j "$jobs" || exit 1
for target in build/fuzz/tests/fuzz/fuzz_*; do
  [[ -x "$target" ]] || continue
  name=$(basename "$target")
  corpus_seed="tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [[ -d "$corpus_seed" ]] && cp -r "$corpus_seed"/. "$work"/
  if "$target" -max_total_time="$fuzz_seconds" -timeout=5 -rss_limit_mb=2048 \
       -print_final_stats=1 "$work" >"build/fuzz/$name.log" 2>&1; then
    echo "$name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/$name.log" | grep -o '[0-9]*$') runs)"
    passed=$((passed + 1))
  else
    echo "$name: FAILED"; tail -n 40 "build/fuzz/$name.log"
    failed=$((failed + 1)); status=1
  fi
  rm -rf "$work"
done

count_node() {  # adds the counts from a node --test log to the totals
  local p f
  p=$(grep -E "^# pass [0-9]+" "$1" | tail -n 1 | grep -o '[0-9]*$')
  f=$(grep -E "^# fail [0-9]+" "$1" | tail -n 1 | grep -o '[0-9]*$')
  if [[ -z "$p" || -z "$f" ]]; then failed=$((failed + 1)); return; fi
  passed=$((passed + p))
  failed=$((failed + f))
}

step "JavaScript client tests"
broker_bin="$PWD/build/test/broker/smq-broker"
(cd clients/js && SMQ_BROKER="$broker_bin" npm test) 2>&1 | tee build/test/js-client.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
count_node build/test/js-client.log

step "web app build and browser tests (headless Chromium)"
(cd broker/web/app && npm ci --no-audit --no-fund --loglevel=error && npm run build) || exit 1
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error &&
  SMQ_BROKER="$broker_bin" SMQ_WEB_ROOT="$PWD/../../broker/web/app/dist" npm test) 2>&1 |
  tee build/test/browser.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
count_node build/test/browser.log

step "micro-benchmarks (smoke run)"
for bench in build/test/bench/bench_*; do
  [[ -x "$bench" ]] || continue
  if "$bench" --benchmark_min_time=0.01 >"$bench.log" 2>&1; then
    echo "$(basename "$bench"): ok"; passed=$((passed + 1))
  else
    echo "$(basename "$bench"): FAILED"; tail -n 20 "$bench.log"; failed=$((failed + 1)); status=1
  fi
done

echo
echo "tests: $passed passed, $failed failed"
exit $status
