/**
 * Named checks under TestClock: hysteresis in both directions, concurrency and isolation, the staleness
 * watchdog, initial states, the changes stream, and the drain order over a real socket.
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Scope, Stream, TestClock } from "effect"
import { connectOutcome } from "../../../test/utils/effect3/raw.js"
import { buildState, checkStatus, fetchReply, redisCheck, scriptedCheck, withLogs } from "./utils/health.js"

describe("checks", () => {
  it.scoped("turn healthy again only after successThreshold consecutive successes", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      yield* Ref.set(up, false)
      const health = yield* buildState(HealthServer.layerState({
        checks: [redisCheck(check)],
        checkInterval: "1 second",
        failureThreshold: 2,
        successThreshold: 3
      }))
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
      const db = yield* scriptedCheck
      yield* Ref.set(db.up, false)
      const health = yield* buildState(HealthServer.layerState({
        checks: [HealthCheck.make({ name: "db", check: db.check, failureThreshold: 1 })],
        failureThreshold: 5
      }))
      yield* TestClock.adjust(0)
      assert.isFalse((yield* checkStatus(health, "db")).healthy)
    }))

  it.scoped("checks run concurrently: a hanging check delays no other", () =>
    Effect.gen(function*() {
      const fast = yield* scriptedCheck
      const health = yield* buildState(HealthServer.layerState({
        checkInterval: "1 second",
        checks: [
          HealthCheck.make({ name: "hangs", check: Effect.never, timeout: "1 minute" }),
          HealthCheck.make({ name: "fast", check: fast.check })
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
        const health = yield* buildState(HealthServer.layerState({
          checks: [HealthCheck.make({ name: "wedged", check: wedged })],
          checkInterval: "5 seconds",
          checkTimeout: "1 second",
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
      const health = yield* buildState(HealthServer.layerState({ checks: [redisCheck(Effect.never)] }))
      assert.deepInclude(yield* health.status, { live: true, ready: true, started: false })
    }))

  it.scoped("initial state starting: not ready until every check has passed once", () =>
    Effect.gen(function*() {
      const redis = yield* scriptedCheck
      const db = yield* scriptedCheck
      yield* Ref.set(db.up, false)
      const health = yield* buildState(HealthServer.layerState({
        checks: [redisCheck(redis.check), HealthCheck.make({ name: "db", check: db.check })],
        initialState: "starting",
        checkInterval: "1 second"
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
      const { check, up } = yield* scriptedCheck
      const health = yield* buildState(
        HealthServer.layerState({ checks: [redisCheck(check)], checkInterval: "1 second", failureThreshold: 2 })
      )
      yield* TestClock.adjust(0) // the first run, at t=0: started
      const seen = yield* health.changes.pipe(Stream.take(5), Stream.runCollect, Effect.fork)
      yield* TestClock.adjust("3 seconds") // three more successes: no change
      yield* Ref.set(up, false)
      yield* TestClock.adjust("1 second") // one failure: still healthy, no change
      yield* TestClock.adjust("1 second") // the second: unhealthy
      yield* health.markNotReady
      yield* Ref.set(up, true)
      yield* TestClock.adjust("1 second") // healthy again
      yield* health.markNotReady // already marked: no change
      yield* health.markReady
      const states = [...(yield* Fiber.join(seen))]
      assert.deepStrictEqual(states.map((s) => [s.live, s.ready, s.started, s.markedNotReady]), [
        [true, true, true, false],
        [false, false, true, false],
        [false, false, true, true],
        [true, false, true, true],
        [true, true, true, false]
      ])
      assert.deepStrictEqual(states.map((s) => s.checks[0].consecutiveFailures), [0, 2, 2, 0, 0])
    }))

  it.scoped("a changes subscriber that stops reading holds the latest state only, not every change it missed", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      const health = yield* buildState(
        HealthServer.layerState({ checks: [redisCheck(check)], checkInterval: "1 second", failureThreshold: 1 })
      )
      yield* TestClock.adjust(0) // the first run, at t=0: started
      const gate = yield* Deferred.make<void>()
      const seen: Array<boolean> = []
      /** Yields until `done` holds: the fibers involved need no clock, only turns. */
      const until = (done: () => boolean) =>
        Effect.yieldNow().pipe(Effect.zipRight(Effect.sync(done)), Effect.repeat({ until: (ok) => ok }))
      // Reads the first state, then stops reading until the gate opens.
      yield* health.changes.pipe(
        Stream.runForEach((status) =>
          Effect.sync(() => seen.push(status.ready)).pipe(Effect.zipRight(Deferred.await(gate)))
        ),
        Effect.fork
      )
      yield* until(() => seen.length === 1)
      for (let run = 1; run <= 99; run++) {
        yield* Ref.set(up, run % 2 === 0) // unhealthy at every odd run, healthy at every even one: 99 changes
        yield* TestClock.adjust("1 second")
      }
      assert.isFalse((yield* health.status).ready)
      yield* Deferred.succeed(gate, undefined)
      yield* until(() => seen.length >= 2)
      yield* Effect.yieldNow().pipe(Effect.repeatN(100)) // turns enough for more, were there any
      assert.deepStrictEqual(seen, [true, false]) // the first state, then the latest: none of the 98 between
    }))

  it.scoped("an invalid option given in code fails with HealthServerOptionsError naming the option", () =>
    Effect.gen(function*() {
      const db = (options: Partial<HealthCheck.HealthCheck> = {}) =>
        HealthCheck.make({ name: "db", check: Effect.void, ...options })
      const cases: ReadonlyArray<readonly [HealthServer.StateOptions, string, string]> = [
        [{ checks: [db({ name: "has space" })] }, "checks[has space]", "a check name is"],
        [{ checks: [db({ name: "x".repeat(65) })] }, `checks[${"x".repeat(65)}]`, "a check name is"],
        [{ checks: [redisCheck(Effect.void), db({ name: "redis" })] }, "checks[redis]", "two checks have this name"],
        [{ checks: [db({ successThreshold: 0 })] }, "checks[db].successThreshold", "must be an integer >= 1, got 0"],
        [{ checks: [db({ failureThreshold: 1.5 })] }, "checks[db].failureThreshold", "must be an integer >= 1"],
        [{ checks: [db({ timeout: 0 })] }, "checks[db].timeout", "must be greater than zero"],
        [{ checkInterval: 0 }, "checkInterval", "must be greater than zero"],
        [{ checkTimeout: "0 millis" }, "checkTimeout", "must be greater than zero"],
        [{ successThreshold: 0 }, "successThreshold", "must be an integer >= 1, got 0"],
        [
          { checks: [db()], livenessChecks: ["redis"] },
          "livenessChecks",
          "no check is named \"redis\" (the checks are: db)"
        ],
        [{ livenessChecks: ["db"] }, "livenessChecks", "no check is named \"db\" (the checks are: none)"]
      ]
      for (const [options, option, problem] of cases) {
        const error = yield* buildState(HealthServer.layerState(options)).pipe(Effect.scoped, Effect.flip)
        // Given in code: the option is named, no environment variable is.
        assert.deepStrictEqual([error._tag, error.option, error.variable], [
          "HealthServerOptionsError",
          option,
          undefined
        ])
        assert.include(error.problem, problem, option)
        assert.strictEqual(error.message, `Invalid health server option ${option}: ${error.problem}`)
      }
    }))

  it.scoped("HealthServer.make runs only the checks it is given: no redis check unless one is passed", () =>
    Effect.gen(function*() {
      const db = yield* scriptedCheck
      const server = yield* HealthServer.make({ port: 0, checks: [HealthCheck.make({ name: "db", check: db.check })] })
      yield* TestClock.adjust(0)
      const status = yield* server.status
      assert.deepStrictEqual(status.checks.map((check) => check.name), ["db"])
      assert.deepInclude(status, { live: true, ready: true, started: true })
      assert.strictEqual(yield* Ref.get(db.calls), 1)
      assert.notStrictEqual(server.address.port, 0)
      assert.strictEqual(server.address.host, "127.0.0.1")
      assert.strictEqual((yield* fetchReply(server.address.port, "/readyz/db")).status, 200)
      assert.strictEqual((yield* fetchReply(server.address.port, "/readyz/redis")).status, 404)
    }))
})

