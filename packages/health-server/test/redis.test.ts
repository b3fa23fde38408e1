/**
 * The health server against real `redis-server` processes that the tests start, kill, freeze and restart.
 * Real time, short intervals, generous bounds; each server on a port the system picks.
 */
import { assert, describe } from "@effect/vitest"
import { HealthCheck, HealthServer, RedisClient } from "@stargazer/health-server"
import { Cause, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { Redis } from "ioredis"
import * as Net from "node:net"
import { idleConnections } from "../../../test/utils/effect3/raw.js"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
import { keepAliveClient } from "../../../test/utils/service.js"
import { checkStatus, eventually, get, live, liveLogged, serveOn } from "./utils/health.js"

const fast = { checkInterval: "100 millis", checkTimeout: "300 millis", failureThreshold: 2 } as const

const checked = (health: HealthServer.HealthState) =>
  eventually(checkStatus(health), (status) => Option.isSome(status.lastCheckedAt))
const healthy = (health: HealthServer.HealthState) =>
  eventually(checkStatus(health), (status) => status.healthy && Option.isSome(status.lastCheckedAt))
const unhealthy = (health: HealthServer.HealthState) => eventually(checkStatus(health), (status) => !status.healthy)

/** An ioredis client the "application" owns, with ioredis' defaults (offline queue on); quit by the test. */
const appClient = (port: number, options: { readonly password?: string } = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new Redis({ host: "127.0.0.1", port, ...options })
      client.on("error", () => {})
      return client
    }),
    (client) => Effect.sync(() => client.disconnect())
  )

/** Commands the health server left queued inside ioredis (sent but unanswered, or waiting to be sent). */
const queued = (client: Redis): number => {
  const internals = client as unknown as { commandQueue: { length: number }; offlineQueue: { length: number } }
  return internals.commandQueue.length + internals.offlineQueue.length
}

const tcpCount = () =>
  process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap" || name === "TCPServerWrap").length

