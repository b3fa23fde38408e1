/**
 * The Redis connection the `redis` check uses: a client the library owns (built for probing, connected at
 * acquire, closed at release) for a single server, a Redis Cluster or a Sentinel-managed primary, or one the
 * application owns (never closed by the library); and the check for each.
 *
 * @internal
 */
import { redisCheckName } from "@stargazer/health-core/options"
import type { Client as CoreClient } from "@stargazer/health-core/redis"
import { isCluster, nonOverlapping } from "@stargazer/health-core/redis"
import * as Owned from "@stargazer/health-core/redisClient"
import type { Topology } from "@stargazer/health-core/redisTopology"
import { clientTopologyOf, makeClusterCheck } from "@stargazer/health-core/redisTopology"
import { withDetails } from "@stargazer/health-core/state"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Cluster, Redis } from "ioredis"
import type * as HealthCheck from "../HealthCheck.js"
import type * as RedisClient from "../RedisClient.js"
import { RedisCheckError, RedisClientError } from "./errors.js"
import { annotate } from "./log.js"

/** @internal */
export const RedisClientTag: Context.Service<RedisClient.RedisClient, RedisClient.RedisClient> = Context.Service<
  RedisClient.RedisClient
>("@stargazer/health-server-effect4/RedisClient")

/** A client of ioredis 5 or 6 (typed as 6, the shape the core uses being the same). */
type Client = Redis | Cluster

/** The core is typed against the ioredis it is built with; the parts it uses are the same in 5 and 6. */
const core = (client: Client): CoreClient => client as unknown as CoreClient

/** The `redis` check over the `RedisClient` in context. @internal */
export const healthCheck: HealthCheck.HealthCheck<RedisClient.RedisClient> = {
  name: redisCheckName,
  check: RedisClientTag.use((redis) => redis.check)
}

/** Why the connection is down, when the client knows (its last connection error); for a client it owns. */
type ConnectionError = () => Error | undefined

/** A command `client` refused, as a `RedisCheckError` saying why. */
const refused = (client: Client, error: unknown, connectionError: ConnectionError): RedisCheckError =>
  new RedisCheckError(Owned.refusedReason(core(client), error, connectionError))

/** A PING that never overlaps itself. */
const pingCheck = (client: Client, connectionError: ConnectionError): Effect.Effect<void, RedisCheckError> => {
  const ping = nonOverlapping(() => client.ping())
  return Effect.tryPromise({ try: ping, catch: (error) => refused(client, error, connectionError) }).pipe(
    Effect.asVoid
  )
}

/**
 * `CLUSTER INFO` of each primary in turn: succeeds with the cluster's details while `cluster_state` is `ok`,
 * fails with them otherwise, and fails when the primary asked cannot be reached.
 */
const clusterCheck = (cluster: Cluster, connectionError: ConnectionError): Effect.Effect<unknown, RedisCheckError> => {
  const ask = makeClusterCheck(core(cluster) as Parameters<typeof makeClusterCheck>[0])
  return Effect.tryPromise({ try: ask, catch: (error) => refused(cluster, error, connectionError) }).pipe(
    Effect.flatMap(({ details, ok }) =>
      ok
        ? Effect.succeed(withDetails(details))
        : Effect.fail(
          new RedisCheckError({ reason: `cluster_state:${details.cluster_state}`, cause: undefined, details })
        )
    )
  )
}

const checkOf = (client: Client, connectionError: ConnectionError): Effect.Effect<unknown, RedisCheckError> =>
  isCluster(core(client)) ? clusterCheck(client as Cluster, connectionError) : pingCheck(client, connectionError)

/** @internal */
export const makePing = (client: Client): Effect.Effect<void, RedisCheckError> => pingCheck(client, () => undefined)

/** @internal */
export const makeCheck = (client: Client): Effect.Effect<unknown, RedisCheckError> => checkOf(client, () => undefined)

/** @internal */
export const fromClient = (client: Client): RedisClient.RedisClient => ({ client, check: makeCheck(client) })

/** @internal */
export const layerFromClient = (client: Client): Layer.Layer<RedisClient.RedisClient> =>
  Layer.sync(RedisClientTag, () => fromClient(client))

const reveal = (value: Redacted.Redacted | string | undefined): string | undefined =>
  value === undefined ? undefined : Redacted.isRedacted(value) ? Redacted.value(value) : value

/** The options given in code as one topology, or the `RedisClientError` naming what is wrong. */
const topologyFrom = (options: RedisClient.Options): Effect.Effect<Topology, RedisClientError> => {
  const topology = clientTopologyOf({ url: reveal(options.url), cluster: options.cluster, sentinel: options.sentinel })
  return "problem" in topology ? Effect.fail(new RedisClientError(topology)) : Effect.succeed(topology)
}

const millis = (input: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(input))

/** @internal */
export const make = (
  options: RedisClient.Options = {}
): Effect.Effect<RedisClient.RedisClient, RedisClientError, Scope.Scope> =>
  Effect.gen(function*() {
    const topology = yield* topologyFrom(options)
    const connectTimeoutMillis = millis(options.connectTimeout ?? "5 seconds")
    const owned = yield* Effect.acquireRelease(
      Effect.sync(() =>
        Owned.create(topology, {
          password: reveal(options.password),
          connectTimeoutMillis,
          closeTimeoutMillis: millis(options.closeTimeout ?? "1 second"),
          redisOptions: options.redisOptions as Owned.ClientOptions["redisOptions"],
          clusterOptions: options.cluster?.clusterOptions as Owned.ClientOptions["clusterOptions"]
        })
      ),
      (owned) => Effect.promise(owned.close)
    )
    const failure = yield* Effect.promise(() => Owned.connect(owned, connectTimeoutMillis))
    if (failure !== undefined) {
      yield* Effect.logWarning("redis_connect_failed").pipe(Effect.annotateLogs({ reason: failure }), annotate)
    }
    const client = owned.client as unknown as Client
    return { client, check: checkOf(client, owned.connectionError) }
  })

/** @internal */
export const layer = (options: RedisClient.Options = {}): Layer.Layer<RedisClient.RedisClient, RedisClientError> =>
  Layer.effect(RedisClientTag, make(options))
