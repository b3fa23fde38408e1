import { createRequire } from "node:module"
import * as path from "node:path"
import { defineConfig } from "vitest/config"

const src = path.join(import.meta.dirname, "src")
const core = path.join(import.meta.dirname, "../health-core/src")
// The core's own `ioredis` (its dev dependency) is ioredis 5; under this package, its clients are of this
// package's ioredis (6), as in an application that installs ioredis 6 (`ioredis5` stays ioredis 5).
const ioredis = createRequire(import.meta.url).resolve("ioredis")

export default defineConfig({
  resolve: {
    alias: [
      { find: /^ioredis$/, replacement: ioredis },
      { find: /^@stargazer\/health-core\/(.*)$/, replacement: path.join(core, "$1.ts") },
      { find: /^@stargazer\/health-server-effect4$/, replacement: path.join(src, "index.ts") },
      { find: /^@stargazer\/health-server-effect4\/(.*)$/, replacement: path.join(src, "$1.ts") }
    ]
  },
  // Two files at a time: most of the suite's time is spent waiting on redis-servers.
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    minWorkers: 1
  }
})
