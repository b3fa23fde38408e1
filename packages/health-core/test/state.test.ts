/**
 * The health state machine of `core/state`, independent of Effect: pure transitions, times in epoch millis.
 */
import type { Check, Gates } from "@stargazer/health-core/state"
import * as State from "@stargazer/health-core/state"
import { assert, describe, it } from "vitest"

const now = 1_000
const duration = 3
const gates: Gates = { liveness: new Set(["redis"]), initialState: "healthy" }
const fail = (check: Check, failureThreshold = 3) => State.recordFailure(check, now, duration, "down", failureThreshold)
const succeed = (check: Check, successThreshold = 1) => State.recordSuccess(check, now, duration, successThreshold)
const repeat = <A>(n: number, f: (a: A) => A, a: A): A => n === 0 ? a : repeat(n - 1, f, f(a))
const flags = (checks: ReadonlyArray<Check>) => ({ checks, markedNotReady: false, draining: false })

describe("core/state", () => {
  it("a check starts healthy, not yet passed, with no run yet", () => {
    assert.deepStrictEqual(State.initialCheck("redis"), {
      name: "redis",
      healthy: true,
      stale: false,
      passedOnce: false,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      lastCheckedAt: undefined,
      lastSuccessAt: undefined,
      lastDurationMillis: undefined,
      lastError: undefined,
      details: undefined
    })
  })

  it("keeps the details of the last run only", () => {
    const details = { cluster_state: "fail", slots_fail: 5461 }
    const failed = State.recordFailure(State.initialCheck("redis"), 1_000, 2, "down", 3, details)
    assert.deepStrictEqual(failed.details, details)
    assert.deepStrictEqual(State.detailsOf(State.withDetails(details)), details)
    assert.isUndefined(State.detailsOf(new Error("no details")))
    assert.isUndefined(State.recordSuccess(failed, 2_000, 2, 1).details)
  })

  it("records the time, duration and reason of each run", () => {
    const failed = State.recordFailure(State.initialCheck("redis"), 5_000, 7, "refused", 3)
    assert.deepInclude(failed, {
      lastCheckedAt: 5_000,
      lastSuccessAt: undefined,
      lastDurationMillis: 7,
      lastError: "refused",
      passedOnce: false
    })
    const passed = State.recordSuccess(failed, 6_000, 2, 1)
    assert.deepInclude(passed, {
      lastCheckedAt: 6_000,
      lastSuccessAt: 6_000,
      lastDurationMillis: 2,
      lastError: undefined,
      passedOnce: true
    })
    // A later failure keeps the last success and the fact that it passed once.
    assert.deepInclude(State.recordFailure(passed, 7_000, 4, "refused", 3), {
      lastCheckedAt: 7_000,
      lastSuccessAt: 6_000,
      passedOnce: true
    })
  })

  it("turns unhealthy exactly at the failureThreshold-th consecutive failure", () => {
    const one = fail(State.initialCheck("redis"))
    const two = fail(one)
    const three = fail(two)
    assert.deepStrictEqual([one.healthy, two.healthy, three.healthy, fail(three).healthy], [true, true, false, false])
    assert.deepInclude(three, { consecutiveFailures: 3, consecutiveSuccesses: 0, lastError: "down" })
  })

  it("turns healthy again exactly at the successThreshold-th consecutive success", () => {
    const down = repeat(3, (c) => fail(c), State.initialCheck("redis"))
    const one = succeed(down, 3)
    const two = succeed(one, 3)
    assert.deepStrictEqual([one.healthy, two.healthy, succeed(two, 3).healthy], [false, false, true])
    assert.deepInclude(one, { consecutiveFailures: 0, consecutiveSuccesses: 1, lastError: undefined })
    // A failure in between restarts the count, and does not make the unhealthy check healthy.
    const broken = fail(two, 3)
    assert.deepInclude(broken, { healthy: false, consecutiveSuccesses: 0 })
    assert.isFalse(succeed(succeed(broken, 3), 3).healthy)
  })

  it("a stale check is fresh again at its next result; marking it stale twice changes nothing", () => {
    const stale = State.markStale(State.initialCheck("db"))
    assert.deepInclude(stale, { stale: true, healthy: true })
    assert.strictEqual(State.markStale(stale), stale)
    assert.isFalse(succeed(stale).stale)
    assert.isFalse(fail(stale).stale)
    assert.deepStrictEqual(
      [State.initialCheck("db"), stale, repeat(3, (c) => fail(c), stale)].map(State.condition),
      ["healthy", "stale", "unhealthy"]
    )
  })

  it("derives the probes: liveness from the liveness checks, readiness from all, startup once all passed", () => {
    const status = (checks: ReadonlyArray<Check>, g = gates) => State.derive(flags(checks), g)
    const redis = State.initialCheck("redis")
    const db = State.initialCheck("db")
    assert.deepInclude(status([redis, db]), { live: true, ready: true, started: false })
    assert.deepInclude(status([succeed(redis), succeed(db)]), { live: true, ready: true, started: true })
    const dbDown = repeat(3, (c) => fail(c), succeed(db))
    assert.deepInclude(status([succeed(redis), dbDown]), { live: true, ready: false, started: true })
    const redisDown = repeat(3, (c) => fail(c), redis)
    assert.deepInclude(status([redisDown, db]), { live: false, ready: false })
    assert.deepInclude(status([redisDown, db], { ...gates, liveness: new Set() }), { live: true, ready: false })
    // Any stale check fails liveness, whether or not it gates it.
    assert.deepInclude(status([redis, State.markStale(db)]), { live: false, ready: false })
    // starting: not ready until every check has passed once.
    const starting = { ...gates, initialState: "starting" as const }
    assert.deepInclude(status([succeed(redis), db], starting), { live: true, ready: false, started: false })
    assert.deepInclude(status([succeed(redis), succeed(db)], starting), { ready: true, started: true })
  })

  it("the initial state: every check healthy and not yet run; ready unless starting", () => {
    assert.deepStrictEqual(State.initial(["redis", "db"], gates), {
      live: true,
      ready: true,
      started: false,
      markedNotReady: false,
      draining: false,
      checks: [State.initialCheck("redis"), State.initialCheck("db")]
    })
    assert.deepInclude(State.initial(["redis"], { ...gates, initialState: "starting" }), { ready: false })
    // With no check at all, it has started: nothing is left to pass.
    assert.deepInclude(State.initial([], gates), { live: true, ready: true, started: true })
  })

  it("readiness also fails while marked not ready or draining; liveness does not", () => {
    const checks = [State.initialCheck("redis")]
    const marked = State.derive({ checks, markedNotReady: true, draining: false }, gates)
    assert.deepInclude(marked, { live: true, ready: false })
    assert.deepStrictEqual(State.evaluate(marked, "readiness", gates).lines, [
      { name: "redis", kind: "check", result: "pass", reason: undefined },
      { name: "manual", kind: "flag", result: "fail", reason: "marked not ready" }
    ])
    const draining = State.derive({ checks, markedNotReady: false, draining: true }, gates)
    assert.deepInclude(draining, { live: true, ready: false })
    assert.deepStrictEqual(State.evaluate(draining, "readiness", gates).lines, [
      { name: "redis", kind: "check", result: "pass", reason: undefined },
      { name: "shutdown", kind: "flag", result: "fail", reason: "draining" }
    ])
  })

  it("each verdict line gives the reason: the last error, stale, or not yet passed", () => {
    const self = flags([
      repeat(3, (c) => fail(c), State.initialCheck("redis")),
      State.markStale(succeed(State.initialCheck("db"))),
      State.initialCheck("cache")
    ])
    const starting = { ...gates, initialState: "starting" as const }
    assert.deepStrictEqual(State.evaluate(self, "readiness", starting), {
      pass: false,
      lines: [
        { name: "redis", kind: "check", result: "fail", reason: "down" },
        { name: "db", kind: "check", result: "fail", reason: "stale" },
        { name: "cache", kind: "check", result: "fail", reason: "not yet passed" }
      ]
    })
    // Liveness looks at the liveness checks, and at any stale check.
    assert.deepStrictEqual(State.evaluate(self, "liveness", gates).lines.map((line) => line.name), ["redis", "db"])
    // Startup only asks whether each has passed once.
    assert.deepStrictEqual(State.evaluate(self, "startup", gates).lines.map((line) => line.result), [
      "fail",
      "pass",
      "fail"
    ])
  })

  it("excluded checks do not count", () => {
    const self = flags([repeat(3, (c) => fail(c), State.initialCheck("redis"))])
    assert.isFalse(State.evaluate(self, "readiness", gates).pass)
    const verdict = State.evaluate(self, "readiness", gates, new Set(["redis"]))
    assert.deepStrictEqual(verdict, {
      pass: true,
      lines: [{ name: "redis", kind: "check", result: "excluded", reason: undefined }]
    })
  })

  it("sameConditions: equal on answers, flags and each check's condition, whatever the counters", () => {
    const before = State.derive(flags([State.initialCheck("redis")]), gates)
    const once = State.derive(flags([fail(State.initialCheck("redis"))]), gates)
    assert.isTrue(State.sameConditions(before, once)) // one failure: still healthy, nothing to report
    const down = State.derive(flags([repeat(3, (c) => fail(c), State.initialCheck("redis"))]), gates)
    assert.isFalse(State.sameConditions(once, down))
    const stale = State.derive(flags([State.markStale(State.initialCheck("redis"))]), gates)
    assert.isFalse(State.sameConditions(before, stale))
    assert.isFalse(State.sameConditions(before, State.derive({ ...before, draining: true }, gates)))
    assert.isFalse(State.sameConditions(before, State.derive(flags([succeed(State.initialCheck("redis"))]), gates)))
  })

  it("stale after max(3 × interval, interval + 2 × timeout)", () => {
    assert.strictEqual(State.staleAfterMillis(5_000, 1_000), 15_000)
    assert.strictEqual(State.staleAfterMillis(1_000, 2_000), 5_000)
  })
})
