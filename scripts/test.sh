#!/usr/bin/env bash
# Both packages on the machine's Node line (`pnpm test`, after check + lint): the one run to do before a change.
# - the root run (the core's tests, the Effect 3 package's, the black-box tests of the services) on the
#   machine's `node`;
# - the Effect 4 package's own suite on the machine's `node` when it is 22.19 or later, else on the pinned
#   Node 22 (scripts/node-line.sh 22+), together with the black-box tests of its services, which the root run
#   left out on the older line (SG_TEST_TARGETS=effect4).
# The full matrix of lines, as CI runs it: scripts/test-matrix.sh (`pnpm test:matrix`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
echo "== Node $(node -v): core, @stargazer/health-server, the services"
pnpm vitest
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
  echo "== Node $(node -v): @stargazer/health-server-effect4"
  pnpm --filter @stargazer/health-server-effect4 vitest
else
  echo "== Node 22 (the Effect 4 package's floor is 22.19): @stargazer/health-server-effect4, its services"
  scripts/node-line.sh 22 pnpm --filter @stargazer/health-server-effect4 vitest
  SG_TEST_TARGETS=effect4 scripts/node-line.sh 22 pnpm vitest --project services --project hostile
fi
