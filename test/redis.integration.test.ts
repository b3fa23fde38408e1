/**
 * The health server against real `redis-server` processes that the tests start, kill, freeze and restart.
 * Real time, short intervals, generous bounds.
 */
import { assert, describe } from "@effect/vitest"
import { HealthCheck, HealthServer, RedisClient } from "@stargazer/health-server"
import { Cause, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { Redis } from "ioredis"
import * as Net from "node:net"
import { buildHealth, checkStatus, eventually, get, live } from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

const fast = { pingInterval: "100 millis", pingTimeout: "300 millis", failureThreshold: 2 } as const

const checked = (health: HealthServer.HealthServer["Type"]) =>
  eventually(checkStatus(health), (status) => Option.isSome(status.lastCheckedAt))
const healthy = (health: HealthServer.HealthServer["Type"]) =>
  eventually(checkStatus(health), (status) => status.healthy && Option.isSome(status.lastCheckedAt))
const unhealthy = (health: HealthServer.HealthServer["Type"]) =>
  eventually(checkStatus(health), (status) => !status.healthy)

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

describe("HealthServer on real Redis", () => {
  live("is healthy while Redis answers, and the first ping does not fail spuriously", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const port = yield* RedisServer.freePort
      const health = yield* buildHealth(
        HealthServer.layer({ ...fast, port, pingTimeout: "5 seconds", failureThreshold: 1 }).pipe(
          Layer.provide(RedisClient.layer({ url: redis.url }))
        )
      )
      const first = yield* checked(health)
      assert.deepInclude(first, { healthy: true, consecutiveFailures: 0, lastError: Option.none() })
      assert.deepStrictEqual(yield* get(port, "/healthz"), { status: 200, body: "OK", contentType: "text/plain" })
      assert.deepStrictEqual(yield* get(port, "/readyz"), { status: 200, body: "Ready", contentType: "text/plain" })
    }))

  for (const owner of ["library", "application"] as const) {
    live(
      `turns unhealthy when Redis is killed and healthy when it is back (client owned by the ${owner})`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const port = yield* RedisServer.freePort
          const client = owner === "library"
            ? RedisClient.layer({ url: redis.url })
            : RedisClient.layerFromClient(yield* appClient(redis.port))
          const health = yield* buildHealth(HealthServer.layer({ ...fast, port }).pipe(Layer.provide(client)))
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
      `a frozen Redis (SIGSTOP) times pings out without queueing more of them (${owner})`,
      () =>
        Effect.gen(function*() {
          const redis = yield* RedisServer.make()
          const port = yield* RedisServer.freePort
          const owned = yield* appClient(redis.port)
          const layer = owner === "library"
            ? RedisClient.layer({ url: redis.url })
            : RedisClient.layerFromClient(owned)
          const context = yield* Layer.build(layer)
          const { client } = Context.get(context, RedisClient.RedisClient)
          const health = yield* buildHealth(
            HealthServer.layer({ ...fast, port }).pipe(Layer.provide(Layer.succeedContext(context)))
          )
          yield* healthy(health)

          yield* redis.freeze
          const down = yield* unhealthy(health).pipe(Effect.tapError(() => redis.thaw))
          assert.include(Option.getOrThrow(down.lastError), "timed out")
          // Twenty more intervals with Redis frozen: still at most the one PING it sent before the freeze.
          yield* Effect.sleep("2 seconds")
          const stuck = queued(client as Redis)
          const probe = yield* get(port, "/healthz").pipe(Effect.ensuring(redis.thaw))
          assert.isAtMost(stuck, 1)
          assert.strictEqual(probe.status, 503)

          yield* healthy(health)
          assert.strictEqual((yield* get(port, "/healthz")).status, 200)
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
        const port = yield* RedisServer.freePort
        const status = yield* buildHealth(HealthServer.layer({ ...fast, port }).pipe(Layer.provide(client))).pipe(
          Effect.flatMap(unhealthy),
          Effect.scoped
        )
        assert.isFalse(status.healthy, name)
        assert.include(Option.getOrThrow(status.lastError), reason, name)
      }
      // With the right password it is healthy: the failures above come from authentication.
      const port = yield* RedisServer.freePort
      const health = yield* buildHealth(
        HealthServer.layer({ ...fast, port }).pipe(
          Layer.provide(RedisClient.layer({ url: `redis://:s3cret@127.0.0.1:${redis.port}` }))
        )
      )
      yield* healthy(health)
    }))

  live("an app-defined check beside redis: its outage fails readiness, not liveness", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const sessions = yield* RedisServer.make() // a second Redis the application uses for sessions
      const sessionClient = yield* appClient(sessions.port)
      const port = yield* RedisServer.freePort
      const SessionsCheck = HealthCheck.make({
        name: "sessions",
        check: Effect.tryPromise(() => sessionClient.exists("session:probe")),
        timeout: "2 seconds",
        failureThreshold: 1
      })
      const health = yield* buildHealth(
        HealthServer.layer({ ...fast, port, checks: [SessionsCheck] }).pipe(
          Layer.provide(RedisClient.layer({ url: redis.url }))
        )
      )
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
      const port = yield* RedisServer.freePort
      const client = yield* appClient(redis.port)
      const health = yield* buildHealth(
        HealthServer.layer({ ...fast, port }).pipe(Layer.provide(RedisClient.layerFromClient(client)))
      )
      yield* healthy(health)
      yield* Effect.promise(() => client.quit())
      const down = yield* unhealthy(health)
      assert.include(Option.getOrThrow(down.lastError), "Connection is closed")
      // The application's client is the application's: the health server never reopened or closed it.
      assert.strictEqual(client.status, "end")
    }))

  live("a Redis that is down at start is reported, and picked up when it comes up", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      yield* redis.kill
      const port = yield* RedisServer.freePort
      const health = yield* buildHealth(
        HealthServer.layer({ ...fast, port }).pipe(
          Layer.provide(RedisClient.layer({ url: redis.url, connectTimeout: "500 millis" }))
        )
      )
      yield* unhealthy(health)
      yield* redis.restart
      yield* healthy(health)
    }))

  live(
    "a port in use fails with a typed error naming host and port, leaving nothing behind",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const port = yield* RedisServer.freePort
        yield* listenOn(port)
        const pingsBefore = yield* RedisServer.commandCalls(redis, "ping")
        const exit = yield* buildHealth(
          HealthServer.layer({ ...fast, port }).pipe(Layer.provide(RedisClient.layer({ url: redis.url })))
        ).pipe(Effect.scoped, Effect.exit)

        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
        assert.isTrue(Option.isSome(error) && error.value._tag === "HealthServerError")
        assert.strictEqual(
          Option.getOrThrow(error).message,
          `Health server cannot listen on 127.0.0.1:${port}: address already in use`
        )
        // No ping fiber (no PING ever reaches Redis) and no connection left open by the library.
        yield* Effect.sleep("500 millis")
        assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pingsBefore)
        assert.strictEqual(yield* RedisServer.connectedClients(redis), 1)
      })
  )

  live("50 start/stop cycles on one port leave no socket, fiber or connection behind", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const port = yield* RedisServer.freePort
      // One client the application keeps open throughout: a loop that outlived its layer would still reach Redis.
      const shared = yield* appClient(redis.port)
      const baseline = tcpCount()
      for (let i = 0; i < 50; i++) {
        const scope = yield* Scope.make()
        // Every other cycle, the library owns the client: it must be closed with the layer.
        const client = i % 2 === 0 ? RedisClient.layerFromClient(shared) : RedisClient.layer({ url: redis.url })
        const health = yield* buildHealth(
          HealthServer.layer({ ...fast, port, pingTimeout: "5 seconds", failureThreshold: 1 }).pipe(
            Layer.provide(client)
          )
        ).pipe(Scope.extend(scope))
        assert.isTrue((yield* checked(health)).healthy, `cycle ${i}`)
        assert.strictEqual((yield* get(port, "/healthz")).status, 200)
        yield* Scope.close(scope, Exit.void)
      }
      const pings = yield* RedisServer.commandCalls(redis, "ping")
      yield* Effect.sleep("500 millis")
      assert.strictEqual(yield* RedisServer.commandCalls(redis, "ping"), pings, "a ping loop outlived its layer")
      // The shared client and the connection asking remain; every client the library opened is closed.
      assert.strictEqual(yield* RedisServer.connectedClients(redis), 2, "a Redis connection outlived its layer")
      yield* eventually(Effect.sync(tcpCount), (count) => count <= baseline)
      yield* Effect.scoped(listenOn(port)) // the port is free again
    }))

  live("closing does not hang on a check that cannot be interrupted", () =>
    Effect.gen(function*() {
      const port = yield* RedisServer.freePort
      const scope = yield* Scope.make()
      const wedged = HealthCheck.make({
        name: "wedged",
        check: Effect.uninterruptible(Effect.never),
        timeout: "200 millis"
      })
      yield* HealthServer.make({ port, ping: Effect.void, checks: [wedged], shutdownDelay: "100 millis" }).pipe(
        Scope.extend(scope)
      )
      assert.strictEqual((yield* get(port, "/livez")).status, 200)
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("10 seconds"), Effect.option)
      assert.isTrue(Option.isSome(closed), "closing the scope hung on the wedged check")
      yield* Effect.scoped(listenOn(port)) // and the socket is closed
    }))

  live("closing does not wait on idle or stalled client connections", () =>
    Effect.gen(function*() {
      const port = yield* RedisServer.freePort
      const scope = yield* Scope.make()
      yield* HealthServer.make({ port, ping: Effect.void }).pipe(Scope.extend(scope))
      const idle = Net.connect({ host: "127.0.0.1", port })
      const stalled = Net.connect({ host: "127.0.0.1", port }, () =>
        stalled.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => [idle, stalled].forEach((socket) => socket.destroy()))
      )
      yield* Effect.sleep("200 millis")
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("3 seconds"), Effect.option)
      assert.isTrue(Option.isSome(closed), "closing the scope hung on an open connection")
      yield* Effect.scoped(listenOn(port))
    }))
})