/** Listens on `port` (0: one the system picks) in the test's scope; fails when the port is taken. */
const listenOn = (port: number) =>
  Effect.acquireRelease(
    Effect.async<Net.Server, Error>((resume) => {
      const server = Net.createServer()
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )

/** Asserts that `port` is free again: something else can bind it. */
const portFree = (port: number) => Effect.scoped(listenOn(port))

describe("HealthServer on real Redis", () => {
  live("is healthy while Redis answers, and the first check does not fail spuriously", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const health = yield* serveOn(RedisClient.layer({ url: redis.url }), {
        ...fast,
        checkTimeout: "5 seconds",
        failureThreshold: 1
      })
      const { port } = health.address
      const first = yield* checked(health)
      assert.deepInclude(first, { healthy: true, consecutiveFailures: 0, lastError: Option.none() })
      assert.deepStrictEqual(yield* get(port, "/healthz"), { status: 200, body: "OK", contentType: "text/plain" })
      assert.deepStrictEqual(yield* get(port, "/readyz"), { status: 200, body: "Ready", contentType: "text/plain" })
    }))

  live(
    "RedisClient.make connects in the current scope and closes its connection when the scope closes",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const scope = yield* Scope.make()
        const { check, client } = yield* RedisClient.make({ url: redis.url }).pipe(Scope.extend(scope))
        // Connected at acquire, before any command: its connection and the one asking.
        assert.strictEqual(client.status, "ready")
        assert.strictEqual(yield* RedisServer.connectedClients(redis), 2)
        const pings = yield* RedisServer.commandCalls(redis, "ping")
        yield* check
        assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pings + 1)

        yield* Scope.close(scope, Exit.void)
        // QUIT was answered; the socket's end follows.
        yield* eventually(Effect.sync(() => client.status), (status) => status === "end")
        yield* eventually(RedisServer.connectedClients(redis), (clients) => clients === 1)
        // Its check now fails with a typed error that says why.
        const error = yield* Effect.flip(check)
        assert.deepInclude(error, { _tag: "RedisCheckError", reason: "Connection is closed." })
        assert.strictEqual(error.message, "Redis check failed: Connection is closed.")
      })
  )

  for (const owner of ["library", "application"] as const) {
    live(
      `turns unhealthy when Redis is killed and healthy when it is back (client owned by the ${owner})`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const client = owner === "library"
            ? RedisClient.layer({ url: redis.url })
            : RedisClient.layerFromClient(yield* appClient(redis.port))
          const health = yield* serveOn(client, fast)
          const { port } = health.address
          yield* healthy(health)

          yield* redis.kill
          const down = yield* unhealthy(health)
          assert.isTrue(Option.isSome(down.lastError))
          assert.deepStrictEqual(yield* get(port, "/healthz"), {
            status: 503,
            body: "Service Unavailable",
            contentType: "text/plain"
          })
          assert.strictEqual((yield* get(port, "/readyz")).status, 503)

          yield* redis.restart
          yield* healthy(health)
          assert.strictEqual((yield* get(port, "/healthz")).status, 200)
        })
    )

    live(
      `a frozen Redis (SIGSTOP) times the checks out without queueing more PINGs (${owner})`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const owned = yield* appClient(redis.port)
          const layer = owner === "library"
            ? RedisClient.layer({ url: redis.url })
            : RedisClient.layerFromClient(owned)
          const context = yield* Layer.build(layer)
          const { client } = Context.get(context, RedisClient.RedisClient)
          const health = yield* serveOn(Layer.succeedContext(context), fast)
          yield* healthy(health)

          yield* redis.freeze
          const [down, stuck, probe] = yield* Effect.gen(function*() {
            const down = yield* unhealthy(health)
            // Five more runs, each timed out, with Redis frozen: still at most the one PING sent before the freeze.
            yield* eventually(
              checkStatus(health),
              (status) => status.consecutiveFailures >= down.consecutiveFailures + 5
            )
            return [down, queued(client as Redis), yield* get(health.address.port, "/healthz")] as const
          }).pipe(Effect.ensuring(redis.thaw))
          assert.include(Option.getOrThrow(down.lastError), "timed out")
          assert.isAtMost(stuck, 1)
          assert.strictEqual(probe.status, 503)

          yield* healthy(health)
          assert.strictEqual((yield* get(health.address.port, "/healthz")).status, 200)
        })
    )
  }

  live("a wrong password or a missing one (NOAUTH) counts as a failure", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make({ password: "s3cret" })
      const cases = [
        [
          "WRONGPASS",
          "application client",
          RedisClient.layerFromClient(yield* appClient(redis.port, { password: "nope" }))
        ],
        ["NOAUTH", "application client", RedisClient.layerFromClient(yield* appClient(redis.port))],
        ["WRONGPASS", "library client", RedisClient.layer({ url: `redis://:nope@127.0.0.1:${redis.port}` })],
        ["NOAUTH", "library client", RedisClient.layer({ url: redis.url })]
      ] as const
      for (const [reason, name, client] of cases) {
        const status = yield* serveOn(client, fast).pipe(Effect.flatMap(unhealthy), Effect.scoped)
        assert.isFalse(status.healthy, name)
        assert.include(Option.getOrThrow(status.lastError), reason, name)
      }
      // With the right password it is healthy: the failures above come from authentication.
      const health = yield* serveOn(RedisClient.layer({ url: `redis://:s3cret@127.0.0.1:${redis.port}` }), fast)
      yield* healthy(health)
    }))

  live("an app-defined check beside redis: its outage fails readiness, not liveness", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const sessions = yield* RedisServer.make() // a second Redis the application uses for sessions
      const SessionsCheck = HealthCheck.make({
        name: "sessions",
        check: RedisClient.makePing(yield* appClient(sessions.port)),
        timeout: "2 seconds",
        failureThreshold: 1
      })
      const health = yield* serveOn(RedisClient.layer({ url: redis.url }), { ...fast, checks: [SessionsCheck] })
      const { port } = health.address
      yield* eventually(health.status, (status) => status.started && status.ready)
      assert.deepStrictEqual(yield* get(port, "/readyz"), { status: 200, body: "Ready", contentType: "text/plain" })

      yield* sessions.kill
      yield* eventually(health.status, (status) => !status.ready)
      assert.strictEqual((yield* get(port, "/readyz")).status, 503)
      assert.strictEqual((yield* get(port, "/readyz/sessions")).status, 503)
      assert.strictEqual((yield* get(port, "/readyz/redis")).status, 200)
      assert.strictEqual((yield* get(port, "/livez")).status, 200)
      assert.strictEqual((yield* get(port, "/healthz")).status, 200)
      assert.strictEqual((yield* get(port, "/readyz?exclude=sessions")).status, 200)

      yield* sessions.restart
      yield* eventually(health.status, (status) => status.ready)
      assert.strictEqual((yield* get(port, "/readyz")).status, 200)
    }))

  live("a client the application closed counts as a failure (Connection is closed)", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const client = yield* appClient(redis.port)
      const health = yield* serveOn(RedisClient.layerFromClient(client), fast)
      yield* healthy(health)
      yield* Effect.promise(() => client.quit())
      const down = yield* unhealthy(health)
      assert.strictEqual(Option.getOrThrow(down.lastError), "Redis check failed: Connection is closed.")
      // The application's client is the application's: the health server never reopened or closed it.
      assert.strictEqual(client.status, "end")
    }))

  liveLogged(
    "a Redis that is down at start is reported, and picked up when it comes up",
    (logs) =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        yield* redis.kill
        const health = yield* serveOn(RedisClient.layer({ url: redis.url, connectTimeout: "500 millis" }), fast)
        // Not a start-up failure: a warning, and the probes report it.
        const warning = logs.find((line) => line.message === "redis_connect_failed")
        assert.deepInclude(warning, { level: "WARN" })
        assert.strictEqual(warning?.annotations.reason, "connect ECONNREFUSED")
        yield* unhealthy(health)
        yield* redis.restart
        yield* healthy(health)
      })
  )

  live(
    "a port in use fails with a typed error naming host and port, leaving nothing behind",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const taken = yield* listenOn(0)
        const port = (taken.address() as Net.AddressInfo).port
        const pingsBefore = yield* RedisServer.commandCalls(redis, "ping")
        const exit = yield* serveOn(RedisClient.layer({ url: redis.url }), { ...fast, port }).pipe(
          Effect.scoped,
          Effect.exit
        )

        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
        const failed = Option.getOrThrow(error)
        assert.strictEqual(failed._tag, "HealthServerError")
        assert.strictEqual(
          failed.message,
          `Health server cannot listen on 127.0.0.1:${port}: address already in use; ` +
            `set the option port to a free port, or 0 for any`
        )
        if (failed._tag === "HealthServerError") {
          const { code, option, variable } = failed
          assert.deepStrictEqual({ code, option, variable }, {
            code: "EADDRINUSE",
            option: "port",
            variable: undefined
          })
        }
        // The library's connection is gone (only the one asking is left), so no PING can follow it; and none
        // came before it closed: no check loop ever ran.
        yield* eventually(RedisServer.connectedClients(redis), (clients) => clients === 1)
        assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pingsBefore)
      })
  )

  liveLogged(
    "50 start/stop cycles on one port leave no socket, fiber or connection behind",
    (logs) =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        // One client the application keeps open throughout: a loop that outlived its layer would still reach Redis.
        const shared = yield* appClient(redis.port)
        yield* Effect.promise(() => shared.ping()) // connected: its socket counts in the baseline
        const baseline = tcpCount()
        // The first cycle binds a port the system picks; every later one binds that same port again.
        let port = 0
        for (let i = 0; i < 50; i++) {
          const scope = yield* Scope.make()
          // Every other cycle, the library owns the client: it must be closed with the layer.
          const client = i % 2 === 0 ? RedisClient.layerFromClient(shared) : RedisClient.layer({ url: redis.url })
          const health = yield* serveOn(client, { ...fast, port, checkTimeout: "5 seconds", failureThreshold: 1 })
            .pipe(Scope.extend(scope))
          port = health.address.port
          assert.isTrue((yield* checked(health)).healthy, `cycle ${i}`)
          assert.strictEqual((yield* get(port, "/healthz")).status, 200)
          yield* Scope.close(scope, Exit.void)
        }
        // Each release waited for its check loop to end (else it would have logged health_checks_not_stopped)
        // before it closed the socket.
        const messages = logs.map((line) => line.message)
        assert.strictEqual(messages.filter((message) => message === "health_server_stopped").length, 50)
        assert.notInclude(messages, "health_checks_not_stopped")
        // The shared client and the connection asking remain; every client the library opened is closed.
        yield* eventually(RedisServer.connectedClients(redis), (clients) => clients === 2).pipe(
          Effect.mapError(() => new Error("a Redis connection outlived its layer"))
        )
        yield* eventually(Effect.sync(tcpCount), (count) => count <= baseline).pipe(
          Effect.mapError(() => new Error(`sockets left open: ${tcpCount()}, before: ${baseline}`))
        )
        yield* portFree(port)
      })
  )

  liveLogged("closing does not hang on a check that cannot be interrupted", (logs) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const wedged = HealthCheck.make({
        name: "wedged",
        check: Effect.uninterruptible(Effect.never),
        timeout: "200 millis"
      })
      const server = yield* HealthServer.make({ port: 0, checks: [wedged], shutdownDelay: "100 millis" }).pipe(
        Scope.extend(scope)
      )
      assert.strictEqual((yield* get(server.address.port, "/livez")).status, 200)
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("10 seconds"), Effect.option)
      assert.isTrue(Option.isSome(closed), "closing the scope hung on the wedged check")
      // It said why it did not wait, and the socket is closed all the same.
      const warning = logs.find((line) => line.message === "health_checks_not_stopped")
      assert.deepInclude(warning, { level: "WARN" })
      assert.strictEqual(warning?.annotations.reason, "a check does not respond to interruption")
      assert.include(logs.map((line) => line.message), "health_server_stopped")
      yield* portFree(server.address.port)
    }))

  live(
    "closing does not wait on idle, stalled or kept-alive client connections, and cuts them",
    () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const server = yield* HealthServer.make({ port: 0 }).pipe(Scope.extend(scope))
        const { port } = server.address
        const idle = yield* idleConnections(port, 2) // connected, never a byte
        const stalled = yield* idleConnections(port, 2, { send: "GET /healthz HTTP/1.1\r\nHost: x\r\n" }) // half a head
        const kept = yield* keepAliveClient(port)
        assert.deepStrictEqual(yield* kept.get("/healthz"), { status: 200, body: "OK" })
        assert.strictEqual(kept.sockets(), 1)
        // Opened after them and answered: the server has taken every one of them in.
        assert.strictEqual((yield* get(port, "/livez")).status, 200)

        const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("3 seconds"), Effect.option)
        assert.isTrue(Option.isSome(closed), "closing the scope hung on an open connection")
        yield* eventually(Effect.sync(() => idle.open() + stalled.open() + kept.sockets()), (open) => open === 0)
        yield* portFree(port)
      })
  )
})
