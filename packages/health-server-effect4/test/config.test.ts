/**
 * HealthServerLive, Runner.layer, RedisClient.RedisClientLive and the layerConfig constructors read their
 * options from Config (the environment by default); bad values stop start-up before anything binds, with an
 * error that names the variable, or the option when it was given in code.
 */
import { assert, describe, it } from "@effect/vitest"
import { HealthServerLive } from "@stargazer/health-server-effect4"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import * as RedisClient from "@stargazer/health-server-effect4/RedisClient"
import * as Runner from "@stargazer/health-server-effect4/Runner"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/testing/TestClock"
import { Redis } from "ioredis"
import {
  buildHealth,
  checkStatus,
  eventually,
  get,
  live,
  liveLogged,
  redisCheck,
  scriptedCheck,
  withLogs
} from "./utils/health.js"
import * as RedisServer from "./utils/redisServer.js"

/** `env` as the environment, read as the default `ConfigProvider` reads `process.env`. */
const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

/** A client that is never connected: these start-ups must fail before anything talks to Redis. */
const idleClient = () => RedisClient.layerFromClient(new Redis({ lazyConnect: true }))

/** A `RedisClient` whose check is `check` (scripted, for TestClock); its client is never connected. */
const scriptedRedis = (check: Effect.Effect<unknown, Error>) =>
  Layer.succeed(RedisClient.RedisClient, {
    client: new Redis({ lazyConnect: true }),
    check: check.pipe(
      Effect.asVoid,
      Effect.mapError((cause) => new RedisClient.RedisCheckError({ reason: cause.message, cause }))
    )
  })

const failure = <A, E>(exit: Exit.Exit<A, E>): string =>
  Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "it succeeded"

const failureOf = <A, E>(exit: Exit.Exit<A, E>): Option.Option<E> => Exit.findErrorOption(exit)

