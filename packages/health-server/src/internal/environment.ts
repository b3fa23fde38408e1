/**
 * Every environment variable the library reads, in one place: the health server's options
 * (`HealthServerLive`), the Redis topology (`RedisClient.RedisClientLive`) and what the runner reads. An invalid
 * value fails with a `ConfigError` naming the variable, before anything starts.
 *
 * @internal
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as ConfigErrorModule from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { defaults, isValidCheckName } from "../core/options.js"
import { isRedisUrl } from "../core/redis.js"
import { defaultSentinelName, defaultUrl, parseAddressList } from "../core/redisTopology.js"
import type * as HealthServer from "../HealthServer.js"
import type * as RedisClient from "../RedisClient.js"
import { HealthServerOptionsError } from "./errors.js"
import * as Internal from "./healthServer.js"
import * as RedisInternal from "./redisClient.js"

/** `name`, or its former name when `name` is not set. */
const renamed = <A>(make: (name: string) => Config.Config<A>, name: string, former: string): Config.Config<A> =>
  make(name).pipe(Config.orElseIf({ if: ConfigErrorModule.isMissingDataOnly, orElse: () => make(former) }))

const duration = (valid: (duration: Duration.Duration) => boolean, message: string) => (name: string) =>
  Config.duration(name).pipe(Config.validate({ message, validation: valid }))

const positiveDuration = duration(Duration.greaterThan(Duration.zero), "Expected a duration greater than zero")

const atLeastOne = (name: string, fallback: number): Config.Config<number> =>
  Config.integer(name).pipe(
    Config.validate({ message: "Expected an integer >= 1", validation: (n) => n >= 1 }),
    Config.withDefault(fallback)
  )

const commaList = (list: string): Array<string> =>
  list.split(",").map((name) => name.trim()).filter((name) => name !== "")

const shutdownDelay = duration(() => true, "Expected a duration")("SG_HEALTH_SHUTDOWN_DELAY").pipe(
  Config.withDefault(Duration.millis(defaults.shutdownDelayMillis))
)

/** @internal */
export const healthConfig: Config.Config<HealthServer.Options> = Config.all({
  port: Config.integer("SG_HEALTH_PORT").pipe(
    Config.validate({
      message: "Expected a port: an integer from 0 (any free port) to 65535",
      validation: (port) => port >= 0 && port <= 65535
    }),
    Config.withDefault(defaults.port)
  ),
  host: Config.nonEmptyString("SG_HEALTH_HOST").pipe(Config.withDefault(defaults.host)),
  checkInterval: renamed(positiveDuration, "SG_HEALTH_CHECK_INTERVAL", "SG_HEALTH_PING_INTERVAL").pipe(
    Config.withDefault(Duration.millis(defaults.checkIntervalMillis))
  ),
  checkTimeout: renamed(positiveDuration, "SG_HEALTH_CHECK_TIMEOUT", "SG_HEALTH_PING_TIMEOUT").pipe(
    Config.withDefault(Duration.millis(defaults.checkTimeoutMillis))
  ),
  failureThreshold: atLeastOne("SG_HEALTH_FAILURE_THRESHOLD", defaults.failureThreshold),
  successThreshold: atLeastOne("SG_HEALTH_SUCCESS_THRESHOLD", defaults.successThreshold),
  livenessChecks: Config.string("SG_HEALTH_LIVENESS_CHECKS").pipe(
    Config.validate({
      message: "Expected a comma-separated list of check names",
      validation: (list) => commaList(list).every(isValidCheckName)
    }),
    Config.withDefault("redis"),
    Config.map(commaList)
  ),
  initialState: Config.literal("healthy", "starting")("SG_HEALTH_INITIAL_STATE").pipe(
    Config.withDefault(defaults.initialState)
  ),
  exposeDetails: Config.boolean("SG_HEALTH_EXPOSE_DETAILS").pipe(Config.withDefault(defaults.exposeDetails)),
  shutdownDelay
})

