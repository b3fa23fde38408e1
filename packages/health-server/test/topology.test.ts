/**
 * Choosing the Redis topology: from the environment (`REDIS_URL`, `REDIS_CLUSTER_NODES`, `REDIS_SENTINELS`,
 * `REDIS_SENTINEL_NAME`, `REDIS_PASSWORD`) and from options given in code. A bad choice stops start-up with a
 * message naming the variable (or the option), before anything connects (the services' exit on it:
 * test/startup.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { RedisClient } from "@stargazer/health-server"
import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Redacted } from "effect"
import type { Cluster, Redis } from "ioredis"
import * as RedisServer from "../../../test/utils/effect3/redisServer.js"
import { redisConfig } from "../src/internal/environment.js"
import { live } from "./utils/health.js"

const withEnv = (env: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const failure = <A, E>(exit: Exit.Exit<A, E>): string =>
  Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "it succeeded"

/** `RedisClientLive` built under `env`: how it failed (it must fail before connecting anything). */
const startWith = (env: Record<string, string>) =>
  Layer.build(RedisClient.RedisClientLive).pipe(withEnv(env), Effect.scoped, Effect.exit, Effect.map(failure))

/** Environments that must stop start-up, and the variable the message must name. */
const invalid: ReadonlyArray<readonly [Record<string, string>, string]> = [
  [{ REDIS_URL: "redis://127.0.0.1:6379", REDIS_CLUSTER_NODES: "127.0.0.1:7000" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_URL: "redis://127.0.0.1:6379", REDIS_SENTINELS: "127.0.0.1:26379" }, "REDIS_SENTINELS"],
  [{ REDIS_CLUSTER_NODES: "127.0.0.1:7000", REDIS_SENTINELS: "127.0.0.1:26379" }, "REDIS_SENTINELS"],
  [{ REDIS_CLUSTER_NODES: "" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: " , " }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_SENTINELS: "" }, "REDIS_SENTINELS"],
  [{ REDIS_CLUSTER_NODES: "127.0.0.1:7000,127.0.0.1" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: "redis://:hunter2@127.0.0.1:7000" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_SENTINELS: "127.0.0.1:26379;127.0.0.1:26380" }, "REDIS_SENTINELS"],
  [{ REDIS_CLUSTER_NODES: "127.0.0.1:70000" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_SENTINELS: "127.0.0.1:0" }, "REDIS_SENTINELS"],
  [{ REDIS_SENTINELS: "127.0.0.1:26379", REDIS_SENTINEL_NAME: " " }, "REDIS_SENTINEL_NAME"]
]

describe("Redis topology from the environment", () => {
  for (const [env, variable] of invalid) {
    it.effect(`${JSON.stringify(env)} stops start-up naming ${variable}`, () =>
      Effect.gen(function*() {
        const message = yield* startWith({ ...env, REDIS_PASSWORD: "hunter2" })
        assert.include(message, `RedisClientError: Invalid ${variable}: `)
        assert.notInclude(message, "hunter2")
      }))
  }

  it.effect("the message says which variables were set together", () =>
    Effect.gen(function*() {
      const message = yield* startWith({ REDIS_URL: "redis://:hunter2@db:6379", REDIS_SENTINELS: "127.0.0.1:26379" })
      assert.include(message, "Expected one Redis topology, got REDIS_URL and REDIS_SENTINELS")
      assert.notInclude(message, "hunter2")
    }))

  it.effect("each variable gives the client options of its topology", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        redisConfig.pipe(
          Effect.map(({ password, url, ...options }) => ({
            ...options,
            ...(url === undefined ? {} : { url: Redacted.value(url as Redacted.Redacted) }),
            ...(password === undefined ? {} : { password: Redacted.value(password as Redacted.Redacted) })
          })),
          withEnv(env)
        )
      assert.deepStrictEqual(yield* read({}), { url: "redis://127.0.0.1:6379" })
      assert.deepStrictEqual(yield* read({ REDIS_URL: "redis://db:6380", REDIS_PASSWORD: "pw" }), {
        url: "redis://db:6380",
        password: "pw"
      })
      assert.deepStrictEqual(yield* read({ REDIS_CLUSTER_NODES: " 10.0.0.1:7000, [::1]:7001,node-c:7002 " }), {
        cluster: {
          nodes: [{ host: "10.0.0.1", port: 7000 }, { host: "::1", port: 7001 }, { host: "node-c", port: 7002 }]
        }
      })
      assert.deepStrictEqual(yield* read({ REDIS_SENTINELS: "s1:26379,s2:26379", REDIS_PASSWORD: "pw" }), {
        sentinel: { sentinels: [{ host: "s1", port: 26379 }, { host: "s2", port: 26379 }], name: "mymaster" },
        password: "pw"
      })
      assert.deepStrictEqual(yield* read({ REDIS_SENTINELS: "s1:26379", REDIS_SENTINEL_NAME: "cache" }), {
        sentinel: { sentinels: [{ host: "s1", port: 26379 }], name: "cache" }
      })
    }))
})

