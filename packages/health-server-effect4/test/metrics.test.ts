/**
 * The health metrics under TestClock, read from Effect's metric registry: the gauges after failures,
 * recoveries and staleness, the run counters by result, the durations and the transitions; and the probe
 * request counter, counted synchronously. Each test uses its own check names: the registry is the process's.
 */
import { assert, describe, it } from "@effect/vitest"
import { endpoints } from "@stargazer/health-core/responses"
import * as State from "@stargazer/health-core/state"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/testing/TestClock"
import * as Metrics from "../src/internal/metrics.js"
import { buildState, scriptedCheck } from "./utils/health.js"

/** The value of metric `name` with exactly `labels`: a gauge's value, a counter's or a histogram's count. */
const read = (name: string, labels: Record<string, string>) =>
  Effect.map(Metric.snapshot, (snapshots) => {
    const found = snapshots.find(({ attributes = {}, id }) =>
      id === name &&
      Object.keys(attributes).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => attributes[key] === value)
    )
    if (found === undefined) return undefined
    const state = found.state as { value?: number; count?: number }
    return Number(state.value ?? state.count)
  })

const checkGauge = (name: string, type: string) => read("health_check", { name, type })

describe("metrics", () => {
  it.effect("health_check and health_probe follow failures and recoveries; runs and transitions are counted", () =>
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

  it.effect("a run cut off by its timeout counts as a timeout", () =>
    Effect.gen(function*() {
      yield* buildState(HealthServer.layerState({
        checks: [HealthCheck.make({ name: "m-hangs", check: Effect.never, timeout: "1 second" })],
        checkInterval: "5 seconds"
      }))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* read("health_checks_total", { name: "m-hangs", status: "timeout" }), 1)
      assert.isUndefined(yield* read("health_checks_total", { name: "m-hangs", status: "failure" }))
    }))

  it.effect("a stale check fails liveness in the gauges, even when it does not gate liveness", () =>
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

  it.effect("countRequest counts a probe request synchronously, by probe and code, on prebuilt series", () =>
    Effect.gen(function*() {
      const livez = endpoints.find((endpoint) => endpoint.word === "livez")!
      const requests = (code: string) => read("health_probe_requests_total", { probe: "livez", code })
      const [ok, unavailable, odd] = [
        (yield* requests("200")) ?? 0,
        (yield* requests("503")) ?? 0,
        (yield* requests("418")) ?? 0
      ]
      Metrics.countRequest(livez, 200)
      Metrics.countRequest(livez, 200)
      Metrics.countRequest(livez, 503)
      Metrics.countRequest(livez, 418) // a code with no prebuilt series gets one the first time
      Metrics.countRequest(livez, 418)
      assert.strictEqual(yield* requests("200"), ok + 2)
      assert.strictEqual(yield* requests("503"), unavailable + 1)
      assert.strictEqual(yield* requests("418"), odd + 2)
      // One series per probe and code, whatever the number of increments.
      const series = (yield* Metric.snapshot).filter(({ attributes, id }) =>
        id === "health_probe_requests_total" && attributes?.probe === "livez" && attributes.code === "200"
      )
      assert.strictEqual(series.length, 1)
    }))

  it.effect("recordRun, recordTransition and setGauges record in the fiber's registry", () =>
    Effect.gen(function*() {
      yield* Metrics.recordRun("m-direct", "success", 1500)
      yield* Metrics.recordRun("m-direct", "timeout", 3000)
      yield* Metrics.recordTransition("m-direct", "healthy", "stale")
      assert.strictEqual(yield* read("health_checks_total", { name: "m-direct", status: "success" }), 1)
      assert.strictEqual(yield* read("health_checks_total", { name: "m-direct", status: "timeout" }), 1)
      assert.strictEqual(yield* read("health_check_duration_seconds", { name: "m-direct" }), 2)
      const duration = (yield* Metric.snapshot).find(({ attributes, id }) =>
        id === "health_check_duration_seconds" && attributes?.name === "m-direct"
      )!.state as Metric.HistogramState
      assert.strictEqual(duration.sum, 4.5)
      assert.strictEqual(
        yield* read("health_check_transitions_total", { name: "m-direct", from: "healthy", to: "stale" }),
        1
      )
      // A check that has never run, starting healthy: it passes every probe it gates.
      const gates = { liveness: new Set<string>(), initialState: "healthy" } as const
      yield* Metrics.setGauges(State.initial(["m-direct"], gates), gates)
      assert.strictEqual(yield* checkGauge("m-direct", "readiness"), 1)
      assert.isUndefined(yield* checkGauge("m-direct", "liveness")) // it does not gate liveness
      assert.strictEqual(yield* read("health_probe", { type: "liveness" }), 1)
    }).pipe(Effect.provideService(Metric.MetricRegistry, new Map())))
})
