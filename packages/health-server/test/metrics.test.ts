/**
 * The health metrics under TestClock, read from Effect's metric registry: the gauges after failures,
 * recoveries and staleness, the run counters by result, the durations and the transitions. Each test uses its
 * own check names: the registry is the process's.
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Deferred, Effect, Metric, Ref, TestClock } from "effect"
import { buildState, scriptedCheck } from "./utils/health.js"

/** The value of metric `name` with exactly `labels`: a gauge's value, a counter's or a histogram's count. */
const read = (name: string, labels: Record<string, string>) =>
  Effect.map(Metric.snapshot, (pairs) => {
    const pair = pairs.find((pair) =>
      pair.metricKey.name === name &&
      pair.metricKey.tags.length === Object.keys(labels).length &&
      pair.metricKey.tags.every((tag) => labels[tag.key] === tag.value)
    )
    if (pair === undefined) return undefined
    const state = pair.metricState as { value?: number; count?: number }
    return Number(state.value ?? state.count)
  })

const checkGauge = (name: string, type: string) => read("health_check", { name, type })

describe("metrics", () => {
  it.scoped("health_check and health_probe follow failures and recoveries; runs and transitions are counted", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      const health = yield* buildState(HealthServer.layerState({
        checks: [HealthCheck.make({ name: "m-cache", check })],
        livenessChecks: ["m-cache"],
        checkInterval: "1 second",
        failureThreshold: 2
      }))
      yield* TestClock.adjust(0)
      for (const type of ["liveness", "readiness", "startup"]) assert.strictEqual(yield* checkGauge("m-cache", type), 1)
      assert.strictEqual(yield* read("health_probe", { type: "readiness" }), 1)
      assert.strictEqual(yield* read("health_checks_total", { name: "m-cache", status: "success" }), 1)

      yield* Ref.set(up, false)
      yield* TestClock.adjust("1 second") // the first failure: still healthy (threshold 2)
      assert.strictEqual(yield* checkGauge("m-cache", "readiness"), 1)
      yield* TestClock.adjust("1 second") // the second: unhealthy
      assert.strictEqual(yield* checkGauge("m-cache", "readiness"), 0)
      assert.strictEqual(yield* checkGauge("m-cache", "liveness"), 0)
      assert.strictEqual(yield* checkGauge("m-cache", "startup"), 1) // it passed once: startup stays
      assert.strictEqual(yield* read("health_probe", { type: "readiness" }), 0)
      assert.strictEqual(yield* read("health_probe", { type: "liveness" }), 0)
      assert.strictEqual(yield* read("health_checks_total", { name: "m-cache", status: "failure" }), 2)
      assert.strictEqual(
        yield* read("health_check_transitions_total", { name: "m-cache", from: "healthy", to: "unhealthy" }),
        1
      )

      yield* Ref.set(up, true)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* checkGauge("m-cache", "readiness"), 1)
      assert.strictEqual(yield* read("health_probe", { type: "readiness" }), 1)
      assert.strictEqual(
        yield* read("health_check_transitions_total", { name: "m-cache", from: "unhealthy", to: "healthy" }),
        1
      )
      assert.strictEqual(yield* read("health_checks_total", { name: "m-cache", status: "success" }), 2)
      assert.strictEqual(yield* read("health_check_duration_seconds", { name: "m-cache" }), 4)

      // markNotReady is a flag, not a check's condition: the probe's gauge shows it, the check's does not.
      yield* health.markNotReady
      assert.strictEqual(yield* read("health_probe", { type: "readiness" }), 0)
      assert.strictEqual(yield* checkGauge("m-cache", "readiness"), 1)
    }))

  it.scoped("a run cut off by its timeout counts as a timeout", () =>
    Effect.gen(function*() {
      yield* buildState(HealthServer.layerState({
        checks: [HealthCheck.make({ name: "m-hangs", check: Effect.never, timeout: "1 second" })],
        checkInterval: "5 seconds"
      }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* read("health_checks_total", { name: "m-hangs", status: "timeout" }), 1)
      assert.isUndefined(yield* read("health_checks_total", { name: "m-hangs", status: "failure" }))
    }))

  it.scoped("a stale check fails liveness in the gauges, even when it does not gate liveness", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      yield* buildState(HealthServer.layerState({
        checks: [HealthCheck.make({
          name: "m-wedged",
          check: Deferred.await(release).pipe(Effect.uninterruptible)
        })],
        checkInterval: "5 seconds",
        checkTimeout: "1 second",
        livenessChecks: []
      }))
      yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
      yield* TestClock.adjust("15001 millis") // stale past max(3 × 5 s, 5 s + 2 × 1 s)
      assert.strictEqual(yield* checkGauge("m-wedged", "readiness"), 0)
      assert.isUndefined(yield* checkGauge("m-wedged", "liveness")) // it does not gate liveness...
      assert.strictEqual(yield* read("health_probe", { type: "liveness" }), 0) // ...but stale fails it
      assert.strictEqual(
        yield* read("health_check_transitions_total", { name: "m-wedged", from: "healthy", to: "stale" }),
        1
      )
    }))
})
