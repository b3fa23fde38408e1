/**
 * Every probe endpoint, method, query form and content type, over a real socket, with scripted checks and
 * TestClock.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { HealthCheck, HealthServer } from "@stargazer/health-server"
import { Effect, Ref, TestClock } from "effect"
import { buildState, redisCheck, scriptedCheck, serveRouter } from "./utils/health.js"

interface Reply {
  readonly status: number
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

const send = (method: "GET" | "HEAD" | "POST" | "PUT" | "DELETE", path: string, accept?: string) =>
  HttpClient.execute(
    HttpClientRequest.make(method)(path).pipe(
      accept === undefined ? (request) => request : HttpClientRequest.setHeader("accept", accept)
    )
  ).pipe(
    Effect.flatMap((response) =>
      Effect.map(response.text, (body): Reply => ({ status: response.status, body, headers: response.headers }))
    )
  )
const get = (path: string, accept?: string) => send("GET", path, accept)

/** Serves `HealthRouter.router` over `redis` and `db` (scripted), both failing at their first failure. */
const serve = (options: Partial<HealthServer.StateOptions> = {}) =>
  Effect.gen(function*() {
    const redis = yield* scriptedCheck
    const db = yield* scriptedCheck
    const health = yield* buildState(HealthServer.layerState({
      checks: [redisCheck(redis.check), HealthCheck.make({ name: "db", check: db.check })],
      failureThreshold: 1,
      ...options
    }))
    yield* serveRouter(health)
    yield* TestClock.adjust(0) // the first run of every check
    return { redis: redis.up, db: db.up, health } as const
  })

const plain = (status: number, body: string) => ({ status, body })
const pick = (reply: Reply) => ({ status: reply.status, body: reply.body })

