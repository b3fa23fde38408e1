/**
 * `@stargazer/health-core/environment`: every variable parsed once for both packages, each problem naming the
 * variable, no value repeated where it could hold a secret.
 */
import * as Environment from "@stargazer/health-core/environment"
import { assert, describe, it } from "vitest"

const from = (env: Record<string, string>): Environment.Lookup => (variable) => env[variable]

describe("core environment", () => {
  it("defaults when nothing is set", () => {
    const result = Environment.health(from({}))
    assert.deepStrictEqual(result, {
      value: {
        port: 9090,
        host: "127.0.0.1",
        checkIntervalMillis: 5_000,
        checkTimeoutMillis: 1_000,
        failureThreshold: 3,
        successThreshold: 1,
        livenessChecks: ["redis"],
        initialState: "healthy",
        exposeDetails: false,
        shutdownDelayMillis: 0,
        metrics: false
      }
    })
  })

  it("reads durations, booleans and lists as Effect's Config does; the new names win over the former", () => {
    const result = Environment.health(from({
      SG_HEALTH_CHECK_INTERVAL: "1.5 seconds",
      SG_HEALTH_PING_INTERVAL: "9 seconds",
      SG_HEALTH_PING_TIMEOUT: "250 millis",
      SG_HEALTH_EXPOSE_DETAILS: "yes",
      SG_HEALTH_METRICS: "on",
      SG_HEALTH_LIVENESS_CHECKS: " redis , db ",
      SG_HEALTH_HOST: " "
    }))
    assert.isTrue("value" in result)
    if (!("value" in result)) return
    assert.strictEqual(result.value.checkIntervalMillis, 1_500)
    assert.strictEqual(result.value.checkTimeoutMillis, 250)
    assert.isTrue(result.value.exposeDetails)
    assert.isTrue(result.value.metrics)
    assert.deepStrictEqual(result.value.livenessChecks, ["redis", "db"])
    assert.strictEqual(result.value.host, "127.0.0.1")
  })

  it("`none` and an empty list mean no liveness checks", () => {
    for (const value of ["none", ""]) {
      const result = Environment.health(from({ SG_HEALTH_LIVENESS_CHECKS: value }))
      assert.deepStrictEqual("value" in result && result.value.livenessChecks, [], value)
    }
  })

  it("names the variable of the first problem", () => {
    const cases: ReadonlyArray<readonly [Record<string, string>, Environment.Variable]> = [
      [{ SG_HEALTH_PORT: "65536" }, "SG_HEALTH_PORT"],
      [{ SG_HEALTH_FAILURE_THRESHOLD: "2.5" }, "SG_HEALTH_FAILURE_THRESHOLD"],
      [{ SG_HEALTH_PING_TIMEOUT: "0 seconds" }, "SG_HEALTH_PING_TIMEOUT"],
      [{ SG_HEALTH_CHECK_TIMEOUT: "1 fortnight" }, "SG_HEALTH_CHECK_TIMEOUT"],
      [{ SG_HEALTH_INITIAL_STATE: "ready" }, "SG_HEALTH_INITIAL_STATE"],
      [{ SG_HEALTH_EXPOSE_DETAILS: "maybe" }, "SG_HEALTH_EXPOSE_DETAILS"]
    ]
    for (const [env, variable] of cases) {
      const result = Environment.health(from(env))
      assert.strictEqual("problem" in result && result.problem.variable, variable, JSON.stringify(env))
    }
    const stop = Environment.shutdown(from({ SG_HEALTH_STOP_TIMEOUT: "never" }))
    assert.strictEqual("problem" in stop && stop.problem.variable, "SG_HEALTH_STOP_TIMEOUT")
  })

  it("one Redis topology, its problems without the value (it can hold a password)", () => {
    assert.deepStrictEqual(Environment.redis(from({})), { value: { url: "redis://127.0.0.1:6379" } })
    assert.deepStrictEqual(
      Environment.redis(from({ REDIS_SENTINELS: "a:26379,[::1]:26380", REDIS_PASSWORD: "pw" })),
      {
        value: {
          password: "pw",
          sentinel: { sentinels: [{ host: "a", port: 26379 }, { host: "::1", port: 26380 }], name: "mymaster" }
        }
      }
    )
    const two = Environment.redis(from({ REDIS_URL: "redis://:secret@h:1", REDIS_CLUSTER_NODES: "h:7000" }))
    assert.strictEqual("problem" in two && two.problem.variable, "REDIS_CLUSTER_NODES")
    const url = Environment.redis(from({ REDIS_URL: "http://:secret@h:1" }))
    assert.isTrue("problem" in url && url.problem.variable === "REDIS_URL" && !url.problem.message.includes("secret"))
  })
})
