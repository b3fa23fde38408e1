/**
 * Every environment variable the library reads, through Effect's `Config` (a `ConfigProvider` decides where
 * they come from): the raw strings are read here and parsed by `@stargazer/health-core/environment`, which
 * names the variable in every problem; a problem becomes a `Config.ConfigError` before anything starts.
 *
 * @internal
 */
import * as Environment from "@stargazer/health-core/environment"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as HealthCheck from "../HealthCheck.js"
import type * as HealthServer from "../HealthServer.js"
import type * as RedisClient from "../RedisClient.js"
import { HealthServerError, HealthServerOptionsError, RedisClientError } from "./errors.js"
import * as Internal from "./healthServer.js"
import * as RedisInternal from "./redisClient.js"

/**
 * Whether the current `ConfigProvider` has `variable`, set to an empty value included. Effect 4's providers read
 * an empty value as unset (`fromEnv()`, the default under `NodeRuntime.runMain`, does), but the container above
 * it still names its key: in the environment, where `fromEnv` nests names at `_`, the last segment under the
 * others (`CHECKS` under `SG` › `HEALTH` › `LIVENESS`); in a flat source (`fromUnknown`), the name at the root.
 */
const isPresent = (variable: string): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const provider = yield* ConfigProvider.ConfigProvider
    const named = (path: ReadonlyArray<string>, key: string) =>
      provider.load(path).pipe(
        Effect.map((node) => node?._tag === "Record" && node.keys.has(key)),
        Effect.orElseSucceed(() => false)
      )
    const segments = variable.split("_")
    return (yield* named(segments.slice(0, -1), segments.at(-1)!)) || (yield* named([], variable))
  })

/**
 * The raw value of every variable the library reads, as the current `ConfigProvider` gives them, with a variable
 * set to an empty value read as `""` whatever the provider: the same environment under `Runner.runMain` and under
 * `NodeRuntime.runMain` (`SG_HEALTH_LIVENESS_CHECKS=` means no liveness check, as on Effect 3).
 */
const lookup: Config.Config<Environment.Lookup> = Config.all(
  Environment.variables.map((variable) => Config.option(Config.String(variable)))
).pipe(Config.mapEffect((values) =>
  Effect.gen(function*() {
    const byName = new Map<string, string>()
    for (const [index, variable] of Environment.variables.entries()) {
      const value = values[index]
      if (Option.isSome(value)) byName.set(variable, value.value)
      else if (yield* isPresent(variable)) byName.set(variable, "")
    }
    return (variable: string) => byName.get(variable)
  })
))

/**
 * A problem as a `ConfigError` at the variable's path, worded as the Effect 3 package's
 * (`Invalid data at SG_HEALTH_PORT: "..."`).
 */
const invalid = (problem: Environment.Problem): Config.ConfigError =>
  new Config.ConfigError(
    new Schema.SchemaError(
      new SchemaIssue.Pointer(
        [problem.variable],
        new SchemaIssue.InvalidValue({ message: `Invalid data at ${problem.variable}: "${problem.message}"` })
      )
    )
  )

/** `read` applied to the environment as a `Config`, its problem as a `ConfigError` naming the variable: the
 * public `Config`s, for `layerConfig` and the app's own configuration. */
const parsed = <A, B>(read: (lookup: Environment.Lookup) => Environment.Result<A>, to: (value: A) => B) =>
  lookup.pipe(Config.mapEffect((lookup) => {
    const result = read(lookup)
    return "problem" in result ? Effect.fail(invalid(result.problem)) : Effect.succeed(to(result.value))
  }))

const healthOptionError = (problem: Environment.Problem) =>
  new HealthServerOptionsError(Environment.optionFields(problem))

const redisOptionError = (problem: Environment.Problem) => new RedisClientError(Environment.redisOptionFields(problem))

/**
 * `read` applied to the environment where a layer of the library reads it, its problem as the option's error
 * naming the variable (`Invalid SG_HEALTH_PORT: ...`): one line, the same on both Effect lines, where a
 * `ConfigError` would print its `SchemaError` twice. A `ConfigError` is left for a `ConfigProvider` that cannot
 * be read.
 */
const read = <A, B, E>(
  reader: (lookup: Environment.Lookup) => Environment.Result<A>,
  to: (value: A) => B,
  error: (problem: Environment.Problem) => E
): Effect.Effect<B, Config.ConfigError | E> =>
  Effect.gen(function*() {
    const result = reader(yield* lookup)
    return "problem" in result ? yield* Effect.fail(error(result.problem)) : to(result.value)
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

/** The client's options from the environment, a problem failing with `RedisClientError` naming the variable. @internal */
export const redis = read(Environment.redis, toRedisOptions, redisOptionError)

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
 * `RedisClient` in context first among its checks, and the Prometheus endpoint when `metrics` (loaded only then:
 * OpenTelemetry stays unloaded otherwise). Its errors name the variables.
 *
 * @internal
 */
export const fromEnvironment = <R>(
  options: HealthServer.Options<R>,
  metrics: boolean
): Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServerError | HealthServerOptionsError,
  RedisClient.RedisClient | R
> =>
  Layer.unwrap(Effect.gen(function*() {
    const checks: ReadonlyArray<HealthCheck.HealthCheck<RedisClient.RedisClient | R>> = [
      RedisInternal.healthCheck,
      ...options.checks ?? []
    ]
    const server = Layer.effectContext(Effect.mapError(Internal.makeContext({ ...options, checks }), withVariable))
    if (!metrics) return server
    const Prometheus = yield* Effect.promise(() => import("./prometheus.js"))
    return Layer.provide(server, Prometheus.layer())
  }))

/** @internal */
export const HealthServerLive: Layer.Layer<
  HealthServer.HealthServer | HealthServer.HealthState,
  HealthServerError | HealthServerOptionsError | Config.ConfigError,
  RedisClient.RedisClient
> = Layer.unwrap(Effect.map(health, ({ metrics, options }) => fromEnvironment(options, metrics)))