describe("probe endpoints", () => {
  it.scoped("GET: /healthz and /livez (OK), /readyz (Ready), /startupz (Started), text/plain, no-store", () =>
    Effect.gen(function*() {
      yield* serve()
      const expected = { "/healthz": "OK", "/livez": "OK", "/readyz": "Ready", "/startupz": "Started" }
      for (const [path, body] of Object.entries(expected)) {
        const reply = yield* get(path)
        assert.deepStrictEqual(pick(reply), plain(200, body), path)
        assert.strictEqual(reply.headers["content-type"], "text/plain", path)
        assert.strictEqual(reply.headers["cache-control"], "no-store", path)
      }
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("/startupz stays 200 once every check has passed, even when a check fails later", () =>
    Effect.gen(function*() {
      const { db } = yield* serve({ failureThreshold: 5 })
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds") // db failed at 5 s, but it had passed at 0 s
      assert.deepStrictEqual(pick(yield* get("/startupz")), plain(200, "Started"))
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("/startupz is 503 before the first pass", () =>
    Effect.gen(function*() {
      const db = yield* scriptedCheck
      yield* Ref.set(db.up, false)
      yield* serveRouter(
        yield* buildState(HealthServer.layerState({
          checks: [HealthCheck.make({ name: "db", check: db.check, failureThreshold: 10 })]
        }))
      )
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(pick(yield* get("/startupz")), plain(503, "Service Unavailable"))
      assert.strictEqual((yield* get("/readyz")).status, 200) // initial state healthy: ready until it fails
      yield* Ref.set(db.up, true)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(pick(yield* get("/startupz")), plain(200, "Started"))
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("every probe answer carries Cache-Control: no-store: 503, verbose, JSON, 404 for a check, 405", () =>
    Effect.gen(function*() {
      const { db } = yield* serve()
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      const replies = [
        yield* get("/readyz"),
        yield* get("/readyz?verbose"),
        yield* get("/readyz", "application/json"),
        yield* get("/readyz/nope"),
        yield* send("POST", "/readyz"),
        yield* send("HEAD", "/readyz")
      ]
      assert.deepStrictEqual(replies.map((reply) => reply.status), [503, 503, 503, 404, 405, 503])
      for (const reply of replies) assert.strictEqual(reply.headers["cache-control"], "no-store")
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("HEAD answers like GET without a body; other methods get 405 with Allow", () =>
    Effect.gen(function*() {
      const { db } = yield* serve()
      const head = yield* send("HEAD", "/readyz")
      assert.deepInclude(head, { status: 200, body: "" })
      assert.strictEqual(head.headers["cache-control"], "no-store")
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      assert.deepInclude(yield* send("HEAD", "/readyz"), { status: 503, body: "" })
      assert.deepInclude(yield* send("HEAD", "/livez"), { status: 200, body: "" })
      for (const method of ["POST", "PUT", "DELETE"] as const) {
        for (const path of ["/healthz", "/livez", "/readyz", "/startupz", "/readyz/db", "/livez/redis"]) {
          const reply = yield* send(method, path)
          assert.strictEqual(reply.status, 405, `${method} ${path}`)
          assert.strictEqual(reply.headers["allow"], "GET, HEAD")
        }
      }
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("per-check paths, ?exclude=, and 404 for unknown names", () =>
    Effect.gen(function*() {
      const { db } = yield* serve()
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds") // db fails; liveness only looks at redis
      assert.deepStrictEqual(pick(yield* get("/readyz")), plain(503, "Service Unavailable"))
      assert.deepStrictEqual(pick(yield* get("/livez")), plain(200, "OK"))
      assert.deepStrictEqual(pick(yield* get("/healthz")), plain(200, "OK"))
      assert.deepStrictEqual(pick(yield* get("/readyz/redis")), plain(200, "Ready"))
      assert.deepStrictEqual(pick(yield* get("/readyz/db")), plain(503, "Service Unavailable"))
      assert.deepStrictEqual(pick(yield* get("/livez/redis")), plain(200, "OK"))
      assert.strictEqual((yield* get("/livez/db")).status, 404) // db does not gate liveness
      assert.strictEqual((yield* get("/readyz/nope")).status, 404)
      assert.deepStrictEqual(pick(yield* get("/readyz?exclude=db")), plain(200, "Ready"))
      assert.deepStrictEqual(pick(yield* get("/readyz?exclude=db&exclude=redis")), plain(200, "Ready"))
      assert.strictEqual((yield* get("/readyz?exclude=nope")).status, 404)
      assert.strictEqual((yield* get("/readyz?exclude=db&exclude=nope")).status, 404)
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("?verbose lists every check, withholding reasons unless exposeDetails", () =>
    Effect.gen(function*() {
      const { db } = yield* serve()
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(
        pick(yield* get("/readyz?verbose")),
        plain(503, "[+]redis ok\n[-]db failed: reason withheld\nreadyz check failed\n")
      )
      assert.deepStrictEqual(
        pick(yield* get("/readyz?verbose&exclude=db")),
        plain(200, "[+]redis ok\n[+]db excluded: ok\nreadyz check passed\n")
      )
      assert.deepStrictEqual(pick(yield* get("/livez?verbose")), plain(200, "[+]redis ok\nlivez check passed\n"))
      assert.deepStrictEqual(pick(yield* get("/healthz?verbose")), plain(200, "[+]redis ok\nhealthz check passed\n"))
      assert.deepStrictEqual(
        pick(yield* get("/readyz/db?verbose")),
        plain(503, "[-]db failed: reason withheld\nreadyz check failed\n")
      )
      assert.deepStrictEqual(
        pick(yield* get("/startupz?verbose")),
        plain(200, "[+]redis ok\n[+]db ok\nstartupz check passed\n")
      )
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("?verbose shows reasons with exposeDetails", () =>
    Effect.gen(function*() {
      const { db } = yield* serve({ exposeDetails: true })
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(
        pick(yield* get("/readyz?verbose")),
        plain(503, "[+]redis ok\n[-]db failed: down\nreadyz check failed\n")
      )
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("Accept: application/json gives the overall status and every check's details", () =>
    Effect.gen(function*() {
      const { db } = yield* serve()
      yield* TestClock.adjust("10 seconds") // runs at 0, 5, 10 s
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      const reply = yield* get("/readyz", "application/json")
      assert.strictEqual(reply.status, 503)
      assert.strictEqual(reply.headers["content-type"], "application/json")
      assert.strictEqual(reply.headers["cache-control"], "no-store")
      assert.deepStrictEqual(JSON.parse(reply.body), {
        status: "fail",
        probe: "readyz",
        markedNotReady: false,
        draining: false,
        checks: {
          redis: {
            status: "pass",
            consecutiveFailures: 0,
            consecutiveSuccesses: 4,
            lastCheckedAt: "1970-01-01T00:00:15.000Z",
            lastSuccessAt: "1970-01-01T00:00:15.000Z",
            lastDurationMillis: 0
          },
          db: {
            status: "fail",
            consecutiveFailures: 1,
            consecutiveSuccesses: 0,
            lastCheckedAt: "1970-01-01T00:00:15.000Z",
            lastSuccessAt: "1970-01-01T00:00:10.000Z",
            lastDurationMillis: 0
          }
        }
      })
      const live = JSON.parse((yield* get("/livez", "application/json")).body)
      assert.deepStrictEqual([live.status, live.probe, Object.keys(live.checks)], ["pass", "livez", ["redis"]])
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("JSON carries the failure reason only with exposeDetails", () =>
    Effect.gen(function*() {
      const { db } = yield* serve({ exposeDetails: true })
      yield* Ref.set(db, false)
      yield* TestClock.adjust("5 seconds")
      const body = JSON.parse((yield* get("/readyz/db", "application/json")).body)
      assert.deepInclude(body.checks.db, { status: "fail", reason: "down" })
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))

  it.scoped("markNotReady takes the app out of rotation without touching liveness; markReady puts it back", () =>
    Effect.gen(function*() {
      const { health } = yield* serve()
      yield* health.markNotReady
      assert.deepStrictEqual(pick(yield* get("/readyz")), plain(503, "Service Unavailable"))
      assert.deepStrictEqual(
        pick(yield* get("/readyz?verbose")),
        plain(503, "[+]redis ok\n[+]db ok\n[-]manual failed: marked not ready\nreadyz check failed\n")
      )
      assert.deepStrictEqual(pick(yield* get("/livez")), plain(200, "OK"))
      assert.deepStrictEqual(pick(yield* get("/readyz/db")), plain(200, "Ready"))
      yield* health.markReady
      assert.deepStrictEqual(pick(yield* get("/readyz")), plain(200, "Ready"))
    }).pipe(Effect.provide(NodeHttpServer.layerTest)))
})
