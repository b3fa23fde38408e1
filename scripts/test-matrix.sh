#!/usr/bin/env bash
# The whole suite on every Node line a package supports, as CI runs it (`pnpm test:matrix`, after check + lint):
# - the root run (the core's tests, the Effect 3 package's, and the black-box tests of every package the line
#   supports: test/utils/targets.ts) on Node 20, 22 and 24;
# - the Effect 4 package's own suite (vitest 5) on Node 22 and 24.
# Node binaries come from the npm node@ packages (scripts/node-line.sh). Lines run one after another: the
# real-time tests need the machine's two cores. `SG_TEST_LINES="22"` runs some lines only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
lines="${SG_TEST_LINES:-20 22 24}"
for line in $lines; do
  echo "== Node $line: core, @stargazer/health-server, the services"
  scripts/node-line.sh "$line" pnpm vitest
  if [ "$line" != 20 ]; then
    echo "== Node $line: @stargazer/health-server-effect4"
    scripts/node-line.sh "$line" pnpm --filter @stargazer/health-server-effect4 vitest
  fi
done
