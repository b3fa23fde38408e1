import * as path from "node:path"
import { configDefaults, defineConfig } from "vitest/config"

const src = path.join(import.meta.dirname, "packages/health-server/src")
const core = path.join(import.meta.dirname, "packages/health-core/src")

/**
 * Two groups, one after the other: the suite (files side by side), then the hostile-input files, one file at a
 * time. Those hold the services to kubelet's 1 s probe timeout under load; beside the other process-heavy
 * files, with the services of both packages, a 2-core machine's scheduling alone could miss it.
 */
const hostile = ["test/hostile.*.test.ts"]

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@stargazer\/health-core\/(.*)$/, replacement: path.join(core, "$1.ts") },
      { find: /^@stargazer\/health-server$/, replacement: path.join(src, "index.ts") },
      { find: /^@stargazer\/health-server\/(.*)$/, replacement: path.join(src, "$1.ts") }
    ]
  },
  test: {
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...hostile],
          sequence: { groupOrder: 0 }
        }
      },
      {
        extends: true,
        test: {
          name: "hostile",
          include: hostile,
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 }
        }
      }
    ]
  }
})
