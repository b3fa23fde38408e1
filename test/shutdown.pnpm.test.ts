/**
 * Shutdown of `pnpm start` as a terminal and supervisors meet it: pnpm runs node through `sh -c`, and forwards
 * SIGINT/SIGTERM to it, so a signal to the process group reaches node twice. Every copy is absorbed: the drain
 * runs its whole course, the probes answer through it, the process exits 0 and pnpm reports no failure.
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as RedisServer from "./utils/effect3/redisServer.js"
import { eventually, fetchReply, get, live } from "./utils/http.js"
import { spawnService } from "./utils/process.js"
import type { Started } from "./utils/service.js"
import { assertGracefulShutdown, drainMillis, inOrder, millisBetween, startService } from "./utils/service.js"
import type { Target } from "./utils/targets.js"
import { targets } from "./utils/targets.js"

const env = { SG_HEALTH_SHUTDOWN_DELAY: `${drainMillis} millis` }

const twice = (started: Started, signal: NodeJS.Signals) =>
  started.service.signalGroup(signal).pipe(
    Effect.zipRight(Effect.sleep("100 millis")),
    Effect.zipRight(started.service.signalGroup(signal))
  )

/**
 * `pnpm <script>` with its probes on a port of its own, polled every 2 ms from the start, so that the test knows
 * the first moment the socket answers (before `health_server_started` says the port). The ports tried are below
 * those of the tests' redis-servers (20000-32000) and Linux's ephemeral range (32768-60999), where no other
 * test's server listens; a port that turns out to be taken (the service exits saying so) is tried again.
 */
const answering = (target: Target, redis: RedisServer.RedisServer) =>
  Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const port = 10_000 + Math.floor(Math.random() * 5_000)
      const service = yield* spawnService({ via: "pnpm", script: target.script }, {
        REDIS_URL: redis.url,
        SG_HEALTH_PORT: String(port),
        ...env
      })
      const answered = yield* fetchReply(port, "/readyz").pipe(
        Effect.filterOrFail(() => service.groupAlive(), () => new Error("exited")),
        Effect.retry({ schedule: Schedule.spaced("2 millis"), while: () => service.groupAlive() }),
        Effect.timeoutFail({ duration: "45 seconds", onTimeout: () => new Error("no answer") }),
        Effect.option
      )
      if (answered._tag === "Some" && service.groupAlive()) return { service, port }
      assert.isTrue(service.output().includes("address already in use") && attempt < 5, service.output())
    }
  })

for (const target of targets) {
  describe.concurrent(`${target.name}: pnpm ${target.script}`, () => {
    // The socket answers before the service has said it started (the rest of the layer is still being built):
    // a signal at once must drain as one that comes later does.
    live(
      "SIGTERM to the process group the moment the probes first answer drains and exits 0",
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const { port, service } = yield* answering(target, redis)
          yield* service.signalGroup("SIGTERM")
          yield* eventually(
            get(port, "/readyz").pipe(Effect.map((reply) => reply.status), Effect.orElseSucceed(() => 0)),
            (status) => status === 503,
            "2 seconds"
          )
          assert.strictEqual(yield* service.exit, 0, service.output())
          yield* service.groupGone
          const output = service.output()
          assert.isTrue(
            inOrder(output, ["shutdown_started", "health_server_draining", "health_server_stopped"]),
            output
          )
          assert.isAtLeast(millisBetween(output, "health_server_draining", "health_server_stopped"), drainMillis - 50)
        })
    )

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