describe("Redis topology given in code", () => {
  const cases: ReadonlyArray<readonly [string, RedisClient.Options, string]> = [
    ["two topologies", { url: "redis://127.0.0.1:6379", cluster: { nodes: [{ host: "a", port: 1 }] } }, "cluster"],
    ["an empty node list", { cluster: { nodes: [] } }, "cluster.nodes"],
    [
      "a port out of range",
      { cluster: { nodes: [{ host: "a", port: 1 }, { host: "b", port: 65536 }] } },
      "cluster.nodes[1].port"
    ],
    ["an empty host", { sentinel: { sentinels: [{ host: "", port: 26379 }] } }, "sentinel.sentinels[0].host"],
    ["no sentinel", { sentinel: { sentinels: [] } }, "sentinel.sentinels"],
    ["an empty name", { sentinel: { sentinels: [{ host: "a", port: 26379 }], name: "" } }, "sentinel.name"],
    ["a URL that is not Redis's", { url: Redacted.make("http://user:hunter2@db:6379") }, "url"]
  ]
  for (const [what, options, option] of cases) {
    it.effect(`${what} fails with RedisClientError naming ${option}`, () =>
      Effect.gen(function*() {
        const exit = yield* Layer.build(RedisClient.layer({ ...options, password: "hunter2" })).pipe(
          Effect.scoped,
          Effect.exit
        )
        const error = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
        assert.isTrue(Option.isSome(error), failure(exit))
        const { _tag, message, option: named } = Option.getOrThrow(error)
        assert.strictEqual(_tag, "RedisClientError")
        assert.strictEqual(named, option)
        assert.include(message, `Invalid Redis client option ${option}: `)
        assert.notInclude(failure(exit), "hunter2")
      }))
  }
})

describe("the client the library owns for each topology", () => {
  /** Nothing listens on port 1: the client is built, its connection refused, and closed with the scope. */
  const nowhere = [{ host: "127.0.0.1", port: 1 }]
  const built = (options: RedisClient.Options) =>
    RedisClient.make({ connectTimeout: "200 millis", ...options }).pipe(Effect.map(({ client }) => client))

  live(
    "takes the password: for a cluster's nodes, for Sentinel's primary (with the detector on)",
    () =>
      Effect.gen(function*() {
        const cluster = (yield* built({ cluster: { nodes: nowhere }, password: Redacted.make("pw") })) as Cluster
        assert.deepInclude(cluster.options, {
          lazyConnect: true,
          enableOfflineQueue: false,
          slotsRefreshInterval: 5000
        })
        assert.deepInclude(cluster.options.redisOptions, { password: "pw", maxRetriesPerRequest: 1 })
        const sentinel = (yield* built({ sentinel: { sentinels: nowhere }, password: "pw" })) as Redis
        assert.deepInclude(sentinel.options, { password: "pw", name: "mymaster", failoverDetector: true })
      })
  )

  live("takes the password for a single server whose URL holds none", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.make({ password: "pw" })
      const { check } = yield* RedisClient.make({ url: redis.url, password: "pw" })
      yield* check
      // A password in the URL wins.
      const wrong = yield* RedisClient.make({ url: `redis://:pw@127.0.0.1:${redis.port}`, password: "other" })
      yield* wrong.check
    }))
})
