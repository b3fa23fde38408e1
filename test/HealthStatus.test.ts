import { assert, describe, it } from "@effect/vitest"
import { HealthStatus } from "@stargazer/health-server"
import { DateTime, Duration, Option } from "effect"

const now = DateTime.unsafeMake(0)
const duration = Duration.millis(3)
const gates: HealthStatus.Gates = { liveness: new Set(["redis"]), initialState: "healthy" }
const fail = (check: HealthStatus.CheckStatus, failureThreshold = 3) =>
  HealthStatus.recordFailure(check, { now, duration, reason: "down", failureThreshold })
const succeed = (check: HealthStatus.CheckStatus, successThreshold = 1) =>
  HealthStatus.recordSuccess(check, { now, duration, successThreshold })
const repeat = <A>(n: number, f: (a: A) => A, a: A): A => n === 0 ? a : repeat(n - 1, f, f(a))

describe("HealthStatus", () => {
  it("a check starts healthy, not yet passed, with no run yet", () => {
    assert.deepStrictEqual(HealthStatus.initialCheck("redis"), {
      name: "redis",
      healthy: true,
      stale: false,
      passedOnce: false,
      consecutiveFailures: 0,
      consecutiveSuccesses: 0,
      lastCheckedAt: Option.none(),
      lastSuccessAt: Option.none(),
      lastDuration: Option.none(),
      lastError: Option.none()
    })
  })

  it("turns unhealthy exactly at the failureThreshold-th consecutive failure", () => {
    const one = fail(HealthStatus.initialCheck("redis"))
    const two = fail(one)
    const three = fail(two)
    assert.deepStrictEqual([one.healthy, two.healthy, three.healthy, fail(three).healthy], [true, true, false, false])
    assert.deepInclude(three, { consecutiveFailures: 3, consecutiveSuccesses: 0, lastError: Option.some("down") })
  })

  it("turns healthy again exactly at the successThreshold-th consecutive success", () => {
    const down = repeat(3, (c) => fail(c), HealthStatus.initialCheck("redis"))
    const one = succeed(down, 3)
    const two = succeed(one, 3)
    assert.deepStrictEqual([one.healthy, two.healthy, succeed(two, 3).healthy], [false, false, true])
    assert.deepInclude(one, { consecutiveFailures: 0, consecutiveSuccesses: 1, lastError: Option.none() })
    // A failure in between restarts the count, and does not make the unhealthy check healthy.
    const broken = fail(two, 3)
    assert.deepInclude(broken, { healthy: false, consecutiveSuccesses: 0 })
    assert.isFalse(succeed(succeed(broken, 3), 3).healthy)
  })

  it("derives the probes: liveness from the liveness checks, readiness from all, startup once all passed", () => {
    const status = (checks: ReadonlyArray<HealthStatus.CheckStatus>, g = gates) =>
      HealthStatus.derive({ checks, markedNotReady: false, draining: false }, g)
    const redis = HealthStatus.initialCheck("redis")
    const db = HealthStatus.initialCheck("db")
    assert.deepInclude(status([redis, db]), { live: true, ready: true, started: false })
    assert.deepInclude(status([succeed(redis), succeed(db)]), { live: true, ready: true, started: true })
    const dbDown = repeat(3, (c) => fail(c), succeed(db))
    assert.deepInclude(status([succeed(redis), dbDown]), { live: true, ready: false, started: true })
    const redisDown = repeat(3, (c) => fail(c), redis)
    assert.deepInclude(status([redisDown, db]), { live: false, ready: false })
    assert.deepInclude(status([redisDown, db], { ...gates, liveness: new Set() }), { live: true, ready: false })
    // Any stale check fails liveness, whether or not it gates it.
    assert.deepInclude(status([redis, HealthStatus.markStale(db)]), { live: false, ready: false })
    // starting: not ready until every check has passed once.
    const starting = { ...gates, initialState: "starting" as const }
    assert.deepInclude(status([succeed(redis), db], starting), { live: true, ready: false, started: false })
    assert.deepInclude(status([succeed(redis), succeed(db)], starting), { ready: true, started: true })
  })

  it("readiness also fails while marked not ready or draining; liveness does not", () => {
    const checks = [HealthStatus.initialCheck("redis")]
    assert.deepInclude(HealthStatus.derive({ checks, markedNotReady: true, draining: false }, gates), {
      live: true,
      ready: false
    })
    const draining = HealthStatus.derive({ checks, markedNotReady: false, draining: true }, gates)
    assert.deepInclude(draining, { live: true, ready: false })
    assert.deepStrictEqual(HealthStatus.evaluate(draining, "readiness", gates).lines, [
      { name: "redis", kind: "check", result: "pass", reason: undefined },
      { name: "shutdown", kind: "flag", result: "fail", reason: "draining" }
    ])
  })

  it("excluded checks do not count", () => {
    const status = {
      checks: [repeat(3, (c) => fail(c), HealthStatus.initialCheck("redis"))],
      markedNotReady: false,
      draining: false
    }
    assert.isFalse(HealthStatus.evaluate(status, "readiness", gates).pass)
    const verdict = HealthStatus.evaluate(status, "readiness", gates, new Set(["redis"]))
    assert.deepStrictEqual(verdict, {
      pass: true,
      lines: [{ name: "redis", kind: "check", result: "excluded", reason: undefined }]
    })
  })

  it("stale after max(3 × interval, interval + 2 × timeout)", () => {
    assert.strictEqual(HealthStatus.staleAfterMillis(5_000, 1_000), 15_000)
    assert.strictEqual(HealthStatus.staleAfterMillis(1_000, 2_000), 5_000)
  })
})