describe("configuration", () => {
  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["SG_HEALTH_PORT", "abc"],
    ["SG_HEALTH_PORT", "70000"],
    ["SG_HEALTH_CHECK_INTERVAL", "soon"],
    ["SG_HEALTH_CHECK_INTERVAL", "0 seconds"],
    ["SG_HEALTH_CHECK_TIMEOUT", "1 fortnight"],
    ["SG_HEALTH_PING_INTERVAL", "soon"],
    ["SG_HEALTH_PING_TIMEOUT", "0 seconds"],
    ["SG_HEALTH_FAILURE_THRESHOLD", "0"],
    ["SG_HEALTH_FAILURE_THRESHOLD", "2.5"],
    ["SG_HEALTH_SUCCESS_THRESHOLD", "0"],
    ["SG_HEALTH_LIVENESS_CHECKS", "redis,not a name"],
    ["SG_HEALTH_LIVENESS_CHECKS", "db"],
    ["SG_HEALTH_INITIAL_STATE", "ready"],
    ["SG_HEALTH_EXPOSE_DETAILS", "maybe"],
    ["SG_HEALTH_SHUTDOWN_DELAY", "later"]
  ]
  for (const [name, value] of invalid) {
    live(
      `${name}=${JSON.stringify(value)} fails start-up naming the variable, and nothing binds`,
      () =>
        Effect.gen(function*() {
          const env = { SG_HEALTH_PORT: "0", [name]: value }
          const { exit, logs } = yield* withLogs((logs) =>
            buildHealth(HealthServerLive.pipe(Layer.provide(idleClient()))).pipe(
              withEnv(env),
              Effect.scoped,
              Effect.exit,
              Effect.map((exit) => ({ exit, logs }))
            )
          )
          const error = Option.getOrThrow(failureOf(exit))
          // The option's error, naming the variable in one line (not a ConfigError: that is for the provider).
          assert.deepInclude(error, { _tag: "HealthServerOptionsError", variable: name }, failure(exit))
          assert.match(error.message, new RegExp(`^Invalid ${name}: `))
          // Nothing was started: no socket was bound, no loop forked.
          assert.deepStrictEqual(logs.filter((line) => line.message.startsWith("health_")), [])
        })
    )
  }

  liveLogged(
    "reads port, host, interval, timeout and threshold from SG_HEALTH_*",
    (logs) =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        const health = yield* buildHealth(
          HealthServerLive.pipe(Layer.provide(RedisClient.layer({ url: redis.url })))
        ).pipe(
          withEnv({
            SG_HEALTH_PORT: "0",
            SG_HEALTH_HOST: "127.0.0.1",
            SG_HEALTH_CHECK_INTERVAL: "100 millis",
            SG_HEALTH_CHECK_TIMEOUT: "200 millis",
            SG_HEALTH_FAILURE_THRESHOLD: "4"
          })
        )
        // Port 0: the system picked one (not the default 9090), and health_server_started says which.
        const { host, port } = health.address
        assert.strictEqual(host, "127.0.0.1")
        assert.isTrue(port > 0 && port !== 9090, String(port))
        const started = logs.find((line) => line.message === "health_server_started")
        assert.deepInclude(started?.annotations, { host, port })

        yield* eventually(checkStatus(health), (status) => Option.isSome(status.lastCheckedAt))
        assert.strictEqual((yield* get(port, "/healthz")).body, "OK")
        yield* redis.kill
        // Four failures at 100 ms spacing: unhealthy after ~0.3-1.2 s; the streak is visible on the way.
        const down = yield* eventually(checkStatus(health), (status) => !status.healthy)
        assert.isAtLeast(down.consecutiveFailures, 4)
        // By default `redis` gates liveness, as in the Python module: a Redis outage fails /healthz too.
        assert.strictEqual((yield* get(port, "/healthz")).status, 503)
        assert.strictEqual((yield* get(port, "/readyz")).status, 503)
      })
  )

  live(
    "reads the liveness checks, initial state, success threshold and details from SG_HEALTH_*",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.make()
        yield* redis.kill // down at start
        const health = yield* buildHealth(
          HealthServerLive.pipe(Layer.provide(RedisClient.layer({ url: redis.url, connectTimeout: "200 millis" })))
        ).pipe(
          withEnv({
            SG_HEALTH_PORT: "0",
            SG_HEALTH_CHECK_INTERVAL: "100 millis",
            SG_HEALTH_LIVENESS_CHECKS: "none",
            SG_HEALTH_INITIAL_STATE: "starting",
            SG_HEALTH_SUCCESS_THRESHOLD: "3",
            SG_HEALTH_EXPOSE_DETAILS: "true"
          })
        )
        const { port } = health.address
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

  it.effect("the former SG_HEALTH_PING_* names are read when SG_HEALTH_CHECK_* are unset; the new ones win", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        HealthServer.config.pipe(
          Effect.map((options) =>
            [options.checkInterval, options.checkTimeout].map((d) => Duration.toMillis(Duration.fromInputUnsafe(d!)))
          ),
          withEnv(env)
        )
      assert.deepStrictEqual(
        yield* read({ SG_HEALTH_PING_INTERVAL: "200 millis", SG_HEALTH_PING_TIMEOUT: "300 millis" }),
        [200, 300]
      )
      assert.deepStrictEqual(
        yield* read({
          SG_HEALTH_CHECK_INTERVAL: "2 seconds",
          SG_HEALTH_CHECK_TIMEOUT: "3 seconds",
          SG_HEALTH_PING_INTERVAL: "200 millis",
          SG_HEALTH_PING_TIMEOUT: "300 millis"
        }),
        [2_000, 3_000]
      )
      assert.deepStrictEqual(yield* read({}), [5_000, 1_000]) // the defaults

      // An invalid new value is an error naming it, even with a valid former one beside it: never a fallback.
      for (const name of ["INTERVAL", "TIMEOUT"]) {
        const exit = yield* Effect.exit(
          read({ [`SG_HEALTH_CHECK_${name}`]: "soon", [`SG_HEALTH_PING_${name}`]: "1 second" })
        )
        assert.include(failure(exit), `SG_HEALTH_CHECK_${name}`)
        assert.notInclude(failure(exit), `SG_HEALTH_PING_${name}`)
      }
    }))

  it.effect("HealthServerLive runs the checks at the interval of the former name, or of the new one when both are set", () =>
    Effect.gen(function*() {
      const runsIn6Seconds = (env: Record<string, string>) =>
        Effect.gen(function*() {
          const { calls, check } = yield* scriptedCheck
          yield* buildHealth(HealthServerLive.pipe(Layer.provide(scriptedRedis(check)))).pipe(
            withEnv({ SG_HEALTH_PORT: "0", ...env })
          )
          yield* TestClock.adjust("6 seconds")
          return yield* Ref.get(calls)
        }).pipe(Effect.scoped)
      assert.strictEqual(yield* runsIn6Seconds({ SG_HEALTH_PING_INTERVAL: "2 seconds" }), 4) // 0, 2, 4, 6 s
      assert.strictEqual(
        yield* runsIn6Seconds({ SG_HEALTH_CHECK_INTERVAL: "3 seconds", SG_HEALTH_PING_INTERVAL: "2 seconds" }),
        3 // 0, 3, 6 s
      )
    }))

  it.effect("an empty SG_HEALTH_HOST counts as unset: the default 127.0.0.1", () =>
    Effect.gen(function*() {
      const env = { SG_HEALTH_PORT: "0", SG_HEALTH_HOST: "" }
      // The default provider drops empty values itself; one that keeps them hands the library an empty string.
      const providers = [
        ConfigProvider.fromEnv({ env }),
        ConfigProvider.fromEnv({ env, preserveEmptyStrings: true })
      ]
      for (const provider of providers) {
        const health = yield* buildHealth(HealthServerLive.pipe(Layer.provide(scriptedRedis(Effect.void)))).pipe(
          Effect.provideService(ConfigProvider.ConfigProvider, provider)
        )
        assert.strictEqual(health.address.host, "127.0.0.1")
      }
    }))

  live(
    "an empty SG_HEALTH_LIVENESS_CHECKS means no liveness check with every ConfigProvider, as `none` does",
    () =>
      Effect.gen(function*() {
        const livez = (
          env: Record<string, string>,
          provider: (env: Record<string, string>) => ConfigProvider.ConfigProvider
        ) =>
          Effect.gen(function*() {
            const health = yield* buildHealth(HealthServerLive.pipe(Layer.provide(scriptedRedis(Effect.void)))).pipe(
              Effect.provideService(ConfigProvider.ConfigProvider, provider({ SG_HEALTH_PORT: "0", ...env }))
            )
            return (yield* get(health.address.port, "/livez?verbose")).body
          }).pipe(Effect.scoped)
        // The default (`NodeRuntime.runMain`'s), which reads an empty value as unset; one that keeps empty values
        // (`Runner.runMain`'s); a flat source of the app's own.
        const providers = {
          fromEnv: (env: Record<string, string>) => ConfigProvider.fromEnv({ env }),
          preserving: (env: Record<string, string>) => ConfigProvider.fromEnv({ env, preserveEmptyStrings: true }),
          fromUnknown: (env: Record<string, string>) => ConfigProvider.fromUnknown(env)
        }
        for (const [name, provider] of Object.entries(providers)) {
          for (const value of ["", "none"]) {
            const body = yield* livez({ SG_HEALTH_LIVENESS_CHECKS: value }, provider)
            assert.strictEqual(body, "livez check passed\n", `${name}, ${JSON.stringify(value)}`)
          }
          assert.match(yield* livez({}, provider), /redis/, `${name}, unset: the default, redis`)
        }
      })
  )

  it.effect("a liveness check that names no check, read from the environment, names the variable too", () =>
    Effect.gen(function*() {
      const db = HealthCheck.make({ name: "db", check: Effect.void })
      const env = withEnv({ SG_HEALTH_PORT: "0", SG_HEALTH_LIVENESS_CHECKS: "redis,nope" })
      const layers = [
        ["HealthServerLive", HealthServerLive],
        ["Runner.layer", Runner.layer(Layer.empty, { checks: [db] })]
      ] as const
      for (const [name, layer] of layers) {
        const exit = yield* Layer.build(Layer.provide(layer, idleClient())).pipe(env, Effect.scoped, Effect.exit)
        const error = Option.getOrThrow(failureOf(exit))
        assert.strictEqual(error._tag, "HealthServerOptionsError", name)
        assert.deepInclude(error, { option: "livenessChecks", variable: "SG_HEALTH_LIVENESS_CHECKS" }, name)
        assert.strictEqual(
          error.message,
          `Invalid SG_HEALTH_LIVENESS_CHECKS: no check is named "nope" ` +
            `(the checks are: redis${name === "Runner.layer" ? ", db" : ""})`,
          name
        )
      }
    }))

  liveLogged(
    "Runner.layer attaches the health server from SG_HEALTH_*, with the app's checks beside redis",
    (logs) =>
      Effect.gen(function*() {
        const db = yield* scriptedCheck
        yield* Layer.build(
          Runner.layer(Layer.empty, { checks: [HealthCheck.make({ name: "db", check: db.check })] }).pipe(
            Layer.provide(scriptedRedis(Effect.void))
          )
        ).pipe(
          withEnv({ SG_HEALTH_PORT: "0", SG_HEALTH_CHECK_INTERVAL: "100 millis", SG_HEALTH_FAILURE_THRESHOLD: "1" })
        )
        // Runner.layer keeps the health server to itself: its port is the one its start-up line logged.
        const port = Number(logs.find((line) => line.message === "health_server_started")?.annotations.port)
        assert.isAbove(port, 0)
        assert.strictEqual((yield* get(port, "/readyz/redis?verbose")).body, "[+]redis ok\nreadyz check passed\n")
        assert.strictEqual((yield* get(port, "/readyz/db")).status, 200)
        yield* Ref.set(db.up, false)
        const status = Effect.map(Effect.orDie(get(port, "/readyz/db")), (reply) => reply.status)
        yield* eventually(status, (status) => status === 503)
      })
  )

  it.effect("REDIS_URL that is not a Redis URL fails naming the variable", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(RedisClient.RedisClientLive).pipe(
        withEnv({ REDIS_URL: "http://user:hunter2@127.0.0.1:6379" }),
        Effect.scoped,
        Effect.exit
      )
      const error = Option.getOrThrow(failureOf(exit))
      assert.deepInclude(error, {
        _tag: "RedisClientError",
        reason: "InvalidUrl",
        option: "url",
        variable: "REDIS_URL"
      })
      assert.strictEqual(error.message, "Invalid REDIS_URL: Expected a redis:// or rediss:// URL")
      assert.notInclude(failure(exit), "hunter2")
    }))

  live("RedisClient.layerConfig reads the client's options from any Config", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make()
      const layer = RedisClient.layerConfig({ url: Config.Redacted("SESSIONS_URL") })
      const { check } = yield* Effect.map(
        Layer.build(layer).pipe(withEnv({ SESSIONS_URL: redis.url })),
        Context.get(RedisClient.RedisClient)
      )
      yield* check // connected to the Redis of SESSIONS_URL
      const bad = yield* Layer.build(layer).pipe(
        withEnv({ SESSIONS_URL: "http://user:hunter2@127.0.0.1:6379" }),
        Effect.scoped,
        Effect.exit
      )
      assert.strictEqual(Option.getOrThrow(failureOf(bad))._tag, "RedisClientError")
      assert.notInclude(failure(bad), "hunter2")
    }))

  it.effect("a bad URL given in code fails with RedisClientError, without repeating the URL", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(RedisClient.layer({ url: "127.0.0.1:hunter2" })).pipe(Effect.scoped, Effect.exit)
      const error = failureOf(exit)
      assert.isTrue(Option.isSome(error) && error.value._tag === "RedisClientError")
      assert.notInclude(failure(exit), "hunter2")
    }))

  it.effect("HealthServer.layerConfig takes any Config; an invalid threshold in it fails with a typed error naming it", () =>
    Effect.gen(function*() {
      const exit = yield* Layer.build(
        HealthServer.layerConfig({ failureThreshold: Config.succeed(0) }).pipe(Layer.provide(idleClient()))
      ).pipe(Effect.scoped, Effect.exit)
      const error = Option.getOrThrow(failureOf(exit))
      assert.strictEqual(error._tag, "HealthServerOptionsError", failure(exit))
      if (error._tag === "HealthServerOptionsError") {
        assert.deepStrictEqual([error.option, error.variable], ["failureThreshold", undefined])
        assert.strictEqual(error.problem, "must be an integer >= 1, got 0")
      }
    }))

  it.effect(
    "HealthServer.make and its layer run the checks given, in order, with their services; none other, no redis",
    () =>
      Effect.gen(function*() {
        const { calls, check } = yield* scriptedCheck
        const db = HealthCheck.make({ name: "db", check: Effect.void })
        const options = { port: 0, checks: [db, RedisClient.healthCheck] }
        const fromLayer = yield* buildHealth(HealthServer.layer(options).pipe(Layer.provide(scriptedRedis(check))))
        const fromMake = yield* HealthServer.make(options).pipe(Effect.provide(scriptedRedis(check)))
        const withoutRedis = yield* HealthServer.make({ port: 0, checks: [db] })
        yield* TestClock.adjust(0)
        const names = (health: HealthServer.HealthServer) =>
          Effect.map(health.status, (status) => status.checks.map((c) => c.name))
        assert.deepStrictEqual(yield* names(fromLayer), ["db", HealthCheck.redisCheckName])
        assert.deepStrictEqual(yield* names(fromMake), ["db", HealthCheck.redisCheckName])
        assert.deepStrictEqual(yield* names(withoutRedis), ["db"])
        // Each `redis` check ran over the RedisClient it was given.
        assert.strictEqual(yield* Ref.get(calls), 2)
        // A second check named `redis` beside it is a duplicate name.
        const error = yield* buildHealth(
          HealthServer.layer({ port: 0, checks: [RedisClient.healthCheck, redisCheck(Effect.void)] }).pipe(
            Layer.provide(scriptedRedis(check))
          )
        ).pipe(Effect.scoped, Effect.flip)
        assert.deepInclude(error, { _tag: "HealthServerOptionsError", option: "checks[redis]" })
      })
  )
})
