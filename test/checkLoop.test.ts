/**
 * The ping loop and state machine under TestClock, with a scripted ping (no Redis, no socket).
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthServer } from "@stargazer/health-server"
import { Clock, Effect, Exit, Option, Ref, Scope, TestClock } from "effect"
import { buildHealth, checkStatus, scriptedPing, withLogs } from "./utils/health.js"

describe("ping loop", () => {
  it.scoped("turns unhealthy exactly at the threshold-th consecutive failure, not before", () =>
    Effect.gen(function*() {
      const { ping, up } = yield* scriptedPing
      yield* Ref.set(up, false)
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "5 seconds", failureThreshold: 3 })
      )
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
      const { ping, up } = yield* scriptedPing
      yield* Ref.set(up, false)
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "1 second", failureThreshold: 2 })
      )
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
      const { ping, up } = yield* scriptedPing
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "1 second", failureThreshold: 3 })
      )
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

  it.scoped("a hung ping fails at pingTimeout, not before", () =>
    Effect.gen(function*() {
      const health = yield* buildHealth(
        HealthServer.layerState({ ping: Effect.never, pingTimeout: "1 second", failureThreshold: 1 })
      )
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

  it.scoped("a ping that dies (a defect, not a failure) counts as a failure and the loop goes on", () =>
    Effect.gen(function*() {
      let calls = 0
      const dies = Effect.suspend(() => {
        calls++
        return Effect.die(new Error("boom"))
      })
      const health = yield* buildHealth(
        HealthServer.layerState({ ping: dies, pingInterval: "1 second", failureThreshold: 1 })
      )
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(calls, 3)
      assert.deepInclude(yield* checkStatus(health), {
        healthy: false,
        consecutiveFailures: 3,
        lastError: Option.some("boom")
      })
    }))

  it.scoped("spaces pings from the end of the previous ping, so slow pings never overlap", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      let running = 0
      let maxRunning = 0
      const slowPing = Effect.gen(function*() {
        starts.push(yield* Clock.currentTimeMillis)
        running++
        maxRunning = Math.max(maxRunning, running)
        yield* Effect.sleep("2 seconds")
      }).pipe(Effect.ensuring(Effect.sync(() => running--)))
      yield* buildHealth(
        HealthServer.layerState({ ping: slowPing, pingInterval: "5 seconds", pingTimeout: "3 seconds" })
      )
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
      // Redis answers the ping at t=0, then hangs: the worst moment for it to start hanging.
      let calls = 0
      const ping = Effect.suspend(() => calls++ === 0 ? Effect.void : Effect.never)
      const health = yield* buildHealth(HealthServer.layerState({ ping })) // defaults: 5s, 1s, 3
      yield* TestClock.adjust("17999 millis")
      assert.deepInclude(yield* checkStatus(health), { healthy: true, consecutiveFailures: 2 })
      yield* TestClock.adjust("1 millis") // 3 × (5s + 1s)
      assert.deepInclude(yield* checkStatus(health), { healthy: false, consecutiveFailures: 3 })
    }))

  it.scoped("a timed-out ping is interrupted before the next one starts", () =>
    Effect.gen(function*() {
      const starts: Array<number> = []
      let interrupted = 0
      const hung = Effect.zipRight(
        Effect.flatMap(Clock.currentTimeMillis, (t) => Effect.sync(() => starts.push(t))),
        Effect.onInterrupt(Effect.never, () => Effect.sync(() => interrupted++))
      )
      yield* buildHealth(HealthServer.layerState({ ping: hung, pingInterval: "5 seconds", pingTimeout: "1 second" }))
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(starts, [0, 6_000])
      assert.strictEqual(interrupted, 1)
    }))

  it.effect("releasing the layer interrupts the loop", () =>
    Effect.gen(function*() {
      const { calls, ping } = yield* scriptedPing
      let interrupted = false
      const scope = yield* Scope.make()
      yield* buildHealth(
        HealthServer.layerState({
          ping: Effect.zipRight(
            ping,
            Effect.onInterrupt(Effect.sleep("10 seconds"), () => Effect.sync(() => interrupted = true))
          ),
          pingInterval: "5 seconds",
          pingTimeout: "1 minute"
        })
      ).pipe(Scope.extend(scope))
      yield* TestClock.adjust(0)
      assert.strictEqual(yield* Ref.get(calls), 1)
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(interrupted)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* Ref.get(calls), 1)
    }))

  it.effect("logs one line per state change, Debug per failed ping, nothing per success", () =>
    withLogs((logs) =>
      Effect.gen(function*() {
        const { ping, up } = yield* scriptedPing
        yield* buildHealth(HealthServer.layerState({ ping, pingInterval: "1 second", failureThreshold: 2 }))
        yield* TestClock.adjust("3 seconds") // four successes
        // The first success completes start-up (logged once); successes themselves are not logged.
        assert.deepStrictEqual(logs.map((line) => [line.level, line.message]), [["INFO", "health_started"]])
        yield* Ref.set(up, false)
        yield* TestClock.adjust("3 seconds") // three failures: flips at the second
        yield* Ref.set(up, true)
        yield* TestClock.adjust("3 seconds") // back, then three more successes
        const changes = logs.filter((line) => line.message === "health_state_changed")
        assert.deepStrictEqual(changes.map((line) => [line.level, line.annotations.from, line.annotations.to]), [
          ["WARN", "healthy", "unhealthy"],
          ["INFO", "unhealthy", "healthy"]
        ])
        assert.strictEqual(changes[0].annotations.reason, "down")
        assert.deepInclude(changes[0].annotations, { fiber: "health-check", check: "redis" })
        const failed = logs.filter((line) => line.message === "health_check_failed")
        assert.deepStrictEqual(failed.map((line) => line.level), ["DEBUG", "DEBUG", "DEBUG"])
        assert.strictEqual(logs.length, 6)
      }).pipe(Effect.scoped)
    ))

  it.effect("an invalid threshold fails with HealthServerOptionsError naming the option", () =>
    Effect.gen(function*() {
      const error = yield* buildHealth(HealthServer.layerState({ ping: Effect.void, failureThreshold: 0 })).pipe(
        Effect.scoped,
        Effect.flip
      )
      assert.strictEqual(error._tag, "HealthServerOptionsError")
      assert.strictEqual(error.message, "Invalid health server option failureThreshold: must be an integer >= 1, got 0")
    }))
})
