/**
 * `Runner.layer`: the health server attached to the app's layers, configured from the environment, with the
 * `redis` check and the app's own; a check of the app's gets the services the app's layers provide.
 */
import { assert, it } from "@effect/vitest"
import * as HealthCheck from "@stargazer/health-server-effect4/HealthCheck"
import * as RedisClient from "@stargazer/health-server-effect4/RedisClient"
import * as Runner from "@stargazer/health-server-effect4/Runner"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/testing/TestClock"
import { Redis } from "ioredis"

class Database extends Context.Service<Database, { readonly ping: Effect.Effect<void> }>()("test/Database") {}

it.effect("runs the redis check and the app's, each with its services: the app's from the app's layers", () =>
  Effect.gen(function*() {
    const redisRuns = yield* Ref.make(0)
    const databaseRuns = yield* Ref.make(0)
    const AppLive = Layer.succeed(Database, { ping: Ref.update(databaseRuns, (n) => n + 1) })
    const DatabaseCheck = HealthCheck.make({ name: "db", check: Database.use((db) => db.ping) })
    const RedisLive = Layer.succeed(RedisClient.RedisClient, {
      client: new Redis({ lazyConnect: true }),
      check: Ref.update(redisRuns, (n) => n + 1)
    })
    // Needs only the RedisClient: the app provides the check's Database.
    const MainLive: Layer.Layer<Database, unknown, RedisClient.RedisClient> = Runner.layer(AppLive, {
      checks: [DatabaseCheck]
    })
    yield* Layer.build(Layer.provide(MainLive, RedisLive)).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { SG_HEALTH_PORT: "0" } }))
    )
    yield* TestClock.adjust(0)
    assert.deepStrictEqual([yield* Ref.get(redisRuns), yield* Ref.get(databaseRuns)], [1, 1])
  }))
