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
import type * as HealthCheck from "../HealthCheck.js"
import type * as HealthServer from "../HealthServer.js"
import type * as RedisClient from "../RedisClient.js"
import { HealthServerError, HealthServerOptionsError, RedisClientError } from "./errors.js"
import * as Internal from "./healthServer.js"
import * as RedisInternal from "./redisClient.js"

/** The raw value of every variable the library reads, as the current `ConfigProvider` gives them. */
const lookup: Config.Config<Environment.Lookup> = Config.all(
  Environment.variables.map((variable) => Config.option(Config.string(variable)))
).pipe(Config.map((values) => {
  const byName = new Map(Environment.variables.map((variable, index) => [variable, values[index]]))
  return (variable: string) => Option.getOrUndefined(byName.get(variable as Environment.Variable) ?? Option.none())
}))

/**
 * `read` applied to the environment as a `Config`, its problem as a `ConfigError` naming the variable: the
 * public `Config`s, for `layerConfig` and the app's own configuration.
 */
const parsed = <A, B>(read: (lookup: Environment.Lookup) => Environment.Result<A>, to: (value: A) => B) =>
  lookup.pipe(Config.mapOrFail((lookup) => {
    const result = read(lookup)
    return "problem" in result
      ? Either.left(ConfigErrorModule.InvalidData([result.problem.variable], result.problem.message))
      : Either.right(to(result.value))
  }))

const healthOptionError = (problem: Environment.Problem) =>
  new HealthServerOptionsError(Environment.optionFields(problem))

const redisOptionError = (problem: Environment.Problem) => new RedisClientError(Environment.redisOptionFields(problem))

/**
 * `read` applied to the environment where a layer of the library reads it, its problem as the option's error
 * naming the variable (`Invalid SG_HEALTH_PORT: ...`): one line, the same on both Effect lines. A `ConfigError`
 * is left for a `ConfigProvider` that cannot be read.
 */
const read = <A, B, E>(
  reader: (lookup: Environment.Lookup) => Environment.Result<A>,
  to: (value: A) => B,
  error: (problem: Environment.Problem) => E
): Effect.Effect<B, ConfigError.ConfigError | E> =>
  Effect.flatMap(lookup, (lookup) => {
    const result = reader(lookup)
    return "problem" in result ? Effect.fail(error(result.problem)) : Effect.succeed(to(result.value))
  })

const toHealthOptions = (options: Environment.HealthOptions): HealthServer.Options => ({
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

/** @internal */
export const healthConfig: Config.Config<HealthServer.Options> = parsed(Environment.health, toHealthOptions)

/**
 * The health server's options and whether it serves `/metrics` (the Prometheus endpoint: `SG_HEALTH_METRICS`).
 *
 * @internal
 */
export const health = read(Environment.health, (options) => ({
  options: toHealthOptions(options),
  metrics: options.metrics
}), healthOptionError)

/** @internal */
export const shutdown = read(Environment.shutdown, (options) => ({
  shutdownDelay: Duration.millis(options.shutdownDelayMillis),
  stopTimeout: Duration.millis(options.stopTimeoutMillis)
}), healthOptionError)

/** @internal */
export const enabled = read(Environment.enabled, (enabled) => enabled, healthOptionError)

const toRedisOptions = (options: Environment.RedisOptions): RedisClient.Options => {
  const common = options.password === undefined ? {} : { password: Redacted.make(options.password) }
  if ("cluster" in options) return { ...common, cluster: options.cluster }
  if ("sentinel" in options) return { ...common, sentinel: options.sentinel }
  return { ...common, url: Redacted.make(options.url) }
}

/**
 * The Redis of `RedisClientLive`: one topology among `REDIS_URL`, `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS`
 * (with `REDIS_SENTINEL_NAME`), a single server at the default URL when none is set; `REDIS_PASSWORD`.
 *
 * @internal
 */
export const redisConfig: Config.Config<RedisClient.Options> = parsed(Environment.redis, toRedisOptions)

/** An error of the health server that names the variable its option was read from. */
const withVariable = <E extends HealthServerError | HealthServerOptionsError>(error: E) => {
  if (error._tag === "HealthServerError") {
    const { code, host, option, port, reason } = error
    return new HealthServerError({ host, port, code, reason, option, variable: Environment.addressVariables[option] })
  }
  const variable = Environment.variableOf[error.option]
  return variable === undefined ? error : new HealthServerOptionsError({ ...error, variable })
}

/**
 * `HealthServer.layer` configured by `options` read from the environment, with the `redis` check over the
 * `RedisClient` in context, and the Prometheus endpoint when `metrics` (loaded only then: OpenTelemetry stays
 * unloaded otherwise). Its errors name the variables.
 *
 * @internal
 */
export const fromEnvironment = <R>(
  options: HealthServer.Options<R>,
  metrics: boolean
): Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServer.HealthServerError | HealthServerOptionsError,
  RedisClient.RedisClient | R
> =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const checks: ReadonlyArray<HealthCheck.HealthCheck<RedisClient.RedisClient | R>> = [
      RedisInternal.healthCheck,
      ...options.checks ?? []
    ]
    const server = Internal.layer({ ...options, checks }).pipe(
      Layer.catchAll((error) => Layer.fail(withVariable(error)))
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
> = Layer.unwrapEffect(Effect.map(health, ({ metrics, options }) => fromEnvironment(options, metrics)))

/** @internal */
export const RedisClientLive: Layer.Layer<
  RedisClient.RedisClient,
  RedisClientError | ConfigError.ConfigError
> = Layer.unwrapEffect(
  Effect.map(
    read(Environment.redis, toRedisOptions, redisOptionError),
    RedisInternal.layer
  )
)
