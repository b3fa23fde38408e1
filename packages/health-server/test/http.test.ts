/**
 * The probe routes over a real socket: bodies, status codes and content type in both states, 404, and that a
 * probe never reaches Redis.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer, RedisClient } from "@stargazer/health-server"
import { Effect, Ref, Stream, TestClock } from "effect"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
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

  it.scoped("any HealthState works behind the router: a double with the library's status gets its answers", () =>
    Effect.gen(function*() {
      const db = yield* scriptedCheck
      yield* Ref.set(db.up, false)
      const library = yield* buildState(HealthServer.layerState({
        checks: [redisCheck(Effect.void), HealthCheck.make({ name: "db", check: db.check })],
        livenessChecks: ["redis"],
        exposeDetails: true,
        failureThreshold: 1
      }))
      yield* TestClock.adjust(0) // redis passed, db failed: live, not ready
      const status = yield* library.status
      const double: HealthServer.HealthState = {
        status: Effect.succeed(status),
        changes: Stream.make(status),
        markNotReady: Effect.void,
        markReady: Effect.void,
        ...library.settings === undefined ? {} : { settings: library.settings }
      }
      const paths = [
        "/healthz",
        "/livez",
        "/readyz",
        "/startupz",
        "/livez/redis",
        "/livez/db",
        "/readyz/db",
        "/readyz/redis",
        "/readyz/nope",
        "/readyz?exclude=db",
        "/readyz?exclude=nope",
        "/readyz?verbose",
        "/livez?verbose",
        "/readyz/db?verbose"
      ]
      const answers = (health: HealthServer.HealthState) =>
        Effect.gen(function*() {
          yield* serveRouter(health)
          return yield* Effect.forEach(paths, (path) =>
            Effect.forEach(["GET", "HEAD"] as const, (method) =>
              Effect.forEach(["text/plain", "application/json"], (accept) =>
                HttpClientRequest.make(method)(path).pipe(
                  HttpClientRequest.setHeader("accept", accept),
                  HttpClient.execute,
                  Effect.flatMap((response) =>
                    Effect.map(response.text, (body) => ({
                      request: `${method} ${path} ${accept}`,
                      status: response.status,
                      body,
                      type: response.headers["content-type"]
                    }))
                  )
                ))))
        }).pipe(Effect.provide(NodeHttpServer.layerTest), Effect.scoped)
      const expected = yield* answers(library)
      assert.deepStrictEqual(yield* answers(double), expected)
      // What is compared: per check, ?exclude, ?verbose with the reason, JSON, and the 404s.
      assert.deepInclude(expected.flat(2), {
        request: "GET /readyz?verbose text/plain",
        status: 503,
        body: "[+]redis ok\n[-]db failed: down\nreadyz check failed\n",
        type: "text/plain"
      })
      assert.deepInclude(expected.flat(2), {
        request: "GET /livez/db text/plain",
        status: 404,
        body: "Not Found",
        type: "text/plain"
      })
      // Without settings, the library's defaults: redis gates liveness (db does not), reasons withheld.
      const { settings: _, ...bare } = double
      const defaults = (yield* answers(bare)).flat(2)
      assert.deepInclude(defaults, {
        request: "GET /livez/db text/plain",
        status: 404,
        body: "Not Found",
        type: "text/plain"
      })
      assert.deepInclude(defaults, {
        request: "GET /readyz?verbose text/plain",
        status: 503,
        body: "[+]redis ok\n[-]db failed: reason withheld\nreadyz check failed\n",
        type: "text/plain"
      })
    }))

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