/** @internal */
export const shutdownConfig: Config.Config<{
  readonly shutdownDelay: Duration.Duration
  readonly stopTimeout: Duration.Duration
}> = Config.all({
  shutdownDelay,
  stopTimeout: positiveDuration("SG_HEALTH_STOP_TIMEOUT").pipe(
    Config.withDefault(Duration.millis(defaults.stopTimeoutMillis))
  )
})

/** Whether `HealthServerLive` serves `/metrics` (the Prometheus endpoint). @internal */
export const metricsEnabled: Config.Config<boolean> = Config.boolean("SG_HEALTH_METRICS").pipe(
  Config.withDefault(false)
)

/** @internal */
export const enabled: Config.Config<boolean> = Config.boolean("SG_HEALTH_ENABLED").pipe(Config.withDefault(true))

/** A comma list of `host:port`, when the variable is set. */
const addressList = (name: string): Config.Config<Option.Option<ReadonlyArray<RedisClient.NodeAddress>>> =>
  Config.string(name).pipe(
    Config.mapOrFail((list) => {
      const parsed = parseAddressList(list)
      return typeof parsed === "string"
        ? Either.left(ConfigErrorModule.InvalidData([], parsed))
        : Either.right(parsed)
    }),
    Config.option
  )

/**
 * The Redis of `RedisClientLive`: one topology among `REDIS_URL`, `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS`
 * (with `REDIS_SENTINEL_NAME`), a single server at the default URL when none is set; `REDIS_PASSWORD`.
 *
 * @internal
 */
export const redisConfig: Config.Config<RedisClient.Options> = Config.all({
  url: Config.option(Config.redacted(
    Config.string("REDIS_URL").pipe(
      Config.validate({ message: "Expected a redis:// or rediss:// URL", validation: isRedisUrl })
    )
  )),
  cluster: addressList("REDIS_CLUSTER_NODES"),
  sentinels: addressList("REDIS_SENTINELS"),
  name: Config.string("REDIS_SENTINEL_NAME").pipe(Config.withDefault(defaultSentinelName)),
  password: Config.option(Config.redacted("REDIS_PASSWORD"))
}).pipe(Config.mapOrFail(({ cluster, name, password, sentinels, url }): Either.Either<
  RedisClient.Options,
  ConfigError.ConfigError
> => {
  const topologies: ReadonlyArray<readonly [string, Option.Option<unknown>]> = [
    ["REDIS_URL", url],
    ["REDIS_CLUSTER_NODES", cluster],
    ["REDIS_SENTINELS", sentinels]
  ]
  const set = topologies.filter(([, value]) => Option.isSome(value)).map(([variable]) => variable)
  if (set.length > 1) {
    const problem = `Expected one Redis topology, got ${set.join(" and ")}`
    const fix = "set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS"
    return Either.left(ConfigErrorModule.InvalidData([set[1]], `${problem}: ${fix}`))
  }
  const common: RedisClient.Options = Option.isSome(password) ? { password: password.value } : {}
  if (Option.isSome(cluster)) return Either.right({ ...common, cluster: { nodes: cluster.value } })
  if (Option.isSome(sentinels)) {
    return name.trim() === ""
      ? Either.left(ConfigErrorModule.InvalidData(["REDIS_SENTINEL_NAME"], "Expected the name the sentinels monitor"))
      : Either.right({ ...common, sentinel: { sentinels: sentinels.value, name } })
  }
  return Either.right({ ...common, url: Option.getOrElse(url, () => Redacted.make(defaultUrl)) })
}))

/** The variables behind the options that can only be checked against the checks (not on their own). */
const variables: Readonly<Record<string, string>> = { livenessChecks: "SG_HEALTH_LIVENESS_CHECKS" }

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
          error._tag === "HealthServerOptionsError" && variables[error.option] !== undefined
            ? new HealthServerOptionsError({ ...error, variable: variables[error.option] })
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
