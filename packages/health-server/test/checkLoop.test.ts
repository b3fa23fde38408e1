/**
 * The check loop and its state machine under TestClock, with a scripted check (no Redis, no socket).
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Clock, Effect, Exit, Fiber, Metric, Option, Ref, Scope, TestClock } from "effect"
import { buildState, checkStatus, redisCheck, scriptedCheck, summarize, withLogs } from "./utils/health.js"

/** The state over one scripted `redis` check and `options`, built in the test's scope. */
const withCheck = (
  check: Effect.Effect<unknown, unknown>,
  options: Omit<HealthServer.StateOptions, "checks"> = {}
) => buildState(HealthServer.layerState({ checks: [redisCheck(check)], ...options }))

/** The runs counted for check `name`, of every result. */
const runsOf = (name: string) =>
  Effect.map(Metric.snapshot, (pairs) =>
    pairs
      .filter((pair) => pair.metricKey.name === "health_checks_total")
      .filter((pair) => pair.metricKey.tags.some((tag) => tag.key === "name" && tag.value === name))
      .reduce((sum, pair) => sum + Number((pair.metricState as unknown as { count: number }).count), 0))

describe("check loop", () => {
  it.scoped("turns unhealthy exactly at the threshold-th consecutive failure, not before", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      yield* Ref.set(up, false)
      const health = yield* withCheck(check, { checkInterval: "5 seconds", failureThreshold: 3 })
      yield* TestClock.adjust(0) // t=0: first failure
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveFailures: 1 })
      yield* TestClock.adjust("5 seconds") // t=5s: second failure
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveFailures: 2 })
      yield* TestClock.adjust("4999 millis")
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveFailures: 2 })
      yield* TestClock.adjust("1 millis") // t=10s: third failure
      const status = yield* checkStatus(health)
      assert.deepInclude(status, { healthy: false, consecutiveFailures: 3 })
      assert.deepStrictEqual(status.lastError, Option.some("down"))
      assert.strictEqual(Option.getOrThrow(status.lastCheckedAt).epochMillis, 10_000)
    }))

  it.scoped("recovers at the first success", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      yield* Ref.set(up, false)
      const health = yield* withCheck(check, { checkInterval: "1 second", failureThreshold: 2 })
      yield* TestClock.adjust("1 second")
      assert.isFalse((yield* checkStatus(health)).healthy)
      yield* TestClock.adjust("3 seconds") // still failing
      assert.deepInclude(yield* checkStatus(health), { healthy: false, consecutiveFailures: 5 })
      yield* Ref.set(up, true)
      yield* TestClock.adjust("1 second")
      assert.deepInclude(yield* checkStatus(health), {
        healthy: true,
        consecutiveFailures: 0,
        lastError: Option.none()
      })
    }))

  it.scoped("a failure streak shorter than the threshold never flips", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      const health = yield* withCheck(check, { checkInterval: "1 second", failureThreshold: 3 })
      yield* TestClock.adjust(0) // t=0: success
      for (let i = 0; i < 5; i++) {
        yield* Ref.set(up, false)
        yield* TestClock.adjust("2 seconds") // two failures
        assert.isTrue((yield* checkStatus(health)).healthy)
        yield* Ref.set(up, true)
        yield* TestClock.adjust("1 second") // a success resets the streak
        assert.strictEqual((yield* checkStatus(health)).consecutiveFailures, 0)
      }
    }))

  it.scoped("a hung check fails at checkTimeout, not before", () =>
    Effect.gen(function*() {
      const health = yield* withCheck(Effect.never, { checkTimeout: "1 second", failureThreshold: 1 })
      yield* TestClock.adjust("999 millis")
      assert.deepInclude(yield* checkStatus(health), {
        healthy: true,
        consecutiveFailures: 0,
        lastCheckedAt: Option.none()
      })
      yield* TestClock.adjust("1 millis")
      const status = yield* checkStatus(health)
      assert.deepInclude(status, { healthy: false, consecutiveFailures: 1 })
      assert.deepStrictEqual(status.lastError, Option.some("timed out after 1s"))
    }))

  it.scoped("a check that dies (a defect, not a failure) counts as a failure and the loop goes on", () =>
    Effect.gen(function*() {
      let calls = 0
      const dies = Effect.suspend(() => {
        calls++
        return Effect.die(new Error("boom"))
      })
      const health = yield* withCheck(dies, { checkInterval: "1 second", failureThreshold: 1 })
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(calls, 3)
      assert.deepInclude(yield* checkStatus(health), {
        healthy: false,
        consecutiveFailures: 3,
        lastError: Option.some("boom")
      })
    }))

  it.scoped("spaces runs from the end of the previous run, so slow runs never overlap", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      let running = 0
      let maxRunning = 0
      const slow = Effect.gen(function*() {
        starts.push(yield* Clock.currentTimeMillis)
        running++
        maxRunning = Math.max(maxRunning, running)
        yield* Effect.sleep("2 seconds")
      }).pipe(Effect.ensuring(Effect.sync(() => running--)))
      yield* withCheck(slow, { checkInterval: "5 seconds", checkTimeout: "3 seconds" })
      yield* TestClock.adjust("6999 millis")
      assert.deepStrictEqual(starts, [0])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(starts, [0, 7_000])
      yield* TestClock.adjust("7 seconds")
      assert.deepStrictEqual(starts, [0, 7_000, 14_000])
      assert.strictEqual(maxRunning, 1)
    }))

  it.scoped("a hung Redis is detected after threshold × (interval + timeout), the documented worst case", () =>
    Effect.gen(function*() {
      // Redis answers the check at t=0, then hangs: the worst moment for it to start hanging.
      let calls = 0
      const check = Effect.suspend(() => calls++ === 0 ? Effect.void : Effect.never)
      const health = yield* withCheck(check) // defaults: 5s, 1s, 3
      yield* TestClock.adjust("17999 millis")
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveFailures: 2 })
      yield* TestClock.adjust("1 millis") // 3 × (5s + 1s)
      assert.deepInclude(yield* checkStatus(health), { healthy: false, consecutiveFailures: 3 })
    }))

  it.scoped("a timed-out run is interrupted before the next one starts", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      let interrupted = 0
      const hung = Effect.zipRight(
        Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => starts.push(t))),
        Effect.onInterrupt(Effect.never, () => Effect.sync(() => interrupted++))
      )
      yield* withCheck(hung, { checkInterval: "5 seconds", checkTimeout: "1 second" })
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(starts, [0, 6_000])
      assert.strictEqual(interrupted, 1)
    }))

  it.effect("releasing the layer interrupts the loop", () =>
    Effect.gen(function*() {
      const { calls, check } = yield* scriptedCheck
      let interrupted = false
      const scope = yield* Scope.make()
      yield* withCheck(
        Effect.zipRight(
          check,
          Effect.onInterrupt(Effect.sleep("10 seconds"), () => Effect.sync(() => interrupted = true))
        ),
        { checkInterval: "5 seconds", checkTimeout: "1 minute" }
      ).pipe(Scope.extend(scope))
      yield* TestClock.adjust(0)
      assert.strictEqual(yield* Ref.get(calls), 1)
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(interrupted)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("nothing is written once released, even by a check that ignores interruption past the stop bound", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const late = HealthCheck.make({
          name: "late-writer",
          check: Effect.uninterruptible(Effect.sleep("1500 millis")).pipe(Effect.zipRight(Effect.fail("late"))),
          timeout: "200 millis",
          failureThreshold: 1
        })
        const health = yield* buildState(HealthServer.layerState({ checks: [late] })).pipe(Scope.extend(scope))
        yield* TestClock.adjust(0) // the first run starts, and cannot be interrupted until t=1.5s
        const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
        yield* TestClock.adjust("1 second") // the stop bound (1 s) passes: released without waiting for the run
        yield* Fiber.join(closing)
        assert.include(logs.map((line) => line.message), "health_checks_not_stopped")
        const released = { lines: logs.length, status: yield* health.status, runs: yield* runsOf("late-writer") }
        yield* TestClock.adjust("1 second") // the run ends at t=1.5s, failed: nothing of it may land
        assert.strictEqual(logs.length, released.lines, JSON.stringify(logs.slice(released.lines)))
        assert.deepStrictEqual(yield* health.status, released.status)
        assert.strictEqual(yield* runsOf("late-writer"), released.runs)
      })
    ))

  it.effect("logs each change of state (Warning down, Info back), each failed run at Debug, no success", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const { check, up } = yield* scriptedCheck
        yield* withCheck(check, { checkInterval: "1 second", failureThreshold: 2 })
        yield* TestClock.adjust("3 seconds") // t=0..3: four successes; the first completes start-up
        yield* Ref.set(up, false)
        yield* TestClock.adjust("3 seconds") // t=4..6: three failures, unhealthy at the second
        yield* Ref.set(up, true)
        yield* TestClock.adjust("3 seconds") // t=7: healthy again; t=8, 9: successes
        const keys = ["fiber", "check", "from", "to", "reason", "consecutiveFailures", "live", "ready"]
        const loop = { fiber: "health-check", check: "redis" }
        assert.deepStrictEqual(summarize(logs, keys), [
          ["INFO", "health_started", { ...loop, live: true, ready: true }],
          ["DEBUG", "health_check_failed", { ...loop, reason: "down" }],
          ["DEBUG", "health_check_failed", { ...loop, reason: "down" }],
          ["WARN", "health_state_changed", {
            ...loop,
            from: "healthy",
            to: "unhealthy",
            reason: "down",
            consecutiveFailures: 2,
            live: false,
            ready: false
          }],
          ["DEBUG", "health_check_failed", { ...loop, reason: "down" }],
          ["INFO", "health_state_changed", {
            ...loop,
            from: "unhealthy",
            to: "healthy",
            reason: "recovered",
            live: true,
            ready: true
          }]
        ])
        // Every line says where it comes from.
        for (const line of logs) assert.strictEqual(line.annotations.package, "@stargazer/health-server")
      }).pipe(Effect.scoped)
    ))

  it.effect("an invalid threshold fails with HealthServerOptionsError naming the option", () =>
    Effect.gen(function*() {
      const error = yield* withCheck(Effect.void, { failureThreshold: 0 }).pipe(Effect.scoped, Effect.flip)
      assert.deepStrictEqual(
        [error._tag, error.option, error.variable],
        ["HealthServerOptionsError", "failureThreshold", undefined]
      )
      assert.strictEqual(error.message, "Invalid health server option failureThreshold: must be an integer >= 1, got 0")
    }))
})
