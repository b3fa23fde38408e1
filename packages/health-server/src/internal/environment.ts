/**
 * Every environment variable the library reads, through Effect's `Config` (a `ConfigProvider` decides where
 * they come from): the raw strings are read here and parsed by `@stargazer/health-core/environment`, which
 * names the variable in every problem; a problem becomes a `ConfigError` before anything starts.
 *
 * @internal
 */
import * as Environment from "@stargazer/health-core/environment"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as ConfigErrorModule from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as HealthServer from "../HealthServer.js"
import type * as RedisClient from "../RedisClient.js"
import { HealthServerOptionsError } from "./errors.js"
import * as Internal from "./healthServer.js"
import * as RedisInternal from "./redisClient.js"

/** The raw value of every variable the library reads, as the current `ConfigProvider` gives them. */
const lookup: Config.Config<Environment.Lookup> = Config.all(
  Environment.variables.map((variable) => Config.option(Config.string(variable)))
).pipe(Config.map((values) => {
  const byName = new Map(Environment.variables.map((variable, index) => [variable, values[index]]))
  return (variable: string) => Option.getOrUndefined(byName.get(variable as Environment.Variable) ?? Option.none())
}))

/** `read` applied to the environment, its problem as a `ConfigError` naming the variable. */
const parsed = <A, B>(read: (lookup: Environment.Lookup) => Environment.Result<A>, to: (value: A) => B) =>
  lookup.pipe(Config.mapOrFail((lookup) => {
    const result = read(lookup)
    return "problem" in result
      ? Either.left(ConfigErrorModule.InvalidData([result.problem.variable], result.problem.message))
      : Either.right(to(result.value))
  }))

/** @internal */
export const healthConfig: Config.Config<HealthServer.Options> = parsed(
  Environment.health,
  (options) => ({
    port: options.port,
    host: options.host,
    checkInterval: Duration.millis(options.checkIntervalMillis),
    checkTimeout: Duration.millis(options.checkTimeoutMillis),
    failureThreshold: options.failureThreshold,
    successThreshold: options.successThreshold,
    livenessChecks: options.livenessChecks,
    initialState: options.initialState,
    exposeDetails: options.exposeDetails,
    shutdownDelay: Duration.millis(options.shutdownDelayMillis)
  })
)

/** Whether `HealthServerLive` serves `/metrics` (the Prometheus endpoint): `SG_HEALTH_METRICS`. @internal */
export const metricsEnabled: Config.Config<boolean> = parsed(Environment.health, (options) => options.metrics)

/** @internal */
export const shutdownConfig: Config.Config<{
  readonly shutdownDelay: Duration.Duration
  readonly stopTimeout: Duration.Duration
}> = parsed(Environment.shutdown, (options) => ({
  shutdownDelay: Duration.millis(options.shutdownDelayMillis),
  stopTimeout: Duration.millis(options.stopTimeoutMillis)
}))

/** @internal */
export const enabled: Config.Config<boolean> = parsed(Environment.enabled, (enabled) => enabled)

/**
 * The Redis of `RedisClientLive`: one topology among `REDIS_URL`, `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS`
 * (with `REDIS_SENTINEL_NAME`), a single server at the default URL when none is set; `REDIS_PASSWORD`.
 *
 * @internal
 */
export const redisConfig: Config.Config<RedisClient.Options> = parsed(
  Environment.redis,
  (options): RedisClient.Options => {
    const common = options.password === undefined ? {} : { password: Redacted.make(options.password) }
    if ("cluster" in options) return { ...common, cluster: options.cluster }
    if ("sentinel" in options) return { ...common, sentinel: options.sentinel }
    return { ...common, url: Redacted.make(options.url) }
  }
)

/**
 * `HealthServer.layer` configured by `options` read from the environment, with the Prometheus endpoint when
 * `SG_HEALTH_METRICS` is true (loaded only then: OpenTelemetry stays unloaded otherwise).
 *
 * @internal
 */
export const fromEnvironment = (
  options: HealthServer.Options,
  metrics: boolean
): Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServer.HealthServerError | HealthServerOptionsError,
  RedisClient.RedisClient
> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const server = Internal.layer(options).pipe(
      Layer.catchAll((error) =>
        Layer.fail(
          error._tag === "HealthServerOptionsError" && Environment.variableOf[error.option] !== undefined
            ? new HealthServerOptionsError({ ...error, variable: Environment.variableOf[error.option] })
            : error
        )
      )
    )
    if (!metrics) return server
    const Prometheus = yield* Effect.promise(() => import("./prometheus.js"))
    return Layer.provide(server, Prometheus.layer())
  }))

/** @internal */
export const HealthServerLive: Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServer.HealthServerError | HealthServerOptionsError | ConfigError.ConfigError,
  RedisClient.RedisClient
> = Layer.unwrapEffect(
  Effect.map(Config.all([healthConfig, metricsEnabled]), ([options, metrics]) => fromEnvironment(options, metrics))
)

/** @internal */
export const RedisClientLive = Layer.unwrapEffect(Effect.map(redisConfig, RedisInternal.layer))
