/**
 * Shutdown of the service started with `node` directly (a container's command, a systemd unit, a supervisor),
 * signalled alone and as a process group; a person's second Ctrl-C; and the bound on every shutdown.
 */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { live } from "./utils/http.js"
import { assertGracefulShutdown, drainMillis, millisBetween, startService } from "./utils/service.js"
import { targets } from "./utils/targets.js"

const env = { SG_HEALTH_SHUTDOWN_DELAY: `${drainMillis} millis` }

for (const target of targets) {
  describe.concurrent(`${target.name}: node ${target.service}`, () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR2"] as const) {
      live(`${signal} to node alone drains and exits 0`, () =>
        Effect.gen(function*() {
          const started = yield* startService(target, "node", env)
          yield* assertGracefulShutdown(started, started.service.signal(signal))
        }))
    }

    live(
      "SIGTERM, then SIGINT 100 ms later (a forwarded copy, not a person): drains and exits 0",
      () =>
        Effect.gen(function*() {
          const started = yield* startService(target, "node", env)
          const both = started.service.signal("SIGTERM").pipe(
            Effect.zipRight(Effect.sleep("100 millis")),
            Effect.zipRight(started.service.signal("SIGINT"))
          )
          yield* assertGracefulShutdown(started, both)
        })
    )

    live(
      "a person's second Ctrl-C, a second or more after the first, ends the drain at once with exit 130",
      () =>
        Effect.gen(function*() {
          const { service } = yield* startService(target, "node", { SG_HEALTH_SHUTDOWN_DELAY: "1 minute" })
          yield* service.signalGroup("SIGINT")
          // A person presses Ctrl-C again after a pause; the pause is what tells them from a forwarded copy.
          yield* Effect.sleep("1200 millis")
          yield* service.signalGroup("SIGINT")
          const exit = yield* service.exit.pipe(Effect.timeout("10 seconds"))
          assert.strictEqual(exit, 130, service.output())
          assert.include(service.output(), "shutdown_forced")
          assert.include(service.output(), "reason: second SIGINT")
          yield* service.groupGone
        })
    )

    live(
      "a layer that never finishes releasing: the process ends after the drain plus the stop timeout",
      () =>
        Effect.gen(function*() {
          const { service } = yield* startService(target, "node", {
            SG_HEALTH_SHUTDOWN_DELAY: "1 second",
            SG_HEALTH_STOP_TIMEOUT: "2 seconds"
          }, { script: target.stuck })
          yield* service.signal("SIGTERM")
          assert.strictEqual(yield* service.exit, 1, service.output())
          const output = service.output()
          assert.include(output, "stuck_stopping")
          assert.include(output, "reason: not stopped within 3s")
          const took = millisBetween(output, "shutdown_started", "shutdown_forced")
          assert.isAtLeast(took, 2_950, output)
          assert.isAtMost(took, 10_000, output)
          yield* service.groupGone
        })
    )
  })
}
