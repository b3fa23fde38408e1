import * as path from "node:path"
import { defineConfig } from "vitest/config"

const src = path.join(import.meta.dirname, "packages/health-server/src")
const core = path.join(import.meta.dirname, "packages/health-core/src")

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@stargazer\/health-core\/(.*)$/, replacement: path.join(core, "$1.ts") },
      { find: /^@stargazer\/health-server$/, replacement: path.join(src, "index.ts") },
      { find: /^@stargazer\/health-server\/(.*)$/, replacement: path.join(src, "$1.ts") }
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