describe("graceful drain", () => {
  it.effect("readiness 503 at once, liveness 200 for shutdownDelay, checks stopped, then the socket closes", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const { calls, check } = yield* scriptedCheck
        const scope = yield* Scope.make()
        const server = yield* HealthServer.make({
          port: 0,
          checks: [redisCheck(check)],
          checkInterval: "1 second",
          shutdownDelay: "10 seconds"
        }).pipe(Scope.extend(scope))
        // TestClock: only `adjust` moves time, so these GETs are bounded by the test's own timeout.
        const get = (path: string) => fetchReply(server.address.port, path)
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual((yield* get("/readyz")).status, 200)
        const runs = yield* Ref.get(calls)
        assert.strictEqual(runs, 3) // at 0, 1 and 2 s

        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* TestClock.adjust("1 millis")
        assert.deepInclude(yield* get("/readyz"), { status: 503, body: "Service Unavailable" })
        assert.deepInclude(yield* get("/readyz?verbose"), {
          body: "[+]redis ok\n[-]shutdown failed: draining\nreadyz check failed\n"
        })
        assert.deepInclude(yield* get("/livez"), { status: 200, body: "OK" })
        yield* TestClock.adjust("9 seconds")
        assert.deepInclude(yield* get("/healthz"), { status: 200, body: "OK" })
        assert.strictEqual((yield* get("/readyz")).status, 503)
        assert.strictEqual(yield* Ref.get(calls), runs, "the checks stopped when the drain began")
        assert.isNull(closing.unsafePoll(), "still draining")
        assert.notInclude(logs.map((line) => line.message), "health_server_stopped")

        yield* TestClock.adjust("1 second")
        yield* Fiber.join(closing)
        // Nothing listens any more: a new connection is refused, not left waiting.
        assert.strictEqual(yield* connectOutcome(server.address.port), "ECONNREFUSED")
        assert.deepStrictEqual(
          logs.filter((line) => line.message.startsWith("health_server_")).map((line) => [
            line.message,
            line.annotations.shutdownDelay
          ]),
          [["health_server_started", undefined], ["health_server_draining", "10s"], [
            "health_server_stopped",
            undefined
          ]]
        )
      })
    ))
})
