#!/usr/bin/env bash
# Runs CI as it runs after a submission, again and again: each run clones this checkout's HEAD afresh into a
# directory of its own, with a copy of ../shared beside it, and runs `bash .ci/run` there with CI=true.
#
#   scripts/ci-loop.sh [-n RUNS] [-o DIR]
#
# RUNS (default 3) runs one after another, stopping at the first failure. Each run's output is kept in DIR
# (default .stability/ci-<date>), and one line per run is printed: run, commit, result, seconds. Exit 1 if any
# run failed. Commit first: only what is committed is cloned.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs=3
out="$root/.stability/ci-$(date -u +%Y%m%dT%H%M%SZ)"
while getopts "n:o:" option; do
  case "$option" in
    n) runs="$OPTARG" ;;
    o) out="$OPTARG" ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
commit="$(git rev-parse --short HEAD)"
[ -z "$(git status --porcelain --untracked-files=no)" ] || echo "ci-loop: uncommitted changes are not in the runs" >&2
echo "ci-loop: $runs fresh-clone runs of .ci/run at $commit; logs in $out"

failed=0
for ((i = 1; i <= runs; i++)); do
  work="$(mktemp -d)"
  git clone --quiet "$root" "$work/main"
  # CI has a copy of shared/ beside the clone (the tests' notes and tools); without it, nothing.
  [ -d "$root/../shared" ] && cp -r "$root/../shared" "$work/shared"
  log="$out/run-$i.log"
  start=$SECONDS
  if (cd "$work/main" && CI=true bash .ci/run </dev/null >"$log" 2>&1); then
    printf 'run %d at %s: passed %5ss\n' "$i" "$commit" $((SECONDS - start))
  else
    printf 'run %d at %s: FAILED %5ss  (%s)\n' "$i" "$commit" $((SECONDS - start)) "$log"
    grep -E '(FAIL|×|AssertionError|Error:)' "$log" | head -10 | sed 's/^/    /'
    failed=1
  fi
  rm -rf "$work"
  [ $failed -eq 0 ] || break
done
[ $failed -eq 0 ] && echo "ci-loop: every run passed" || echo "ci-loop: a run failed"
exit $failed
