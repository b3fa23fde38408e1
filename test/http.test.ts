/**
 * The probe routes over a real socket: bodies, status codes and content type in both states, 404, and that a
 * probe never reaches Redis.
 */
import { HttpClient, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { HealthServer, RedisClient } from "@stargazer/health-server"
import { Effect, Layer, Ref, TestClock } from "effect"
import { buildHealth, checkStatus, eventually, get, live, scriptedPing } from "./utils/health.js"
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
      const { ping, up } = yield* scriptedPing
      const health = yield* buildHealth(
        HealthServer.layerState({ ping, pingInterval: "5 seconds", failureThreshold: 2 })
      )
      yield* HttpServer.serveEffect(HealthServer.router).pipe(Effect.provideService(HealthServer.HealthServer, health))
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
      const health = yield* buildHealth(HealthServer.layerState({ ping: Effect.void }))
      yield* HttpServer.serveEffect(HealthServer.router).pipe(Effect.provideService(HealthServer.HealthServer, health))
      assert.strictEqual((yield* probe("/")).status, 404)
      assert.strictEqual((yield* probe("/healthz/extra")).status, 404)
      assert.strictEqual((yield* probe("/metrics")).status, 404)
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  live("a probe sends no Redis command and does not wait on a frozen Redis", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const port = yield* RedisServer.freePort
      const before = yield* RedisServer.commandCalls(redis, "ping")
      const health = yield* buildHealth(
        HealthServer.layer({ port, pingInterval: "1 hour" }).pipe(Layer.provide(RedisClient.layer({ url: redis.url })))
      )
      yield* eventually(checkStatus(health), (status) => status.lastCheckedAt._tag === "Some")
      const pings = yield* RedisServer.commandCalls(redis, "ping")
      assert.strictEqual(pings, before + 1) // the loop's first ping, nothing else
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
