#!/usr/bin/env bash
# Runs every fuzz target of a CONDUCTOR_FUZZ build for a bounded time, two at a time, starting from
# the seed corpus in tests/fuzz/corpus/<what>. Fails when any target finds a crash, a leak, a
# sanitizer report, a broken property or an input slower than the per-input timeout; the input
# that did it is kept under <build>/fuzz-artifacts.
#   tests/fuzz/run.sh [build-dir] [seconds per target]     (defaults: build-asan 60)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-asan}"
seconds="${2:-60}"
work="$build/fuzz-work"
artifacts="$build/fuzz-artifacts"
# SpiderMonkey's allocations look leaked to LeakSanitizer; tests/sanitizers/lsan.supp says why.
export LSAN_OPTIONS="suppressions=$here/../sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
rm -rf "$work"
mkdir -p "$work" "$artifacts"

run_one() {
  local target="$1" what="${1#fuzz_}"
  # A fresh working corpus each run: what the fuzzer adds never lands in the source tree.
  mkdir -p "$work/$what"
  if "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/$what-" \
      "$work/$what" "$here/corpus/$what" >"$work/$what.log" 2>&1; then
    echo "$target: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$what.log" | grep -o '[0-9]*$') runs)"
  else
    echo "$target: FAILED"
    tail -n 60 "$work/$what.log"
    return 1
  fi
}
export -f run_one
export build seconds work artifacts here

targets=()
for path in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$path" ] && targets+=("$(basename "$path")")
done
if [ "${#targets[@]}" -eq 0 ]; then
  echo "no fuzz targets in $build/tests/fuzz: configure with --preset asan (or -DCONDUCTOR_FUZZ=ON) and build" >&2
  exit 1
fi
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
