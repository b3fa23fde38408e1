#!/usr/bin/env bash
# Runs a command under a given Node line: `scripts/node-line.sh 22 <command> [args...]`; with `22+`, under the
# machine's own node when it is 22.19 or later, else under the pinned Node 22 (the Effect 4 package's floor).
# The line's binary comes from the npm package `node@<version>` (pinned below), installed once into
# .node-lines/<line>; the line the machine's own `node` already runs is used as it is. The binary is put first
# on PATH, so `node`, pnpm's scripts and child processes all run on that line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
line="$1"
shift
if [ "$line" = "22+" ]; then
  if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
    exec "$@"
  fi
  line=22
fi
case "$line" in
  20) version=20.20.2 ;;
  22) version=22.23.3 ;;
  24) version=24.21.0 ;;
  *) echo "node-line: no pinned version for Node $line (20, 22 or 24)" >&2; exit 2 ;;
esac
if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$line" ]; then
  exec "$@"
fi
dir="$root/.node-lines/$line"
if [ ! -x "$dir/node_modules/.bin/node" ] || [ "$("$dir/node_modules/.bin/node" -v)" != "v$version" ]; then
  echo "node-line: installing node@$version into .node-lines/$line" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --prefix "$dir" "node@$version" >&2)
fi
bin="$(dirname "$(readlink -f "$dir/node_modules/.bin/node")")"
PATH="$bin:$PATH" exec "$@"
