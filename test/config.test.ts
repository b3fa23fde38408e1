/**
 * HealthServerLive and RedisClient.layerConfig read from the environment; bad values stop start-up before
 * anything binds, with an error that names the variable.
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthServer, HealthServerLive, RedisClient } from "@stargazer/health-server"
import { Cause, Config, ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import { Redis } from "ioredis"
import { buildHealth, checkStatus, eventually, get, live, withLogs } from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

/** A client that is never connected: these start-ups must fail before anything talks to Redis. */
const idleClient = () => RedisClient.layerFromClient(new Redis({ lazyConnect: true }))

const failure = <A, E>(exit: Exit.Exit<A, E>): string =>
  Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "it succeeded"

describe("configuration", () => {
  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["SG_HEALTH_PORT", "abc"],
    ["SG_HEALTH_PORT", "70000"],
    ["SG_HEALTH_PING_INTERVAL", "soon"],
    ["SG_HEALTH_PING_INTERVAL", "0 seconds"],
    ["SG_HEALTH_PING_TIMEOUT", "1 fortnight"],
    ["SG_HEALTH_FAILURE_THRESHOLD", "0"],
    ["SG_HEALTH_FAILURE_THRESHOLD", "2.5"],
    ["SG_HEALTH_SUCCESS_THRESHOLD", "0"],
    ["SG_HEALTH_LIVENESS_CHECKS", "redis,not a name"],
    ["SG_HEALTH_INITIAL_STATE", "ready"],
    ["SG_HEALTH_EXPOSE_DETAILS", "maybe"],
    ["SG_HEALTH_SHUTDOWN_DELAY", "later"]
  ]
  for (const [name, value] of invalid) {
    live(
      `${name}=${JSON.stringify(value)} fails start-up naming the variable, and nothing binds`,
      () =>
        Effect.gen(function*() {
          const port = yield* RedisServer.freePort
          const env = { SG_HEALTH_PORT: String(port), [name]: value }
          const { exit, logs } = yield* withLogs((logs) =>
            buildHealth(HealthServerLive.pipe(Layer.provide(idleClient()))).pipe(
              withEnv(env),
              Effect.scoped,
              Effect.exit,
              Effect.map((exit) => ({ exit, logs }))
            )
          )
          assert.isTrue(Exit.isFailure(exit))
          const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
          assert.isTrue(Option.isSome(error) && error.value._tag !== "HealthServerError", failure(exit))
          assert.include(failure(exit), name)
          // Nothing was started: no socket was bound, no loop forked.
          assert.deepStrictEqual(logs.filter((line) => line.message.startsWith("health_")), [])
        })
    )
  }

  live("reads port, host, interval, timeout and threshold from SG_HEALTH_*", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const port = yield* RedisServer.freePort
      const health = yield* buildHealth(
        HealthServerLive.pipe(Layer.provide(RedisClient.layer({ url: redis.url })))
      ).pipe(
        withEnv({
          SG_HEALTH_PORT: String(port),
          SG_HEALTH_HOST: "127.0.0.1",
          SG_HEALTH_PING_INTERVAL: "100 millis",
          SG_HEALTH_PING_TIMEOUT: "200 millis",
          SG_HEALTH_FAILURE_THRESHOLD: "4"
        })
      )
      yield* eventually(checkStatus(health), (status) => Option.isSome(status.lastCheckedAt))
      assert.strictEqual((yield* get(port, "/healthz")).body, "OK")
      yield* redis.kill
      // Four failures at 100 ms spacing: unhealthy after ~0.3-1.2 s; the streak is visible on the way.
      const down = yield* eventually(checkStatus(health), (status) => !status.healthy)
      assert.isAtLeast(down.consecutiveFailures, 4)
      // By default `redis` gates liveness, as in the Python module: a Redis outage fails /healthz too.
      assert.strictEqual((yield* get(port, "/healthz")).status, 503)
      assert.strictEqual((yield* get(port, "/readyz")).status, 503)
    }))

  live(
    "reads the liveness checks, initial state, success threshold and details from SG_HEALTH_*",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        yield* redis.kill // down at start
        const port = yield* RedisServer.freePort
        const health = yield* buildHealth(
          HealthServerLive.pipe(Layer.provide(RedisClient.layer({ url: redis.url, connectTimeout: "200 millis" })))
        ).pipe(
          withEnv({
            SG_HEALTH_PORT: String(port),
            SG_HEALTH_PING_INTERVAL: "100 millis",
            SG_HEALTH_LIVENESS_CHECKS: "",
            SG_HEALTH_INITIAL_STATE: "starting",
            SG_HEALTH_SUCCESS_THRESHOLD: "3",
            SG_HEALTH_EXPOSE_DETAILS: "true"
          })
        )
        // starting: not ready before the first pass; no liveness checks: Redis down does not fail liveness.
        assert.strictEqual((yield* get(port, "/readyz")).status, 503)
        assert.strictEqual((yield* get(port, "/startupz")).status, 503)
        yield* eventually(checkStatus(health), (status) => !status.healthy)
        assert.deepInclude(yield* get(port, "/livez"), { status: 200, body: "OK" })
        assert.deepInclude(yield* get(port, "/healthz"), { status: 200, body: "OK" })
        const verbose = (yield* get(port, "/readyz?verbose")).body
        assert.match(verbose, /^\[-\]redis failed: .*ECONNREFUSED/, verbose) // details exposed

        yield* redis.restart
        const up = yield* eventually(health.status, (status) => status.ready)
        assert.isAtLeast(up.checks[0].consecutiveSuccesses, 3) // healthy again only after three successes
        assert.strictEqual((yield* get(port, "/startupz")).status, 200)
      })
  )

  it.effect("REDIS_URL that is not a Redis URL fails naming the variable", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(RedisClient.layerConfig()).pipe(
        withEnv({ REDIS_URL: "http://user:hunter2@127.0.0.1:6379" }),
        Effect.scoped,
        Effect.exit
      )
      assert.include(failure(exit), "REDIS_URL")
      assert.notInclude(failure(exit), "hunter2")
    }))

  it.effect("a bad URL given in code fails with RedisClientError, without repeating the URL", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(RedisClient.layer({ url: "127.0.0.1:hunter2" })).pipe(Effect.scoped, Effect.exit)
      const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
      assert.isTrue(Option.isSome(error) && error.value._tag === "RedisClientError")
      assert.notInclude(failure(exit), "hunter2")
    }))

  it.effect("HealthServer.layerConfig takes any Config; an invalid threshold in code is a defect naming it", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(
        HealthServer.layerConfig({ failureThreshold: Config.succeed(0) }).pipe(Layer.provide(idleClient()))
      ).pipe(Effect.scoped, Effect.exit)
      assert.include(failure(exit), "failureThreshold")
    }))
})
