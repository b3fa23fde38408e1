import { assert, describe, it } from "@effect/vitest"
import { HealthStatus } from "@stargazer/health-server"
import { DateTime, Option } from "effect"

const now = DateTime.unsafeMake(0)

describe("HealthStatus", () => {
  it("starts healthy with no check yet", () => {
    assert.deepStrictEqual(HealthStatus.initial, {
      healthy: true,
      consecutiveFailures: 0,
      lastCheckedAt: Option.none(),
      lastError: Option.none()
    })
  })

  it("turns unhealthy exactly at the threshold-th consecutive failure", () => {
    const fail = (status: HealthStatus.HealthStatus) =>
      HealthStatus.recordFailure(status, { now, reason: "down", failureThreshold: 3 })
    const one = fail(HealthStatus.initial)
    const two = fail(one)
    const three = fail(two)
    assert.deepStrictEqual([one.healthy, two.healthy, three.healthy, fail(three).healthy], [true, true, false, false])
    assert.strictEqual(three.consecutiveFailures, 3)
    assert.deepStrictEqual(three.lastError, Option.some("down"))
  })

  it("a threshold of 1 flips at the first failure", () => {
    assert.isFalse(HealthStatus.recordFailure(HealthStatus.initial, { now, reason: "x", failureThreshold: 1 }).healthy)
  })

  it("turns healthy again at the next success and resets the streak", () => {
    const down = HealthStatus.recordFailure(
      HealthStatus.recordFailure(HealthStatus.initial, { now, reason: "down", failureThreshold: 1 }),
      { now, reason: "down", failureThreshold: 1 }
    )
    const later = DateTime.unsafeMake(5_000)
    assert.deepStrictEqual(HealthStatus.recordSuccess(down, later), {
      healthy: true,
      consecutiveFailures: 0,
      lastCheckedAt: Option.some(later),
      lastError: Option.none()
    })
  })
})
