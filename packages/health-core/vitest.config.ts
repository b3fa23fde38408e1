import * as path from "node:path"
import { defineProject } from "vitest/config"

const src = path.join(import.meta.dirname, "src")

/** The core's own tests: Effect-free, through the package's public names. */
export default defineProject({
  resolve: {
    alias: [{ find: /^@stargazer\/health-core\/(.*)$/, replacement: path.join(src, "$1.ts") }]
  },
  test: {
    name: "core",
    include: ["test/**/*.test.ts"]
  }
})
