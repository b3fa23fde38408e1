/**
 * Shutdown of `pnpm start` as a terminal and supervisors meet it: pnpm runs node through `sh -c`, and forwards
 * SIGINT/SIGTERM to it, so a signal to the process group reaches node twice. Every copy is absorbed: the drain
 * runs its whole course, the probes answer through it, the process exits 0 and pnpm reports no failure.
 */
import { describe } from "@effect/vitest"
import { Effect } from "effect"
import { live } from "./utils/health.js"
import type { Started } from "./utils/service.js"
import { assertGracefulShutdown, drainMillis, startService } from "./utils/service.js"
import { targets } from "./utils/targets.js"

const env = { SG_HEALTH_SHUTDOWN_DELAY: `${drainMillis} millis` }

const twice = (started: Started, signal: NodeJS.Signals) =>
  started.service.signalGroup(signal).pipe(
    Effect.zipRight(Effect.sleep("100 millis")),
    Effect.zipRight(started.service.signalGroup(signal))
  )

for (const target of targets) {
  describe(`${target.name}: pnpm ${target.script}`, () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      live(
        `${signal} to the process group (Ctrl-C, kill -${signal.slice(3)} -PGID) drains and exits 0`,
        () =>
          Effect.gen(function*() {
            const started = yield* startService(target, "pnpm", env)
            yield* assertGracefulShutdown(started, started.service.signalGroup(signal))
          })
      )
    }

    live("SIGTERM to pnpm alone is forwarded to node: drains and exits 0", () =>
      Effect.gen(function*() {
        const started = yield* startService(target, "pnpm", env)
        yield* assertGracefulShutdown(started, started.service.signal("SIGTERM"))
      }))

    live(
      "Ctrl-C twice, 100 ms apart (four SIGINTs and a SIGTERM at node): drains once and exits 0",
      () =>
        Effect.gen(function*() {
          const started = yield* startService(target, "pnpm", env)
          yield* assertGracefulShutdown(started, twice(started, "SIGINT"))
        })
    )

    // pnpm listens for SIGTERM once: a second SIGTERM kills pnpm itself. node, which got its own copies from the
    // process group, absorbs them, drains in full and exits 0 on its own; pnpm's own status is the signal.
    live(
      "two SIGTERMs to the process group 100 ms apart: pnpm dies of the second, the service drains in full",
      () =>
        Effect.gen(function*() {
          const started = yield* startService(target, "pnpm", env)
          yield* assertGracefulShutdown(started, twice(started, "SIGTERM"), "SIGTERM")
        })
    )

    // pnpm handles neither SIGHUP nor SIGUSR2: it dies of them at once, and node, which got its own copy from the
    // process group, drains on its own and exits. Nothing is left running.
    for (const signal of ["SIGHUP", "SIGUSR2"] as const) {
      live(
        `${signal} to the process group: pnpm ends at once, the service drains and exits on its own`,
        () =>
          Effect.gen(function*() {
            const started = yield* startService(target, "pnpm", env)
            yield* assertGracefulShutdown(started, started.service.signalGroup(signal), signal)
          })
      )
    }
  })
}
