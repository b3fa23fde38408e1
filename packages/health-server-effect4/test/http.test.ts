/**
 * The probe routes over a real socket: bodies, status codes and content type in both states, 404, and that a
 * probe never reaches Redis.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import * as RedisClient from "@stargazer/health-server-effect4/RedisClient"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/testing/TestClock"
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

/**
 * Every command Redis has run, but `INFO` and `AUTH` (what the test itself sends to read the stats, and
 * ioredis' ready check) and `HELLO` (the protocol handshake ioredis 6 opens each connection with).
 */
const commandsExceptInfo = (server: RedisServer.RedisServer): Effect.Effect<number> =>
  Effect.map(server.command("INFO commandstats"), (info) =>
    [...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
      .filter(([, name]) => name !== "info" && name !== "auth" && name !== "hello")
      .reduce((sum, [, , calls]) => sum + Number(calls), 0))

const probe = (path: string) =>
  HttpClient.get(path).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (body) => ({ status: response.status, body, type: response.headers["content-type"] }))
    )
  )

describe("probe routes", () => {
  it.effect("answer 200 OK / 200 Ready while healthy and 503 once the threshold is hit", () =>
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

  it.effect("any HealthState works behind the router: a double with the library's status gets its answers", () =>
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

  it.effect("answer 404 for unknown paths", () =>
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
      yield* eventually(checkStatus(health), (status) => Option.isSome(status.lastCheckedAt))
      const pings = yield* RedisServer.commandCalls(redis, "ping")
      assert.strictEqual(pings, before + 1) // the first run of the check, nothing else
      for (let i = 0; i < 50; i++) {
        assert.strictEqual((yield* get(port, i % 2 === 0 ? "/healthz" : "/readyz")).status, 200)
      }
      assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pings)
      const stats = yield* redis.command("INFO commandstats")
      assert.strictEqual(yield* commandsExceptInfo(redis), pings, `only the loop's PINGs reached Redis:\n${stats}`)

      yield* redis.freeze
      const frozen = yield* Effect.all(Array.from({ length: 20 }, () => get(port, "/healthz")), {
        concurrency: "unbounded"
      }).pipe(Effect.ensuring(redis.thaw))
      assert.deepStrictEqual(frozen.map((reply) => reply.status), Array(20).fill(200))
    }))
})
