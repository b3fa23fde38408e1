/**
 * The main job (`examples/service`) as a real process: it serves the probes, shuts down in order on
 * SIGTERM/SIGINT and exits 0; bad configuration or a taken port make it exit non-zero before anything starts.
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Net from "node:net"
import { eventually, get, live } from "./utils/health.js"
import { spawnService } from "./utils/process.js"
import * as RedisServer from "./utils/redisServer.js"

/** A Redis of its own, and the example service pointed at it on a free health port (unless `env` says). */
const startExample = (env: Record<string, string> = {}, port?: number) =>
  Effect.gen(function*() {
    const redis = yield* RedisServer.make()
    const healthPort = port ?? (yield* RedisServer.freePort)
    const service = yield* spawnService("examples/service/main.ts", {
      REDIS_URL: redis.url,
      SG_HEALTH_PORT: String(healthPort),
      ...env
    })
    return { redis, port: healthPort, service }
  })

const inOrder = (output: string, names: ReadonlyArray<string>) =>
  names.map((name) => output.indexOf(name)).every((index, i, all) => index !== -1 && (i === 0 || index > all[i - 1]))

describe("examples/service", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    live(`serves the probes and shuts down in order on ${signal}, exiting 0`, () =>
      Effect.gen(function*() {
        const { port, redis, service } = yield* startExample({ SG_HEALTH_PING_INTERVAL: "200 millis" })
        const reply = yield* eventually(Effect.option(get(port, "/healthz")), Option.isSome, "30 seconds")
        assert.deepStrictEqual(Option.getOrThrow(reply), { status: 200, body: "OK", contentType: "text/plain" })
        assert.strictEqual((yield* get(port, "/readyz")).body, "Ready")

        yield* service.signal(signal)
        assert.strictEqual(yield* service.exit, 0, service.output())
        const output = service.output()
        assert.isTrue(
          inOrder(output, ["worker_started", "health_server_started", "health_server_stopped", "worker_stopped"]),
          output
        )
        assert.include(output, `port: ${port}`)
        // Its Redis connection was closed on the way out; only the connection asking remains.
        assert.strictEqual(yield* RedisServer.connectedClients(redis), 1)
      }), 60_000)
  }

  live("an invalid SG_HEALTH_PORT exits non-zero naming the variable", () =>
    Effect.gen(function*() {
      const { service } = yield* startExample({ SG_HEALTH_PORT: "ninety" })
      assert.strictEqual(yield* service.exit, 1)
      assert.include(service.output(), "SG_HEALTH_PORT")
      // The health configuration is read before the service starts: nothing was started, nothing to undo.
      assert.notInclude(service.output(), "worker_started")
      assert.notInclude(service.output(), "health_server_started")
    }), 60_000)

  live("a port in use exits non-zero naming host and port", () =>
    Effect.gen(function*() {
      const port = yield* RedisServer.freePort
      const taken = Net.createServer()
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          taken.listen(port, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => taken.close())
      )
      const { service } = yield* startExample({}, port)
      assert.strictEqual(yield* service.exit, 1)
      assert.include(service.output(), `Health server cannot listen on 127.0.0.1:${port}: address already in use`)
    }), 60_000)

  live("SG_HEALTH_ENABLED=false runs the service without the health server", () =>
    Effect.gen(function*() {
      const { port, service } = yield* startExample({ SG_HEALTH_ENABLED: "false" })
      yield* eventually(Effect.sync(service.output), (output) => output.includes("worker_started"), "30 seconds")
      assert.isTrue(Option.isNone(yield* Effect.option(get(port, "/healthz"))))
      yield* service.signal("SIGTERM")
      assert.strictEqual(yield* service.exit, 0)
      assert.notInclude(service.output(), "health_server_started")
    }), 60_000)

  live(
    "SIGTERM drains: readiness 503 at once, liveness 200 for SG_HEALTH_SHUTDOWN_DELAY, then exit 0 in order",
    () =>
      Effect.gen(function*() {
        const { port, service } = yield* startExample({ SG_HEALTH_SHUTDOWN_DELAY: "10 seconds" })
        yield* eventually(Effect.option(get(port, "/readyz")), Option.isSome, "30 seconds")
        yield* service.signal("SIGTERM")
        yield* eventually(
          Effect.option(get(port, "/readyz")),
          (reply) => Option.isSome(reply) && reply.value.status === 503,
          "2 seconds"
        )
        assert.deepStrictEqual(yield* get(port, "/livez"), { status: 200, body: "OK", contentType: "text/plain" })
        assert.strictEqual((yield* get(port, "/healthz")).status, 200)
        assert.strictEqual(yield* service.exit, 0, service.output())
        assert.isTrue(
          inOrder(service.output(), ["health_server_draining", "health_server_stopped", "worker_stopped"]),
          service.output()
        )
      }),
    60_000
  )

  live("a second SIGTERM during the drain ends the process at once", () =>
    Effect.gen(function*() {
      const { port, service } = yield* startExample({ SG_HEALTH_SHUTDOWN_DELAY: "1 minute" })
      yield* eventually(Effect.option(get(port, "/readyz")), Option.isSome, "30 seconds")
      yield* service.signal("SIGTERM")
      yield* eventually(
        Effect.sync(service.output),
        (output) => output.includes("health_server_draining"),
        "10 seconds"
      )
      yield* service.signal("SIGTERM")
      const exit = yield* service.exit.pipe(Effect.timeout("10 seconds"))
      assert.strictEqual(exit, "SIGTERM")
    }), 60_000)
})
