/**
 * The Redis connection behind the `redis` check: a service holding an ioredis client and the check.
 *
 * - `make` / `layer` / `layerConfig` / `RedisClientLive` create a client the library owns, for a single server,
 *   a Redis Cluster or a Sentinel-managed primary: built for probing (no offline queue, so a command sent while
 *   disconnected fails at once instead of queueing), connected at acquire, closed at release.
 * - `layerFromClient` wraps a client the application already owns and never closes it.
 *
 * The check, per topology: `PING` on a single server and through Sentinel (the client follows the primary);
 * `CLUSTER INFO` of each primary in turn on a Cluster, failing on `cluster_state:fail` (a cluster answers
 * `PING` while it refuses every keyed command).
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import * as ConfigModule from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Cluster, ClusterOptions as IORedisClusterOptions, Redis, RedisOptions } from "ioredis"
import type * as HealthCheck from "./HealthCheck.js"
import * as environment from "./internal/environment.js"
import * as errors from "./internal/errors.js"
import * as internal from "./internal/redisClient.js"

/**
 * The client, and the `redis` check (see `makeCheck`): a command that never overlaps itself (while one it sent
 * is unanswered, it waits for that one instead of sending another, so however long Redis hangs, the check adds
 * at most one command to each connection's queues). The health server bounds each run with its timeout. The
 * check of a Cluster succeeds with its details (`cluster_state`, slots, nodes), shown in the probes' bodies.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisClient {
  readonly client: Redis | Cluster
  readonly check: Effect.Effect<unknown, RedisCheckError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export const RedisClient: Context.Tag<RedisClient, RedisClient> = internal.RedisClientTag

/**
 * A check that Redis or the client rejected (`Connection is closed.`, `NOAUTH ...`, `connect ECONNREFUSED`), or
 * a Cluster that reported `cluster_state:fail` (then `details` holds what it reported). `reason` never holds
 * the server's address or credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export const RedisCheckError: typeof errors.RedisCheckError = errors.RedisCheckError

/**
 * @since 0.1.0
 * @category errors
 */
export type RedisCheckError = errors.RedisCheckError

/**
 * The client could not be created: the URL is not a `redis://` or `rediss://` URL (`reason: "InvalidUrl"`), or
 * another option cannot be used (`"InvalidOption"`: two topologies, an empty node list, a port out of range).
 * `option` names it (`cluster.nodes[1].port`); the message never repeats a URL or a password.
 *
 * @since 0.1.0
 * @category errors
 */
export const RedisClientError: typeof errors.RedisClientError = errors.RedisClientError

/**
 * @since 0.1.0
 * @category errors
 */
export type RedisClientError = errors.RedisClientError

/**
 * A node of a Redis Cluster, or a sentinel.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeAddress {
  readonly host: string
  /** 1 to 65535. */
  readonly port: number
}

/**
 * A Redis Cluster: the nodes to start from (any of them; the client learns the others).
 *
 * @since 0.1.0
 * @category models
 */
export interface ClusterOptions {
  readonly nodes: ReadonlyArray<NodeAddress>
  /** Further ioredis `Cluster` options (`natMap`, `dnsLookup`, ...), applied over the library's. */
  readonly clusterOptions?: Omit<IORedisClusterOptions, "redisOptions"> | undefined
}

/**
 * A primary that Sentinel manages: the sentinels to ask, and the name they monitor it under.
 *
 * @since 0.1.0
 * @category models
 */
export interface SentinelOptions {
  readonly sentinels: ReadonlyArray<NodeAddress>
  /** Default `mymaster`. */
  readonly name?: string | undefined
}

/**
 * Options of a client the library owns. Give one topology: `url` (a single server; the default when none is
 * given), `cluster` or `sentinel`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A single server; default `redis://127.0.0.1:6379`. */
  readonly url?: Redacted.Redacted | string | undefined
  /**
   * A Redis Cluster. The client fetches the slots again every 5 seconds (`slotsRefreshInterval`), and the check
   * asks each primary in turn.
   */
  readonly cluster?: ClusterOptions | undefined
  /**
   * A Sentinel-managed primary. The client uses ioredis' failover detector (a subscription to `+switch-master`
   * on each sentinel) and is connected again if ioredis gives it up during a failover.
   */
  readonly sentinel?: SentinelOptions | undefined
  /**
   * The password of the Redis servers (not of the sentinels: `redisOptions.sentinelPassword`). For a single
   * server, used only when the URL holds none.
   */
  readonly password?: Redacted.Redacted | string | undefined
  /** Bound on the connection awaited at acquire; default `5 seconds`. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Bound on `QUIT` at release before the sockets are dropped; default `1 second` (Sentinel: dropped at once). */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /** Further ioredis options (for a Cluster: of each node), applied over the library's. */
  readonly redisOptions?: RedisOptions | undefined
}

