#!/usr/bin/env bash
# wasm-test.sh node|chromium CRATE_DIR MIN: runs a crate's tests compiled to WebAssembly.
# wasm-pack exits 0 when a browser run silently skips every test, so this also checks the
# output: the tests must have run in the named runtime, none ignored or filtered out, and at
# least MIN must have passed: the crate's count (a floor, raised as tests are added), so one test
# binary that stops running goes seen (tests/runtime.rs checks from the inside as well, via
# OTP_TEST_RUNTIME).
set -euo pipefail
runtime=$1 crate=$2 min=${3:?usage: $0 node|chromium CRATE_DIR MIN}
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export OTP_TEST_RUNTIME=$runtime
case $runtime in
    node) wasm-pack test --mode no-install --node "$crate" 2>&1 | tee "$log" ;;
    chromium)
        export WASM_BINDGEN_USE_BROWSER=1
        export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$root/tests/webdriver.json"
        wasm-pack test --mode no-install --headless --chrome --chromedriver /usr/bin/chromedriver "$crate" 2>&1 | tee "$log"
        grep -q "Running headless tests in Chrome" "$log" || { echo "wasm-test: $crate did not run in Chromium" >&2; exit 1; }
        ;;
    *) echo "usage: $0 node|chromium CRATE_DIR MIN" >&2; exit 2 ;;
esac
# Every test must have run: none ignored, none filtered out.
if grep -E 'test result: .*; [1-9][0-9]* (ignored|filtered out)' "$log" >&2; then
    echo "wasm-test: tests of $crate were ignored or filtered out in $runtime" >&2
    exit 1
fi
passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{ sum += $4 } END { print sum + 0 }')
[ "$passed" -ge "$min" ] || { echo "wasm-test: $passed tests passed for $crate in $runtime, fewer than its $min" >&2; exit 1; }
echo "wasm-test: $crate in $runtime: $passed passed, 0 failed"
