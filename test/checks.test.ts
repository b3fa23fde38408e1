/**
 * Named checks under TestClock: hysteresis in both directions, concurrency and isolation, the staleness
 * watchdog, initial states, the changes stream, and the drain order over a real socket.
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Scope, Stream, TestClock } from "effect"
import { buildHealth, checkStatus, get, scriptedPing, withLogs } from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

describe("checks", () => {
  it.scoped("turn healthy again only after successThreshold consecutive successes", () =>
    Effect.gen(function*() {
      const { ping, up } = yield* scriptedPing
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "1 second", failureThreshold: 2, successThreshold: 3 })
      )
      yield* Ref.set(up, false)
      yield* TestClock.adjust("1 second") // failures at 0 s and 1 s
      assert.isFalse((yield* health.status).ready)
      yield* Ref.set(up, true)
      yield* TestClock.adjust("2 seconds") // successes at 2 s and 3 s
      assert.deepInclude(yield* checkStatus(health), { healthy: false, consecutiveSuccesses: 2 })
      yield* TestClock.adjust("1 second") // the third success
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveSuccesses: 3 })
      assert.isTrue((yield* health.status).ready)
    }))

  it.scoped("a check's own thresholds and timeout override the server's", () =>
    Effect.gen(function*() {
      const db = yield* scriptedPing
      yield* Ref.set(db.up, false)
      const health = yield* buildHealth(HealthServer.layerState({
        checks: [HealthCheck.make({ name: "db", check: db.ping, failureThreshold: 1 })],
        failureThreshold: 5
      }))
      yield* TestClock.adjust(0)
      assert.isFalse((yield* checkStatus(health, "db")).healthy)
    }))

  it.scoped("checks run concurrently: a hanging check delays no other", () =>
    Effect.gen(function*() {
      const fast = yield* scriptedPing
      const health = yield* buildHealth(HealthServer.layerState({
        pingInterval: "1 second",
        checks: [
          HealthCheck.make({ name: "hangs", check: Effect.never, timeout: "1 minute" }),
          HealthCheck.make({ name: "fast", check: fast.ping })
        ]
      }))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Ref.get(fast.calls), 11) // 0, 1, ..., 10 s: unaffected by the hanging check
      assert.deepInclude(yield* checkStatus(health, "hangs"), { lastCheckedAt: Option.none(), healthy: true })
      yield* TestClock.adjust("50 seconds") // the hanging check times out at 60 s, on its own timeout
      assert.deepInclude(yield* checkStatus(health, "hangs"), {
        consecutiveFailures: 1,
        lastError: Option.some("timed out after 1m")
      })
      assert.strictEqual(yield* Ref.get(fast.calls), 61)
    }))

  it.scoped("the watchdog fails liveness with reason stale when a check stops producing results", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        // An uninterruptible check cannot be cut off by its timeout: its loop is wedged until it ends.
        const release = yield* Deferred.make<void>()
        const wedged = Deferred.await(release).pipe(Effect.uninterruptible)
        const health = yield* buildHealth(HealthServer.layerState({
          checks: [HealthCheck.make({ name: "wedged", check: wedged })],
          pingInterval: "5 seconds",
          pingTimeout: "1 second",
          livenessChecks: [],
          exposeDetails: true
        }))
        yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
        // Stale once more than max(3 × 5 s, 5 s + 2 × 1 s) = 15 s have passed without a result.
        yield* TestClock.adjust("15 seconds")
        assert.deepInclude(yield* health.status, { live: true, ready: true })
        yield* TestClock.adjust("1 millis")
        const status = yield* health.status
        assert.deepInclude(status, { live: false, ready: false })
        assert.deepInclude(yield* checkStatus(health, "wedged"), { stale: true, healthy: true })
        const stale = logs.filter((line) => line.message === "health_state_changed")
        assert.deepStrictEqual(stale.map((line) => [line.level, line.annotations.check, line.annotations.to]), [
          ["WARN", "wedged", "stale"]
        ])
        assert.strictEqual(stale[0].annotations.reason, "stale")
        // Once the check produces a result again, it is fresh.
        yield* Deferred.succeed(release, undefined)
        yield* TestClock.adjust(0)
        assert.deepInclude(yield* health.status, { live: true, ready: true })
      })
    ))

  it.scoped("initial state healthy: ready before any check has run", () =>
    Effect.gen(function*() {
      const health = yield* buildHealth(HealthServer.layerState({ ping: Effect.never }))
      assert.deepInclude(yield* health.status, { live: true, ready: true, started: false })
    }))

  it.scoped("initial state starting: not ready until every check has passed once", () =>
    Effect.gen(function*() {
      const redis = yield* scriptedPing
      const db = yield* scriptedPing
      yield* Ref.set(db.up, false)
      const health = yield* buildHealth(HealthServer.layerState({
        ping: redis.ping,
        checks: [HealthCheck.make({ name: "db", check: db.ping })],
        initialState: "starting",
        pingInterval: "1 second"
      }))
      assert.deepInclude(yield* health.status, { live: true, ready: false, started: false })
      yield* TestClock.adjust("1 second")
      assert.deepInclude(yield* health.status, { live: true, ready: false, started: false })
      const ready = yield* health.changes.pipe(Stream.filter((status) => status.ready), Stream.runHead, Effect.fork)
      yield* Ref.set(db.up, true)
      yield* TestClock.adjust("1 second")
      assert.deepInclude(Option.getOrThrow(yield* Fiber.join(ready)), { ready: true, started: true })
    }))

  it.scoped("changes emits the current state, then each change of a probe, flag or check condition", () =>
    Effect.gen(function*() {
      const { ping, up } = yield* scriptedPing
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "1 second", failureThreshold: 2 })
      )
      const seen = yield* health.changes.pipe(Stream.take(5), Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("3 seconds") // four successes: started at the first, then no change
      yield* Ref.set(up, false)
      yield* TestClock.adjust("2 seconds") // two failures: unhealthy
      yield* health.markNotReady
      yield* Ref.set(up, true)
      yield* TestClock.adjust("1 second") // healthy again
      const states = [...(yield* Fiber.join(seen))]
      assert.deepStrictEqual(states.map((s) => [s.live, s.ready, s.started, s.markedNotReady]), [
        [true, true, false, false],
        [true, true, true, false],
        [false, false, true, false],
        [false, false, true, true],
        [true, false, true, true]
      ])
    }))

  it.scoped("invalid names and unknown liveness checks fail with HealthServerOptionsError", () =>
    Effect.gen(function*() {
      const cases = [
        [{ checks: [HealthCheck.make({ name: "has space", check: Effect.void })] }, "checks[has space]"],
        [{ ping: Effect.void, checks: [HealthCheck.make({ name: "redis", check: Effect.void })] }, "checks[redis]"],
        [{ checks: [HealthCheck.make({ name: "db", check: Effect.void, successThreshold: 0 })] }, "checks[db]"],
        [{ livenessChecks: ["db"] }, "livenessChecks (SG_HEALTH_LIVENESS_CHECKS)"]
      ] as const
      for (const [options, option] of cases) {
        const error = yield* buildHealth(HealthServer.layerState(options)).pipe(Effect.scoped, Effect.flip)
        assert.strictEqual(error._tag, "HealthServerOptionsError")
        assert.include(error.message, option)
      }
    }))
})

describe("graceful drain", () => {
  it.effect("readiness 503 at once, liveness 200 for shutdownDelay, checks stopped, then the socket closes", () =>
    Effect.gen(function*() {
      const { calls, ping } = yield* scriptedPing
      const port = yield* RedisServer.freePort
      const scope = yield* Scope.make()
      yield* HealthServer.make({ port, ping, pingInterval: "1 second", shutdownDelay: "10 seconds" }).pipe(
        Scope.extend(scope)
      )
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* get(port, "/readyz")).status, 200)
      const pings = yield* Ref.get(calls)

      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("1 millis")
      assert.deepInclude(yield* get(port, "/readyz"), { status: 503, body: "Service Unavailable" })
      assert.deepInclude(yield* get(port, "/readyz?verbose"), {
        body: "[+]redis ok\n[-]shutdown failed: draining\nreadyz check failed\n"
      })
      assert.deepInclude(yield* get(port, "/livez"), { status: 200, body: "OK" })
      yield* TestClock.adjust("9 seconds")
      assert.deepInclude(yield* get(port, "/healthz"), { status: 200, body: "OK" })
      assert.strictEqual((yield* get(port, "/readyz")).status, 503)
      assert.strictEqual(yield* Ref.get(calls), pings, "the checks stopped when the drain began")
      assert.isNull(closing.unsafePoll(), "still draining")

      yield* TestClock.adjust("1 second")
      yield* Fiber.join(closing)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(get(port, "/healthz"))), "the socket is closed")
    }))
})
