/**
 * The README's TestClock example, verbatim: the README must stay true to the code.
 */
import { assert, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Context, Effect, Layer, Ref, TestClock } from "effect"

it.scoped("is not ready after three failed checks", () =>
  Effect.gen(function*() {
    const redisUp = yield* Ref.make(false)
    const redis = HealthCheck.make({
      name: "redis",
      check: Effect.flatMap(Ref.get(redisUp), (up) => up ? Effect.void : Effect.fail("Redis is down"))
    })
    // Build the layer in the test's scope, so the check loop lives as long as the test.
    const context = yield* Layer.build(
      HealthServer.layerState({ checks: [redis], checkInterval: "5 seconds", failureThreshold: 3 })
    )
    const health = Context.get(context, HealthServer.HealthState)

    yield* TestClock.adjust("5 seconds") // runs at 0 s and 5 s failed
    assert.isTrue((yield* health.status).ready)
    yield* TestClock.adjust("5 seconds") // the third failure, at 10 s
    assert.isFalse((yield* health.status).ready)
    yield* Ref.set(redisUp, true)
    yield* TestClock.adjust("5 seconds") // the next success
    assert.isTrue((yield* health.status).ready)
  }))
