/**
 * The probe routes over a real socket: bodies, status codes and content type in both states, 404, and that a
 * probe never reaches Redis.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { HealthServer, RedisClient } from "@stargazer/health-server"
import { Effect, Ref, TestClock } from "effect"
import {
  buildState,
  checkStatus,
  eventually,
  get,
  live,
  redisCheck,
  scriptedCheck,
  serveOn,
  serveRouter
} from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

const probe = (path: string) =>
  HttpClient.get(path).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (body) => ({ status: response.status, body, type: response.headers["content-type"] }))
    )
  )

describe("probe routes", () => {
  it.scoped("answer 200 OK / 200 Ready while healthy and 503 once the threshold is hit", () =>
    Effect.gen(function*() {
      const { check, up } = yield* scriptedCheck
      yield* serveRouter(
        yield* buildState(
          HealthServer.layerState({ checks: [redisCheck(check)], checkInterval: "5 seconds", failureThreshold: 2 })
        )
      )
      yield* TestClock.adjust(0)
      assert.deepStrictEqual(yield* probe("/healthz"), { status: 200, body: "OK", type: "text/plain" })
      assert.deepStrictEqual(yield* probe("/readyz"), { status: 200, body: "Ready", type: "text/plain" })

      yield* Ref.set(up, false)
      yield* TestClock.adjust("5 seconds") // first failure: still healthy
      assert.strictEqual((yield* probe("/healthz")).status, 200)
      yield* TestClock.adjust("5 seconds") // second failure: unhealthy
      assert.deepStrictEqual(yield* probe("/healthz"), { status: 503, body: "Service Unavailable", type: "text/plain" })
      assert.deepStrictEqual(yield* probe("/readyz"), { status: 503, body: "Service Unavailable", type: "text/plain" })

      yield* Ref.set(up, true)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* probe("/healthz"), { status: 200, body: "OK", type: "text/plain" })
      assert.deepStrictEqual(yield* probe("/readyz"), { status: 200, body: "Ready", type: "text/plain" })
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("answer 404 for unknown paths", () =>
    Effect.gen(function*() {
      yield* serveRouter(yield* buildState(HealthServer.layerState({ checks: [redisCheck(Effect.void)] })))
      assert.strictEqual((yield* probe("/")).status, 404)
      assert.strictEqual((yield* probe("/healthz/extra")).status, 404)
      assert.strictEqual((yield* probe("/metrics")).status, 404)
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  live("a probe sends no Redis command and does not wait on a frozen Redis", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const before = yield* RedisServer.commandCalls(redis, "ping")
      const health = yield* serveOn(RedisClient.layer({ url: redis.url }), { checkInterval: "1 hour" })
      const { port } = health.address
      yield* eventually(checkStatus(health), (status) => status.lastCheckedAt._tag === "Some")
      const pings = yield* RedisServer.commandCalls(redis, "ping")
      assert.strictEqual(pings, before + 1) // the first run of the check, nothing else
      for (let i = 0; i < 50; i++) {
        assert.strictEqual((yield* get(port, i % 2 === 0 ? "/healthz" : "/readyz")).status, 200)
      }
      assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pings)
      assert.strictEqual(yield* RedisServer.commandsExceptInfo(redis), pings, "only the loop's PINGs reached Redis")

      yield* redis.freeze
      const frozen = yield* Effect.all(Array.from({ length: 20 }, () => get(port, "/healthz")), {
        concurrency: "unbounded"
      }).pipe(Effect.ensuring(redis.thaw))
      assert.deepStrictEqual(frozen.map((reply) => reply.status), Array(20).fill(200))
    }))
})
