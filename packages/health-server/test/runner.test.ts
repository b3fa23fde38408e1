/**
 * `Runner.layer`: the health server attached to the app's layers, configured from the environment, with the
 * `redis` check and the app's own; a check of the app's gets the services the app's layers provide.
 */
import { assert, it } from "@effect/vitest"
import { HealthCheck, RedisClient, Runner } from "@stargazer/health-server"
import { ConfigProvider, Context, Effect, Layer, Ref, TestClock } from "effect"
import { Redis } from "ioredis"

class Database extends Context.Tag("test/Database")<Database, { readonly ping: Effect.Effect<void> }>() {}

it.scoped("runs the redis check and the app's, each with its services: the app's from the app's layers", () =>
  Effect.gen(function*() {
    const redisRuns = yield* Ref.make(0)
    const databaseRuns = yield* Ref.make(0)
    const AppLive = Layer.succeed(Database, { ping: Ref.update(databaseRuns, (n) => n + 1) })
    const DatabaseCheck = HealthCheck.make({ name: "db", check: Effect.flatMap(Database, (db) => db.ping) })
    const RedisLive = Layer.succeed(RedisClient.RedisClient, {
      client: new Redis({ lazyConnect: true }),
      check: Ref.update(redisRuns, (n) => n + 1)
    })
    // Needs only the RedisClient: the app provides the check's Database.
    const MainLive: Layer.Layer<Database, unknown, RedisClient.RedisClient> = Runner.layer(AppLive, {
      checks: [DatabaseCheck]
    })
    yield* Layer.build(Layer.provide(MainLive, RedisLive)).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SG_HEALTH_PORT", "0"]])))
    )
    yield* TestClock.adjust(0)
    assert.deepStrictEqual([yield* Ref.get(redisRuns), yield* Ref.get(databaseRuns)], [1, 1])
  }))
