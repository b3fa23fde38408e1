import { configDefaults, defineConfig } from "vitest/config"

/**
 * Everything the root runs: the core's tests, the Effect 3 package's (each package's own `vitest.config.ts`),
 * and the black-box tests of the services in `test/` (both packages': test/utils/targets.ts). The Effect 4
 * package's suite runs on its own vitest (scripts/test.sh).
 *
 * Two groups, one after the other: the suite, two files at a time (most of its time is spent waiting on
 * processes: redis-servers, services draining), then the hostile-input files, one file at a time. Those hold the
 * services to kubelet's 1 s probe timeout under load; beside the other process-heavy files, with the services of
 * both packages, a 2-core machine's scheduling alone could miss it. A file's concurrent tests run at most three
 * at a time.
 */
const hostile = ["test/hostile.*.test.ts"]

export default defineConfig({
  test: {
    setupFiles: ["./vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    minWorkers: 1,
    maxConcurrency: 3,
    projects: [
      "packages/health-core",
      "packages/health-server",
      {
        extends: true,
        test: {
          name: "services",
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