/**
 * A `PING` on `client` that never overlaps itself. Make it once per client and reuse it, e.g. as an
 * application check on a second Redis: `HealthCheck.make({ name: "sessions", check: RedisClient.makePing(c) })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePing: (client: Redis | Cluster) => Effect.Effect<void, RedisCheckError> = internal.makePing

/**
 * The check the library runs on `client` as `redis`: `PING` on a `Redis` (a single server, or through
 * Sentinel, following the client), `CLUSTER INFO` on a `Cluster`. On a Cluster each run asks the next primary
 * in turn and fails on `cluster_state:fail` or when that primary cannot be reached; it succeeds with the
 * cluster's details. A Cluster whose pool has lost a primary (ioredis drops a node whose connection ends) is
 * asked to fetch its slots again. Make it once per client and reuse it, e.g. for the `redis` check of
 * `HealthRouter` users: `HealthCheck.make({ name: HealthCheck.redisCheckName, check: RedisClient.makeCheck(c) })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeCheck: (client: Redis | Cluster) => Effect.Effect<unknown, RedisCheckError> = internal.makeCheck

/**
 * The check named `redis` over the `RedisClient` in context (its `check`): give it to `HealthServer.make` or
 * `HealthServer.layer`, which then need a `RedisClient`. `HealthServerLive` and `Runner.layer` run it first
 * among their checks.
 *
 * @since 0.1.0
 * @category checks
 */
export const healthCheck: HealthCheck.HealthCheck<RedisClient> = internal.healthCheck

/**
 * Creates a client the library owns in the current scope: offline queue off, one retry per command, and
 * reconnection with ioredis' default back-off. It connects and waits up to `connectTimeout`; a Redis that is
 * down then is logged at `Warning` (`redis_connect_failed`) and left to the reconnection (the check reports
 * it). Closing the scope sends `QUIT` (to every node of a Cluster), bounded by `closeTimeout`, then drops the
 * sockets; a Sentinel client is disconnected at once, its subscriptions to the sentinels with it. Fails with
 * `RedisClientError` when the options cannot be used.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<RedisClient, RedisClientError, Scope.Scope> = internal.make

/**
 * `make` as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: (options?: Options) => Layer.Layer<RedisClient, RedisClientError> = internal.layer

/**
 * `layer` with its options read from `Config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<RedisClient, RedisClientError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(ConfigModule.unwrap(config), internal.layer))

/**
 * Wraps a client the application owns. The layer never connects, quits or disconnects it; the check
 * (`makeCheck`) sends one command at a time, however the client is configured: `PING` on a `Redis` (through
 * Sentinel, wherever the application's client is connected), `CLUSTER INFO` on a `Cluster`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromClient = (client: Redis | Cluster): Layer.Layer<RedisClient> =>
  Layer.sync(RedisClient, () => internal.fromClient(client))

/**
 * The application-ready client, from the environment: `REDIS_URL` (a single server, redacted; default
 * `redis://127.0.0.1:6379`), or `REDIS_CLUSTER_NODES` (a comma list of `host:port`: a Cluster), or
 * `REDIS_SENTINELS` (a comma list of `host:port`) with `REDIS_SENTINEL_NAME` (default `mymaster`); and
 * `REDIS_PASSWORD` (redacted). More than one topology, an empty or unparsable list or a port out of range fails
 * with `RedisClientError` naming the variable (`Invalid REDIS_SENTINELS: ...`); a `ConfigError` only when the
 * `ConfigProvider` itself cannot be read.
 *
 * @since 0.1.0
 * @category layers
 */
export const RedisClientLive: Layer.Layer<RedisClient, RedisClientError | ConfigError.ConfigError> =
  environment.RedisClientLive
