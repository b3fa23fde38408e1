import * as path from "node:path"
import { defineProject } from "vitest/config"

const src = path.join(import.meta.dirname, "src")
const core = path.join(import.meta.dirname, "../health-core/src")

/** The Effect 3 package's own tests: its layers, scope, `TestClock`, `Config`, metrics API and router. */
export default defineProject({
  resolve: {
    alias: [
      { find: /^@stargazer\/health-core\/(.*)$/, replacement: path.join(core, "$1.ts") },
      { find: /^@stargazer\/health-server$/, replacement: path.join(src, "index.ts") },
      { find: /^@stargazer\/health-server\/(.*)$/, replacement: path.join(src, "$1.ts") }
    ]
  },
  test: {
    name: "effect3",
    include: ["test/**/*.test.ts"],
    setupFiles: ["../../vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
