#!/usr/bin/env bash
# Runs test files again and again on Node lines, to show a suite is stable (or to catch a flake with its log):
#
#   scripts/stability.sh [-n RUNS] [-l "20 22 24"] [-o DIR] FILE...
#
# FILE is a test file of the root run (`test/service.test.ts`, `packages/health-server/test/sentinel.test.ts`) or of
# the Effect 4 package
# (`packages/health-server-effect4/test/sentinel.test.ts`); the Effect 4 package's files run only on the lines it
# supports (22, 24). Each line runs its files RUNS times (default 20), one run after another (the real-time tests
# need the machine's two cores), and stops at the first failure. Every run's output is kept in DIR (default
# .stability/<date>), and one line per run is printed: line, run, files, result, seconds. Exit 1 if any run failed.
#
# With no FILE: both packages' Sentinel and Cluster files (the loop issue 18 asked for).
#   scripts/stability.sh -n 20 -l "20 22 24"
# `pnpm test:matrix` itself, again and again (a fresh-clone CI): scripts/ci-loop.sh.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs=20
lines="20 22 24"
out=".stability/$(date -u +%Y%m%dT%H%M%SZ)"
while getopts "n:l:o:" option; do
  case "$option" in
    n) runs="$OPTARG" ;;
    l) lines="$OPTARG" ;;
    o) out="$OPTARG" ;;
    *) sed -n '2,14p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(packages/health-server/test/sentinel.test.ts packages/health-server/test/cluster.test.ts
    packages/health-server-effect4/test/sentinel.test.ts packages/health-server-effect4/test/cluster.test.ts)
fi
effect4=packages/health-server-effect4/
rootFiles=()
effect4Files=()
for file in "${files[@]}"; do
  [ -f "$file" ] || { echo "stability: no such file: $file" >&2; exit 2; }
  case "$file" in
    "$effect4"*) effect4Files+=("${file#"$effect4"}") ;;
    *) rootFiles+=("$file") ;;
  esac
done
mkdir -p "$out"
echo "stability: $runs runs per line on Node $lines; logs in $out"

failed=0
# One vitest run: its name, then the command; prints a result line and keeps the output.
run() {
  local name="$1"
  shift
  local log="$out/$name.log" start=$SECONDS
  if "$@" >"$log" 2>&1; then
    printf '%-44s passed %4ss\n' "$name" $((SECONDS - start))
  else
    printf '%-44s FAILED %4ss  (%s)\n' "$name" $((SECONDS - start)) "$log"
    grep -E '(FAIL|×|AssertionError|Error:)' "$log" | head -8 | sed 's/^/    /'
    failed=1
  fi
}

for line in $lines; do
  for ((i = 1; i <= runs && failed == 0; i++)); do
    if [ ${#rootFiles[@]} -gt 0 ]; then
      run "node$line-root-$i" scripts/node-line.sh "$line" pnpm exec vitest run "${rootFiles[@]}"
    fi
    if [ ${#effect4Files[@]} -gt 0 ] && [ "$line" != 20 ] && [ $failed -eq 0 ]; then
      run "node$line-effect4-$i" scripts/node-line.sh "$line" pnpm --dir "$effect4" exec vitest run "${effect4Files[@]}"
    fi
  done
  [ $failed -eq 0 ] || break
done
[ $failed -eq 0 ] && echo "stability: every run passed" || echo "stability: a run failed"
exit $failed
